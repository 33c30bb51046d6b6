// A carrier whose SMSC speaks TLS: its binds handshake with our client
// certificate before bind_transceiver; the wrong CA never reaches a bind.
#include <catch2/catch.hpp>

#include "smpp/carrier/carrier.hpp"
#include "smpp/session/tls_context.hpp"
#include "test/smpp/session/tls_certs.hpp"
#include "test_smsc.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

using namespace smpp::carrier;
using namespace smpp::carrier::test;
using smpp::session::test::TlsCerts;

namespace {

std::shared_ptr<boost::asio::ssl::context> smsc_context(const TlsCerts& certs) {
    auto r = smpp::session::make_server_context({certs.server_cert, certs.server_key, certs.ca, true});
    REQUIRE(r.error == "");
    return r.context;
}

CarrierSettings tls_settings(std::uint16_t port, const TlsCerts& certs) {
    auto s = test_settings(port);
    s.tls.enabled = true;
    s.tls.ca_file = certs.ca;
    s.tls.cert_file = certs.client_cert;
    s.tls.key_file = certs.client_key;
    return s;
}

}  // namespace

TEST_CASE("carrier: TLS with a client certificate binds and submits") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    TestSmsc smsc(loop, smsc_context(certs));
    auto s = tls_settings(smsc.port(), certs);
    s.binds = 2;
    auto c = Carrier::create(loop.ioc.get_executor(), s);
    c->start();
    REQUIRE(loop.run_until([&] { return all_bound(*c); }));
    for (const auto& sess : smsc.sessions()) CHECK(sess->is_tls());

    Outcomes out;
    for (int i = 0; i < 20; ++i) submit(*c, out, "m" + std::to_string(i));
    REQUIRE(loop.run_until([&] { return out.got.size() == 20; }));
    CHECK(out.count<Sent>() == 20);
    CHECK(smsc.accepted.size() == 20);
    for (const auto& b : c->snapshot().binds) CHECK(b.last_error.empty());
    stop(loop, *c);
    smsc.stop();
}

TEST_CASE("carrier: TLS against an SMSC certificate from another CA fails the handshake and backs off") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    TestSmsc smsc(loop, smsc_context(certs));
    auto s = tls_settings(smsc.port(), certs);
    s.tls.ca_file = certs.other_ca;
    s.reconnect = {50ms, 50ms, 0.0};
    s.max_failed_binds = 2;
    auto c = Carrier::create(loop.ioc.get_executor(), s);
    c->start();
    // No bind was ever sent, so no account can be locked: it keeps trying at
    // the backoff (and is back within one once the certificate is fixed),
    // without the hold-off of refused binds.
    REQUIRE(loop.run_until([&] { return c->snapshot().binds[0].consecutive_failures >= 4; }));
    const auto b = c->snapshot().binds[0];
    CHECK(b.state == bind_state::connecting);
    CHECK(b.last_error.starts_with("tls handshake failed: certificate verify failed ("));
    CHECK(smsc.bind_attempts == 0);  // never got as far as bind_transceiver
    stop(loop, *c);
    smsc.stop();
}

TEST_CASE("carrier: TLS to an smpp-sim carrier that requires a client certificate") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    smpp::sim::CarrierSettings ss;
    ss.name = "sim-tls";
    ss.system_id = "c01";
    ss.password = "pw01";
    ss.receipt_delay = 60s;
    ss.session.enquire_link_interval = 0ms;
    ss.tls = smpp::session::TlsServerSettings{certs.server_cert, certs.server_key, certs.ca, true};
    auto sim = smpp::sim::SimCarrier::create(loop.ioc.get_executor(), ss);
    sim->start();
    auto c = Carrier::create(loop.ioc.get_executor(), tls_settings(sim->port(), certs));
    c->start();
    REQUIRE(loop.run_until([&] { return all_bound(*c); }));
    Outcomes out;
    for (int i = 0; i < 10; ++i) submit(*c, out, "m" + std::to_string(i));
    REQUIRE(loop.run_until([&] { return out.got.size() == 10; }));
    CHECK(out.count<Sent>() == 10);
    CHECK(sim->stats().submits == 10);
    stop(loop, *c);
    bool done = false;
    sim->stop([&] { done = true; });
    loop.run_until([&] { return done; });

    // Without a CA to check client certificates against, the sim refuses to start.
    ss.tls->ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_WITH(smpp::sim::SimCarrier::create(loop.ioc.get_executor(), ss),
                      Catch::StartsWith("carrier sim-tls: tls.ca_file /nonexistent/ca.pem: "));
}
