#include "smpp/protocol/pdu.hpp"

#include <catch2/catch.hpp>

using namespace smpp::protocol;

TEST_CASE("make_body gives the alternative of each id") {
    for (std::uint32_t raw : {0x80000000u, 0x1u, 0x80000001u, 0x2u, 0x80000002u, 0x3u, 0x80000003u, 0x4u,
                              0x80000004u, 0x5u, 0x80000005u, 0x6u, 0x80000006u, 0x7u, 0x80000007u, 0x8u,
                              0x80000008u, 0x9u, 0x80000009u, 0xBu, 0x15u, 0x80000015u, 0x21u, 0x80000021u,
                              0x102u, 0x103u, 0x80000103u}) {
        auto id = static_cast<command_id>(raw);
        INFO(name(id));
        Pdu p{command_status::ESME_ROK, 1, make_body(id)};
        CHECK(p.id() == id);
    }
}

TEST_CASE("make_response") {
    SECTION("a request gets its own response with the same sequence number") {
        Pdu r = make_response(command_id::bind_transmitter, 77, command_status::ESME_RBINDFAIL);
        CHECK(r.id() == command_id::bind_transmitter_resp);
        CHECK(r.sequence_number == 77);
        CHECK(r.status == command_status::ESME_RBINDFAIL);
        CHECK(r.as<BindTransmitterResp>()->system_id.empty());
        CHECK(make_response(command_id::submit_sm, 1).id() == command_id::submit_sm_resp);
        CHECK(make_response(command_id::enquire_link, 2).id() == command_id::enquire_link_resp);
        CHECK(make_response(command_id::data_sm, 3).id() == command_id::data_sm_resp);
        CHECK(make_response(command_id::submit_multi, 4).id() == command_id::submit_multi_resp);
        CHECK(make_response(command_id::submit_sm, 1).status == command_status::ESME_ROK);
    }
    SECTION("requests without a response, responses and unknown ids get generic_nack") {
        for (auto id : {command_id::outbind, command_id::alert_notification, command_id::submit_sm_resp,
                        command_id::generic_nack, static_cast<command_id>(0x99)}) {
            Pdu r = make_response(id, 5, command_status::ESME_RINVCMDID);
            CHECK(r.id() == command_id::generic_nack);
            CHECK(r.sequence_number == 5);
            CHECK(r.status == command_status::ESME_RINVCMDID);
        }
    }
}

TEST_CASE("Pdu accessors and equality") {
    SubmitSm sm;
    sm.short_message.push_back('x');
    Pdu p{command_status::ESME_ROK, 9, sm};
    REQUIRE(p.as<SubmitSm>() != nullptr);
    CHECK(p.as<DeliverSm>() == nullptr);
    CHECK(p.as<SubmitSm>()->short_message == "x");
    Pdu q = p;
    CHECK(p == q);
    q.as<SubmitSm>()->tlvs.set_u8(tlv_tag::payload_type, 0);
    CHECK(p != q);
    CHECK(is_response(command_id::submit_sm_resp));
    CHECK(max_sequence_number == 0x7FFFFFFFu);
}
