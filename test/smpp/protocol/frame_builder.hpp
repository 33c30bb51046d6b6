#pragma once
// Test helper: writes SMPP frames octet by octet, independently of either
// codec, so a test states the exact wire bytes it expects. Also the typical
// hot PDUs that the codec tests, the fuzz seed corpus and the codec
// benchmark share.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/protocol/pdu.hpp"

namespace smpp::test {

class FrameBuilder {
public:
    explicit FrameBuilder(protocol::command_id id, std::uint32_t sequence_number = 1,
                          protocol::command_status status = protocol::command_status::ESME_ROK)
        : FrameBuilder(static_cast<std::uint32_t>(id), sequence_number, static_cast<std::uint32_t>(status)) {}

    // Any command_id and command_status, also ones SMPP 3.4 does not define.
    explicit FrameBuilder(std::uint32_t raw_id, std::uint32_t sequence_number = 1, std::uint32_t raw_status = 0) {
        u32(0);  // command_length, patched by frame()
        u32(raw_id);
        u32(raw_status);
        u32(sequence_number);
    }

    FrameBuilder& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    FrameBuilder& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
    FrameBuilder& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); }
    FrameBuilder& raw(std::string_view s) {
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        return *this;
    }
    FrameBuilder& fill(std::size_t n, char c) { return raw(std::string(n, c)); }
    // A C-octet string: the characters and a NUL.
    FrameBuilder& cstr(std::string_view s) { return raw(s).u8(0); }
    FrameBuilder& address(std::uint8_t ton, std::uint8_t npi, std::string_view addr) { return u8(ton).u8(npi).cstr(addr); }
    FrameBuilder& sm(std::string_view s) { return u8(static_cast<std::uint8_t>(s.size())).raw(s); }
    FrameBuilder& tlv(std::uint16_t tag, std::string_view value) {
        return u16(tag).u16(static_cast<std::uint16_t>(value.size())).raw(value);
    }
    FrameBuilder& tlv(protocol::tlv_tag tag, std::string_view value) { return tlv(static_cast<std::uint16_t>(tag), value); }

    // The frame with command_length set to its size.
    std::vector<std::uint8_t> frame() const { return with_length(static_cast<std::uint32_t>(bytes_.size())); }

    // The frame with a command_length that may lie about its size.
    std::vector<std::uint8_t> with_length(std::uint32_t command_length) const {
        auto out = bytes_;
        out[0] = static_cast<std::uint8_t>(command_length >> 24);
        out[1] = static_cast<std::uint8_t>(command_length >> 16);
        out[2] = static_cast<std::uint8_t>(command_length >> 8);
        out[3] = static_cast<std::uint8_t>(command_length);
        return out;
    }

private:
    std::vector<std::uint8_t> bytes_;
};

// Sets command_length to the frame's size after a test cut or grew it.
inline void patch_length(std::vector<std::uint8_t>& f) {
    const auto n = static_cast<std::uint32_t>(f.size());
    if (f.size() < 4) return;
    f[0] = static_cast<std::uint8_t>(n >> 24);
    f[1] = static_cast<std::uint8_t>(n >> 16);
    f[2] = static_cast<std::uint8_t>(n >> 8);
    f[3] = static_cast<std::uint8_t>(n);
}

// An A2P submit_sm as an aggregator sends it: alphanumeric sender,
// international destination, receipt requested, 7-bit text.
inline protocol::Pdu typical_submit_sm() {
    protocol::SubmitSm sm;
    sm.source = {5, 0, "MyBrand"};
    sm.dest = {1, 1, "447700900123"};
    sm.registered_delivery = 1;
    sm.short_message = "Your verification code is 482913. It expires in 10 minutes.";
    return {protocol::command_status::ESME_ROK, 0x00012345, std::move(sm)};
}

inline std::vector<std::uint8_t> typical_submit_sm_frame() {
    return FrameBuilder(protocol::command_id::submit_sm, 0x00012345)
        .cstr("")
        .address(5, 0, "MyBrand")
        .address(1, 1, "447700900123")
        .u8(0).u8(0).u8(0)
        .cstr("").cstr("")
        .u8(1).u8(0).u8(0).u8(0)
        .sm("Your verification code is 482913. It expires in 10 minutes.")
        .frame();
}

// A carrier's delivery receipt (SMPP 3.4 Appendix B text, plus the
// receipted_message_id and message_state TLVs).
inline constexpr std::string_view typical_receipt_text =
    "id:7f3a9c21e4 sub:001 dlvrd:001 submit date:2611230410 done date:2611230411 stat:DELIVRD err:000 "
    "text:Your verification";

inline protocol::Pdu typical_deliver_sm_receipt() {
    protocol::DeliverSm sm;
    sm.source = {1, 1, "447700900123"};
    sm.dest = {5, 0, "MyBrand"};
    sm.esm_class = protocol::esm_class::delivery_receipt;
    sm.short_message = std::string(typical_receipt_text);
    sm.tlvs.set_cstring(protocol::tlv_tag::receipted_message_id, "7f3a9c21e4");
    sm.tlvs.set_message_state(protocol::message_state::delivered);
    return {protocol::command_status::ESME_ROK, 0x00000077, std::move(sm)};
}

inline std::vector<std::uint8_t> typical_deliver_sm_receipt_frame() {
    return FrameBuilder(protocol::command_id::deliver_sm, 0x00000077)
        .cstr("")
        .address(1, 1, "447700900123")
        .address(5, 0, "MyBrand")
        .u8(protocol::esm_class::delivery_receipt).u8(0).u8(0)
        .cstr("").cstr("")
        .u8(0).u8(0).u8(0).u8(0)
        .sm(typical_receipt_text)
        .tlv(protocol::tlv_tag::receipted_message_id, std::string_view("7f3a9c21e4\0", 11))
        .tlv(protocol::tlv_tag::message_state, std::string_view("\x02", 1))
        .frame();
}

}  // namespace smpp::test
