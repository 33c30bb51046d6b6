#include "smpp/protocol/segments.hpp"

#include <cstdint>

#include "smpp/protocol/gsm7.hpp"

namespace smpp::protocol {
namespace {

constexpr std::size_t user_data_octets = 140;

bool ia5_is_extension(std::uint8_t c) noexcept {
    switch (c) {
    case '^': case '{': case '}': case '\\': case '[': case ']': case '~': case '|':
    case '\f':  // GSM 03.38 extension 0x1B 0x0A, as an SMSC converts it
        return true;
    default:
        return false;
    }
}

// Walks the payload one character at a time (an escape pair, a surrogate
// pair or an octet) and calls on_part(begin, end) for each part. Returns the
// total units, or the error.
template <class OnPart>
std::variant<std::size_t, SegmentError> walk(sm_encoding e, std::string_view p, std::size_t udh_octets,
                                             OnPart&& on_part) {
    const auto lim = segment_limits(e, udh_octets);
    // A UDH that leaves no room for a surrogate or escape pair would cut
    // nothing but empty parts; two units keep every part non-empty.
    const std::size_t per_part = lim.per_part < 2 ? 2 : lim.per_part;
    if (e == sm_encoding::ucs2 && p.size() % 2 != 0) return SegmentError{segment_errc::odd_ucs2, p.size() - 1};

    // First pass: total units, so we know whether the message splits at all.
    std::size_t total = 0;
    switch (e) {
    case sm_encoding::gsm7:
    case sm_encoding::ia5:
        for (std::size_t i = 0; i < p.size(); ++i) {
            const auto c = static_cast<std::uint8_t>(p[i]);
            if (c > 0x7F) return SegmentError{segment_errc::not_a_septet, i};
            total += (e == sm_encoding::ia5 && ia5_is_extension(c)) ? 2 : 1;
        }
        break;
    case sm_encoding::ucs2:
        total = p.size() / 2;
        break;
    case sm_encoding::octets:
        total = p.size();
        break;
    }
    if (total <= lim.single) {
        on_part(std::size_t{0}, p.size());
        return total;
    }

    // Second pass: cut parts of at most per_part units at character edges.
    std::size_t begin = 0;
    std::size_t units = 0;
    for (std::size_t i = 0; i < p.size();) {
        std::size_t octets = 1;
        std::size_t cost = 1;
        const auto c = static_cast<std::uint8_t>(p[i]);
        switch (e) {
        case sm_encoding::gsm7:
            if (c == gsm7::escape && i + 1 < p.size()) octets = cost = 2;
            break;
        case sm_encoding::ia5:
            if (ia5_is_extension(c)) cost = 2;
            break;
        case sm_encoding::ucs2:
            octets = 2;
            if (c >= 0xD8 && c <= 0xDB && i + 3 < p.size()) {
                const auto lo = static_cast<std::uint8_t>(p[i + 2]);
                if (lo >= 0xDC && lo <= 0xDF) octets = 4, cost = 2;
            }
            break;
        case sm_encoding::octets:
            break;
        }
        if (units + cost > per_part) {
            on_part(begin, i);
            begin = i;
            units = 0;
        }
        units += cost;
        i += octets;
    }
    on_part(begin, p.size());
    return total;
}

}  // namespace

sm_encoding encoding_of(std::uint8_t dc) noexcept {
    switch (dc) {
    case 0x00: return sm_encoding::gsm7;
    case 0x01: return sm_encoding::ia5;
    case 0x08: return sm_encoding::ucs2;
    default: break;
    }
    if (dc < 0x10) return sm_encoding::octets;
    if (dc < 0x80) {
        if (dc & 0x20) return sm_encoding::octets;  // compressed
        switch ((dc >> 2) & 0x03) {
        case 0: return sm_encoding::gsm7;
        case 2: return sm_encoding::ucs2;
        default: return sm_encoding::octets;
        }
    }
    if (dc >= 0xC0 && dc <= 0xDF) return sm_encoding::gsm7;
    if (dc >= 0xE0 && dc <= 0xEF) return sm_encoding::ucs2;
    if (dc >= 0xF0) return (dc & 0x04) ? sm_encoding::octets : sm_encoding::gsm7;
    return sm_encoding::octets;
}

SegmentLimits segment_limits(sm_encoding e, std::size_t udh_octets) noexcept {
    const std::size_t room = udh_octets < user_data_octets ? user_data_octets - udh_octets : 0;
    switch (e) {
    case sm_encoding::gsm7:
    case sm_encoding::ia5:
        return {user_data_octets * 8 / 7, room * 8 / 7};
    case sm_encoding::ucs2:
        return {user_data_octets / 2, room / 2};
    case sm_encoding::octets:
        break;
    }
    return {user_data_octets, room};
}

std::variant<Segments, SegmentError> split(sm_encoding encoding, std::string_view payload, std::size_t udh_octets) {
    Segments s;
    s.encoding = encoding;
    const auto r = walk(encoding, payload, udh_octets, [&](std::size_t b, std::size_t e) {
        s.parts.emplace_back(payload.substr(b, e - b));
    });
    if (const auto* err = std::get_if<SegmentError>(&r)) return *err;
    s.units = std::get<std::size_t>(r);
    return s;
}

std::variant<Segments, SegmentError> split(std::uint8_t data_coding, std::string_view payload,
                                           std::size_t udh_octets) {
    return split(encoding_of(data_coding), payload, udh_octets);
}

std::variant<std::size_t, SegmentError> segment_count(std::uint8_t data_coding, std::string_view payload,
                                                      std::size_t udh_octets) {
    std::size_t n = 0;
    const auto r = walk(encoding_of(data_coding), payload, udh_octets, [&](std::size_t, std::size_t) { ++n; });
    if (const auto* err = std::get_if<SegmentError>(&r)) return *err;
    return n;
}

}  // namespace smpp::protocol
