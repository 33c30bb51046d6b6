#pragma once
// The byte stream under one Session: a plain TCP socket or TLS over one.
// The Session reads and writes through it the same way either way; the
// Client and the Listener make it and run the TLS handshake before the
// Session exists, so a Session never sees an unauthenticated peer.
//
// Like the socket it wraps, a Stream is touched only on its session's
// strand: one read and one write may be outstanding at once, which
// ssl::stream allows as long as both complete on that strand.
#include <memory>
#include <utility>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace smpp::session {

class Stream {
public:
    using tcp = boost::asio::ip::tcp;
    using tls_stream = boost::asio::ssl::stream<tcp::socket>;

    explicit Stream(tcp::socket socket) : s_(std::move(socket)) {}
    // TLS over `socket`; the caller runs tls()->async_handshake before use.
    // The context is kept alive as long as the stream.
    Stream(tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
        : context_(std::move(context)), s_(std::in_place_type<tls_stream>, std::move(socket), *context_) {}

    Stream(Stream&&) noexcept = default;
    Stream& operator=(Stream&&) noexcept = default;

    bool is_tls() const noexcept { return std::holds_alternative<tls_stream>(s_); }
    // Null for a plain stream.
    tls_stream* tls() noexcept { return std::get_if<tls_stream>(&s_); }

    tcp::socket& socket() noexcept {
        if (auto* t = tls()) return t->next_layer();
        return std::get<tcp::socket>(s_);
    }
    tcp::socket::executor_type get_executor() noexcept { return socket().get_executor(); }

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<Handler>(handler)); }, s_);
    }

    // All of `buffers`, like boost::asio::async_write.
    template <class ConstBuffers, class Handler>
    void async_write(const ConstBuffers& buffers, Handler&& handler) {
        std::visit([&](auto& s) { boost::asio::async_write(s, buffers, std::forward<Handler>(handler)); }, s_);
    }

    // Closes the TCP connection at once. TLS gets no close_notify: SMPP's
    // unbind/unbind_resp is the orderly end, and a close must not wait on
    // a peer that may be gone.
    void close() noexcept {
        boost::system::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }

private:
    std::shared_ptr<boost::asio::ssl::context> context_;  // before s_: outlives it
    std::variant<tcp::socket, tls_stream> s_;
};

}  // namespace smpp::session
