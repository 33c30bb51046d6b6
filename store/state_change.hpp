#pragma once
// The rules for changing a MessageRecord, shared by every Ledger so that the
// RocksDB ledger and its in-memory double cannot disagree. Each function
// checks first and changes nothing when it returns an error.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/message_record.hpp"
#include "store/status.hpp"

namespace smpp::store {

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
};

// A final record never changes again (a late or duplicate receipt must not
// resurrect it); nothing goes back to `accepted`. Any state change cancels a
// scheduled retry.
Status apply(MessageRecord& r, const StateChange& change);

// The carrier answered submit_sm with ESME_ROK and its message_id: the last
// attempt on that carrier still waiting for its id gets it, or a new attempt
// is recorded.
Status apply_sent(MessageRecord& r, std::string_view carrier, std::string_view carrier_message_id, Timestamp at);

// Park the record until `when`; it waits as `queued`.
Status apply_retry(MessageRecord& r, Timestamp when);

// Accounts and carrier names are key parts in the store, joined by NUL.
Status check_key_part(std::string_view field, std::string_view value);

// What accept() stores: checks the id and stamps no derived fields.
Status check_acceptable(const MessageRecord& r);

}  // namespace smpp::store
