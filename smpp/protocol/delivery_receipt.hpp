#pragma once
// SMPP 3.4 Appendix B delivery receipts, as carriers actually send them:
//
//   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm
//   stat:DDDDDDD err:E text:...
//
// The appendix is informative and every SMSC bends it: keys in any case and
// order, fields missing or added, dates with seconds, stat spelled out, a
// space after the colon, text with colons in it. The parser keeps every
// field as the carrier wrote it (ids are matched as strings: "0001A" and
// "1A" are different ids) and maps stat to message_state.
//
// In a deliver_sm or data_sm, the receipted_message_id, message_state and
// network_error_code TLVs are authoritative when present; the text fills in
// the rest.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smpp/protocol/pdu.hpp"
#include "smpp/protocol/tlv.hpp"

namespace smpp::protocol {

// What a deliver_sm / data_sm is, from esm_class bits 5-2 (section 5.2.12).
enum class deliver_kind : std::uint8_t {
    mobile_originated,          // 0x00: a message from a handset
    delivery_receipt,           // 0x04: SMSC delivery receipt
    sme_delivery_ack,           // 0x08
    sme_manual_ack,             // 0x10: manual/user acknowledgement
    conversation_abort,         // 0x18 (Korean CDMA)
    intermediate_notification,  // 0x20
};

deliver_kind classify_esm_class(std::uint8_t esm_class) noexcept;

struct DeliveryReceipt {
    deliver_kind kind = deliver_kind::delivery_receipt;
    std::string id;           // the carrier's message id, as written
    std::string sub;          // "001"
    std::string dlvrd;        // "001"
    std::string submit_date;  // YYMMDDhhmm or YYMMDDhhmmss
    std::string done_date;
    std::optional<message_state> stat;  // nullopt: absent or not a known spelling
    std::string stat_text;              // stat as written ("DELIVRD", "Delivered")
    std::string err;                    // as written ("000", "0", "0x1B")
    std::optional<NetworkErrorCode> network_error_code;  // the TLV, when present
    std::string text;
    std::string raw;  // the whole receipt text as received
    friend bool operator==(const DeliveryReceipt&, const DeliveryReceipt&) = default;
};

enum class receipt_errc : std::uint8_t {
    no_id,          // neither the text nor receipted_message_id names a message
    not_a_deliver,  // the PDU is not a deliver_sm or data_sm
    not_a_receipt,  // esm_class says mobile-originated
};

struct ReceiptError {
    receipt_errc code = receipt_errc::no_id;
    friend bool operator==(const ReceiptError&, const ReceiptError&) = default;
};

// Parses Appendix B text. Fails only when there is no id.
std::variant<DeliveryReceipt, ReceiptError> parse_receipt_text(std::string_view text);

// The receipt a deliver_sm / data_sm carries (text from short_message, or
// from message_payload when short_message is empty; UCS-2 text is decoded),
// with the TLVs winning over the text.
std::variant<DeliveryReceipt, ReceiptError> extract_receipt(const Pdu& pdu);

// "DELIVRD", "delivered", "Undeliverable", "2" ... -> message_state.
std::optional<message_state> parse_stat(std::string_view stat) noexcept;

// The Appendix B spelling: DELIVRD EXPIRED DELETED UNDELIV ACCEPTD UNKNOWN
// REJECTD ENROUTE.
std::string_view stat_name(message_state s) noexcept;

// A receipt date (YYMMDDhhmm or YYMMDDhhmmss, 20YY) as UTC; receipts carry
// no zone, so the caller knows whether the carrier's clock is UTC.
std::optional<std::chrono::system_clock::time_point> parse_receipt_date(std::string_view date) noexcept;

// "YYMMDDhhmm" of tp in UTC.
std::string format_receipt_date(std::chrono::system_clock::time_point tp);

// sub, dlvrd and err as Appendix B writes them: decimal, zero-padded to
// three digits ("007", "000", "1234").
std::string format_receipt_number(std::uint32_t n);

// Appendix B text for a receipt we send upstream, under our id. Empty sub /
// dlvrd / err become "001" / ("001" when delivered, else "000") / "000";
// stat is the Appendix B name (stat_text when stat is nullopt, else
// "UNKNOWN"); text is cut to its first 20 characters as the appendix says.
std::string format_receipt_text(const DeliveryReceipt& r);

// A deliver_sm carrying r: esm_class 0x04 (or 0x20 for an intermediate
// notification), the Appendix B text, and the receipted_message_id,
// message_state and (when known) network_error_code TLVs. Source and
// destination are the original message's, swapped by the caller as usual.
DeliverSm make_receipt_deliver_sm(const DeliveryReceipt& r, Address source, Address dest);

}  // namespace smpp::protocol
