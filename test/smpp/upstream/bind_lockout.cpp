#include "smpp/upstream/bind_lockout.hpp"

#include <catch2/catch.hpp>

using namespace smpp::upstream;
using namespace std::chrono_literals;
using boost::asio::ip::make_address;

namespace {
const BindLockout::clock::time_point t0 = BindLockout::clock::time_point{} + 1h;
}

TEST_CASE("an address is locked after max_failures within the window", "[upstream][bind_lockout]") {
    BindLockout l({.max_failures = 2, .window = 10s});
    const auto a = make_address("192.0.2.1");
    CHECK_FALSE(l.locked(a, t0));
    l.record_failure(a, t0);
    CHECK_FALSE(l.locked(a, t0 + 1s));
    l.record_failure(a, t0 + 5s);
    CHECK(l.locked(a, t0 + 5s));
    CHECK(l.locked(a, t0 + 9999ms));
    // The first failure left the window: one failure left, not locked.
    CHECK_FALSE(l.locked(a, t0 + 10s));
    CHECK(l.tracked() == 1);
    CHECK_FALSE(l.locked(a, t0 + 15s));
    CHECK(l.tracked() == 0);
    // The same host over IPv4-mapped IPv6 is the same address.
    l.record_failure(make_address("::ffff:192.0.2.1"), t0 + 20s);
    l.record_failure(a, t0 + 20s);
    CHECK(l.locked(make_address("::ffff:192.0.2.1"), t0 + 21s));
    CHECK_FALSE(l.locked(make_address("192.0.2.2"), t0 + 21s));
}

TEST_CASE("failures spread wider than the window never lock", "[upstream][bind_lockout]") {
    BindLockout l({.max_failures = 3, .window = 60s});
    const auto a = make_address("2001:db8::7");
    for (int i = 0; i < 20; ++i) {
        l.record_failure(a, t0 + i * 31s);
        CHECK_FALSE(l.locked(a, t0 + i * 31s));
    }
}

TEST_CASE("tracked addresses are capped; the least recently failing is forgotten", "[upstream][bind_lockout]") {
    BindLockout l({.max_failures = 1, .window = 60s, .max_tracked_addresses = 3});
    const auto a = make_address("192.0.2.1"), b = make_address("192.0.2.2"), c = make_address("192.0.2.3"),
               d = make_address("192.0.2.4");
    l.record_failure(a, t0);
    l.record_failure(b, t0 + 1s);
    l.record_failure(c, t0 + 2s);
    l.record_failure(a, t0 + 3s);  // a is now the most recent
    l.record_failure(d, t0 + 4s);  // evicts b
    CHECK(l.tracked() == 3);
    CHECK(l.locked(a, t0 + 5s));
    CHECK_FALSE(l.locked(b, t0 + 5s));
    CHECK(l.locked(c, t0 + 5s));
    CHECK(l.locked(d, t0 + 5s));
}

TEST_CASE("IPv6 failures count per /64; the lock covers the whole /64", "[upstream][bind_lockout]") {
    // A guesser with a /64 binding from a new address each time must not
    // get max_failures tries per address.
    BindLockout l({.max_failures = 3, .window = 60s});
    l.record_failure(make_address("2001:db8:5:6::1"), t0);
    l.record_failure(make_address("2001:db8:5:6::2"), t0 + 1s);
    l.record_failure(make_address("2001:db8:5:6:1234::3"), t0 + 2s);
    CHECK(l.locked(make_address("2001:db8:5:6::ffff"), t0 + 3s));
    CHECK(l.tracked() == 1);
    CHECK_FALSE(l.locked(make_address("2001:db8:5:7::1"), t0 + 3s));
}

TEST_CASE("lockout settings validation", "[upstream][bind_lockout]") {
    CHECK_FALSE(BindLockoutSettings{}.validate());
    CHECK(BindLockoutSettings{.max_failures = 0}.validate() ==
          FieldError{"max_failures", "must be between 1 and 1000"});
    CHECK(BindLockoutSettings{.window = 0s}.validate() == FieldError{"window", "must be between 1s and 24h"});
    CHECK(BindLockoutSettings{.max_tracked_addresses = 0}.validate() ==
          FieldError{"max_tracked_addresses", "must be between 1 and 10000000"});
}
