#include "smpp/upstream/token_bucket.hpp"

namespace smpp::upstream {

TokenBucket::TokenBucket(std::uint32_t rate, clock::time_point now) noexcept
    : rate_(rate < 1 ? 1 : rate), tokens_(rate_), last_(now) {}

bool TokenBucket::try_take(clock::time_point now) noexcept { return take_up_to(1, now) == 1; }

std::uint32_t TokenBucket::take_up_to(std::uint32_t n, clock::time_point now) noexcept {
    std::lock_guard lock(mutex_);
    if (now > last_) {
        const std::chrono::duration<double> elapsed = now - last_;
        tokens_ += elapsed.count() * rate_;
        if (tokens_ > rate_) tokens_ = rate_;
        last_ = now;
    }
    // tokens_ <= rate_ <= UINT32_MAX: the floor fits.
    const auto whole = static_cast<std::uint32_t>(tokens_);
    const auto taken = n < whole ? n : whole;
    tokens_ -= taken;
    return taken;
}

}  // namespace smpp::upstream
