#pragma once
// Our message_id: the id an upstream gets in submit_sm_resp and later sees
// in its delivery receipts. 64 bits: 42 bits of milliseconds since
// 2025-01-01T00:00:00Z (139 years), 10 bits of node, 12 bits of sequence
// (4096 ids per millisecond per node). Written as 13 characters of Crockford
// base32, fixed width, so the text sorts like the number: by time. That fits
// the 65-octet message_id and the 10-character-minimum "id:" field of
// receipts, and is safe in any SMPP C-Octet String (digits and capitals).
#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace smpp::store {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

class MessageId {
public:
    static constexpr std::int64_t epoch_unix_ms = 1'735'689'600'000;  // 2025-01-01T00:00:00Z
    static constexpr int node_bits = 10;
    static constexpr int sequence_bits = 12;
    static constexpr std::uint16_t max_node = (1u << node_bits) - 1;
    static constexpr std::uint16_t max_sequence = (1u << sequence_bits) - 1;
    static constexpr std::uint64_t max_millis = (std::uint64_t{1} << 42) - 1;
    static constexpr std::size_t text_size = 13;
    static constexpr std::size_t key_size = 8;

    constexpr MessageId() = default;
    constexpr explicit MessageId(std::uint64_t value) : value_(value) {}
    static MessageId make(Timestamp t, std::uint16_t node, std::uint16_t sequence) noexcept;
    // The smallest id minted at `t`: every id minted before `t` is smaller.
    static MessageId first_at(Timestamp t) noexcept;

    constexpr std::uint64_t value() const noexcept { return value_; }
    constexpr bool valid() const noexcept { return value_ != 0; }
    Timestamp time() const noexcept;
    std::uint16_t node() const noexcept;
    std::uint16_t sequence() const noexcept;

    std::string to_string() const;
    // Accepts exactly what to_string() writes (lower case too, as Crockford allows).
    static std::optional<MessageId> parse(std::string_view text) noexcept;

    // Big-endian, so RocksDB's bytewise order is time order.
    std::array<char, key_size> key() const noexcept;
    static std::optional<MessageId> from_key(std::string_view key) noexcept;

    friend constexpr auto operator<=>(MessageId, MessageId) = default;

private:
    std::uint64_t value_ = 0;
};

// Mints ids for one node. Monotonic even when the wall clock steps back (it
// keeps using the last millisecond) or a millisecond runs out of sequence
// numbers (it borrows the next millisecond). Thread-safe.
class MessageIdGenerator {
public:
    using Clock = std::function<Timestamp()>;

    // node must be <= MessageId::max_node (conf/ validates it); higher bits are dropped.
    explicit MessageIdGenerator(std::uint16_t node, Clock clock = system_clock_ms);
    MessageId next();
    // From now on every id minted is above `taken`, as if this generator
    // had minted it: a new process starts where the ledger's ids end
    // (Ledger::highest_id), so a clock behind them (a VM restored from a
    // snapshot, an NTP step back while we were down) continues after them
    // rather than mint an id a record or a parked MO already has. Never
    // moves the generator back.
    void advance_past(MessageId taken);
    // The first of `n` ids (1..max_sequence + 1) whose values follow one
    // another (first, first + 1, ...): one millisecond's sequence numbers,
    // the next millisecond's when this one has too few left. A message we
    // split keeps its parts this way, so part 1's id finds the others.
    MessageId next_block(std::size_t n);

    static Timestamp system_clock_ms();

private:
    std::uint16_t node_;
    Clock clock_;
    std::mutex mutex_;
    std::uint64_t last_ms_ = 0;
    std::uint32_t sequence_ = 0;
};

}  // namespace smpp::store
