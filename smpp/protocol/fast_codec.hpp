#pragma once
// Hand-rolled codec for the hot PDUs, plus submit_multi(_resp) and
// bind_*_resp, whose larger forms libsmpp34 cannot hold: no intermediate
// buffers, no global state, safe from any thread. Differential-tested and fuzzed against
// libsmpp34_codec, which stays the reference.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "smpp/protocol/decode_error.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::protocol::fast_codec {

// True for the command ids this codec handles.
bool handles(command_id id) noexcept;

DecodeResult decode(std::span<const std::uint8_t> frame);
std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out);

}  // namespace smpp::protocol::fast_codec
