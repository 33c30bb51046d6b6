#include "smpp/carrier/adaptive_rate.hpp"

#include <catch2/catch.hpp>

using namespace smpp::carrier;
using namespace std::chrono_literals;

namespace {

AdaptiveRateSettings settings() {
    AdaptiveRateSettings s;
    s.ceiling = 200;
    s.floor = 10;
    s.decrease_factor = 0.5;
    s.recovery_step = 20;
    s.recovery_interval = 1s;
    s.cut_hold = 100ms;
    return s;
}

const auto t0 = AdaptiveRate::clock::time_point{} + 1h;

}  // namespace

TEST_CASE("adaptive rate starts at its ceiling") {
    AdaptiveRate r(settings(), t0);
    CHECK(r.rate(t0) == 200);
    CHECK(r.rate(t0 + 1h) == 200);
}

TEST_CASE("adaptive rate halves on a throttling answer, once per cut_hold") {
    AdaptiveRate r(settings(), t0);
    CHECK(r.on_throttled(t0));
    CHECK(r.rate(t0) == 100);
    // The rest of the window answered before the cut took effect.
    CHECK_FALSE(r.on_throttled(t0 + 50ms));
    CHECK(r.rate(t0 + 50ms) == 100);
    CHECK(r.on_throttled(t0 + 100ms));
    CHECK(r.rate(t0 + 100ms) == 50);
    CHECK(r.cuts() == 2);
}

TEST_CASE("adaptive rate never goes below its floor") {
    AdaptiveRate r(settings(), t0);
    for (int i = 0; i < 20; ++i) r.on_throttled(t0 + i * 200ms);
    CHECK(r.rate(t0 + 4s) == 10);
}

TEST_CASE("adaptive rate recovers one step per whole interval up to the ceiling") {
    AdaptiveRate r(settings(), t0);
    r.on_throttled(t0);  // 100
    CHECK(r.rate(t0 + 999ms) == 100);
    CHECK(r.rate(t0 + 1s) == 120);
    CHECK(r.rate(t0 + 2500ms) == 140);
    CHECK(r.rate(t0 + 3s) == 160);  // the half interval at 2.5 s was kept
    CHECK(r.rate(t0 + 1h) == 200);
}

TEST_CASE("adaptive rate cuts from the recovered rate") {
    AdaptiveRate r(settings(), t0);
    r.on_throttled(t0);            // 100
    r.on_throttled(t0 + 2s);       // recovered to 140, then halved
    CHECK(r.rate(t0 + 2s) == 70);
    CHECK(r.rate(t0 + 3s) == 90);  // recovery restarts from the cut
}
