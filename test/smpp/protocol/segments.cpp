#include "smpp/protocol/segments.hpp"

#include <catch2/catch.hpp>
#include <array>
#include <string>

using namespace smpp::protocol;
using namespace std::string_literals;

namespace {

Segments ok(std::uint8_t dc, std::string_view payload, std::size_t udh = 6) {
    auto r = split(dc, payload, udh);
    REQUIRE(std::holds_alternative<Segments>(r));
    return std::get<Segments>(r);
}

std::size_t count(std::uint8_t dc, std::string_view payload) {
    const auto r = segment_count(dc, payload);
    REQUIRE(std::holds_alternative<std::size_t>(r));
    return std::get<std::size_t>(r);
}

std::string ucs2_units(std::size_t n, char hi = 0x04, char lo = 0x16) {  // Cyrillic "Ж"
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += {hi, lo};
    return s;
}

const std::string smile = "\xD8\x3D\xDE\x00"s;  // U+1F600 as a UTF-16BE surrogate pair
const std::string euro = "\x1B\x65";           // GSM 7-bit escape + euro

}  // namespace

TEST_CASE("segments: data_coding to encoding") {
    CHECK(encoding_of(0x00) == sm_encoding::gsm7);
    CHECK(encoding_of(0x01) == sm_encoding::ia5);
    CHECK(encoding_of(0x02) == sm_encoding::octets);
    CHECK(encoding_of(0x03) == sm_encoding::octets);
    CHECK(encoding_of(0x04) == sm_encoding::octets);
    CHECK(encoding_of(0x08) == sm_encoding::ucs2);
    CHECK(encoding_of(0x06) == sm_encoding::octets);
    CHECK(encoding_of(0x0E) == sm_encoding::octets);
    CHECK(encoding_of(0x10) == sm_encoding::gsm7);    // flash, GSM 7-bit
    CHECK(encoding_of(0x14) == sm_encoding::octets);  // class 0, 8-bit
    CHECK(encoding_of(0x18) == sm_encoding::ucs2);    // flash, UCS-2
    CHECK(encoding_of(0x30) == sm_encoding::octets);  // compressed
    CHECK(encoding_of(0x48) == sm_encoding::ucs2);    // auto-deletion group, UCS-2
    CHECK(encoding_of(0xC8) == sm_encoding::gsm7);
    CHECK(encoding_of(0xE0) == sm_encoding::ucs2);
    CHECK(encoding_of(0xF0) == sm_encoding::gsm7);
    CHECK(encoding_of(0xF4) == sm_encoding::octets);
    CHECK(encoding_of(0x90) == sm_encoding::octets);  // reserved
}

TEST_CASE("segments: limits per encoding and UDH size") {
    CHECK(segment_limits(sm_encoding::gsm7).single == 160);
    CHECK(segment_limits(sm_encoding::gsm7).per_part == 153);
    CHECK(segment_limits(sm_encoding::ia5).per_part == 153);
    CHECK(segment_limits(sm_encoding::ucs2).single == 70);
    CHECK(segment_limits(sm_encoding::ucs2).per_part == 67);
    CHECK(segment_limits(sm_encoding::octets).single == 140);
    CHECK(segment_limits(sm_encoding::octets).per_part == 134);
    // A 16-bit reference UDH (06 08 04 rr rr tt ss) costs one octet more.
    CHECK(segment_limits(sm_encoding::gsm7, 7).per_part == 152);
    CHECK(segment_limits(sm_encoding::ucs2, 7).per_part == 66);
    CHECK(segment_limits(sm_encoding::octets, 7).per_part == 133);
}

TEST_CASE("segments: GSM 7-bit 160/161 and 153 per part") {
    CHECK(count(0, "") == 1);
    CHECK(count(0, std::string(1, 'a')) == 1);
    CHECK(count(0, std::string(160, 'a')) == 1);
    CHECK(count(0, std::string(161, 'a')) == 2);
    CHECK(count(0, std::string(153 * 2, 'a')) == 2);
    CHECK(count(0, std::string(153 * 2 + 1, 'a')) == 3);
    CHECK(count(0, std::string(153 * 3, 'a')) == 3);
    CHECK(count(0, std::string(153 * 3 + 1, 'a')) == 4);

    const auto s = ok(0, std::string(161, 'a'));
    CHECK(s.encoding == sm_encoding::gsm7);
    CHECK(s.units == 161);
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0].size() == 153);
    CHECK(s.parts[1].size() == 8);
}

TEST_CASE("segments: GSM 7-bit escapes count twice and are never split") {
    // 80 euros = 160 septets: still one SMS; 80 euros and a letter: two.
    std::string euros;
    for (int i = 0; i < 80; ++i) euros += euro;
    CHECK(count(0, euros) == 1);
    CHECK(count(0, euros + "a") == 2);
    // 152 letters then a euro: the euro's escape would be the 153rd septet,
    // so the pair moves whole to the second part.
    const auto s = ok(0, std::string(152, 'a') + euro + std::string(10, 'b'));
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0] == std::string(152, 'a'));
    CHECK(s.parts[1] == euro + std::string(10, 'b'));
    // 151 letters then a euro: the pair fills septets 152 and 153 exactly.
    const auto t = ok(0, std::string(151, 'a') + euro + std::string(10, 'b'));
    REQUIRE(t.count() == 2);
    CHECK(t.parts[0] == std::string(151, 'a') + euro);
    CHECK(t.parts[1] == std::string(10, 'b'));
    // Escape-only text: 76 pairs per part (152 septets), never 153.
    std::string many;
    for (int i = 0; i < 77; ++i) many += euro;  // 154 septets, one SMS
    CHECK(count(0, many) == 1);
    many += euro + euro + euro + euro;  // 162 septets
    const auto m = ok(0, many);
    REQUIRE(m.count() == 2);
    CHECK(m.parts[0].size() == 152);
    CHECK(m.parts[1].size() == 10);
    for (const auto& part : m.parts) CHECK(part.back() == '\x65');
}

TEST_CASE("segments: GSM 7-bit payload with an octet above 0x7F is an error") {
    const auto r = split(0, "ab\xE9");
    REQUIRE(std::holds_alternative<SegmentError>(r));
    CHECK(std::get<SegmentError>(r) == SegmentError{segment_errc::not_a_septet, 2});
}

TEST_CASE("segments: IA5 counts ^ { } \\ [ ] ~ | twice") {
    CHECK(count(1, std::string(160, 'a')) == 1);
    CHECK(count(1, std::string(159, 'a') + "[") == 2);  // 161 septets after conversion
    CHECK(count(1, std::string(80, '{')) == 1);
    CHECK(count(1, std::string(81, '{')) == 2);
    CHECK(count(1, std::string(159, 'a') + "\f") == 2);  // form feed is the extension 0x1B 0x0A
    const auto s = ok(1, std::string(152, 'a') + "|" + std::string(10, 'b'));
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0] == std::string(152, 'a'));
    CHECK(s.parts[1] == "|" + std::string(10, 'b'));
}

TEST_CASE("segments: UCS-2 70/71 and 67 per part") {
    CHECK(count(8, ucs2_units(70)) == 1);
    CHECK(count(8, ucs2_units(71)) == 2);
    CHECK(count(8, ucs2_units(67 * 2)) == 2);
    CHECK(count(8, ucs2_units(67 * 2 + 1)) == 3);
    CHECK(count(8, ucs2_units(67 * 3)) == 3);
    const auto s = ok(8, ucs2_units(71));
    CHECK(s.units == 71);
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0].size() == 134);
    CHECK(s.parts[1].size() == 8);
}

TEST_CASE("segments: UCS-2 surrogate pairs are never split") {
    // 35 emoji = 70 units: one SMS.
    std::string e;
    for (int i = 0; i < 35; ++i) e += smile;
    CHECK(count(8, e) == 1);
    CHECK(count(8, e + ucs2_units(1)) == 2);
    // 66 units then an emoji: its high surrogate would be unit 67, so the pair
    // moves whole to the next part.
    const auto s = ok(8, ucs2_units(66) + smile + ucs2_units(10));
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0] == ucs2_units(66));
    CHECK(s.parts[1] == smile + ucs2_units(10));
    // 65 units then an emoji fills 67 exactly.
    const auto t = ok(8, ucs2_units(65) + smile + ucs2_units(10));
    REQUIRE(t.count() == 2);
    CHECK(t.parts[0] == ucs2_units(65) + smile);
    // A lone high surrogate at the end is one unit (the SMSC's problem, not a crash).
    CHECK(count(8, ucs2_units(70) + "\xD8\x3D") == 2);
}

TEST_CASE("segments: UCS-2 with an odd octet count is an error") {
    const auto r = segment_count(8, "\x00\x41\x00"s);
    REQUIRE(std::holds_alternative<SegmentError>(r));
    CHECK(std::get<SegmentError>(r) == SegmentError{segment_errc::odd_ucs2, 2});
}

TEST_CASE("segments: octets 140/141 and 134 per part") {
    for (std::uint8_t dc : {2, 3, 4}) {
        INFO("data_coding " << int(dc));
        CHECK(count(dc, std::string(140, '\xFF')) == 1);
        CHECK(count(dc, std::string(141, '\xFF')) == 2);
        CHECK(count(dc, std::string(134 * 2, '\xFF')) == 2);
        CHECK(count(dc, std::string(134 * 2 + 1, '\xFF')) == 3);
    }
    const auto s = ok(4, std::string(141, '\x01'));
    REQUIRE(s.count() == 2);
    CHECK(s.parts[0].size() == 134);
    CHECK(s.parts[1].size() == 7);
}

TEST_CASE("segments: 16-bit reference UDH leaves 152 septets per part") {
    const auto s = ok(0, std::string(153 * 2, 'a'), 7);
    REQUIRE(s.count() == 3);
    CHECK(s.parts[0].size() == 152);
    CHECK(s.parts[1].size() == 152);
    CHECK(s.parts[2].size() == 2);
}

TEST_CASE("segments: parts joined give back the payload") {
    std::string p;
    for (int i = 0; i < 400; ++i) p += (i % 7 == 0) ? euro : std::string(1, static_cast<char>('a' + i % 26));
    const auto s = ok(0, p);
    std::string joined;
    for (const auto& part : s.parts) {
        CHECK(part.size() <= 153);
        joined += part;
    }
    CHECK(joined == p);
    CHECK(s.count() == std::get<std::size_t>(segment_count(0, p)));
}

TEST_CASE("segments: random payloads split into bounded parts that join back") {
    std::uint32_t x = 12345;  // fixed-seed LCG: deterministic
    auto next = [&] { return x = x * 1664525u + 1013904223u; };
    for (int round = 0; round < 2000; ++round) {
        const std::uint8_t dc = std::array<std::uint8_t, 4>{0, 1, 4, 8}[next() % 4];
        std::string p(next() % 700, '\0');
        for (auto& c : p) c = static_cast<char>(dc <= 1 ? next() % 0x80 : (next() >> 8) & 0xFF);
        if (dc == 8 && p.size() % 2) p.pop_back();
        const auto r = split(dc, p);
        REQUIRE(std::holds_alternative<Segments>(r));
        const auto& s = std::get<Segments>(r);
        std::string joined;
        for (const auto& part : s.parts) joined += part;
        CHECK(joined == p);
        const auto lim = segment_limits(s.encoding);
        if (s.count() > 1) {
            for (const auto& part : s.parts) {
                CHECK_FALSE(part.empty());
                const std::size_t units = s.encoding == sm_encoding::ucs2 ? part.size() / 2 : part.size();
                if (s.encoding != sm_encoding::ia5) CHECK(units <= lim.per_part);
                if (s.encoding == sm_encoding::gsm7 && part.size() > 1) {
                    // An escape as the last octet of a non-final part would be split.
                    if (&part != &s.parts.back()) CHECK((part.back() != '\x1B' || part[part.size() - 2] == '\x1B'));
                }
            }
        }
        CHECK(std::get<std::size_t>(segment_count(dc, p)) == s.count());
    }
}
