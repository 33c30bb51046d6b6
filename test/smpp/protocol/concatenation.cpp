#include "smpp/protocol/concatenation.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "smpp/protocol/pdu.hpp"

using namespace smpp::protocol;
using namespace std::string_literals;

namespace {

UserDataHeader ok(std::string_view sm) {
    auto r = parse_udh(sm);
    REQUIRE(std::holds_alternative<UserDataHeader>(r));
    return std::get<UserDataHeader>(r);
}

ConcatError err(std::string_view sm) {
    auto r = parse_udh(sm);
    REQUIRE(std::holds_alternative<ConcatError>(r));
    return std::get<ConcatError>(r);
}

}  // namespace

TEST_CASE("concatenation: 8-bit reference UDH") {
    const std::string sm = "\x05\x00\x03\x2A\x03\x02hello"s;
    const auto h = ok(sm);
    REQUIRE(h.concatenation);
    CHECK(*h.concatenation == Concatenation{0x2A, 3, 2, false});
    CHECK(h.udh == "\x05\x00\x03\x2A\x03\x02"s);
    CHECK(h.payload == "hello");
}

TEST_CASE("concatenation: 16-bit reference UDH") {
    const std::string sm = "\x06\x08\x04\xBE\xEF\x02\x01text"s;  // views point into sm
    const auto h = ok(sm);
    REQUIRE(h.concatenation);
    CHECK(*h.concatenation == Concatenation{0xBEEF, 2, 1, true});
    CHECK(h.payload == "text");
}

TEST_CASE("concatenation: other IEs are skipped, the last concatenation IE counts") {
    // Application port addressing (IEI 0x05, 4 octets) before a concatenation IE.
    const std::string sm = "\x0B\x05\x04\x0B\x84\x23\xF0\x00\x03\x07\x02\x02payload"s;
    const auto h = ok(sm);
    REQUIRE(h.concatenation);
    CHECK(*h.concatenation == Concatenation{7, 2, 2, false});
    CHECK(h.payload == "payload");
    const auto twice = ok("\x0A\x00\x03\x01\x02\x01\x00\x03\x09\x04\x03x"s);
    CHECK(*twice.concatenation == Concatenation{9, 4, 3, false});
    // No concatenation IE: a UDH for something else.
    const std::string wap = "\x06\x05\x04\x0B\x84\x23\xF0wap"s;
    const auto none = ok(wap);
    CHECK_FALSE(none.concatenation);
    CHECK(none.payload == "wap");
    // An empty UDH (UDHL 0).
    const std::string empty_udh = "\x00z"s;
    CHECK(ok(empty_udh).payload == "z");
}

TEST_CASE("concatenation: malformed UDHs are errors with their offset") {
    CHECK(err("") == ConcatError{concat_errc::empty_udh, 0});
    CHECK(err("\x05\x00\x03\x01\x02"s) == ConcatError{concat_errc::udh_past_end, 0});
    CHECK(err("\x05\x00\x04\x01\x02\x01"s) == ConcatError{concat_errc::ie_past_end, 1});
    CHECK(err("\x01\x00"s) == ConcatError{concat_errc::ie_past_end, 1});  // IEI without a length
    CHECK(err("\x04\x00\x02\x01\x02"s) == ConcatError{concat_errc::bad_concat_ie_length, 1});
    CHECK(err("\x06\x08\x03\x01\x02\x01\x00"s) == ConcatError{concat_errc::bad_concat_ie_length, 1});
    CHECK(err("\x05\x00\x03\x01\x00\x01"s) == ConcatError{concat_errc::total_zero, 1});
    CHECK(err("\x05\x00\x03\x01\x02\x00"s) == ConcatError{concat_errc::seqnum_zero, 1});
    CHECK(err("\x05\x00\x03\x01\x02\x03"s) == ConcatError{concat_errc::seqnum_past_total, 1});
    CHECK(err("\x09\x05\x04\x0B\x84\x23\xF0\x00\x03\x01"s).code == concat_errc::ie_past_end);
}

TEST_CASE("concatenation: sar_* TLVs") {
    TlvList t;
    CHECK_FALSE(std::get<std::optional<Concatenation>>(concatenation_from_sar(t)));
    t.set_u16(tlv_tag::sar_msg_ref_num, 0x1234);
    CHECK(std::get<ConcatError>(concatenation_from_sar(t)).code == concat_errc::incomplete_sar);
    t.set_u8(tlv_tag::sar_total_segments, 3);
    t.set_u8(tlv_tag::sar_segment_seqnum, 3);
    const auto c = std::get<std::optional<Concatenation>>(concatenation_from_sar(t));
    REQUIRE(c);
    CHECK(*c == Concatenation{0x1234, 3, 3, true});
    t.set_u8(tlv_tag::sar_segment_seqnum, 4);
    CHECK(std::get<ConcatError>(concatenation_from_sar(t)).code == concat_errc::seqnum_past_total);
    t.set_u8(tlv_tag::sar_segment_seqnum, 0);
    CHECK(std::get<ConcatError>(concatenation_from_sar(t)).code == concat_errc::seqnum_zero);
    t.set_u8(tlv_tag::sar_total_segments, 0);
    CHECK(std::get<ConcatError>(concatenation_from_sar(t)).code == concat_errc::total_zero);
    // A sar TLV of the wrong length is as good as missing.
    TlvList w;
    w.set_u8(tlv_tag::sar_msg_ref_num, 1);
    w.set_u8(tlv_tag::sar_total_segments, 2);
    w.set_u8(tlv_tag::sar_segment_seqnum, 1);
    CHECK(std::get<ConcatError>(concatenation_from_sar(w)).code == concat_errc::incomplete_sar);
}

TEST_CASE("concatenation_of picks the UDH with UDHI and the TLVs without") {
    TlvList t;
    t.set_u16(tlv_tag::sar_msg_ref_num, 5);
    t.set_u8(tlv_tag::sar_total_segments, 2);
    t.set_u8(tlv_tag::sar_segment_seqnum, 1);
    const std::string sm = "\x05\x00\x03\x09\x03\x03" "abc"s;
    const auto with_udhi = std::get<std::optional<Concatenation>>(concatenation_of(esm_class::udhi, sm, t));
    CHECK(*with_udhi == Concatenation{9, 3, 3, false});
    const auto without = std::get<std::optional<Concatenation>>(concatenation_of(0, sm, t));
    CHECK(*without == Concatenation{5, 2, 1, true});
    CHECK(std::get<ConcatError>(concatenation_of(esm_class::udhi, "", t)).code == concat_errc::empty_udh);
    CHECK_FALSE(std::get<std::optional<Concatenation>>(concatenation_of(0, "plain", TlvList{})));
}

TEST_CASE("concatenation: make_udh and make_udh16 round trip through parse_udh") {
    CHECK(make_udh(0x2A, 3, 1) == "\x05\x00\x03\x2A\x03\x01"s);
    CHECK(make_udh16(0xBEEF, 2, 2) == "\x06\x08\x04\xBE\xEF\x02\x02"s);
    for (int seq = 1; seq <= 255; ++seq) {
        const auto sm = make_udh(200, 255, static_cast<std::uint8_t>(seq)) + "x";
        const auto h = ok(sm);
        CHECK(*h.concatenation == Concatenation{200, 255, static_cast<std::uint8_t>(seq), false});
        CHECK(h.payload == "x");
    }
    const auto sm16 = make_udh16(0x0102, 4, 4);
    CHECK(*ok(sm16).concatenation == Concatenation{0x0102, 4, 4, true});
}

TEST_CASE("concatenation: random UDHs never read past the input") {
    std::uint32_t x = 777;
    auto next = [&] { return x = x * 1664525u + 1013904223u; };
    for (int round = 0; round < 20000; ++round) {
        std::string sm(next() % 24, '\0');
        for (auto& c : sm) c = static_cast<char>((next() >> 8) % 12);  // small values: lengths that nearly fit
        const auto r = parse_udh(sm);
        if (const auto* h = std::get_if<UserDataHeader>(&r)) {
            CHECK(h->udh.size() + h->payload.size() == sm.size());
            if (h->concatenation) {
                CHECK(h->concatenation->total >= 1);
                CHECK(h->concatenation->seqnum >= 1);
                CHECK(h->concatenation->seqnum <= h->concatenation->total);
            }
        }
    }
}
