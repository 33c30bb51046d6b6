#pragma once
// A delivery receipt we owe an upstream that is not bound right now (or whose
// window is full): parked in the ledger until a bind of that account can take
// it, so a restart does not lose it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/message_id.hpp"
#include "store/message_record.hpp"
#include "store/status.hpp"

namespace smpp::store {

// What the upstream's deliver_sm needs from the record, copied when the
// receipt becomes owed so that forwarding it reads nothing back.
struct ReceiptEnvelope {
    Address source{};
    Address destination{};
    std::uint8_t registered_delivery = 0;
    std::uint8_t data_coding = 0;
    Timestamp accepted_at{};
    Timestamp updated_at{};
    std::string text{};  // the payload's first 20 octets
    bool synthetic_receipt = false;
    // The record's upstream_id: a submit_multi destination's receipt goes
    // upstream under the submit_multi's id (invalid: under its own).
    MessageId upstream_id{};
    friend bool operator==(const ReceiptEnvelope&, const ReceiptEnvelope&) = default;
};

ReceiptEnvelope envelope_of(const MessageRecord& r);

struct PendingReceipt {
    std::string account{};
    MessageId id{};  // ours: the receipted_message_id the upstream knows
    MessageStatus status = MessageStatus::delivered;
    std::uint32_t error_code = 0;
    Timestamp done_at{};
    // An aggregated receipt of a concatenated message (multipart_receipts.hpp):
    // how many parts (sub) and how many delivered (dlvrd), and each part's
    // state as text. parts 0: the receipt of one message.
    std::uint8_t parts = 0;
    std::uint8_t parts_delivered = 0;
    std::string detail{};
    // nullopt in receipts parked before it existed: the forwarder reads the record.
    std::optional<ReceiptEnvelope> envelope{};
    // The carrier's own message_state when `status` does not say it
    // (CarrierReceipt::reported_state); 0: none. Kept only with an envelope.
    std::uint8_t reported_state = 0;
    friend bool operator==(const PendingReceipt&, const PendingReceipt&) = default;
};

// What tells a receipt parked for a message from one that replaced it since
// (the final after an intermediate, a later aggregate): its state and time.
// Small and copied by value, unlike the receipt (Ledger::remove_forwarded_receipts).
struct ReceiptStamp {
    MessageId id{};
    MessageStatus status = MessageStatus::delivered;
    std::uint32_t error_code = 0;
    Timestamp done_at{};
    std::uint8_t parts_delivered = 0;
    friend bool operator==(const ReceiptStamp&, const ReceiptStamp&) = default;
};

inline ReceiptStamp stamp_of(const PendingReceipt& r) noexcept {
    return {r.id, r.status, r.error_code, r.done_at, r.parts_delivered};
}

// The value stored under (account, id); account and id live in the key.
// Version 4 (an envelope and a reported_state) is written only when there
// is a reported_state: every other receipt is encoded as before.
std::string encode_receipt_value(const PendingReceipt& r);
Status decode_receipt_value(std::string_view bytes, PendingReceipt& r);

}  // namespace smpp::store
