#pragma once
// The message_id a simulated carrier hands out in submit_sm_resp and quotes
// in its receipts. Real carriers differ (hex, decimal, UUID; padded or not;
// either case) and some quote an ID in the receipt in another format than
// the submit_sm_resp gave, so the connector's matching must be tested
// against all of them. Every ID derives from one counter value per message,
// which is what makes the two formats of one message correspond.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smpp::sim {

enum class id_base { hex, decimal, uuid };
enum class id_case { lower, upper };

struct MessageIdFormat {
    id_base base = id_base::hex;
    // Zero-padded to at least this many digits; 0 means no leading zeros.
    // UUIDs have a fixed shape and ignore it.
    std::uint32_t width = 0;
    id_case letter_case = id_case::lower;  // hex digits and UUIDs

    // Empty when usable, else why ("width must be at most 64").
    std::string validate() const;
    friend bool operator==(const MessageIdFormat&, const MessageIdFormat&) = default;
};

// Replaces `out` with the ID of message number n; allocates nothing when
// out already has the capacity (the submit_sm path reuses one buffer).
void format_message_id(const MessageIdFormat& f, std::uint64_t n, std::string& out);
std::string format_message_id(const MessageIdFormat& f, std::uint64_t n);

std::optional<id_base> parse_id_base(std::string_view s) noexcept;
std::optional<id_case> parse_id_case(std::string_view s) noexcept;
std::string_view name(id_base b) noexcept;
std::string_view name(id_case c) noexcept;

}  // namespace smpp::sim
