#include "routing/health/health_monitor.hpp"

#include <thread>

#include <catch2/catch.hpp>

using namespace smpp::routing;
using namespace smpp::routing::health;
using namespace std::chrono_literals;

namespace {

struct ManualClock {
    time_point now = time_point{} + 1000h;
    HealthMonitor::Clock fn() {
        return [this] { return now; };
    }
};

constexpr std::uint32_t rok = 0x00;
constexpr std::uint32_t rsyserr = 0x08;

void submits(HealthMonitor& m, std::string_view carrier, std::string_view country, int n, std::uint32_t status,
             std::chrono::milliseconds latency = 20ms) {
    for (int i = 0; i < n; ++i) m.on_submit(carrier, country, status, latency);
}

int passes(const HealthMonitor& m, std::string_view carrier, std::string_view country, int n,
           TrafficClass c = TrafficClass::transactional) {
    int passed = 0;
    for (int i = 0; i < n; ++i) passed += m.open(carrier, country, c) ? 0 : 1;
    return passed;
}

CircuitState state(const HealthMonitor& m, std::string_view carrier, std::string_view country,
                   TrafficClass c = TrafficClass::transactional) {
    return m.circuit(carrier, country, c).state;
}

// Opens a:GB's circuits with 20 errors.
void trip(HealthMonitor& m) {
    submits(m, "a", "GB", 20, rsyserr);
    REQUIRE(state(m, "a", "GB") == CircuitState::open);
}

}  // namespace

TEST_CASE("a few errors among a few submits do not trip - the 5 % threshold does past the minimum") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    submits(m, "a", "GB", 1, rsyserr);
    submits(m, "a", "GB", 2, rok);
    CHECK(state(m, "a", "GB") == CircuitState::closed);  // 1 in 3
    submits(m, "a", "GB", 17, rok);
    CHECK(state(m, "a", "GB") == CircuitState::closed);  // 1 in 20 = 5 %, not above
    CHECK_FALSE(m.open("a", "GB"));
    submits(m, "a", "GB", 1, rsyserr);
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.permille == 0);
    CHECK(c.reason == "error rate 9.5% (2/21) since the last transition above 5.0%; cool-down 30s");
    CHECK(m.open("a", "GB"));
    CHECK(m.counters().opened == 2);  // otp and transactional; bulk's threshold is 10 %
    CHECK(state(m, "a", "GB", TrafficClass::bulk) == CircuitState::closed);
}

// A permanent refusal is about the message: one account's bad sender id
// must not cut every account off the carrier.
TEST_CASE("permanent refusals do not trip a circuit - the carrier's own errors still do") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    for (int i = 0; i < 40; ++i) m.on_submit("a", "GB", SubmitClass::permanent, 20ms);
    submits(m, "a", "GB", 200, rok);
    for (auto c : {TrafficClass::otp, TrafficClass::transactional, TrafficClass::bulk})
        CHECK(state(m, "a", "GB", c) == CircuitState::closed);
    CHECK(m.counters().opened == 0);
    // Nor do they break a run of the carrier's own errors (10 in a row
    // trip; the rate, 10 in 259, would not).
    for (int i = 0; i < 9; ++i) {
        m.on_submit("a", "GB", SubmitClass::transient, 20ms);
        m.on_submit("a", "GB", SubmitClass::permanent, 20ms);
    }
    CHECK(state(m, "a", "GB") == CircuitState::closed);
    m.on_submit("a", "GB", SubmitClass::transient, 20ms);
    CHECK(state(m, "a", "GB") == CircuitState::open);
}

TEST_CASE("thresholds are per traffic class - each class has its view") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    submits(m, "a", "GB", 93, rok);
    submits(m, "a", "GB", 7, rsyserr);  // 7 %
    CHECK(m.view(TrafficClass::otp).open("a", "GB"));
    CHECK(m.view(TrafficClass::transactional).open("a", "GB"));
    CHECK_FALSE(m.view(TrafficClass::bulk).open("a", "GB"));
    CHECK(m.open("a", "GB"));  // the default class: transactional
}

TEST_CASE("open -> half-open after the cool-down: exactly the probe share passes") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    trip(m);
    clock.now += 29s;
    CHECK(passes(m, "a", "GB", 1000) == 0);
    clock.now += 1s;
    CHECK(!m.open("a", "GB"));  // the first question after the cool-down is the probe
    CHECK(state(m, "a", "GB") == CircuitState::half_open);
    CHECK(passes(m, "a", "GB", 99) == 0);
    CHECK(passes(m, "a", "GB", 900) == 9);  // 1 % of 1000, the first and every 100th
    CHECK(m.circuit("a", "GB", TrafficClass::transactional).permille == 10);
}

TEST_CASE("a bad probe reopens with a doubled cool-down") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    trip(m);
    clock.now += 30s;
    CHECK_FALSE(m.open("a", "GB"));
    submits(m, "a", "GB", 2, rok);
    submits(m, "a", "GB", 1, rsyserr);
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason == "probe failed (1 of 3 probes in error); cool-down 60s");
    clock.now += 59s;
    CHECK(m.open("a", "GB"));
    clock.now += 1s;
    CHECK_FALSE(m.open("a", "GB"));
    CHECK(state(m, "a", "GB") == CircuitState::half_open);
}

TEST_CASE("good probes start the ramp 10 % -> 50 % -> closed, each step held") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    trip(m);
    clock.now += 30s;
    CHECK_FALSE(m.open("a", "GB"));
    submits(m, "a", "GB", 5, rok);
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::ramping);
    CHECK(c.permille == 100);
    CHECK(c.reason == "5 probes ok: ramp to 10.0%");
    CHECK(passes(m, "a", "GB", 1000) == 100);
    clock.now += 29s;
    submits(m, "a", "GB", 10, rok);
    CHECK(m.circuit("a", "GB", TrafficClass::transactional).permille == 100);
    clock.now += 1s;
    submits(m, "a", "GB", 1, rok);
    c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.permille == 500);
    CHECK(c.reason == "held 30s healthy at 10.0% (11 submits): ramp to 50.0%");
    CHECK(passes(m, "a", "GB", 1000) == 500);
    clock.now += 30s;
    submits(m, "a", "GB", 1, rok);
    c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::closed);
    CHECK(c.permille == 1000);
    CHECK(c.reason == "held 30s healthy at 50.0% (1 submits): closed (100%)");
    CHECK(passes(m, "a", "GB", 1000) == 1000);
    // The 5 min window still holds the outage; the closed circuit judges since closing.
    submits(m, "a", "GB", 30, rok);
    CHECK(state(m, "a", "GB") == CircuitState::closed);
    auto k = m.counters();
    CHECK(k.half_opened == 3);  // otp, transactional, and bulk (its 60 s cool-down ended at 60 s)
    CHECK(k.closed == 2);
    CHECK(state(m, "a", "GB", TrafficClass::bulk) == CircuitState::ramping);
}

TEST_CASE("a bad ramp step reopens") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    trip(m);
    clock.now += 30s;
    submits(m, "a", "GB", 5, rok);
    REQUIRE(state(m, "a", "GB") == CircuitState::ramping);
    submits(m, "a", "GB", 9, rok);
    submits(m, "a", "GB", 1, rsyserr);  // 1 in 10 = 10 %
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason == "ramp step 10.0% failed: error rate 10.0% (1/10) above 5.0%; cool-down 60s");
}

TEST_CASE("a low delivery rate opens the circuit") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    submits(m, "a", "GB", 40, rok);
    for (int i = 0; i < 9; ++i) m.on_receipt("a", "GB", ReceiptState::delivered, 5s);
    for (int i = 0; i < 10; ++i) m.on_receipt("a", "GB", ReceiptState::undeliverable, 5s);
    CHECK(state(m, "a", "GB") == CircuitState::closed);  // 19 receipts: below the minimum
    m.on_receipt("a", "GB", ReceiptState::expired, 5s);
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason == "delivery rate 45.0% (9/20) since the last transition below 50.0%; cool-down 30s");
}

TEST_CASE("early warning: an error rate below the threshold but far above the hour's baseline") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    for (int i = 0; i < 1100; ++i) {  // 55 min, no errors
        m.on_submit("a", "GB", rok, 20ms);
        clock.now += 3s;
    }
    clock.now += 300s;  // a quiet 5 min, then 100 submits at once
    submits(m, "a", "GB", 100, rok);
    submits(m, "a", "GB", 2, rsyserr);  // 1.96 %: under the 2 % floor
    CHECK(state(m, "a", "GB") == CircuitState::closed);
    submits(m, "a", "GB", 1, rsyserr);  // 2.9 %: under 5 %, yet over 4 x 0 %
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason == "early warning: error rate 2.9% (3/103) over 5m against a 1h baseline of 0.0%; cool-down 30s");
}

TEST_CASE("early warning: receipt latency against the hour's baseline") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    for (int i = 0; i < 330; ++i) {  // 55 min of receipts after 2 s
        m.on_submit("a", "GB", rok, 20ms);
        m.on_receipt("a", "GB", ReceiptState::delivered, 2s);
        clock.now += 10s;
    }
    CHECK(state(m, "a", "GB") == CircuitState::closed);
    int receipts = 0;
    while (state(m, "a", "GB") == CircuitState::closed && receipts < 100) {
        m.on_submit("a", "GB", rok, 20ms);
        m.on_receipt("a", "GB", ReceiptState::delivered, 40s);
        ++receipts;
        clock.now += 2s;
    }
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason.rfind("early warning: receipt latency p50", 0) == 0);
    // More than half of the 5 min window's receipts must be slow first.
    CHECK(receipts > 15);
    CHECK(receipts < 40);
}

TEST_CASE("receipt loss opens the circuit when the ratio is configured") {
    ManualClock clock;
    HealthSettings s;
    s.classes[static_cast<std::size_t>(TrafficClass::transactional)].min_receipt_ratio = 0.5;
    HealthMonitor m(s, clock.fn());
    // 20 min: every submit gets a receipt, then only one in four does.
    for (int i = 0; i < 1200; ++i) {
        m.on_submit("a", "GB", rok, 20ms);
        m.on_receipt("a", "GB", ReceiptState::delivered, 2s);
        clock.now += 1s;
    }
    int sent = 0;
    while (state(m, "a", "GB") == CircuitState::closed && sent < 2000) {
        m.on_submit("a", "GB", rok, 20ms);
        if (sent % 4 == 0) m.on_receipt("a", "GB", ReceiptState::delivered, 2s);
        ++sent;
        clock.now += 1s;
    }
    auto c = m.circuit("a", "GB", TrafficClass::transactional);
    CHECK(c.state == CircuitState::open);
    CHECK(c.reason.rfind("receipt loss", 0) == 0);
    CHECK(state(m, "a", "GB", TrafficClass::otp) == CircuitState::closed);  // not configured there
    // Receipts / accepted over 15 min falls below 50 % about 600 s into the loss.
    CHECK(sent > 550);
    CHECK(sent < 700);
}

TEST_CASE("binds down cut every country of the carrier, also unseen ones - up starts probing") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    submits(m, "a", "GB", 5, rok);
    submits(m, "a", "FR", 5, rok);
    submits(m, "b", "GB", 5, rok);
    m.carrier_down("a");
    CHECK(m.open("a", "GB"));
    CHECK(m.open("a", "FR"));
    CHECK(m.open("a", "DE"));
    CHECK_FALSE(m.open("b", "GB"));
    CHECK(m.carrier_cut("a", TrafficClass::otp));
    CHECK(m.circuit("a", "GB", TrafficClass::otp).reason == "carrier a: all binds down");
    clock.now += 1h;  // no cool-down ends it while the binds are down
    CHECK(m.open("a", "GB"));
    submits(m, "a", "IT", 1, rok);  // a country first seen while down starts open
    CHECK(state(m, "a", "IT") == CircuitState::open);
    m.carrier_up("a");
    CHECK_FALSE(m.carrier_cut("a", TrafficClass::otp));
    CHECK(state(m, "a", "GB") == CircuitState::half_open);
    CHECK(state(m, "a", "IT") == CircuitState::half_open);
    CHECK(m.circuit("a", "GB", TrafficClass::otp).reason == "binds back up: probing");
    CHECK_FALSE(m.open("a", "DE"));
}

TEST_CASE("one country failing leaves the carrier's other countries - all failing cuts the carrier") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    submits(m, "a", "FR", 30, rok);
    trip(m);
    CHECK(m.open("a", "GB"));
    CHECK_FALSE(m.open("a", "FR"));
    CHECK_FALSE(m.open("a", "DE"));  // no circuit yet, carrier not cut
    CHECK_FALSE(m.carrier_cut("a", TrafficClass::transactional));
    submits(m, "a", "FR", 30, rsyserr);
    CHECK(m.open("a", "FR"));
    CHECK(m.carrier_cut("a", TrafficClass::transactional));
    CHECK(m.open("a", "DE"));
    CHECK(m.carrier_cut("a", TrafficClass::bulk));  // bulk's 10 %: GB 20/20 and FR 30/60 are over it too
}

TEST_CASE("events beyond max_entries are counted, not tracked") {
    ManualClock clock;
    HealthSettings s;
    s.max_entries = 2;
    HealthMonitor m(s, clock.fn());
    submits(m, "a", "GB", 1, rok);
    submits(m, "a", "FR", 1, rok);
    submits(m, "a", "DE", 3, rsyserr);
    CHECK(m.counters().untracked_events == 3);
    CHECK_FALSE(m.open("a", "DE"));
    CHECK(m.snapshot().size() == 2);
}

TEST_CASE("the snapshot shows each carrier x country on one line") {
    ManualClock clock;
    HealthMonitor m({}, clock.fn());
    for (int i = 0; i < 10; ++i) {  // 10 %: over otp's and transactional's 5 %, not over bulk's 10 %
        submits(m, "a", "GB", 9, rok, 10ms);
        submits(m, "a", "GB", 1, rsyserr, 10ms);
    }
    for (int i = 0; i < 4; ++i) m.on_receipt("a", "GB", ReceiptState::delivered, 3s);
    submits(m, "b", "", 1, rok, 10ms);
    auto snap = m.snapshot();
    REQUIRE(snap.size() == 2);
    CHECK(snap[0].submits_5m == 100);
    CHECK(snap[0].errors_5m == 10);
    CHECK(snap[0].error_rate_5m == Approx(0.1));
    CHECK(snap[0].delivery_rate_15m == Approx(1.0));
    CHECK(snap[0].submit_p99_ms_5m >= 8.0);
    CHECK(snap[0].submit_p99_ms_5m < 11.32);
    CHECK(snap[0].circuits[0].state == CircuitState::open);
    CHECK(snap[0].circuits[2].state == CircuitState::closed);
    const auto line = to_text(snap[0]);
    INFO(line);
    CHECK(line.rfind("a GB otp=open transactional=open bulk=closed err5m=10.0% (10/100) deliv15m=100.0% (4/4) "
                     "submit_p50=10ms submit_p99=11ms receipt_p50=",
                     0) == 0);
    CHECK(line.find("reason[otp]=\"error rate") != std::string::npos);
    CHECK(to_text(snap[1]) ==
          "b - otp=closed transactional=closed bulk=closed err5m=0.0% (0/1) deliv15m=- submit_p50=10ms "
          "submit_p99=11ms receipt_p50=- err1h=0.0%");
    CHECK(to_text(snap).size() == to_text(snap[0]).size() + to_text(snap[1]).size() + 2);
}

TEST_CASE("many threads report and ask at once", "[tsan]") {
    HealthMonitor m;  // the real clock: only consistency is checked here
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&m, t] {
            const std::string country = t % 2 ? "GB" : "FR";
            for (int i = 0; i < 5000; ++i) {
                m.on_submit("a", country, i % 3 == 0 ? rsyserr : rok, 10ms);
                (void)m.open("a", country);
                (void)m.open("b", country, TrafficClass::otp);
                if (i % 1000 == 0) {
                    m.carrier_down("b");
                    m.carrier_up("b");
                }
            }
        });
    for (int i = 0; i < 20; ++i) (void)m.snapshot();
    for (auto& t : threads) t.join();
    auto snap = m.snapshot();
    std::uint64_t total = 0;
    for (const auto& e : snap) total += e.submits_5m;
    CHECK(total == 20000);
    CHECK(m.open("a", "GB"));
}

TEST_CASE("final receipts teach the quality policy, in the hour their message was sent") {
    ManualClock clock;
    auto wall = std::chrono::system_clock::time_point{} + 24h * 20000 + 3h + 30min;
    HealthSettings settings;
    settings.quality.half_life = 0ms;  // no fading: exact counts
    HealthMonitor m(settings, clock.fn(), [&] { return wall; });
    // Sent 03:25 (5 minutes before the receipt): learned for 03h.
    for (int i = 0; i < 10; ++i) m.on_receipt("a", "GB", ReceiptState::undeliverable, 5min);
    QualityEstimate at3 = m.view(TrafficClass::bulk).quality()->estimate("a", "GB", wall);
    CHECK(at3.hour == 3);
    CHECK(at3.hour_receipts == 10);
    // Sent 02:50 (40 minutes before): learned for 02h, not 03h.
    m.on_receipt("a", "GB", ReceiptState::delivered, 40min);
    CHECK(m.quality()->estimate("a", "GB", wall).hour_delivered == 0);
    CHECK(m.delivery_quality().estimate("a", "GB", wall - 1h).hour_delivered == 1);
    CHECK(m.view(TrafficClass::otp).quality() == m.quality());
}
