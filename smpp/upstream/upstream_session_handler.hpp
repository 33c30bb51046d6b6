#pragma once
// The SessionHandler of one upstream connection: binds go through the
// Authenticator, and the bind's lease lives exactly as long as the session.
// submit_sm, data_sm and query_sm go to the MessageSink (the forward path)
// when there is one; without one, and for the message requests no path
// takes yet (submit_multi, replace_sm), the request is refused
// with an SMPP error: ESME_ROK for a message we did not store would break
// invariant 1. Before any of that, a message request over the account's
// TPS limit gets ESME_RTHROTTLED (the bucket is shared by all the
// account's binds). query_sm, cancel_sm and replace_sm draw on a bucket of
// their own (Account::query_tps, the tps by default; account.hpp says why)
// and get ESME_RTHROTTLED in their own response when it is empty.
//
// submit_multi takes one token per SME destination (a distribution list is
// refused, never expanded: it takes none; a PDU takes at least one). When
// the bucket holds fewer, the sink is told how many destinations it covers
// and refuses the rest with ESME_RTHROTTLED in unsuccess_smes, under an
// ESME_ROK header: the covered ones are stored under the message_id the
// response carries, and the list tells the ESME exactly which to send
// again. When it holds none, the whole PDU gets ESME_RTHROTTLED in the
// header, as a submit_sm would: ESMEs (Kannel, Jasmin, cloudhopper-based
// clients) act on the header status to back off and resubmit, and an
// ESME_ROK whose message_id names no stored message would mislead them.
#include <memory>
#include <string>

#include "smpp/session/session.hpp"
#include "smpp/session/session_handler.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/bind_observer.hpp"
#include "smpp/upstream/message_sink.hpp"

namespace smpp::upstream {

class UpstreamSessionHandler : public session::SessionHandler,
                               public std::enable_shared_from_this<UpstreamSessionHandler> {
public:
    // The authenticator must outlive the io_context's run and be destroyed
    // before the io_context: its worker posts verdicts onto session strands.
    // A reference, not shared ownership, so the last owner can never be the
    // worker thread (whose destructor would then join itself).
    // `sink` (may be null: refuse every message request) and `observer`
    // (may be null) must outlive the sessions, as the authenticator does.
    explicit UpstreamSessionHandler(Authenticator& authenticator, MessageSink* sink = nullptr,
                                    BindObserver* observer = nullptr);

    void on_bind_request(session::Session& s, const session::BindRequest& request,
                         session::BindVerdict verdict) override;
    void on_bound(session::Session& s) override;
    void on_request(session::Session& s, protocol::Pdu&& request) override;
    void on_closed(session::Session& s, session::close_reason reason) override;

    // The status a request gets while no path takes it.
    static protocol::command_status refusal(protocol::command_id request) noexcept;
    // The requests the account's TPS limit counts.
    static bool is_submission(protocol::command_id request) noexcept;
    // The requests on a message already submitted, which its query_tps counts.
    static bool is_message_query(protocol::command_id request) noexcept;
    // The tokens a submission asks the TPS bucket for (see above).
    static std::uint32_t tokens_for(const protocol::Pdu& request) noexcept;

private:
    // Touched only on the session's strand.
    Authenticator& authenticator_;
    MessageSink* sink_;
    BindObserver* observer_;
    session::bind_type bind_type_ = session::bind_type::transceiver;
    bool reported_bound_ = false;
    BindLease lease_;
    TokenBucket* tps_ = nullptr;        // the account's, or none
    TokenBucket* query_tps_ = nullptr;  // the account's, or none
    std::string system_id_;
    bool closed_ = false;
    bool warned_no_forward_path_ = false;
};

}  // namespace smpp::upstream
