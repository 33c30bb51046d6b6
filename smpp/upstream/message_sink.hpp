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
    // A query_sm from a bound session of `account`, answered the same way
    // (exactly once, with Session::respond). The default refuses it, for a
    // sink that keeps no ledger to answer from.
    virtual void query_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
        (void)account;
        s->respond(protocol::make_response(protocol::command_id::query_sm, request.sequence_number,
                                           protocol::command_status::ESME_RQUERYFAIL));
    }
    // A data_sm, answered with data_sm_resp the same way. data_sm_intake.hpp
    // turns it into the submit_sm it means and the submit_sm_resp back into
    // a data_sm_resp. The default refuses it (ESME_RSUBMITFAIL), for a sink
    // that does not take it yet: never ESME_ROK for a message not stored.
    virtual void data_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
        (void)account;
        s->respond(protocol::make_response(protocol::command_id::data_sm, request.sequence_number,
                                           protocol::command_status::ESME_RSUBMITFAIL));
    }
    // A cancel_sm, answered with cancel_sm_resp the same way. The default
    // refuses it (ESME_RCANCELFAIL).
    virtual void cancel_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
        (void)account;
        s->respond(protocol::make_response(protocol::command_id::cancel_sm, request.sequence_number,
                                           protocol::command_status::ESME_RCANCELFAIL));
    }
    // A submit_multi, answered with submit_multi_resp the same way. The
    // default refuses it (ESME_RSUBMITFAIL). `admitted`: how many of its SME
    // destinations (dest_flag 1), the first ones in order, the account's TPS
    // limit covers (each is one message, one token); the sink refuses the
    // rest with ESME_RTHROTTLED in unsuccess_smes. At least 1; no_tps_limit
    // when the account has none.
    static constexpr std::size_t no_tps_limit = static_cast<std::size_t>(-1);
    virtual void submit_multi(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request,
                              std::size_t admitted) {
        (void)account;
        (void)admitted;
        s->respond(protocol::make_response(protocol::command_id::submit_multi, request.sequence_number,
                                           protocol::command_status::ESME_RSUBMITFAIL));
    }
    // A replace_sm, answered with replace_sm_resp the same way. The default
    // refuses it (ESME_RREPLACEFAIL).
    virtual void replace_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
        (void)account;
        s->respond(protocol::make_response(protocol::command_id::replace_sm, request.sequence_number,
                                           protocol::command_status::ESME_RREPLACEFAIL));
    }
};

}  // namespace smpp::upstream
