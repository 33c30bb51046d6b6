#include "smpp/protocol/codec.hpp"

#include "smpp/protocol/fast_codec.hpp"
#include "smpp/protocol/framing.hpp"
#include "smpp/protocol/libsmpp34_codec.hpp"

namespace smpp::protocol {

DecodeResult decode(std::span<const std::uint8_t> frame) {
    // The header checks come first and are the same for both codecs, so the
    // status of a broken header never depends on which codec would have run.
    if (frame.size() < header_size)
        return DecodeError{command_status::ESME_RINVCMDLEN, "frame shorter than the 16-octet header"};
    auto h = read_header(frame.first<header_size>());
    if (h.command_length != frame.size())
        return DecodeError{command_status::ESME_RINVCMDLEN, "command_length does not match the frame size"};
    if (!is_known(h.command_id)) return DecodeError{command_status::ESME_RINVCMDID, "unknown command_id"};
    auto id = static_cast<command_id>(h.command_id);
    return fast_codec::handles(id) ? fast_codec::decode(frame) : libsmpp34_codec::decode(frame);
}

std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out) {
    return fast_codec::handles(pdu.id()) ? fast_codec::encode(pdu, out) : libsmpp34_codec::encode(pdu, out);
}

}  // namespace smpp::protocol
