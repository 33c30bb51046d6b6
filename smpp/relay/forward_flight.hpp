#pragma once
// Internal to the forward path (forward_path.cpp and forward_requests.cpp):
// one message on its way to a carrier, and the small conversions both
// files need. Not for other layers.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "smpp/relay/forward_path.hpp"

namespace smpp::relay {

// Touched by one step at a time: each step hands it on through a post, a
// ledger completion, a timer or a carrier callback, never to two at once.
// Only `held` is touched from other threads (cancel_sm releases it).
struct ForwardPath::Flight {
    store::MessageId id;
    std::string account;
    protocol::SubmitSm pdu;               // as the carrier gets it
    std::vector<std::string> candidates;  // carrier ids, in order
    std::vector<std::uint64_t> costs;     // costs[i]: candidates[i]'s price per part (routing::Decision::costs)
    std::size_t segments = 1;             // parts the carrier bills (the record's segment_count)
    std::size_t next = 0;                 // the candidate to try next
    std::uint32_t rounds = 0;             // retry rounds scheduled so far
    // Rounds in which a carrier answered with an error (not only refusals:
    // a carrier that is down or disabled never fails a message), and
    // whether the current round had such an answer.
    std::uint32_t answered_rounds = 0;
    bool answered = false;
    std::uint32_t last_status = static_cast<std::uint32_t>(protocol::command_status::ESME_RSUBMITFAIL);
    // The last attempt was refused for now and the record does not say so
    // yet: the carrier's command_status (0: it never left us). The next
    // write about this message closes that attempt with it.
    std::optional<std::uint32_t> unrecorded_refusal;
    std::string unrecorded_refusal_bind;  // the bind that refused it (carrier::bind_label), if one did
    carrier::message_class cls = carrier::message_class::transactional;
    std::string country;  // of the route, for health per carrier x country
    std::chrono::steady_clock::time_point submitted_at{};
    std::uint32_t revision = 0;     // of the record the pdu was built from
    store::Timestamp deliver_at{};  // not before (schedule or retry); epoch: now
    store::Timestamp expires_at{};  // validity_period; epoch: the carrier's default
    store::Timestamp hold_until{};  // without a validity_period: accepted + max_hold (epoch: no limit)
    bool born_sending = false;      // accepted as `sending` to candidates[0] (no separate write)
    bool duplicate_risk = false;    // sent again while a carrier may have it: its `sending` writes say so
    store::MessageId upstream_id{}; // a submit_multi destination's: the id its upstream knows
    Backlog* backlog = nullptr;     // the account's, when it has one
    Credits* credit = nullptr;      // the carrier credit it holds (carrier_credits.hpp), if any
    // One part of a concatenated message (part_affinity.hpp): which message,
    // and which part.
    std::optional<ConcatKey> part;
    std::uint8_t part_seqnum = 0;
    // The retry round it sleeps until (retry_later), and whether a carrier
    // of its route came back meanwhile (outage_waiters.hpp): then its round
    // starts now, not at that time.
    store::Timestamp retry_at{};
    std::atomic<bool> carrier_back{false};
    // Carriers this round passed over without an attempt, and why, for the
    // record's route reason (StateChange::passed_over) with its next write;
    // whether the record carries such a note now.
    std::string passed;
    bool passed_noted = false;

    Flight() = default;
    Flight(const Flight&) = delete;
    Flight& operator=(const Flight&) = delete;
    // Every path gives its credit back (ForwardPath::give_back); one that
    // did not would shrink the carrier's credits for good. Said loudly: a
    // waiter could not be handed the credit from here.
    ~Flight() {
        if (credit) spdlog::error("message {}: its carrier credit was never given back (a bug)", id.to_string());
    }
    std::atomic<bool> held{false};  // counted in the backlog and listed in held_
};

struct ForwardPath::Prepared {
    store::MessageRecord record;
    std::shared_ptr<Flight> flight;
};

namespace forward {

store::Timestamp now_ms();
std::string_view payload_of(const protocol::SubmitSm& sm);
std::size_t segments_of(const protocol::SubmitSm& sm);
// The new text of a held message: into short_message, or message_payload
// when the pdu used that (or the text does not fit short_message).
void set_payload(protocol::SubmitSm& sm, std::string_view payload);
// What the carrier is told about times: no schedule (we held it), the
// validity as an absolute UTC time.
void stamp_times(protocol::SubmitSm& sm, store::Timestamp expires_at);

// schedule_delivery_time and validity_period of a submit (or replace):
// epoch for "none". A schedule in the past means now.
struct Times {
    store::Timestamp deliver_at{};
    store::Timestamp expires_at{};
};
std::variant<protocol::command_status, Times> times_of(std::string_view schedule_delivery_time,
                                                        std::string_view validity_period, store::Timestamp now);

// registered_delivery as the carrier gets it: a receipt on success or
// failure (bits 1-0 = 01) always, so that the ledger learns every outcome;
// the upstream's intermediate (bit 4) and SME acknowledgement (bits 3-2)
// requests as they were. What goes upstream is decided by the record's
// own registered_delivery (store/carrier_receipt.hpp wants_receipt).
inline constexpr std::uint8_t rd_receipt_always = 0x01;
inline constexpr std::uint8_t rd_sme_ack_bits = 0x0C;
inline constexpr std::uint8_t rd_intermediate_bit = 0x10;
std::uint8_t carrier_registered_delivery(std::uint8_t upstream) noexcept;

protocol::command_status status_for(const store::Status& s);
// A submit_sm_resp (message_id only with ESME_ROK).
protocol::Pdu submit_sm_resp(std::uint32_t sequence_number, protocol::command_status status,
                             std::string message_id = {});

// What the record costs once candidates[i] takes it: its price per part
// times the parts (0 for a candidate without a price, as inline routes have).
std::int64_t cost_of(const ForwardPath::Flight& f, std::size_t i);

}  // namespace forward
}  // namespace smpp::relay
