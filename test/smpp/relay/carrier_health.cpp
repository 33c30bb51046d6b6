#include "smpp/relay/carrier_health.hpp"

#include <catch2/catch.hpp>

#include "../carrier/test_smsc.hpp"

using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using carrier::test::TestSmsc;
using routing::TrafficClass;

namespace {

const auto t0 = store::Timestamp(std::chrono::milliseconds(1'800'000'000'000));

std::shared_ptr<relay::MessageRouter> router_with_country() {
    routing::RouteTable t;
    routing::RouteEntry e;
    e.prefix = "44";
    e.country = "GB";
    routing::Candidate c;
    c.carrier = "carrier01";
    c.priority = 1;
    e.candidates.push_back(c);
    t.entries.push_back(e);
    auto r = relay::MessageRouter::from_table(t);
    REQUIRE(r.ok());
    return std::move(r).value();
}

}  // namespace

TEST_CASE("carrier health: final receipts count for carrier x the route's country; intermediate ones do not",
          "[relay][health]") {
    routing::health::HealthMonitor monitor;
    auto router = router_with_country();
    store::ReceiptMatch m;
    m.outcome = store::receipt_outcome::matched;
    m.carrier = "carrier01";
    m.destination = "+447700900123";
    m.sent_at = t0;
    m.reported = store::MessageStatus::delivered;
    relay::report_receipt(monitor, *router, m, t0 + 2s);
    m.reported = store::MessageStatus::sent;  // ENROUTE
    relay::report_receipt(monitor, *router, m, t0 + 3s);
    m.reported = store::MessageStatus::undeliverable;
    relay::report_receipt(monitor, *router, m, t0 + 4s);

    const auto entries = monitor.snapshot();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].carrier == "carrier01");
    CHECK(entries[0].country == "GB");
    CHECK(entries[0].receipts_15m == 2);
    CHECK(entries[0].delivered_15m == 1);
}

TEST_CASE("carrier health: a carrier with no bound bind is reported down, one bound is up", "[relay][health]") {
    Loop loop;
    TestSmsc smsc(loop);
    auto up_settings = carrier::test::test_settings(smsc.port());
    up_settings.id = "carrier-up";
    auto down_settings = carrier::test::test_settings(1);  // nothing listens on port 1
    down_settings.id = "carrier-down";
    relay::BindWatch::Carriers carriers{
        {"carrier-up", carrier::Carrier::create(loop.ioc.get_executor(), up_settings)},
        {"carrier-down", carrier::Carrier::create(loop.ioc.get_executor(), down_settings)}};
    for (auto& [id, c] : carriers) c->start();
    REQUIRE(loop.run_until([&] { return carrier::test::all_bound(*carriers.at("carrier-up")); }, 5s));

    auto monitor = std::make_shared<routing::health::HealthMonitor>();
    auto watch = relay::BindWatch::create(loop.ioc.get_executor(), carriers, monitor);
    watch->check();
    CHECK(monitor->carrier_cut("carrier-down", TrafficClass::transactional));
    CHECK_FALSE(monitor->carrier_cut("carrier-up", TrafficClass::transactional));

    watch->stop();
    for (auto& [id, c] : carriers) carrier::test::stop(loop, *c);
    smsc.stop();
    loop.run_for(20ms);
}

TEST_CASE("carrier health: a carrier whose transmitters are down is down, though its receiver is bound",
          "[relay][health]") {
    Loop loop;
    TestSmsc smsc(loop);
    smsc.refuse_bind_types = {session::bind_type::transmitter};
    auto settings = carrier::test::test_settings(smsc.port());
    settings.id = "carrier-rx";
    settings.mode = carrier::bind_mode::transmitter_receiver;
    relay::BindWatch::Carriers carriers{{"carrier-rx", carrier::Carrier::create(loop.ioc.get_executor(), settings)}};
    carriers.at("carrier-rx")->start();
    auto receiver_bound = [&] {
        for (const auto& b : carriers.at("carrier-rx")->snapshot().binds)
            if (b.type == session::bind_type::receiver && b.state == carrier::bind_state::bound) return true;
        return false;
    };
    REQUIRE(loop.run_until(receiver_bound, 5s));

    auto monitor = std::make_shared<routing::health::HealthMonitor>();
    auto watch = relay::BindWatch::create(loop.ioc.get_executor(), carriers, monitor);
    watch->check();
    CHECK(monitor->carrier_cut("carrier-rx", TrafficClass::transactional));

    watch->stop();
    carrier::test::stop(loop, *carriers.at("carrier-rx"));
    smsc.stop();
    loop.run_for(20ms);
}
