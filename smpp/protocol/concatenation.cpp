#include "smpp/protocol/concatenation.hpp"

#include "smpp/protocol/pdu.hpp"

namespace smpp::protocol {
namespace {

constexpr std::uint8_t iei_concat8 = 0x00;
constexpr std::uint8_t iei_concat16 = 0x08;

std::optional<ConcatError> check_numbers(const Concatenation& c, std::size_t offset) {
    if (c.total == 0) return ConcatError{concat_errc::total_zero, offset};
    if (c.seqnum == 0) return ConcatError{concat_errc::seqnum_zero, offset};
    if (c.seqnum > c.total) return ConcatError{concat_errc::seqnum_past_total, offset};
    return std::nullopt;
}

std::uint8_t octet(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

}  // namespace

std::variant<UserDataHeader, ConcatError> parse_udh(std::string_view sm) {
    if (sm.empty()) return ConcatError{concat_errc::empty_udh, 0};
    const std::size_t udhl = octet(sm, 0);
    if (1 + udhl > sm.size()) return ConcatError{concat_errc::udh_past_end, 0};
    UserDataHeader h;
    h.udh = sm.substr(0, 1 + udhl);
    h.payload = sm.substr(1 + udhl);
    for (std::size_t i = 1; i < 1 + udhl;) {
        if (i + 2 > 1 + udhl) return ConcatError{concat_errc::ie_past_end, i};
        const std::uint8_t iei = octet(sm, i);
        const std::size_t len = octet(sm, i + 1);
        const std::size_t data = i + 2;
        if (data + len > 1 + udhl) return ConcatError{concat_errc::ie_past_end, i};
        if (iei == iei_concat8 || iei == iei_concat16) {
            const bool wide = iei == iei_concat16;
            if (len != (wide ? 4u : 3u)) return ConcatError{concat_errc::bad_concat_ie_length, i};
            Concatenation c;
            c.ref16 = wide;
            c.ref = wide ? static_cast<std::uint16_t>(octet(sm, data) << 8 | octet(sm, data + 1)) : octet(sm, data);
            c.total = octet(sm, data + (wide ? 2 : 1));
            c.seqnum = octet(sm, data + (wide ? 3 : 2));
            if (auto e = check_numbers(c, i)) return *e;
            h.concatenation = c;  // 23.040: a repeated IE, the last one counts
        }
        i = data + len;
    }
    return h;
}

std::variant<std::optional<Concatenation>, ConcatError> concatenation_from_sar(const TlvList& tlvs) {
    const auto ref = tlvs.sar_msg_ref_num();
    const auto total = tlvs.sar_total_segments();
    const auto seq = tlvs.sar_segment_seqnum();
    const bool any = tlvs.has(tlv_tag::sar_msg_ref_num) || tlvs.has(tlv_tag::sar_total_segments) ||
                     tlvs.has(tlv_tag::sar_segment_seqnum);
    if (!any) return std::optional<Concatenation>{};
    if (!ref || !total || !seq) return ConcatError{concat_errc::incomplete_sar, 0};
    const Concatenation c{*ref, *total, *seq, true};
    if (auto e = check_numbers(c, 0)) return *e;
    return std::optional<Concatenation>{c};
}

std::variant<std::optional<Concatenation>, ConcatError> concatenation_of(std::uint8_t esm, std::string_view sm,
                                                                         const TlvList& tlvs) {
    if (esm & esm_class::udhi) {
        auto r = parse_udh(sm);
        if (auto* e = std::get_if<ConcatError>(&r)) return *e;
        return std::get<UserDataHeader>(r).concatenation;
    }
    return concatenation_from_sar(tlvs);
}

std::string make_udh(std::uint8_t ref, std::uint8_t total, std::uint8_t seqnum) {
    return {'\x05', '\x00', '\x03', static_cast<char>(ref), static_cast<char>(total), static_cast<char>(seqnum)};
}

std::string make_udh16(std::uint16_t ref, std::uint8_t total, std::uint8_t seqnum) {
    return {'\x06', '\x08', '\x04', static_cast<char>(ref >> 8), static_cast<char>(ref & 0xFF),
            static_cast<char>(total), static_cast<char>(seqnum)};
}

}  // namespace smpp::protocol
