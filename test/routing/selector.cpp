#include "routing/selector.hpp"

#include "routing/health/delivery_quality.hpp"

#include <map>
#include <set>

#include <catch2/catch.hpp>

using namespace smpp::routing;
using namespace std::chrono_literals;

namespace {

Candidate cand(std::string carrier, std::uint32_t priority, std::uint64_t cost, std::uint32_t weight = 1) {
    Candidate c;
    c.carrier = std::move(carrier);
    c.priority = priority;
    c.cost_micros = cost;
    c.weight = weight;
    return c;
}

CompiledTable compile(std::vector<Candidate> cs, std::string prefix = "44", std::string country = "GB") {
    auto c = CompiledTable::compile(RouteTable{{RouteEntry{std::move(prefix), std::move(country), std::move(cs)}}}, 9);
    REQUIRE(c.ok());
    return std::move(c).value();
}

SelectRequest request(TrafficClass cls = TrafficClass::otp) {
    SelectRequest r;
    r.destination = "447911123456";
    r.traffic_class = cls;
    r.source_addr = "ACME";
    r.source_addr_ton = 5;
    r.now = std::chrono::system_clock::time_point{} + 12h;  // 12:00 UTC
    return r;
}

class OpenFor : public HealthView {
public:
    OpenFor(std::string carrier, std::string country) { open_.emplace(std::move(carrier), std::move(country)); }
    bool open(std::string_view carrier, std::string_view country) const override {
        return open_.count({std::string(carrier), std::string(country)}) > 0;
    }

private:
    std::set<std::pair<std::string, std::string>> open_;
};

const NoHealth no_health;

}  // namespace

TEST_CASE("priority orders by priority; the order is the failover") {
    auto t = compile({cand("b", 2, 1), cand("a", 1, 9), cand("c", 3, 0)});
    Selector s({}, no_health);
    Decision d = s.select(t.view(), request(), 0);
    CHECK(d.routed());
    CHECK(d.carriers == std::vector<std::string>{"a", "b", "c"});
    CHECK(d.route_id == "44@9");
    CHECK(d.prefix == "44");
    CHECK(d.country == "GB");
    CHECK(d.policy == Policy::priority);
    CHECK(d.skipped.empty());
}

TEST_CASE("lcr picks the cheapest, priority breaks cost ties") {
    auto t = compile({cand("a", 1, 900), cand("b", 3, 100), cand("c", 2, 100)});
    SelectorSettings settings;
    settings.policy[static_cast<int>(TrafficClass::bulk)] = Policy::lcr;
    Selector s(settings, no_health);
    Decision d = s.select(t.view(), request(TrafficClass::bulk), 0);
    CHECK(d.carriers == std::vector<std::string>{"c", "b", "a"});
    CHECK(d.policy == Policy::lcr);
}

TEST_CASE("weighted round-robin among equals is deterministic given the counter") {
    auto t = compile({cand("a", 1, 5, 1), cand("b", 1, 5, 3), cand("z", 2, 5, 100)});
    Selector s({}, no_health);
    std::map<std::string, int> chosen;
    for (std::uint64_t i = 0; i < 400; ++i) chosen[s.select(t.view(), request(), i).carriers[0]]++;
    CHECK(chosen["a"] == 100);
    CHECK(chosen["b"] == 300);
    CHECK(chosen.count("z") == 0);  // lower priority only as failover
    CHECK(s.select(t.view(), request(), 0).carriers == std::vector<std::string>{"a", "b", "z"});
    CHECK(s.select(t.view(), request(), 1).carriers == std::vector<std::string>{"b", "a", "z"});

    SelectorSettings weighted;
    weighted.policy[static_cast<int>(TrafficClass::otp)] = Policy::weighted;
    Selector w(weighted, no_health);
    CHECK(w.select(t.view(), request(), 4).carriers == std::vector<std::string>{"z", "a", "b"});
    CHECK(w.select(t.view(), request(), 104).carriers == std::vector<std::string>{"a", "b", "z"});
}

TEST_CASE("a request that does not share takes no turn of the round-robin") {
    auto t = compile({cand("a", 1, 5, 1), cand("b", 1, 5, 1)});
    Selector s({}, no_health);
    auto follower = request();
    follower.shares = false;
    // A part following its pinned sibling, or a probe, between two
    // messages: the next message still gets the other carrier.
    CHECK(s.select(t.view(), request()).carriers[0] == "a");
    CHECK(s.select(t.view(), follower).carriers[0] == "b");
    CHECK(s.select(t.view(), follower).carriers[0] == "b");
    CHECK(s.select(t.view(), request()).carriers[0] == "b");
    CHECK(s.select(t.view(), request()).carriers[0] == "a");
}

TEST_CASE("each route has its own round-robin turn: alternating routes still share by weight") {
    auto c = CompiledTable::compile(RouteTable{{RouteEntry{"44", "GB", {cand("a", 1, 5), cand("b", 1, 5)}},
                                                RouteEntry{"33", "FR", {cand("c", 1, 5), cand("d", 1, 5)}}}},
                                    9);
    REQUIRE(c.ok());
    Selector s({}, no_health);
    auto to_gb = request();
    auto to_fr = request();
    to_fr.destination = "33612345678";
    std::map<std::string, int> chosen;
    // Traffic alternating between the two routes: with one turn for all
    // routes, GB got every even turn (always a) and FR every odd (always d).
    for (int i = 0; i < 100; ++i) {
        chosen[s.select(c->view(), to_gb).carriers[0]]++;
        chosen[s.select(c->view(), to_fr).carriers[0]]++;
    }
    CHECK(chosen["a"] == 50);
    CHECK(chosen["b"] == 50);
    CHECK(chosen["c"] == 50);
    CHECK(chosen["d"] == 50);
}

TEST_CASE("every filter skips with its reason") {
    Candidate cls = cand("bulk-only", 1, 1);
    cls.traffic_classes = bit(TrafficClass::bulk);
    Candidate snd = cand("numeric-only", 1, 1);
    snd.sender_types = bit(SenderType::long_code) | bit(SenderType::short_code);
    Candidate dc = cand("gsm-only", 1, 1);
    dc.data_codings = {0};
    Candidate prof = cand("gold-only", 1, 1);
    prof.profile = "gold";
    Candidate win = cand("nights", 1, 1);
    win.window = TimeWindow{22 * 60, 6 * 60, 60, "Europe/London"};
    auto payload = cand("no-payload", 1, 1);
    auto parts = cand("two-parts", 1, 1);
    auto sick = cand("sick", 1, 1);
    auto good = cand("good", 5, 1);
    auto t = compile({cls, snd, dc, prof, win, payload, parts, sick, good});

    SelectorSettings settings;
    settings.capabilities["no-payload"] = CarrierCapabilities{false, 255};
    settings.capabilities["two-parts"] = CarrierCapabilities{true, 2};
    OpenFor health("sick", "GB");
    Selector s(settings, health);
    SelectRequest r = request();
    r.data_coding = 8;
    r.profile = "basic";
    r.segments = 3;
    r.message_payload = true;
    Decision d = s.select(t.view(), r, 0);
    CHECK(d.carriers == std::vector<std::string>{"good"});
    REQUIRE(d.skipped.size() == 8);
    CHECK(d.skipped[0].carrier == "bulk-only");
    CHECK(d.skipped[0].reason == "traffic class otp not allowed");
    CHECK(d.skipped[1].reason == "sender type alphanumeric not allowed");
    CHECK(d.skipped[2].reason == "data_coding 8 not supported");
    CHECK(d.skipped[3].reason == "reserved for profile 'gold' (account profile 'basic')");
    CHECK(d.skipped[4].reason == "outside window 22:00-06:00 UTC+01:00 (Europe/London) at 12:00 UTC");
    CHECK(d.skipped[5].reason == "does not accept message_payload");
    CHECK(d.skipped[6].reason == "3 parts exceed its limit of 2");
    CHECK(d.skipped[7].carrier == "sick");
    CHECK(d.skipped[7].reason == "circuit open for GB");

    CHECK(explain(d) ==
          "route 44@9: prefix 44, country GB, class otp, policy priority\n"
          "chosen: good\n"
          "skipped bulk-only: traffic class otp not allowed\n"
          "skipped numeric-only: sender type alphanumeric not allowed\n"
          "skipped gsm-only: data_coding 8 not supported\n"
          "skipped gold-only: reserved for profile 'gold' (account profile 'basic')\n"
          "skipped nights: outside window 22:00-06:00 UTC+01:00 (Europe/London) at 12:00 UTC\n"
          "skipped no-payload: does not accept message_payload\n"
          "skipped two-parts: 3 parts exceed its limit of 2\n"
          "skipped sick: circuit open for GB\n");

    // 23:30 UTC is 00:30 in the window's zone: inside it.
    r.now = std::chrono::system_clock::time_point{} + 23h + 30min;
    r.data_coding = 0;
    r.profile = "gold";
    r.source_addr = "447700900123";
    r.source_addr_ton = 1;
    r.segments = 1;
    r.message_payload = false;
    Decision all = s.select(t.view(), r, 0);
    CHECK(all.carriers ==
          std::vector<std::string>{"numeric-only", "gsm-only", "gold-only", "nights", "no-payload", "two-parts", "good"});
    REQUIRE(all.skipped.size() == 2);
}

TEST_CASE("no route, no table, everything skipped") {
    Selector s({}, no_health);
    Decision none = s.select(TableView{}, request(), 0);
    CHECK_FALSE(none.routed());
    CHECK(none.error == "no route table is published");
    CHECK(explain(none) == "no route: no route table is published\n");

    auto t = compile({cand("a", 1, 1)}, "33", "");
    Decision uncovered = s.select(t.view(), request(), 0);
    CHECK(uncovered.error == "no route covers '447911123456'");

    OpenFor health("a", "");
    Selector sick({}, health);
    auto def = compile({cand("a", 1, 1)}, "", "");
    Decision d = sick.select(def.view(), request(), 0);
    CHECK_FALSE(d.routed());
    CHECK(d.route_id == "default@9");
    CHECK(d.error == "every candidate was skipped");
    CHECK(explain(d) ==
          "route default@9: prefix (default), class otp, policy priority\n"
          "no carrier: every candidate was skipped\n"
          "skipped a: circuit open for prefix \n");
}

TEST_CASE("sender classification") {
    CHECK(classify_sender("ACME", 5) == SenderType::alphanumeric);
    CHECK(classify_sender("12345", 5) == SenderType::alphanumeric);
    CHECK(classify_sender("ACME", 0) == SenderType::alphanumeric);
    CHECK(classify_sender("12345", 3) == SenderType::short_code);
    CHECK(classify_sender("12345678", 0) == SenderType::short_code);
    CHECK(classify_sender("+447700900123", 1) == SenderType::long_code);
    CHECK(classify_sender("", 0) == SenderType::alphanumeric);
}

TEST_CASE("when every candidate of the longest prefix is skipped, the next shorter prefix routes") {
    auto otp_only = cand("a", 1, 9);
    otp_only.traffic_classes = bit(TrafficClass::otp);
    auto c = CompiledTable::compile(RouteTable{{RouteEntry{"4479", "GB", {otp_only}},
                                                RouteEntry{"44", "GB", {cand("b", 1, 5)}},
                                                RouteEntry{"", "", {cand("z", 1, 1)}}}},
                                    9);
    REQUIRE(c.ok());
    Selector s({}, no_health);
    Decision otp = s.select(c->view(), request(TrafficClass::otp), 0);
    CHECK(otp.carriers == std::vector<std::string>{"a"});
    CHECK(otp.prefix == "4479");
    CHECK(otp.skipped.empty());

    Decision bulk = s.select(c->view(), request(TrafficClass::bulk), 0);
    REQUIRE(bulk.routed());
    CHECK(bulk.carriers == std::vector<std::string>{"b"});
    CHECK(bulk.prefix == "44");
    CHECK(bulk.route_id == "44@9");
    REQUIRE(bulk.skipped.size() == 1);
    CHECK(bulk.skipped[0].carrier == "a");
    CHECK(bulk.skipped[0].reason == "traffic class bulk not allowed (prefix 4479)");
}

namespace {

// Outcomes learned without decay, so the scores are exact.
health::DeliveryQuality learned() {
    health::QualitySettings s;
    s.half_life = 0ms;
    return health::DeliveryQuality(s);
}

void outcomes(health::DeliveryQuality& q, std::string_view carrier, int delivered, int failed,
              std::chrono::system_clock::time_point sent) {
    for (int i = 0; i < delivered; ++i) q.record(carrier, "GB", health::ReceiptState::delivered, sent);
    for (int i = 0; i < failed; ++i) q.record(carrier, "GB", health::ReceiptState::expired, sent);
}

SelectorSettings quality_for(const QualityView& q, TrafficClass cls = TrafficClass::bulk) {
    SelectorSettings s;
    s.policy[static_cast<int>(cls)] = Policy::quality;
    s.quality = &q;
    return s;
}

const auto midnight = std::chrono::system_clock::time_point{} + 24h * 20000;

}  // namespace

TEST_CASE("quality avoids a carrier at the hours it delivers badly") {
    auto t = compile({cand("cheap", 1, 1000), cand("steady", 2, 5000)});
    auto q = learned();
    // cheap: 50 of 50 delivered by day (12h), 0 of 50 at night (02h); steady: 95 % at both.
    outcomes(q, "cheap", 50, 0, midnight + 12h);
    outcomes(q, "cheap", 0, 50, midnight + 2h);
    outcomes(q, "steady", 95, 5, midnight + 12h);
    outcomes(q, "steady", 95, 5, midnight + 2h);
    Selector s(quality_for(q), no_health);
    SelectRequest r = request(TrafficClass::bulk);
    // cheap: day (50 + 10) / 110 = 0.54545, hour 12 (50 + 5.4545) / 60 = 0.92424 -> 92424 - 1000 = 91424
    // steady: day (190 + 10) / 210 = 0.95238, hour (95 + 9.5238) / 110 = 0.95022 -> 95022 - 5000 = 90022
    r.now = midnight + 24h + 12h + 30min;
    Decision noon = s.select(t.view(), r, 0);
    CHECK(noon.policy == Policy::quality);
    CHECK(noon.carriers == std::vector<std::string>{"cheap", "steady"});
    CHECK(noon.reason ==
          "quality at 12h UTC, score = 100000 x success - cost: "
          "cheap 91424 (success 0.9242: hour 50.0/50.0 delivered, day 0.5455 of 100.0 receipts; cost 1000), "
          "steady 90022 (success 0.9502: hour 95.0/100.0 delivered, day 0.9524 of 200.0 receipts; cost 5000)");
    // cheap at 02h: (0 + 5.4545) / 60 = 0.09091 -> 9091 - 1000 = 8091
    r.now = midnight + 24h + 2h + 5min;
    Decision night = s.select(t.view(), r, 0);
    CHECK(night.carriers == std::vector<std::string>{"steady", "cheap"});
    CHECK(night.reason ==
          "quality at 02h UTC, score = 100000 x success - cost: "
          "steady 90022 (success 0.9502: hour 95.0/100.0 delivered, day 0.9524 of 200.0 receipts; cost 5000), "
          "cheap 8091 (success 0.0909: hour 0.0/50.0 delivered, day 0.5455 of 100.0 receipts; cost 1000)");
    CHECK(explain(night) ==
          "route 44@9: prefix 44, country GB, class bulk, policy quality\n"
          "chosen: steady\n"
          "failover: cheap\n"
          "why: " + night.reason + "\n");
}

TEST_CASE("quality tries a new carrier (the prior) and ties share by weight") {
    auto t = compile({cand("known", 1, 1000), cand("new1", 1, 1000, 1), cand("new2", 1, 1000, 3)});
    auto q = learned();
    outcomes(q, "known", 15, 5, midnight + 12h);
    Selector s(quality_for(q), no_health);
    SelectRequest r = request(TrafficClass::bulk);
    r.now = midnight + 12h;
    std::map<std::string, int> chosen;
    for (std::uint64_t i = 0; i < 40; ++i) chosen[s.select(t.view(), r, i).carriers[0]]++;
    CHECK(chosen["new1"] == 10);
    CHECK(chosen["new2"] == 30);
    CHECK(chosen.count("known") == 0);
    Decision d = s.select(t.view(), r, 1);
    CHECK(d.carriers == std::vector<std::string>{"new2", "new1", "known"});
    // known: day (15 + 10) / 30 = 0.83333, hour (15 + 8.3333) / 30 = 0.77778 -> 77778 - 1000
    CHECK(d.reason ==
          "quality at 12h UTC, score = 100000 x success - cost: "
          "new1 99000 (success 1.0000: no receipts yet, the prior; cost 1000), "
          "new2 99000 (success 1.0000: no receipts yet, the prior; cost 1000), "
          "known 76778 (success 0.7778: hour 15.0/20.0 delivered, day 0.8333 of 20.0 receipts; cost 1000); "
          "2 tie, shared by weight");
}

TEST_CASE("quality picks the best healthy candidate; a price gap can beat a delivery gap") {
    auto t = compile({cand("best", 1, 1000), cand("pricey", 1, 30000), cand("ok", 2, 1000)});
    auto q = learned();
    outcomes(q, "best", 100, 0, midnight + 12h);
    outcomes(q, "pricey", 100, 0, midnight + 12h);
    outcomes(q, "ok", 80, 20, midnight + 12h);
    SelectRequest r = request(TrafficClass::bulk);
    r.now = midnight + 12h;
    OpenFor sick("best", "GB");
    Selector s(quality_for(q), sick);
    Decision d = s.select(t.view(), r, 0);
    // ok: day (80 + 10) / 110 = 0.81818, hour (80 + 8.1818) / 110 = 0.80165 -> 80165 - 1000 = 79165
    // pricey: 100000 - 30000 = 70000
    CHECK(d.carriers == std::vector<std::string>{"ok", "pricey"});
    REQUIRE(d.skipped.size() == 1);
    CHECK(d.skipped[0].reason == "circuit open for GB");
}

TEST_CASE("quality without learned outcomes scores value - cost (lcr-like)") {
    auto t = compile({cand("a", 1, 3000), cand("b", 2, 2000)});
    SelectorSettings settings;
    settings.policy[static_cast<int>(TrafficClass::otp)] = Policy::quality;
    Selector s(settings, no_health);
    Decision d = s.select(t.view(), request(), 0);
    CHECK(d.carriers == std::vector<std::string>{"b", "a"});
    CHECK(d.reason ==
          "quality at 12h UTC, score = 100000 x success - cost: b 98000 (no outcomes known; cost 2000), "
          "a 97000 (no outcomes known; cost 3000)");
    CHECK(parse_policy("quality") == Policy::quality);
    CHECK(parse_policy("lcr") == Policy::lcr);
    CHECK(!parse_policy("best"));
}
