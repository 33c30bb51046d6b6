#include "store/message_id.hpp"

#include <algorithm>

namespace smpp::store {
namespace {

// Crockford base32: no I, L, O, U; ASCII order equals digit order.
constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int digit_of(char c) noexcept {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    auto pos = alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

std::uint64_t millis_since_epoch(Timestamp t) noexcept {
    auto ms = t.time_since_epoch().count() - MessageId::epoch_unix_ms;
    if (ms < 0) return 0;
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(ms), MessageId::max_millis);
}

}  // namespace

MessageId MessageId::make(Timestamp t, std::uint16_t node, std::uint16_t sequence) noexcept {
    return MessageId((millis_since_epoch(t) << (node_bits + sequence_bits)) |
                     (std::uint64_t{static_cast<std::uint16_t>(node & max_node)} << sequence_bits) | (sequence & max_sequence));
}

MessageId MessageId::first_at(Timestamp t) noexcept { return make(t, 0, 0); }

Timestamp MessageId::time() const noexcept {
    return Timestamp(std::chrono::milliseconds(
        static_cast<std::int64_t>(value_ >> (node_bits + sequence_bits)) + epoch_unix_ms));
}

std::uint16_t MessageId::node() const noexcept {
    return static_cast<std::uint16_t>((value_ >> sequence_bits) & max_node);
}

std::uint16_t MessageId::sequence() const noexcept {
    return static_cast<std::uint16_t>(value_ & max_sequence);
}

std::string MessageId::to_string() const {
    std::string s(text_size, '0');
    std::uint64_t v = value_;
    for (std::size_t i = text_size; i-- > 0;) {
        s[i] = alphabet[v & 31];
        v >>= 5;
    }
    return s;
}

std::optional<MessageId> MessageId::parse(std::string_view text) noexcept {
    if (text.size() != text_size) return std::nullopt;
    // 13 digits carry 65 bits; the top digit may only use its low 4.
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < text_size; ++i) {
        int d = digit_of(text[i]);
        if (d < 0 || (i == 0 && d > 15)) return std::nullopt;
        v = (v << 5) | static_cast<std::uint64_t>(d);
    }
    return MessageId(v);
}

std::array<char, MessageId::key_size> MessageId::key() const noexcept {
    std::array<char, key_size> k{};
    for (std::size_t i = 0; i < key_size; ++i) k[i] = static_cast<char>((value_ >> (56 - 8 * i)) & 0xFF);
    return k;
}

std::optional<MessageId> MessageId::from_key(std::string_view key) noexcept {
    if (key.size() != key_size) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : key) v = (v << 8) | static_cast<unsigned char>(c);
    return MessageId(v);
}

MessageIdGenerator::MessageIdGenerator(std::uint16_t node, Clock clock)
    : node_(node & MessageId::max_node), clock_(std::move(clock)) {}

Timestamp MessageIdGenerator::system_clock_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

MessageId MessageIdGenerator::next() {
    auto now = MessageId::first_at(clock_()).value() >> (MessageId::node_bits + MessageId::sequence_bits);
    std::lock_guard lock(mutex_);
    if (now > last_ms_) {
        last_ms_ = now;
        sequence_ = 0;
    } else if (++sequence_ > MessageId::max_sequence) {
        // Clock stepped back or 4096 ids in one millisecond: borrow the next
        // millisecond rather than repeat or go backwards.
        ++last_ms_;
        sequence_ = 0;
    }
    std::uint64_t v = (last_ms_ << (MessageId::node_bits + MessageId::sequence_bits)) |
                      (std::uint64_t{node_} << MessageId::sequence_bits) | sequence_;
    // Id 0 means "no id"; the only way to mint it is node 0 at the epoch.
    if (v == 0) {
        sequence_ = 1;
        v = 1;
    }
    return MessageId(v);
}

void MessageIdGenerator::advance_past(MessageId taken) {
    if (!taken.valid()) return;
    std::uint64_t ms = taken.value() >> (MessageId::node_bits + MessageId::sequence_bits);
    // Our next id is above (last_ms_, node_, sequence_). In `taken`'s
    // millisecond, a node below its own must move to the next one (all its
    // ids there are smaller); a node above it mints above it anywhere there.
    std::uint32_t sequence = taken.sequence();
    if (node_ < taken.node()) sequence = MessageId::max_sequence;
    std::lock_guard lock(mutex_);
    if (ms > last_ms_ || (ms == last_ms_ && sequence > sequence_)) {
        last_ms_ = ms;
        sequence_ = sequence;
    }
}

MessageId MessageIdGenerator::next_block(std::size_t n) {
    if (n <= 1) return next();
    const auto count = std::min<std::size_t>(n, std::size_t{MessageId::max_sequence} + 1);
    auto now = MessageId::first_at(clock_()).value() >> (MessageId::node_bits + MessageId::sequence_bits);
    std::lock_guard lock(mutex_);
    std::uint64_t first = 0;
    if (now > last_ms_) {
        last_ms_ = now;
    } else {
        first = std::uint64_t{sequence_} + 1;
        if (first + count - 1 > MessageId::max_sequence) {
            ++last_ms_;
            first = 0;
        }
    }
    auto base = [this] {
        return (last_ms_ << (MessageId::node_bits + MessageId::sequence_bits)) |
               (std::uint64_t{node_} << MessageId::sequence_bits);
    };
    // Id 0 means "no id" (node 0 at the epoch): the block starts at 1, or
    // in the next millisecond when that leaves too few.
    if ((base() | first) == 0) {
        first = 1;
        if (first + count - 1 > MessageId::max_sequence) {
            ++last_ms_;
            first = 0;
        }
    }
    sequence_ = static_cast<std::uint32_t>(first + count - 1);
    return MessageId(base() | first);
}

}  // namespace smpp::store
