#pragma once
// The reference codec: every PDU through Debian's libsmpp34. libsmpp34
// writes process globals (smpp34_errno, smpp34_strerror) on every call, so
// all calls are serialised behind one lock held in libsmpp34_codec.cpp, the
// only file that includes its headers.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "smpp/protocol/decode_error.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::protocol::libsmpp34_codec {

DecodeResult decode(std::span<const std::uint8_t> frame);
std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out);

}  // namespace smpp::protocol::libsmpp34_codec
