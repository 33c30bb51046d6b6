#pragma once
// Realistic PDUs of every type, shared by the codec tests. Every value here
// is within what both codecs (and libsmpp34) can represent, so
// encode -> decode must give it back unchanged.
#include <cstdint>
#include <string>
#include <vector>

#include "smpp/protocol/pdu.hpp"
#include "test/smpp/protocol/frame_builder.hpp"

namespace smpp::protocol::test {

using smpp::test::FrameBuilder;

inline std::string octets(std::initializer_list<int> v) {
    std::string s;
    for (int c : v) s.push_back(static_cast<char>(c));
    return s;
}

template <class Bind>
Bind sample_bind() {
    Bind b;
    b.system_id = "smppclient1";
    b.password = "pa55word";
    b.system_type = "VMA";
    b.interface_version = interface_version_34;
    b.addr_ton = 1;
    b.addr_npi = 1;
    b.address_range = "^44";
    return b;
}

template <class Resp>
Resp sample_bind_resp() {
    Resp r;
    r.system_id = "SMSC-A";
    r.tlvs.set_u8(tlv_tag::sc_interface_version, 0x34);
    return r;
}

template <class Sm>
Sm sample_short_message() {
    Sm s;
    s.service_type = "CMT";
    s.source = {5, 0, "MyBrand"};
    s.dest = {1, 1, "447700900123"};
    s.esm_class = esm_class::udhi;
    s.protocol_id = 0;
    s.priority_flag = 1;
    if constexpr (Sm::id == command_id::submit_sm) {
        s.schedule_delivery_time = "";
        s.validity_period = "000001000000000R";
    }
    s.registered_delivery = 1;
    s.data_coding = 8;
    s.short_message = octets({0x05, 0x00, 0x03, 0x2A, 0x03, 0x01, 0x00, 0x48, 0x00, 0x69});
    s.tlvs.set_u16(tlv_tag::sar_msg_ref_num, 0x1234);
    s.tlvs.set_u8(tlv_tag::sar_total_segments, 3);
    s.tlvs.set_u8(tlv_tag::sar_segment_seqnum, 1);
    s.tlvs.set_u16(tlv_tag::user_message_reference, 42);
    s.tlvs.set_u16(tlv_tag::source_port, 0x0B84);
    s.tlvs.set_u16(tlv_tag::destination_port, 0x23F0);
    s.tlvs.append(0x1400, octets({0x01, 0x02, 0x00, 0xFF}));
    return s;
}

inline DeliverSm sample_receipt() {
    DeliverSm d;
    d.source = {1, 1, "447700900123"};
    d.dest = {5, 0, "MyBrand"};
    d.esm_class = esm_class::delivery_receipt;
    d.short_message =
        "id:0123456789 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:Hi";
    d.tlvs.set_cstring(tlv_tag::receipted_message_id, "0123456789");
    d.tlvs.set_message_state(message_state::delivered);
    d.tlvs.set_network_error_code({3, 0x0001});
    d.tlvs.append(0x1501, "vendor");
    return d;
}

inline std::vector<Pdu> sample_pdus() {
    std::vector<Pdu> v;
    std::uint32_t seq = 1;
    auto add = [&](PduBody body, command_status status = command_status::ESME_ROK) {
        v.push_back(Pdu{status, seq++, std::move(body)});
    };
    add(GenericNack{}, command_status::ESME_RINVCMDID);
    add(sample_bind<BindTransmitter>());
    add(sample_bind_resp<BindTransmitterResp>());
    add(sample_bind<BindReceiver>());
    add(sample_bind_resp<BindReceiverResp>());
    add(sample_bind<BindTransceiver>());
    add(sample_bind_resp<BindTransceiverResp>());
    add(Outbind{"SMSC-A", "secret"});
    add(Unbind{});
    add(UnbindResp{});
    add(EnquireLink{});
    add(EnquireLinkResp{});
    add(sample_short_message<SubmitSm>());
    add(SubmitSmResp{"msg-000123"});
    {
        SubmitMulti m;
        m.service_type = "WAP";
        m.source = {1, 1, "447700900000"};
        MultiDest a;
        a.address = {1, 1, "447700900001"};
        MultiDest b;
        b.dest_flag = MultiDest::distribution_list;
        b.dl_name = "friends";
        MultiDest c;
        c.address = {2, 8, "07700900002"};
        m.dests = {a, b, c};
        m.esm_class = 0;
        m.protocol_id = 0x7F;
        m.priority_flag = 2;
        m.schedule_delivery_time = "240101120000000+";
        m.validity_period = "240102120000000+";
        m.registered_delivery = 0x11;
        m.replace_if_present_flag = 1;
        m.data_coding = 0;
        m.sm_default_msg_id = 3;
        m.short_message = "Hello everyone";
        m.tlvs.set_u16(tlv_tag::user_message_reference, 7);
        m.tlvs.set_u8(tlv_tag::payload_type, 0);
        m.tlvs.append(0x2000, "x");
        add(std::move(m));
    }
    add(SubmitMultiResp{"multi-1", {{{1, 1, "447700900001"}, 0x0000000B}, {{2, 8, "07700900002"}, 0x00000045}}});
    add(sample_receipt());
    add(DeliverSmResp{});
    {
        DataSm d;
        d.service_type = "USSD";
        d.source = {1, 1, "447700900123"};
        d.dest = {3, 14, std::string(40, 'd')};
        d.esm_class = 0;
        d.registered_delivery = 1;
        d.data_coding = 4;
        d.tlvs.set_bytes(tlv_tag::message_payload, std::string(300, 'p'));
        d.tlvs.set_u16(tlv_tag::source_port, 9200);
        d.tlvs.set_u32(tlv_tag::qos_time_to_live, 0x01020304);
        d.tlvs.set_u8(tlv_tag::more_messages_to_send, 1);
        d.tlvs.append(0x4000, octets({0, 0, 0}));
        add(std::move(d));
    }
    add(DataSmResp{"data-1", {}});
    add(QuerySm{"msg-000123", {1, 1, "447700900000"}});
    add(QuerySmResp{"msg-000123", "240101120000000+", 2, 0});
    add(CancelSm{"", "msg-000123", {1, 1, "447700900000"}, {1, 1, "447700900123"}});
    add(CancelSmResp{});
    add(ReplaceSm{"msg-000123", {1, 1, "447700900000"}, "", "000002000000000R", 1, 0, "replacement text"});
    add(ReplaceSmResp{});
    {
        AlertNotification a;
        a.source = {1, 1, std::string(64, '9')};
        a.esme = {0, 0, "esme@example"};
        a.tlvs.set_u8(tlv_tag::ms_availability_status, 1);
        add(std::move(a));
    }
    return v;
}

}  // namespace smpp::protocol::test
