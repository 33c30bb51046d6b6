#include "smpp/upstream/token_bucket.hpp"

#include <catch2/catch.hpp>

using smpp::upstream::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a token bucket allows a burst of rate, then rate per second", "[upstream][token_bucket]") {
    const TokenBucket::clock::time_point t0{};
    TokenBucket b(4, t0);
    for (int i = 0; i < 4; ++i) CHECK(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0 + 249ms));
    CHECK(b.try_take(t0 + 250ms));
    CHECK_FALSE(b.try_take(t0 + 250ms));
    // Idle for long: never more than one second's worth.
    for (int i = 0; i < 4; ++i) CHECK(b.try_take(t0 + 1h));
    CHECK_FALSE(b.try_take(t0 + 1h));
}

TEST_CASE("a clock reading from the past mints no tokens", "[upstream][token_bucket]") {
    const TokenBucket::clock::time_point t0 = TokenBucket::clock::time_point{} + 10s;
    TokenBucket b(1, t0);
    CHECK(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0 - 5s));
    CHECK_FALSE(b.try_take(t0 + 999ms));
    CHECK(b.try_take(t0 + 1s));
}
