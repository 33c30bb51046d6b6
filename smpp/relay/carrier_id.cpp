#include "smpp/relay/carrier_id.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace smpp::relay {

namespace {

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_dec(char c) noexcept { return c >= '0' && c <= '9'; }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int hex_value(char c) noexcept {
    if (is_dec(c)) return c - '0';
    return lower(c) - 'a' + 10;
}

bool all_of(std::string_view s, bool (*pred)(char) noexcept) {
    return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

// 8-4-4-4-12 hex digits with dashes -> the 32 digits; nullopt otherwise.
std::optional<std::string> uuid_digits(std::string_view s) {
    constexpr std::string_view urn = "urn:uuid:";
    if (s.size() > urn.size() && std::equal(urn.begin(), urn.end(), s.begin(),
                                            [](char a, char b) { return a == lower(b); }))
        s.remove_prefix(urn.size());
    if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
    if (s.size() != 36) return std::nullopt;
    std::string out;
    out.reserve(32);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_here) {
            if (s[i] != '-') return std::nullopt;
        } else {
            if (!is_hex(s[i])) return std::nullopt;
            out.push_back(s[i]);
        }
    }
    return out;
}

// Lower case, no leading zeros, "0" for zero.
std::string canonical_digits(std::string_view digits) {
    std::size_t first = digits.find_first_not_of('0');
    if (first == std::string_view::npos) return "0";
    std::string out(digits.substr(first));
    for (char& c : out) c = lower(c);
    return out;
}

// Multiplies the little-endian digit vector by `from` and adds each input
// digit: schoolbook, fine for the 64 characters an id may have. Every
// receipt converts its id (receipt_lookup_keys), and most carrier ids fit
// in 64 bits: those take one integer and no digit vector.
std::string convert(std::string_view digits, unsigned from, unsigned to) {
    const std::size_t first = digits.find_first_not_of('0');
    if (first == std::string_view::npos) return "0";
    digits.remove_prefix(first);
    // 16 hex digits or 19 decimal ones never overflow 64 bits.
    if (digits.size() <= (from == 16 ? 16u : 19u)) {
        std::uint64_t value = 0;
        for (char c : digits) value = value * from + static_cast<unsigned>(hex_value(c));
        char text[24];
        const auto end = std::to_chars(text, text + sizeof text, value, static_cast<int>(to)).ptr;
        return std::string(text, end);  // to_chars writes lower-case hex digits
    }
    std::vector<std::uint8_t> out;  // little-endian digits in base `to`
    out.reserve(digits.size() * 2);
    for (char c : digits) {
        unsigned carry = static_cast<unsigned>(hex_value(c));
        for (auto& d : out) {
            const unsigned v = d * from + carry;
            d = static_cast<std::uint8_t>(v % to);
            carry = v / to;
        }
        while (carry != 0) {
            out.push_back(static_cast<std::uint8_t>(carry % to));
            carry /= to;
        }
    }
    while (!out.empty() && out.back() == 0) out.pop_back();
    if (out.empty()) return "0";
    static constexpr char names[] = "0123456789abcdef";
    std::string text;
    text.reserve(out.size());
    for (auto it = out.rbegin(); it != out.rend(); ++it) text.push_back(names[*it]);
    return text;
}

// Steps 1-2 of the header's rule: the id without its decorations.
std::optional<std::string_view> body(std::string_view id, const CarrierIdSettings& s) {
    if (id.empty() || id.size() > max_carrier_id_size) return std::nullopt;
    for (unsigned char c : id)
        if (c < 0x20 || c == 0x7F) return std::nullopt;
    id = trim(id);
    for (const auto& p : s.strip_prefixes)
        if (!p.empty() && id.size() > p.size() && id.substr(0, p.size()) == p) {
            id.remove_prefix(p.size());
            break;
        }
    for (const auto& p : s.strip_suffixes)
        if (!p.empty() && id.size() > p.size() && id.substr(id.size() - p.size()) == p) {
            id.remove_suffix(p.size());
            break;
        }
    id = trim(id);
    if (id.empty()) return std::nullopt;
    return id;
}

// Steps 3-5 on a body.
std::string canonical_body(std::string_view b, const CarrierIdSettings& s) {
    if (auto u = uuid_digits(b)) return canonical_digits(*u);
    if (all_of(b, is_hex)) return canonical_digits(b);
    std::string out(b);
    if (s.fold_case)
        for (char& c : out) c = lower(c);
    return out;
}

}  // namespace

CarrierIdSettings carrier_id_settings(carrier::receipt_id_format f) {
    CarrierIdSettings s;
    switch (f) {
        case carrier::receipt_id_format::hex: s.translation = id_translation::decimal_to_hex; break;
        case carrier::receipt_id_format::decimal: s.translation = id_translation::hex_to_decimal; break;
        case carrier::receipt_id_format::uuid: s.translation = id_translation::none; break;
        case carrier::receipt_id_format::text: s.translation = id_translation::automatic; break;
        case carrier::receipt_id_format::hex_to_decimal:
            s.translation = id_translation::hex_to_decimal;
            s.bases_differ = true;
            break;
        case carrier::receipt_id_format::decimal_to_hex:
            s.translation = id_translation::decimal_to_hex;
            s.bases_differ = true;
            break;
    }
    return s;
}

std::optional<std::string> hex_to_decimal(std::string_view hex) {
    if (!all_of(hex, is_hex)) return std::nullopt;
    return convert(hex, 16, 10);
}

std::optional<std::string> decimal_to_hex(std::string_view decimal) {
    if (!all_of(decimal, is_dec)) return std::nullopt;
    return convert(decimal, 10, 16);
}

std::optional<std::string> canonical_carrier_id(std::string_view id, const CarrierIdSettings& s) {
    auto b = body(id, s);
    if (!b) return std::nullopt;
    return canonical_body(*b, s);
}

std::optional<std::string> index_key(std::string_view submit_resp_id, const CarrierIdSettings& s) {
    return canonical_carrier_id(submit_resp_id, s);
}

std::vector<std::string> receipt_lookup_keys(std::string_view receipt_id, const CarrierIdSettings& s) {
    std::vector<std::string> keys;
    auto b = body(receipt_id, s);
    if (!b) return keys;
    keys.reserve(3);
    keys.push_back(canonical_body(*b, s));
    auto add = [&](std::optional<std::string> k) {
        if (k && std::find(keys.begin(), keys.end(), *k) == keys.end()) keys.push_back(std::move(*k));
    };
    const bool try_b = s.translation == id_translation::automatic || s.translation == id_translation::decimal_to_hex;
    const bool try_c = s.translation == id_translation::automatic || s.translation == id_translation::hex_to_decimal;
    // A UUID is no number: its dashed form would not convert anyway, and
    // its digits are too many for a carrier counter.
    if (uuid_digits(*b)) return keys;
    // Both sides' bases known, and different: the converted reading is the
    // one; the same digits would be another message's resp id.
    if (s.bases_differ && (try_b != try_c))
        if (auto converted = try_c ? decimal_to_hex(*b) : hex_to_decimal(*b)) return {std::move(*converted)};
    if (try_b) add(hex_to_decimal(*b));
    if (try_c) add(decimal_to_hex(*b));
    return keys;
}

}  // namespace smpp::relay
