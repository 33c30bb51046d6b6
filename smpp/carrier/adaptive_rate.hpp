#pragma once
// AIMD for a carrier that pushes back: each ESME_RTHROTTLED / ESME_RMSGQFUL
// cuts the rate multiplicatively (down to a floor); every recovery interval
// without one adds a fixed step back (up to the configured ceiling). Pure:
// time comes in as an argument.
#include <chrono>
#include <cstdint>

namespace smpp::carrier {

struct AdaptiveRateSettings {
    double ceiling = 100;  // tps: the carrier's configured max_tps
    double floor = 1;
    double decrease_factor = 0.5;
    double recovery_step = 10;  // tps per recovery_interval
    std::chrono::milliseconds recovery_interval{1'000};
    // Answers within this time of the last cut belong to the same episode
    // (they were sent before the cut took effect) and do not cut again.
    std::chrono::milliseconds cut_hold{100};
};

class AdaptiveRate {
public:
    using clock = std::chrono::steady_clock;

    AdaptiveRate(AdaptiveRateSettings s, clock::time_point now);

    // A throttling answer arrived: true if it cut the rate.
    bool on_throttled(clock::time_point now);
    // The rate now, with the recovery earned since the last change applied.
    double rate(clock::time_point now);
    bool at_ceiling(clock::time_point now) { return rate(now) >= settings_.ceiling; }
    std::uint64_t cuts() const noexcept { return cuts_; }

private:
    AdaptiveRateSettings settings_;
    double rate_;
    clock::time_point last_change_;
    clock::time_point last_cut_;
    bool cut_once_ = false;
    std::uint64_t cuts_ = 0;
};

}  // namespace smpp::carrier
