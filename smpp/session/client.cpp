#include "smpp/session/client.hpp"

#include <atomic>
#include <mutex>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/forwarding_handler.hpp"
#include "smpp/session/session_error.hpp"

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
    if (auto e = session.validate(); !e.empty()) return e;
    return backoff.validate();
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
    Backoff backoff;
    std::size_t next_endpoint = 0, tried_in_round = 0;
    std::uint64_t attempt = 0;  // stale completions compare against this
    bool started = false, stopping = false, stopped = false, current_bound = false;
    std::vector<std::function<void()>> stop_waiters;
    std::shared_ptr<Session> current;  // strand only
    mutable std::mutex mu;
    std::shared_ptr<Session> published;  // bound session, for session()
    std::atomic<std::uint32_t> failures{0};
    std::atomic<bool> holding{false};

    std::string endpoint_label() const {
        const auto& e = settings.endpoints[next_endpoint];
        return e.host + ":" + std::to_string(e.port);
    }

    void publish(std::shared_ptr<Session> s) {
        std::lock_guard lock(mu);
        published = std::move(s);
    }

    void start() {
        if (started || stopping) return;
        started = true;
        if (auto e = settings.validate(); !e.empty()) {
            spdlog::error("smpp client: invalid settings: {}", e);
            return;
        }
        connect();
    }

    void connect() {
        if (stopping) return;
        const auto id = ++attempt;
        const auto& ep = settings.endpoints[next_endpoint];
        connect_timer.expires_after(settings.connect_timeout);
        connect_timer.async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
            if (ec || id != self->attempt) return;
            // Aborting the resolve or connect completes it with an error.
            self->resolver.cancel();
            if (self->socket) {
                boost::system::error_code ignored;
                self->socket->close(ignored);
            }
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
        attempt_failed();
    }

    // Tries the next endpoint at once until every endpoint failed in this
    // round, then waits out the backoff.
    void attempt_failed() {
        const auto failed = failures.fetch_add(1, std::memory_order_relaxed) + 1;
        next_endpoint = (next_endpoint + 1) % settings.endpoints.size();
        if (settings.max_failed_binds > 0 && failed >= settings.max_failed_binds) {
            tried_in_round = 0;
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
        spdlog::warn("smpp client {}: {} consecutive failed binds, holding off for {} ms", endpoint_label(),
                     failures.load(std::memory_order_relaxed), settings.hold_off.count());
        holding.store(true, std::memory_order_relaxed);
        const auto id = ++attempt;
        retry_timer.expires_after(settings.hold_off);
        retry_timer.async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
            if (ec || id != self->attempt) return;
            self->holding.store(false, std::memory_order_relaxed);
            self->connect();
        });
    }

    void connected() {
        connect_timer.cancel();
        // Submits are small frames sent while earlier ones await their
        // response: Nagle would hold each behind the peer's delayed ACK.
        boost::system::error_code nodelay_ec;
        socket->set_option(tcp::no_delay(true), nodelay_ec);
        auto s = Session::create(std::move(*socket), role::esme, settings.session,
                                 std::make_shared<ForwardingHandler>(
                                     user, [w = weak_from_this()](Session& closed, close_reason r) {
                                         if (auto c = w.lock())
                                             asio::dispatch(c->strand, [c, s = closed.shared_from_this(), r] {
                                                 c->on_session_closed(s, r);
                                             });
                                     }));
        socket.reset();
        current = s;
        current_bound = false;
        s->start();
        s->bind(settings.bind, [self = shared_from_this(), s](std::error_code ec, protocol::Pdu p) {
            if (ec || p.status != protocol::command_status::ESME_ROK || s != self->current) return;
            self->current_bound = true;
            self->backoff.reset();
            self->tried_in_round = 0;
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
        if (is_planned(reason)) {
            spdlog::info("smpp client {}: session closed ({}), not rebinding", endpoint_label(), name(reason));
            return;
        }
        if (!current_bound) return attempt_failed();
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

}  // namespace smpp::session
