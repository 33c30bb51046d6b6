#pragma once
// A mobile-originated message (a handset wrote to a number or short code an
// upstream account owns), taken from a carrier's deliver_sm: parked in the
// ledger for the owning account before the carrier gets ESME_ROK, and
// removed only once the account's bind has acknowledged it, so neither an
// unbound upstream nor a restart loses it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/message_id.hpp"
#include "store/message_record.hpp"
#include "store/status.hpp"

namespace smpp::store {

struct MobileOriginated {
    MessageId id{};  // ours, minted on arrival: FIFO order per account
    std::string account{};
    std::string carrier{};
    Address source{};       // the handset
    Address destination{};  // the account's number or short code
    std::uint8_t esm_class = 0;
    std::uint8_t data_coding = 0;
    std::string payload{};  // short_message or message_payload, as received
    Timestamp received_at{};
    // What tells one MO from a carrier's copy of it (smpp/relay/mo_dedupe.hpp)
    // beside the fields above: its sar_* TLVs, and the carrier's own id for
    // it (receipted_message_id on an MO) when it sent one.
    std::optional<Concatenation> sar{};
    std::string carrier_message_id{};
    friend bool operator==(const MobileOriginated&, const MobileOriginated&) = default;
};

// The value stored under (account, id); account and id live in the key.
std::string encode_mo_value(const MobileOriginated& m);
Status decode_mo_value(std::string_view bytes, MobileOriginated& m);

}  // namespace smpp::store
