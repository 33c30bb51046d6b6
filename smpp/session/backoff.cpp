#include "smpp/session/backoff.hpp"

#include <algorithm>

namespace smpp::session {

std::string BackoffSettings::validate() const {
    if (base.count() <= 0) return "backoff base must be > 0";
    if (max < base) return "backoff max must be >= base";
    if (!(jitter >= 0.0 && jitter <= 1.0)) return "backoff jitter must be within 0..1";
    return {};
}

Backoff::Backoff(BackoffSettings s, std::uint64_t seed) : settings_(std::move(s)), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
    ++failures_;
    // Double in floating point so a long outage cannot overflow the shift.
    double delay = static_cast<double>(settings_.base.count());
    const double cap = static_cast<double>(settings_.max.count());
    for (std::uint32_t i = 1; i < failures_ && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
    if (settings_.jitter > 0) {
        std::uniform_real_distribution<double> off(0.0, settings_.jitter * delay);
        delay -= off(rng_);
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

std::chrono::milliseconds Backoff::jittered(std::chrono::milliseconds d, double fraction) {
    if (fraction <= 0 || d.count() <= 0) return d;
    std::uniform_real_distribution<double> off(0.0, std::min(fraction, 1.0) * static_cast<double>(d.count()));
    return d - std::chrono::milliseconds(static_cast<std::int64_t>(off(rng_)));
}

}  // namespace smpp::session
