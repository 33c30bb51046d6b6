#include "smpp/protocol/delivery_receipt.hpp"

#include <array>
#include <charconv>
#include <fmt/format.h>

#include "smpp/protocol/segments.hpp"
#include "smpp/protocol/utf8.hpp"

namespace smpp::protocol {
namespace {

using namespace std::chrono;

enum class field : std::uint8_t { id, sub, dlvrd, submit_date, done_date, stat, err, text, other };

bool space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i])) return false;
    }
    return true;
}

// Key names after lower-casing and dropping spaces and underscores, so that
// "Submit Date", "submit_date" and "SUBMITDATE" are one key.
field field_of(std::string_view normalized) noexcept {
    struct Name {
        std::string_view name;
        field f;
    };
    static constexpr std::array<Name, 16> names = {{
        {"id", field::id},
        {"msgid", field::id},
        {"sub", field::sub},
        {"dlvrd", field::dlvrd},
        {"dlvred", field::dlvrd},
        {"submitdate", field::submit_date},
        {"submittime", field::submit_date},
        {"donedate", field::done_date},
        {"donetime", field::done_date},
        {"stat", field::stat},
        {"state", field::stat},
        {"status", field::stat},
        {"err", field::err},
        {"error", field::err},
        {"errcode", field::err},
        {"text", field::text},
    }};
    for (const auto& n : names) {
        if (n.name == normalized) return n.f;
    }
    return field::other;
}

struct Key {
    field f = field::other;
    std::size_t value = 0;  // offset just past the colon
};

// A key starts at a word boundary: letters and '_' (one space only in
// "submit date" / "done date" and their "time" forms), then ':'. Returns nullopt when s[at] does not
// start one.
std::optional<Key> key_at(std::string_view s, std::size_t at) {
    if (at >= s.size() || !alpha(s[at])) return std::nullopt;
    if (at > 0 && !space(s[at - 1])) return std::nullopt;
    // At most 24 characters are looked at: the name fits on the stack.
    std::array<char, 24> buffer;
    std::size_t length = 0;
    auto name = [&] { return std::string_view(buffer.data(), length); };
    std::size_t i = at;
    for (; i < s.size() && i - at < buffer.size(); ++i) {
        const char c = s[i];
        if (alpha(c)) {
            buffer[length++] = lower(c);
        } else if (c == '_' || (c == ' ' && (name() == "submit" || name() == "done") &&
                                (iequals(s.substr(i + 1, 4), "date") || iequals(s.substr(i + 1, 4), "time")))) {
            // Only "submit date" and "done date" take a space, so "DLR id:1"
            // stays "id" and "Done err:0" stays "err".
            continue;
        } else {
            break;
        }
    }
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    return Key{field_of(name()), i + 1};
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && space(s[i])) ++i;
    return i;
}

std::size_t token_end(std::string_view s, std::size_t i) {
    while (i < s.size() && !space(s[i])) ++i;
    return i;
}

bool token_has_colon(std::string_view s, std::size_t b, std::size_t e) {
    return s.substr(b, e - b).find(':') != std::string_view::npos;
}

struct Seen {
    std::array<bool, 8> f{};
    bool& operator[](field x) { return f[static_cast<std::size_t>(x)]; }
};

void store(DeliveryReceipt& r, field f, std::string_view v) {
    switch (f) {
    case field::id: r.id = v; break;
    case field::sub: r.sub = v; break;
    case field::dlvrd: r.dlvrd = v; break;
    case field::submit_date: r.submit_date = v; break;
    case field::done_date: r.done_date = v; break;
    case field::stat:
        r.stat_text = v;
        r.stat = parse_stat(v);
        break;
    case field::err: r.err = v; break;
    case field::text: r.text = v; break;
    case field::other: break;
    }
}

// UCS-2 receipt text (some SMSCs send data_coding 8) as UTF-8; an unpaired
// surrogate becomes U+FFFD.
std::string from_ucs2(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        char32_t u = static_cast<char32_t>(static_cast<std::uint8_t>(s[i]) << 8 | static_cast<std::uint8_t>(s[i + 1]));
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < s.size()) {
            const char32_t lo =
                static_cast<char32_t>(static_cast<std::uint8_t>(s[i + 2]) << 8 | static_cast<std::uint8_t>(s[i + 3]));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
        utf8::append(out, u);
    }
    return out;
}

}  // namespace

deliver_kind classify_esm_class(std::uint8_t esm) noexcept {
    switch (esm & esm_class::message_type_mask) {
    case 0x04: return deliver_kind::delivery_receipt;
    case 0x08: return deliver_kind::sme_delivery_ack;
    case 0x10: return deliver_kind::sme_manual_ack;
    case 0x18: return deliver_kind::conversation_abort;
    case 0x20: return deliver_kind::intermediate_notification;
    default: return deliver_kind::mobile_originated;
    }
}

std::optional<message_state> parse_stat(std::string_view s) noexcept {
    if (s.size() == 1 && s[0] >= '1' && s[0] <= '8') return static_cast<message_state>(s[0] - '0');
    struct Spelling {
        std::string_view text;
        message_state state;
    };
    static constexpr std::array<Spelling, 21> spellings = {{
        {"DELIVRD", message_state::delivered},      {"DELIVERED", message_state::delivered},
        {"EXPIRED", message_state::expired},        {"EXPIRD", message_state::expired},
        {"DELETED", message_state::deleted},        {"DELETD", message_state::deleted},
        {"UNDELIV", message_state::undeliverable},  {"UNDELIVERABLE", message_state::undeliverable},
        {"UNDELIVERED", message_state::undeliverable}, {"UNDELIVRD", message_state::undeliverable},
        {"FAILED", message_state::undeliverable},   {"ACCEPTD", message_state::accepted},
        {"ACCEPTED", message_state::accepted},      {"ACKED", message_state::accepted},
        {"UNKNOWN", message_state::unknown},
        {"REJECTD", message_state::rejected},       {"REJECTED", message_state::rejected},
        {"ENROUTE", message_state::enroute},        {"EN_ROUTE", message_state::enroute},
        {"BUFFRED", message_state::enroute},        {"BUFFERED", message_state::enroute},
    }};
    for (const auto& sp : spellings) {
        if (iequals(s, sp.text)) return sp.state;
    }
    return std::nullopt;
}

std::string_view stat_name(message_state s) noexcept {
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

namespace {

// Every field the text has, with or without an id (extract_receipt may get
// the id from receipted_message_id). The text becomes r.raw, parsed in
// place: one copy of it per receipt, not two.
DeliveryReceipt parse_fields(std::string text) {
    DeliveryReceipt r;
    r.raw = std::move(text);
    const std::string_view s = r.raw;
    Seen seen;
    // Fields found after a text that comes first: the text is the sender's
    // own 20 characters, and a key-like word in it ("text:x id:999 id:123
    // stat:...") would otherwise be taken for the carrier's field, the real
    // one after it ignored as a repeat. The carrier's fields come last, so
    // among those found after the text the last occurrence wins.
    Seen after_text;
    bool text_seen = false;
    std::size_t i = 0;
    while (i < s.size()) {
        i = skip_spaces(s, i);
        const auto key = key_at(s, i);
        if (!key) {
            i = token_end(s, i);  // a word that is no key: step over it
            continue;
        }
        if (key->f == field::text) {
            // The text runs to the end, unless a field we have not seen yet
            // follows it (a carrier that puts text first); then it stops there.
            const std::size_t b = skip_spaces(s, key->value);
            std::size_t e = b;
            for (; e < s.size(); ++e) {
                if (const auto k = key_at(s, e); k && k->f != field::other && k->f != field::text && !seen[k->f]) break;
            }
            std::size_t trimmed = e;
            while (trimmed > b && space(s[trimmed - 1])) --trimmed;
            if (!seen[field::text]) store(r, field::text, s.substr(b, trimmed - b));
            seen[field::text] = true;
            text_seen = true;
            i = e;
            continue;
        }
        std::size_t b = key->value;
        std::size_t e = token_end(s, b);
        if (e == b) {
            // "id: 123": a space after the colon. Take the next word unless it
            // is itself a key ("err: text:").
            const std::size_t nb = skip_spaces(s, b);
            const std::size_t ne = token_end(s, nb);
            if (nb < s.size() && !token_has_colon(s, nb, ne)) b = nb, e = ne;
        }
        if (key->f != field::other && (!seen[key->f] || after_text[key->f])) {
            store(r, key->f, s.substr(b, e - b));
            seen[key->f] = true;
            after_text[key->f] = text_seen;
        }
        i = e;
    }
    return r;
}

}  // namespace

std::variant<DeliveryReceipt, ReceiptError> parse_receipt_text(std::string_view s) {
    auto r = parse_fields(std::string(s));
    if (r.id.empty()) return ReceiptError{receipt_errc::no_id};
    return r;
}

std::variant<DeliveryReceipt, ReceiptError> extract_receipt(const Pdu& pdu) {
    std::uint8_t esm = 0;
    std::uint8_t data_coding = 0;
    std::string_view body;
    const TlvList* tlvs = nullptr;
    if (const auto* d = pdu.as<DeliverSm>()) {
        esm = d->esm_class, data_coding = d->data_coding, tlvs = &d->tlvs;
        body = d->short_message;
        if (body.empty()) body = d->tlvs.message_payload().value_or(std::string_view{});
    } else if (const auto* d = pdu.as<DataSm>()) {
        esm = d->esm_class, data_coding = d->data_coding, tlvs = &d->tlvs;
        body = d->tlvs.message_payload().value_or(std::string_view{});
    } else {
        return ReceiptError{receipt_errc::not_a_deliver};
    }
    const auto kind = classify_esm_class(esm);
    if (kind == deliver_kind::mobile_originated) return ReceiptError{receipt_errc::not_a_receipt};

    const bool ucs2 = encoding_of(data_coding) == sm_encoding::ucs2;
    DeliveryReceipt r = parse_fields(ucs2 ? from_ucs2(body) : std::string(body));
    // Some SMSCs copy the message's data_coding 8 into its receipt and still
    // write the receipt text in ASCII: read as UCS-2 it has no id.
    if (ucs2 && r.id.empty()) {
        auto plain = parse_fields(std::string(body));
        if (!plain.id.empty()) r = std::move(plain);
    }
    r.kind = kind;
    if (const auto id = tlvs->receipted_message_id(); id && !id->empty()) r.id = *id;
    if (const auto st = tlvs->message_state()) {
        r.stat = st;
        if (r.stat_text.empty()) r.stat_text = stat_name(*st);
    }
    if (const auto nec = tlvs->network_error_code()) {
        r.network_error_code = nec;
        r.err = format_receipt_number(nec->error_code);
    }
    if (r.id.empty()) return ReceiptError{receipt_errc::no_id};
    return r;
}

std::optional<system_clock::time_point> parse_receipt_date(std::string_view d) noexcept {
    if (d.size() != 10 && d.size() != 12) return std::nullopt;
    for (const char c : d) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    const auto two = [&](std::size_t at) { return (d[at] - '0') * 10 + (d[at + 1] - '0'); };
    const year_month_day ymd{year{2000 + two(0)}, month{static_cast<unsigned>(two(2))}, day{static_cast<unsigned>(two(4))}};
    const int h = two(6), m = two(8), sec = d.size() == 12 ? two(10) : 0;
    if (!ymd.ok() || h > 23 || m > 59 || sec > 59) return std::nullopt;
    return system_clock::time_point{sys_days{ymd}} + hours{h} + minutes{m} + seconds{sec};
}

std::string format_receipt_date(system_clock::time_point tp) {
    const auto today = floor<days>(tp);
    const year_month_day ymd{today};
    const hh_mm_ss hms{floor<seconds>(tp - today)};
    // Two digits each, by hand: twice per receipt sent upstream. A year
    // before 2000 (or after 9999) keeps its sign the way "{:02}" printed it.
    const int yy = static_cast<int>(ymd.year()) % 100;
    if (yy < 0)
        return fmt::format("{:02}{:02}{:02}{:02}{:02}", yy, static_cast<unsigned>(ymd.month()),
                           static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count());
    std::string out(10, '0');
    auto put = [&](std::size_t at, long v) {
        out[at] = static_cast<char>('0' + v / 10);
        out[at + 1] = static_cast<char>('0' + v % 10);
    };
    put(0, yy);
    put(2, static_cast<unsigned>(ymd.month()));
    put(4, static_cast<unsigned>(ymd.day()));
    put(6, hms.hours().count());
    put(8, hms.minutes().count());
    return out;
}

std::string format_receipt_number(std::uint32_t v) {
    char digits[10];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    std::string out;
    const auto n = static_cast<std::size_t>(end - digits);
    if (n < 3) out.assign(3 - n, '0');
    out.append(digits, n);
    return out;
}

std::string format_receipt_text(const DeliveryReceipt& r) {
    const bool delivered = r.stat == message_state::delivered;
    std::string_view stat = "UNKNOWN";
    if (r.stat) {
        stat = stat_name(*r.stat);
    } else if (!r.stat_text.empty()) {
        stat = r.stat_text;
    }
    // The first 20 characters, not octets: never cut a UTF-8 sequence.
    std::size_t cut = 0;
    for (int n = 0; n < 20 && cut < r.text.size(); ++n) {
        const auto cp = utf8::next(r.text, cut);
        cut += cp ? cp->length : 1;
    }
    // Appended piece by piece into one allocation: once per receipt sent upstream.
    const std::string_view sub = r.sub.empty() ? "001" : std::string_view(r.sub);
    const std::string_view dlvrd = r.dlvrd.empty() ? (delivered ? "001" : "000") : std::string_view(r.dlvrd);
    const std::string_view err = r.err.empty() ? "000" : std::string_view(r.err);
    const std::string_view text = std::string_view(r.text).substr(0, cut);
    std::string out;
    out.reserve(80 + r.id.size() + sub.size() + dlvrd.size() + r.submit_date.size() + r.done_date.size() +
                stat.size() + err.size() + text.size());
    for (const std::string_view part : {std::string_view("id:"), std::string_view(r.id), std::string_view(" sub:"), sub,
                                        std::string_view(" dlvrd:"), dlvrd, std::string_view(" submit date:"),
                                        std::string_view(r.submit_date), std::string_view(" done date:"),
                                        std::string_view(r.done_date), std::string_view(" stat:"), stat,
                                        std::string_view(" err:"), err, std::string_view(" text:"), text})
        out.append(part);
    return out;
}

DeliverSm make_receipt_deliver_sm(const DeliveryReceipt& r, Address source, Address dest) {
    DeliverSm d;
    d.source = std::move(source);
    d.dest = std::move(dest);
    d.esm_class = r.kind == deliver_kind::intermediate_notification ? esm_class::intermediate_notification
                                                                    : esm_class::delivery_receipt;
    d.short_message = format_receipt_text(r);
    if (d.short_message.size() > limits::short_message) d.short_message.resize(limits::short_message);
    d.tlvs.set_cstring(tlv_tag::receipted_message_id, r.id);
    if (r.stat) d.tlvs.set_message_state(*r.stat);
    if (r.network_error_code) d.tlvs.set_network_error_code(*r.network_error_code);
    return d;
}

}  // namespace smpp::protocol
