#include "scenario.hpp"

#include <fmt/format.h>

#include "peer_line.hpp"

namespace smpp::interop::scenario {

using protocol::Address;
using protocol::tlv_tag;

std::vector<protocol::SubmitSm> submits() {
    protocol::SubmitSm gsm;
    gsm.source = Address{5, 0, "InteropA"};
    gsm.dest = Address{1, 1, "447700900001"};
    gsm.registered_delivery = 1;
    gsm.data_coding = 0;
    gsm.short_message = "Hello from peer";

    protocol::SubmitSm ucs2;
    ucs2.source = Address{1, 1, "447700900002"};
    ucs2.dest = Address{1, 1, "447700900003"};
    ucs2.data_coding = 8;
    // "Привет €" in UCS-2 big-endian
    ucs2.short_message = std::string("\x04\x1F\x04\x40\x04\x38\x04\x32\x04\x35\x04\x42\x00\x20\x20\xAC", 16);

    protocol::SubmitSm tlvs;
    tlvs.source = Address{5, 0, "InteropA"};
    tlvs.dest = Address{1, 1, "447700900004"};
    tlvs.data_coding = 0;
    tlvs.tlvs.set_u16(tlv_tag::user_message_reference, 0x1234);
    tlvs.tlvs.set_bytes(tlv_tag::message_payload, "Payload via TLV");

    return {gsm, ucs2, tlvs};
}

std::string receipt_text(std::string_view message_id) {
    return fmt::format(
        "id:{} sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 stat:DELIVRD err:000 text:hello",
        message_id);
}

protocol::DeliverSm receipt_for(std::string_view message_id) {
    protocol::DeliverSm r;
    r.source = Address{1, 1, "447700900001"};
    r.dest = Address{5, 0, "InteropA"};
    r.esm_class = protocol::esm_class::delivery_receipt;
    r.data_coding = 0;
    r.short_message = receipt_text(message_id);
    r.tlvs.set_cstring(tlv_tag::receipted_message_id, message_id);
    r.tlvs.set_message_state(protocol::message_state::delivered);
    return r;
}

template <protocol::command_id Id>
std::map<std::string, std::string> peer_fields(const protocol::ShortMessage<Id>& sm) {
    auto address = [](const Address& a) { return fmt::format("{}/{}/{}", a.ton, a.npi, a.addr); };
    std::map<std::string, std::string> f{
        {"src", address(sm.source)},
        {"dst", address(sm.dest)},
        {"esm", std::to_string(sm.esm_class)},
        {"pid", std::to_string(sm.protocol_id)},
        {"prio", std::to_string(sm.priority_flag)},
        {"rd", std::to_string(sm.registered_delivery)},
        {"dc", std::to_string(sm.data_coding)},
        {"sm", to_hex(sm.short_message)},
    };
    if (auto v = sm.tlvs.user_message_reference()) f["umr"] = std::to_string(*v);
    if (auto v = sm.tlvs.message_payload()) f["payload"] = to_hex(*v);
    if (auto v = sm.tlvs.receipted_message_id()) f["receipted_message_id"] = std::string(*v);
    if (auto v = sm.tlvs.message_state()) f["message_state"] = std::to_string(static_cast<int>(*v));
    return f;
}

template std::map<std::string, std::string> peer_fields(const protocol::SubmitSm&);
template std::map<std::string, std::string> peer_fields(const protocol::DeliverSm&);

}  // namespace smpp::interop::scenario
