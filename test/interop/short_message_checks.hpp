#pragma once
// Field-by-field Catch2 checks of a submit_sm/deliver_sm body, so a
// mismatch names the field and shows the bytes in hex.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "peer_line.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::interop {

// "0204:1234 0424:5061..." — every TLV in wire order.
inline std::string describe(const protocol::TlvList& tlvs) {
    std::string out;
    for (const auto& t : tlvs.items()) {
        if (!out.empty()) out += ' ';
        out += fmt::format("{:04x}:{}", t.tag, to_hex(t.value));
    }
    return out;
}

template <protocol::command_id Id>
void check_short_message(const protocol::ShortMessage<Id>& got, const protocol::ShortMessage<Id>& want) {
    CHECK(got.service_type == want.service_type);
    CHECK(int(got.source.ton) == int(want.source.ton));
    CHECK(int(got.source.npi) == int(want.source.npi));
    CHECK(got.source.addr == want.source.addr);
    CHECK(int(got.dest.ton) == int(want.dest.ton));
    CHECK(int(got.dest.npi) == int(want.dest.npi));
    CHECK(got.dest.addr == want.dest.addr);
    CHECK(int(got.esm_class) == int(want.esm_class));
    CHECK(int(got.protocol_id) == int(want.protocol_id));
    CHECK(int(got.priority_flag) == int(want.priority_flag));
    CHECK(got.schedule_delivery_time == want.schedule_delivery_time);
    CHECK(got.validity_period == want.validity_period);
    CHECK(int(got.registered_delivery) == int(want.registered_delivery));
    CHECK(int(got.replace_if_present_flag) == int(want.replace_if_present_flag));
    CHECK(int(got.data_coding) == int(want.data_coding));
    CHECK(int(got.sm_default_msg_id) == int(want.sm_default_msg_id));
    CHECK(to_hex(got.short_message) == to_hex(want.short_message));
    CHECK(describe(got.tlvs) == describe(want.tlvs));
}

}  // namespace smpp::interop
