#pragma once
// The ledger's record of one upstream submit_sm, from acceptance to its final
// state: who sent it, what it says, where we routed it, every attempt at a
// carrier, and what it cost. Plain data, no PDUs: addresses are ton/npi/text.
//
// Binary form: a version byte, then the fields in declaration order as
// varints and length-prefixed strings. A new field goes at the end under a
// new version; decode() keeps reading every older version.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_id.hpp"
#include "store/status.hpp"

namespace smpp::store {

enum class MessageStatus : std::uint8_t {
    accepted,       // durable, submit_sm_resp sent, not yet routed
    queued,         // routed, waiting for its carrier (or for a retry)
    sending,        // submit_sm written to a carrier, no submit_sm_resp yet
    sent,           // carrier gave its message_id; waiting for the receipt
    in_doubt,       // was sending when we stopped: the carrier may have it
    delivered,      // final
    undeliverable,  // final
    expired,        // final
    rejected,       // final: refused before or by a carrier
    failed,         // final: we gave up (retries exhausted, no route)
    cancelled,      // final: the upstream cancelled it (cancel_sm) before it was sent
};
inline constexpr std::size_t message_status_count = 11;

std::string_view name(MessageStatus s) noexcept;
std::optional<MessageStatus> message_status_from_name(std::string_view name) noexcept;
bool is_final(MessageStatus s) noexcept;

struct Address {
    std::uint8_t ton = 0;
    std::uint8_t npi = 0;
    std::string address{};
    friend bool operator==(const Address&, const Address&) = default;
};

// One submit_sm to one carrier bind.
struct Attempt {
    std::string carrier{};
    std::string bind{};
    Timestamp at{};
    MessageStatus status = MessageStatus::sending;
    // The carrier's submit_sm_resp command_status (0 = ESME_ROK).
    std::uint32_t command_status = 0;
    // From the carrier's submit_sm_resp; the key its receipts come back under.
    std::string carrier_message_id{};
    friend bool operator==(const Attempt&, const Attempt&) = default;
};

// The carrier answered this attempt ESME_ROK: it has the message. Usually
// with a message_id; a carrier that answers ESME_ROK with an empty one
// still took it (nothing of it can be matched to a receipt, though).
inline bool carrier_took(const Attempt& a) noexcept {
    return a.status == MessageStatus::sent || !a.carrier_message_id.empty();
}

struct RouteDecision {
    std::string carrier{};
    std::string reason{};  // "prefix 4477 -> carrier-a (cheapest healthy)"
    friend bool operator==(const RouteDecision&, const RouteDecision&) = default;
};

// The upstream sent this record as one part of a concatenated message.
struct Concatenation {
    std::uint16_t reference = 0;
    std::uint8_t total = 1;
    std::uint8_t number = 1;
    friend bool operator==(const Concatenation&, const Concatenation&) = default;
};

// An optional parameter of the upstream's submit, kept as it came: tag and
// raw value octets (SMPP 3.4 section 5.3).
struct StoredTlv {
    std::uint16_t tag = 0;
    std::string value{};
    friend bool operator==(const StoredTlv&, const StoredTlv&) = default;
};

struct MessageRecord {
    MessageId id{};
    // The upstream: its system_id, and its own references for this message.
    std::string account{};
    std::uint32_t upstream_sequence_number = 0;
    std::optional<std::uint16_t> user_message_reference{};
    Address source{};
    Address destination{};
    std::uint8_t esm_class = 0;
    std::uint8_t data_coding = 0;
    std::uint8_t registered_delivery = 0;
    std::uint8_t priority_flag = 0;
    std::string payload{};
    // Parts the payload becomes towards the carrier.
    std::uint8_t segment_count = 1;
    std::optional<Concatenation> concatenation{};
    // Traffic class the router selects by ("otp", "bulk").
    std::string traffic_class{};
    MessageStatus status = MessageStatus::accepted;
    // Why the record is where it is: a command_status or receipt err code.
    std::uint32_t error_code = 0;
    RouteDecision route{};
    std::vector<Attempt> attempts{};
    Timestamp accepted_at{};
    Timestamp updated_at{};
    Timestamp final_at{};    // epoch while not final
    Timestamp expires_at{};  // validity_period; epoch = carrier default
    Timestamp retry_at{};    // epoch = no retry scheduled
    std::int64_t cost_micros = 0;
    std::string currency{};
    // The final state came from our receipt timeout, not from the carrier
    // (a carrier receipt that arrives later is absorbed as a duplicate).
    bool synthetic_receipt = false;
    // One destination of a submit_multi: the message_id its submit_multi_resp
    // carried (the first destination's record id), which is what the
    // upstream knows and gets back in the receipt. Invalid for submit_sm.
    MessageId upstream_id{};
    // The upstream's service_type (cancel_sm may select by it).
    std::string service_type{};
    // Bumped by every replace_sm: a `sending` written for an older revision
    // is refused (StatusCode::aborted), so the old text never goes out.
    std::uint32_t revision = 0;
    // The message went to a second carrier while the first may still deliver
    // it (re-sent after a receipt timeout): the handset may get it twice.
    bool duplicate_risk = false;
    // The upstream bind that submitted it, `<bind type>@<address>:<port>`
    // (transceiver@10.0.0.5:41234): which of an account's connections sent
    // it, when an aggregator's reconnects or duplicates need explaining.
    // Empty for records written before version 4.
    std::string upstream_bind{};
    // A part we cut from the upstream's one long message_payload for
    // carriers that take none (its concatenation is ours, upstream_id the
    // id the upstream got): the upstream is owed one receipt for the whole
    // message, whatever its account's multipart policy.
    bool split_by_us = false;
    // The rest of the upstream's submit, so that a message resumed after a
    // restart or re-sent after a receipt timeout goes to the carrier as it
    // was submitted: sar_* parts stay one message on the handset, ports,
    // protocol_id (replace-type SMs) and vendor TLVs are kept. `tlvs` in
    // wire order, without message_payload (that is `payload`). Empty and 0
    // for records written before version 6.
    std::uint8_t protocol_id = 0;
    std::uint8_t replace_if_present_flag = 0;
    std::uint8_t sm_default_msg_id = 0;
    std::vector<StoredTlv> tlvs{};
    // The last intermediate notification (ENROUTE, ACCEPTD) the carrier
    // sent for it, as a fingerprint (carrier_receipt.hpp): the same one
    // again, a carrier offering it anew because our deliver_sm_resp was
    // lost, is a duplicate, not a second notification upstream. 0: none
    // yet (or a record from before version 7).
    std::uint64_t intermediate_seen = 0;

    friend bool operator==(const MessageRecord&, const MessageRecord&) = default;
};

// Version 2 added synthetic_receipt, version 3 upstream_id, service_type,
// revision and duplicate_risk, version 4 upstream_bind, version 5
// split_by_us, version 6 protocol_id, replace_if_present_flag,
// sm_default_msg_id and tlvs, version 7 intermediate_seen; older records
// still decode.
inline constexpr std::uint8_t message_record_version = 7;

// The message's text: the payload after its UDH when esm_class has UDHI.
// A receipt's "text:" quotes it; the UDH is binary (NUL octets, which
// many ESMEs read as the end of the receipt). A UDH longer than the
// payload leaves nothing.
std::string_view text_of(const MessageRecord& r) noexcept;

std::string encode(const MessageRecord& r);
StatusOr<MessageRecord> decode_message_record(std::string_view bytes);

}  // namespace smpp::store
