#pragma once
// The per-account TPS limit: one bucket per account, shared by every bind
// of that account (they may run on different threads, hence the lock; the
// critical section is a few arithmetic operations). It holds at most one
// second's worth of tokens, so an account idle for a while may send a burst
// of `rate` messages at once, never more.
#include <chrono>
#include <cstdint>
#include <mutex>

namespace smpp::upstream {

class TokenBucket {
public:
    using clock = std::chrono::steady_clock;

    // rate >= 1 messages per second; starts full.
    TokenBucket(std::uint32_t rate, clock::time_point now) noexcept;

    // Takes one token if there is one at `now`. Times earlier than the last
    // one seen are treated as that time, so a caller with a stale clock
    // reading never mints tokens.
    bool try_take(clock::time_point now) noexcept;
    // Takes as many whole tokens as there are at `now`, at most `n`, and
    // says how many (submit_multi: one per destination, the rest refused).
    std::uint32_t take_up_to(std::uint32_t n, clock::time_point now) noexcept;

    std::uint32_t rate() const noexcept { return rate_; }

private:
    std::mutex mutex_;
    const std::uint32_t rate_;
    double tokens_;
    clock::time_point last_;
};

}  // namespace smpp::upstream
