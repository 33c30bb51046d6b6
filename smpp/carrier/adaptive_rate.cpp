#include "smpp/carrier/adaptive_rate.hpp"

#include <algorithm>

namespace smpp::carrier {

AdaptiveRate::AdaptiveRate(AdaptiveRateSettings s, clock::time_point now)
    : settings_(s), rate_(s.ceiling), last_change_(now), last_cut_(now) {}

bool AdaptiveRate::on_throttled(clock::time_point now) {
    if (cut_once_ && now - last_cut_ < settings_.cut_hold) return false;
    rate(now);  // bank the recovery earned so far before cutting it
    rate_ = std::max(settings_.floor, rate_ * settings_.decrease_factor);
    last_change_ = last_cut_ = now;
    cut_once_ = true;
    ++cuts_;
    return true;
}

double AdaptiveRate::rate(clock::time_point now) {
    if (rate_ >= settings_.ceiling || now <= last_change_) return rate_;
    const auto steps = (now - last_change_) / settings_.recovery_interval;
    if (steps <= 0) return rate_;
    rate_ = std::min(settings_.ceiling, rate_ + static_cast<double>(steps) * settings_.recovery_step);
    // Keep the remainder of the current interval: recovery runs on a fixed cadence.
    last_change_ += steps * settings_.recovery_interval;
    return rate_;
}

}  // namespace smpp::carrier
