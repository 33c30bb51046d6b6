// Receipts matched and forwarded per second, end to end in one process:
// N messages pre-loaded as `sent` in a RocksDbLedger, then one carrier
// deliver_sm receipt per message fed to ReceiptMatcher::on_deliver as fast
// as the ledger takes them (at most `in_flight` unanswered), owed receipts
// forwarded by a ReceiptForwarder to an in-process ESME bound as receiver
// over 127.0.0.1 (`binds` receiver binds of the one account, which the
// forwarder fills by window room), which answers ESME_ROK. Reports receipts/s and the
// carrier -> upstream latency (on_deliver call -> deliver_sm decoded at the
// ESME) p50/p99/max. Plain main: the figures that matter are percentiles.
//
//   bench_receipts [messages=100000] [sync=both|0|1] [in_flight=4096] [window=256] [rate=0] [path=/tmp/receipt-bench] [binds=1]
//                  [cache=200000] [rocksdb_options=STR] [journal=1|0]
//
// The arguments go by position as above, or as key=value in any order
// (`bench_receipts binds=4 window=256 sync=0`); the forms mix, the k-th
// bare value being the k-th positional one (`bench_receipts 200000 0
// binds=4`). binds=B opens B receiver binds of the one account, all on the
// ESME's network thread; the forwarder spreads the receipts over them.
//
// rate=0 offers receipts as fast as the ledger takes them (throughput; the
// latency then is mostly time queued behind the backlog); rate=R paces
// them at R/s, for the latency of an unsaturated path.
//
// cache= and rocksdb_options= (key=value only) are the ledger's
// open_record_cache and rocksdb_options settings, for experiments; journal=0
// puts the fsync on RocksDB's own WAL (the ledger's journal setting).
//
// Threads: the ledger's writer, the connector's network thread (listener,
// upstream sessions, forwarder; named connector-net), the ESME's network
// thread (esme-net), and the feeder (main, named feeder: ReceiptMatcher::
// on_deliver), which mostly waits for room. Each one's CPU per receipt is
// printed, so a change on one of them is measurable on a loaded box.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <future>
#include <pthread.h>
#include <semaphore>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/delivery_receipt.hpp"
#include "smpp/relay/carrier_id.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/session/client.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/rocksdb_ledger.hpp"

using namespace smpp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using protocol::command_status;

namespace {

struct Options {
    std::size_t messages = 100'000;
    std::string sync = "both";
    std::size_t in_flight = 4096;
    std::uint32_t window = 256;
    std::string path = "/tmp/receipt-bench";
    double rate = 0;  // receipts/s offered; 0 = as fast as the ledger takes them
    std::uint32_t binds = 1;  // upstream receiver binds of the account
    std::size_t cache = store::LedgerSettings{}.open_record_cache;
    std::string rocksdb_options{};
    bool journal = store::LedgerSettings{}.journal;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_receipts: %s\n", what.c_str());
    std::exit(1);
}

// Options from argv: positional (the usage line's order) and key=value.
Options parse_options(int argc, char** argv) {
    static constexpr std::array<std::string_view, 7> keys = {"messages", "sync", "in_flight", "window",
                                                             "rate",     "path", "binds"};
    Options o;
    auto number = [](std::string_view key, std::string_view v, auto& out) {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc{} || end != v.data() + v.size())
            die("bad " + std::string(key) + " '" + std::string(v) + "': not a number");
    };
    auto set = [&](std::string_view key, std::string_view v) {
        if (key == "messages") number(key, v, o.messages);
        else if (key == "sync") o.sync = v;
        else if (key == "in_flight") number(key, v, o.in_flight);
        else if (key == "window") number(key, v, o.window);
        else if (key == "rate") number(key, v, o.rate);
        else if (key == "path") o.path = v;
        else if (key == "binds") number(key, v, o.binds);
        else if (key == "cache") number(key, v, o.cache);
        else if (key == "rocksdb_options") o.rocksdb_options = v;
        else if (key == "journal" && (v == "0" || v == "1")) o.journal = v == "1";
        else die("unknown option or value '" + std::string(key) + "=" + std::string(v) +
                 "' (messages, sync, in_flight, window, rate, path, binds, cache, rocksdb_options, journal=0|1)");
    };
    std::size_t position = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            set(arg.substr(0, eq), arg.substr(eq + 1));
        } else {
            if (position == keys.size()) die("too many arguments: '" + std::string(arg) + "'");
            set(keys[position++], arg);
        }
    }
    if (o.messages == 0 || o.in_flight == 0 || o.window == 0) die("messages, in_flight and window must be > 0");
    if (o.binds == 0 || o.binds > upstream::Account::max_binds_limit)
        die("binds must be 1.." + std::to_string(upstream::Account::max_binds_limit));
    if (o.sync != "both" && o.sync != "0" && o.sync != "1") die("sync must be both, 0 or 1");
    if (o.rate < 0) die("rate must be >= 0");
    return o;
}

// A thread running one io_context until stopped, named for the per-thread figures.
struct NetThread {
    explicit NetThread(const char* name)
        : thread{[this, name] {
              pthread_setname_np(pthread_self(), name);
              ioc.run();
          }} {}
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;
    ~NetThread() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
    template <class F>
    void run_sync(F f) {
        std::promise<void> done;
        boost::asio::post(ioc, [&] {
            f();
            done.set_value();
        });
        done.get_future().get();
    }
};

// The upstream: answers every deliver_sm ESME_ROK and times it. One
// handler for all its binds: they all run on the ESME's one network thread.
class Esme final : public session::SessionHandler {
public:
    Esme(const std::unordered_map<std::string, std::uint32_t>& index, const std::vector<Clock::time_point>& fed)
        : index_(index), fed_(fed), latency_us(fed.size(), -1) {}

    void on_request(session::Session& s, protocol::Pdu&& p) override {
        auto* d = p.as<protocol::DeliverSm>();
        if (!d) return SessionHandler::on_request(s, std::move(p));
        const auto now = Clock::now();
        auto id = d->tlvs.receipted_message_id();
        if (auto it = id ? index_.find(std::string(*id)) : index_.end(); it != index_.end()) {
            auto& slot = latency_us[it->second];
            if (slot >= 0) duplicates.fetch_add(1, std::memory_order_relaxed);
            slot = std::chrono::duration_cast<std::chrono::microseconds>(now - fed_[it->second]).count();
        } else {
            unknown.fetch_add(1, std::memory_order_relaxed);
        }
        s.respond(protocol::make_response(protocol::command_id::deliver_sm, p.sequence_number, command_status::ESME_ROK));
        last = now;
        received.fetch_add(1, std::memory_order_release);
    }

    const std::unordered_map<std::string, std::uint32_t>& index_;
    const std::vector<Clock::time_point>& fed_;
    std::vector<std::int64_t> latency_us;  // ESME thread only until `received` says done
    Clock::time_point last{};
    std::atomic<std::uint64_t> received{0}, duplicates{0}, unknown{0};
};

store::MessageRecord record(store::MessageId id) {
    store::MessageRecord r;
    r.id = id;
    r.account = "acme";
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.payload = "bench receipt text 0123456789";
    r.registered_delivery = 1;
    r.status = store::MessageStatus::accepted;
    r.accepted_at = r.updated_at = id.time();
    return r;
}

std::string carrier_id(std::size_t i) { return std::to_string(7'000'000'000ULL + i); }

protocol::Pdu receipt_pdu(const std::string& id) {
    protocol::DeliveryReceipt r;
    r.id = id;
    r.sub = "001";
    r.dlvrd = "001";
    r.stat = protocol::message_state::delivered;
    r.err = "000";
    r.submit_date = "2611230101";
    r.done_date = "2611230102";
    r.text = "bench receipt text";
    return protocol::Pdu{command_status::ESME_ROK, 1,
                         protocol::make_receipt_deliver_sm(r, {1, 1, "447700900123"}, {5, 0, "CARRIER"})};
}

// CPU time (ns) each thread of this process has run so far, by tid: what
// the run costs independently of how loaded the shared box is.
struct ThreadCpu {
    std::string name;
    std::uint64_t ns = 0;
};
std::map<int, ThreadCpu> thread_cpu_ns() {
    std::map<int, ThreadCpu> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(e.path() / "schedstat");
        std::ifstream comm(e.path() / "comm");
        ThreadCpu t;
        std::getline(comm, t.name);
        if (in >> t.ns) out[std::stoi(e.path().filename().string())] = std::move(t);
    }
    return out;
}

double pct(std::vector<std::int64_t>& v, double p) {
    if (v.empty()) return 0;
    const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]) / 1000.0;
}

void run(const Options& o, bool sync, const std::string& password_hash) {
    const std::string path = o.path + (sync ? "-sync" : "-nosync");
    std::filesystem::remove_all(path);
    store::LedgerSettings ls;
    ls.path = path;
    ls.sync = sync;
    ls.open_record_cache = o.cache;
    ls.rocksdb_options = o.rocksdb_options;
    ls.journal = o.journal;
    auto opened = store::RocksDbLedger::open(ls);
    if (!opened.ok()) die("open: " + opened.status().to_string());
    auto& ledger = **opened;

    NetThread server("connector-net"), client("esme-net");
    std::shared_ptr<relay::ReceiptForwarder> forwarder =
        relay::ReceiptForwarder::create(server.ioc.get_executor(), ledger);
    auto matcher = relay::ReceiptMatcher::create(ledger, {}, [&](const std::string& account) {
        forwarder->notify(account);
    });

    // Pre-load: accepted, then sent with the carrier's id (decimal, as its receipts).
    const std::size_t n = o.messages;
    store::MessageIdGenerator ids(1);
    std::vector<store::MessageId> our(n);
    std::unordered_map<std::string, std::uint32_t> index;
    index.reserve(n);
    {
        std::counting_semaphore<> room(20'000);
        std::atomic<std::size_t> failed{0};
        auto done = [&](store::Status s) {
            if (!s.ok()) failed.fetch_add(1);
            room.release();
        };
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; ++i) {
            our[i] = ids.next();
            index.emplace(our[i].to_string(), static_cast<std::uint32_t>(i));
            const auto cid = carrier_id(i);
            room.acquire();
            ledger.accept(record(our[i]), done);
            room.acquire();
            ledger.sent(our[i], "carrier01", cid, *relay::index_key(cid, {}), our[i].time(), done);
        }
        for (int k = 0; k < 20'000; ++k) room.acquire();
        if (failed) die("pre-load: " + std::to_string(failed.load()) + " writes failed");
        std::printf("  pre-load: %zu messages accepted+sent in %.2f s\n", n,
                    std::chrono::duration<double>(Clock::now() - t0).count());
    }

    // The upstream: a listener on loopback whose sessions report binds to the forwarder.
    upstream::AccountSettings accounts;
    {
        upstream::Account a;
        a.system_id = "acme";
        a.password_hash = password_hash;
        a.bind_types = {session::bind_type::receiver, session::bind_type::transceiver};
        a.max_binds = std::max<std::uint32_t>(4, o.binds);
        accounts.accounts.push_back(a);
    }
    upstream::Authenticator authenticator(accounts);
    std::shared_ptr<session::Listener> listener;
    server.run_sync([&] {
        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.window = o.window;
        s.response_timeout = 30s;
        s.write_queue_limit = 16 << 20;
        listener = session::Listener::create(server.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0},
                                             s, [&](const boost::asio::ip::tcp::endpoint&) {
                                                 return std::make_shared<upstream::UpstreamSessionHandler>(
                                                     authenticator, nullptr, forwarder.get());
                                             });
        listener->start();
    });

    std::vector<Clock::time_point> fed(n);
    auto esme = std::make_shared<Esme>(index, fed);
    std::vector<std::shared_ptr<session::Client>> receivers;
    client.run_sync([&] {
        session::ClientSettings cs;
        cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
        cs.bind.type = session::bind_type::receiver;
        cs.bind.system_id = "acme";
        cs.bind.password = "acmepw";
        cs.session.system_id = "esme";
        cs.session.enquire_link_interval = 0ms;
        cs.session.window = o.window;
        for (std::uint32_t b = 0; b < o.binds; ++b) {
            receivers.push_back(session::Client::create(client.ioc.get_executor(), cs, esme));
            receivers.back()->start();
        }
    });
    std::uint32_t bound = 0;
    for (int k = 0; k < 500; ++k) {
        client.run_sync([&] {
            bound = 0;
            for (const auto& r : receivers) {
                auto s = r->session();
                bound += s && session::is_bound(s->state());
            }
        });
        if (bound == o.binds) break;
        std::this_thread::sleep_for(10ms);
    }
    if (bound != o.binds) die(std::to_string(bound) + " of " + std::to_string(o.binds) + " receiver binds came up");
    std::this_thread::sleep_for(50ms);  // the forwarder has the binds

    // The receipts, built before the clock starts.
    std::vector<protocol::Pdu> pdus;
    pdus.reserve(n);
    for (std::size_t i = 0; i < n; ++i) pdus.push_back(receipt_pdu(carrier_id(i)));

    std::counting_semaphore<> room(static_cast<std::ptrdiff_t>(o.in_flight));
    std::atomic<std::uint64_t> answered{0}, refused{0};
    std::atomic<std::int64_t> matched_at{0};
    // Named only now: threads inherit the name of the thread creating them.
    std::array<char, 16> main_name{};
    pthread_getname_np(pthread_self(), main_name.data(), main_name.size());
    pthread_setname_np(pthread_self(), "feeder");
    std::printf("  feeding %zu receipts\n", n);  // a profiler's cue (perf record -p)
    std::fflush(stdout);
    const auto cpu0 = thread_cpu_ns();
    const auto start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        if (o.rate > 0) {
            const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i) / o.rate));
            if (Clock::now() < due) std::this_thread::sleep_until(due);
        }
        room.acquire();
        fed[i] = Clock::now();
        matcher->on_deliver("carrier01", std::move(pdus[i]), [&](command_status s) {
            if (s != command_status::ESME_ROK) refused.fetch_add(1);
            if (answered.fetch_add(1) + 1 == n) matched_at.store((Clock::now() - start).count());
            room.release();
        });
    }
    const auto deadline = Clock::now() + 300s;
    while (esme->received.load(std::memory_order_acquire) < n && Clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    while (answered.load() < n && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    const auto received = esme->received.load(std::memory_order_acquire);
    const double seconds = std::chrono::duration<double>(esme->last - start).count();
    // Removals of acknowledged receipts finish after the last deliver_sm.
    std::size_t left = 0;
    for (int k = 0; k < 3000; ++k) {
        left = ledger.pending_receipts("acme", 10)->size();
        if (left == 0) break;
        std::this_thread::sleep_for(1ms);
    }
    const double drained = std::chrono::duration<double>(Clock::now() - start).count();
    // Per receipt: all threads, and the busiest one (the bound on one core each).
    std::uint64_t cpu_total = 0, cpu_busiest = 0;
    std::vector<std::pair<std::uint64_t, std::string>> per_thread;
    for (const auto& [tid, t] : thread_cpu_ns()) {
        const auto it = cpu0.find(tid);
        const auto used = t.ns - (it == cpu0.end() ? 0 : it->second.ns);
        cpu_total += used;
        cpu_busiest = std::max(cpu_busiest, used);
        // Unnamed threads (the program's name) are the ledger's: its writer.
        per_thread.emplace_back(used, (t.name == main_name.data() ? std::string("ledger") : t.name) + "[" +
                                          std::to_string(tid) + "]");
    }
    std::sort(per_thread.rbegin(), per_thread.rend());
    pthread_setname_np(pthread_self(), main_name.data());
    // What one forwarder drain's FIFO read costs now that every receipt was
    // removed (their tombstones sit at the head of the account's range).
    const auto scan0 = Clock::now();
    for (int k = 0; k < 20; ++k) (void)ledger.pending_receipts("acme", o.window);
    const double scan_ms = std::chrono::duration<double, std::milli>(Clock::now() - scan0).count() / 20;

    std::vector<std::int64_t> lat;
    lat.reserve(n);
    for (auto v : esme->latency_us)
        if (v >= 0) lat.push_back(v);
    const auto m = matcher->counters();
    const auto f = forwarder->counters();
    const auto w = ledger.writer_stats();
    std::printf("  sync=%d receipts=%zu in_flight=%zu window=%u binds=%u offered=%s\n", sync ? 1 : 0, n, o.in_flight,
                o.window, o.binds, o.rate > 0 ? (std::to_string(static_cast<long>(o.rate)) + "/s").c_str() : "max");
    std::printf("  matched (deliver_sm_resp to carrier): %.0f /s  (%.2f s)\n",
                static_cast<double>(n) / (static_cast<double>(matched_at.load()) / 1e9),
                static_cast<double>(matched_at.load()) / 1e9);
    std::printf("  end to end (deliver_sm at the ESME):  %.0f /s  (%.2f s), ledger drained after %.2f s\n",
                static_cast<double>(received) / seconds, seconds, drained);
    std::printf("  latency carrier -> upstream: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", pct(lat, 0.50),
                pct(lat, 0.99), pct(lat, 1.0));
    std::printf("  cpu per receipt: %.2f us all threads, %.2f us busiest thread (=> %.0f /s if that thread had a core)\n",
                static_cast<double>(cpu_total) / 1e3 / static_cast<double>(n),
                static_cast<double>(cpu_busiest) / 1e3 / static_cast<double>(n),
                cpu_busiest ? 1e9 * static_cast<double>(n) / static_cast<double>(cpu_busiest) : 0.0);
    std::printf("  cpu per receipt by thread (us):");
    for (const auto& [ns, name] : per_thread)
        if (ns * 100 >= cpu_total) std::printf(" %s %.2f", name.c_str(), static_cast<double>(ns) / 1e3 / static_cast<double>(n));
    std::printf("\n");
    std::printf("  matcher matched=%llu dup=%llu parked=%llu refused=%llu | forwarder forwarded=%llu retried=%llu | "
                "esme got=%llu dup=%llu unknown=%llu | pending left=%zu | writer groups=%llu writes=%llu (%.0f/group)\n",
                (unsigned long long)m.matched, (unsigned long long)m.duplicates, (unsigned long long)m.parked,
                (unsigned long long)refused.load(), (unsigned long long)f.forwarded, (unsigned long long)f.retried,
                (unsigned long long)received, (unsigned long long)esme->duplicates.load(),
                (unsigned long long)esme->unknown.load(), left, (unsigned long long)w.groups,
                (unsigned long long)w.writes, w.groups ? static_cast<double>(w.writes) / w.groups : 0.0);
    std::printf("  one pending_receipts(acme, %u) read after the run: %.2f ms\n", o.window, scan_ms);
    std::fflush(stdout);

    std::vector<std::promise<void>> stopped(receivers.size());
    client.run_sync([&] {
        for (std::size_t b = 0; b < receivers.size(); ++b) receivers[b]->stop([&, b] { stopped[b].set_value(); });
    });
    for (auto& p : stopped) p.get_future().wait_for(3s);
    std::promise<void> closed;
    server.run_sync([&] { listener->stop([&] { closed.set_value(); }); });
    closed.get_future().wait_for(3s);
    forwarder->stop();
    std::this_thread::sleep_for(50ms);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    const std::string hash = *upstream::hash_password("acmepw");
    std::printf("bench_receipts: %u hardware threads\n", std::thread::hardware_concurrency());
    if (o.sync == "both" || o.sync == "0") run(o, false, hash);
    if (o.sync == "both" || o.sync == "1") run(o, true, hash);
    std::filesystem::remove_all(o.path + "-sync");
    std::filesystem::remove_all(o.path + "-nosync");
    return 0;
}
