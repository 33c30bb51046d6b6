#include "smpp/session/session.hpp"

#include "smpp/session/stream.hpp"

#include <cstring>
#include <deque>
#include <optional>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/codec.hpp"
#include "smpp/protocol/framing.hpp"
#include "smpp/session/read_buffer.hpp"
#include "smpp/session/session_error.hpp"
#include "smpp/session/window.hpp"

namespace smpp::session {

namespace asio = boost::asio;
using protocol::command_id;
using protocol::command_status;
using protocol::Pdu;
using protocol::PduBody;
using clock = std::chrono::steady_clock;

namespace {

// bind/unbind and enquire_link travel through the window beside the
// application's requests without taking its room.
constexpr std::uint32_t internal_slots = 2;

// A socket made on a strand<any_io_executor> (Client, Listener) shares that
// strand; any other executor gets a fresh strand. Asio 1.18's target() does
// not check the type itself.
Session::executor_type strand_for(const asio::any_io_executor& ex) {
    if (ex.target_type() == typeid(Session::executor_type))
        if (const auto* s = ex.target<Session::executor_type>()) return *s;
    return asio::make_strand(ex);
}

std::string endpoint_label(const asio::ip::tcp::endpoint& ep) {
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

command_id id_of(const PduBody& body) {
    return std::visit([](const auto& b) { return std::decay_t<decltype(b)>::id; }, body);
}

bool is_bind(command_id id) {
    return id == command_id::bind_transmitter || id == command_id::bind_receiver ||
           id == command_id::bind_transceiver;
}

bind_type bind_type_of(command_id id) {
    if (id == command_id::bind_transmitter) return bind_type::transmitter;
    if (id == command_id::bind_receiver) return bind_type::receiver;
    return bind_type::transceiver;
}

// The request a response answers (submit_sm_resp -> submit_sm).
command_id request_of(command_id response) {
    if (response == command_id::generic_nack) return response;
    return static_cast<command_id>(static_cast<std::uint32_t>(response) & 0x7FFFFFFFu);
}

template <class F>
void with_bind(PduBody& body, F&& f) {
    if (auto* b = std::get_if<protocol::BindTransmitter>(&body)) f(*b);
    if (auto* b = std::get_if<protocol::BindReceiver>(&body)) f(*b);
    if (auto* b = std::get_if<protocol::BindTransceiver>(&body)) f(*b);
}

template <class F>
void with_bind_resp(PduBody& body, F&& f) {
    if (auto* b = std::get_if<protocol::BindTransmitterResp>(&body)) f(*b);
    if (auto* b = std::get_if<protocol::BindReceiverResp>(&body)) f(*b);
    if (auto* b = std::get_if<protocol::BindTransceiverResp>(&body)) f(*b);
}

}  // namespace

void SessionHandler::on_request(Session& s, protocol::Pdu&& request) {
    s.respond(protocol::make_response(request.id(), request.sequence_number, command_status::ESME_RSYSERR));
}

struct Session::Impl {
    struct Counters {
        std::atomic<std::uint64_t> pdus_in{0}, pdus_out{0}, requests_sent{0}, responses_matched{0},
            responses_unexpected{0}, requests_expired{0}, window_full{0}, generic_nacks_sent{0}, decode_errors{0},
            responses_late{0};
    };

    Impl(Session& o, Stream st, std::shared_ptr<SessionHandler> h)
        : owner(o),
          stream(std::move(st)),
          handler(h ? std::move(h) : std::make_shared<SessionHandler>()),
          window(o.settings_.window + internal_slots),
          window_timer(o.strand_),
          keepalive_timer(o.strand_),
          bind_timer(o.strand_),
          linger_timer(o.strand_),
          rbuf(o.settings_.max_command_length) {
        wq.reserve(16 * 1024);
        wbuf.reserve(16 * 1024);
    }

    Session& owner;
    Stream stream;
    std::shared_ptr<SessionHandler> handler;
    std::string peer;  // "127.0.0.1:40000", for logs
    Window<ResponseHandler> window;
    std::uint32_t internal_outstanding = 0;
    asio::steady_timer window_timer, keepalive_timer, bind_timer, linger_timer;
    std::optional<clock::time_point> window_armed_at;
    clock::time_point last_rx{};

    ReadBuffer rbuf;
    // rbuf's capacity for Session::read_buffer_capacity() on any thread.
    std::atomic<std::size_t> read_buffer_capacity{ReadBuffer::initial_capacity};
    std::vector<std::uint8_t> wq, wbuf;  // accumulating, being written
    // Requests encoded into wq and not yet handed to the socket: if the
    // session closes now they never left us (not_bound, safe to send
    // elsewhere), unlike those being written (session_closed: in doubt).
    std::vector<std::uint32_t> wq_requests;

    bool started = false, reading = false, writing = false, batching = false;
    bool read_paused = false, stop_reading = false, enquire_outstanding = false, unbind_by_us = false;
    std::optional<close_reason> pending_close;
    // Requests handed to the handler and not yet answered through respond().
    // An unbind from the peer is answered only once these and our own
    // outstanding requests are (or unbind_timeout passed): a submit_sm the
    // ledger is still storing gets its submit_sm_resp before unbind_resp,
    // instead of being stored, sent, and never acknowledged (the upstream
    // would submit it again). Our own unbind waits for them the same way.
    std::size_t unanswered = 0;
    std::optional<std::uint32_t> peer_unbind;  // its sequence number, while deferred
    // SMSC role: requests before a bind succeeded. A binding ESME sends a
    // bind, a retry or two after a refusal, maybe an enquire_link; a peer
    // that sends more is not binding, and each costs us a response, a log
    // line or a password hash: closed past the limit.
    static constexpr std::uint32_t max_unbound_requests = 8;
    // Reading from the peer stops while this many of its requests are not
    // answered yet (TCP then pushes back on it), and resumes at half: a
    // peer that ignores its window must not queue unbounded work here and
    // crowd out the other sessions. Twice our own window, so a peer keeping
    // a window as large as ours never meets it.
    std::size_t owed_limit() const { return 2 * std::max<std::size_t>(settings().window, 1); }
    bool owed_paused = false;
    std::uint32_t unbound_requests = 0;
    // Warnings about the peer's protocol errors: the first few are logged,
    // then one line says the rest are not (a peer sending garbage as fast as
    // it can wrote a line per 16-octet PDU: GBs of log in seconds).
    static constexpr std::uint32_t max_peer_warnings = 20;
    std::uint32_t peer_warnings = 0;
    bool peer_warning() {
        if (peer_warnings > max_peer_warnings) return false;
        if (++peer_warnings <= max_peer_warnings) return true;
        spdlog::warn("smpp session {}: {} protocol warnings; further ones of this session are not logged", label(),
                     max_peer_warnings);
        return false;
    }
    // Requests that timed out and still wait for a late response, by
    // sequence number; `late_order` drops them after late_response_window.
    struct Late {
        command_id response;
        clock::time_point until;
        ResponseHandler handler;
    };
    std::unordered_map<std::uint32_t, Late> late;
    std::deque<std::uint32_t> late_order;
    static constexpr std::size_t max_late = 100'000;
    bool our_unbind_deferred = false;
    std::uint32_t next_seq = 1;
    std::uint64_t bind_attempt = 0;
    std::vector<std::function<void()>> unbind_waiters;
    Counters counters;

    std::shared_ptr<Session> self() { return owner.shared_from_this(); }
    session_state state() const { return owner.state_.load(std::memory_order_relaxed); }
    void set_state(session_state s) { owner.state_.store(s, std::memory_order_relaxed); }
    bool closed() const { return state() == session_state::closed; }
    const SessionSettings& settings() const { return owner.settings_; }
    role peer_role() const { return owner.role_ == role::esme ? role::smsc : role::esme; }
    std::size_t queued_bytes() const { return wq.size() + wbuf.size(); }
    std::uint32_t user_outstanding() const {
        const auto size = window.size();
        return size > internal_outstanding ? size - internal_outstanding : 0;
    }
    void sync_outstanding() { owner.outstanding_.store(user_outstanding(), std::memory_order_relaxed); }
    bool user_window_full() const { return user_outstanding() >= settings().window; }
    std::string label() const {
        return owner.peer_system_id_.empty() ? peer : peer + " " + owner.peer_system_id_;
    }

    // ---- lifecycle ---------------------------------------------------------

    void start() {
        if (started || closed()) return;
        started = true;
        last_rx = clock::now();
        if (owner.role_ == role::smsc) {
            bind_timer.expires_after(settings().bind_timeout);
            bind_timer.async_wait([s = self()](boost::system::error_code ec) {
                auto& i = *s->impl_;
                if (ec || i.closed() || is_bound(i.state()) || i.state() == session_state::unbinding) return;
                spdlog::warn("smpp session {}: no bind within {} ms", i.label(), i.settings().bind_timeout.count());
                i.close(close_reason::bind_timeout);
            });
        }
        arm_keepalive(last_rx + settings().enquire_link_interval);
        start_read();
    }

    void close(close_reason reason) {
        if (closed()) return;
        set_state(session_state::closed);
        boost::system::error_code ignored;
        window_timer.cancel();
        keepalive_timer.cancel();
        bind_timer.cancel();
        linger_timer.cancel();
        stream.close();
        if (is_planned(reason))
            spdlog::info("smpp session {}: closed ({})", label(), name(reason));
        else
            spdlog::warn("smpp session {}: closed ({})", label(), name(reason));
        late.clear();  // a response on another connection is not this one's
        late_order.clear();
        std::vector<ResponseHandler> never_written;
        for (const auto seq : wq_requests)
            if (auto w = window.complete(seq, command_id::generic_nack)) never_written.push_back(std::move(*w));
        wq_requests.clear();
        auto waiters = window.drain();
        for (auto& w : never_written)
            if (w) w(session_errc::not_bound, Pdu{});
        for (auto& w : waiters)
            if (w) w(session_errc::session_closed, Pdu{});
        internal_outstanding = 0;
        sync_outstanding();
        // The handler may hold the last reference to something that holds
        // this session; drop it once the current call stack has unwound.
        auto h = std::move(handler);
        h->on_closed(owner, reason);
        auto dones = std::move(unbind_waiters);
        for (auto& d : dones)
            if (d) d();
        asio::post(owner.strand_, [h = std::move(h)] {});
    }

    // Send what is queued, then close; a peer that does not read gets
    // unbind_timeout to take it.
    void close_after_flush(close_reason reason) {
        if (closed() || pending_close) return;
        pending_close = reason;
        stop_reading = true;
        linger_timer.expires_after(settings().unbind_timeout);
        linger_timer.async_wait([s = self()](boost::system::error_code ec) {
            auto& i = *s->impl_;
            if (!ec && i.pending_close) i.close(*i.pending_close);
        });
        if (!batching) flush();
    }

    // ---- write path --------------------------------------------------------

    bool encode_to_queue(const Pdu& p) {
        // SMPP 3.4 (4.4.2 and alike): a response with an error status carries
        // no body. Responses built by make_response() go out header-only.
        if (p.status != command_status::ESME_ROK && protocol::is_response(p.id()) &&
            p.body == protocol::make_body(p.id())) {
            const auto at = wq.size();
            wq.resize(at + protocol::header_size);
            protocol::write_header({static_cast<std::uint32_t>(protocol::header_size),
                                    static_cast<std::uint32_t>(p.id()), static_cast<std::uint32_t>(p.status),
                                    p.sequence_number},
                                   std::span<std::uint8_t, protocol::header_size>(wq.data() + at, protocol::header_size));
        } else if (auto ec = protocol::encode(p, wq)) {
            return false;
        }
        counters.pdus_out.fetch_add(1, std::memory_order_relaxed);
        return true;
    }

    void queue_response(const Pdu& p) {
        if (closed()) return;
        if (!encode_to_queue(p)) {
            spdlog::warn("smpp session {}: cannot encode {} seq {}, answering ESME_RSYSERR", label(),
                         protocol::name(p.id()), p.sequence_number);
            if (!encode_to_queue(protocol::make_response(request_of(p.id()), p.sequence_number,
                                                         command_status::ESME_RSYSERR)))
                return;
        }
        if (p.id() == command_id::generic_nack) counters.generic_nacks_sent.fetch_add(1, std::memory_order_relaxed);
        if (!batching) flush();
    }

    void flush() {
        if (writing || closed()) return;
        if (wq.empty()) {
            if (pending_close) close(*pending_close);
            return;
        }
        std::swap(wq, wbuf);
        wq_requests.clear();
        writing = true;
        stream.async_write(asio::buffer(wbuf),
                           asio::bind_executor(owner.strand_, [s = self()](boost::system::error_code ec, std::size_t) {
                              s->impl_->on_write(ec);
                          }));
    }

    void on_write(boost::system::error_code ec) {
        writing = false;
        wbuf.clear();
        if (closed()) return;
        if (ec) {
            spdlog::warn("smpp session {}: write failed: {}", label(), ec.message());
            close(pending_close ? *pending_close : close_reason::io_error);
            return;
        }
        flush();
        if (read_paused && queued_bytes() < settings().write_queue_limit / 2) {
            spdlog::info("smpp session {}: write queue drained to {} bytes, reading again", label(), queued_bytes());
            read_paused = false;
            start_read();
        }
    }

    // ---- read path ---------------------------------------------------------

    void start_read() {
        if (reading || closed() || stop_reading || read_paused || owed_paused) return;
        if (queued_bytes() > settings().write_queue_limit) {
            // The peer is not reading our answers: stop taking new requests
            // from it until the queue drains.
            spdlog::warn("smpp session {}: {} bytes queued for a peer that does not read, pausing reads", label(),
                         queued_bytes());
            read_paused = true;
            return;
        }
        const auto room = rbuf.prepare();
        read_buffer_capacity.store(rbuf.capacity(), std::memory_order_relaxed);
        reading = true;
        stream.async_read_some(
            asio::buffer(room.data(), room.size()),
            asio::bind_executor(owner.strand_, [s = self()](boost::system::error_code ec, std::size_t n) {
                s->impl_->on_read(ec, n);
            }));
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        reading = false;
        if (closed()) return;
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            if (pending_close) {
                close(*pending_close);
            } else if (state() == session_state::unbinding && unbind_by_us) {
                close(close_reason::unbind_by_us);
            } else if (ec == asio::error::eof) {
                close(close_reason::peer_closed);
            } else {
                spdlog::warn("smpp session {}: read failed: {}", label(), ec.message());
                close(close_reason::io_error);
            }
            return;
        }
        rbuf.commit(n);
        last_rx = clock::now();
        batching = true;
        parse_frames();
        batching = false;
        if (closed()) return;
        flush();
        start_read();
    }

    void parse_frames() {
        while (!closed() && !stop_reading && !owed_paused) {
            const auto unparsed = rbuf.unparsed();
            if (unparsed.size() < protocol::header_size) break;
            const auto header = protocol::read_header(unparsed.first<protocol::header_size>());
            const auto check = protocol::check_length(header.command_length, settings().max_command_length);
            if (check != protocol::frame_check::ok) {
                framing_error(header, check);
                return;
            }
            if (unparsed.size() < header.command_length) {
                // Make room for the whole frame so the next read can finish it.
                rbuf.fit(header.command_length);
                break;
            }
            // Consumed before it is handled; the octets stay where they are
            // until the next prepare(), which only start_read() calls, never
            // from inside on_frame().
            const auto frame = unparsed.first(header.command_length);
            rbuf.consume(header.command_length);
            on_frame(header, frame);
        }
    }

    void framing_error(const protocol::PduHeader& h, protocol::frame_check check) {
        const bool too_long = check == protocol::frame_check::too_long;
        spdlog::warn("smpp session {}: command_length {} is too {} (allowed {}..{}), answering generic_nack "
                     "ESME_RINVCMDLEN and closing",
                     label(), h.command_length, too_long ? "long" : "short", protocol::header_size,
                     settings().max_command_length);
        counters.decode_errors.fetch_add(1, std::memory_order_relaxed);
        queue_response(Pdu{command_status::ESME_RINVCMDLEN, h.sequence_number, protocol::GenericNack{}});
        close_after_flush(too_long ? close_reason::frame_too_long : close_reason::frame_too_short);
    }

    void on_frame(const protocol::PduHeader& h, std::span<const std::uint8_t> frame) {
        counters.pdus_in.fetch_add(1, std::memory_order_relaxed);
        constexpr std::uint32_t response_bit = 0x80000000u;
        // Open or binding: before any bind succeeded (an unbinding session
        // was bound, and its peer may still be pipelining requests).
        const auto st = state();
        if (owner.role_ == role::smsc && (st == session_state::open || st == session_state::binding) &&
            (h.command_id & response_bit) == 0 && ++unbound_requests > max_unbound_requests) {
            spdlog::warn("smpp session {}: {} requests and no successful bind; closing", label(), unbound_requests);
            close(close_reason::unbound_requests);
            return;
        }
        if (!protocol::is_known(h.command_id)) {
            if (peer_warning())
                spdlog::warn("smpp session {}: unknown command_id 0x{:08x} seq {}, answering generic_nack "
                             "ESME_RINVCMDID",
                             label(), h.command_id, h.sequence_number);
            queue_response(Pdu{command_status::ESME_RINVCMDID, h.sequence_number, protocol::GenericNack{}});
            return;
        }
        const auto id = static_cast<command_id>(h.command_id);
        auto result = protocol::decode(frame);
        if (auto* err = std::get_if<protocol::DecodeError>(&result)) {
            on_decode_error(h, id, *err);
            return;
        }
        on_pdu(std::move(std::get<Pdu>(result)));
    }

    void on_decode_error(const protocol::PduHeader& h, command_id id, const protocol::DecodeError& err) {
        counters.decode_errors.fetch_add(1, std::memory_order_relaxed);
        if (peer_warning())
            spdlog::warn("smpp session {}: cannot decode {} seq {}: {} ({})", label(), protocol::name(id),
                         h.sequence_number, err.detail, protocol::name(err.status));
        if (!protocol::is_response(id)) {
            queue_response(protocol::make_response(id, h.sequence_number, err.status));
            return;
        }
        // A response we cannot read still answers its request: the waiter
        // gets the decoder's status as a command_status error_code.
        if (auto w = window.complete(h.sequence_number, id)) {
            counters.responses_matched.fetch_add(1, std::memory_order_relaxed);
            sync_outstanding();
            (*w)(protocol::make_error_code(err.status), Pdu{});
        } else {
            counters.responses_unexpected.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void on_pdu(Pdu&& p) {
        const auto id = p.id();
        if (protocol::is_response(id)) {
            on_response(std::move(p));
            return;
        }
        const auto st = state();
        switch (id) {
            case command_id::enquire_link:
                queue_response(protocol::make_response(id, p.sequence_number));
                return;
            case command_id::bind_transmitter:
            case command_id::bind_receiver:
            case command_id::bind_transceiver:
                if (owner.role_ == role::smsc) {
                    if (st == session_state::open) {
                        on_bind_request(std::move(p));
                    } else {
                        auto status = is_bound(st) || st == session_state::binding ? command_status::ESME_RALYBND
                                                                                    : command_status::ESME_RINVBNDSTS;
                        if (peer_warning())
                            spdlog::warn("smpp session {}: {} while {}, answering {}", label(), protocol::name(id),
                                         name(st), protocol::name(status));
                        queue_response(protocol::make_response(id, p.sequence_number, status));
                    }
                    return;
                }
                break;
            case command_id::unbind:
                if (request_allowed(peer_role(), st, id)) {
                    set_state(session_state::unbinding);
                    if (peer_unbind) return;  // a second unbind while the first waits
                    peer_unbind = p.sequence_number;
                    // Our own unbind already on the wire: nothing was owed when it went.
                    if (settled() || (unbind_by_us && !our_unbind_deferred)) return answer_peer_unbind();
                    spdlog::info("smpp session {}: unbind from the peer answered after {} request(s) it is owed "
                                 "and {} of ours it has not answered",
                                 label(), unanswered, user_outstanding());
                    linger_timer.expires_after(settings().unbind_timeout);
                    linger_timer.async_wait([s = self()](boost::system::error_code ec) {
                        if (!ec) s->impl_->answer_peer_unbind();
                    });
                    return;
                }
                break;
            case command_id::outbind:
                if (owner.role_ == role::esme && st == session_state::open) {
                    on_outbind(*p.as<protocol::Outbind>());
                    return;
                }
                break;
            case command_id::alert_notification:
                // No response, whatever the state: SMPP 3.4 defines none, and
                // an answer here (the handler's generic_nack) also took the
                // count of a deliver_sm still owed, letting an unbind overtake
                // its deliver_sm_resp.
                if (!request_allowed(peer_role(), st, id)) {
                    spdlog::debug("smpp session {}: alert_notification while {}, ignored", label(), name(st));
                    return;
                }
                handler->on_alert_notification(owner, *p.as<protocol::AlertNotification>());
                return;
            default:
                break;
        }
        if (!request_allowed(peer_role(), st, id)) {
            spdlog::debug("smpp session {}: {} not allowed while {}", label(), protocol::name(id), name(st));
            queue_response(protocol::make_response(id, p.sequence_number, command_status::ESME_RINVBNDSTS));
            return;
        }
        ++unanswered;
        // SMSC role only: on a carrier bind (ESME role) the same reads carry
        // the submit_sm_resp of our own submits, which would go in doubt.
        if (owner.role_ == role::smsc && unanswered >= owed_limit() && !owed_paused) {
            owed_paused = true;
            spdlog::debug("smpp session {}: {} requests not answered yet; reading paused", label(), unanswered);
        }
        handler->on_request(owner, std::move(p));
    }

    bool settled() const { return unanswered == 0 && user_outstanding() == 0; }

    void answer_peer_unbind() {
        if (closed() || !peer_unbind) return;
        const auto seq = *peer_unbind;
        peer_unbind.reset();
        our_unbind_deferred = false;  // the peer's unbind closes the session
        queue_response(protocol::make_response(command_id::unbind, seq));
        close_after_flush(unbind_by_us ? close_reason::unbind_by_us : close_reason::unbind_by_peer);
    }

    // Something owed was answered: a deferred unbind may go now.
    void check_settled() {
        if (closed()) return;
        if (peer_unbind && settled()) answer_peer_unbind();
        if (our_unbind_deferred && unanswered == 0) send_unbind();
    }

    // Session::respond(): the handler's answer to a request it was handed.
    void respond(const Pdu& p) {
        if (unanswered > 0) --unanswered;
        queue_response(p);
        if (peer_unbind || our_unbind_deferred) check_settled();
        if (owed_paused && unanswered <= owed_limit() / 2) {
            owed_paused = false;
            // Posted: respond() may run inside on_request(), in parse_frames().
            asio::post(owner.strand_, [s = self()] { s->impl_->resume_owed(); });
        }
    }

    // Reading again after owed_paused: the frames already buffered first.
    void resume_owed() {
        if (closed() || owed_paused) return;
        batching = true;
        parse_frames();
        batching = false;
        if (closed()) return;
        flush();
        start_read();
    }

    void on_response(Pdu&& p) {
        auto w = window.complete(p.sequence_number, p.id());
        if (!w && !late.empty()) {
            if (auto it = late.find(p.sequence_number);
                it != late.end() && (it->second.response == p.id() || p.id() == command_id::generic_nack)) {
                auto handler = std::move(it->second.handler);
                late.erase(it);
                counters.responses_late.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("smpp session {}: {} seq {} came after its timeout", label(), protocol::name(p.id()),
                             p.sequence_number);
                handler(std::error_code{}, std::move(p));
                return;
            }
        }
        if (!w) {
            counters.responses_unexpected.fetch_add(1, std::memory_order_relaxed);
            handler->on_unexpected_response(owner, p);
            return;
        }
        counters.responses_matched.fetch_add(1, std::memory_order_relaxed);
        sync_outstanding();
        (*w)(std::error_code{}, std::move(p));
        if (peer_unbind) check_settled();
    }

    // ---- requests we send --------------------------------------------------

    std::uint32_t take_sequence_number() {
        for (;;) {
            const auto seq = next_seq;
            next_seq = seq >= protocol::max_sequence_number ? 1 : seq + 1;
            if (!window.contains(seq) && (late.empty() || !late.count(seq))) return seq;
        }
    }

    // A request timed out: its late response, if it comes, goes to `handler`.
    void keep_late(std::uint32_t seq, command_id response, ResponseHandler handler) {
        const auto now = clock::now();
        // Drop what is past its window (or, over max_late, the oldest);
        // entries already answered late are only skipped.
        while (!late_order.empty()) {
            auto it = late.find(late_order.front());
            const bool answered = it == late.end();
            if (!answered && it->second.until > now && late.size() < max_late) break;
            if (!answered) late.erase(it);
            late_order.pop_front();
        }
        late.insert_or_assign(seq, Late{response, now + settings().late_response_window, std::move(handler)});
        late_order.push_back(seq);
    }

    // Encodes, queues and enters the request into the window.
    std::error_code send(PduBody&& body, std::chrono::milliseconds timeout, ResponseHandler&& done,
                         std::optional<std::uint32_t> seq = std::nullopt) {
        if (window.full()) return session_errc::window_full;
        Pdu p{command_status::ESME_ROK, seq ? *seq : take_sequence_number(), std::move(body)};
        if (!encode_to_queue(p)) return session_errc::encode_failed;
        wq_requests.push_back(p.sequence_number);
        const auto deadline = clock::now() + timeout;
        window.insert(p.sequence_number, p.id(), deadline, std::move(done));
        sync_outstanding();
        counters.requests_sent.fetch_add(1, std::memory_order_relaxed);
        arm_window_timer(deadline);
        if (!batching) flush();
        return {};
    }

    // bind, unbind and enquire_link: outside the application's window.
    std::error_code send_internal(PduBody&& body, std::chrono::milliseconds timeout, ResponseHandler done) {
        auto ec = send(std::move(body), timeout, [s = self(), done = std::move(done)](std::error_code e, Pdu p) {
            auto& i = *s->impl_;
            if (i.internal_outstanding > 0) --i.internal_outstanding;
            i.sync_outstanding();
            done(e, std::move(p));
        });
        if (!ec) {
            ++internal_outstanding;
            sync_outstanding();
        }
        return ec;
    }

    void send_request(PduBody&& body, ResponseHandler&& done, ResponseHandler&& on_late = {}) {
        // Closed before it was written: it never left us.
        if (closed()) return done(session_errc::not_bound, Pdu{});
        const auto id = id_of(body);
        if (protocol::is_response(id) || is_bind(id) || id == command_id::unbind || id == command_id::outbind ||
            !request_allowed(owner.role_, state(), id))
            return done(session_errc::not_bound, Pdu{});
        if (queued_bytes() > settings().write_queue_limit) return done(session_errc::write_queue_full, Pdu{});
        if (user_window_full()) {
            counters.window_full.fetch_add(1, std::memory_order_relaxed);
            return done(session_errc::window_full, Pdu{});
        }
        std::optional<std::uint32_t> seq;
        if (on_late) {
            seq = take_sequence_number();
            done = [s = self(), seq = *seq, response = protocol::response_id(id), done = std::move(done),
                    on_late = std::move(on_late)](std::error_code e, Pdu p) mutable {
                if (e == session_errc::response_timeout && !s->impl_->closed())
                    s->impl_->keep_late(seq, response, std::move(on_late));
                done(e, std::move(p));
            };
        }
        // On failure send() has not consumed `done`.
        if (auto ec = send(std::move(body), settings().response_timeout, std::move(done), seq)) {
            spdlog::warn("smpp session {}: cannot encode {}", label(), protocol::name(id));
            done(ec, Pdu{});
        }
    }

    void arm_window_timer(clock::time_point deadline) {
        if (window_armed_at && *window_armed_at <= deadline) return;
        window_armed_at = deadline;
        window_timer.expires_at(deadline);
        window_timer.async_wait([s = self()](boost::system::error_code ec) {
            if (ec == asio::error::operation_aborted) return;
            s->impl_->on_window_timer();
        });
    }

    void on_window_timer() {
        if (closed()) return;
        window_armed_at.reset();
        auto expired = window.expire(clock::now());
        sync_outstanding();
        if (!expired.empty()) {
            counters.requests_expired.fetch_add(expired.size(), std::memory_order_relaxed);
            spdlog::warn("smpp session {}: {} request(s) without response after their timeout", label(),
                         expired.size());
        }
        // Every one is called even if an earlier one closed the session (an
        // enquire_link's timeout does): they left the window already, so
        // close() cannot fail them, and a waiter never called is a submit
        // whose outcome nobody learns.
        for (auto& w : expired) w(session_errc::response_timeout, Pdu{});
        if (closed()) return;
        if (auto next = window.next_deadline()) arm_window_timer(*next);
        if (peer_unbind) check_settled();
    }

    // ---- keepalive ---------------------------------------------------------

    void arm_keepalive(clock::time_point at) {
        if (settings().enquire_link_interval.count() == 0 || closed()) return;
        keepalive_timer.expires_at(at);
        keepalive_timer.async_wait([s = self()](boost::system::error_code ec) {
            if (!ec) s->impl_->on_keepalive();
        });
    }

    void on_keepalive() {
        if (closed()) return;
        const auto now = clock::now();
        const auto interval = settings().enquire_link_interval;
        if (now - last_rx < interval) {
            arm_keepalive(last_rx + interval);
            return;
        }
        if (is_bound(state()) && !enquire_outstanding) {
            auto ec = send_internal(protocol::EnquireLink{}, settings().response_timeout,
                                    [s = self()](std::error_code e, Pdu) {
                                        auto& i = *s->impl_;
                                        i.enquire_outstanding = false;
                                        if (e == session_errc::response_timeout) {
                                            spdlog::warn("smpp session {}: no enquire_link_resp within {} ms",
                                                         i.label(), i.settings().response_timeout.count());
                                            i.close(close_reason::enquire_link_timeout);
                                        }
                                    });
            if (!ec) enquire_outstanding = true;
        }
        arm_keepalive(now + interval);
    }

    // ---- bind, both roles --------------------------------------------------

    void on_bind_request(Pdu&& p) {
        const auto id = p.id();
        BindRequest req;
        req.type = bind_type_of(id);
        with_bind(p.body, [&](auto& b) {
            req.system_id = std::move(b.system_id);
            req.password = std::move(b.password);
            req.system_type = std::move(b.system_type);
            req.interface_version = b.interface_version;
            req.addr_ton = b.addr_ton;
            req.addr_npi = b.addr_npi;
            req.address_range = std::move(b.address_range);
        });
        set_state(session_state::binding);
        const auto attempt = ++bind_attempt;
        BindVerdict verdict = [s = self(), id, seq = p.sequence_number, attempt, type = req.type,
                               system_id = req.system_id](command_status status) {
            asio::dispatch(s->strand_, [s, id, seq, attempt, type, system_id, status] {
                s->impl_->on_bind_verdict(id, seq, attempt, type, system_id, status);
            });
        };
        handler->on_bind_request(owner, req, std::move(verdict));
    }

    void on_bind_verdict(command_id id, std::uint32_t seq, std::uint64_t attempt, bind_type type,
                         const std::string& system_id, command_status status) {
        if (closed() || state() != session_state::binding || attempt != bind_attempt) return;
        Pdu resp = protocol::make_response(id, seq, status);
        with_bind_resp(resp.body, [&](auto& b) {
            b.system_id = settings().system_id;
            b.tlvs.set_u8(protocol::tlv_tag::sc_interface_version, protocol::interface_version_34);
        });
        if (status != command_status::ESME_ROK) {
            set_state(session_state::open);
            spdlog::info("smpp session {}: {} by '{}' refused with {}", label(), protocol::name(id), system_id,
                         protocol::name(status));
            queue_response(resp);
            return;
        }
        owner.peer_system_id_ = system_id;
        set_state(bound_state(type));
        bind_timer.cancel();
        spdlog::info("smpp session {}: bound ({})", label(), name(state()));
        queue_response(resp);
        handler->on_bound(owner);
    }

    void start_bind(const BindRequest& r, ResponseHandler done, session_state during) {
        if (closed()) {
            if (done) done(session_errc::session_closed, Pdu{});
            return;
        }
        const auto allowed = during == session_state::outbound ? session_state::open : state();
        if (state() != session_state::open || allowed != session_state::open || owner.role_ != role::esme) {
            if (done) done(session_errc::not_bound, Pdu{});
            return;
        }
        set_state(during);
        PduBody body = protocol::make_body(bind_command(r.type));
        with_bind(body, [&](auto& b) {
            b.system_id = r.system_id;
            b.password = r.password;
            b.system_type = r.system_type;
            b.interface_version = r.interface_version;
            b.addr_ton = r.addr_ton;
            b.addr_npi = r.addr_npi;
            b.address_range = r.address_range;
        });
        auto ec = send_internal(std::move(body), settings().bind_timeout,
                                [s = self(), type = r.type, done](std::error_code e, Pdu p) mutable {
                                    s->impl_->on_bind_resp(type, std::move(done), e, std::move(p));
                                });
        if (ec) {
            set_state(session_state::open);
            spdlog::warn("smpp session {}: cannot encode {}", label(), protocol::name(bind_command(r.type)));
            if (done) done(ec, Pdu{});
        }
    }

    void on_bind_resp(bind_type type, ResponseHandler done, std::error_code ec, Pdu p) {
        auto finish = [&](std::error_code e, Pdu pdu) {
            if (done) done(e, std::move(pdu));
        };
        if (ec) {
            if (ec == session_errc::session_closed) return finish(ec, Pdu{});
            const bool timeout = ec == session_errc::response_timeout;
            if (timeout)
                spdlog::warn("smpp session {}: no {}_resp within {} ms", label(), protocol::name(bind_command(type)),
                             settings().bind_timeout.count());
            finish(ec, Pdu{});
            close(timeout ? close_reason::bind_timeout : close_reason::bind_rejected);
            return;
        }
        if (closed()) return finish(session_errc::session_closed, Pdu{});
        if (p.status != command_status::ESME_ROK || p.id() != protocol::response_id(bind_command(type))) {
            spdlog::warn("smpp session {}: {} refused: {} {}", label(), protocol::name(bind_command(type)),
                         protocol::name(p.id()), protocol::name(p.status));
            finish({}, std::move(p));
            close(close_reason::bind_rejected);
            return;
        }
        with_bind_resp(p.body, [&](auto& b) { owner.peer_system_id_ = b.system_id; });
        set_state(bound_state(type));
        spdlog::info("smpp session {}: bound ({})", label(), name(state()));
        handler->on_bound(owner);
        if (closed()) return finish(session_errc::session_closed, Pdu{});
        finish({}, std::move(p));
    }

    void on_outbind(const protocol::Outbind& o) {
        spdlog::info("smpp session {}: outbind from '{}'", label(), o.system_id);
        auto creds = handler->on_outbind(owner, o);
        if (closed()) return;
        if (!creds) {
            spdlog::info("smpp session {}: outbind refused by the handler", label());
            close(close_reason::bind_rejected);
            return;
        }
        creds->type = bind_type::receiver;
        start_bind(*creds, {}, session_state::outbound);
    }

    // ---- unbind ------------------------------------------------------------

    void unbind(std::function<void()> done) {
        if (closed()) {
            if (done) done();
            return;
        }
        if (done) unbind_waiters.push_back(std::move(done));
        if (state() == session_state::unbinding) return;
        if (!is_bound(state())) {
            close(close_reason::local_close);
            return;
        }
        set_state(session_state::unbinding);
        unbind_by_us = true;
        if (peer_unbind) return;  // the peer is unbinding: its unbind_resp closes the session
        if (unanswered > 0) {
            spdlog::info("smpp session {}: unbinding once {} request(s) are answered", label(), unanswered);
            our_unbind_deferred = true;
            linger_timer.expires_after(settings().unbind_timeout);
            linger_timer.async_wait([s = self()](boost::system::error_code ec) {
                if (!ec) s->impl_->send_unbind();
            });
            return;
        }
        send_unbind();
    }

    void send_unbind() {
        if (closed()) return;
        our_unbind_deferred = false;
        linger_timer.cancel();
        spdlog::info("smpp session {}: unbinding", label());
        auto ec = send_internal(protocol::Unbind{}, settings().unbind_timeout, [s = self()](std::error_code e, Pdu) {
            auto& i = *s->impl_;
            if (e == session_errc::response_timeout) {
                spdlog::warn("smpp session {}: no unbind_resp within {} ms", i.label(),
                             i.settings().unbind_timeout.count());
                i.close(close_reason::unbind_timeout);
            } else {
                i.close(close_reason::unbind_by_us);
            }
        });
        if (ec) close(close_reason::unbind_by_us);
    }
};

// ---- Session ---------------------------------------------------------------

std::shared_ptr<Session> Session::create(tcp::socket socket, role r, SessionSettings settings,
                                         std::shared_ptr<SessionHandler> handler) {
    return create(Stream(std::move(socket)), r, std::move(settings), std::move(handler));
}

std::shared_ptr<Session> Session::create(Stream stream, role r, SessionSettings settings,
                                         std::shared_ptr<SessionHandler> handler) {
    return std::shared_ptr<Session>(new Session(std::move(stream), r, std::move(settings), std::move(handler)));
}

Session::Session(Stream stream, role r, SessionSettings settings, std::shared_ptr<SessionHandler> handler)
    : strand_(strand_for(stream.get_executor())), role_(r), settings_(std::move(settings)) {
    boost::system::error_code ec;
    remote_ = stream.socket().remote_endpoint(ec);
    tls_ = stream.is_tls();
    impl_ = std::make_unique<Impl>(*this, std::move(stream), std::move(handler));
    impl_->peer = endpoint_label(remote_);
}

Session::~Session() = default;

void Session::start() {
    asio::dispatch(strand_, [s = shared_from_this()] { s->impl_->start(); });
}

void Session::bind(const BindRequest& request, ResponseHandler done) {
    asio::dispatch(strand_, [s = shared_from_this(), request, done = std::move(done)]() mutable {
        s->impl_->start_bind(request, std::move(done), session_state::binding);
    });
}

void Session::send_request(protocol::PduBody request, ResponseHandler done) {
    asio::dispatch(strand_, [s = shared_from_this(), body = std::move(request), done = std::move(done)]() mutable {
        s->impl_->send_request(std::move(body), std::move(done));
    });
}

void Session::send_request(protocol::PduBody request, ResponseHandler done, ResponseHandler late) {
    asio::dispatch(strand_, [s = shared_from_this(), body = std::move(request), done = std::move(done),
                             late = std::move(late)]() mutable {
        s->impl_->send_request(std::move(body), std::move(done), std::move(late));
    });
}

void Session::respond(protocol::Pdu response) {
    asio::dispatch(strand_, [s = shared_from_this(), p = std::move(response)]() mutable {
        s->impl_->respond(p);
    });
}

void Session::unbind(std::function<void()> done) {
    asio::dispatch(strand_, [s = shared_from_this(), done = std::move(done)]() mutable {
        s->impl_->unbind(std::move(done));
    });
}

void Session::close(close_reason reason) {
    asio::dispatch(strand_, [s = shared_from_this(), reason] { s->impl_->close(reason); });
}

std::uint32_t Session::window_room() const noexcept {
    const auto used = outstanding();
    return used >= settings_.window ? 0 : settings_.window - used;
}

std::size_t Session::read_buffer_capacity() const noexcept {
    return impl_->read_buffer_capacity.load(std::memory_order_relaxed);
}

SessionCounters Session::counters() const {
    const auto& c = impl_->counters;
    auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(c.pdus_in),           get(c.pdus_out),         get(c.requests_sent),
            get(c.responses_matched), get(c.responses_unexpected), get(c.requests_expired),
            get(c.window_full),       get(c.generic_nacks_sent), get(c.decode_errors),
            get(c.responses_late)};
}

}  // namespace smpp::session
