#pragma once
// Exponential backoff with full jitter for rebinds: carriers lock accounts
// that hammer them, and a fleet of binds restarting together must not
// reconnect in lockstep.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace smpp::session {

struct BackoffSettings {
    std::chrono::milliseconds base{1'000};
    std::chrono::milliseconds max{60'000};
    double jitter = 0.5;  // fraction of the delay drawn at random, 0..1
    std::string validate() const;
};

class Backoff {
public:
    explicit Backoff(BackoffSettings s, std::uint64_t seed = std::random_device{}());
    // The delay before attempt number `failures` (1 = first retry); grows
    // base * 2^(failures-1) up to max, then jitter takes up to that
    // fraction off.
    std::chrono::milliseconds next();
    void reset() noexcept { failures_ = 0; }
    // `d` with up to `fraction` of it taken off at random.
    std::chrono::milliseconds jittered(std::chrono::milliseconds d, double fraction);
    std::uint32_t failures() const noexcept { return failures_; }

private:
    BackoffSettings settings_;
    std::uint32_t failures_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace smpp::session
