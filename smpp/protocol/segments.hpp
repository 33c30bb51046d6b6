#pragma once
// How many SMS a short_message costs, and its parts when it must be split
// (3GPP TS 23.040 9.2.3.24.1): one SMS carries 140 octets of user data; a
// concatenated part loses 6 of them to the UDH (05 00 03 ref total seq).
//
//   encoding          single   per part (8-bit ref UDH)
//   GSM 7-bit         160      153 septets; an escape pair is never split
//   UCS-2 (UTF-16BE)   70       67 units; a surrogate pair is never split
//   octets            140      134 octets
//
// The payload is the short_message as SMPP carries it: GSM text unpacked
// (one septet per octet), UCS-2 as big-endian UTF-16, anything else as is.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smpp::protocol {

enum class sm_encoding : std::uint8_t {
    gsm7,   // counted in septets
    ia5,    // ASCII, which the SMSC converts to GSM 7-bit: counted in septets
    ucs2,   // counted in UTF-16 code units
    octets, // 8-bit data, Latin-1 and the other single/multi-octet charsets
};

// The encoding a data_coding value implies (SMPP 3.4 5.2.19, 23.038 4):
//   0 SMSC default alphabet     -> gsm7 (what nearly every SMSC means by it)
//   1 IA5/ASCII                 -> ia5: counted as GSM 7-bit after the
//                                  SMSC's conversion, so ^ { } \ [ ] ~ | count 2
//   3 Latin-1                   -> octets (140/134): SMSCs may send it as 8-bit
//                                  data, so billing must not assume 160
//   2, 4 binary, 5-7, 9-14      -> octets
//   8 UCS-2                     -> ucs2
//   0x10-0x7F (GSM general and auto-deletion groups): bits 3-2 pick
//       00 gsm7, 01 octets, 10 ucs2; compressed (bit 5) -> octets
//   0xC0-0xDF message waiting, GSM 7-bit -> gsm7;  0xE0-0xEF -> ucs2
//   0xF0-0xFF message class: bit 2 clear -> gsm7, set -> octets
//   anything else (reserved)    -> octets, the most conservative count
sm_encoding encoding_of(std::uint8_t data_coding) noexcept;

struct SegmentLimits {
    std::size_t single = 0;    // units one unsplit SMS holds
    std::size_t per_part = 0;  // units each part holds after a UDH
};

// Units per SMS for an encoding, with a UDH of udh_octets octets on each part
// (6 for an 8-bit concatenation reference, 7 for a 16-bit one).
SegmentLimits segment_limits(sm_encoding e, std::size_t udh_octets = 6) noexcept;

enum class segment_errc : std::uint8_t {
    not_a_septet,   // gsm7/ia5 payload with an octet above 0x7F
    odd_ucs2,       // UCS-2 payload with an odd number of octets
};

struct SegmentError {
    segment_errc code = segment_errc::not_a_septet;
    std::size_t offset = 0;  // octet offset in the payload
    friend bool operator==(const SegmentError&, const SegmentError&) = default;
};

struct Segments {
    sm_encoding encoding = sm_encoding::gsm7;
    std::size_t units = 0;            // septets, UTF-16 units or octets in all
    std::vector<std::string> parts;   // each part's payload, without a UDH
    std::size_t count() const noexcept { return parts.size(); }
};

// Splits a payload into SMS parts. A payload that fits one SMS is one part
// (an empty payload too: it still costs one SMS).
std::variant<Segments, SegmentError> split(std::uint8_t data_coding, std::string_view payload,
                                           std::size_t udh_octets = 6);
std::variant<Segments, SegmentError> split(sm_encoding encoding, std::string_view payload,
                                           std::size_t udh_octets = 6);

// The number of SMS split() would produce, without building the parts.
std::variant<std::size_t, SegmentError> segment_count(std::uint8_t data_coding, std::string_view payload,
                                                      std::size_t udh_octets = 6);

}  // namespace smpp::protocol
