#pragma once
// The codec the sessions use. Hot PDUs (submit_sm, submit_sm_resp,
// deliver_sm, deliver_sm_resp, data_sm, enquire_link, enquire_link_resp,
// generic_nack; data_sm_resp rides along) go through the fast codec; every
// other PDU through libsmpp34. Both codecs decode whole frames (header
// included) and encode whole frames.
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
