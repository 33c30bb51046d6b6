#pragma once
// The forward path of one message (ARCHITECTURE.md "The path of one
// message"): submit_sm from a bound upstream -> validation -> ledger.accept
// -> submit_sm_resp ESME_ROK with our id, only once the record is durable
// -> route -> carrier -> the ledger learns what became of it.
//
// Statuses an upstream gets for submit_sm:
//   ESME_ROK          the record is durable; message_id is our id
//   ESME_RINVDSTADR   no destination_addr, one that is not digits (an
//                     optional leading '+' aside), or one no route covers:
//                     we cannot deliver to that address, so it is the
//                     destination that is invalid for us. A route whose
//                     carriers are all cut for now (circuits open, binds
//                     down) is not that: the message is taken and waits
//                     for them (ESME_RMSGQFUL once the account's backlog
//                     is full), as the messages accepted before did
//   ESME_RINVMSGLEN   short_message and message_payload both set: SMPP 3.4
//                     5.3.2.32 wants sm_length 0 when message_payload is
//                     used, so it is sm_length that is wrong; also a payload
//                     that needs more than 255 segments
//   ESME_ROPTPARNOTALLWD  message_payload of 254 octets or more (too long
//                     for short_message), and no carrier of its route
//                     accepts message_payload (carrier setting
//                     accepts_message_payload), with split_payload off;
//                     a shorter one goes to such a carrier in
//                     short_message. With split_payload on
//                     (the default) such a message is split into
//                     concatenated parts instead, each a record of its
//                     own, stored together; the upstream gets part 1's id
//                     and one receipt for the whole message
//   ESME_RINVMSGLEN   (also) more parts than any carrier of its route
//                     takes (max_message_parts; for a part of a
//                     concatenated message, the whole message's parts)
//   ESME_RX_P_APPN    the destination opted out of this account's messages
//                     (ForwardSettings::opt_out_status; logged)
//   ESME_RMSGQFUL     the account's backlog (accepted, not yet with a
//                     carrier) is at its max_backlog, or the ledger is busy
//                     (its write queue is full): try later
//   ESME_RINVSCHED    schedule_delivery_time is not an SMPP time
//   ESME_RINVEXPIRY   validity_period is not an SMPP time, is past, or
//                     ends before the schedule
//   ESME_RSYSERR      the ledger failed to store the record
//
// schedule_delivery_time: we hold the message until then (it is held,
// durably, as `accepted` with the time on the record; a restart resumes
// the wait), and the carrier gets it without a schedule. validity_period:
// stored as an instant; the carrier gets it as an absolute time, and a
// message still with us when it passes becomes `expired`.
//
// registered_delivery: the carrier is always asked for a receipt on
// success or failure (keeping the upstream's intermediate and SME
// acknowledgement bits), so that every message's outcome reaches the
// ledger (query_sm, health, the receipt timeout); the record keeps what
// the upstream asked for, and that alone decides which receipts go
// upstream (none for 0, failures only for 2).
//
// submit_multi: one record per SME destination, each validated, stored and
// routed like a submit_sm (a long message_payload split for carriers that
// take none: that destination's parts, stored together); submit_multi_resp lists the destinations that
// were not taken with their status (a distribution list: ESME_RINVDLNAME)
// and carries the first stored record's id, which every destination's
// record keeps as its upstream_id (receipts go upstream under it). When no
// destination is taken the response is that first destination's error.
// SME destinations beyond what the account's TPS covers (`admitted`,
// upstream_session_handler.hpp) are refused with ESME_RTHROTTLED in the
// list, without being validated or stored.
//
// Cost: the record's cost_micros is the route candidate's price per part
// (routing::Candidate::cost_micros) times the record's segments, for the
// carrier the record is `sending` to: stamped with every `sending` write,
// so after a failover it is the price of the carrier that took it, and a
// `sent` record carries what that carrier bills. Final states no carrier
// took (rejected, failed, expired, cancelled) carry 0; in_doubt keeps the
// price (the carrier may have it). A receipt-timeout re-send (resend())
// carries the second carrier's price.
//
// Credits (carrier_credits.hpp): a message becomes `sending` to a carrier
// only with one of that carrier's credits (max_sending: its windows and a
// tenth of a second of its max_tps unless set), and gives it back with the
// carrier's answer. Without a free credit it waits here, still accepted or
// queued in the ledger, otp before transactional before bulk; so a crash
// leaves only what carriers may really have in doubt, and a restart resumes
// the backlog. Its validity is checked again when its credit comes. Over
// the carrier's queue_limit waiting, or at a carrier stalled (no answer for
// carrier_stall with every credit in use), it goes to the route's next
// carrier as a carrier refusal did; cancel_sm and replace_sm reach it while
// it waits.
//
// Concatenated messages (part_affinity.hpp): a part goes first to the
// carrier its message's earlier parts went to, whatever the route's policy
// would pick for it alone; once that carrier took one of them, the other
// parts go nowhere else (they wait through retry rounds) until concat_window
// passes without a part, and the record's route reason names the carrier
// they follow. Only a carrier no longer on the route breaks a message up
// (logged).
//
// After ESME_ROK the message is never dropped: the route's carriers are
// tried in order (a transient answer or a refusal moves on to the next),
// and when all have said "not now" the ledger schedules a retry with
// exponential backoff; after max_retry_rounds rounds with an error answer
// from a carrier it is marked failed (rounds in which carriers only refused,
// being down or disabled, do not count); a message no carrier took expires
// at its validity_period, or max_hold after it was accepted.
// A permanent answer marks it rejected, an in-doubt one in_doubt (the
// carrier may have it): for an account with `in_doubt: resend` it goes once
// more after in_doubt_resend_after (resend_in_doubt), with duplicate_risk
// on its record; in doubt again, it stays in doubt (reported, as for
// `in_doubt: report`). Never resent for other accounts. A carrier's late
// refusal of the send that made it in doubt settles it as a timely one
// would have: on to the next carrier (or a retry), or rejected.
//
// Threads: submit_sm runs on the session's strand; ledger completions
// (the writer thread for RocksDB) and carrier outcomes (the carrier's
// strand) only post or issue further async ledger writes, so nothing
// blocks a network thread. The carrier map is fixed at construction, so it
// is read without locks; the router (message_router.hpp) locks itself.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "smpp/carrier/carrier.hpp"
#include "smpp/relay/carrier_credits.hpp"
#include "smpp/relay/held_messages.hpp"
#include "smpp/relay/message_router.hpp"
#include "smpp/relay/outage_waiters.hpp"
#include "smpp/relay/part_affinity.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/upstream/account.hpp"
#include "smpp/upstream/message_sink.hpp"
#include "smpp/upstream/submit_validation.hpp"
#include "store/ledger.hpp"
#include "store/message_id.hpp"

namespace smpp::relay {

struct ForwardSettings {
    std::chrono::milliseconds retry_base{1'000};   // first retry after this
    std::chrono::milliseconds retry_max{300'000};  // backoff doubles up to this
    // Rounds in which a carrier answered with an error; then the record is
    // failed. Rounds in which every carrier refused or was passed over (down,
    // disabled, stalled) or only throttled do not count: an outage or a busy
    // carrier does not fail messages.
    std::uint32_t max_retry_rounds = 10;
    // A message without a validity_period that no carrier took within this
    // long after it was accepted expires (as SMSCs' default validity does).
    // 0: it waits however long.
    std::chrono::milliseconds max_hold{std::chrono::hours{48}};
    // The backoff of a round in which every carrier only refused (an
    // outage) stops growing here: a message goes at most this long after
    // its carrier is back.
    std::chrono::milliseconds outage_retry_max{30'000};
    // A carrier whose `sending` credits are all taken and that answered
    // none of them for this long is stalled: messages waiting for it go to
    // their route's next carrier (carrier_credits.hpp).
    std::chrono::milliseconds carrier_stall{5'000};
    // The parts of one concatenated message go through the carrier that
    // took the first of them (part_affinity.hpp); a part waits for it up to
    // this long after the message's last part went. 0: each part routes on
    // its own.
    std::chrono::milliseconds concat_window{600'000};
    // An account with `in_doubt: resend`: a message that goes in doubt
    // while running (its carrier did not answer in time, or the bind closed
    // with it on the wire) is sent again this long after, if it is still in
    // doubt then. Not sooner than the carriers' late_response_window (5 min),
    // so a late ESME_ROK settles it first. 0: only at the next start, as
    // recovery does.
    std::chrono::milliseconds in_doubt_resend_after{360'000};
    // A message_payload too long for short_message, on a route with no
    // carrier that takes message_payload: split into concatenated parts
    // (submit_split) instead of refused with ESME_ROPTPARNOTALLWD.
    bool split_payload = true;
    // How each carrier's submit_sm_resp ids are indexed for its receipts
    // (carrier_id.hpp); a carrier not listed gets the automatic rule.
    CarrierIdBook carrier_ids{};
    // The accounts' traffic class and routing profile (conf/); an account
    // not listed routes as transactional with no profile.
    upstream::AccountSettings accounts{};
    // Told every carrier's answer per destination country (null: nobody);
    // the same monitor the MessageRouter's selectors ask.
    std::shared_ptr<routing::health::HealthMonitor> health{};
    // What a submit to a number on the account's opt-out list gets.
    protocol::command_status opt_out_status = protocol::command_status::ESME_RX_P_APPN;
    // Told, after a message of `account` became rejected, failed, expired
    // or cancelled with us (any thread): the ledger may have parked a
    // failure receipt, or the aggregate receipt the part completed, for the
    // upstream in the same write (ReceiptForwarder::notify).
    std::function<void(const std::string& account)> receipt_owed{};
};

struct ForwardCounters {
    std::uint64_t accepted = 0;   // ESME_ROK sent
    // Answered with an error status; per destination for submit_multi (each
    // one not stored, whether the PDU was refused in part or as a whole; 1
    // for a PDU refused before its destinations are looked at).
    std::uint64_t refused = 0;
    std::uint64_t sent = 0;       // a carrier gave its message_id
    std::uint64_t retries = 0;    // retry rounds scheduled
    std::uint64_t rejected = 0;   // a carrier's permanent answer
    std::uint64_t in_doubt = 0;
    std::uint64_t failed = 0;     // retries exhausted
    std::uint64_t ledger_errors = 0;  // a ledger write after accept failed (logged)
    std::uint64_t expired = 0;    // validity_period passed while it was with us
    std::uint64_t cancelled = 0;  // by cancel_sm
    std::uint64_t replaced = 0;   // by replace_sm
    std::uint64_t split = 0;      // long message_payloads split into parts (each part counts in accepted)
    // In doubt after a response_timeout, then the carrier's ESME_ROK came
    // late after all: sent, its message_id indexed for the receipt.
    std::uint64_t late_sent = 0;
};

class ForwardPath final : public upstream::MessageSink, public std::enable_shared_from_this<ForwardPath> {
public:
    using Carriers = std::map<std::string, std::shared_ptr<carrier::Carrier>, std::less<>>;

    // `ledger` and `ids` must outlive every callback of this object: destroy
    // the ledger only after stop() and after the carriers stopped. `ex` runs
    // the retry timers.
    static std::shared_ptr<ForwardPath> create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                               store::MessageIdGenerator& ids, std::shared_ptr<MessageRouter> router,
                                               Carriers carriers, ForwardSettings settings = {});

    void submit_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override;
    // The same path, answered with data_sm_resp (upstream/data_sm_intake.hpp).
    void data_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override;
    // Answered from the ledger (query_service.hpp).
    void query_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override;
    // Cancels one of the account's messages (by our message_id) that no
    // carrier has yet (accepted or waiting for a retry): the record becomes
    // `cancelled`, and the flight holding it drops it at its next step.
    //   ESME_ROK          cancelled
    //   ESME_RINVMSGID    no such id of this account (an empty message_id:
    //                     cancelling by service_type and addresses is not
    //                     supported)
    //   ESME_RCANCELFAIL  a carrier may have it already, or it is final
    //   ESME_RMSGQFUL     the ledger is busy
    //
    // With an empty message_id, every held message of the account from
    // source_addr to destination_addr (of service_type when given) is
    // cancelled (SMPP 3.4 4.9.1); a submit_multi's id cancels all its
    // destinations. ESME_ROK when at least one was cancelled and none failed.
    void cancel_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override;
    // One record per destination (see the top of this file).
    void submit_multi(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request,
                      std::size_t admitted) override;
    // Replaces the text (and registered_delivery, and the schedule or
    // validity when given) of a message no carrier has yet; the flight
    // holding it picks the new text up before it sends (the ledger refuses a
    // `sending` for an older revision).
    //   ESME_ROK           replaced
    //   ESME_RINVMSGID     no such id of this account, or source_addr differs
    //   ESME_RREPLACEFAIL  a carrier may have it already, or it is final
    //   ESME_RINVDFTMSGID  sm_default_msg_id set: we keep no canned messages
    //   ESME_RINVMSGLEN, ESME_RINVSCHED, ESME_RINVEXPIRY  as for submit_sm
    void replace_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override;

    // Routes and sends a record ledger.recover() returned as `resume` (no
    // upstream waits for it: it already has its ESME_ROK). A receipt-timeout
    // re-send caught by the restart goes, as resend() chose, only through
    // carriers that gave it no message_id (none left: it is `sent` again and
    // waits for its receipt).
    void resume(store::MessageRecord record);
    // A record in_doubt, for an account with `in_doubt: resend` (after
    // in_doubt_resend_after while running, or recover()'s in_doubt at a
    // start): sent again as resume() does, its `sending` write setting
    // duplicate_risk, if it has gone out in doubt at most
    // in_doubt_resends times so far (counted on its attempts, so a restart
    // does not start the count afresh). Otherwise false and nothing sent:
    // it stays in doubt, reported as under `in_doubt: report`.
    bool resend_in_doubt(store::MessageRecord record);
    // How many times an in-doubt message is sent again: once. A carrier
    // that takes messages but whose answers are lost would otherwise get
    // the same message every in_doubt_resend_after, and the handset with it.
    static constexpr std::size_t in_doubt_resends = 1;
    // Before the first resume(): the concatenated parts carriers took before
    // the restart (ledger.recover()'s taken_parts) pin their siblings to
    // those carriers as taken, lapsing concat_window after each was sent,
    // so a resumed part waits for its siblings' carrier instead of failing
    // over alone. Returns how many pinned.
    std::size_t seed_taken_parts(const std::vector<store::TakenPart>& parts, store::Timestamp now);

    // After stop() no new ledger write starts for a message that is not sent
    // yet: those stay accepted/queued in the ledger, and recover() returns
    // them on the next start. New submit_sm get ESME_RSYSERR. Thread-safe.
    void stop() noexcept { stopping_.store(true); }

    ForwardCounters counters() const;
    // The account's messages accepted and not yet taken by a carrier.
    std::uint32_t backlog(std::string_view account) const;

    // Messages sleeping until a carrier of their route is back
    // (outage_waiters.hpp): their last round met only refusals.
    std::size_t outage_waiting() const { return outage_.size(); }

    // Concatenated messages whose parts are pinned to a carrier now
    // (part_affinity.hpp): some of their parts are yet to be taken.
    std::size_t pinned_messages() const { return parts_.size(); }

    // The account's messages cancel_sm and replace_sm can still reach.
    std::size_t held(std::string_view account) const { return held_.size(account); }

    struct Flight;
    using Credits = CarrierCredits<std::shared_ptr<Flight>>;
    // The carrier's credits now (all zero for a carrier not configured), and
    // the messages waiting for it to take submits again.
    Credits::Counts credits(std::string_view carrier_id) const;

    struct Backlog {
        std::atomic<std::uint32_t> size{0};
        std::uint32_t max = 0;  // 0: no limit
    };

private:
    // submit_sm and data_sm: `as_data_sm` answers with data_sm_resp.
    void submit(std::shared_ptr<session::Session> s, std::string account, std::uint32_t sequence_number,
                protocol::SubmitSm* sm, bool as_data_sm);
    // A long message_payload that no carrier of its route takes as such
    // (ESME_ROPTPARNOTALLWD from validate()), with split_payload on and no
    // UDH or sar_* of its own: it is to be split.
    bool needs_split(const protocol::SubmitSm& sm, std::string_view account) const;
    // Cuts it into parts (protocol::split, an 8-bit reference UDH on each),
    // prepares each as a submit_sm of its own (so pins keep them on one
    // carrier), stores all in one ledger write (accept_all), answers with
    // part 1's id and starts them under it. Any part refused: none stored.
    void submit_split(std::shared_ptr<session::Session> s, std::string account, std::uint32_t seq,
                      protocol::SubmitSm&& sm, bool as_data_sm);
    struct Prepared;
    // The parts of a message to be split, prepared (consecutive ids, part
    // 1's first; split_by_us and each part's upstream_id = part 1's id set),
    // or why not: then no part holds a backlog place or a credit. For
    // submit_split and for each destination of a submit_multi.
    std::variant<protocol::command_status, std::vector<Prepared>> split_parts(const std::string& account,
                                                                            std::uint32_t seq,
                                                                            const protocol::SubmitSm& sm);

    ForwardPath(boost::asio::any_io_executor ex, store::Ledger& ledger, store::MessageIdGenerator& ids,
                std::shared_ptr<MessageRouter> router, Carriers carriers, ForwardSettings settings);

    // validate_submit (upstream/submit_validation.hpp), opt-out, route.
    struct Checked {
        routing::Decision decision;
        upstream::ValidSubmit valid;
    };
    // What a validation's route decision is for. A probe (needs_split's)
    // takes no turn of the weighted round-robin; `probe_as_parts` routes a
    // long message_payload as the concatenated parts it would be split into.
    enum class route_use : std::uint8_t { message, probe, probe_as_parts };
    std::variant<protocol::command_status, Checked> validate(const protocol::SubmitSm& sm, std::string_view account,
                                                             route_use use = route_use::message) const;
    const upstream::SubmitPolicy& policy_of(std::string_view account) const;

    // Validation, backlog reservation, the record and its flight; the
    // flight is counted in the account's backlog from here on.
    // `id`: the record's id when the caller minted it (a split message's
    // parts take a block of ids); else the next one.
    std::variant<protocol::command_status, Prepared> prepare(const std::string& account, std::uint32_t seq,
                                                             protocol::SubmitSm&& sm, store::MessageId id = {});
    // After ESME_ROK (or recovery): the message is held until a carrier
    // takes it; sends now, or sleeps until its schedule.
    // `upstream_id`: the submit_multi's id, for a destination of one.
    void start(std::shared_ptr<Flight> f, store::MessageId upstream_id = {});
    // Into held_ (cancel_sm, replace_sm and wakers find it there).
    void list_held(const Flight& f);
    // start(), after what is queued on `ex` (the upstream session's strand)
    // already: the session's write of the answer just queued, which after a
    // group commit holds the whole group's answers, goes out before the
    // group's messages are routed and encoded for carriers (p50 -5 % at
    // half load, docs/PERFORMANCE.md wave 15).
    void start_behind(const boost::asio::any_io_executor& ex, std::vector<std::shared_ptr<Flight>> flights,
                      store::MessageId upstream_id = {});
    void proceed(std::shared_ptr<Flight> f);
    // accepted_at + max_hold (epoch: no limit).
    store::Timestamp hold_until(store::Timestamp accepted_at) const;
    // Its validity_period, or without one its max_hold, has passed.
    static bool past_deadline(const Flight& f, store::Timestamp now);
    // After a sleep, or a `sending` refused for an old revision: the record
    // may have been cancelled or replaced meanwhile; read it and go on.
    void resume_held(std::shared_ptr<Flight> f);
    // How resume() sends a record again.
    struct ResumeAs {
        // A carrier may have it (resend_in_doubt): the `sending` write marks
        // the record's duplicate_risk.
        bool duplicate_risk = false;
        // This carrier refused it for now, late (on_late_refusal): this
        // round goes on from the route's next carrier, as on_outcome() does
        // after a refusal, and `refusal` counts as on_outcome() counts it.
        std::string refused_by{};
        protocol::command_status refusal = protocol::command_status::ESME_ROK;
    };
    void resume(store::MessageRecord record, const ResumeAs& as);
    // resume() of a re-send with no carrier left but those that have it.
    void back_to_sent(store::MessageRecord record);
    void sleep_until(std::shared_ptr<Flight> f, store::Timestamp when);
    void expire(std::shared_ptr<Flight> f);
    void dispatch(std::shared_ptr<Flight> f);
    void on_outcome(std::shared_ptr<Flight> f, const std::string& carrier_id, carrier::SubmitOutcome outcome);
    // After in_doubt_resend_after: `id`, if still in doubt from the attempt
    // written at `in_doubt_at` (nothing went out since), goes again.
    void resend_in_doubt_later(store::MessageId id, store::Timestamp in_doubt_at);
    // A carrier answered a submit after its response_timeout made it in doubt.
    void on_late(const std::string& carrier_id, const std::string& id, carrier::SubmitOutcome outcome);
    // ... with a refusal or a generic_nack: the carrier did not take it. Still
    // in doubt from that attempt: it goes on (for now) or is rejected
    // (permanent) as if the answer had come in time. Sent again since: only
    // that attempt's status changes.
    void on_late_refusal(const std::string& carrier_id, const std::string& id, const carrier::SubmitOutcome& outcome);
    void retry_later(std::shared_ptr<Flight> f);
    void report_health(const Flight& f, const std::string& carrier_id, const carrier::SubmitOutcome& outcome);
    Backlog* backlog_of(std::string_view account) const;
    // The message left the account's backlog and the held list (a carrier
    // has it, or it is final). Any thread; the first call wins.
    void release(Flight& f) noexcept;
    // The carrier takes submits now (Carrier::accepting; false when unknown).
    bool accepting(std::string_view carrier_id) const;
    // A part of a concatenated message: its pinned carrier first among
    // `candidates` (and `costs` beside them; part_affinity.hpp). The pinned
    // carrier, when it is on the route.
    std::optional<std::string> follow_siblings(const ConcatKey& part, std::vector<std::string>& candidates,
                                               std::vector<std::uint64_t>& costs);
    // A part whose siblings a carrier took (or may have: in doubt) stays
    // with it when only that carrier's open circuit kept it off the route
    // (`d.skipped`): a part failing over alone never joins on the handset.
    static void keep_pinned(const PartAffinity::Pin& pin, routing::Decision& d);
    // No carrier left on the route, and some were kept off only by their
    // open circuits (failing, or all their binds down): those become the
    // candidates, so the message is taken and waits for them as a message
    // accepted before the outage does, instead of being refused.
    static void wait_for_cut_carriers(routing::Decision& d);
    // Null when the part may go to `carrier_id`; else why not: another
    // carrier on its route took (or may have) a sibling, or still has one
    // on the way and nothing is taken yet.
    const char* part_may_not_go(const Flight& f, std::string_view carrier_id);
    // Notes that this round passed `carrier_id` over (Flight::passed), and
    // what the next write tells the record of it.
    static void pass_over(Flight& f, std::string_view carrier_id, std::string_view why);
    static std::optional<std::string> passed_note(Flight& f);
    // Why a carrier that is not accepting() would refuse: "disabled", "a
    // backup", "no bind up"...
    std::string refusing_why(std::string_view carrier_id) const;
    // With a credit of candidates[next]: `sending`, durably, then submit_to.
    void send_via(std::shared_ptr<Flight> f);
    // A waiter got its credit (any thread): send_via, unless it expired or
    // we are stopping meanwhile.
    void granted(std::shared_ptr<Flight> f);
    // The flight's credit, if it holds one, goes back (to a waiter, if any).
    // A flight a carrier refused whose record still says `sending` to it
    // (unrecorded_refusal): written back to queued, that attempt closed.
    void queue_after_refusal(Flight& f);
    void give_back(Flight& f);
    // A prepared flight whose record was not stored: its credit back, its
    // backlog slot freed, a part no longer on its way.
    void abandon(Flight& f);
    // Waiters of stalled carriers go on to their next carrier; runs while
    // anyone waits.
    void arm_sweep();
    void sweep();
    // Wakes the messages waiting out an outage once one of their carriers
    // takes submits again; runs while any wait.
    void arm_watch();
    void watch_outage();
    // After `sending` is durable: hands the message to the carrier.
    void submit_to(std::shared_ptr<Flight> f, const std::string& carrier_id);
    store::Completion log_failure(std::string what, std::string id);
    // log_failure, and on success the receipt_owed hook for `account`.
    store::Completion final_written(std::string what, std::string id, std::string account);
    // cancel_sm of `units`, answered once all are decided: a unit of one id
    // is one ledger update; a unit of several, every part of a message we
    // split, is one write (update_all): all cancelled, or none if a part
    // went meanwhile. `left_alone` matched but could not be cancelled.
    void cancel_all(std::shared_ptr<session::Session> s, std::uint32_t seq, std::string account,
                    std::vector<std::vector<store::MessageId>> units, std::size_t left_alone);
    // `targets` (held, matched by a cancel_sm) as cancel_all's units: the
    // parts of a message we split as one unit when all of them are held,
    // and otherwise left alone (counted in `left_alone`), so a handset never
    // gets some parts of it and not the rest.
    std::vector<std::vector<store::MessageId>> cancel_units(const std::vector<store::MessageId>& targets,
                                                            std::size_t& left_alone) const;

    boost::asio::any_io_executor ex_;
    store::Ledger& ledger_;
    store::MessageIdGenerator& ids_;
    const std::shared_ptr<MessageRouter> router_;
    const Carriers carriers_;
    const ForwardSettings settings_;
    std::atomic<bool> stopping_{false};
    // One per configured account, fixed at construction: read without locks.
    std::map<std::string, std::unique_ptr<Backlog>, std::less<>> backlogs_;
    HeldMessages held_;
    // One per carrier, fixed at construction: the map is read without locks.
    std::map<std::string, std::unique_ptr<Credits>, std::less<>> credits_;
    std::atomic<bool> sweep_armed_{false};
    // Mutable: validate() (const) reads pins; PartAffinity locks itself.
    mutable PartAffinity parts_;
    // The UDH reference of the next message we split (8 bits used); seeded
    // from the clock so a restart does not begin where the last run did.
    std::atomic<std::uint32_t> split_reference_{0};
    OutageWaiters outage_;
    std::atomic<bool> watch_armed_{false};
    const upstream::NumberNormaliser numbers_;  // its tables take milliseconds to build: once
    std::map<std::string, upstream::SubmitPolicy, std::less<>> policies_;

    struct AtomicCounters {
        std::atomic<std::uint64_t> accepted{0}, refused{0}, sent{0}, retries{0}, rejected{0}, in_doubt{0},
            failed{0}, ledger_errors{0}, expired{0}, cancelled{0}, replaced{0}, split{0}, late_sent{0};
    };
    mutable AtomicCounters counters_;

public:
    // receipt_timeouts.hpp: `record` (still `sent`, its receipt overdue)
    // goes once more, through the carriers of its route other than
    // `not_via_carrier`, in route order. First, durably and only while it is
    // still `sent`, the record becomes queued with duplicate_risk set (a
    // receipt that wins the race leaves it alone). False, with nothing
    // changed, when the route has no other carrier running. Any thread.
    bool resend(store::MessageRecord record, std::string not_via_carrier);
};

}  // namespace smpp::relay
