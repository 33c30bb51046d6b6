#pragma once
// data_sm from an upstream takes the submit_sm path: the forward path, the
// ledger and the carriers only know submit_sm, so a data_sm is turned into
// the submit_sm it means, and the submit_sm_resp that path gives back into
// the data_sm_resp the upstream waits for (same status, same message_id).
#include <variant>

#include "smpp/protocol/command_status.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::upstream {

// The submit_sm a data_sm asks for, or why it cannot be one:
//   source_addr / destination_addr over 20 characters (data_sm allows 64,
//     submit_sm and every carrier 20; E.164 needs 15) -> ESME_RINVSRCADR /
//     ESME_RINVDSTADR.
// The text stays in message_payload (short_message empty). TLVs SMPP 3.4
// defines for submit_sm and vendor TLVs (0x1400..0x3FFF) are kept in wire
// order; data_sm-only TLVs that mean nothing to a carrier's submit_sm
// (network/bearer types, set_dpf, ...) are dropped; qos_time_to_live
// becomes a relative validity_period.
std::variant<protocol::SubmitSm, protocol::command_status> submit_sm_from(const protocol::DataSm& data_sm);

// The data_sm_resp saying what `submit_sm_resp` says; other PDUs pass
// unchanged.
protocol::Pdu data_sm_resp_from(protocol::Pdu submit_sm_resp);

}  // namespace smpp::upstream
