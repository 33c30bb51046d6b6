#include "smpp/carrier/token_bucket.hpp"

#include <catch2/catch.hpp>

using namespace smpp::carrier;
using namespace std::chrono_literals;
using clock_type = TokenBucket::clock;

TEST_CASE("token bucket starts with one token and refills at its rate") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(100, 5, t0);  // one token every 10 ms
    CHECK(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0 + 9ms));
    CHECK(b.try_take(t0 + 10ms));
    CHECK_FALSE(b.try_take(t0 + 10ms));
}

TEST_CASE("token bucket caps the saved-up burst") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(100, 5, t0);
    const auto later = t0 + 10s;  // a thousand tokens' worth of idling
    int taken = 0;
    while (b.try_take(later)) ++taken;
    CHECK(taken == 5);
}

TEST_CASE("token bucket says when the next token is due, for one timer") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(200, 10, t0);  // 5 ms a token
    CHECK(b.next_token_at(t0) == t0);
    REQUIRE(b.try_take(t0));
    const auto due = b.next_token_at(t0 + 1ms);
    CHECK(due > t0 + 4ms);
    CHECK(due <= t0 + 5ms + 2us);
    // At the instant it names, the token is there: a timer never wakes to nothing.
    CHECK(b.try_take(due));
}

TEST_CASE("token bucket over a simulated second grants rate plus burst at most") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(200, 10, t0);
    int taken = 0;
    for (auto t = t0; t < t0 + 1s; t += 100us)
        while (b.try_take(t)) ++taken;
    CHECK(taken >= 200);
    CHECK(taken <= 201);
}

TEST_CASE("token bucket keeps tokens earned before a rate change") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(100, 10, t0);
    REQUIRE(b.try_take(t0));
    b.set_rate(10, t0 + 50ms);  // 5 tokens earned at 100/s
    CHECK(b.tokens(t0 + 50ms) == Approx(5.0));
    CHECK(b.tokens(t0 + 150ms) == Approx(6.0));  // then 1 per 100 ms
    CHECK(b.rate() == 10);
}

TEST_CASE("token bucket ignores time going backwards") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(100, 5, t0 + 1s);
    REQUIRE(b.try_take(t0 + 1s));
    CHECK_FALSE(b.try_take(t0));
    CHECK(b.tokens(t0) == Approx(0.0));
}

TEST_CASE("token bucket empty drops the saved-up burst") {
    const auto t0 = clock_type::time_point{} + 1h;
    TokenBucket b(100, 5, t0);
    b.empty(t0 + 1s);
    CHECK_FALSE(b.try_take(t0 + 1s));
    CHECK(b.next_token_at(t0 + 1s) > t0 + 1s + 9ms);
    CHECK(b.try_take(t0 + 1s + 10ms));
}
