#include "smpp/relay/outage_waiters.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using smpp::relay::OutageWaiters;
using smpp::store::MessageId;

struct Woken {
    std::vector<std::uint64_t> ids;
    OutageWaiters::Waker waker(std::uint64_t id) {
        return [this, id] { ids.push_back(id); };
    }
};

void run(const std::vector<OutageWaiters::Waker>& wakers) {
    for (const auto& w : wakers) w();
}

}  // namespace

TEST_CASE("outage waiters: a carrier back wakes its waiters in the order they came, each once", "[relay][outage]") {
    OutageWaiters w;
    Woken woken;
    w.add(MessageId{30}, {"carrier00", "carrier01"}, woken.waker(30));
    w.add(MessageId{10}, {"carrier01"}, woken.waker(10));
    w.add(MessageId{20}, {"carrier00"}, woken.waker(20));
    CHECK(w.size() == 3);
    CHECK(w.awaited() == std::vector<std::string>{"carrier00", "carrier01"});
    CHECK(w.waiting_for("carrier00") == 2);
    CHECK(w.waiting_for("carrier01") == 2);
    CHECK(w.waiting_for("nobody") == 0);
    run(w.back("carrier00", 100));
    CHECK(woken.ids == std::vector<std::uint64_t>{20, 30});
    // 30 waited for carrier01 too: not woken twice.
    run(w.back("carrier01", 100));
    CHECK(woken.ids == std::vector<std::uint64_t>{20, 30, 10});
    CHECK(w.size() == 0);
    CHECK(w.awaited().empty());
    CHECK(w.back("carrier01", 100).empty());
    CHECK(w.back("nobody", 100).empty());
}

TEST_CASE("outage waiters: at most `max` per call; the rest wait for the next", "[relay][outage]") {
    OutageWaiters w;
    Woken woken;
    for (std::uint64_t id = 1; id <= 25; ++id) w.add(MessageId{id}, {"carrier00"}, woken.waker(id));
    CHECK(w.back("carrier00", 10).size() == 10);
    CHECK(w.back("carrier00", 10).size() == 10);
    run(w.back("carrier00", 10));
    CHECK(woken.ids == std::vector<std::uint64_t>{21, 22, 23, 24, 25});
    CHECK(w.size() == 0);
}

TEST_CASE("outage waiters: removed (it woke on its own) or added again, it is listed once, where it waits now",
          "[relay][outage]") {
    OutageWaiters w;
    Woken woken;
    w.add(MessageId{1}, {"carrier00"}, woken.waker(1));
    w.add(MessageId{2}, {"carrier00"}, woken.waker(2));
    CHECK(w.remove(MessageId{1}));
    CHECK_FALSE(w.remove(MessageId{99}));  // never listed
    // The next round refused it at another carrier only.
    w.add(MessageId{2}, {"carrier01", "carrier01"}, woken.waker(2));
    CHECK(w.size() == 1);
    CHECK(w.back("carrier00", 10).empty());
    run(w.back("carrier01", 10));
    CHECK(woken.ids == std::vector<std::uint64_t>{2});
}

TEST_CASE("outage waiters: threads adding, removing and waking at once lose and double nothing", "[relay][outage]") {
    OutageWaiters w;
    std::atomic<int> woken{0}, removed{0};
    constexpr int per_thread = 5'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const MessageId id{static_cast<std::uint64_t>(t * per_thread + i + 1)};
                w.add(id, {"carrier0" + std::to_string(t), "shared"}, [&] { ++woken; });
                if (i % 2 == 0 && w.remove(id)) ++removed;
            }
        });
    std::atomic<bool> done{false};
    std::thread waker([&] {
        while (!done.load()) run(w.back("shared", 100));
    });
    for (auto& t : threads) t.join();
    done.store(true);
    waker.join();
    run(w.back("shared", 1'000'000));
    // Each one either woken or removed before it was: never both, never lost.
    CHECK(woken.load() + removed.load() == 3 * per_thread);
    CHECK(removed.load() > 0);
    CHECK(w.size() == 0);
}
