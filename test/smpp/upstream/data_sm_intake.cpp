#include "smpp/upstream/data_sm_intake.hpp"

#include <catch2/catch.hpp>

using namespace smpp;
using protocol::command_status;
using protocol::tlv_tag;

namespace {
std::uint16_t tag(tlv_tag t) { return static_cast<std::uint16_t>(t); }
}  // namespace

TEST_CASE("a data_sm becomes the submit_sm it means", "[upstream][data_sm]") {
    protocol::DataSm d;
    d.service_type = "WAP";
    d.source = {5, 0, "ACME"};
    d.dest = {1, 1, "447700900001"};
    d.esm_class = 0x40;
    d.registered_delivery = 0x11;
    d.data_coding = 8;
    d.tlvs.append(tag(tlv_tag::source_network_type), "\x01");       // data_sm only: dropped
    d.tlvs.append(tag(tlv_tag::user_message_reference), std::string("\x00\x2A", 2));
    d.tlvs.append(tag(tlv_tag::message_payload), "payload text");
    d.tlvs.append(tag(tlv_tag::set_dpf), "\x01");                   // dropped
    d.tlvs.append(0x1501, "vendor");                                // vendor: kept
    d.tlvs.append(tag(tlv_tag::qos_time_to_live), std::string("\x00\x00\x0E\x10", 4));  // 3600 s

    auto r = upstream::submit_sm_from(d);
    REQUIRE(std::holds_alternative<protocol::SubmitSm>(r));
    const auto& sm = std::get<protocol::SubmitSm>(r);
    CHECK(sm.service_type == "WAP");
    CHECK(sm.source == d.source);
    CHECK(sm.dest == d.dest);
    CHECK(sm.esm_class == 0x40);
    CHECK(sm.registered_delivery == 0x11);
    CHECK(sm.data_coding == 8);
    CHECK(sm.short_message.empty());
    CHECK(sm.validity_period == "000000010000000R");
    REQUIRE(sm.tlvs.size() == 3);
    CHECK(sm.tlvs.items()[0].tag == tag(tlv_tag::user_message_reference));
    CHECK(sm.tlvs.items()[1].tag == tag(tlv_tag::message_payload));
    CHECK(sm.tlvs.items()[1].value == "payload text");
    CHECK(sm.tlvs.items()[2].tag == 0x1501);
}

TEST_CASE("data_sm addresses longer than submit_sm takes are refused", "[upstream][data_sm]") {
    protocol::DataSm d;
    d.source = {5, 0, std::string(20, 'A')};
    d.dest = {1, 1, std::string(20, '4')};
    CHECK(std::holds_alternative<protocol::SubmitSm>(upstream::submit_sm_from(d)));
    d.source.addr += 'A';
    CHECK(std::get<command_status>(upstream::submit_sm_from(d)) == command_status::ESME_RINVSRCADR);
    d.source.addr.pop_back();
    d.dest.addr += '4';
    CHECK(std::get<command_status>(upstream::submit_sm_from(d)) == command_status::ESME_RINVDSTADR);
}

TEST_CASE("a submit_sm_resp becomes the data_sm_resp", "[upstream][data_sm]") {
    auto ok = upstream::data_sm_resp_from(
        protocol::Pdu{command_status::ESME_ROK, 12, protocol::SubmitSmResp{"01JABCDEFGHJK"}});
    CHECK(ok == protocol::Pdu{command_status::ESME_ROK, 12, protocol::DataSmResp{"01JABCDEFGHJK", {}}});
    auto refused = upstream::data_sm_resp_from(protocol::make_response(protocol::command_id::submit_sm, 13,
                                                                       command_status::ESME_RMSGQFUL));
    CHECK(refused == protocol::Pdu{command_status::ESME_RMSGQFUL, 13, protocol::DataSmResp{}});
}
