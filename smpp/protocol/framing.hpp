#pragma once
// Framing (section 3.2): every PDU starts with a 16-octet header whose
// command_length counts the whole PDU. The length is checked here, before a
// single body octet is read, so a hostile or broken peer cannot make us
// allocate or wait for an absurd body.
#include <array>
#include <cstdint>
#include <span>

namespace smpp::protocol {

inline constexpr std::size_t header_size = 16;
// A submit_sm with a full 65,535-octet message_payload and long addresses
// is over 64 KiB: such a legal PDU must get a status, not a closed bind.
inline constexpr std::uint32_t default_max_command_length = 72 * 1024;

struct PduHeader {
    std::uint32_t command_length = 0;
    std::uint32_t command_id = 0;
    std::uint32_t command_status = 0;
    std::uint32_t sequence_number = 0;
    friend bool operator==(const PduHeader&, const PduHeader&) = default;
};

enum class frame_check {
    ok,
    too_short,  // command_length < 16: the stream cannot be resynchronised
    too_long,   // command_length > the configured maximum
};

PduHeader read_header(std::span<const std::uint8_t, header_size> bytes) noexcept;
void write_header(const PduHeader& h, std::span<std::uint8_t, header_size> out) noexcept;

frame_check check_length(std::uint32_t command_length,
                         std::uint32_t max_command_length = default_max_command_length) noexcept;

}  // namespace smpp::protocol
