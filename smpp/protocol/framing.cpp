#include "smpp/protocol/framing.hpp"

namespace smpp::protocol {
namespace {
std::uint32_t be32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}
void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
}  // namespace

PduHeader read_header(std::span<const std::uint8_t, header_size> b) noexcept {
    return {be32(b.data()), be32(b.data() + 4), be32(b.data() + 8), be32(b.data() + 12)};
}

void write_header(const PduHeader& h, std::span<std::uint8_t, header_size> out) noexcept {
    put_be32(out.data(), h.command_length);
    put_be32(out.data() + 4, h.command_id);
    put_be32(out.data() + 8, h.command_status);
    put_be32(out.data() + 12, h.sequence_number);
}

frame_check check_length(std::uint32_t command_length, std::uint32_t max_command_length) noexcept {
    if (command_length < header_size) return frame_check::too_short;
    if (command_length > max_command_length) return frame_check::too_long;
    return frame_check::ok;
}

}  // namespace smpp::protocol
