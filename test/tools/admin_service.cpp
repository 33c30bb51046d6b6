#include "tools/smpp-connector/admin_service.hpp"

#include <catch2/catch.hpp>

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;

namespace {

std::vector<carrier::CarrierSnapshot> two_carriers() {
    carrier::CarrierSnapshot a;
    a.id = "c1";
    a.rate_tps = 200;
    a.queued = 3;
    a.queued_by_class = {1, 2, 0};
    a.in_flight = 2;
    carrier::BindSnapshot b;
    b.index = 0;
    b.type = session::bind_type::transceiver;
    b.state = carrier::bind_state::bound;
    b.since = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14T22:13:20Z
    b.endpoint = "127.0.0.1:2775";
    b.in_flight = 2;
    b.window = 10;
    b.counters.submits = 7;
    b.counters.sent = 5;
    a.binds.push_back(b);
    b.index = 1;
    b.state = carrier::bind_state::connecting;
    b.in_flight = 0;
    b.counters = {};
    b.consecutive_failures = 3;
    b.last_error = "connect: Connection refused\nsecond line";
    a.binds.push_back(b);
    carrier::CarrierSnapshot c;
    c.id = "c2";
    c.state = carrier::carrier_state::disabled;
    c.backup = true;
    return {a, c};
}

}  // namespace

TEST_CASE("admin_service: binds lists every carrier and each bind on its own line", "[tools][admin]") {
    AdminService service({.binds = two_carriers});
    CHECK(service.execute("binds\n") ==
          "ok 2 carriers, 2 binds\n"
          "c1 running queued=3 (otp=1 transactional=2 bulk=0) in_flight=2 rate=200/s rate_cuts=0\n"
          "  #0 transceiver bound since 2023-11-14T22:13:20Z 127.0.0.1:2775 window=2/10 failures=0 submits=7 sent=5 "
          "transient=0 permanent=0 in_doubt=0 reconnects=0 last_error=-\n"
          "  #1 transceiver connecting since 2023-11-14T22:13:20Z 127.0.0.1:2775 window=0/10 failures=3 submits=0 "
          "sent=0 transient=0 permanent=0 in_doubt=0 reconnects=0 last_error=\"connect: Connection refused second "
          "line\"\n"
          "c2 disabled backup queued=0 (otp=0 transactional=0 bulk=0) in_flight=0 rate=0/s rate_cuts=0\n");
    CHECK(service.execute("binds c1") == "error usage: binds\n");
}

TEST_CASE("admin_service: health filters by carrier and country and shows the circuit", "[tools][admin]") {
    routing::health::HealthSettings settings;
    auto now = routing::health::time_point{} + 1h;
    auto monitor = std::make_shared<routing::health::HealthMonitor>(settings, [&now] { return now; });
    for (int i = 0; i < 30; ++i) {
        monitor->on_submit("c1", "GB", 0x08, 5ms);  // ESME_RSYSERR: transient
        monitor->on_submit("c2", "GB", 0x00, 5ms);
        monitor->on_submit("c1", "FR", 0x00, 5ms);
    }
    AdminService service({.health = [monitor] { return monitor->snapshot(); }});

    const auto all = service.execute("health");
    CHECK(all.starts_with("ok 3 entries\nc1 FR "));
    const auto gb = service.execute("health c1 gb");
    REQUIRE(gb.starts_with("ok 1 entries\nc1 GB otp=open transactional=open bulk=open err5m="));
    CHECK(std::count(gb.begin(), gb.end(), '\n') == 2);
    CHECK(service.execute("health c2").starts_with("ok 1 entries\nc2 GB otp=closed transactional=closed bulk=closed"));
    CHECK(service.execute("health c9") == "ok 0 entries\n");
    CHECK(service.execute("health a b c") == "error usage: health [carrier] [country]\n");
}

TEST_CASE("admin_service: reload says ok or the file:line, bad requests get an error line", "[tools][admin]") {
    bool good = true;
    AdminService service({.reload = [&good] {
        return good ? ReloadResult{true, "route table generation 2 published (3 prefixes from routes.yaml)"}
                    : ReloadResult{false, "routes.yaml:7: routes[1].prefix: must be digits only"};
    }});
    CHECK(service.execute("reload\r\n") == "ok route table generation 2 published (3 prefixes from routes.yaml)\n");
    good = false;
    CHECK(service.execute("reload") == "error routes.yaml:7: routes[1].prefix: must be digits only\n");
    CHECK(service.execute("reload now") == "error usage: reload\n");

    CHECK(service.execute("") == "error empty request (try: help)\n");
    CHECK(service.execute("  \t ") == "error empty request (try: help)\n");
    CHECK(service.execute("launch") == "error unknown command 'launch' (binds, health, reload, help)\n");
    CHECK(service.execute("help").starts_with("ok commands\nbinds "));
    CHECK(service.execute("chaos c1 20s").starts_with("error chaos acts in smpp-sim "));
    // Nothing configured: each command says so instead of answering empty.
    CHECK(service.execute("binds") == "error no carriers configured (carriers_file)\n");
    CHECK(service.execute("health") == "error no health monitor (no carriers configured)\n");
    AdminService none({});
    CHECK(none.execute("reload") == "error no route table to reload (no carriers configured)\n");
}
