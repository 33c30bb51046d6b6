#pragma once
// The scenario every interop peer plays, on our side. The same values live
// in perl/InteropScenario.pm and node/scenario.js (the peers' copies); a
// change here must be made there too.
//
// Right after the bind, the peer sends one enquire_link, which our session
// must answer by itself.
// A: their ESME binds to our listener, pipelines three submit_sm, gets
//    message ids A1..A3, receives the delivery receipt for A1 and unbinds.
// B: our client binds to their SMSC, pipelines the same three submit_sm,
//    gets their ids (P1.. from Net::SMPP, N1.. from node), receives their
//    receipt for the first one, answers it and unbinds.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/protocol/pdu.hpp"

namespace smpp::interop::scenario {

inline constexpr std::string_view system_id = "interop";
inline constexpr std::string_view password = "secret1";
// The prefix of the message ids our listener gives in scenario A.
inline constexpr std::string_view our_id_prefix = "A";

// GSM text; UCS-2 with data_coding 8; an empty short_message with
// user_message_reference and message_payload TLVs.
std::vector<protocol::SubmitSm> submits();

// "id:<id> sub:001 dlvrd:001 submit date:... stat:DELIVRD err:000 text:hello"
std::string receipt_text(std::string_view message_id);

// The delivery receipt for the first submit_sm: esm_class 0x04, the text
// above, receipted_message_id and message_state (delivered) TLVs.
protocol::DeliverSm receipt_for(std::string_view message_id);

// How a peer reports receiving this submit_sm/deliver_sm: the key=value
// fields of its RECV line (see peer_line.hpp).
template <protocol::command_id Id>
std::map<std::string, std::string> peer_fields(const protocol::ShortMessage<Id>& sm);

}  // namespace smpp::interop::scenario
