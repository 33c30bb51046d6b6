#include "smpp/session/connection_limits.hpp"

#include <vector>

#include <catch2/catch.hpp>

using smpp::session::ConnectionLimits;
using boost::asio::ip::make_address;

TEST_CASE("connection limits: per address and in all; a place frees when its token goes", "[session][limits]") {
    auto limits = ConnectionLimits::create(5, 2);
    const auto a = make_address("10.0.0.1");
    const auto b = make_address("10.0.0.2");
    auto a1 = limits->admit(a);
    auto a2 = limits->admit(a);
    REQUIRE(a1);
    REQUIRE(a2);
    CHECK_FALSE(limits->admit(a));  // a third from 10.0.0.1
    // The same host over an IPv6 socket counts as the same address.
    CHECK_FALSE(limits->admit(make_address("::ffff:10.0.0.1")));
    CHECK(limits->open_from(a) == 2);
    std::vector<std::shared_ptr<void>> others;
    for (int i = 0; i < 3; ++i) others.push_back(limits->admit(make_address("10.0.1." + std::to_string(i))));
    for (const auto& t : others) CHECK(t);
    CHECK(limits->open() == 5);
    CHECK_FALSE(limits->admit(b));  // 5 in all
    CHECK(limits->refused() == 3);
    a1.reset();
    CHECK(limits->open() == 4);
    CHECK(limits->open_from(a) == 1);
    CHECK(limits->admit(b));  // its place back (the token is dropped at once here)
    auto again = limits->admit(a);
    CHECK(again);
    CHECK(limits->open_from(a) == 2);
}

TEST_CASE("connection limits: 0 is no limit", "[session][limits]") {
    auto limits = ConnectionLimits::create(0, 0);
    std::vector<std::shared_ptr<void>> held;
    for (int i = 0; i < 1000; ++i) held.push_back(limits->admit(make_address("127.0.0.1")));
    for (const auto& t : held) CHECK(t);
    CHECK(limits->open() == 1000);
    held.clear();
    CHECK(limits->open() == 0);
    CHECK(limits->open_from(make_address("127.0.0.1")) == 0);
}

TEST_CASE("connection limits: a token may outlive the limits object", "[session][limits]") {
    std::shared_ptr<void> token;
    {
        auto limits = ConnectionLimits::create(1, 1);
        token = limits->admit(make_address("10.0.0.9"));
        REQUIRE(token);
    }
    token.reset();  // releases into the object it kept alive
}

TEST_CASE("connection limits: IPv6 peers count per /64, not per address", "[session][limits]") {
    // One host on a /64 could open each connection from a new address;
    // counted per /128 it would never meet the per-address cap.
    auto limits = ConnectionLimits::create(0, 2);
    auto first = limits->admit(make_address("2001:db8:0:1::1"));
    auto second = limits->admit(make_address("2001:db8:0:1::2"));
    REQUIRE(first);
    REQUIRE(second);
    CHECK_FALSE(limits->admit(make_address("2001:db8:0:1:ffff::3")));
    CHECK(limits->open_from(make_address("2001:db8:0:1::99")) == 2);
    // The neighbouring /64 is someone else.
    auto neighbour = limits->admit(make_address("2001:db8:0:2::1"));
    CHECK(neighbour);
    first.reset();
    CHECK(limits->admit(make_address("2001:db8:0:1::4")));
}
