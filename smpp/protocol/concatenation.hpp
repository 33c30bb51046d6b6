#pragma once
// Concatenated short messages (3GPP TS 23.040 9.2.3.24.1 and .8): which part
// of which message a short_message is. Upstreams say it either in a UDH at
// the start of short_message (esm_class UDHI, 0x40) or in the SMPP sar_*
// TLVs; both end up in one Concatenation so the router can keep all parts of
// a message on one carrier.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smpp/protocol/tlv.hpp"

namespace smpp::protocol {

struct Concatenation {
    std::uint16_t ref = 0;  // message reference, the same in every part
    std::uint8_t total = 0; // parts in the message, 1..255
    std::uint8_t seqnum = 0; // this part, 1..total
    bool ref16 = false;     // IEI 0x08 (or sar_msg_ref_num, which is 16-bit)
    friend bool operator==(const Concatenation&, const Concatenation&) = default;
};

enum class concat_errc : std::uint8_t {
    empty_udh,             // UDHI set but short_message is empty
    udh_past_end,          // UDHL runs past the end of short_message
    ie_past_end,           // an information element runs past the UDH
    bad_concat_ie_length,  // IEI 0x00 not 3 octets or IEI 0x08 not 4
    total_zero,
    seqnum_zero,
    seqnum_past_total,
    incomplete_sar,        // some but not all of the three sar_* TLVs
};

struct ConcatError {
    concat_errc code = concat_errc::empty_udh;
    std::size_t offset = 0;  // octet offset in short_message, for UDH errors
    friend bool operator==(const ConcatError&, const ConcatError&) = default;
};

struct UserDataHeader {
    std::string_view udh;      // UDHL and the elements, as received
    std::string_view payload;  // the octets after the UDH
    std::optional<Concatenation> concatenation;  // the last concatenation IE, if any
};

// Parses the UDH at the start of short_message (call it when esm_class has
// UDHI). Unknown information elements are skipped; the views point into
// short_message.
std::variant<UserDataHeader, ConcatError> parse_udh(std::string_view short_message);

// sar_msg_ref_num, sar_total_segments and sar_segment_seqnum: nullopt when
// none is present, an error when only some are or the numbers are invalid.
std::variant<std::optional<Concatenation>, ConcatError> concatenation_from_sar(const TlvList& tlvs);

// Either source, as a submit_sm / deliver_sm carries it: the UDH when
// esm_class has UDHI, else the sar_* TLVs.
std::variant<std::optional<Concatenation>, ConcatError> concatenation_of(std::uint8_t esm_class,
                                                                         std::string_view short_message,
                                                                         const TlvList& tlvs);

// 05 00 03 ref total seqnum: the UDH a part carries when we split a message.
std::string make_udh(std::uint8_t ref, std::uint8_t total, std::uint8_t seqnum);
// 06 08 04 ref_hi ref_lo total seqnum.
std::string make_udh16(std::uint16_t ref, std::uint8_t total, std::uint8_t seqnum);

}  // namespace smpp::protocol
