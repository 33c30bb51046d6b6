#pragma once
// GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table.
//
// SMPP data_coding 0 carries GSM text unpacked, one septet per octet, on
// most SMSCs; the 7-bit packed form is only needed where octets are counted
// on the air interface (UDH-bearing parts, SIM data). An extension character
// (^ { } \ [ ~ ] | € and form feed) is the escape septet 0x1B followed by
// its code, so it costs two septets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace smpp::protocol::gsm7 {

inline constexpr std::uint8_t escape = 0x1B;

enum class gsm7_errc : std::uint8_t {
    invalid_utf8,       // the input is not well-formed UTF-8
    not_representable,  // a code point has no GSM 7-bit encoding
    not_a_septet,       // an octet > 0x7F where a septet was expected
};

struct Gsm7Error {
    gsm7_errc code = gsm7_errc::invalid_utf8;
    std::size_t offset = 0;   // octet offset in the input
    char32_t code_point = 0;  // for not_representable
    friend bool operator==(const Gsm7Error&, const Gsm7Error&) = default;
};

// UTF-8 -> unpacked septets (one per octet, escapes included).
std::variant<std::string, Gsm7Error> encode(std::string_view utf8);

// Unpacked septets -> UTF-8. An escape followed by a code the extension
// table does not define decodes as the default-table character (23.038
// section 6.2.1.1 asks receivers to do so); a trailing lone escape is a space.
std::variant<std::string, Gsm7Error> decode(std::string_view septets);

// Septets the UTF-8 text takes in GSM 7-bit (extension characters count 2).
std::variant<std::size_t, Gsm7Error> septet_count(std::string_view utf8);

// True when the code point is in the default or extension table.
bool representable(char32_t cp) noexcept;

// Septets a code point takes (1 or 2), 0 when not representable.
std::size_t septets_of(char32_t cp) noexcept;

// Packs unpacked septets into 7-bit octets, least significant bit first
// (23.038 section 6.1.2.1). fill_bits (0..6) zero bits come first, so that
// after a UDH of n octets the text starts on a septet boundary: fill_bits =
// (7 - (n * 8) % 7) % 7. Octets above 0x7F are masked to 7 bits.
std::string pack(std::string_view septets, unsigned fill_bits = 0);

// The inverse: count septets (the packed form cannot tell whether the
// last 7 bits of a full octet are a septet), skipping fill_bits first. Stops
// early when the input runs out.
std::string unpack(std::string_view packed, std::size_t count, unsigned fill_bits = 0);

// Fill bits after a UDH of udh_octets octets (including UDHL).
constexpr unsigned fill_bits_after(std::size_t udh_octets) noexcept {
    return static_cast<unsigned>((7 - (udh_octets * 8) % 7) % 7);
}

}  // namespace smpp::protocol::gsm7
