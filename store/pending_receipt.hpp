#pragma once
// A delivery receipt we owe an upstream that is not bound right now (or whose
// window is full): parked in the ledger until a bind of that account can take
// it, so a restart does not lose it.
#include <cstdint>
#include <string>
#include <string_view>

#include "store/message_id.hpp"
#include "store/message_record.hpp"
#include "store/status.hpp"

namespace smpp::store {

struct PendingReceipt {
    std::string account{};
    MessageId id{};  // ours: the receipted_message_id the upstream knows
    MessageStatus status = MessageStatus::delivered;
    std::uint32_t error_code = 0;
    Timestamp done_at{};
    friend bool operator==(const PendingReceipt&, const PendingReceipt&) = default;
};

// The value stored under (account, id); account and id live in the key.
std::string encode_receipt_value(const PendingReceipt& r);
Status decode_receipt_value(std::string_view bytes, PendingReceipt& r);

}  // namespace smpp::store
