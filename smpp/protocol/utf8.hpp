#pragma once
// UTF-8 <-> Unicode code points, strict (RFC 3629): the text paths decide
// between GSM 7-bit and UCS-2 from code points, so a malformed sequence must
// be reported, not silently replaced.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace smpp::protocol::utf8 {

struct CodePoint {
    char32_t value = 0;
    std::size_t length = 0;  // octets it took in the input
};

// The code point starting at s[offset], or nullopt for a malformed, overlong,
// truncated or surrogate sequence.
std::optional<CodePoint> next(std::string_view s, std::size_t offset) noexcept;

// Appends cp (which must be a Unicode scalar value) as UTF-8.
void append(std::string& out, char32_t cp);

}  // namespace smpp::protocol::utf8
