#include "smpp/relay/part_affinity.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using smpp::relay::ConcatKey;
using smpp::relay::PartAffinity;

const auto t0 = PartAffinity::clock::time_point{} + 1h;

ConcatKey key(std::uint16_t ref = 7, std::uint8_t total = 3) {
    return ConcatKey{"acme", "ACME", "447700900123", ref, total};
}

}  // namespace

TEST_CASE("part affinity: the first part pins its carrier; the pin follows sending until a carrier takes a part",
          "[relay][parts]") {
    PartAffinity parts(10min);
    CHECK_FALSE(parts.pin(key(), t0));
    auto p = parts.route(key(), "carrier00", t0);
    CHECK(p.carrier == "carrier00");
    CHECK_FALSE(p.taken);
    // carrier00 refused the part before taking anything: it went on to
    // carrier01, and the message's other parts follow it there.
    p = parts.route(key(), "carrier01", t0 + 1s);
    CHECK(p.carrier == "carrier01");
    CHECK(parts.pin(key(), t0 + 1s)->carrier == "carrier01");
    CHECK(parts.taken(key(), 1, "carrier01", t0 + 2s));
    auto pin = parts.pin(key(), t0 + 2s);
    REQUIRE(pin);
    CHECK(pin->carrier == "carrier01");
    CHECK(pin->taken);
    // Taken: a part sent elsewhere (failover past the pin) does not move it.
    p = parts.route(key(), "carrier00", t0 + 3s);
    CHECK(p.carrier == "carrier01");
    CHECK(p.taken);
}

TEST_CASE("part affinity: a part taken by another carrier is a split; later parts follow the latest carrier",
          "[relay][parts]") {
    PartAffinity parts(10min);
    parts.route(key(), "carrier00", t0);
    CHECK(parts.taken(key(), 1, "carrier00", t0));
    CHECK(parts.taken(key(), 1, "carrier00", t0));  // the same part again: still joined
    CHECK_FALSE(parts.taken(key(), 2, "carrier01", t0 + 1s));
    CHECK(parts.pin(key(), t0 + 1s)->carrier == "carrier01");
}

TEST_CASE("part affinity: once every part is taken the pin is dropped", "[relay][parts]") {
    PartAffinity parts(10min);
    parts.route(key(9, 3), "carrier00", t0);
    CHECK(parts.taken(key(9, 3), 2, "carrier00", t0));
    CHECK(parts.taken(key(9, 3), 2, "carrier00", t0));  // counted once
    CHECK(parts.taken(key(9, 3), 1, "carrier00", t0));
    CHECK(parts.size() == 1);
    CHECK(parts.taken(key(9, 3), 3, "carrier00", t0));
    CHECK(parts.size() == 0);
    CHECK_FALSE(parts.pin(key(9, 3), t0));
}

TEST_CASE("part affinity: a pin lapses a window after its last part was routed or taken", "[relay][parts]") {
    PartAffinity parts(1min);
    parts.route(key(), "carrier00", t0);
    parts.taken(key(), 1, "carrier00", t0 + 30s);
    CHECK(parts.pin(key(), t0 + 89s));  // 59 s after it was taken
    CHECK_FALSE(parts.pin(key(), t0 + 90s));
    CHECK(parts.size() == 0);
    // Lapsed: the next part pins anew, wherever it is routed.
    CHECK(parts.route(key(), "carrier01", t0 + 91s).carrier == "carrier01");
    // Lapsed pins of other messages go as new ones come (no timer needed).
    for (std::uint16_t ref = 100; ref < 200; ++ref) parts.route(key(ref), "carrier00", t0 + 2min);
    CHECK(parts.size() == 101);
    parts.route(key(500), "carrier00", t0 + 10min);
    CHECK(parts.size() == 1);
}

TEST_CASE("part affinity: a window of 0 pins nothing", "[relay][parts]") {
    PartAffinity parts(0ms);
    CHECK_FALSE(parts.enabled());
    CHECK(parts.route(key(), "carrier00", t0).carrier == "carrier00");
    CHECK(parts.taken(key(), 1, "carrier00", t0));
    CHECK_FALSE(parts.pin(key(), t0));
    CHECK(parts.size() == 0);
}

TEST_CASE("part affinity: at most max_messages pins; beyond them messages go unpinned", "[relay][parts]") {
    PartAffinity parts(1min, 3);
    for (std::uint16_t ref = 1; ref <= 3; ++ref) parts.route(key(ref), "carrier00", t0);
    CHECK(parts.route(key(4), "carrier01", t0).carrier == "carrier01");
    CHECK(parts.size() == 3);
    CHECK_FALSE(parts.pin(key(4), t0));
    CHECK(parts.pin(key(1), t0));
    // The old ones lapse: room again.
    parts.route(key(5), "carrier01", t0 + 2min);
    CHECK(parts.size() == 1);
    CHECK(parts.pin(key(5), t0 + 2min)->carrier == "carrier01");
}

TEST_CASE("part affinity: each of account, source, destination, reference and part count tells messages apart",
          "[relay][parts]") {
    PartAffinity parts(10min);
    const ConcatKey base{"acme", "ACME", "447700900123", 7, 3};
    parts.route(base, "carrier00", t0);
    parts.taken(base, 1, "carrier00", t0);
    for (auto other : {ConcatKey{"acm", "eACME", "447700900123", 7, 3}, ConcatKey{"acme", "ACM", "E447700900123", 7, 3},
                       ConcatKey{"acme", "ACME", "447700900124", 7, 3}, ConcatKey{"acme", "ACME", "447700900123", 8, 3},
                       ConcatKey{"acme", "ACME", "447700900123", 7, 2},
                       ConcatKey{"acme", "ACME", "447700900123", 7 + 256, 3}})
        CHECK_FALSE(parts.pin(other, t0));
    CHECK(parts.pin(base, t0));
}

TEST_CASE("part affinity: threads pinning and taking at once each see their own message's carrier",
          "[relay][parts]") {
    PartAffinity parts(10min);
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            const std::string carrier = "carrier0" + std::to_string(t);
            for (std::uint16_t ref = 0; ref < 5'000; ++ref) {
                const ConcatKey k{"acct" + std::to_string(t), "S", "447700900123", ref, 2};
                parts.route(k, carrier, t0);
                if (!parts.taken(k, 1, carrier, t0)) ++wrong;
                auto pin = parts.pin(k, t0);
                if (!pin || pin->carrier != carrier || !pin->taken) ++wrong;
                if (!parts.taken(k, 2, carrier, t0)) ++wrong;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong == 0);
    CHECK(parts.size() == 0);
}

TEST_CASE("part affinity: claim keeps the pin it finds and pins its carrier only when there is none",
          "[relay][parts]") {
    PartAffinity parts(10min);
    auto first = parts.claim(key(), "carrier00", t0);
    CHECK(first.carrier == "carrier00");
    CHECK(first.fresh);
    // A sibling accepted at the same moment whose route chose carrier01
    // (round robin) is told carrier00: it does not move the pin.
    auto second = parts.claim(key(), "carrier01", t0);
    CHECK(second.carrier == "carrier00");
    CHECK_FALSE(second.fresh);
    CHECK(parts.pin(key(), t0)->carrier == "carrier00");
    // Off: nothing kept, every part its own way.
    PartAffinity off(0ms);
    CHECK(off.claim(key(), "carrier01", t0).carrier == "carrier01");
    CHECK_FALSE(off.pin(key(), t0));
}

const std::vector<std::string> both{"carrier00", "carrier01"};

TEST_CASE("part affinity: the carriers a part is on its way to are known until they answer", "[relay][parts]") {
    PartAffinity parts(10min);
    parts.route(key(), "carrier00", t0);
    CHECK(parts.depart(key(), "carrier00", both, t0) == nullptr);
    CHECK(parts.depart(key(), "carrier00", both, t0) == nullptr);
    CHECK(parts.pin(key(), t0)->awaited == std::vector<std::string>{"carrier00"});
    parts.answered(key(), "carrier00");
    CHECK(parts.pin(key(), t0)->awaited == std::vector<std::string>{"carrier00"});  // one still on its way
    parts.answered(key(), "carrier00");
    CHECK(parts.pin(key(), t0)->awaited.empty());
    parts.answered(key(), "carrier00");  // unpaired: no underflow
    CHECK(parts.depart(key(), "carrier01", both, t0) == nullptr);
    CHECK(parts.pin(key(), t0)->awaited == std::vector<std::string>{"carrier01"});
    CHECK(parts.pin(key(), t0)->carrier == "carrier01");  // nothing taken: the pin follows
    // An answer for a message with no pin (lapsed, or dropped once every
    // part was taken) changes nothing.
    parts.answered(key(99), "carrier00");
    CHECK_FALSE(parts.pin(key(99), t0));
}

TEST_CASE("part affinity: a part in doubt pins its carrier as taken but does not count toward every part taken",
          "[relay][parts]") {
    PartAffinity parts(10min);
    parts.route(key(5, 2), "carrier00", t0);
    CHECK(parts.taken(key(5, 2), 0, "carrier00", t0));  // part 1 in doubt
    auto pin = parts.pin(key(5, 2), t0);
    REQUIRE(pin);
    CHECK(pin->taken);
    CHECK(pin->carrier == "carrier00");
    CHECK(parts.taken(key(5, 2), 2, "carrier00", t0));
    // Part 1 may still be resent: the pin stays for it.
    CHECK(parts.pin(key(5, 2), t0));
    CHECK(parts.taken(key(5, 2), 1, "carrier00", t0));
    CHECK_FALSE(parts.pin(key(5, 2), t0));
}

TEST_CASE("part affinity: a part may not depart for a carrier while a sibling is on its way to another, or was "
          "taken by another",
          "[relay][parts]") {
    PartAffinity parts(10min);
    // Part 1 left for carrier00 (its `sending` write pending, nothing
    // answered yet): part 2, refused for now by carrier00, may not go to
    // carrier01. Before, a part only counted once submitted, after that
    // write, and part 2 went to carrier01 in between.
    CHECK(parts.claim(key(), "carrier00", t0).fresh);
    CHECK(parts.depart(key(), "carrier00", both, t0) == nullptr);
    CHECK(parts.depart(key(), "carrier01", both, t0) != nullptr);
    // A carrier the part's route does not offer does not hold it back.
    CHECK(parts.depart(key(), "carrier01", {"carrier01"}, t0) == nullptr);
    parts.answered(key(), "carrier01");
    // Part 1's `sending` was not stored: it never went, and carrier01 is free.
    parts.answered(key(), "carrier00");
    CHECK(parts.depart(key(), "carrier01", both, t0) == nullptr);
    CHECK(parts.taken(key(), 2, "carrier01", t0));
    parts.answered(key(), "carrier01");
    // carrier01 took a part: the others go there only.
    CHECK(std::string(parts.depart(key(), "carrier00", both, t0)) == "the other parts went another way");
    CHECK(parts.depart(key(), "carrier01", both, t0) == nullptr);
    CHECK(parts.pin(key(), t0)->carrier == "carrier01");
}

TEST_CASE("part affinity: two parts departing at once on two threads for two carriers never both go",
          "[relay][parts]") {
    PartAffinity parts(10min);
    constexpr int messages = 2'000;
    std::atomic<int> both_went{0};
    std::vector<int> went(2 * messages, 0);
    auto run = [&](int side) {
        const std::string carrier = side == 0 ? "carrier00" : "carrier01";
        for (int m = 0; m < messages; ++m)
            went[static_cast<std::size_t>(2 * m + side)] =
                parts.depart(key(static_cast<std::uint16_t>(m), 2), carrier, both, t0) == nullptr;
    };
    std::thread a(run, 0), b(run, 1);
    a.join();
    b.join();
    for (int m = 0; m < messages; ++m) {
        const auto i = static_cast<std::size_t>(2 * m);
        CHECK(went[i] + went[i + 1] == 1);
        if (went[i] && went[i + 1]) ++both_went;
    }
    CHECK(both_went == 0);
}

TEST_CASE("part affinity: a part answered and taken in one step is never seen neither on its way nor taken",
          "[relay][parts]") {
    PartAffinity parts(10min);
    CHECK(parts.depart(key(5, 2), "carrier00", both, t0) == nullptr);
    CHECK(parts.answered_taken(key(5, 2), 1, "carrier00", t0));
    auto pin = parts.pin(key(5, 2), t0);
    REQUIRE(pin);
    CHECK(pin->taken);
    CHECK(pin->awaited.empty());
    CHECK(parts.depart(key(5, 2), "carrier01", both, t0) != nullptr);
    // In doubt (seqnum 0) pins as taken without counting the part.
    CHECK(parts.depart(key(6, 2), "carrier01", both, t0) == nullptr);
    CHECK(parts.answered_taken(key(6, 2), 0, "carrier01", t0));
    CHECK(parts.pin(key(6, 2), t0)->taken);
    CHECK(parts.depart(key(6, 2), "carrier00", both, t0) != nullptr);
    // The last part taken drops the pin.
    CHECK(parts.depart(key(5, 2), "carrier00", both, t0) == nullptr);
    CHECK(parts.answered_taken(key(5, 2), 2, "carrier00", t0));
    CHECK_FALSE(parts.pin(key(5, 2), t0));
}
