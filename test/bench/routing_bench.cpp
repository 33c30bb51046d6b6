// Routing: lookup latency on the shared-memory trie at 1k, 100k and 1M
// random prefixes, build + publish of 1M prefixes, attach (validation) of a
// 1M image, and a full selection (lookup + filters + health hook + policy).
// Google Benchmark reports means; the p50/p99 counters come from a sample of
// individually timed calls (steady_clock, its own overhead subtracted).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <benchmark/benchmark.h>

#include "routing/compiled_table.hpp"
#include "routing/selector.hpp"
#include "routing/shm_table.hpp"

using namespace smpp::routing;

namespace {

RouteTable random_table(std::size_t prefixes, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::set<std::string> seen;
    RouteTable t;
    t.entries.reserve(prefixes);
    while (t.entries.size() < prefixes) {
        std::string p;
        auto len = 3 + rng() % 7;  // 3..9 digits
        for (std::size_t i = 0; i < len; ++i) p += static_cast<char>('0' + rng() % 10);
        if (!seen.insert(p).second) continue;
        RouteEntry e{p, "", {}};
        for (int k = 0; k < 2; ++k) {
            Candidate c;
            c.carrier = std::string("carrier").append(std::to_string(rng() % 40));
            if (k == 1 && c.carrier == e.candidates[0].carrier) c.carrier += "b";
            c.priority = static_cast<std::uint32_t>(k);
            c.cost_micros = rng() % 10000;
            e.candidates.push_back(std::move(c));
        }
        t.entries.push_back(std::move(e));
    }
    return t;
}

// Destinations: a random table prefix followed by random digits, 12 digits in all.
std::vector<std::string> destinations(const RouteTable& t, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::string d = t.entries[rng() % t.entries.size()].prefix;
        while (d.size() < 12) d += static_cast<char>('0' + rng() % 10);
        out.push_back(std::move(d));
    }
    return out;
}

std::string unique_ns(const std::string& what) { return std::string("bench").append(std::to_string(::getpid())).append("-").append(what); }

// One published table per size, kept for the whole run.
struct Fixture {
    RouteTable table;
    std::vector<std::string> numbers;
    std::unique_ptr<ShmPublisher> publisher;
    std::unique_ptr<ShmReader> reader;
    ~Fixture() {
        if (publisher) publisher->remove();
    }
};

Fixture& fixture(std::size_t prefixes) {
    static std::map<std::size_t, std::unique_ptr<Fixture>> all;
    auto& f = all[prefixes];
    if (!f) {
        f = std::make_unique<Fixture>();
        f->table = random_table(prefixes, prefixes);
        f->numbers = destinations(f->table, 1 << 16, 7);
        auto p = ShmPublisher::open(unique_ns(std::to_string(prefixes)));
        if (!p) throw std::runtime_error(p.error().message);
        f->publisher = std::make_unique<ShmPublisher>(std::move(p).value());
        if (auto g = f->publisher->publish(f->table); !g) throw std::runtime_error(g.error().message);
        auto r = ShmReader::open(unique_ns(std::to_string(prefixes)));
        if (!r) throw std::runtime_error(r.error().message);
        f->reader = std::make_unique<ShmReader>(std::move(r).value());
    }
    return *f;
}

using Clock = std::chrono::steady_clock;

double clock_overhead_ns() {
    std::vector<double> s;
    for (int i = 0; i < 10000; ++i) {
        auto a = Clock::now();
        auto b = Clock::now();
        s.push_back(std::chrono::duration<double, std::nano>(b - a).count());
    }
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
}

// Times `op(i)` one call at a time and sets p50/p99/p999 counters (ns).
template <class Op>
void percentiles(benchmark::State& state, std::size_t samples, Op op) {
    static const double overhead = clock_overhead_ns();
    std::vector<double> s;
    s.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        auto a = Clock::now();
        op(i);
        auto b = Clock::now();
        s.push_back(std::max(0.0, std::chrono::duration<double, std::nano>(b - a).count() - overhead));
    }
    std::sort(s.begin(), s.end());
    state.counters["p50_ns"] = s[s.size() / 2];
    state.counters["p99_ns"] = s[s.size() * 99 / 100];
    state.counters["p999_ns"] = s[s.size() * 999 / 1000];
    state.counters["clock_ns"] = overhead;
}

void BM_Lookup(benchmark::State& state) {
    Fixture& f = fixture(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state) {
        const TableView& v = f.reader->current();
        auto m = v.lookup(f.numbers[i++ & 0xffff]);
        benchmark::DoNotOptimize(m);
    }
    // The numbers are random, so each lookup walks a cold part of the trie.
    percentiles(state, 200000, [&](std::size_t k) {
        const TableView& v = f.reader->current();
        auto m = v.lookup(f.numbers[k & 0xffff]);
        benchmark::DoNotOptimize(m);
    });
    const TableView& v = f.reader->current();
    state.counters["nodes"] = static_cast<double>(v.node_count());
    state.counters["image_MB"] = static_cast<double>(v.image_size()) / 1e6;
}
BENCHMARK(BM_Lookup)->Arg(1000)->Arg(100000)->Arg(1000000);

void BM_BuildPublish1M(benchmark::State& state) {
    Fixture& f = fixture(1000000);
    for (auto _ : state) {
        auto g = f.publisher->publish(f.table);
        if (!g) state.SkipWithError(g.error().message.c_str());
    }
}
BENCHMARK(BM_BuildPublish1M)->Unit(benchmark::kMillisecond)->Iterations(3);

// The compile step alone (the rest of build + publish is writing the segment).
void BM_Compile1M(benchmark::State& state) {
    Fixture& f = fixture(1000000);
    for (auto _ : state) {
        auto c = CompiledTable::compile(f.table, 1);
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(BM_Compile1M)->Unit(benchmark::kMillisecond)->Iterations(3);

// What a reader pays once per reload: open, map and validate the new image.
void BM_Attach1M(benchmark::State& state) {
    Fixture& f = fixture(1000000);
    for (auto _ : state) {
        f.publisher->publish(f.table);
        auto t0 = Clock::now();
        const TableView& v = f.reader->current();
        auto t1 = Clock::now();
        benchmark::DoNotOptimize(v);
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    }
}
BENCHMARK(BM_Attach1M)->Unit(benchmark::kMillisecond)->Iterations(3)->UseManualTime();

void BM_Select(benchmark::State& state) {
    Fixture& f = fixture(static_cast<std::size_t>(state.range(0)));
    NoHealth health;
    SelectorSettings settings;
    settings.capabilities["carrier3"] = CarrierCapabilities{false, 1};
    Selector selector(settings, health);
    SelectRequest r;
    r.traffic_class = TrafficClass::otp;
    r.source_addr = "ACME";
    r.source_addr_ton = 5;
    r.now = std::chrono::system_clock::now();
    std::size_t i = 0;
    for (auto _ : state) {
        r.destination = f.numbers[i++ & 0xffff];
        Decision d = selector.select(f.reader->current(), r);
        benchmark::DoNotOptimize(d);
    }
    percentiles(state, 200000, [&](std::size_t k) {
        r.destination = f.numbers[k & 0xffff];
        Decision d = selector.select(f.reader->current(), r);
        benchmark::DoNotOptimize(d);
    });
}
BENCHMARK(BM_Select)->Arg(1000000);

// Lookups while another thread republishes the 100k table as fast as it can.
void BM_LookupDuringReloads(benchmark::State& state) {
    Fixture& f = fixture(100000);
    std::atomic<bool> stop{false};
    std::atomic<int> reloads{0};
    std::thread publisher([&] {
        while (!stop.load()) {
            f.publisher->publish(f.table);
            reloads.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    std::size_t i = 0;
    for (auto _ : state) {
        auto m = f.reader->current().lookup(f.numbers[i++ & 0xffff]);
        benchmark::DoNotOptimize(m);
    }
    percentiles(state, 200000, [&](std::size_t k) {
        auto m = f.reader->current().lookup(f.numbers[k & 0xffff]);
        benchmark::DoNotOptimize(m);
    });
    stop = true;
    publisher.join();
    state.counters["reloads"] = reloads.load();
}
BENCHMARK(BM_LookupDuringReloads);

// Lookups on the 1M table while a publisher republishes it (`reloads`
// times, 300 ms apart), every lookup timed: with a plain ShmReader the
// lookup after each reload maps and validates the new image itself; with a
// TableRefresher (state.range(0) == 1) a background thread has done that
// already and the switch is one lock. max_ns is the worst single lookup.
void BM_LookupDuringReloads1M(benchmark::State& state) {
    Fixture& f = fixture(1000000);
    const bool refreshed = state.range(0) == 1;
    const std::string ns = unique_ns(std::to_string(1000000));
    std::shared_ptr<TableRefresher> refresher;
    std::unique_ptr<ShmReader> reader;
    if (refreshed) {
        auto r = TableRefresher::open(ns, std::chrono::milliseconds(5));
        if (!r) throw std::runtime_error(r.error().message);
        refresher = std::move(r).value();
        reader = std::make_unique<ShmReader>(std::move(ShmReader::open(refresher)).value());
    } else {
        reader = std::make_unique<ShmReader>(std::move(ShmReader::open(ns)).value());
    }
    static const double overhead = clock_overhead_ns();
    constexpr int reloads = 4;
    std::vector<float> s;
    s.reserve(1 << 24);
    double switch_max = 0;  // the lookups that saw a new generation
    std::uint64_t start_generation = reader->current().generation();
    for (auto _ : state) {
        std::atomic<bool> stop{false};
        std::thread publisher([&] {
            for (int k = 0; k < reloads && !stop.load(); ++k) {
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
                f.publisher->publish(f.table);
            }
        });
        std::size_t i = 0;
        // Until the reader has seen every reload (bounded by the sample buffer).
        while (reader->generation() < start_generation + reloads && s.size() < s.capacity()) {
            const std::uint64_t before = reader->generation();
            auto a = Clock::now();
            auto m = reader->current().lookup(f.numbers[i++ & 0xffff]);
            benchmark::DoNotOptimize(m);
            auto b = Clock::now();
            const double ns = std::max(0.0, std::chrono::duration<double, std::nano>(b - a).count() - overhead);
            s.push_back(static_cast<float>(ns));
            if (reader->generation() != before) switch_max = std::max(switch_max, ns);
        }
        stop = true;
        publisher.join();
    }
    std::sort(s.begin(), s.end());
    state.counters["lookups"] = static_cast<double>(s.size());
    state.counters["p50_ns"] = s[s.size() / 2];
    state.counters["p99_ns"] = s[s.size() * 99 / 100];
    state.counters["p9999_ns"] = s[s.size() * 9999 / 10000];
    state.counters["max_ns"] = s.back();
    state.counters["switch_max_ns"] = switch_max;
    state.counters["reloads"] = static_cast<double>(reader->current().generation() - start_generation);
}
BENCHMARK(BM_LookupDuringReloads1M)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
