#include "smpp/protocol/gsm7.hpp"

#include <array>
#include <cstdint>

#include "smpp/protocol/utf8.hpp"

namespace smpp::protocol::gsm7 {
namespace {

// 23.038 section 6.2.1: the default alphabet, indexed by septet. 0x1B is the
// escape to the extension table and maps to no character of its own.
constexpr std::array<char32_t, 128> default_table = {
    U'@',    U'£',    U'$',    U'¥',    U'è',    U'é',    U'ù',    U'ì',    U'ò',    U'Ç',    U'\n',   U'Ø',
    U'ø',    U'\r',   U'Å',    U'å',    U'Δ',    U'_',    U'Φ',    U'Γ',    U'Λ',    U'Ω',    U'Π',    U'Ψ',
    U'Σ',    U'Θ',    U'Ξ',    0,       U'Æ',    U'æ',    U'ß',    U'É',    U' ',    U'!',    U'"',    U'#',
    U'¤',    U'%',    U'&',    U'\'',   U'(',    U')',    U'*',    U'+',    U',',    U'-',    U'.',    U'/',
    U'0',    U'1',    U'2',    U'3',    U'4',    U'5',    U'6',    U'7',    U'8',    U'9',    U':',    U';',
    U'<',    U'=',    U'>',    U'?',    U'¡',    U'A',    U'B',    U'C',    U'D',    U'E',    U'F',    U'G',
    U'H',    U'I',    U'J',    U'K',    U'L',    U'M',    U'N',    U'O',    U'P',    U'Q',    U'R',    U'S',
    U'T',    U'U',    U'V',    U'W',    U'X',    U'Y',    U'Z',    U'Ä',    U'Ö',    U'Ñ',    U'Ü',    U'§',
    U'¿',    U'a',    U'b',    U'c',    U'd',    U'e',    U'f',    U'g',    U'h',    U'i',    U'j',    U'k',
    U'l',    U'm',    U'n',    U'o',    U'p',    U'q',    U'r',    U's',    U't',    U'u',    U'v',    U'w',
    U'x',    U'y',    U'z',    U'ä',    U'ö',    U'ñ',    U'ü',    U'à',
};

struct Extension {
    std::uint8_t septet;
    char32_t cp;
};

// 23.038 section 6.2.1.1: the extension table (after the escape).
constexpr std::array<Extension, 10> extension_table = {{
    {0x0A, U'\f'},
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, U'€'},
}};

constexpr int search_default(char32_t cp) noexcept {
    if (cp == 0) return -1;
    for (std::size_t i = 0; i < default_table.size(); ++i) {
        if (default_table[i] == cp) return static_cast<int>(i);
    }
    return -1;
}

constexpr int extension_septet(char32_t cp) noexcept {
    for (const auto& e : extension_table) {
        if (e.cp == cp) return e.septet;
    }
    return -1;
}

// The searches above for the 7-bit range, done at compile time: senders
// and most texts are ASCII, and a search of the table per character cost
// more than the rest of checking a sender.
struct AsciiEntry {
    std::int8_t septet = -1;       // in the default table, or -1
    std::uint8_t septets = 0;      // what septets_of answers
};
constexpr std::array<AsciiEntry, 128> ascii_table = [] {
    std::array<AsciiEntry, 128> t{};
    for (char32_t c = 0; c < 128; ++c) {
        const int d = search_default(c);
        t[c].septet = static_cast<std::int8_t>(d);
        t[c].septets = d >= 0 ? 1 : extension_septet(c) >= 0 ? 2 : 0;
    }
    return t;
}();

// The default-table septet for cp, or -1.
int default_septet(char32_t cp) noexcept {
    if (cp < ascii_table.size()) return ascii_table[cp].septet;
    return search_default(cp);
}

char32_t extension_char(std::uint8_t septet) noexcept {
    for (const auto& e : extension_table) {
        if (e.septet == septet) return e.cp;
    }
    return 0;
}

}  // namespace

bool representable(char32_t cp) noexcept { return septets_of(cp) != 0; }

std::size_t septets_of(char32_t cp) noexcept {
    if (cp < ascii_table.size()) return ascii_table[cp].septets;
    if (default_septet(cp) >= 0) return 1;
    if (extension_septet(cp) >= 0) return 2;
    return 0;
}

std::variant<std::string, Gsm7Error> encode(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = utf8::next(utf8, i);
        if (!cp) return Gsm7Error{gsm7_errc::invalid_utf8, i, 0};
        if (const int d = default_septet(cp->value); d >= 0) {
            out.push_back(static_cast<char>(d));
        } else if (const int e = extension_septet(cp->value); e >= 0) {
            out.push_back(static_cast<char>(escape));
            out.push_back(static_cast<char>(e));
        } else {
            return Gsm7Error{gsm7_errc::not_representable, i, cp->value};
        }
        i += cp->length;
    }
    return out;
}

std::variant<std::string, Gsm7Error> decode(std::string_view septets) {
    std::string out;
    out.reserve(septets.size());
    for (std::size_t i = 0; i < septets.size(); ++i) {
        const auto s = static_cast<std::uint8_t>(septets[i]);
        if (s > 0x7F) return Gsm7Error{gsm7_errc::not_a_septet, i, 0};
        if (s != escape) {
            utf8::append(out, default_table[s]);
            continue;
        }
        if (i + 1 == septets.size()) {
            out.push_back(' ');
            break;
        }
        const auto x = static_cast<std::uint8_t>(septets[++i]);
        if (x > 0x7F) return Gsm7Error{gsm7_errc::not_a_septet, i, 0};
        if (const char32_t c = extension_char(x); c != 0) {
            utf8::append(out, c);
        } else if (x == escape) {
            out.push_back(' ');  // 0x1B 0x1B is reserved for a further extension table
        } else {
            utf8::append(out, default_table[x]);
        }
    }
    return out;
}

std::variant<std::size_t, Gsm7Error> septet_count(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = utf8::next(utf8, i);
        if (!cp) return Gsm7Error{gsm7_errc::invalid_utf8, i, 0};
        const auto s = septets_of(cp->value);
        if (s == 0) return Gsm7Error{gsm7_errc::not_representable, i, cp->value};
        n += s;
        i += cp->length;
    }
    return n;
}

std::string pack(std::string_view septets, unsigned fill_bits) {
    std::string out;
    out.reserve((septets.size() * 7 + fill_bits + 7) / 8);
    std::uint32_t acc = 0;
    unsigned bits = fill_bits % 7;
    for (const char c : septets) {
        acc |= (static_cast<std::uint32_t>(static_cast<std::uint8_t>(c)) & 0x7F) << bits;
        bits += 7;
        while (bits >= 8) {
            out.push_back(static_cast<char>(acc & 0xFF));
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0) out.push_back(static_cast<char>(acc & 0xFF));
    return out;
}

std::string unpack(std::string_view packed, std::size_t count, unsigned fill_bits) {
    std::string out;
    out.reserve(count);
    std::size_t bit = fill_bits % 7;
    while (out.size() < count && bit + 7 <= packed.size() * 8) {
        const std::size_t byte = bit / 8;
        const unsigned shift = bit % 8;
        std::uint32_t v = static_cast<std::uint8_t>(packed[byte]) >> shift;
        if (shift > 1) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(packed[byte + 1])) << (8 - shift);
        out.push_back(static_cast<char>(v & 0x7F));
        bit += 7;
    }
    return out;
}

}  // namespace smpp::protocol::gsm7
