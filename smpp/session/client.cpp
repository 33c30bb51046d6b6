#include "smpp/session/client.hpp"

#include <atomic>
#include <mutex>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/forwarding_handler.hpp"
#include "smpp/session/session_error.hpp"
#include "smpp/session/stream.hpp"

namespace smpp::session {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string ClientSettings::validate() const {
    if (endpoints.empty()) return "at least one endpoint is required";
    for (const auto& e : endpoints)
        if (e.host.empty() || e.port == 0) return "every endpoint needs a host and a port";
    if (bind.system_id.size() >= protocol::limits::system_id) return "bind system_id must be at most 15 characters";
    if (bind.password.size() >= protocol::limits::password) return "bind password must be at most 8 characters";
    if (connect_timeout.count() <= 0) return "connect_timeout must be > 0";
    if (max_failed_binds > 0 && hold_off.count() <= 0) return "hold_off must be > 0";
    if (tls.enabled && !tls.cert_file.empty() && tls.key_file.empty()) return "tls key_file is required with cert_file";
    if (auto e = session.validate(); !e.empty()) return e;
    return backoff.validate();
}

// A session that lasted this long was a good one: the next rebind starts
// from the backoff's base again.
constexpr std::chrono::seconds kStable{30};

// The refusals that say our credentials are wrong: repeating them is what
// gets an account locked, so only they count toward hold_off. An SMSC that
// still holds our sessions from before a network blip answers
// ESME_RALYBND, or ESME_RBINDFAIL for its session limit, for a minute or
// two: that passes by itself, and holding off ten minutes for it turned a
// blip into an outage.
bool is_credential_refusal(protocol::command_status s) noexcept {
    using protocol::command_status;
    return s == command_status::ESME_RINVPASWD || s == command_status::ESME_RINVSYSID ||
           s == command_status::ESME_RINVSYSTYP;
}

struct Client::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor ex, ClientSettings s, std::shared_ptr<SessionHandler> h)
        : strand(asio::make_strand(ex)),
          settings(std::move(s)),
          user(h ? std::move(h) : std::make_shared<SessionHandler>()),
          resolver(strand),
          connect_timer(strand),
          retry_timer(strand),
          backoff(settings.backoff) {}

    Session::executor_type strand;
    ClientSettings settings;
    std::shared_ptr<SessionHandler> user;
    tcp::resolver resolver;
    asio::steady_timer connect_timer, retry_timer;
    std::optional<tcp::socket> socket;  // while connecting
    std::optional<Stream> handshaking;  // TLS: between connect and the Session
    std::shared_ptr<asio::ssl::context> tls;  // null without TLS
    Backoff backoff;
    std::size_t next_endpoint = 0, tried_in_round = 0;
    std::uint64_t attempt = 0;  // stale completions compare against this
    bool started = false, stopping = false, stopped = false, current_bound = false;
    std::vector<std::function<void()>> stop_waiters;
    std::shared_ptr<Session> current;  // strand only
    mutable std::mutex mu;
    std::shared_ptr<Session> published;  // bound session, for session()
    std::string published_endpoint, published_error;  // for endpoint() and last_error()
    std::atomic<std::uint32_t> failures{0};
    // Binds the SMSC refused for our credentials since the last good one:
    // only these lead to hold_off. A refused connection, a timeout or any
    // other refusal is an SMSC restarting or a network blip, and locks no
    // account; holding off ten minutes for it turned every SMSC restart
    // into a ten-minute outage.
    std::uint32_t refused_binds = 0;
    // Whether the bind of the current session was refused for credentials
    // (its bind_resp comes before the close that ends the attempt).
    bool credentials_refused = false;
    std::atomic<bool> holding{false};
    // When the current session's bind succeeded: the backoff starts over
    // only once a session stayed up kStable.
    std::chrono::steady_clock::time_point bound_at{};

    std::string endpoint_label() const {
        const auto& e = settings.endpoints[next_endpoint];
        return e.host + ":" + std::to_string(e.port);
    }

    void publish(std::shared_ptr<Session> s) {
        std::lock_guard lock(mu);
        published = std::move(s);
    }

    void set_error(std::string e) {
        std::lock_guard lock(mu);
        published_error = std::move(e);
    }

    void start() {
        if (started || stopping) return;
        started = true;
        if (auto e = settings.validate(); !e.empty()) {
            spdlog::error("smpp client: invalid settings: {}", e);
            return;
        }
        if (settings.tls.enabled) {
            auto r = make_client_context(settings.tls);
            if (!r.context) {
                spdlog::error("smpp client {}: TLS: {}", endpoint_label(), r.error);
                return set_error("tls: " + r.error);
            }
            tls = std::move(r.context);
        }
        connect();
    }

    void connect() {
        if (stopping) return;
        const auto id = ++attempt;
        const auto& ep = settings.endpoints[next_endpoint];
        {
            std::lock_guard lock(mu);
            published_endpoint = endpoint_label();
        }
        connect_timer.expires_after(settings.connect_timeout);
        connect_timer.async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
            if (ec || id != self->attempt) return;
            // Aborting the resolve or connect completes it with an error.
            self->resolver.cancel();
            if (self->socket) {
                boost::system::error_code ignored;
                self->socket->close(ignored);
            }
            if (self->handshaking) self->handshaking->close();
        });
        resolver.async_resolve(
            ep.host, std::to_string(ep.port),
            [self = shared_from_this(), id](boost::system::error_code ec, tcp::resolver::results_type results) {
                if (id != self->attempt) return;
                if (ec) return self->connect_failed(ec);
                self->socket.emplace(self->strand);
                asio::async_connect(*self->socket, results,
                                    [self, id](boost::system::error_code e, const tcp::endpoint&) {
                                        if (id != self->attempt) return;
                                        if (e) return self->connect_failed(e);
                                        self->connected();
                                    });
            });
    }

    void connect_failed(boost::system::error_code ec) {
        connect_timer.cancel();
        socket.reset();
        if (stopping) return;
        spdlog::warn("smpp client {}: connect failed: {}", endpoint_label(), ec.message());
        set_error("connect failed: " + ec.message());
        attempt_failed();
    }

    // Tries the next endpoint at once until every endpoint failed in this
    // round, then waits out the backoff.
    void attempt_failed(bool refused = false) {
        failures.fetch_add(1, std::memory_order_relaxed);
        if (refused) ++refused_binds;
        next_endpoint = (next_endpoint + 1) % settings.endpoints.size();
        if (settings.max_failed_binds > 0 && refused_binds >= settings.max_failed_binds) {
            tried_in_round = 0;
            refused_binds = 0;
            return hold_off();
        }
        if (++tried_in_round < settings.endpoints.size()) return connect();
        tried_in_round = 0;
        retry_later();
    }

    void retry_later() {
        const auto delay = backoff.next();
        spdlog::info("smpp client {}: next bind attempt in {} ms", endpoint_label(), delay.count());
        const auto id = ++attempt;
        retry_timer.expires_after(delay);
        retry_timer.async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
            if (!ec && id == self->attempt) self->connect();
        });
    }

    void hold_off() {
        // Up to a tenth off: the binds of a carrier refused together must
        // not all come back in the same second.
        const auto delay = backoff.jittered(settings.hold_off, 0.1);
        spdlog::warn("smpp client {}: {} binds refused for credentials, holding off for {} ms", endpoint_label(),
                     settings.max_failed_binds, delay.count());
        holding.store(true, std::memory_order_relaxed);
        const auto id = ++attempt;
        retry_timer.expires_after(delay);
        retry_timer.async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
            if (ec || id != self->attempt) return;
            self->holding.store(false, std::memory_order_relaxed);
            self->connect();
        });
    }

    void connected() {
        // Submits are small frames sent while earlier ones await their
        // response: Nagle would hold each behind the peer's delayed ACK.
        boost::system::error_code nodelay_ec;
        socket->set_option(tcp::no_delay(true), nodelay_ec);
        if (!tls) {
            connect_timer.cancel();
            Stream plain(std::move(*socket));
            socket.reset();
            return start_session(std::move(plain));
        }
        // The connect timer keeps running: it bounds the handshake too.
        handshaking.emplace(std::move(*socket), tls);
        socket.reset();
        const auto& ep = settings.endpoints[next_endpoint];
        const std::string& name = settings.tls.server_name.empty() ? ep.host : settings.tls.server_name;
        auto* t = handshaking->tls();
        boost::system::error_code ip_ec;
        asio::ip::make_address(name, ip_ec);
        if (ip_ec) SSL_set_tlsext_host_name(t->native_handle(), name.c_str());  // SNI takes names, not addresses
        if (settings.tls.verify_peer) t->set_verify_callback(asio::ssl::host_name_verification(name));
        t->async_handshake(asio::ssl::stream_base::client,
                           [self = shared_from_this(), id = attempt](boost::system::error_code ec) {
                               if (id != self->attempt) return;
                               self->handshake_done(ec);
                           });
    }

    void handshake_done(boost::system::error_code ec) {
        connect_timer.cancel();
        if (stopping) {
            handshaking.reset();
            return;
        }
        if (ec) {
            const auto why = describe_tls_error(ec, handshaking->tls()->native_handle());
            handshaking->close();
            handshaking.reset();
            spdlog::warn("smpp client {}: TLS handshake failed: {}", endpoint_label(), why);
            set_error("tls handshake failed: " + why);
            return attempt_failed();
        }
        Stream s = std::move(*handshaking);
        handshaking.reset();
        start_session(std::move(s));
    }

    void start_session(Stream stream) {
        auto s = Session::create(std::move(stream), role::esme, settings.session,
                                 std::make_shared<ForwardingHandler>(
                                     user, [w = weak_from_this()](Session& closed, close_reason r) {
                                         if (auto c = w.lock())
                                             asio::dispatch(c->strand, [c, s = closed.shared_from_this(), r] {
                                                 c->on_session_closed(s, r);
                                             });
                                     }));
        current = s;
        current_bound = false;
        credentials_refused = false;
        s->start();
        s->bind(settings.bind, [self = shared_from_this(), s](std::error_code ec, protocol::Pdu p) {
            if (s != self->current) return;
            if (ec) return self->set_error("bind failed: " + ec.message());
            if (p.status != protocol::command_status::ESME_ROK) {
                self->credentials_refused = is_credential_refusal(p.status);
                return self->set_error("bind rejected: " + std::string(protocol::name(p.status)));
            }
            self->current_bound = true;
            self->bound_at = std::chrono::steady_clock::now();
            self->tried_in_round = 0;
            self->refused_binds = 0;
            self->failures.store(0, std::memory_order_relaxed);
            self->publish(s);
            if (self->stopping) s->unbind();
        });
    }

    void on_session_closed(const std::shared_ptr<Session>& s, close_reason reason) {
        if (s != current) return;
        current.reset();
        publish(nullptr);
        if (stopping) return finish_stop();
        // A rejected bind already said why; keep that over "closed: bind_rejected".
        if (reason != close_reason::bind_rejected) set_error("closed: " + std::string(name(reason)));
        if (is_planned(reason)) {
            spdlog::info("smpp client {}: session closed ({}), not rebinding", endpoint_label(), name(reason));
            return;
        }
        if (!current_bound) return attempt_failed(reason == close_reason::bind_rejected && credentials_refused);
        // An SMSC that takes the bind and drops it at once (too many
        // sessions, an address it does not like) would otherwise see us back
        // every second, for ever: the backoff keeps growing until a session
        // lasts.
        if (std::chrono::steady_clock::now() - bound_at >= kStable) backoff.reset();
        retry_later();
    }

    void stop(std::function<void()> done) {
        if (done) stop_waiters.push_back(std::move(done));
        if (stopped) return finish_stop();
        if (stopping) return;
        stopping = true;
        ++attempt;
        boost::system::error_code ignored;
        connect_timer.cancel();
        retry_timer.cancel();
        holding.store(false, std::memory_order_relaxed);
        resolver.cancel();
        if (socket) socket->close(ignored);
        socket.reset();
        if (handshaking) handshaking->close();  // its handshake completes with an error, ignored
        if (!current) return finish_stop();
        if (is_bound(current->state()))
            current->unbind();
        else
            current->close(close_reason::shutdown);
    }

    void finish_stop() {
        stopped = true;
        auto waiters = std::move(stop_waiters);
        for (auto& w : waiters) w();
    }
};

std::shared_ptr<Client> Client::create(asio::any_io_executor ex, ClientSettings settings,
                                       std::shared_ptr<SessionHandler> handler) {
    return std::shared_ptr<Client>(new Client(std::move(ex), std::move(settings), std::move(handler)));
}

Client::Client(asio::any_io_executor ex, ClientSettings settings, std::shared_ptr<SessionHandler> handler)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(settings), std::move(handler))) {}

Client::~Client() = default;

void Client::start() {
    asio::dispatch(impl_->strand, [i = impl_] { i->start(); });
}

void Client::stop(std::function<void()> done) {
    asio::dispatch(impl_->strand, [i = impl_, done = std::move(done)]() mutable { i->stop(std::move(done)); });
}

std::shared_ptr<Session> Client::session() const {
    std::lock_guard lock(impl_->mu);
    return impl_->published;
}

std::uint32_t Client::consecutive_failures() const noexcept {
    return impl_->failures.load(std::memory_order_relaxed);
}

bool Client::holding_off() const noexcept { return impl_->holding.load(std::memory_order_relaxed); }

std::string Client::endpoint() const {
    std::lock_guard lock(impl_->mu);
    return impl_->published_endpoint;
}

std::string Client::last_error() const {
    std::lock_guard lock(impl_->mu);
    return impl_->published_error;
}

}  // namespace smpp::session
