#include "smpp/session/session_state.hpp"

namespace smpp::session {

using protocol::command_id;

std::string_view name(session_state s) noexcept {
    switch (s) {
        case session_state::open: return "open";
        case session_state::binding: return "binding";
        case session_state::outbound: return "outbound";
        case session_state::bound_tx: return "bound_tx";
        case session_state::bound_rx: return "bound_rx";
        case session_state::bound_trx: return "bound_trx";
        case session_state::unbinding: return "unbinding";
        case session_state::closed: return "closed";
    }
    return "unknown";
}

std::string_view name(close_reason r) noexcept {
    switch (r) {
        case close_reason::none: return "none";
        case close_reason::local_close: return "local_close";
        case close_reason::shutdown: return "shutdown";
        case close_reason::unbind_by_us: return "unbind_by_us";
        case close_reason::unbind_by_peer: return "unbind_by_peer";
        case close_reason::peer_closed: return "peer_closed";
        case close_reason::io_error: return "io_error";
        case close_reason::enquire_link_timeout: return "enquire_link_timeout";
        case close_reason::bind_rejected: return "bind_rejected";
        case close_reason::bind_timeout: return "bind_timeout";
        case close_reason::frame_too_long: return "frame_too_long";
        case close_reason::frame_too_short: return "frame_too_short";
        case close_reason::unbind_timeout: return "unbind_timeout";
        case close_reason::stale_bind: return "stale_bind";
        case close_reason::unbound_requests: return "unbound_requests";
    }
    return "unknown";
}

std::string_view name(bind_type t) noexcept {
    switch (t) {
        case bind_type::transmitter: return "transmitter";
        case bind_type::receiver: return "receiver";
        case bind_type::transceiver: return "transceiver";
    }
    return "unknown";
}

// A peer's unbind is not planned by us: an SMSC that unbinds for maintenance
// expects the ESME back once it is up again.
bool is_planned(close_reason r) noexcept {
    switch (r) {
        case close_reason::local_close:
        case close_reason::shutdown:
        case close_reason::unbind_by_us:
        case close_reason::unbind_timeout:
            return true;
        default:
            return false;
    }
}

bool is_bound(session_state s) noexcept {
    return s == session_state::bound_tx || s == session_state::bound_rx || s == session_state::bound_trx;
}

command_id bind_command(bind_type t) noexcept {
    switch (t) {
        case bind_type::transmitter: return command_id::bind_transmitter;
        case bind_type::receiver: return command_id::bind_receiver;
        case bind_type::transceiver: break;
    }
    return command_id::bind_transceiver;
}

session_state bound_state(bind_type t) noexcept {
    switch (t) {
        case bind_type::transmitter: return session_state::bound_tx;
        case bind_type::receiver: return session_state::bound_rx;
        case bind_type::transceiver: break;
    }
    return session_state::bound_trx;
}

bool request_allowed(role peer_role, session_state s, command_id id) noexcept {
    const bool bound = is_bound(s);
    const bool can_transmit = s == session_state::bound_tx || s == session_state::bound_trx;
    const bool can_receive = s == session_state::bound_rx || s == session_state::bound_trx;
    switch (id) {
        case command_id::enquire_link:
            return s != session_state::closed;
        // A peer may cross our own unbind with its unbind; both get answered.
        case command_id::unbind:
        case command_id::generic_nack:
            return bound || s == session_state::unbinding;
        default:
            break;
    }
    if (peer_role == role::esme) {
        switch (id) {
            case command_id::bind_transmitter:
            case command_id::bind_receiver:
            case command_id::bind_transceiver:
                return s == session_state::open;
            case command_id::submit_sm:
            case command_id::submit_multi:
            case command_id::data_sm:
            case command_id::query_sm:
            case command_id::cancel_sm:
            case command_id::replace_sm:
                return can_transmit;
            default:
                return false;
        }
    }
    switch (id) {
        case command_id::outbind:
            return s == session_state::open;
        case command_id::deliver_sm:
        case command_id::data_sm:
        case command_id::alert_notification:
            return can_receive;
        default:
            return false;
    }
}

}  // namespace smpp::session
