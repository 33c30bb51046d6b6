#pragma once
// The application side of a session, for both roles. Every callback runs on
// the session's executor; a handler may answer later (after a ledger write,
// say) by calling Session::respond from any thread.
#include <functional>
#include <optional>
#include <string>

#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::session {

class Session;

struct BindRequest {
    bind_type type = bind_type::transceiver;
    std::string system_id;
    std::string password;
    std::string system_type;
    std::uint8_t interface_version = protocol::interface_version_34;
    std::uint8_t addr_ton = 0;
    std::uint8_t addr_npi = 0;
    std::string address_range;
};

// Called once with the verdict on a bind: ESME_ROK binds the session, any
// other status goes back in the bind_*_resp and the session stays open.
using BindVerdict = std::function<void(protocol::command_status)>;

class SessionHandler {
public:
    virtual ~SessionHandler() = default;

    // SMSC role: the peer asks to bind. The default refuses (ESME_RBINDFAIL).
    virtual void on_bind_request(Session&, const BindRequest&, BindVerdict verdict) {
        verdict(protocol::command_status::ESME_RBINDFAIL);
    }
    // The session is bound (either role).
    virtual void on_bound(Session&) {}
    // A request the current state allows, other than bind, unbind and
    // enquire_link (which the session answers itself) and
    // alert_notification. The handler must answer it with Session::respond,
    // now or later, with the same sequence_number. The default answers the
    // request with ESME_RSYSERR.
    virtual void on_request(Session& s, protocol::Pdu&& request);
    // ESME role: the SMSC says a handset is reachable again. SMPP 3.4 4.12
    // gives it no response, so it is not a request: nothing to answer.
    virtual void on_alert_notification(Session&, const protocol::AlertNotification&) {}
    // A response whose sequence_number matches nothing in our window: late
    // (after its request expired), duplicate, or bogus.
    virtual void on_unexpected_response(Session&, const protocol::Pdu&) {}
    // ESME role: the SMSC sent outbind; the session binds as receiver with
    // the credentials returned here (nullopt refuses and closes).
    virtual std::optional<BindRequest> on_outbind(Session&, const protocol::Outbind&) { return std::nullopt; }
    // Last call for this session; every outstanding request has already
    // completed with session_errc::session_closed.
    virtual void on_closed(Session&, close_reason) {}
};

}  // namespace smpp::session
