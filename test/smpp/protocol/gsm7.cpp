#include "smpp/protocol/gsm7.hpp"

#include "smpp/protocol/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace smpp::protocol;
using namespace smpp::protocol::gsm7;

namespace {

// 3GPP TS 23.038 section 6.2.1, written out again here (not derived from the
// implementation) so that a typo in either table shows up.
const std::vector<std::pair<std::string, int>> basic = {
    {"@", 0x00}, {"£", 0x01}, {"$", 0x02}, {"¥", 0x03}, {"è", 0x04}, {"é", 0x05}, {"ù", 0x06}, {"ì", 0x07},
    {"ò", 0x08}, {"Ç", 0x09}, {"\n", 0x0A}, {"Ø", 0x0B}, {"ø", 0x0C}, {"\r", 0x0D}, {"Å", 0x0E}, {"å", 0x0F},
    {"Δ", 0x10}, {"_", 0x11}, {"Φ", 0x12}, {"Γ", 0x13}, {"Λ", 0x14}, {"Ω", 0x15}, {"Π", 0x16}, {"Ψ", 0x17},
    {"Σ", 0x18}, {"Θ", 0x19}, {"Ξ", 0x1A}, {"Æ", 0x1C}, {"æ", 0x1D}, {"ß", 0x1E}, {"É", 0x1F},
    {" ", 0x20}, {"!", 0x21}, {"\"", 0x22}, {"#", 0x23}, {"¤", 0x24}, {"%", 0x25}, {"&", 0x26}, {"'", 0x27},
    {"(", 0x28}, {")", 0x29}, {"*", 0x2A}, {"+", 0x2B}, {",", 0x2C}, {"-", 0x2D}, {".", 0x2E}, {"/", 0x2F},
    {"0", 0x30}, {"1", 0x31}, {"2", 0x32}, {"3", 0x33}, {"4", 0x34}, {"5", 0x35}, {"6", 0x36}, {"7", 0x37},
    {"8", 0x38}, {"9", 0x39}, {":", 0x3A}, {";", 0x3B}, {"<", 0x3C}, {"=", 0x3D}, {">", 0x3E}, {"?", 0x3F},
    {"¡", 0x40}, {"A", 0x41}, {"B", 0x42}, {"C", 0x43}, {"D", 0x44}, {"E", 0x45}, {"F", 0x46}, {"G", 0x47},
    {"H", 0x48}, {"I", 0x49}, {"J", 0x4A}, {"K", 0x4B}, {"L", 0x4C}, {"M", 0x4D}, {"N", 0x4E}, {"O", 0x4F},
    {"P", 0x50}, {"Q", 0x51}, {"R", 0x52}, {"S", 0x53}, {"T", 0x54}, {"U", 0x55}, {"V", 0x56}, {"W", 0x57},
    {"X", 0x58}, {"Y", 0x59}, {"Z", 0x5A}, {"Ä", 0x5B}, {"Ö", 0x5C}, {"Ñ", 0x5D}, {"Ü", 0x5E}, {"§", 0x5F},
    {"¿", 0x60}, {"a", 0x61}, {"b", 0x62}, {"c", 0x63}, {"d", 0x64}, {"e", 0x65}, {"f", 0x66}, {"g", 0x67},
    {"h", 0x68}, {"i", 0x69}, {"j", 0x6A}, {"k", 0x6B}, {"l", 0x6C}, {"m", 0x6D}, {"n", 0x6E}, {"o", 0x6F},
    {"p", 0x70}, {"q", 0x71}, {"r", 0x72}, {"s", 0x73}, {"t", 0x74}, {"u", 0x75}, {"v", 0x76}, {"w", 0x77},
    {"x", 0x78}, {"y", 0x79}, {"z", 0x7A}, {"ä", 0x7B}, {"ö", 0x7C}, {"ñ", 0x7D}, {"ü", 0x7E}, {"à", 0x7F},
};

const std::vector<std::pair<std::string, int>> extension = {
    {"\f", 0x0A}, {"^", 0x14}, {"{", 0x28}, {"}", 0x29}, {"\\", 0x2F},
    {"[", 0x3C},  {"~", 0x3D}, {"]", 0x3E}, {"|", 0x40}, {"€", 0x65},
};

std::string s(std::initializer_list<int> octets) {
    std::string r;
    for (int o : octets) r.push_back(static_cast<char>(o));
    return r;
}

}  // namespace

TEST_CASE("gsm7 default table: every character encodes to its septet and back") {
    REQUIRE(basic.size() == 127);  // 128 minus the escape
    for (const auto& [text, septet] : basic) {
        INFO("character " << text << " septet " << septet);
        const auto enc = encode(text);
        REQUIRE(std::holds_alternative<std::string>(enc));
        CHECK(std::get<std::string>(enc) == s({septet}));
        const auto dec = decode(s({septet}));
        REQUIRE(std::holds_alternative<std::string>(dec));
        CHECK(std::get<std::string>(dec) == text);
        CHECK(std::get<std::size_t>(septet_count(text)) == 1);
        CHECK(septets_of(utf8::next(text, 0)->value) == 1);
    }
}

TEST_CASE("gsm7 extension table: every character is escape plus code, two septets, and back") {
    for (const auto& [text, code] : extension) {
        INFO("character " << text << " code " << code);
        const auto enc = encode(text);
        REQUIRE(std::holds_alternative<std::string>(enc));
        CHECK(std::get<std::string>(enc) == s({0x1B, code}));
        const auto dec = decode(s({0x1B, code}));
        REQUIRE(std::holds_alternative<std::string>(dec));
        CHECK(std::get<std::string>(dec) == text);
        CHECK(std::get<std::size_t>(septet_count(text)) == 2);
        CHECK(septets_of(utf8::next(text, 0)->value) == 2);
    }
}

TEST_CASE("gsm7 encodes a mixed string and counts its septets") {
    const std::string text = "Price: 5€ [promo] {x}|y ^~\\ Ünïcode?";  // ï is not GSM
    const auto r = encode(text);
    REQUIRE(std::holds_alternative<Gsm7Error>(r));
    const auto e = std::get<Gsm7Error>(r);
    CHECK(e.code == gsm7_errc::not_representable);
    CHECK(e.code_point == U'ï');
    CHECK(e.offset == text.find("ï"));

    const std::string ok = "Price: 5€ [x]";
    const auto enc = encode(ok);
    REQUIRE(std::holds_alternative<std::string>(enc));
    CHECK(std::get<std::string>(enc) == s({'P', 'r', 'i', 'c', 'e', ':', ' ', '5', 0x1B, 0x65, ' ', 0x1B, 0x3C, 'x', 0x1B, 0x3E}));
    CHECK(std::get<std::size_t>(septet_count(ok)) == 16);
    CHECK(std::get<std::string>(decode(std::get<std::string>(enc))) == ok);
    CHECK(std::get<std::size_t>(septet_count("")) == 0);
}

TEST_CASE("gsm7 rejects characters outside both tables") {
    for (const char* text : {"`", "ç", "á", "€\t", "\t", "Ж", "中", "😀", "¢", "\x7f"}) {
        INFO(text);
        const std::string t = text;
        const auto r = encode(t);
        REQUIRE(std::holds_alternative<Gsm7Error>(r));
        CHECK(std::get<Gsm7Error>(r).code == gsm7_errc::not_representable);
        CHECK(std::holds_alternative<Gsm7Error>(septet_count(t)));
    }
    // NUL is not '@' (which is septet 0x00): only '@' maps there.
    CHECK(std::get<Gsm7Error>(encode(std::string(1, '\0'))).code == gsm7_errc::not_representable);
    CHECK_FALSE(representable(U'`'));
    CHECK_FALSE(representable(0x1F600));
    CHECK(septets_of(U'ç') == 0);
}

TEST_CASE("gsm7 reports malformed UTF-8 with its offset") {
    const auto r = encode("ab\xC3");  // truncated two-octet sequence
    REQUIRE(std::holds_alternative<Gsm7Error>(r));
    CHECK(std::get<Gsm7Error>(r) == Gsm7Error{gsm7_errc::invalid_utf8, 2, 0});
    CHECK(std::get<Gsm7Error>(encode("\xC0\x80")).code == gsm7_errc::invalid_utf8);      // overlong NUL
    CHECK(std::get<Gsm7Error>(encode("\xED\xA0\x80")).code == gsm7_errc::invalid_utf8);  // surrogate
    CHECK(std::get<Gsm7Error>(encode("\xFF")).code == gsm7_errc::invalid_utf8);
}

TEST_CASE("gsm7 decode: octets above 0x7F, unknown and trailing escapes") {
    CHECK(std::get<Gsm7Error>(decode(s({'a', 0x80}))) == Gsm7Error{gsm7_errc::not_a_septet, 1, 0});
    CHECK(std::get<Gsm7Error>(decode(s({0x1B, 0xC1}))).offset == 1);
    // An escape before a code the extension table lacks shows the default character.
    CHECK(std::get<std::string>(decode(s({0x1B, 'A'}))) == "A");
    CHECK(std::get<std::string>(decode(s({'a', 0x1B}))) == "a ");
    CHECK(std::get<std::string>(decode(s({0x1B, 0x1B, 'b'}))) == " b");
}

TEST_CASE("gsm7 pack: the 23.038 example and round trips at every length") {
    // "hellohello" packs to E8 32 9B FD 46 97 D9 EC 37 (the classic example).
    CHECK(pack("hellohello") == s({0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37}));
    CHECK(unpack(s({0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37}), 10) == "hellohello");
    // 8 septets fill exactly 7 octets.
    CHECK(pack("12345678").size() == 7);
    CHECK(pack("1234567").size() == 7);
    CHECK(pack("").empty());
    std::string all;
    for (int i = 0; i < 128; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); ++n) {
        const auto part = all.substr(0, n);
        const auto p = pack(part);
        CHECK(p.size() == (n * 7 + 7) / 8);
        CHECK(unpack(p, n) == part);
    }
}

TEST_CASE("gsm7 pack with fill bits after a UDH") {
    CHECK(fill_bits_after(6) == 1);  // 05 00 03 rr tt ss: 48 bits, 1 fill bit to 49 = 7 septets
    CHECK(fill_bits_after(7) == 0);  // 06 08 04 ...: 56 bits = 8 septets
    CHECK(fill_bits_after(0) == 0);
    // With one fill bit, the first septet starts at bit 1 of the first octet.
    CHECK(pack("A", 1) == s({0x41 << 1}));
    CHECK(pack("hellohello", 1).size() == (10 * 7 + 1 + 7) / 8);
    for (unsigned fill = 0; fill < 7; ++fill) {
        const std::string text = "The quick brown fox jumps over the lazy dog";
        CHECK(unpack(pack(text, fill), text.size(), fill) == text);
    }
    // Asking for more septets than the octets hold stops early.
    CHECK(unpack(s({0x41}), 5) == "A");
}
