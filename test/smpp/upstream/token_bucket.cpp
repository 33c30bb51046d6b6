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

TEST_CASE("take_up_to takes the whole tokens there are, at most the number asked", "[upstream][token_bucket]") {
    const TokenBucket::clock::time_point t0{};
    TokenBucket b(10, t0);
    CHECK(b.take_up_to(4, t0) == 4);
    CHECK(b.take_up_to(0, t0) == 0);
    CHECK(b.take_up_to(9, t0) == 6);  // what is left of the burst
    CHECK(b.take_up_to(3, t0) == 0);
    CHECK(b.take_up_to(3, t0 + 250ms) == 2);  // 2.5 tokens minted: whole ones only
    CHECK(b.take_up_to(5, t0 + 330ms) == 1);  // the half left plus 0.8 more: 1.3
    CHECK_FALSE(b.try_take(t0 + 330ms));
}
