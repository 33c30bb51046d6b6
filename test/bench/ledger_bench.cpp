// Ledger accept throughput and latency with group commit: N submitter
// threads, each a closed loop of accept() -> wait for its Completion, as an
// upstream session waits before sending submit_sm_resp. Plain main rather
// than Google Benchmark because the figures that matter are percentiles.
//   bench_ledger [seconds-per-run=3] [path=/tmp/ledger-bench] [sync=1]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/rocksdb_ledger.hpp"

using namespace smpp::store;
using Clock = std::chrono::steady_clock;

namespace {

MessageRecord sample(MessageId id) {
    MessageRecord r;
    r.id = id;
    r.account = "bench";
    r.source = {5, 0, "BENCH"};
    r.destination = {1, 1, "447700900123"};
    r.payload = std::string(140, 'x');
    r.accepted_at = id.time();
    r.updated_at = id.time();
    return r;
}

void run(int submitters, double seconds, const std::string& path, bool sync) {
    std::filesystem::remove_all(path);
    LedgerSettings settings;
    settings.path = path;
    settings.sync = sync;
    auto opened = RocksDbLedger::open(settings);
    if (!opened.ok()) {
        std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
        std::exit(1);
    }
    auto& ledger = **opened;
    MessageIdGenerator ids(1);
    std::vector<std::vector<double>> latencies(submitters);
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (int t = 0; t < submitters; ++t) {
        threads.emplace_back([&, t] {
            std::mutex m;
            std::condition_variable cv;
            while (Clock::now() < deadline) {
                bool done = false;
                auto start = Clock::now();
                ledger.accept(sample(ids.next()), [&](Status s) {
                    if (!s.ok()) std::fprintf(stderr, "accept: %s\n", s.to_string().c_str());
                    std::lock_guard lock(m);
                    done = true;
                    cv.notify_one();
                });
                std::unique_lock lock(m);
                cv.wait(lock, [&] { return done; });
                latencies[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
            }
        });
    }
    for (auto& th : threads) th.join();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<std::size_t>(p * (all.size() - 1))]; };
    auto stats = ledger.writer_stats();
    std::printf("%-4s submitters=%-4d accepted/s=%-9.0f p50=%8.0f us  p99=%8.0f us  writes/group=%.1f\n",
                sync ? "sync" : "wal", submitters, static_cast<double>(all.size()) / seconds, pct(0.50), pct(0.99),
                stats.groups ? static_cast<double>(stats.writes) / static_cast<double>(stats.groups) : 0.0);
    opened->reset();
    std::filesystem::remove_all(path);
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::stod(argv[1]) : 3.0;
    std::string path = argc > 2 ? argv[2] : "/tmp/ledger-bench";
    bool sync = argc > 3 ? std::string(argv[3]) != "0" : true;
    for (int n : {1, 16, 256}) run(n, seconds, path, sync);
}
