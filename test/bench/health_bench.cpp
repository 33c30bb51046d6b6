// The cost health adds per message: on_submit (the forward path's report)
// and open() (the selector's question), single-threaded and with threads
// reporting to the same or different carrier x country entries; plus a full
// selection with the monitor as HealthView against NoHealth.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "routing/compiled_table.hpp"
#include "routing/health/health_monitor.hpp"
#include "routing/selector.hpp"

using namespace smpp::routing;
using namespace smpp::routing::health;
using namespace std::chrono_literals;

namespace {

std::string named(const char* prefix, int n) {
    std::string s(prefix);
    s += std::to_string(n);
    return s;
}

const std::vector<std::string>& countries() {
    static const std::vector<std::string> c = [] {
        std::vector<std::string> v;
        for (int i = 0; i < 100; ++i) v.push_back(named("C", i));
        return v;
    }();
    return c;
}

HealthMonitor& shared_monitor() {
    static HealthMonitor m;
    return m;
}

void BM_OnSubmit(benchmark::State& state) {
    spdlog::set_level(spdlog::level::off);
    HealthMonitor m;
    const auto& cs = countries();
    std::size_t i = 0;
    for (auto _ : state) {
        m.on_submit("carrier-a", cs[i++ % cs.size()], 0u, 25ms);
    }
}
BENCHMARK(BM_OnSubmit);

// Threads on one carrier x country: the entry's mutex is contended.
void BM_OnSubmitSameEntry(benchmark::State& state) {
    spdlog::set_level(spdlog::level::off);
    auto& m = shared_monitor();
    for (auto _ : state) m.on_submit("carrier-a", "GB", 0u, 25ms);
}
BENCHMARK(BM_OnSubmitSameEntry)->Threads(1)->Threads(2)->UseRealTime();

// Threads on different countries: only the lookup table is shared.
void BM_OnSubmitOwnEntry(benchmark::State& state) {
    spdlog::set_level(spdlog::level::off);
    auto& m = shared_monitor();
    const std::string country = named("T", state.thread_index());
    for (auto _ : state) m.on_submit("carrier-b", country, 0u, 25ms);
}
BENCHMARK(BM_OnSubmitOwnEntry)->Threads(1)->Threads(2)->UseRealTime();

void BM_OnReceipt(benchmark::State& state) {
    spdlog::set_level(spdlog::level::off);
    HealthMonitor m;
    for (auto _ : state) m.on_receipt("carrier-a", "GB", ReceiptState::delivered, 4s);
}
BENCHMARK(BM_OnReceipt);

void BM_OpenClosed(benchmark::State& state) {
    HealthMonitor m;
    for (const auto& c : countries()) m.on_submit("carrier-a", c, 0u, 25ms);
    const auto& cs = countries();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(m.open("carrier-a", cs[i++ % cs.size()]));
}
BENCHMARK(BM_OpenClosed);

void BM_OpenUnknownCountry(benchmark::State& state) {
    HealthMonitor m;
    m.on_submit("carrier-a", "GB", 0u, 25ms);
    for (auto _ : state) benchmark::DoNotOptimize(m.open("carrier-a", "ZZ"));
}
BENCHMARK(BM_OpenUnknownCountry);

// Ramping: a clock read and the pass counter (an atomic increment).
void BM_OpenRamping(benchmark::State& state) {
    spdlog::set_level(spdlog::level::off);
    time_point now = std::chrono::steady_clock::now();
    HealthMonitor m({}, [&now] { return now; });
    for (int i = 0; i < 20; ++i) m.on_submit("carrier-a", "GB", 8u, 25ms);
    now += 30s;
    (void)m.open("carrier-a", "GB");
    for (int i = 0; i < 5; ++i) m.on_submit("carrier-a", "GB", 0u, 25ms);
    if (m.circuit("carrier-a", "GB", TrafficClass::transactional).state != CircuitState::ramping)
        state.SkipWithError("not ramping");
    for (auto _ : state) benchmark::DoNotOptimize(m.open("carrier-a", "GB"));
}
BENCHMARK(BM_OpenRamping);

void BM_OpenClosedThreads(benchmark::State& state) {
    auto& m = shared_monitor();
    m.on_submit("carrier-c", "GB", 0u, 25ms);
    for (auto _ : state) benchmark::DoNotOptimize(m.open("carrier-c", "GB"));
}
BENCHMARK(BM_OpenClosedThreads)->Threads(1)->Threads(2)->UseRealTime();

CompiledTable selection_table() {
    RouteTable t;
    for (int p = 0; p < 1000; ++p) {
        RouteEntry e;
        e.prefix = std::to_string(100 + p);
        e.country = countries()[static_cast<std::size_t>(p) % countries().size()];
        for (int k = 0; k < 3; ++k) {
            Candidate c;
            c.carrier = named("carrier-", k);
            c.priority = static_cast<std::uint32_t>(k);
            e.candidates.push_back(c);
        }
        t.entries.push_back(std::move(e));
    }
    return std::move(CompiledTable::compile(t, 1)).value();
}

void select_loop(benchmark::State& state, const HealthView& health) {
    static const CompiledTable table = selection_table();
    Selector s({}, health);
    SelectRequest r;
    r.traffic_class = TrafficClass::transactional;
    r.source_addr = "ACME";
    r.source_addr_ton = 5;
    std::vector<std::string> numbers;
    for (int p = 0; p < 1000; ++p) numbers.push_back(named("", 100 + p) + "5550123");
    std::size_t i = 0;
    for (auto _ : state) {
        r.destination = numbers[i++ % numbers.size()];
        benchmark::DoNotOptimize(s.select(table.view(), r, i));
    }
}

void BM_SelectNoHealth(benchmark::State& state) { select_loop(state, NoHealth{}); }
BENCHMARK(BM_SelectNoHealth);

void BM_SelectWithMonitor(benchmark::State& state) {
    HealthMonitor m;
    for (const auto& c : countries())
        for (int k = 0; k < 3; ++k) m.on_submit(named("carrier-", k), c, 0u, 25ms);
    select_loop(state, m);
}
BENCHMARK(BM_SelectWithMonitor);

}  // namespace

BENCHMARK_MAIN();
