#include "tools/smpp-connector/receipt_replay.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;
using store::MessageStatus;

namespace {

const store::Timestamp t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 10h;

std::string receipt_text(const std::string& id) {
    return "id:" + id + " sub:001 dlvrd:001 submit date:2611230101 done date:2611230102 stat:DELIVRD err:000 text:";
}

// Eleven kept receipts, several per millisecond so pages end inside one:
//   t0: c1 id0 id1 id2 | t0+1: c1 id3 id4, c2 id10 | t0+2: c1 id5..id8 | t0+3: c1 id9
// id0..id4 matched their messages when they came (a replay finds them
// applied); the rest found none (a replay parks them again).
struct Kept {
    store::InMemoryLedger ledger;
    std::shared_ptr<relay::ReceiptMatcher> matcher = relay::ReceiptMatcher::create(ledger, {}, {});

    Kept() {
        const std::array<int, 10> ms = {0, 0, 0, 1, 1, 2, 2, 2, 2, 3};
        for (int i = 0; i < 10; ++i) {
            const auto id = "id" + std::to_string(i);
            if (i < 5) {
                store::MessageRecord r;
                r.id = store::MessageId::make(t0, 0, static_cast<std::uint32_t>(i + 1));
                r.account = "acme";
                r.registered_delivery = 1;
                r.accepted_at = r.updated_at = t0;
                ledger.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
                ledger.sent(r.id, "c1", id, id, t0, [](store::Status s) { REQUIRE(s.ok()); });
            }
            keep("c1", id, t0 + std::chrono::milliseconds(ms[static_cast<std::size_t>(i)]));
            if (i == 4) keep("c2", "id10", t0 + 1ms);
        }
    }
    void keep(const std::string& carrier, const std::string& id, store::Timestamp at) {
        store::CarrierReceipt c;
        c.carrier = carrier;
        c.keys = {id};
        c.carrier_message_id = id;
        c.received_at = at;
        c.raw = receipt_text(id);
        ledger.apply_receipt(c, [](store::StatusOr<store::ReceiptMatch> m) { REQUIRE(m.ok()); });
    }
    ReplayResult run(ReplayRequest request, ReplayPacing pacing = {}) {
        boost::asio::io_context io;
        std::optional<ReplayResult> out;
        replay_receipts(ledger, matcher, io.get_executor(), request, [&](const ReplayResult& r) { out = r; }, pacing);
        io.run();
        REQUIRE(out);
        return *out;
    }
};

}  // namespace

TEST_CASE("receipt replay: every kept copy once, whatever the page size", "[tools][admin][replay]") {
    Kept k;
    REQUIRE(k.ledger.raw_receipts(store::Timestamp{}, 100)->size() == 11);
    for (std::size_t page : {1, 2, 3, 4, 100}) {
        for (std::size_t window : {1, 2, 256}) {
            INFO("page " << page << " window " << window);
            const auto r = k.run({.since = t0}, {.page = page, .window = window});
            CHECK(r.error.empty());
            CHECK(r.read == 11);
            CHECK(r.replayed == 11);
            CHECK(r.duplicate == 5);
            CHECK(r.parked == 6);
            CHECK(r.matched == 0);
            CHECK(r.no_id == 0);
            CHECK(r.failed == 0);
            CHECK(r.first == t0);
            CHECK(r.last == t0 + 3ms);
            CHECK_FALSE(r.more);
        }
    }
    // Replays write no raw copies of their own.
    CHECK(k.ledger.raw_receipts(store::Timestamp{}, 100)->size() == 11);
}

TEST_CASE("receipt replay: a carrier, a limit, a start time", "[tools][admin][replay]") {
    Kept k;
    auto c2 = k.run({.since = t0, .carrier = "c2"}, {.page = 2});
    CHECK(c2.read == 11);
    CHECK(c2.replayed == 1);
    CHECK(c2.parked == 1);

    // A limit of 4 stops inside t0+1 (three at t0, then id3): the rest of
    // that millisecond is read too, so going on from t0+2 misses nothing
    // and reads nothing twice.
    for (std::size_t page : {1, 2, 3, 100}) {
        INFO("page " << page);
        auto four = k.run({.since = t0, .limit = 4}, {.page = page});
        CHECK(four.read == 6);
        CHECK(four.replayed == 6);
        CHECK(four.duplicate == 5);
        CHECK(four.parked == 1);
        CHECK(four.last == t0 + 1ms);
        CHECK(four.more);
        CHECK(replay_text({.since = t0, .limit = 4}, four) ==
              "ok replayed 6 raw receipts (of 6 read, received 2026-11-23T10:00:00.000Z .. "
              "2026-11-23T10:00:00.001Z): 0 matched, 5 duplicate, 1 parked, 0 without an id, 0 failed\n"
              "more may follow: the limit (4) was reached (its last millisecond read to the end); go on with "
              "--since 2026-11-23T10:00:00.002Z\n");
        auto rest = k.run({.since = t0 + 2ms, .limit = 4}, {.page = page});
        CHECK(rest.read == 4);  // id5..id8, all of t0+2: the limit ends with the millisecond
        CHECK(rest.more);
        auto last = k.run({.since = t0 + 3ms, .limit = 4}, {.page = page});
        CHECK(last.read == 1);
        CHECK_FALSE(last.more);
    }
    // A limit of 1 at a millisecond of four still reads all four.
    auto one = k.run({.since = t0 + 2ms, .limit = 1}, {.page = 1});
    CHECK(one.read == 4);
    CHECK(one.parked == 4);
    CHECK(one.more);

    // From t0+2: id5..id9.
    auto late = k.run({.since = t0 + 2ms, .carrier = "c1"});
    CHECK(late.read == 5);
    CHECK(late.parked == 5);
    CHECK(replay_text({.since = t0 + 2ms, .carrier = "c1"}, late) ==
          "ok replayed 5 raw receipts of carrier c1 (of 5 read, received 2026-11-23T10:00:00.002Z .. "
          "2026-11-23T10:00:00.003Z): 0 matched, 0 duplicate, 5 parked, 0 without an id, 0 failed\n");

    auto none = k.run({.since = t0 + 1h});
    CHECK(none.read == 0);
    CHECK_FALSE(none.more);
    CHECK(replay_text({.since = t0 + 1h}, none) ==
          "ok replayed 0 raw receipts: none kept since 2026-11-23T11:00:00.000Z\n");
}

TEST_CASE("receipt replay: RocksDB ledger, completions on its writer thread, pages on the io thread",
          "[tools][admin][replay]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("receipt-replay-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    store::LedgerSettings settings;
    settings.path = dir.string();
    settings.sync = false;
    auto opened = store::RocksDbLedger::open(settings);
    REQUIRE(opened.ok());
    auto& ledger = **opened;
    auto matcher = relay::ReceiptMatcher::create(ledger, {}, {});
    // 1,000 kept receipts, a few per millisecond; the first 400 for
    // messages the ledger has (applied when they came), the rest parked.
    constexpr int n = 1000;
    std::vector<std::future<void>> writes;
    for (int i = 0; i < n; ++i) {
        const auto id = "r" + std::to_string(i);
        if (i < 400) {
            store::MessageRecord r;
            r.id = store::MessageId::make(t0, 0, static_cast<std::uint32_t>(i + 1));
            r.account = "acme";
            r.accepted_at = r.updated_at = t0;
            ledger.accept(r, [](store::Status s) { CHECK(s.ok()); });
            ledger.sent(r.id, "c1", id, id, t0, [](store::Status s) { CHECK(s.ok()); });
        }
        store::CarrierReceipt c;
        c.carrier = "c1";
        c.keys = {id};
        c.carrier_message_id = id;
        c.received_at = t0 + std::chrono::milliseconds(i / 3);
        c.raw = receipt_text(id);
        auto done = std::make_shared<std::promise<void>>();
        writes.push_back(done->get_future());
        ledger.apply_receipt(c, [done](store::StatusOr<store::ReceiptMatch> m) {
            CHECK(m.ok());
            done->set_value();
        });
    }
    for (auto& w : writes) w.wait();

    for (ReplayPacing pacing : {ReplayPacing{.page = 97, .window = 8}, ReplayPacing{.page = 1000, .window = 256}}) {
        // The io thread as in the server: it outlives the replay. `done`
        // runs on the writer thread here.
        boost::asio::io_context io;
        auto work = boost::asio::make_work_guard(io);
        std::thread io_thread([&io] { io.run(); });
        auto result = std::make_shared<std::promise<ReplayResult>>();
        auto out = result->get_future();
        replay_receipts(ledger, matcher, io.get_executor(), {.since = t0},
                        [result](const ReplayResult& r) { result->set_value(r); }, pacing);
        const auto r = out.get();
        work.reset();
        io_thread.join();
        CHECK(r.read == n);
        CHECK(r.duplicate == 400);
        CHECK(r.parked == n - 400);
        CHECK(r.failed == 0);
        CHECK_FALSE(r.more);
    }
    CHECK(ledger.raw_receipts(store::Timestamp{}, 2 * n)->size() == n);
    opened->reset();
    fs::remove_all(dir);
}

TEST_CASE("receipt replay: since, relative or UTC; anything else is refused", "[tools][admin][replay]") {
    const auto now = t0 + 123ms;
    CHECK(parse_since("30s", now) == now - 30s);
    CHECK(parse_since("90m", now) == now - 90min);
    CHECK(parse_since("2h", now) == now - 2h);
    CHECK(parse_since("7d", now) == now - 7 * 24h);
    CHECK(parse_since("0s", now) == now);
    CHECK(parse_since("2026-11-23T10:00:00Z", now) == t0);
    CHECK(parse_since("2026-11-23T10:00:00.250Z", now) == t0 + 250ms);
    CHECK(parse_since("2024-02-29T00:00:00Z", now).has_value());  // a leap day
    for (const char* bad : {"", "h", "2x", "-1h", "1.5h", "99999999999999999999h", "50000d", "2026-02-30T00:00:00Z",
                            "2026-11-23 10:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:00:00", "2026-11-23T10:00Z",
                            "2026-11-23T10:00:00.25Z", "2026-11-23T10:00:00.2500Z", "1969-12-31T23:59:59Z",
                            "2026-13-01T00:00:00Z", "+026-11-23T10:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_since(bad, now));
    }
}
