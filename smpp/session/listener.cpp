#include "smpp/session/listener.hpp"

#include <mutex>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/forwarding_handler.hpp"

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
            spdlog::warn("smpp listener: accept failed: {}", ec.message());
            return accept();
        }
        boost::system::error_code peer_ec;
        const auto peer = incoming->remote_endpoint(peer_ec);
        auto handler = factory ? factory(peer) : nullptr;
        if (!handler) {
            spdlog::info("smpp listener: connection from {}:{} refused", peer.address().to_string(), peer.port());
            boost::system::error_code ignored;
            incoming->close(ignored);
            return accept();
        }
        // Responses and deliver_sm are small frames written while the peer
        // has more in flight: Nagle would hold each behind its delayed ACK.
        boost::system::error_code nodelay_ec;
        incoming->set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
        auto s = Session::create(std::move(*incoming), role::smsc, settings,
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
        spdlog::info("smpp listener: connection from {}:{}", peer.address().to_string(), peer.port());
        s->start();
        accept();
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

void Listener::start() {
    asio::dispatch(impl_->strand, [i = impl_] { i->start(); });
}

void Listener::stop(std::function<void()> done) {
    asio::dispatch(impl_->strand, [i = impl_, done = std::move(done)]() mutable { i->stop(std::move(done)); });
}

tcp::endpoint Listener::local_endpoint() const { return impl_->local; }

std::vector<std::shared_ptr<Session>> Listener::sessions() const { return impl_->sessions(); }

}  // namespace smpp::session
