#pragma once
// Where an upstream session hands the message requests it takes. The relay
// layer implements it (smpp/relay/forward_path.hpp); upstream/ only knows
// this interface, so the layers above relay never include it.
#include <memory>
#include <string>

#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session.hpp"

namespace smpp::upstream {

class MessageSink {
public:
    virtual ~MessageSink() = default;
    // A submit_sm from a bound session of `account`. Called on the session's
    // strand; the sink answers it exactly once with Session::respond (from
    // the session's executor), now or later.
    virtual void submit_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) = 0;
};

}  // namespace smpp::upstream
