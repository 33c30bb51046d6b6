#pragma once
// Test fixtures for sessions over 127.0.0.1: one io_context pumped by the
// test thread (so every callback runs on it and needs no locking), a
// recording handler, and a raw peer that writes hand-built bytes and reads
// back exact bytes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "smpp/protocol/codec.hpp"
#include "smpp/protocol/framing.hpp"
#include "smpp/session/session.hpp"
#include "smpp/session/session_error.hpp"

namespace smpp::session::test {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
using tcp = boost::asio::ip::tcp;

struct Loop {
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{ioc.get_executor()};

    // Runs handlers until pred holds; false after the timeout.
    template <class Pred>
    bool run_until(Pred pred, std::chrono::milliseconds timeout = 3s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            ioc.run_for(1ms);
        }
        return true;
    }
    void run_for(std::chrono::milliseconds d) { ioc.run_for(d); }
};

// Fast timers for tests: every duration in tens of milliseconds.
inline SessionSettings fast_settings(std::string system_id = "test") {
    SessionSettings s;
    s.system_id = std::move(system_id);
    s.response_timeout = 200ms;
    s.enquire_link_interval = 0ms;
    s.bind_timeout = 500ms;
    s.unbind_timeout = 200ms;
    return s;
}

// Records every callback; answers binds and requests as configured.
struct Recorder : SessionHandler {
    protocol::command_status bind_verdict = protocol::command_status::ESME_ROK;
    bool answer_requests = true;
    std::string message_id = "id-1";
    std::optional<BindRequest> outbind_credentials;

    std::vector<BindRequest> bind_requests;
    std::vector<protocol::Pdu> requests;
    std::vector<protocol::Pdu> unexpected;
    int bound = 0;
    std::optional<close_reason> closed;
    std::shared_ptr<Session> session;  // the last session seen, strong until closed

    void on_bind_request(Session& s, const BindRequest& r, BindVerdict verdict) override {
        session = s.shared_from_this();
        bind_requests.push_back(r);
        verdict(bind_verdict);
    }
    void on_bound(Session& s) override {
        session = s.shared_from_this();
        ++bound;
    }
    void on_request(Session& s, protocol::Pdu&& p) override {
        requests.push_back(p);
        if (!answer_requests) return;
        auto resp = protocol::make_response(p.id(), p.sequence_number);
        if (auto* r = resp.as<protocol::SubmitSmResp>()) r->message_id = message_id;
        s.respond(std::move(resp));
    }
    void on_unexpected_response(Session&, const protocol::Pdu& p) override { unexpected.push_back(p); }
    std::optional<BindRequest> on_outbind(Session& s, const protocol::Outbind&) override {
        session = s.shared_from_this();
        return outbind_credentials;
    }
    void on_closed(Session&, close_reason r) override {
        closed = r;
        session.reset();
    }
};

// A completed send_request or bind.
struct Outcome {
    bool done = false;
    std::error_code ec;
    protocol::Pdu pdu;
    ResponseHandler handler() {
        return [this](std::error_code e, protocol::Pdu p) {
            done = true;
            ec = e;
            pdu = std::move(p);
        };
    }
};

inline BindRequest bind_request(bind_type t, std::string system_id = "esme1", std::string password = "secret") {
    BindRequest r;
    r.type = t;
    r.system_id = std::move(system_id);
    r.password = std::move(password);
    r.system_type = "test";
    return r;
}

inline protocol::SubmitSm submit_sm(std::string text = "hello") {
    protocol::SubmitSm s;
    s.source = {1, 1, "12345"};
    s.dest = {1, 1, "4915112345678"};
    s.short_message = std::move(text);
    return s;
}

// An ESME-role session connected to `port` on 127.0.0.1, started.
// sndbuf > 0 pins the socket's send buffer (no autotuning).
inline std::shared_ptr<Session> connect_esme(Loop& loop, std::uint16_t port, std::shared_ptr<SessionHandler> h,
                                             SessionSettings settings = fast_settings("esme"), int sndbuf = 0) {
    tcp::socket sock(boost::asio::make_strand(loop.ioc.get_executor()));
    sock.open(tcp::v4());
    if (sndbuf > 0) sock.set_option(boost::asio::socket_base::send_buffer_size(sndbuf));
    sock.connect(tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
    auto s = Session::create(std::move(sock), role::esme, std::move(settings), std::move(h));
    s->start();
    return s;
}

// ---- hand-built frames -------------------------------------------------------

inline void put32(Bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline Bytes frame(std::uint32_t command_id, std::uint32_t status, std::uint32_t seq, const Bytes& body = {}) {
    Bytes b;
    put32(b, static_cast<std::uint32_t>(protocol::header_size + body.size()));
    put32(b, command_id);
    put32(b, status);
    put32(b, seq);
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

inline Bytes frame(protocol::command_id id, protocol::command_status status, std::uint32_t seq,
                   const Bytes& body = {}) {
    return frame(static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(status), seq, body);
}

inline Bytes cstr(std::string_view s) {
    Bytes b(s.begin(), s.end());
    b.push_back(0);
    return b;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// bind_* body: system_id, password, system_type, interface_version, ton, npi, address_range.
inline Bytes bind_body(std::string_view system_id, std::string_view password) {
    return concat({cstr(system_id), cstr(password), cstr("test"), Bytes{0x34, 0, 0}, cstr("")});
}

// What our SMSC side answers a bind with: system_id and sc_interface_version.
inline Bytes bind_resp_body(std::string_view system_id) {
    return concat({cstr(system_id), Bytes{0x02, 0x10, 0x00, 0x01, 0x34}});
}

inline Bytes encode(const protocol::Pdu& p) {
    Bytes out;
    auto ec = protocol::encode(p, out);
    if (ec) throw std::runtime_error("encode failed in test: " + ec.message());
    return out;
}

// ---- a raw TCP peer ------------------------------------------------------------

class RawPeer {
public:
    explicit RawPeer(int fd = -1) : fd_(fd) {}
    RawPeer(RawPeer&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    RawPeer& operator=(RawPeer&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }

    static RawPeer connect(std::uint16_t port) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            throw std::runtime_error("raw connect failed");
        }
        return RawPeer(fd);
    }

    bool valid() const { return fd_ >= 0; }

    void send(const Bytes& b) {
        std::size_t off = 0;
        while (off < b.size()) {
            auto n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("raw send failed");
            off += static_cast<std::size_t>(n);
        }
    }

    // Exactly n bytes, pumping the loop meanwhile; nullopt on EOF or timeout.
    std::optional<Bytes> read_exact(Loop& loop, std::size_t n, std::chrono::milliseconds timeout = 2s) {
        Bytes out;
        bool eof = false;
        loop.run_until(
            [&] {
                while (out.size() < n) {
                    std::uint8_t buf[4096];
                    auto r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), MSG_DONTWAIT);
                    if (r == 0) {
                        eof = true;
                        return true;
                    }
                    if (r < 0) return false;
                    out.insert(out.end(), buf, buf + r);
                }
                return true;
            },
            timeout);
        if (eof || out.size() < n) return std::nullopt;
        return out;
    }

    // One whole frame, by its command_length.
    std::optional<Bytes> read_frame(Loop& loop, std::chrono::milliseconds timeout = 2s) {
        auto head = read_exact(loop, protocol::header_size, timeout);
        if (!head) return std::nullopt;
        const auto h = protocol::read_header(std::span<const std::uint8_t, 16>(head->data(), 16));
        if (h.command_length < 16 || h.command_length > 1'000'000) return head;
        auto body = read_exact(loop, h.command_length - 16, timeout);
        if (!body) return std::nullopt;
        head->insert(head->end(), body->begin(), body->end());
        return head;
    }

    std::optional<protocol::Pdu> read_pdu(Loop& loop, std::chrono::milliseconds timeout = 2s) {
        auto f = read_frame(loop, timeout);
        if (!f) return std::nullopt;
        auto r = protocol::decode(*f);
        if (auto* p = std::get_if<protocol::Pdu>(&r)) return *p;
        return std::nullopt;
    }

    // True once the other side closed the connection (after any bytes it sent).
    bool wait_eof(Loop& loop, std::chrono::milliseconds timeout = 2s) {
        return loop.run_until(
            [&] {
                std::uint8_t buf[4096];
                auto r = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
                return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
            },
            timeout);
    }

    // Nothing arrives within `d` (bytes read meanwhile are returned).
    Bytes drain_for(Loop& loop, std::chrono::milliseconds d) {
        Bytes out;
        loop.run_until(
            [&] {
                std::uint8_t buf[4096];
                auto r = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
                if (r > 0) out.insert(out.end(), buf, buf + r);
                return false;
            },
            d);
        return out;
    }

private:
    int fd_;
};

// A raw listening socket playing the SMSC for an ESME-role session.
class RawServer {
public:
    // rcvbuf > 0 pins the accepted sockets' receive buffer (no autotuning),
    // so a peer that does not read fills up quickly.
    explicit RawServer(int rcvbuf = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 8);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~RawServer() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

    RawPeer accept(Loop& loop, std::chrono::milliseconds timeout = 2s) {
        int got = -1;
        loop.run_until(
            [&] {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 0) == 1) got = ::accept(fd_, nullptr, nullptr);
                return got >= 0;
            },
            timeout);
        return RawPeer(got);
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace smpp::session::test
