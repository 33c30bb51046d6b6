#include "smpp/session/window.hpp"

#include <catch2/catch.hpp>

using smpp::protocol::command_id;
using smpp::session::Window;
using namespace std::chrono_literals;

namespace {
using W = Window<int>;
const W::clock::time_point t0{};
}  // namespace

TEST_CASE("window: a response completes its request once") {
    W w(4);
    REQUIRE(w.insert(1, command_id::submit_sm, t0 + 100ms, 11));
    REQUIRE(w.insert(2, command_id::submit_sm, t0 + 100ms, 22));
    CHECK(w.size() == 2);
    CHECK(w.room() == 2);
    CHECK(w.complete(2, command_id::submit_sm_resp) == 22);
    CHECK_FALSE(w.complete(2, command_id::submit_sm_resp).has_value());  // duplicate
    CHECK(w.size() == 1);
}

TEST_CASE("window: a response with the wrong command_id is unexpected and leaves the entry") {
    W w(4);
    REQUIRE(w.insert(5, command_id::submit_sm, t0 + 100ms, 5));
    CHECK_FALSE(w.complete(5, command_id::deliver_sm_resp).has_value());
    CHECK(w.contains(5));
    CHECK(w.complete(5, command_id::generic_nack) == 5);  // a generic_nack answers any request
    CHECK_FALSE(w.complete(9, command_id::submit_sm_resp).has_value());
}

TEST_CASE("window: full refuses, duplicates refuse") {
    W w(2);
    REQUIRE(w.insert(1, command_id::submit_sm, t0, 1));
    CHECK_FALSE(w.insert(1, command_id::submit_sm, t0, 9));
    REQUIRE(w.insert(2, command_id::submit_sm, t0, 2));
    CHECK(w.full());
    CHECK(w.room() == 0);
    CHECK_FALSE(w.insert(3, command_id::submit_sm, t0, 3));
}

TEST_CASE("window: expire takes exactly the entries whose deadline passed, in deadline order") {
    W w(8);
    REQUIRE(w.insert(1, command_id::submit_sm, t0 + 10ms, 1));
    REQUIRE(w.insert(2, command_id::submit_sm, t0 + 20ms, 2));
    REQUIRE(w.insert(3, command_id::submit_sm, t0 + 30ms, 3));
    REQUIRE(w.complete(1, command_id::submit_sm_resp) == 1);
    CHECK(w.next_deadline() == t0 + 20ms);
    CHECK(w.expire(t0 + 19ms).empty());
    CHECK(w.expire(t0 + 20ms) == std::vector<int>{2});
    CHECK(w.next_deadline() == t0 + 30ms);
    CHECK(w.expire(t0 + 1s) == std::vector<int>{3});
    CHECK_FALSE(w.next_deadline().has_value());
    CHECK(w.size() == 0);
}

TEST_CASE("window: an earlier deadline inserted later still expires first") {
    // unbind_timeout may be shorter than response_timeout.
    W w(8);
    REQUIRE(w.insert(1, command_id::submit_sm, t0 + 100ms, 1));
    REQUIRE(w.insert(2, command_id::unbind, t0 + 20ms, 2));
    CHECK(w.next_deadline() == t0 + 20ms);
    CHECK(w.expire(t0 + 50ms) == std::vector<int>{2});
    CHECK(w.next_deadline() == t0 + 100ms);
}

TEST_CASE("window: a reused sequence number keeps its own deadline") {
    W w(8);
    REQUIRE(w.insert(7, command_id::submit_sm, t0 + 10ms, 1));
    REQUIRE(w.complete(7, command_id::submit_sm_resp) == 1);
    REQUIRE(w.insert(7, command_id::submit_sm, t0 + 50ms, 2));
    CHECK(w.expire(t0 + 20ms).empty());
    CHECK(w.expire(t0 + 50ms) == std::vector<int>{2});
}

TEST_CASE("window: stale deadlines stay bounded under steady traffic") {
    W w(4);
    for (std::uint32_t seq = 1; seq <= 10'000; ++seq) {
        REQUIRE(w.insert(seq, command_id::submit_sm, t0 + std::chrono::milliseconds(seq), 0));
        REQUIRE(w.complete(seq, command_id::submit_sm_resp).has_value());
        w.expire(t0);
    }
    CHECK(w.size() == 0);
    CHECK_FALSE(w.next_deadline().has_value());
}

TEST_CASE("window: drain hands back every waiter") {
    W w(8);
    REQUIRE(w.insert(1, command_id::submit_sm, t0, 1));
    REQUIRE(w.insert(2, command_id::enquire_link, t0, 2));
    auto all = w.drain();
    std::sort(all.begin(), all.end());
    CHECK(all == std::vector<int>{1, 2});
    CHECK(w.size() == 0);
    CHECK_FALSE(w.next_deadline().has_value());
}
