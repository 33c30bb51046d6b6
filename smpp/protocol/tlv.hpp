#pragma once
// SMPP 3.4 section 5.3: optional parameters (TLVs).
//
// A TLV list keeps every parameter as raw value bytes, in wire order, so that
// vendor TLVs we do not know pass through untouched and a decode/encode
// round trip reproduces the same bytes. Typed accessors read the standard
// tags on demand.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smpp::protocol {

enum class tlv_tag : std::uint16_t {
    dest_addr_subunit = 0x0005,
    dest_network_type = 0x0006,
    dest_bearer_type = 0x0007,
    dest_telematics_id = 0x0008,
    source_addr_subunit = 0x000D,
    source_network_type = 0x000E,
    source_bearer_type = 0x000F,
    source_telematics_id = 0x0010,
    qos_time_to_live = 0x0017,
    payload_type = 0x0019,
    additional_status_info_text = 0x001D,
    receipted_message_id = 0x001E,
    ms_msg_wait_facilities = 0x0030,
    privacy_indicator = 0x0201,
    source_subaddress = 0x0202,
    dest_subaddress = 0x0203,
    user_message_reference = 0x0204,
    user_response_code = 0x0205,
    source_port = 0x020A,
    destination_port = 0x020B,
    sar_msg_ref_num = 0x020C,
    language_indicator = 0x020D,
    sar_total_segments = 0x020E,
    sar_segment_seqnum = 0x020F,
    sc_interface_version = 0x0210,
    callback_num_pres_ind = 0x0302,
    callback_num_atag = 0x0303,
    number_of_messages = 0x0304,
    callback_num = 0x0381,
    dpf_result = 0x0420,
    set_dpf = 0x0421,
    ms_availability_status = 0x0422,
    network_error_code = 0x0423,
    message_payload = 0x0424,
    delivery_failure_reason = 0x0425,
    more_messages_to_send = 0x0426,
    message_state = 0x0427,
    ussd_service_op = 0x0501,
    display_time = 0x1201,
    sms_signal = 0x1203,
    ms_validity = 0x1204,
    alert_on_message_delivery = 0x130C,
    its_reply_type = 0x1380,
    its_session_info = 0x1383,
};

// SMPP 3.4 section 5.2.28: message_state values (query_sm_resp, receipts).
enum class message_state : std::uint8_t {
    enroute = 1,
    delivered = 2,
    expired = 3,
    deleted = 4,
    undeliverable = 5,
    accepted = 6,
    unknown = 7,
    rejected = 8,
};

// SMPP 3.4 section 5.3.2.31: network_error_code is 3 octets.
struct NetworkErrorCode {
    std::uint8_t network_type = 0;  // 1 ANSI-136, 2 IS-95, 3 GSM, ...
    std::uint16_t error_code = 0;
    friend bool operator==(const NetworkErrorCode&, const NetworkErrorCode&) = default;
};

struct Tlv {
    std::uint16_t tag = 0;
    std::string value;  // raw value octets, big-endian for integers
    friend bool operator==(const Tlv&, const Tlv&) = default;
};

// The fixed value length SMPP 3.4 gives a standard tag, or nullopt for
// variable-length and unknown tags. A decoder rejects a mismatch with
// ESME_RINVPARLEN.
std::optional<std::size_t> fixed_length(tlv_tag tag) noexcept;

// The largest value SMPP 3.4 allows for a variable-length standard tag
// (message_payload: 64 KiB - 1; receipted_message_id: 65), or nullopt.
std::optional<std::size_t> max_length(tlv_tag tag) noexcept;

class TlvList {
public:
    const std::vector<Tlv>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }

    // Appends in wire order; a decoder uses this to keep duplicates and order.
    void append(std::uint16_t tag, std::string value) { items_.push_back({tag, std::move(value)}); }
    // A decoder that counted the TLVs first grows the list once.
    void reserve(std::size_t n) { items_.reserve(n); }

    // Replaces the first TLV with this tag, or appends one.
    void set_bytes(tlv_tag tag, std::string_view value);
    void set_u8(tlv_tag tag, std::uint8_t v);
    void set_u16(tlv_tag tag, std::uint16_t v);
    void set_u32(tlv_tag tag, std::uint32_t v);
    // A C-octet string TLV (receipted_message_id): the value carries the NUL.
    void set_cstring(tlv_tag tag, std::string_view v);
    void erase(tlv_tag tag);

    const Tlv* find(std::uint16_t tag) const noexcept;
    const Tlv* find(tlv_tag tag) const noexcept { return find(static_cast<std::uint16_t>(tag)); }
    bool has(tlv_tag tag) const noexcept { return find(tag) != nullptr; }

    // nullopt when absent or of the wrong length.
    std::optional<std::string_view> bytes(tlv_tag tag) const noexcept;
    std::optional<std::uint8_t> u8(tlv_tag tag) const noexcept;
    std::optional<std::uint16_t> u16(tlv_tag tag) const noexcept;
    std::optional<std::uint32_t> u32(tlv_tag tag) const noexcept;
    // The value up to its first NUL (carriers are inconsistent about sending one).
    std::optional<std::string_view> cstring(tlv_tag tag) const noexcept;

    // Named accessors for the tags the relay and receipt paths use.
    std::optional<std::string_view> message_payload() const noexcept { return bytes(tlv_tag::message_payload); }
    std::optional<std::string_view> receipted_message_id() const noexcept { return cstring(tlv_tag::receipted_message_id); }
    std::optional<protocol::message_state> message_state() const noexcept;
    std::optional<NetworkErrorCode> network_error_code() const noexcept;
    std::optional<std::uint16_t> sar_msg_ref_num() const noexcept { return u16(tlv_tag::sar_msg_ref_num); }
    std::optional<std::uint8_t> sar_total_segments() const noexcept { return u8(tlv_tag::sar_total_segments); }
    std::optional<std::uint8_t> sar_segment_seqnum() const noexcept { return u8(tlv_tag::sar_segment_seqnum); }
    std::optional<std::uint16_t> user_message_reference() const noexcept { return u16(tlv_tag::user_message_reference); }
    std::optional<std::uint16_t> source_port() const noexcept { return u16(tlv_tag::source_port); }
    std::optional<std::uint16_t> destination_port() const noexcept { return u16(tlv_tag::destination_port); }

    void set_message_state(protocol::message_state s) { set_u8(tlv_tag::message_state, static_cast<std::uint8_t>(s)); }
    void set_network_error_code(NetworkErrorCode c);

    // Bytes this list takes on the wire (4 per TLV header plus values).
    std::size_t encoded_size() const noexcept;

    friend bool operator==(const TlvList&, const TlvList&) = default;

private:
    std::vector<Tlv> items_;
};

}  // namespace smpp::protocol
