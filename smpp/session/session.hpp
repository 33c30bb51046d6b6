#pragma once
// One SMPP session over one TCP connection, in either role. It owns its
// socket, read buffer, write queue, window and timers, and touches them only
// on its strand; the public methods may be called from any thread (they
// dispatch onto the strand) and complete their callbacks on it.
//
// Reading pulls whatever the socket has into one buffer and decodes every
// complete frame in it; writing gathers everything queued into one write,
// with one write in flight. When the queue passes
// SessionSettings::write_queue_limit the session stops reading until the
// peer drains it (backpressure), and new requests get write_queue_full.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session_handler.hpp"
#include "smpp/session/session_settings.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::session {

class Stream;  // stream.hpp: plain TCP or TLS

// Completion of a request we sent: either a response Pdu (whose status may
// be an SMPP error, e.g. ESME_RTHROTTLED) with an empty error_code, or a
// session_errc (window_full, response_timeout, session_closed, ...) and an
// empty Pdu. A response that arrived but could not be decoded completes its
// request with the decoder's status as a protocol::command_status
// error_code (e.g. ESME_RINVMSGID) and an empty Pdu: the peer did answer,
// so the request is not in doubt the way a response_timeout is.
using ResponseHandler = std::function<void(std::error_code, protocol::Pdu)>;

struct SessionCounters {
    std::uint64_t pdus_in = 0;
    std::uint64_t pdus_out = 0;
    std::uint64_t requests_sent = 0;
    std::uint64_t responses_matched = 0;
    std::uint64_t responses_unexpected = 0;
    std::uint64_t requests_expired = 0;
    std::uint64_t window_full = 0;
    std::uint64_t generic_nacks_sent = 0;
    std::uint64_t decode_errors = 0;
    std::uint64_t responses_late = 0;  // after their timeout, taken by a request's `late` handler
};

class Session : public std::enable_shared_from_this<Session> {
public:
    using tcp = boost::asio::ip::tcp;
    using executor_type = boost::asio::strand<boost::asio::any_io_executor>;

    // The socket must be connected. A socket made on a
    // strand<any_io_executor> (make_strand(any_io_executor)) shares that
    // strand; any other executor gets a strand of its own. Nothing happens
    // until start(). A null handler gets the default SessionHandler.
    static std::shared_ptr<Session> create(tcp::socket socket, role r, SessionSettings settings,
                                           std::shared_ptr<SessionHandler> handler);
    // The same over a Stream (TLS: its handshake done), as the Client and
    // the Listener make it.
    static std::shared_ptr<Session> create(Stream stream, role r, SessionSettings settings,
                                           std::shared_ptr<SessionHandler> handler);
    ~Session();

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Starts reading, the keepalive, and (SMSC role) the bind timeout.
    void start();

    // ESME role: sends bind_* and completes with the bind_*_resp (empty
    // error_code and its Pdu) or an error. On ESME_ROK the session is bound.
    void bind(const BindRequest& request, ResponseHandler done);

    // Sends a request (sequence_number assigned here) and completes with
    // its response or an error; window_full, write_queue_full and not_bound
    // complete at once (inline when called on the strand). bind_* and unbind
    // are refused with not_bound: use bind() and unbind().
    void send_request(protocol::PduBody request, ResponseHandler done);
    // The same; when `done` got response_timeout and the response comes
    // after all (while this session is up, within late_response_window),
    // `late` gets it, once. A carrier that answers a submit_sm in 12 s
    // against a 10 s timeout still took the message: its message_id is the
    // key its receipt will carry.
    void send_request(protocol::PduBody request, ResponseHandler done, ResponseHandler late);

    // Answers a request the handler received (pdu.sequence_number is the
    // request's). Responses are never refused for a full window.
    void respond(protocol::Pdu response);

    // Graceful: stop sending new requests, send unbind, wait for unbind_resp
    // (or unbind_timeout), close with unbind_by_us. `done` runs after close.
    void unbind(std::function<void()> done = {});

    // Immediate: fails every outstanding request with session_closed and
    // closes the socket.
    void close(close_reason reason = close_reason::local_close);

    // Thread-safe snapshots.
    session_state state() const noexcept { return state_.load(std::memory_order_relaxed); }
    std::uint32_t outstanding() const noexcept { return outstanding_.load(std::memory_order_relaxed); }
    std::uint32_t window_room() const noexcept;
    role session_role() const noexcept { return role_; }
    bool is_tls() const noexcept { return tls_; }
    const tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
    // The peer's system_id from its bind (SMSC role) or bind_*_resp (ESME
    // role); written on the strand when bound, so read it from a handler
    // callback or after on_bound.
    const std::string& peer_system_id() const noexcept { return peer_system_id_; }
    SessionCounters counters() const;  // posts no work: counters are atomics internally
    // Octets held for reading (read_buffer.hpp): small until the peer sends
    // a long frame or more than a read takes; as of the last read started.
    std::size_t read_buffer_capacity() const noexcept;
    const executor_type& get_executor() const noexcept { return strand_; }
    const SessionSettings& settings() const noexcept { return settings_; }

private:
    Session(Stream stream, role r, SessionSettings settings, std::shared_ptr<SessionHandler> handler);
    struct Impl;
    executor_type strand_;
    role role_;
    SessionSettings settings_;
    tcp::endpoint remote_;
    bool tls_ = false;
    std::string peer_system_id_;
    std::atomic<session_state> state_{session_state::open};
    std::atomic<std::uint32_t> outstanding_{0};
    std::unique_ptr<Impl> impl_;
};

}  // namespace smpp::session
