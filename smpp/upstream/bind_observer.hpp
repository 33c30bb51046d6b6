#pragma once
// Who wants to know which upstream binds are up: the receipt forwarder
// (smpp/relay/) needs an account's receiver and transceiver sessions to
// send it deliver_sm. upstream/ only knows this interface, so the layers
// above relay never include relay.
#include <memory>
#include <string>

#include "smpp/session/session.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::upstream {

class BindObserver {
public:
    virtual ~BindObserver() = default;
    // On the session's strand, once the session is bound (its bind_*_resp
    // ESME_ROK is queued before anything the observer sends).
    virtual void on_upstream_bound(std::shared_ptr<session::Session> s, const std::string& account,
                                   session::bind_type type) = 0;
    // On the session's strand, after it closed; only for sessions that were
    // reported bound.
    virtual void on_upstream_closed(const session::Session& s, const std::string& account) = 0;
};

}  // namespace smpp::upstream
