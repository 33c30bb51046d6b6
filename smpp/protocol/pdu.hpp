#pragma once
// C++ value types for every SMPP 3.4 PDU (section 4). A Pdu is the header's
// command_status and sequence_number plus a body; the body's type fixes the
// command_id, so a PDU cannot claim one id and carry another's fields.
//
// Strings hold the field without its terminating NUL. short_message holds raw
// octets (any data_coding). Field capacities below are the spec's C-octet
// sizes *including* the NUL, as both codecs enforce them.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "smpp/protocol/command_id.hpp"
#include "smpp/protocol/command_status.hpp"
#include "smpp/protocol/tlv.hpp"

namespace smpp::protocol {

namespace limits {
inline constexpr std::size_t system_id = 16;
inline constexpr std::size_t password = 9;
inline constexpr std::size_t system_type = 13;
inline constexpr std::size_t address_range = 41;
inline constexpr std::size_t service_type = 6;
inline constexpr std::size_t address = 21;          // submit_sm, deliver_sm, query_sm, cancel_sm, replace_sm
inline constexpr std::size_t address_long = 65;     // data_sm, alert_notification
inline constexpr std::size_t time = 17;             // "" or exactly 16 characters
inline constexpr std::size_t message_id = 65;
inline constexpr std::size_t short_message = 254;   // sm_length octets
inline constexpr std::size_t dests = 254;           // submit_multi number_of_dests
}  // namespace limits

inline constexpr std::uint8_t interface_version_34 = 0x34;

// esm_class bits (section 5.2.12).
namespace esm_class {
inline constexpr std::uint8_t delivery_receipt = 0x04;
inline constexpr std::uint8_t intermediate_notification = 0x20;
inline constexpr std::uint8_t message_type_mask = 0x3C;
inline constexpr std::uint8_t udhi = 0x40;
inline constexpr std::uint8_t reply_path = 0x80;
}  // namespace esm_class

struct Address {
    std::uint8_t ton = 0;
    std::uint8_t npi = 0;
    std::string addr;
    friend bool operator==(const Address&, const Address&) = default;
};

// Header-only PDUs: generic_nack, unbind, unbind_resp, enquire_link,
// enquire_link_resp, cancel_sm_resp, replace_sm_resp.
template <command_id Id>
struct HeaderOnly {
    static constexpr command_id id = Id;
    friend bool operator==(const HeaderOnly&, const HeaderOnly&) = default;
};

template <command_id Id>
struct Bind {
    static constexpr command_id id = Id;
    std::string system_id;
    std::string password;
    std::string system_type;
    std::uint8_t interface_version = interface_version_34;
    std::uint8_t addr_ton = 0;
    std::uint8_t addr_npi = 0;
    std::string address_range;
    friend bool operator==(const Bind&, const Bind&) = default;
};

template <command_id Id>
struct BindResp {
    static constexpr command_id id = Id;
    std::string system_id;
    TlvList tlvs;  // sc_interface_version
    friend bool operator==(const BindResp&, const BindResp&) = default;
};

struct Outbind {
    static constexpr command_id id = command_id::outbind;
    std::string system_id;
    std::string password;
    friend bool operator==(const Outbind&, const Outbind&) = default;
};

// submit_sm and deliver_sm share one body layout (sections 4.4.1, 4.6.1).
template <command_id Id>
struct ShortMessage {
    static constexpr command_id id = Id;
    std::string service_type;
    Address source;
    Address dest;
    std::uint8_t esm_class = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t priority_flag = 0;
    std::string schedule_delivery_time;
    std::string validity_period;
    std::uint8_t registered_delivery = 0;
    std::uint8_t replace_if_present_flag = 0;
    std::uint8_t data_coding = 0;
    std::uint8_t sm_default_msg_id = 0;
    std::string short_message;  // sm_length is its size
    TlvList tlvs;
    friend bool operator==(const ShortMessage&, const ShortMessage&) = default;
};

// submit_sm_resp, deliver_sm_resp (whose message_id is unused and empty).
// SMPP 3.4 gives them no TLVs, but SMSCs built on SMPP 5.0 (4.4.2.5, 4.6.2.5)
// append additional_status_info_text, network_error_code or
// delivery_failure_reason to them on 3.4 binds too: refusing those lost the
// message_id of a submit the carrier had taken, and with it every receipt.
template <command_id Id>
struct MessageIdResp {
    static constexpr command_id id = Id;
    std::string message_id;
    TlvList tlvs{};  // {}: SubmitSmResp{"id"} stays a complete initializer
    friend bool operator==(const MessageIdResp&, const MessageIdResp&) = default;
};

// One destination of submit_multi: an SME address (dest_flag 1) or a
// distribution list name (dest_flag 2).
struct MultiDest {
    static constexpr std::uint8_t sme_address = 1;
    static constexpr std::uint8_t distribution_list = 2;
    std::uint8_t dest_flag = sme_address;
    Address address;      // dest_flag 1
    std::string dl_name;  // dest_flag 2
    friend bool operator==(const MultiDest&, const MultiDest&) = default;
};

struct SubmitMulti {
    static constexpr command_id id = command_id::submit_multi;
    std::string service_type;
    Address source;
    std::vector<MultiDest> dests;  // number_of_dests is its size
    std::uint8_t esm_class = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t priority_flag = 0;
    std::string schedule_delivery_time;
    std::string validity_period;
    std::uint8_t registered_delivery = 0;
    std::uint8_t replace_if_present_flag = 0;
    std::uint8_t data_coding = 0;
    std::uint8_t sm_default_msg_id = 0;
    std::string short_message;
    TlvList tlvs;
    friend bool operator==(const SubmitMulti&, const SubmitMulti&) = default;
};

struct UnsuccessSme {
    Address address;
    std::uint32_t error_status_code = 0;
    friend bool operator==(const UnsuccessSme&, const UnsuccessSme&) = default;
};

struct SubmitMultiResp {
    static constexpr command_id id = command_id::submit_multi_resp;
    std::string message_id;
    std::vector<UnsuccessSme> unsuccess_smes;  // no_unsuccess is its size
    friend bool operator==(const SubmitMultiResp&, const SubmitMultiResp&) = default;
};

struct DataSm {
    static constexpr command_id id = command_id::data_sm;
    std::string service_type;
    Address source;  // up to 65 octets here
    Address dest;
    std::uint8_t esm_class = 0;
    std::uint8_t registered_delivery = 0;
    std::uint8_t data_coding = 0;
    TlvList tlvs;  // the text travels in message_payload
    friend bool operator==(const DataSm&, const DataSm&) = default;
};

struct DataSmResp {
    static constexpr command_id id = command_id::data_sm_resp;
    std::string message_id;
    TlvList tlvs;
    friend bool operator==(const DataSmResp&, const DataSmResp&) = default;
};

struct QuerySm {
    static constexpr command_id id = command_id::query_sm;
    std::string message_id;
    Address source;
    friend bool operator==(const QuerySm&, const QuerySm&) = default;
};

struct QuerySmResp {
    static constexpr command_id id = command_id::query_sm_resp;
    std::string message_id;
    std::string final_date;
    std::uint8_t message_state = 0;
    std::uint8_t error_code = 0;
    friend bool operator==(const QuerySmResp&, const QuerySmResp&) = default;
};

struct CancelSm {
    static constexpr command_id id = command_id::cancel_sm;
    std::string service_type;
    std::string message_id;
    Address source;
    Address dest;
    friend bool operator==(const CancelSm&, const CancelSm&) = default;
};

struct ReplaceSm {
    static constexpr command_id id = command_id::replace_sm;
    std::string message_id;
    Address source;
    std::string schedule_delivery_time;
    std::string validity_period;
    std::uint8_t registered_delivery = 0;
    std::uint8_t sm_default_msg_id = 0;
    std::string short_message;
    friend bool operator==(const ReplaceSm&, const ReplaceSm&) = default;
};

struct AlertNotification {
    static constexpr command_id id = command_id::alert_notification;
    Address source;  // up to 65 octets
    Address esme;    // esme_addr_ton / esme_addr_npi / esme_addr
    TlvList tlvs;    // ms_availability_status
    friend bool operator==(const AlertNotification&, const AlertNotification&) = default;
};

using GenericNack = HeaderOnly<command_id::generic_nack>;
using BindTransmitter = Bind<command_id::bind_transmitter>;
using BindTransmitterResp = BindResp<command_id::bind_transmitter_resp>;
using BindReceiver = Bind<command_id::bind_receiver>;
using BindReceiverResp = BindResp<command_id::bind_receiver_resp>;
using BindTransceiver = Bind<command_id::bind_transceiver>;
using BindTransceiverResp = BindResp<command_id::bind_transceiver_resp>;
using Unbind = HeaderOnly<command_id::unbind>;
using UnbindResp = HeaderOnly<command_id::unbind_resp>;
using EnquireLink = HeaderOnly<command_id::enquire_link>;
using EnquireLinkResp = HeaderOnly<command_id::enquire_link_resp>;
using SubmitSm = ShortMessage<command_id::submit_sm>;
using SubmitSmResp = MessageIdResp<command_id::submit_sm_resp>;
using DeliverSm = ShortMessage<command_id::deliver_sm>;
using DeliverSmResp = MessageIdResp<command_id::deliver_sm_resp>;
using CancelSmResp = HeaderOnly<command_id::cancel_sm_resp>;
using ReplaceSmResp = HeaderOnly<command_id::replace_sm_resp>;

using PduBody = std::variant<GenericNack, BindTransmitter, BindTransmitterResp, BindReceiver, BindReceiverResp,
                             BindTransceiver, BindTransceiverResp, Outbind, Unbind, UnbindResp, EnquireLink,
                             EnquireLinkResp, SubmitSm, SubmitSmResp, SubmitMulti, SubmitMultiResp, DeliverSm,
                             DeliverSmResp, DataSm, DataSmResp, QuerySm, QuerySmResp, CancelSm, CancelSmResp,
                             ReplaceSm, ReplaceSmResp, AlertNotification>;

struct Pdu {
    command_status status = command_status::ESME_ROK;
    std::uint32_t sequence_number = 0;
    PduBody body;

    command_id id() const noexcept {
        return std::visit([](const auto& b) { return std::decay_t<decltype(b)>::id; }, body);
    }
    template <class T>
    const T* as() const noexcept { return std::get_if<T>(&body); }
    template <class T>
    T* as() noexcept { return std::get_if<T>(&body); }

    friend bool operator==(const Pdu&, const Pdu&) = default;
};

// Sequence numbers run 0x00000001..0x7FFFFFFF (section 5.1.4).
inline constexpr std::uint32_t max_sequence_number = 0x7FFFFFFF;

// A body of the right type for id, default-initialised; nullopt-like
// GenericNack is never returned for an unknown id: callers check is_known().
PduBody make_body(command_id id);

// The empty response to a request, with the request's sequence number and
// the given status: bind_transmitter -> bind_transmitter_resp, ... For a
// request without a response (outbind, alert_notification) or a response,
// returns a generic_nack.
Pdu make_response(command_id request, std::uint32_t sequence_number,
                  command_status status = command_status::ESME_ROK);

}  // namespace smpp::protocol
