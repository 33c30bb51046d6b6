#include "smpp/protocol/tlv.hpp"

#include <catch2/catch.hpp>

using namespace smpp::protocol;

TEST_CASE("TlvList typed setters store big-endian raw octets") {
    TlvList t;
    t.set_u8(tlv_tag::sar_total_segments, 3);
    t.set_u16(tlv_tag::sar_msg_ref_num, 0x1234);
    t.set_u32(tlv_tag::qos_time_to_live, 0x01020304);
    t.set_cstring(tlv_tag::receipted_message_id, "abc");
    t.set_network_error_code({3, 0x0102});
    t.set_message_state(message_state::undeliverable);
    REQUIRE(t.size() == 6);
    CHECK(t.items()[0].value == std::string("\x03", 1));
    CHECK(t.items()[1].value == "\x12\x34");
    CHECK(t.items()[2].value == "\x01\x02\x03\x04");
    CHECK(t.items()[3].value == std::string("abc\0", 4));
    CHECK(t.items()[4].value == "\x03\x01\x02");
    CHECK(t.sar_total_segments() == 3);
    CHECK(t.sar_msg_ref_num() == 0x1234);
    CHECK(t.u32(tlv_tag::qos_time_to_live) == 0x01020304u);
    CHECK(t.receipted_message_id() == "abc");
    CHECK(t.network_error_code() == NetworkErrorCode{3, 0x0102});
    CHECK(t.message_state() == message_state::undeliverable);
    CHECK(t.encoded_size() == 6 * 4 + 1 + 2 + 4 + 4 + 3 + 1);
}

TEST_CASE("TlvList set replaces the first, append keeps duplicates, erase removes all") {
    TlvList t;
    t.append(0x1400, "a");
    t.append(0x020A, "\x0B\x84");
    t.append(0x1400, "b");
    CHECK(t.find(0x1400)->value == "a");
    CHECK(t.source_port() == 0x0B84);
    t.set_u16(tlv_tag::source_port, 80);
    CHECK(t.size() == 3);
    CHECK(t.source_port() == 80);
    t.erase(static_cast<tlv_tag>(0x1400));
    CHECK(t.size() == 1);
    CHECK_FALSE(t.has(tlv_tag::message_payload));
}

TEST_CASE("TlvList accessors: absent or wrong length is nullopt") {
    TlvList t;
    CHECK_FALSE(t.message_payload());
    CHECK_FALSE(t.user_message_reference());
    t.set_bytes(tlv_tag::user_message_reference, "\x01");
    CHECK_FALSE(t.user_message_reference());
    t.set_bytes(tlv_tag::network_error_code, "\x01\x02");
    CHECK_FALSE(t.network_error_code());
    t.set_bytes(tlv_tag::message_payload, "");
    CHECK(t.message_payload() == "");
    SECTION("receipted_message_id with and without a NUL") {
        t.set_bytes(tlv_tag::receipted_message_id, "xyz");
        CHECK(t.receipted_message_id() == "xyz");
        t.set_bytes(tlv_tag::receipted_message_id, std::string("xyz\0junk", 8));
        CHECK(t.receipted_message_id() == "xyz");
    }
    CHECK_FALSE(t.destination_port());
    t.set_u16(tlv_tag::destination_port, 0x23F0);
    CHECK(t.destination_port() == 0x23F0);
    t.set_u8(tlv_tag::sar_segment_seqnum, 2);
    CHECK(t.sar_segment_seqnum() == 2);
}

TEST_CASE("fixed_length and max_length of standard tags") {
    CHECK(fixed_length(tlv_tag::message_state) == 1u);
    CHECK(fixed_length(tlv_tag::sar_msg_ref_num) == 2u);
    CHECK(fixed_length(tlv_tag::network_error_code) == 3u);
    CHECK(fixed_length(tlv_tag::qos_time_to_live) == 4u);
    CHECK(fixed_length(tlv_tag::alert_on_message_delivery) == 0u);
    CHECK_FALSE(fixed_length(tlv_tag::message_payload));
    CHECK_FALSE(fixed_length(static_cast<tlv_tag>(0x1400)));
    CHECK(max_length(tlv_tag::message_payload) == 65535u);
    CHECK(max_length(tlv_tag::receipted_message_id) == 65u);
    CHECK(max_length(tlv_tag::callback_num) == 19u);
    CHECK_FALSE(max_length(tlv_tag::message_state));
    CHECK_FALSE(max_length(static_cast<tlv_tag>(0x1400)));
}
