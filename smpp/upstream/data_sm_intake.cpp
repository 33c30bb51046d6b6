#include "smpp/upstream/data_sm_intake.hpp"

#include <chrono>

#include "smpp/protocol/smpp_time.hpp"

namespace smpp::upstream {

using protocol::command_status;
using protocol::tlv_tag;

namespace {

// SMPP 3.4 section 4.4.1: the optional parameters of submit_sm.
bool submit_sm_takes(std::uint16_t raw) noexcept {
    if (raw >= 0x1400 && raw <= 0x3FFF) return true;  // vendor specific
    switch (static_cast<tlv_tag>(raw)) {
        case tlv_tag::user_message_reference:
        case tlv_tag::source_port:
        case tlv_tag::source_addr_subunit:
        case tlv_tag::destination_port:
        case tlv_tag::dest_addr_subunit:
        case tlv_tag::sar_msg_ref_num:
        case tlv_tag::sar_total_segments:
        case tlv_tag::sar_segment_seqnum:
        case tlv_tag::more_messages_to_send:
        case tlv_tag::payload_type:
        case tlv_tag::message_payload:
        case tlv_tag::privacy_indicator:
        case tlv_tag::callback_num:
        case tlv_tag::callback_num_pres_ind:
        case tlv_tag::callback_num_atag:
        case tlv_tag::source_subaddress:
        case tlv_tag::dest_subaddress:
        case tlv_tag::user_response_code:
        case tlv_tag::display_time:
        case tlv_tag::sms_signal:
        case tlv_tag::ms_validity:
        case tlv_tag::ms_msg_wait_facilities:
        case tlv_tag::number_of_messages:
        case tlv_tag::alert_on_message_delivery:
        case tlv_tag::language_indicator:
        case tlv_tag::its_reply_type:
        case tlv_tag::its_session_info:
        case tlv_tag::ussd_service_op: return true;
        default: return false;
    }
}

}  // namespace

std::variant<protocol::SubmitSm, command_status> submit_sm_from(const protocol::DataSm& d) {
    if (d.source.addr.size() >= protocol::limits::address) return command_status::ESME_RINVSRCADR;
    if (d.dest.addr.size() >= protocol::limits::address) return command_status::ESME_RINVDSTADR;
    protocol::SubmitSm sm;
    sm.service_type = d.service_type;
    sm.source = d.source;
    sm.dest = d.dest;
    sm.esm_class = d.esm_class;
    sm.registered_delivery = d.registered_delivery;
    sm.data_coding = d.data_coding;
    for (const auto& t : d.tlvs.items())
        if (submit_sm_takes(t.tag)) sm.tlvs.append(t.tag, t.value);
    if (auto ttl = d.tlvs.u32(tlv_tag::qos_time_to_live))
        sm.validity_period = protocol::format_relative_smpp_time(std::chrono::seconds(*ttl)).value_or("");
    return sm;
}

protocol::Pdu data_sm_resp_from(protocol::Pdu submit_sm_resp) {
    const auto* r = submit_sm_resp.as<protocol::SubmitSmResp>();
    if (!r) return submit_sm_resp;
    return protocol::Pdu{submit_sm_resp.status, submit_sm_resp.sequence_number, protocol::DataSmResp{r->message_id, {}}};
}

}  // namespace smpp::upstream
