#pragma once
// SMPP 3.4 section 2.2: the states of one SMPP session, and why it closed.
#include <string_view>

#include "smpp/protocol/command_id.hpp"

namespace smpp::session {

enum class role {
    esme,  // we bind out to an SMSC (carrier side)
    smsc,  // peers bind to us (upstream side)
};

enum class session_state {
    open,       // connected, not bound
    binding,    // ESME role: bind_* sent, waiting for its resp
    outbound,   // ESME role: outbind received, binding as receiver
    bound_tx,
    bound_rx,
    bound_trx,
    unbinding,  // unbind sent or received; no new requests
    closed,
};

enum class bind_type { transmitter, receiver, transceiver };

enum class close_reason {
    none,
    local_close,           // close() by the application
    shutdown,              // listener or client stopped
    unbind_by_us,          // we unbound gracefully
    unbind_by_peer,        // the peer unbound gracefully
    peer_closed,           // EOF without unbind
    io_error,              // read or write failed
    enquire_link_timeout,  // dead peer: no enquire_link_resp in time
    bind_rejected,         // bind_*_resp with an error status
    bind_timeout,          // no bind_*_resp, or no bind from the peer, in time
    frame_too_long,        // command_length above the configured maximum
    frame_too_short,       // command_length below 16
    unbind_timeout,        // unbind sent, no unbind_resp in time
    stale_bind,            // the peer answered ESME_RINVBNDSTS: it no longer has our bind; bind again
    unbound_requests,      // SMSC role: more requests before a bind succeeded than a binding ESME sends
};

std::string_view name(session_state s) noexcept;
std::string_view name(close_reason r) noexcept;
std::string_view name(bind_type t) noexcept;

// Planned closes never trigger a rebind; everything else does.
bool is_planned(close_reason r) noexcept;

bool is_bound(session_state s) noexcept;
protocol::command_id bind_command(bind_type t) noexcept;
session_state bound_state(bind_type t) noexcept;

// Section 2.3: may a peer in `peer_role` send a request with this id to a
// session in state `s`? (enquire_link, unbind and generic_nack are allowed
// whenever the session is bound; enquire_link also while open.)
bool request_allowed(role peer_role, session_state s, protocol::command_id id) noexcept;

}  // namespace smpp::session
