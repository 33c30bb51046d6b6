#include "smpp/relay/carrier_credits.hpp"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

namespace {

using smpp::carrier::message_class;
using Credits = smpp::relay::CarrierCredits<int>;
using taken = Credits::taken;
using namespace std::chrono_literals;

const Credits::clock::time_point t0 = Credits::clock::time_point{} + 1h;

}  // namespace

TEST_CASE("carrier credits: the default covers the windows and a tenth of a second of max_tps", "[relay][credits]") {
    CHECK(smpp::relay::default_credits(2, 50, 500) == 150);
    CHECK(smpp::relay::default_credits(1, 10, 5) == 11);  // at least one token's worth
    CHECK(smpp::relay::default_credits(2, 1000, 100'000) == 12'000);
    CHECK(smpp::relay::default_credits(10'000, 10'000, 1'000'000) == 100'100'000);
}

TEST_CASE("carrier credits: credits up to the limit, then waiters; a credit given back goes to a waiter",
          "[relay][credits]") {
    Credits c(2, 10, 5s);
    CHECK(c.try_take(t0));
    CHECK(c.take(message_class::bulk, 100, t0) == taken::granted);
    CHECK_FALSE(c.try_take(t0));
    CHECK(c.take(message_class::bulk, 1, t0) == taken::waiting);
    CHECK(c.take(message_class::bulk, 2, t0) == taken::waiting);
    auto counts = c.counts(t0);
    CHECK(counts.in_use == 2);
    CHECK(counts.waiting[2] == 2);

    // The credit passes to the oldest waiter: in_use stays 2.
    CHECK(c.give_back(t0 + 1ms) == std::optional<int>(1));
    CHECK(c.counts(t0).in_use == 2);
    CHECK(c.give_back(t0 + 2ms) == std::optional<int>(2));
    CHECK(c.give_back(t0 + 3ms) == std::nullopt);
    CHECK(c.give_back(t0 + 4ms) == std::nullopt);
    CHECK(c.counts(t0).in_use == 0);
    // Never below zero, even if given back once too often.
    CHECK(c.give_back(t0 + 5ms) == std::nullopt);
    CHECK(c.try_take(t0 + 6ms));
    CHECK(c.counts(t0).in_use == 1);
}

TEST_CASE("carrier credits: given back without handing on (stopping), a credit is freed and the waiters stay",
          "[relay][credits]") {
    Credits c(1, 10, 5s);
    REQUIRE(c.try_take(t0));
    REQUIRE(c.take(message_class::bulk, 1, t0) == taken::waiting);
    CHECK(c.give_back(t0 + 1ms, false) == std::nullopt);
    CHECK(c.counts(t0).in_use == 0);
    CHECK(c.waiting() == 1);
}

TEST_CASE("carrier credits: otp waiters go before transactional before bulk, each oldest first", "[relay][credits]") {
    Credits c(1, 10, 5s);
    REQUIRE(c.try_take(t0));
    REQUIRE(c.take(message_class::bulk, 30, t0) == taken::waiting);
    REQUIRE(c.take(message_class::transactional, 20, t0) == taken::waiting);
    REQUIRE(c.take(message_class::bulk, 31, t0) == taken::waiting);
    REQUIRE(c.take(message_class::otp, 10, t0) == taken::waiting);
    REQUIRE(c.take(message_class::otp, 11, t0) == taken::waiting);
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) order.push_back(*c.give_back(t0 + 1ms));
    CHECK(order == std::vector<int>{10, 11, 20, 30, 31});
    CHECK(c.waiting() == 0);
}

TEST_CASE("carrier credits: max_waiting waiters, then full", "[relay][credits]") {
    Credits c(1, 2, 5s);
    REQUIRE(c.try_take(t0));
    CHECK(c.take(message_class::otp, 1, t0) == taken::waiting);
    CHECK(c.take(message_class::otp, 2, t0) == taken::waiting);
    CHECK(c.take(message_class::otp, 3, t0) == taken::full);
    CHECK(c.waiting() == 2);
    // Room again once one had its credit.
    CHECK(c.give_back(t0 + 1ms) == std::optional<int>(1));
    CHECK(c.take(message_class::otp, 3, t0 + 1ms) == taken::waiting);
}

TEST_CASE("carrier credits: a carrier that gives nothing back for the stall time is stalled; its waiters come back",
          "[relay][credits]") {
    Credits c(1, 10, 5s);
    REQUIRE(c.try_take(t0));
    REQUIRE(c.take(message_class::bulk, 1, t0 + 1s) == taken::waiting);
    REQUIRE(c.take(message_class::otp, 2, t0 + 3s) == taken::waiting);
    // Not yet: the carrier took its credit 4.9 s ago.
    CHECK(c.overdue(t0 + 4900ms).empty());
    CHECK(c.take(message_class::bulk, 3, t0 + 4900ms) == taken::waiting);
    CHECK_FALSE(c.counts(t0 + 4900ms).stalled);
    // 5 s without progress: newcomers are turned away at once, and waiters
    // that waited 5 s leave (the otp one came at 3 s: it stays until 8 s).
    CHECK(c.take(message_class::bulk, 4, t0 + 5s) == taken::stalled);
    CHECK(c.counts(t0 + 5s).stalled);
    CHECK(c.overdue(t0 + 6s) == std::vector<int>{1});
    CHECK(c.overdue(t0 + 8s) == std::vector<int>{2});
    CHECK(c.overdue(t0 + 9900ms) == std::vector<int>{3});
    CHECK(c.waiting() == 0);
    // The carrier answers: it is not stalled any more.
    CHECK(c.give_back(t0 + 10s) == std::nullopt);
    CHECK(c.take(message_class::bulk, 5, t0 + 10s) == taken::granted);
    CHECK(c.take(message_class::bulk, 6, t0 + 11s) == taken::waiting);
    CHECK(c.overdue(t0 + 11s).empty());
}

TEST_CASE("carrier credits: an idle carrier's stall clock starts at its first credit", "[relay][credits]") {
    Credits c(1, 10, 5s);
    REQUIRE(c.try_take(t0));
    CHECK(c.give_back(t0 + 1s) == std::nullopt);
    // An hour of nothing, then traffic: not stalled.
    REQUIRE(c.try_take(t0 + 1h));
    CHECK(c.take(message_class::bulk, 1, t0 + 1h + 1ms) == taken::waiting);
    CHECK(c.overdue(t0 + 1h + 1s).empty());
}

TEST_CASE("carrier credits: from many threads, every waiter gets exactly one credit and none is lost",
          "[relay][credits]") {
    Credits c(8, 1'000'000, 1h);
    constexpr int threads = 4, per_thread = 20'000;
    std::atomic<int> granted_total{0};
    std::vector<std::atomic<int>> got(threads * per_thread);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const int id = t * per_thread + i;
                const auto now = Credits::clock::now();
                if (c.take(static_cast<message_class>(id % 3), id, now) == taken::granted) {
                    got[static_cast<std::size_t>(id)].fetch_add(1);
                    granted_total.fetch_add(1);
                    // Done at once: give it back, maybe to a waiter, which
                    // is then done too.
                    for (auto next = c.give_back(now); next; next = c.give_back(now))
                        got[static_cast<std::size_t>(*next)].fetch_add(1);
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    // Whatever still waits is drained by giving back what is in use.
    while (c.counts(Credits::clock::now()).in_use > 0)
        for (auto next = c.give_back(Credits::clock::now()); next; next = c.give_back(Credits::clock::now()))
            got[static_cast<std::size_t>(*next)].fetch_add(1);
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("waiter " << i);
        REQUIRE(got[i].load() == 1);
    }
    CHECK(c.waiting() == 0);
    CHECK(c.counts(Credits::clock::now()).in_use == 0);
}
