#include "smpp/carrier/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace smpp::carrier {

namespace {
// Tokens accrue in floating point: 10 ms at 100/s may come out as
// 0.9999999999; a token that is due must count as there.
constexpr double whole = 1.0 - 1e-9;
}  // namespace

TokenBucket::TokenBucket(double rate, double burst, clock::time_point now)
    : rate_(std::max(rate, 1e-9)), burst_(std::max(burst, 1.0)), last_(now) {}

void TokenBucket::refill(clock::time_point now) {
    if (now <= last_) return;  // time from two clocks, or a stale now: never earn backwards
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
}

bool TokenBucket::try_take(clock::time_point now) {
    refill(now);
    if (tokens_ < whole) return false;
    tokens_ = std::max(0.0, tokens_ - 1.0);
    return true;
}

TokenBucket::clock::time_point TokenBucket::next_token_at(clock::time_point now) {
    refill(now);
    if (tokens_ >= whole) return now;
    const double wait_s = (1.0 - tokens_) / rate_;
    // Round up to the next microsecond so the timer never fires a hair early
    // and finds 0.9999 tokens (which would make the caller re-arm: a spin).
    const auto wait = std::chrono::microseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1e6)) + 1);
    return now + std::chrono::duration_cast<clock::duration>(wait);
}

void TokenBucket::set_rate(double rate, clock::time_point now) {
    refill(now);
    rate_ = std::max(rate, 1e-9);
}

void TokenBucket::empty(clock::time_point now) {
    refill(now);
    tokens_ = 0;
}

double TokenBucket::tokens(clock::time_point now) {
    refill(now);
    return tokens_;
}

}  // namespace smpp::carrier
