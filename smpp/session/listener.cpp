#include "smpp/session/listener.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/forwarding_handler.hpp"
#include "smpp/session/stream.hpp"
#include "smpp/session/tls_context.hpp"

namespace smpp::session {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Listener::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor e, const tcp::endpoint& at, SessionSettings s, HandlerFactory f)
        : ex(std::move(e)), strand(asio::make_strand(ex)), acceptor(strand), settings(std::move(s)), factory(std::move(f)) {
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen();
        local = acceptor.local_endpoint();
    }

    asio::any_io_executor ex;
    Session::executor_type strand;
    tcp::acceptor acceptor;
    tcp::endpoint local;
    SessionSettings settings;
    HandlerFactory factory;
    std::optional<tcp::socket> incoming;
    // accept() failing (out of file descriptors, above all) leaves the
    // connection in the backlog: retried at once it fails again at once, a
    // busy loop that wrote a warning per try (GBs of log in seconds). Paused
    // instead, 10 ms doubling to 1 s, one warning per streak.
    asio::steady_timer accept_pause{strand};
    std::chrono::milliseconds pause{0};
    std::uint64_t failed_in_streak = 0;
    std::atomic<std::uint64_t> accept_failures{0};
    std::shared_ptr<asio::ssl::context> tls;  // null: plain TCP
    // A connection in its TLS handshake, on its own strand.
    struct Handshake {
        Stream stream;
        asio::steady_timer timer;
        std::shared_ptr<SessionHandler> handler;
        tcp::endpoint peer;
        // Set on the connection's strand when the handshake completes; from
        // then on only the listener's strand touches the stream.
        bool done = false;
    };
    std::vector<std::weak_ptr<Handshake>> handshakes;  // to close on stop
    bool started = false, stopping = false, stopped = false;
    std::vector<std::function<void()>> stop_waiters;
    mutable std::mutex mu;
    std::vector<std::shared_ptr<Session>> live;

    void start() {
        if (started || stopping) return;
        started = true;
        spdlog::info("smpp listener: accepting on {}:{}", local.address().to_string(), local.port());
        accept();
    }

    void accept() {
        // Each connection gets its own strand so sessions run in parallel
        // when the io_context has several threads.
        incoming.emplace(asio::make_strand(ex));
        acceptor.async_accept(*incoming, [self = shared_from_this()](boost::system::error_code ec) {
            self->on_accept(ec);
        });
    }

    void on_accept(boost::system::error_code ec) {
        if (stopping) return;
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            accept_failures.fetch_add(1, std::memory_order_relaxed);
            if (failed_in_streak++ == 0)
                spdlog::warn("smpp listener: accept failed: {}; pausing new connections until it works again",
                             ec.message());
            pause = std::clamp(pause * 2, std::chrono::milliseconds{10}, std::chrono::milliseconds{1'000});
            accept_pause.expires_after(pause);
            accept_pause.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
                if (!wait_ec && !self->stopping) self->accept();
            });
            return;
        }
        if (failed_in_streak > 0) {
            spdlog::warn("smpp listener: accepting again after {} failed accept(s)", failed_in_streak);
            failed_in_streak = 0;
            pause = std::chrono::milliseconds{0};
        }
        boost::system::error_code peer_ec;
        const auto peer = incoming->remote_endpoint(peer_ec);
        auto handler = factory ? factory(peer) : nullptr;
        if (!handler) {
            // Debug: a flood of refused connections would be a flood of lines
            // (the factory says why, rate-limited).
            spdlog::debug("smpp listener: connection from {}:{} refused", peer.address().to_string(), peer.port());
            boost::system::error_code ignored;
            incoming->close(ignored);
            return accept();
        }
        // Responses and deliver_sm are small frames written while the peer
        // has more in flight: Nagle would hold each behind its delayed ACK.
        boost::system::error_code nodelay_ec;
        incoming->set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
        if (tls) {
            handshake(std::move(handler), peer);
        } else {
            start_session(Stream(std::move(*incoming)), std::move(handler), peer);
        }
        incoming.reset();
        accept();
    }

    void handshake(std::shared_ptr<SessionHandler> handler, const tcp::endpoint& peer) {
        auto ex = incoming->get_executor();  // the connection's own strand
        auto h = std::make_shared<Handshake>(
            Handshake{Stream(std::move(*incoming), tls), asio::steady_timer(ex), std::move(handler), peer, false});
        std::erase_if(handshakes, [](const auto& w) { return w.expired(); });
        handshakes.push_back(h);
        h->timer.expires_after(settings.bind_timeout);
        h->timer.async_wait([h](boost::system::error_code ec) {
            if (!ec && !h->done) h->stream.close();  // the handshake completes with an error
        });
        h->stream.tls()->async_handshake(
            asio::ssl::stream_base::server, [self = shared_from_this(), h](boost::system::error_code ec) {
                h->done = true;
                h->timer.cancel();
                if (ec) {
                    spdlog::warn("smpp listener: TLS handshake with {}:{} failed: {}", h->peer.address().to_string(),
                                 h->peer.port(), describe_tls_error(ec, h->stream.tls()->native_handle()));
                    h->stream.close();
                    return;
                }
                asio::dispatch(self->strand, [self, h] {
                    if (self->stopping) return h->stream.close();
                    self->start_session(std::move(h->stream), std::move(h->handler), h->peer);
                });
            });
    }

    void start_session(Stream stream, std::shared_ptr<SessionHandler> handler, const tcp::endpoint& peer) {
        auto s = Session::create(std::move(stream), role::smsc, settings,
                                 std::make_shared<ForwardingHandler>(
                                     std::move(handler), [w = weak_from_this()](Session& closed, close_reason) {
                                         if (auto l = w.lock())
                                             asio::dispatch(l->strand, [l, s = closed.shared_from_this()] {
                                                 l->on_session_closed(s);
                                             });
                                     }));
        {
            std::lock_guard lock(mu);
            live.push_back(s);
        }
        spdlog::info("smpp listener: {}connection from {}:{}", s->is_tls() ? "TLS " : "", peer.address().to_string(),
                     peer.port());
        s->start();
    }

    void on_session_closed(const std::shared_ptr<Session>& s) {
        bool empty;
        {
            std::lock_guard lock(mu);
            std::erase(live, s);
            empty = live.empty();
        }
        if (stopping && empty) finish_stop();
    }

    void stop(std::function<void()> done) {
        if (done) stop_waiters.push_back(std::move(done));
        if (stopped) return finish_stop();
        if (stopping) return;
        stopping = true;
        boost::system::error_code ignored;
        acceptor.close(ignored);
        accept_pause.cancel();
        for (auto& w : handshakes)
            if (auto h = w.lock())
                asio::dispatch(h->timer.get_executor(), [h] {
                    if (!h->done) h->stream.close();
                });
        handshakes.clear();
        auto snapshot = sessions();
        if (snapshot.empty()) return finish_stop();
        spdlog::info("smpp listener: stopping, unbinding {} session(s)", snapshot.size());
        for (auto& s : snapshot) {
            if (is_bound(s->state()))
                s->unbind();
            else
                s->close(close_reason::shutdown);
        }
    }

    void finish_stop() {
        stopped = true;
        auto waiters = std::move(stop_waiters);
        for (auto& w : waiters) w();
    }

    std::vector<std::shared_ptr<Session>> sessions() const {
        std::lock_guard lock(mu);
        return live;
    }
};

std::shared_ptr<Listener> Listener::create(asio::any_io_executor ex, const tcp::endpoint& at, SessionSettings settings,
                                           HandlerFactory factory) {
    return std::shared_ptr<Listener>(new Listener(std::move(ex), at, std::move(settings), std::move(factory)));
}

Listener::Listener(asio::any_io_executor ex, const tcp::endpoint& at, SessionSettings settings, HandlerFactory factory)
    : impl_(std::make_shared<Impl>(std::move(ex), at, std::move(settings), std::move(factory))) {}

Listener::~Listener() = default;

void Listener::set_tls(std::shared_ptr<asio::ssl::context> context) {
    asio::dispatch(impl_->strand, [i = impl_, c = std::move(context)]() mutable { i->tls = std::move(c); });
}

void Listener::start() {
    asio::dispatch(impl_->strand, [i = impl_] { i->start(); });
}

void Listener::stop(std::function<void()> done) {
    asio::dispatch(impl_->strand, [i = impl_, done = std::move(done)]() mutable { i->stop(std::move(done)); });
}

tcp::endpoint Listener::local_endpoint() const { return impl_->local; }

std::uint64_t Listener::accept_failures() const { return impl_->accept_failures.load(std::memory_order_relaxed); }

std::vector<std::shared_ptr<Session>> Listener::sessions() const { return impl_->sessions(); }

}  // namespace smpp::session
