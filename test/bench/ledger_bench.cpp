// Ledger accept throughput and latency with group commit: N submitter
// threads, each a closed loop of accept() -> wait for its Completion, as an
// upstream session waits before sending submit_sm_resp. Plain main rather
// than Google Benchmark because the figures that matter are percentiles.
//   bench_ledger [seconds-per-run=3] [path=/tmp/ledger-bench] [sync=1]
// And the start after a crash: a child process adds one opt-out (a family
// written once in a while), accepts `mb` MB of records and dies without
// closing the ledger (as kill -9 would leave it); the parent times the
// reopen (journal and WAL replayed) and recover():
//   bench_ledger replay [mb=1024] [path=/tmp/ledger-bench] [rocksdb-options]
// ("max_total_wal_size=0" gives RocksDB's own WAL bound back, for comparison).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

std::uintmax_t wal_bytes(const std::string& path) {
    std::uintmax_t n = 0;
    // RocksDB may delete an obsolete WAL file between the listing and its size.
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path, ec))
        if (e.path().extension() == ".log")
            if (const auto size = std::filesystem::file_size(e.path(), ec); !ec) n += size;
    return n;
}

int replay(std::size_t mb, const std::string& path, const std::string& options) {
    std::filesystem::remove_all(path);
    LedgerSettings settings;
    settings.path = path;
    settings.rocksdb_options = options;
    const pid_t child = fork();
    if (child == 0) {
        auto ledger = RocksDbLedger::open(settings);
        if (!ledger.ok()) _exit(2);
        auto wait = [](auto submit) {
            std::promise<Status> done;
            auto f = done.get_future();
            submit([&done](Status s) { done.set_value(std::move(s)); });
            return f.get();
        };
        if (!wait([&](Completion c) { (*ledger)->add_opt_out("bench", "447700900999", std::move(c)); }).ok()) _exit(3);
        MessageIdGenerator ids(1);
        const std::size_t records = mb * 1'000'000 / 400;  // ~400 octets a record in the WAL
        for (std::size_t done = 0; done < records;) {
            std::vector<MessageRecord> batch;
            for (int i = 0; i < 500 && done < records; ++i, ++done) {
                // Final, as nearly all of a running ledger is: recover()
                // then reads only the open few.
                auto r = sample(ids.next());
                r.status = MessageStatus::delivered;
                batch.push_back(std::move(r));
            }
            if (!wait([&](Completion c) { (*ledger)->accept_all(std::move(batch), std::move(c)); }).ok()) _exit(4);
        }
        std::printf("wrote %zu records; WAL %.0f MB at the crash\n", records, wal_bytes(path) / 1e6);
        std::fflush(stdout);
        _exit(0);  // no close, no flush: what kill -9 leaves
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::printf("writer failed (status %d)\n", status);
        return 1;
    }
    const auto start = Clock::now();
    auto ledger = RocksDbLedger::open(settings);
    if (!ledger.ok()) {
        std::printf("open failed: %s\n", ledger.status().to_string().c_str());
        return 1;
    }
    const auto opened = Clock::now();
    auto recovered = (*ledger)->recover(Timestamp{}, Timestamp{});
    const auto done = Clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("reopen %.0f ms, recover %.0f ms (%zu to resume); WAL %.0f MB after the reopen\n", ms(opened - start),
                ms(done - opened), recovered.ok() ? recovered->resume.size() : 0, wal_bytes(path) / 1e6);
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "replay")
        return replay(argc > 2 ? std::stoul(argv[2]) : 1024, argc > 3 ? argv[3] : "/tmp/ledger-bench",
                      argc > 4 ? argv[4] : "");
    double seconds = argc > 1 ? std::stod(argv[1]) : 3.0;
    std::string path = argc > 2 ? argv[2] : "/tmp/ledger-bench";
    bool sync = argc > 3 ? std::string(argv[3]) != "0" : true;
    for (int n : {1, 16, 256}) run(n, seconds, path, sync);
}
