#include "smpp/session/backoff.hpp"

#include <catch2/catch.hpp>

using smpp::session::Backoff;
using smpp::session::BackoffSettings;
using namespace std::chrono_literals;

TEST_CASE("backoff: doubles from base up to max without jitter") {
    Backoff b(BackoffSettings{100ms, 1'000ms, 0.0}, 1);
    CHECK(b.next() == 100ms);
    CHECK(b.next() == 200ms);
    CHECK(b.next() == 400ms);
    CHECK(b.next() == 800ms);
    CHECK(b.next() == 1'000ms);
    CHECK(b.next() == 1'000ms);
    CHECK(b.failures() == 6);
    b.reset();
    CHECK(b.failures() == 0);
    CHECK(b.next() == 100ms);
}

TEST_CASE("backoff: jitter takes at most its fraction off") {
    Backoff b(BackoffSettings{1'000ms, 1'000ms, 0.5}, 42);
    bool varied = false;
    std::chrono::milliseconds first = b.next();
    for (int i = 0; i < 200; ++i) {
        auto d = b.next();
        CHECK(d >= 500ms);
        CHECK(d <= 1'000ms);
        if (d != first) varied = true;
    }
    CHECK(varied);
}

TEST_CASE("backoff: a long outage does not overflow") {
    Backoff b(BackoffSettings{1ms, 60'000ms, 0.0}, 1);
    for (int i = 0; i < 1'000; ++i) b.next();
    CHECK(b.next() == 60'000ms);
}

TEST_CASE("backoff: settings are validated") {
    CHECK(BackoffSettings{}.validate().empty());
    CHECK(BackoffSettings{0ms, 1ms, 0.1}.validate() == "backoff base must be > 0");
    CHECK(BackoffSettings{10ms, 1ms, 0.1}.validate() == "backoff max must be >= base");
    CHECK(BackoffSettings{1ms, 10ms, 1.5}.validate() == "backoff jitter must be within 0..1");
}
