#include "smpp/upstream/upstream_bind_label.hpp"

#include <catch2/catch.hpp>

using namespace smpp;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using session::session_state;

TEST_CASE("upstream bind label: bind type, address and port of the peer", "[upstream]") {
    const tcp::endpoint v4(make_address("10.0.0.5"), 41234);
    CHECK(upstream::upstream_bind_label(session_state::bound_trx, v4) == "transceiver@10.0.0.5:41234");
    CHECK(upstream::upstream_bind_label(session_state::bound_tx, v4) == "transmitter@10.0.0.5:41234");
    CHECK(upstream::upstream_bind_label(session_state::bound_rx, v4) == "receiver@10.0.0.5:41234");
    // Not bound (a submit is never taken then, but the label stays truthful).
    CHECK(upstream::upstream_bind_label(session_state::unbinding, v4) == "unbinding@10.0.0.5:41234");

    // IPv6 in brackets, so the port stays readable.
    const tcp::endpoint v6(make_address("2001:db8::1"), 2775);
    CHECK(upstream::endpoint_label(v6) == "[2001:db8::1]:2775");
    CHECK(upstream::upstream_bind_label(session_state::bound_rx, v6) == "receiver@[2001:db8::1]:2775");
    CHECK(upstream::endpoint_label(v4) == "10.0.0.5:41234");
}
