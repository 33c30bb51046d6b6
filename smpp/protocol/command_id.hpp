#pragma once
// SMPP 3.4 section 5.1.2.1: the command_id values.
#include <cstdint>
#include <string_view>

namespace smpp::protocol {

enum class command_id : std::uint32_t {
    generic_nack = 0x80000000,
    bind_receiver = 0x00000001,
    bind_receiver_resp = 0x80000001,
    bind_transmitter = 0x00000002,
    bind_transmitter_resp = 0x80000002,
    query_sm = 0x00000003,
    query_sm_resp = 0x80000003,
    submit_sm = 0x00000004,
    submit_sm_resp = 0x80000004,
    deliver_sm = 0x00000005,
    deliver_sm_resp = 0x80000005,
    unbind = 0x00000006,
    unbind_resp = 0x80000006,
    replace_sm = 0x00000007,
    replace_sm_resp = 0x80000007,
    cancel_sm = 0x00000008,
    cancel_sm_resp = 0x80000008,
    bind_transceiver = 0x00000009,
    bind_transceiver_resp = 0x80000009,
    outbind = 0x0000000B,
    enquire_link = 0x00000015,
    enquire_link_resp = 0x80000015,
    submit_multi = 0x00000021,
    submit_multi_resp = 0x80000021,
    alert_notification = 0x00000102,
    data_sm = 0x00000103,
    data_sm_resp = 0x80000103,
};

// The response bit: every *_resp (and generic_nack) has the top bit set.
constexpr bool is_response(command_id id) noexcept {
    return (static_cast<std::uint32_t>(id) & 0x80000000u) != 0;
}

// The *_resp id for a request id (bind_transmitter -> bind_transmitter_resp).
constexpr command_id response_id(command_id request) noexcept {
    return static_cast<command_id>(static_cast<std::uint32_t>(request) | 0x80000000u);
}

// True for the ids defined by SMPP 3.4; anything else gets generic_nack ESME_RINVCMDID.
bool is_known(std::uint32_t raw) noexcept;

// "submit_sm", or "unknown" for an id SMPP 3.4 does not define.
std::string_view name(command_id id) noexcept;

}  // namespace smpp::protocol
