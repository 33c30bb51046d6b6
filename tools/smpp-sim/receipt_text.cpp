#include "tools/smpp-sim/receipt_text.hpp"

#include <algorithm>
#include <cstdint>

namespace smpp::sim {

namespace {

void append_2(unsigned v, std::string& out) {
    out += static_cast<char>('0' + v / 10 % 10);
    out += static_cast<char>('0' + v % 10);
}

void append_3(unsigned v, std::string& out) {
    out += static_cast<char>('0' + v / 100 % 10);
    append_2(v % 100, out);
}

// YYMMDDhhmm in UTC by arithmetic (days to civil date, H. Hinnant's
// algorithm): gmtime_r takes the timezone lock on every receipt.
void append_date(std::time_t t, std::string& out) {
    std::int64_t secs = t;
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
    append_2(static_cast<unsigned>(((year % 100) + 100) % 100), out);
    append_2(month, out);
    append_2(day, out);
    append_2(static_cast<unsigned>(rem / 3600), out);
    append_2(static_cast<unsigned>(rem % 3600 / 60), out);
}

}  // namespace

std::string format_receipt_text(const ReceiptText& r) {
    std::string out;
    out.reserve(120 + r.id.size());
    out += "id:";
    out += r.id;
    out += " sub:";
    append_3(r.sub % 1000, out);
    out += " dlvrd:";
    append_3(r.dlvrd % 1000, out);
    out += " submit date:";
    append_date(r.submit_date, out);
    out += " done date:";
    append_date(r.done_date, out);
    out += " stat:";
    out += stat_word(r.state);
    out += " err:";
    append_3(r.err % 1000, out);
    out += " text:";
    out += r.text.substr(0, std::min<std::size_t>(20, r.text.size()));
    return out;
}

std::string_view stat_word(protocol::message_state s) noexcept {
    using protocol::message_state;
    switch (s) {
    case message_state::enroute: return "ENROUTE";
    case message_state::delivered: return "DELIVRD";
    case message_state::expired: return "EXPIRED";
    case message_state::deleted: return "DELETED";
    case message_state::undeliverable: return "UNDELIV";
    case message_state::accepted: return "ACCEPTD";
    case message_state::unknown: return "UNKNOWN";
    case message_state::rejected: return "REJECTD";
    }
    return "UNKNOWN";
}

std::optional<protocol::message_state> parse_message_state(std::string_view s) noexcept {
    using protocol::message_state;
    for (auto st : {message_state::delivered, message_state::expired, message_state::deleted,
                    message_state::undeliverable, message_state::accepted, message_state::unknown,
                    message_state::rejected})
        if (name(st) == s) return st;
    return std::nullopt;
}

std::string_view name(protocol::message_state s) noexcept {
    using protocol::message_state;
    switch (s) {
    case message_state::enroute: return "enroute";
    case message_state::delivered: return "delivered";
    case message_state::expired: return "expired";
    case message_state::deleted: return "deleted";
    case message_state::undeliverable: return "undeliverable";
    case message_state::accepted: return "accepted";
    case message_state::unknown: return "unknown";
    case message_state::rejected: return "rejected";
    }
    return "unknown";
}

}  // namespace smpp::sim
