#include "routing/health/delivery_quality.hpp"

#include <catch2/catch.hpp>

using namespace smpp::routing;
using namespace smpp::routing::health;
using namespace std::chrono_literals;

namespace {

using wall = std::chrono::system_clock::time_point;
const wall day0 = wall{} + 24h * 20000;  // a midnight UTC

QualitySettings no_decay() {
    QualitySettings s;
    s.half_life = 0ms;
    return s;
}

void outcomes(DeliveryQuality& q, std::string_view carrier, int delivered, int failed, wall at) {
    for (int i = 0; i < delivered; ++i) q.record(carrier, "GB", ReceiptState::delivered, at);
    for (int i = 0; i < failed; ++i) q.record(carrier, "GB", ReceiptState::undeliverable, at);
}

}  // namespace

TEST_CASE("a route without receipts scores the prior, so a new carrier is tried") {
    DeliveryQuality q;
    QualityEstimate e = q.estimate("new", "GB", day0 + 14h);
    CHECK(e.success == 1.0);
    CHECK(e.day_success == 1.0);
    CHECK(e.day_receipts == 0);
    CHECK(e.hour == 14);
}

TEST_CASE("the hour's estimate leans on the day's until the hour has receipts") {
    DeliveryQuality q(no_decay());
    // 8 delivered, 2 failed, all sent at 03:xx UTC.
    outcomes(q, "a", 8, 2, day0 + 3h + 10min);
    // day = (8 + 1 x 10) / (10 + 10) = 0.9; hour 3 = (8 + 0.9 x 10) / (10 + 10) = 0.85
    QualityEstimate at3 = q.estimate("a", "GB", day0 + 24h + 3h);
    CHECK(at3.day_success == Approx(0.9).epsilon(1e-12));
    CHECK(at3.success == Approx(0.85).epsilon(1e-12));
    CHECK(at3.hour_delivered == 8);
    CHECK(at3.hour_receipts == 10);
    // No receipts at 15h: (0 + 0.9 x 10) / 10 = the day's 0.9.
    QualityEstimate at15 = q.estimate("a", "GB", day0 + 15h);
    CHECK(at15.success == Approx(0.9).epsilon(1e-12));
    CHECK(at15.hour_receipts == 0);
    // Other countries and carriers learn nothing from it.
    CHECK(q.estimate("a", "FR", day0 + 3h).success == 1.0);
    CHECK(q.estimate("b", "GB", day0 + 3h).success == 1.0);
}

TEST_CASE("outcomes fade by the half-life, also when they arrive out of order") {
    QualitySettings s;
    s.half_life = 1h;
    DeliveryQuality q(s);
    outcomes(q, "a", 4, 0, day0);
    CHECK(q.estimate("a", "GB", day0 + 1h).day_delivered == 2.0);
    CHECK(q.estimate("a", "GB", day0 + 2h).day_delivered == 1.0);
    // A receipt for a message sent an hour before the newest counts half.
    q.record("a", "GB", ReceiptState::expired, day0 - 1h);
    QualityEstimate e = q.estimate("a", "GB", day0);
    CHECK(e.day_delivered == 4.0);
    CHECK(e.day_receipts == 4.5);
    // unknown is no outcome.
    q.record("a", "GB", ReceiptState::unknown, day0);
    CHECK(q.estimate("a", "GB", day0).day_receipts == 4.5);
}

TEST_CASE("memory is bounded: pairs beyond max_entries are counted, not learned") {
    QualitySettings s = no_decay();
    s.max_entries = 2;
    DeliveryQuality q(s);
    q.record("a", "GB", ReceiptState::rejected, day0);
    q.record("b", "GB", ReceiptState::rejected, day0);
    q.record("c", "GB", ReceiptState::rejected, day0);
    q.record("a", "GB", ReceiptState::rejected, day0);
    CHECK(q.size() == 2);
    CHECK(q.untracked() == 1);
    CHECK(q.estimate("c", "GB", day0).day_receipts == 0);
    CHECK(q.estimate("a", "GB", day0).day_receipts == 2);
}
