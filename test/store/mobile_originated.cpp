#include "store/mobile_originated.hpp"

#include <catch2/catch.hpp>

using namespace smpp::store;

namespace {

MobileOriginated sample() {
    MobileOriginated m;
    m.carrier = "carrier01";
    m.source = {1, 1, "447700900001"};
    m.destination = {0, 0, "12345"};
    m.esm_class = 0x40;
    m.data_coding = 8;
    m.payload = std::string("\x05\x00\x03\x2A\x02\x01hi", 8);
    m.received_at = Timestamp(std::chrono::milliseconds(1'800'000'000'123));
    return m;
}

}  // namespace

TEST_CASE("mobile_originated: sar and the carrier's id round-trip (version 2)", "[store][mo]") {
    auto m = sample();
    m.sar = Concatenation{0xBEEF, 3, 2};
    m.carrier_message_id = "MO-77";
    MobileOriginated back;
    REQUIRE(decode_mo_value(encode_mo_value(m), back).ok());
    back.id = m.id;
    back.account = m.account;
    CHECK(back == m);

    auto plain = sample();
    REQUIRE(decode_mo_value(encode_mo_value(plain), back).ok());
    CHECK_FALSE(back.sar);
    CHECK(back.carrier_message_id.empty());
}

TEST_CASE("mobile_originated: a version 1 value (parked before the upgrade) still decodes", "[store][mo]") {
    auto v2 = encode_mo_value(sample());
    // Version 1 is version 2 without its tail: no sar (one 0 octet) and an
    // empty carrier_message_id (one 0 length octet).
    REQUIRE(v2.substr(v2.size() - 2) == std::string("\0\0", 2));
    std::string v1 = v2.substr(0, v2.size() - 2);
    v1[0] = 1;
    MobileOriginated back;
    back.carrier_message_id = "stale";
    REQUIRE(decode_mo_value(v1, back).ok());
    CHECK(back.payload == sample().payload);
    CHECK(back.received_at == sample().received_at);
    CHECK_FALSE(back.sar);
    CHECK(back.carrier_message_id.empty());

    CHECK(decode_mo_value(v1 + "x", back).code() == StatusCode::corruption);
    std::string v3 = v2;
    v3[0] = 3;
    CHECK(decode_mo_value(v3, back).code() == StatusCode::corruption);
}
