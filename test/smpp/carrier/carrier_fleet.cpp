// Carrier actors against in-process smpp-sim carriers, at the scale of the
// example configs: the 40 simulated SMSCs of conf/sim.example.yaml (moved to
// free ports), each bound twice by a carrier shaped like those of
// conf/carriers.example.yaml with the simulator's credentials; a simulator
// killed and restarted under them; the TPS cap held over ten seconds.
#include <time.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "smpp/carrier/carrier.hpp"
#include "test/listen_port.hpp"
#include "test/smpp/session/loopback.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"
#include "tools/smpp-sim/sim_config.hpp"

using namespace std::chrono_literals;
using smpp::session::test::Loop;
namespace carrier = smpp::carrier;
namespace sim = smpp::sim;

namespace {

std::chrono::nanoseconds process_cpu_time() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

smpp::protocol::SubmitSm submit_sm(std::string text) {
    smpp::protocol::SubmitSm s;
    s.source = {1, 1, "12345"};
    s.dest = {1, 1, "4915112345678"};
    s.short_message = std::move(text);
    return s;
}

std::size_t bound_binds(const carrier::Carrier& c) {
    const auto s = c.snapshot();
    return static_cast<std::size_t>(std::count_if(s.binds.begin(), s.binds.end(), [](const carrier::BindSnapshot& b) {
        return b.state == carrier::bind_state::bound;
    }));
}

// The example fleet: simulated SMSCs from sim.example.yaml on free ports, and
// carrier actors from carriers.example.yaml pointed at them, all on one loop.
struct Fleet {
    Loop loop;
    std::vector<sim::CarrierSettings> sim_settings;
    std::vector<std::shared_ptr<sim::SimCarrier>> sims;
    std::vector<std::shared_ptr<carrier::Carrier>> carriers;

    Fleet() {
        auto cfg = sim::load_sim_config(SMPP_SOURCE_DIR "/conf/sim.example.yaml");
        for (auto& s : cfg.carriers) {
            // Below the ephemeral range: a restart listens on the same port
            // again, and a port 0 one, once freed, went to another test's
            // server under ctest -j (a carrier then bound there: "bind
            // rejected: ESME_RINVSYSID", and the restart found it taken).
            s.port = smpp_test::listen_port();
            s.receipt_delay = 60s;  // no receipts during the test
            auto c = sim::SimCarrier::create(loop.ioc.get_executor(), s);
            c->start();
            s.port = c->port();  // a restart listens on the same port again
            sim_settings.push_back(s);
            sims.push_back(std::move(c));
        }
        for (const auto& s : sim_settings) {
            carrier::CarrierSettings c;  // as in carriers.example.yaml
            c.id = s.name;
            c.endpoints = {{"127.0.0.1", s.port}};
            c.system_id = s.system_id;
            c.password = s.password;
            c.binds = 2;
            c.window = 50;
            c.max_tps = 500;
            c.enquire_link_interval = 0ms;
            customise(c);
            carriers.push_back(carrier::Carrier::create(loop.ioc.get_executor(), std::move(c)));
        }
    }
    // Set before the carriers are made (a lambda member, so tests can tune).
    static inline std::function<void(carrier::CarrierSettings&)> customise = [](carrier::CarrierSettings&) {};

    std::size_t bound() const {
        std::size_t n = 0;
        for (const auto& c : carriers) n += bound_binds(*c);
        return n;
    }
    std::size_t binds() const {
        std::size_t n = 0;
        for (const auto& c : carriers) n += c->snapshot().binds.size();
        return n;
    }

    void stop_sims() {
        std::size_t done = 0;
        for (auto& s : sims) s->stop([&] { ++done; });
        REQUIRE(loop.run_until([&] { return done == sims.size(); }, 5s));
        sims.clear();
    }
    void restart_sims() {
        for (const auto& s : sim_settings) {
            sims.push_back(sim::SimCarrier::create(loop.ioc.get_executor(), s));
            sims.back()->start();
        }
    }

    ~Fleet() {
        std::size_t done = 0;
        for (auto& c : carriers) c->stop([&] { ++done; });
        loop.run_until([&] { return done == carriers.size(); }, 5s);
        std::size_t sims_done = 0;
        for (auto& s : sims) s->stop([&] { ++sims_done; });
        loop.run_until([&] { return sims_done == sims.size(); }, 5s);
        customise = [](carrier::CarrierSettings&) {};
    }
};

}  // namespace

TEST_CASE("carrier fleet: 40 carriers (the sim.example.yaml SMSCs) x 2 binds are all bound to smpp-sim within 5 s",
          "[tools][smpp-sim][carrier]") {
    Fleet f;
    REQUIRE(f.carriers.size() == 40);
    REQUIRE(f.binds() == 80);
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& c : f.carriers) c->start();
    // A functional deadline, not a benchmark: binding takes milliseconds here.
    const bool all = f.loop.run_until([&] { return f.bound() == 80; }, 5s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    INFO("bound " << f.bound() << " of 80 after " << took.count() << " ms");
    CHECK(all);
    std::uint64_t sim_binds = 0;
    for (const auto& s : f.sims) sim_binds += s->stats().binds;
    CHECK(sim_binds == 80);

    // Each carrier carries traffic to its own simulated SMSC.
    std::size_t sent = 0;
    for (std::size_t i = 0; i < f.carriers.size(); ++i)
        f.carriers[i]->submit({"m" + std::to_string(i), carrier::message_class::bulk, submit_sm("hello")},
                              [&](carrier::SubmitOutcome o) { sent += std::holds_alternative<carrier::Sent>(o); });
    REQUIRE(f.loop.run_until([&] { return sent == 40; }, 5s));
    for (const auto& s : f.sims) CHECK(s->stats().submits == 1);
}

TEST_CASE("carrier fleet: a killed simulator gives reconnects with backoff, no busy loop, a restart rebinds",
          "[tools][smpp-sim][carrier]") {
    const smpp::session::BackoffSettings backoff{50ms, 800ms, 0.5};
    Fleet::customise = [&](carrier::CarrierSettings& c) {
        c.reconnect = backoff;
        c.max_failed_binds = 1000;  // this test is about the backoff, not the hold-off
        c.connect_timeout = 500ms;
    };
    Fleet f;
    for (auto& c : f.carriers) c->start();
    REQUIRE(f.loop.run_until([&] { return f.bound() == 80; }, 5s));

    f.stop_sims();
    const auto window = 3s;
    const auto wall0 = std::chrono::steady_clock::now();
    const auto cpu0 = process_cpu_time();
    f.loop.ioc.run_for(window);  // one call: a busy loop would show as CPU time, not as our polling
    const auto cpu = process_cpu_time() - cpu0;
    const auto wall = std::chrono::steady_clock::now() - wall0;

    // Attempt n waits at least (1 - jitter) * min(base * 2^(n-1), max) after
    // the previous one: the most attempts the window has room for.
    std::uint32_t max_attempts = 0;
    {
        std::chrono::duration<double, std::milli> t{0};
        double delay = static_cast<double>(backoff.base.count());
        while (true) {
            t += std::chrono::duration<double, std::milli>((1 - backoff.jitter) *
                                                           std::min(delay, double(backoff.max.count())));
            if (t > wall) break;
            ++max_attempts;
            delay *= 2;
        }
    }
    std::uint32_t least = ~0u, most = 0;
    for (const auto& c : f.carriers)
        for (const auto& b : c->snapshot().binds) {
            least = std::min(least, b.consecutive_failures);
            most = std::max(most, b.consecutive_failures);
            CHECK(b.state != carrier::bind_state::bound);
            CHECK(b.last_error == "connect failed: Connection refused");
        }
    const double cpu_share = std::chrono::duration<double>(cpu) / std::chrono::duration<double>(wall);
    INFO("failed attempts per bind: " << least << ".." << most << " (at most " << max_attempts
                                      << " fit the backoff); CPU " << cpu_share * 100 << " % of wall time");
    CHECK(least >= 2);  // it does try again
    CHECK(most <= max_attempts);
    // 80 binds reconnecting on timers cost next to nothing; a spinning loop costs a core.
    CHECK(cpu_share < 0.25);

    f.restart_sims();
    const bool back = f.loop.run_until([&] { return f.bound() == 80; }, backoff.max + 5s);
    INFO("bound again: " << f.bound() << " of 80");
    CHECK(back);
    for (const auto& c : f.carriers)
        for (const auto& b : c->snapshot().binds) {
            CHECK(b.consecutive_failures == 0);
            CHECK(b.counters.reconnects == 1);
        }
}

TEST_CASE("carrier fleet: max_tps 500 holds within 10 % over 10 s at smpp-sim", "[tools][smpp-sim][carrier]") {
    Loop loop;
    auto cfg = sim::load_sim_config(SMPP_SOURCE_DIR "/conf/sim.example.yaml");
    auto ss = cfg.carriers.front();
    ss.port = 0;
    ss.receipt_delay = 60s;
    auto smsc = sim::SimCarrier::create(loop.ioc.get_executor(), ss);
    smsc->start();

    carrier::CarrierSettings cs;
    cs.id = "tps";
    cs.endpoints = {{"127.0.0.1", smsc->port()}};
    cs.system_id = ss.system_id;
    cs.password = ss.password;
    cs.binds = 2;
    cs.window = 50;
    cs.max_tps = 500;
    cs.enquire_link_interval = 0ms;
    cs.queue_limit = 20'000;
    auto c = carrier::Carrier::create(loop.ioc.get_executor(), cs);
    c->start();
    REQUIRE(loop.run_until([&] { return bound_binds(*c) == 2; }, 5s));

    // More than 10 s worth, queued at once: only the throttle paces them.
    std::vector<std::chrono::steady_clock::time_point> sent_at;
    sent_at.reserve(6'000);
    for (int i = 0; i < 6'000; ++i)
        c->submit({"m" + std::to_string(i), carrier::message_class::bulk, submit_sm("m" + std::to_string(i))},
                  [&](carrier::SubmitOutcome o) {
                      if (std::holds_alternative<carrier::Sent>(o)) sent_at.push_back(std::chrono::steady_clock::now());
                  });
    REQUIRE(loop.run_until([&] { return !sent_at.empty(); }, 5s));
    const auto t0 = sent_at.front();
    loop.run_until([&] { return std::chrono::steady_clock::now() >= t0 + 10s; }, 15s);
    const auto in_10s =
        std::count_if(sent_at.begin(), sent_at.end(), [&](auto t) { return t < t0 + 10s; });
    INFO("submit_sm answered in 10 s: " << in_10s << " (cap 5000)");
    CHECK(in_10s >= 4'500);
    CHECK(in_10s <= 5'500);
    CHECK(smsc->stats().submits <= 5'500 + cs.window * cs.binds);

    bool stopped = false;
    c->stop([&] { stopped = true; });
    loop.run_until([&] { return stopped; }, 5s);
    bool sim_stopped = false;
    smsc->stop([&] { sim_stopped = true; });
    loop.run_until([&] { return sim_stopped; }, 5s);
}
