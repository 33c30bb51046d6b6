#include "smpp/upstream/token_bucket.hpp"

namespace smpp::upstream {

TokenBucket::TokenBucket(std::uint32_t rate, clock::time_point now) noexcept
    : rate_(rate < 1 ? 1 : rate), tokens_(rate_), last_(now) {}

bool TokenBucket::try_take(clock::time_point now) noexcept {
    std::lock_guard lock(mutex_);
    if (now > last_) {
        const std::chrono::duration<double> elapsed = now - last_;
        tokens_ += elapsed.count() * rate_;
        if (tokens_ > rate_) tokens_ = rate_;
        last_ = now;
    }
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

}  // namespace smpp::upstream
