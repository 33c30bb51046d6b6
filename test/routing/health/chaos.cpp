// Chaos at the routing level: a simulated route (injected clock, simulated
// carriers) degrades carrier a for GB (errors, slow submit_sm_resp, lost
// receipts); the real Selector over a compiled table, with the
// HealthMonitor as its HealthView, must move GB's traffic to b within
// seconds, probe, ramp back 1 % -> 10 % -> 50 % -> 100 %, and route every
// message throughout. Shares are checked exactly: the monitor's pass counter
// is deterministic.
#include <deque>
#include <map>

#include <catch2/catch.hpp>

#include "routing/compiled_table.hpp"
#include "routing/health/health_monitor.hpp"
#include "routing/selector.hpp"

using namespace smpp::routing;
using namespace smpp::routing::health;
using namespace std::chrono_literals;

namespace {

Candidate cand(std::string carrier, std::uint32_t priority) {
    Candidate c;
    c.carrier = std::move(carrier);
    c.priority = priority;
    return c;
}

CompiledTable table() {
    RouteTable t;
    t.entries.push_back(RouteEntry{"44", "GB", {cand("a", 1), cand("b", 2)}});
    t.entries.push_back(RouteEntry{"33", "FR", {cand("a", 1), cand("b", 2)}});
    t.entries.push_back(RouteEntry{"49", "DE", {cand("a", 1), cand("b", 2)}});
    auto c = CompiledTable::compile(t, 1);
    REQUIRE(c.ok());
    return std::move(c).value();
}

SelectRequest request(std::string_view destination) {
    SelectRequest r;
    r.destination = destination;
    r.traffic_class = TrafficClass::transactional;
    r.source_addr = "ACME";
    r.source_addr_ton = 5;
    r.now = std::chrono::system_clock::time_point{} + 12h;
    return r;
}

// A carrier x country as the simulator plays it.
struct Fault {
    time_point from;
    time_point to;
    bool active(time_point t) const { return t >= from && t < to; }
};

struct Receipt {
    time_point due;
    std::string carrier;
    std::string country;
    std::chrono::milliseconds latency;
};

// A run of selections under one circuit state and share.
struct Segment {
    CircuitState state;
    std::uint16_t permille;
    std::uint64_t selections = 0;
    std::uint64_t to_a = 0;
    time_point start;
};

struct Route {
    time_point now = time_point{} + 1000h;
    HealthMonitor monitor{{}, [this] { return now; }};
    CompiledTable compiled = table();
    Selector selector{{}, monitor};
    std::deque<Receipt> receipts;  // kept in due order by due()
    std::map<std::string, std::uint64_t> submits_by_carrier;
    std::uint64_t selections = 0;
    std::uint64_t routed = 0;
    CircuitStatus gb_circuit;

    // One message to `destination`; `degraded`: how carrier a answers it.
    std::string send(std::string_view destination, std::string_view country, bool degraded) {
        ++selections;
        Decision d = selector.select(compiled.view(), request(destination));
        // The circuit this selection saw, before its outcome can move it.
        if (country == "GB") gb_circuit = monitor.circuit("a", "GB", TrafficClass::transactional);
        if (!d.routed()) return {};
        ++routed;
        const std::string carrier = d.carriers.front();
        const std::uint64_t n = submits_by_carrier[carrier]++;
        if (carrier == "a" && degraded) {
            // 40 % errors, slow responses, half the receipts lost.
            const bool error = n % 5 < 2;
            monitor.on_submit(carrier, country, error ? 0x08u : 0x00u, 2s);
            if (!error && n % 2 == 0) due(carrier, country, 30s);
        } else {
            monitor.on_submit(carrier, country, 0x00u, 20ms);
            due(carrier, country, 5s);
        }
        return carrier;
    }

    void due(std::string_view carrier, std::string_view country, std::chrono::milliseconds latency) {
        Receipt r{now + latency, std::string(carrier), std::string(country), latency};
        auto it = receipts.end();
        while (it != receipts.begin() && std::prev(it)->due > r.due) --it;
        receipts.insert(it, std::move(r));
    }

    void deliver_due() {
        while (!receipts.empty() && receipts.front().due <= now) {
            const auto& r = receipts.front();
            monitor.on_receipt(r.carrier, r.country, ReceiptState::delivered, r.latency);
            receipts.pop_front();
        }
    }
};

std::uint64_t expected_passes(std::uint64_t n, std::uint16_t permille) { return (n * permille + 999) / 1000; }

}  // namespace

TEST_CASE("chaos: carrier a degrades for GB - traffic fails over to b and ramps back with nothing lost") {
    Route route;
    const time_point t0 = route.now;
    const Fault fault{t0 + 600s, t0 + 780s};
    std::vector<Segment> segments;
    std::optional<time_point> detected;
    std::uint64_t fr_to_b = 0;
    std::uint64_t gb_to_b_during_fault = 0;
    std::uint64_t gb_during_fault = 0;

    // 20 messages a second to GB, 5 to FR, for 20 minutes.
    for (std::uint64_t step = 0; step < 24000; ++step) {
        route.now = t0 + std::chrono::milliseconds(step * 50);
        route.deliver_due();
        const bool degraded = fault.active(route.now);
        const std::string gb = route.send("447911123456", "GB", degraded);
        REQUIRE_FALSE(gb.empty());
        const auto& c = route.gb_circuit;
        if (segments.empty() || segments.back().state != c.state || segments.back().permille != c.permille)
            segments.push_back(Segment{c.state, c.permille, 0, 0, route.now});
        ++segments.back().selections;
        if (gb == "a") ++segments.back().to_a;
        if (c.state == CircuitState::open && !detected) detected = route.now;
        if (degraded) {
            ++gb_during_fault;
            if (gb == "b") ++gb_to_b_during_fault;
        }
        if (step % 4 == 0) {
            const std::string fr = route.send("33612345678", "FR", false);
            REQUIRE_FALSE(fr.empty());
            if (fr == "b") ++fr_to_b;
        }
    }

    // Nothing lost: every selection named a carrier.
    CHECK(route.routed == route.selections);
    CHECK(route.selections == 24000 + 6000);

    // Detected within seconds of the fault (the 1 min window at 40 % errors).
    REQUIRE(detected);
    CHECK(*detected >= fault.from);
    CHECK(*detected - fault.from <= 15s);  // about 10 s: the 1 min window passes 5 %
    // Most of the fault's GB traffic went to b; FR never left a.
    CHECK(gb_to_b_during_fault * 10 >= gb_during_fault * 9);
    CHECK(fr_to_b == 0);
    CHECK(route.monitor.circuit("a", "FR", TrafficClass::transactional).transitions == 0);

    // Every segment's share to a is exact: none while open, ceil(N * share) probing or ramping.
    for (const auto& s : segments) {
        INFO("segment " << name(s.state) << " " << s.permille << " at +"
                        << std::chrono::duration_cast<std::chrono::seconds>(s.start - t0).count() << "s: "
                        << s.to_a << " of " << s.selections);
        switch (s.state) {
        case CircuitState::closed: CHECK(s.to_a == s.selections); break;
        case CircuitState::open: CHECK(s.to_a == 0); break;
        case CircuitState::half_open:
        case CircuitState::ramping: CHECK(s.to_a == expected_passes(s.selections, s.permille)); break;
        }
    }
    // Probes during the fault reopened it; after the fault the circuit went
    // half-open (1 %) -> 10 % -> 50 % -> closed (100 %), and stayed closed.
    REQUIRE(segments.size() >= 6);
    const auto n = segments.size();
    CHECK(segments[n - 5].state == CircuitState::open);
    CHECK(segments[n - 4].state == CircuitState::half_open);
    CHECK(segments[n - 4].permille == 10);
    CHECK(segments[n - 4].start >= fault.to);
    CHECK(segments[n - 3].state == CircuitState::ramping);
    CHECK(segments[n - 3].permille == 100);
    CHECK(segments[n - 2].state == CircuitState::ramping);
    CHECK(segments[n - 2].permille == 500);
    CHECK(segments[n - 1].state == CircuitState::closed);
    // Each step held 30 s (it moves on the first submit to a after that).
    CHECK(segments[n - 2].start - segments[n - 3].start >= 30s);
    CHECK(segments[n - 2].start - segments[n - 3].start <= 31s);
    CHECK(segments[n - 1].start - segments[n - 2].start >= 30s);
    CHECK(segments[n - 1].start - segments[n - 2].start <= 31s);
    int reopened = 0;
    for (std::size_t i = 1; i + 5 < n; ++i)
        if (segments[i].state == CircuitState::open && segments[i - 1].state == CircuitState::half_open) ++reopened;
    CHECK(reopened >= 1);
    CHECK(segments[n - 1].to_a == segments[n - 1].selections);
    CHECK(route.monitor.counters().opened >= 2);
}

TEST_CASE("chaos: a's binds go down - every country fails over at once and ramps back after") {
    Route route;
    const time_point t0 = route.now;
    std::map<std::string, std::uint64_t> while_down;
    for (std::uint64_t step = 0; step < 4000; ++step) {  // 200 s at 20 messages a second
        route.now = t0 + std::chrono::milliseconds(step * 50);
        route.deliver_due();
        if (step == 1000) route.monitor.carrier_down("a");
        if (step == 2000) route.monitor.carrier_up("a");
        const bool down = step >= 1000 && step < 2000;
        const std::string gb = route.send("447911123456", "GB", false);
        const std::string de = route.send("4930123456", "DE", false);
        REQUIRE_FALSE(gb.empty());
        REQUIRE_FALSE(de.empty());
        if (down) {
            ++while_down[gb];
            ++while_down[de];
        }
    }
    CHECK(route.routed == route.selections);
    CHECK(while_down["a"] == 0);
    CHECK(while_down["b"] == 2000);
    // Up at +100 s: 5 probes at 1 % (the first at once, then every 100
    // messages: 20 s), then 30 s at 10 %, 30 s at 50 %: closed by +181 s.
    CHECK(route.monitor.circuit("a", "GB", TrafficClass::transactional).state == CircuitState::closed);
    CHECK(route.monitor.circuit("a", "DE", TrafficClass::transactional).state == CircuitState::closed);
}

TEST_CASE("chaos: one country failing leaves a's other countries - all of them failing cuts a everywhere") {
    Route route;
    const time_point t0 = route.now;
    auto run = [&](std::uint64_t from, std::uint64_t to, bool gb_bad, bool fr_bad) {
        for (std::uint64_t step = from; step < to; ++step) {
            route.now = t0 + std::chrono::milliseconds(step * 50);
            route.deliver_due();
            REQUIRE_FALSE(route.send("447911123456", "GB", gb_bad).empty());
            REQUIRE_FALSE(route.send("33612345678", "FR", fr_bad).empty());
        }
    };
    run(0, 2000, false, false);
    run(2000, 2600, true, false);  // GB fails for 30 s
    CHECK(route.monitor.open("a", "GB"));
    CHECK_FALSE(route.monitor.open("a", "FR"));
    // DE has seen no traffic yet: a is not cut, DE still goes to a.
    CHECK(route.selector.select(route.compiled.view(), request("4930123456")).carriers.front() == "a");
    // FR fails too: a is cut as a whole once both circuits are open.
    std::uint64_t step = 2600;
    while (!route.monitor.carrier_cut("a", TrafficClass::transactional) && step < 3800) {
        run(step, step + 1, true, true);
        ++step;
    }
    CHECK(step < 3800);
    CHECK(route.monitor.open("a", "GB"));
    CHECK(route.monitor.open("a", "FR"));
    Decision de = route.selector.select(route.compiled.view(), request("4930123456"));
    CHECK(de.carriers == std::vector<std::string>{"b"});
    REQUIRE(de.skipped.size() == 1);
    CHECK(de.skipped[0].reason == "circuit open for DE");
    CHECK(route.routed == route.selections);
}
