#include "store/state_change.hpp"

#include <catch2/catch.hpp>

using namespace smpp::store;

namespace {

Timestamp at_ms(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("state change: carriers passed over are noted on the route reason, the newest round's only",
          "[store][state_change]") {
    MessageRecord r;
    r.id = MessageId(45);
    r.route = {"carrier00", "route 44@1 (priority): carrier00, carrier01"};
    // A round that passed carrier00 over and waits for a retry.
    REQUIRE(apply(r, StateChange{.status = MessageStatus::queued, .at = at_ms(1), .passed_over = "carrier00 (disabled)"})
                .ok());
    CHECK(r.route.reason == "route 44@1 (priority): carrier00, carrier01; passed over carrier00 (disabled)");
    CHECK(r.route.carrier == "carrier00");  // still the route's first choice
    // Rounds after it replace the note: it never grows with the rounds.
    for (int round = 2; round < 50; ++round)
        REQUIRE(apply(r, StateChange{.status = MessageStatus::queued,
                                     .at = at_ms(round),
                                     .passed_over = "carrier00 (disabled), carrier01 (no bind up)"})
                    .ok());
    CHECK(r.route.reason ==
          "route 44@1 (priority): carrier00, carrier01; passed over carrier00 (disabled), carrier01 (no bind up)");
    // A change that says nothing of it leaves it.
    REQUIRE(apply(r, StateChange{.status = MessageStatus::queued, .at = at_ms(60)}).ok());
    CHECK(r.route.reason.ends_with("carrier01 (no bind up)"));
    // A round that passed nothing over drops it.
    REQUIRE(apply(r, StateChange{.status = MessageStatus::sending,
                                 .at = at_ms(61),
                                 .attempt = Attempt{.carrier = "carrier00", .at = at_ms(61)},
                                 .passed_over = ""})
                .ok());
    CHECK(r.route.reason == "route 44@1 (priority): carrier00, carrier01");
}

TEST_CASE("state change: a refused change leaves the route reason alone", "[store][state_change]") {
    MessageRecord r;
    r.id = MessageId(46);
    r.route = {"carrier00", "route 44@1 (priority): carrier00"};
    r.status = MessageStatus::sent;
    REQUIRE_FALSE(apply(r, StateChange{.status = MessageStatus::queued,
                                       .at = at_ms(1),
                                       .only_from = {MessageStatus::accepted, MessageStatus::queued},
                                       .passed_over = "carrier00 (stalled)"})
                      .ok());
    CHECK(r.route.reason == "route 44@1 (priority): carrier00");
}
