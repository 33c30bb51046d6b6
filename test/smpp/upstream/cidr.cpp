#include "smpp/upstream/cidr.hpp"

#include <catch2/catch.hpp>

using smpp::upstream::Cidr;
using boost::asio::ip::make_address;

TEST_CASE("IPv4 networks contain their addresses and no others", "[upstream][cidr]") {
    auto net = Cidr::parse("192.0.2.0/24");
    REQUIRE(net);
    CHECK(net->to_string() == "192.0.2.0/24");
    CHECK(net->contains(make_address("192.0.2.0")));
    CHECK(net->contains(make_address("192.0.2.255")));
    CHECK_FALSE(net->contains(make_address("192.0.3.0")));
    CHECK_FALSE(net->contains(make_address("2001:db8::1")));
    // A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6.
    CHECK(net->contains(make_address("::ffff:192.0.2.7")));
    CHECK_FALSE(net->contains(make_address("::ffff:192.0.3.7")));

    auto odd = Cidr::parse("10.64.0.0/10");
    REQUIRE(odd);
    CHECK(odd->contains(make_address("10.127.255.255")));
    CHECK_FALSE(odd->contains(make_address("10.128.0.0")));
    CHECK(Cidr::parse("0.0.0.0/0")->contains(make_address("203.0.113.9")));
}

TEST_CASE("IPv6 networks and single hosts", "[upstream][cidr]") {
    auto net = Cidr::parse("2001:db8:abcd::/48");
    REQUIRE(net);
    CHECK(net->contains(make_address("2001:db8:abcd:ffff::1")));
    CHECK_FALSE(net->contains(make_address("2001:db8:abce::1")));
    CHECK_FALSE(net->contains(make_address("192.0.2.1")));

    auto host = Cidr::parse("::1");
    REQUIRE(host);
    CHECK(host->prefix_length() == 128);
    CHECK(host->contains(make_address("::1")));
    CHECK_FALSE(host->contains(make_address("::2")));
    auto v4host = Cidr::parse("127.0.0.1");
    REQUIRE(v4host);
    CHECK(v4host->to_string() == "127.0.0.1/32");
}

TEST_CASE("malformed networks are refused", "[upstream][cidr]") {
    for (const char* bad : {"", "/24", "192.0.2.0/", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1",
                            "192.0.2.0/24x", "192.0.2/24", "10.0.0.1/8", "2001:db8::1/32", "host.example/32"}) {
        INFO(bad);
        CHECK_FALSE(Cidr::parse(bad));
    }
}

TEST_CASE("IPv4-mapped IPv6 networks match the IPv4 peers they name", "[upstream][cidr]") {
    // Peers are compared as IPv4, so the mapped form must become the IPv4 one.
    auto net = Cidr::parse("::ffff:10.0.0.0/104");
    REQUIRE(net);
    CHECK(net->to_string() == "10.0.0.0/8");
    CHECK(net->contains(make_address("10.1.2.3")));
    CHECK(net->contains(make_address("::ffff:10.1.2.3")));
    CHECK_FALSE(net->contains(make_address("11.0.0.1")));
    CHECK_FALSE(net->contains(make_address("::ffff:11.0.0.1")));

    auto host = Cidr::parse("::ffff:192.0.2.7");
    REQUIRE(host);
    CHECK(host->to_string() == "192.0.2.7/32");
    CHECK(host->contains(make_address("192.0.2.7")));
    CHECK(Cidr::parse("::ffff:0.0.0.0/96")->contains(make_address("203.0.113.9")));
    // Host bits still count, and no prefix under 96 can be mapped.
    CHECK_FALSE(Cidr::parse("::ffff:10.0.0.1/104"));
    CHECK_FALSE(Cidr::parse("::ffff:0.0.0.0/95"));
}
