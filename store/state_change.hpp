#pragma once
// The rules for changing a MessageRecord, shared by every Ledger so that the
// RocksDB ledger and its in-memory double cannot disagree. Each function
// checks first and changes nothing when it returns an error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_record.hpp"
#include "store/status.hpp"

namespace smpp::store {

// What replace_sm changes on a message no carrier has yet.
struct Replacement {
    std::string payload{};
    std::uint8_t segment_count = 1;
    std::uint8_t registered_delivery = 0;
    std::optional<Timestamp> deliver_at{};  // schedule_delivery_time given: hold it until then
    std::optional<Timestamp> expires_at{};  // validity_period given
    friend bool operator==(const Replacement&, const Replacement&) = default;
};

// A carrier's answer that came after its response_timeout had made the
// attempt in doubt, and that says the carrier did not take the message (a
// refusal, or a generic_nack): the newest attempt at `carrier` still
// in_doubt becomes `attempt_status` (failed for a refusal for now,
// rejected for a permanent one) with `command_status`, and `bind` when
// given. With `only_attempt` nothing else of the record changes (it was
// sent again since: its state is the newer attempt's). Without, the
// change applies only while that attempt is the record's newest (nothing
// was sent since), else failed_precondition.
struct LateRefusal {
    std::string carrier{};
    MessageStatus attempt_status = MessageStatus::failed;
    std::uint32_t command_status = 0;
    std::string bind{};
    bool only_attempt = false;
};

struct StateChange {
    MessageStatus status = MessageStatus::queued;
    Timestamp at{};
    std::optional<Attempt> attempt{};  // appended to the record's attempts
    std::optional<RouteDecision> route{};
    std::optional<std::uint32_t> error_code{};
    std::optional<std::int64_t> cost_micros{};
    // Applied only while the record is in one of these (empty: any state
    // that is not final); otherwise failed_precondition. cancel_sm uses it:
    // a message a carrier may already have is not cancelled.
    std::vector<MessageStatus> only_from{};
    // Applied only while the record's revision is this one; otherwise
    // aborted (a replace_sm came first: the caller holds an old text).
    std::optional<std::uint32_t> only_revision{};
    // replace_sm: the new text and times; bumps the revision and leaves
    // `status` unused (the record keeps its state and its hold).
    std::optional<Replacement> replacement{};
    // Set the record's duplicate_risk (a re-send while a carrier may have it).
    bool duplicate_risk = false;
    // The carrier's answer to the newest attempt still `sending` when it
    // refused for now (a transient command_status, or 0 when it never left
    // us): that attempt becomes `failed` with it, before `attempt` is
    // appended. The next carrier or a retry follows, and the record keeps
    // why each carrier did not take it.
    std::optional<std::uint32_t> last_attempt_refused{};
    // With last_attempt_refused: the carrier's bind that refused (empty when
    // it never reached one), kept on that attempt.
    std::string last_attempt_bind{};
    // The carriers of the route this round passed over without an attempt,
    // and why ("carrier00 (disabled), carrier01 (stalled)"): the route
    // reason ends with "; passed over " and these, in place of what an
    // earlier round noted there (so it never grows); "" drops that note.
    std::optional<std::string> passed_over{};
    // The late refusal of an attempt in doubt (LateRefusal above).
    std::optional<LateRefusal> late_refusal{};
};

// The route reason's note of carriers passed over (StateChange::passed_over).
inline constexpr std::string_view passed_over_note = "; passed over ";

// A final record never changes again (a late or duplicate receipt must not
// resurrect it); nothing goes back to `accepted`. Any state change cancels a
// scheduled retry.
Status apply(MessageRecord& r, const StateChange& change);

// The carrier answered submit_sm with ESME_ROK and its message_id: the last
// attempt on that carrier still waiting for its id gets it, or a new attempt
// is recorded.
// `bind` (when not empty) names the carrier's bind on that attempt.
Status apply_sent(MessageRecord& r, std::string_view carrier, std::string_view carrier_message_id, Timestamp at,
                  std::string_view bind = {});

// Park the record until `when`; it waits as `queued`.
Status apply_retry(MessageRecord& r, Timestamp when);

// Accounts and carrier names are key parts in the store, joined by NUL.
Status check_key_part(std::string_view field, std::string_view value);

// What accept() stores: checks the id and stamps no derived fields. A
// retry_at on an accepted record is its schedule_delivery_time: the hold.
Status check_acceptable(const MessageRecord& r);

}  // namespace smpp::store
