#include "tools/smpp-sim/message_id_format.hpp"

#include <limits>

namespace smpp::sim {

namespace {

// A bijection on 64 bits (splitmix64's finaliser): distinct messages get
// distinct UUIDs, and the same message the same UUID in resp and receipt.
std::uint64_t mix(std::uint64_t z) noexcept {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

constexpr std::uint32_t max_width = 64;  // message_id is a C-octet string of 65

void append_digits(std::uint64_t v, unsigned radix, std::uint32_t width, const char* digits, std::string& out) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = digits[v % radix];
        v /= radix;
    } while (v != 0);
    for (std::uint32_t k = static_cast<std::uint32_t>(n); k < width; ++k) out.push_back('0');
    while (n > 0) out.push_back(buf[--n]);
}

void append_hex_fixed(std::uint64_t v, int nibbles, const char* digits, std::string& out) {
    for (int k = nibbles - 1; k >= 0; --k) out.push_back(digits[(v >> (4 * k)) & 0xF]);
}

}  // namespace

std::string MessageIdFormat::validate() const {
    if (width > max_width) return "width must be at most " + std::to_string(max_width);
    return {};
}

void format_message_id(const MessageIdFormat& f, std::uint64_t n, std::string& out) {
    out.clear();
    const char* digits = f.letter_case == id_case::upper ? "0123456789ABCDEF" : "0123456789abcdef";
    switch (f.base) {
    case id_base::decimal:
        append_digits(n, 10, f.width, digits, out);
        break;
    case id_base::hex:
        append_digits(n, 16, f.width, digits, out);
        break;
    case id_base::uuid: {
        // Version 4 layout (RFC 4122): the version nibble and variant bits
        // are fixed so parsers that check them accept the ID.
        std::uint64_t hi = mix(n);
        std::uint64_t lo = mix(n ^ 0xA5A5A5A5A5A5A5A5ULL);
        hi = (hi & ~0xF000ULL) | 0x4000ULL;
        lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
        append_hex_fixed(hi >> 32, 8, digits, out);
        out.push_back('-');
        append_hex_fixed(hi >> 16, 4, digits, out);
        out.push_back('-');
        append_hex_fixed(hi, 4, digits, out);
        out.push_back('-');
        append_hex_fixed(lo >> 48, 4, digits, out);
        out.push_back('-');
        append_hex_fixed(lo, 12, digits, out);
        break;
    }
    }
}

std::string format_message_id(const MessageIdFormat& f, std::uint64_t n) {
    std::string out;
    format_message_id(f, n, out);
    return out;
}

std::optional<id_base> parse_id_base(std::string_view s) noexcept {
    if (s == "hex") return id_base::hex;
    if (s == "decimal") return id_base::decimal;
    if (s == "uuid") return id_base::uuid;
    return std::nullopt;
}

std::optional<id_case> parse_id_case(std::string_view s) noexcept {
    if (s == "lower") return id_case::lower;
    if (s == "upper") return id_case::upper;
    return std::nullopt;
}

std::string_view name(id_base b) noexcept {
    switch (b) {
    case id_base::hex: return "hex";
    case id_base::decimal: return "decimal";
    case id_base::uuid: return "uuid";
    }
    return "?";
}

std::string_view name(id_case c) noexcept { return c == id_case::upper ? "upper" : "lower"; }

}  // namespace smpp::sim
