#include "smpp/protocol/tlv.hpp"

#include <algorithm>

namespace smpp::protocol {

std::optional<std::size_t> fixed_length(tlv_tag tag) noexcept {
    switch (tag) {
        case tlv_tag::dest_addr_subunit:
        case tlv_tag::dest_network_type:
        case tlv_tag::dest_bearer_type:
        case tlv_tag::source_addr_subunit:
        case tlv_tag::source_network_type:
        case tlv_tag::source_bearer_type:
        case tlv_tag::source_telematics_id:
        case tlv_tag::payload_type:
        case tlv_tag::ms_msg_wait_facilities:
        case tlv_tag::privacy_indicator:
        case tlv_tag::user_response_code:
        case tlv_tag::language_indicator:
        case tlv_tag::sar_total_segments:
        case tlv_tag::sar_segment_seqnum:
        case tlv_tag::sc_interface_version:
        case tlv_tag::callback_num_pres_ind:
        case tlv_tag::number_of_messages:
        case tlv_tag::dpf_result:
        case tlv_tag::set_dpf:
        case tlv_tag::ms_availability_status:
        case tlv_tag::delivery_failure_reason:
        case tlv_tag::more_messages_to_send:
        case tlv_tag::message_state:
        case tlv_tag::display_time:
        case tlv_tag::ms_validity:
        case tlv_tag::its_reply_type:
            return 1;
        case tlv_tag::dest_telematics_id:
        case tlv_tag::user_message_reference:
        case tlv_tag::source_port:
        case tlv_tag::destination_port:
        case tlv_tag::sar_msg_ref_num:
        case tlv_tag::sms_signal:
        case tlv_tag::its_session_info:
            return 2;
        case tlv_tag::network_error_code:
            return 3;
        case tlv_tag::qos_time_to_live:
            return 4;
        case tlv_tag::alert_on_message_delivery:
            return 0;
        default:
            return std::nullopt;
    }
}

std::optional<std::size_t> max_length(tlv_tag tag) noexcept {
    switch (tag) {
        case tlv_tag::additional_status_info_text: return 256;
        case tlv_tag::receipted_message_id: return 65;
        case tlv_tag::source_subaddress:
        case tlv_tag::dest_subaddress: return 23;
        case tlv_tag::callback_num: return 19;
        case tlv_tag::callback_num_atag: return 65;
        case tlv_tag::message_payload: return 65535;
        default: return std::nullopt;
    }
}

void TlvList::set_bytes(tlv_tag tag, std::string_view value) {
    auto raw = static_cast<std::uint16_t>(tag);
    auto it = std::find_if(items_.begin(), items_.end(), [&](const Tlv& t) { return t.tag == raw; });
    if (it != items_.end())
        it->value.assign(value);
    else
        items_.push_back({raw, std::string(value)});
}

void TlvList::set_u8(tlv_tag tag, std::uint8_t v) {
    const char b[1] = {static_cast<char>(v)};
    set_bytes(tag, std::string_view(b, 1));
}

void TlvList::set_u16(tlv_tag tag, std::uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    set_bytes(tag, std::string_view(b, 2));
}

void TlvList::set_u32(tlv_tag tag, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
    set_bytes(tag, std::string_view(b, 4));
}

void TlvList::set_cstring(tlv_tag tag, std::string_view v) {
    std::string s(v);
    s.push_back('\0');
    set_bytes(tag, s);
}

void TlvList::set_network_error_code(NetworkErrorCode c) {
    const char b[3] = {static_cast<char>(c.network_type), static_cast<char>(c.error_code >> 8),
                       static_cast<char>(c.error_code)};
    set_bytes(tlv_tag::network_error_code, std::string_view(b, 3));
}

void TlvList::erase(tlv_tag tag) {
    auto raw = static_cast<std::uint16_t>(tag);
    std::erase_if(items_, [&](const Tlv& t) { return t.tag == raw; });
}

const Tlv* TlvList::find(std::uint16_t tag) const noexcept {
    for (const auto& t : items_)
        if (t.tag == tag) return &t;
    return nullptr;
}

std::optional<std::string_view> TlvList::bytes(tlv_tag tag) const noexcept {
    if (const Tlv* t = find(tag)) return std::string_view(t->value);
    return std::nullopt;
}

namespace {
std::uint8_t at(std::string_view v, std::size_t i) noexcept { return static_cast<std::uint8_t>(v[i]); }
}  // namespace

std::optional<std::uint8_t> TlvList::u8(tlv_tag tag) const noexcept {
    auto v = bytes(tag);
    if (!v || v->size() != 1) return std::nullopt;
    return at(*v, 0);
}

std::optional<std::uint16_t> TlvList::u16(tlv_tag tag) const noexcept {
    auto v = bytes(tag);
    if (!v || v->size() != 2) return std::nullopt;
    return static_cast<std::uint16_t>(at(*v, 0) << 8 | at(*v, 1));
}

std::optional<std::uint32_t> TlvList::u32(tlv_tag tag) const noexcept {
    auto v = bytes(tag);
    if (!v || v->size() != 4) return std::nullopt;
    return std::uint32_t{at(*v, 0)} << 24 | std::uint32_t{at(*v, 1)} << 16 | std::uint32_t{at(*v, 2)} << 8 |
           std::uint32_t{at(*v, 3)};
}

std::optional<std::string_view> TlvList::cstring(tlv_tag tag) const noexcept {
    auto v = bytes(tag);
    if (!v) return std::nullopt;
    return v->substr(0, v->find('\0'));
}

std::optional<message_state> TlvList::message_state() const noexcept {
    auto v = u8(tlv_tag::message_state);
    if (!v) return std::nullopt;
    return static_cast<protocol::message_state>(*v);
}

std::optional<NetworkErrorCode> TlvList::network_error_code() const noexcept {
    auto v = bytes(tlv_tag::network_error_code);
    if (!v || v->size() != 3) return std::nullopt;
    return NetworkErrorCode{at(*v, 0), static_cast<std::uint16_t>(at(*v, 1) << 8 | at(*v, 2))};
}

std::size_t TlvList::encoded_size() const noexcept {
    std::size_t n = 0;
    for (const auto& t : items_) n += 4 + t.value.size();
    return n;
}

}  // namespace smpp::protocol
