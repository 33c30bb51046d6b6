#pragma once
// The codec the sessions use. Hot PDUs (submit_sm, submit_sm_resp,
// deliver_sm, deliver_sm_resp, data_sm, enquire_link, enquire_link_resp,
// generic_nack; data_sm_resp rides along) go through the fast codec, and so
// do submit_multi, submit_multi_resp and bind_*_resp (libsmpp34 cannot hold
// more than a few destinations or a score of TLVs); every other PDU through
// libsmpp34. Both codecs decode whole frames (header
// included) and encode whole frames.
//
// Decode strictness, shared by BOTH codecs (the differential test holds them
// to it; the first rule that fails, in wire order, gives the status):
//   frame < 16 octets or command_length != frame size -> ESME_RINVCMDLEN
//   unknown command_id                               -> ESME_RINVCMDID
//   a response with command_status != 0 and an EMPTY body decodes fine with
//     default fields (SMPP 3.4 lets error responses omit the body)
//   a mandatory field runs past the end of the body  -> ESME_RINVCMDLEN
//   C-octet string with no NUL within its capacity (limits:: in pdu.hpp,
//     capacity includes the NUL):
//       system_id ESME_RINVSYSID, password ESME_RINVPASWD,
//       system_type ESME_RINVSYSTYP, service_type ESME_RINVSERTYP,
//       source_addr ESME_RINVSRCADR, destination_addr and esme_addr
//       ESME_RINVDSTADR, message_id ESME_RINVMSGID,
//       schedule_delivery_time ESME_RINVSCHED, validity_period
//       ESME_RINVEXPIRY, dl_name ESME_RINVDLNAME, address_range and
//       final_date ESME_RINVPARLEN.
//     When the body ends before the capacity is reached without a NUL, it is
//     truncation: ESME_RINVCMDLEN. When capacity is exceeded first, the
//     field's status wins.
//     Capacities: addresses 21 (data_sm and alert_notification: 65; the
//     submit_multi dest addresses and dl_name 21; submit_multi_resp 21),
//     every time field 17 (deliver_sm included), every message_id 65
//     (deliver_sm_resp included).
//   sm_length > 254 or past the end of the body      -> ESME_RINVMSGLEN
//   submit_multi number_of_dests 0 or > 254          -> ESME_RINVNUMDESTS
//   submit_multi dest_flag not 1 or 2                -> ESME_RINVDESTFLAG
//   octets left after the mandatory fields of a PDU without TLVs
//     (enquire_link with a body, ...)                -> ESME_RINVCMDLEN
//   TLV area: fewer than 4 octets left for a TLV header, or a TLV value
//     running past the end                           -> ESME_RINVOPTPARSTREAM
//     a standard tag whose length differs from fixed_length(tag) or exceeds
//     max_length(tag) (tlv.hpp)                      -> ESME_RINVPARLEN
//   TLVs are kept in wire order with duplicates; unknown tags pass through.
//   submit_sm_resp and deliver_sm_resp take TLVs after message_id (SMSCs
//   speaking SMPP 5.0 send them on 3.4 binds too).
//   No semantic checks (TON/NPI values, interface_version, time formats,
//   dest_flag-independent values, vendor command_status): intake's job.
//
// Encode writes every mandatory field (also for error responses, so an
// error response decoded from an EMPTY body re-encodes with its default
// fields: the only frame decode accepts that does not re-encode to the same
// octets). It refuses, appending nothing:
//   a string longer than capacity - 1 or holding a NUL -> the table's status
//   short_message over 254 octets                    -> ESME_RINVMSGLEN
//   submit_multi with 0 or > 254 dests               -> ESME_RINVNUMDESTS
//   submit_multi_resp with > 255 unsuccess_smes      -> ESME_RINVNUMDESTS
//   a dest_flag not 1 or 2                           -> ESME_RINVDESTFLAG
//   a TLV that breaks fixed_length/max_length, or any TLV value over 65535
//     octets                                         -> ESME_RINVPARLEN
// (The fields of a MultiDest its dest_flag does not use are not encoded.)
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "smpp/protocol/decode_error.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::protocol {

// Decodes one complete frame whose command_length already passed
// check_length(). Never throws for bad input; bad input is a DecodeError
// carrying the status to answer with.
DecodeResult decode(std::span<const std::uint8_t> frame);

// Appends the encoded frame to out. A field that does not fit its SMPP size
// (a 17-character system_id, 255 octets of short_message) is refused with
// the status the peer would have sent us, and nothing is appended.
std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out);

}  // namespace smpp::protocol
