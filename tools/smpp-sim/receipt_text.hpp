#pragma once
// The delivery receipt text of SMPP 3.4 Appendix B, as a simulated carrier
// writes it in a receipt's short_message:
//   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "smpp/protocol/tlv.hpp"

namespace smpp::sim {

struct ReceiptText {
    std::string_view id;
    unsigned sub = 1;
    unsigned dlvrd = 1;
    std::time_t submit_date = 0;  // printed in UTC
    std::time_t done_date = 0;
    protocol::message_state state = protocol::message_state::delivered;
    unsigned err = 0;
    std::string_view text;  // at most its first 20 octets are quoted
};

std::string format_receipt_text(const ReceiptText& r);

// The 7-letter stat word of Appendix B: DELIVRD, EXPIRED, DELETED, UNDELIV,
// ACCEPTD, UNKNOWN, REJECTD (ENROUTE for an intermediate state).
std::string_view stat_word(protocol::message_state s) noexcept;

// The config's names for final states: delivered, expired, deleted,
// undeliverable, accepted, unknown, rejected.
std::optional<protocol::message_state> parse_message_state(std::string_view s) noexcept;
std::string_view name(protocol::message_state s) noexcept;

}  // namespace smpp::sim
