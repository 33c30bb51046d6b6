#include "smpp/session/peer_group.hpp"

#include <catch2/catch.hpp>

using smpp::session::PeerGroup;
using boost::asio::ip::make_address;

TEST_CASE("peer group: an IPv4 address is its own group", "[session][peer_group]") {
    const PeerGroup g(make_address("192.0.2.7"));
    CHECK(g.to_string() == "192.0.2.7");
    CHECK(g.prefix_length() == 32);
    CHECK(g == PeerGroup(make_address("192.0.2.7")));
    CHECK_FALSE(g == PeerGroup(make_address("192.0.2.8")));
}

TEST_CASE("peer group: an IPv4-mapped IPv6 peer is the IPv4 address", "[session][peer_group]") {
    const PeerGroup g(make_address("::ffff:192.0.2.7"));
    CHECK(g == PeerGroup(make_address("192.0.2.7")));
    CHECK(g.network().is_v4());
    CHECK(g.to_string() == "192.0.2.7");
}

TEST_CASE("peer group: IPv6 peers are grouped by /64", "[session][peer_group]") {
    const PeerGroup g(make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
    CHECK(g.to_string() == "2001:db8:1:2::/64");
    CHECK(g.prefix_length() == 64);
    // Anything in the same /64, however far apart, is the same peer.
    CHECK(g == PeerGroup(make_address("2001:db8:1:2::1")));
    CHECK(g == PeerGroup(make_address("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    // The next /64 is not.
    CHECK_FALSE(g == PeerGroup(make_address("2001:db8:1:3::1")));
    CHECK(PeerGroup(make_address("2001:db8:1:2::1")) < PeerGroup(make_address("2001:db8:1:3::1")));
    // An IPv4 address and an IPv6 network never compare equal.
    CHECK_FALSE(PeerGroup(make_address("::1")) == PeerGroup(make_address("0.0.0.1")));
}
