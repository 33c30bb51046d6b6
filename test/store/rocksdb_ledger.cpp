// What only the RocksDB ledger has to prove: settings, shutdown, durability
// across kill -9, and the carrier-ID index after retention.
#include "store/rocksdb_ledger.hpp"
#include "store/ledger_journal.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "ledger_fixtures.hpp"

using namespace smpp::store;
using namespace smpp::store::test;
using std::chrono::milliseconds;

namespace {

MessageRecord record(MessageId id) {
    MessageRecord r;
    r.id = id;
    r.account = "acme";
    r.destination = {1, 1, "447700900" + std::to_string(id.sequence())};
    r.payload = "payload of " + id.to_string();
    r.accepted_at = id.time();
    return r;
}

LedgerSettings settings_at(const std::string& path) {
    LedgerSettings s;
    s.path = path;
    return s;
}

// A WAL file whose appends fail once `fail` is set: RocksDB refusing a
// write (a full or failing disk) after the journal took it.
class FailingWal : public rocksdb::FSWritableFileOwnerWrapper {
public:
    FailingWal(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>& fail)
        : FSWritableFileOwnerWrapper(std::move(file)), fail_(fail) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
        if (fail_) return rocksdb::IOStatus::IOError("injected WAL write failure");
        return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
        if (fail_) return rocksdb::IOStatus::IOError("injected WAL write failure");
        return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

private:
    const std::atomic<bool>& fail_;
};

class FailingWalFileSystem : public rocksdb::FileSystemWrapper {
public:
    FailingWalFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
    const char* Name() const override { return "FailingWalFileSystem"; }
    rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
        auto s = target()->NewWritableFile(name, options, file, dbg);
        if (s.ok() && name.ends_with(".log")) *file = std::make_unique<FailingWal>(std::move(*file), fail);
        return s;
    }
    std::atomic<bool> fail{false};
};

// Writes `value` under `key` in `family` of the closed ledger at `path`,
// past the ledger's checks: what a bug of an older version or a bad disk
// can leave there.
void put_raw(const std::string& path, const std::string& family, const std::string& key, const std::string& value) {
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* target = nullptr;
    for (auto* h : handles)
        if (h->GetName() == family) target = h;
    REQUIRE(target != nullptr);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    CHECK(db->Put(sync, target, key, value).ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    CHECK(db->Close().ok());
    delete db;
}

std::string key_of(MessageId id) {
    const auto k = id.key();
    return std::string(k.data(), k.size());
}

// Part `number` of `total` of one message (sar_* fields), its receipt asked for.
MessageRecord part_record(MessageId id, std::uint8_t number, std::uint8_t total) {
    MessageRecord r = record(id);
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.registered_delivery = 1;
    r.concatenation = Concatenation{0x2A, total, number};
    return r;
}

}  // namespace

TEST_CASE("rocksdb ledger: settings are validated before opening") {
    LedgerSettings s = settings_at("/tmp/x");
    CHECK(s.validate().empty());
    auto broken = [&](auto change) {
        LedgerSettings copy = s;
        change(copy);
        return copy.validate();
    };
    CHECK(broken([](auto& c) { c.path.clear(); }) == "path must not be empty");
    CHECK(broken([](auto& c) { c.retention_days = 0; }) == "retention_days must be >= 1");
    CHECK(broken([](auto& c) { c.max_group_size = 0; }) == "max_group_size must be >= 1");
    CHECK(broken([](auto& c) { c.max_queued_writes = 10; }) == "max_queued_writes must be >= max_group_size");
    CHECK(broken([](auto& c) { c.write_buffer_mb = 0; }) == "write_buffer_mb must be between 1 and 4096");
    CHECK(broken([](auto& c) { c.journal_segment_mb = 0; }) == "journal_segment_mb must be between 1 and 2048");
    CHECK(broken([](auto& c) { c.journal_segment_mb = 4096; }) == "journal_segment_mb must be between 1 and 2048");

    auto opened = RocksDbLedger::open(LedgerSettings{});
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == StatusCode::invalid_argument);
    CHECK(opened.status().message() == "ledger settings: path must not be empty");

    auto unwritable = RocksDbLedger::open(settings_at("/proc/ledger-cannot-live-here"));
    REQUIRE_FALSE(unwritable.ok());
    CHECK(unwritable.status().code() == StatusCode::io_error);
}

TEST_CASE("rocksdb ledger: closing commits everything queued, later writes are refused") {
    TempDir dir;
    std::atomic<int> ok{0};
    MessageIdGenerator ids(1);
    std::vector<MessageId> accepted;
    {
        auto ledger = RocksDbLedger::open(settings_at(dir.path));
        REQUIRE(ledger.ok());
        for (int i = 0; i < 500; ++i) {
            auto id = ids.next();
            accepted.push_back(id);
            (*ledger)->accept(record(id), [&ok](Status s) { ok += s.ok() ? 1 : 0; });
        }
        auto stats = (*ledger)->writer_stats();
        CHECK(stats.writes <= 500);
    }
    CHECK(ok == 500);
    auto reopened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(reopened.ok());
    for (auto id : accepted) {
        auto r = (*reopened)->find(id);
        REQUIRE(r.ok());
        CHECK(*r == record(id));
    }
}

// raw_receipts, receipts and mo use vector memtables (sorted only at flush):
// parks and removals spread over several flushed memtables and the live one
// still read back exactly, in id order, after a reopen.
TEST_CASE("rocksdb ledger: owed receipts and raw copies survive memtable flushes") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.write_buffer_mb = 1;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();
    MessageIdGenerator ids(1);
    const std::string detail(600, 'd');
    std::vector<MessageId> all;
    std::set<std::uint64_t> kept;
    for (int i = 0; i < 4000; ++i) {
        const auto id = ids.next();
        all.push_back(id);
        PendingReceipt r{"acme", id, MessageStatus::delivered, 0, id.time()};
        r.parts = 2;
        r.parts_delivered = 2;
        r.detail = detail;  // ~2.4 MB of values in all: several 1 MB memtables
        REQUIRE(wait_for([&](Completion done) { ledger->park_receipt(r, std::move(done)); }).ok());
        CarrierReceipt c{.carrier = "carrier-a", .keys = {"K" + std::to_string(i)}, .received_at = id.time(),
                         .raw = detail};
        std::promise<StatusOr<ReceiptMatch>> matched;
        ledger->apply_receipt(c, [&](StatusOr<ReceiptMatch> m) { matched.set_value(std::move(m)); });
        REQUIRE(matched.get_future().get().ok());
        kept.insert(id.value());
        // Every other earlier one goes again, in batches, across memtables.
        if (i % 100 == 99) {
            std::vector<MessageId> gone;
            for (int k = i - 99; k <= i; k += 2) {
                gone.push_back(all[static_cast<std::size_t>(k)]);
                kept.erase(all[static_cast<std::size_t>(k)].value());
            }
            REQUIRE(wait_for([&](Completion done) { ledger->remove_receipts("acme", gone, std::move(done)); }).ok());
        }
    }
    auto check = [&](RocksDbLedger& l) {
        auto pending = l.pending_receipts("acme", 10'000);
        REQUIRE(pending.ok());
        REQUIRE(pending->size() == kept.size());
        auto k = kept.begin();
        for (const auto& r : *pending) {
            CHECK(r.id.value() == *k++);
            CHECK(r.detail == detail);
        }
        auto raw = l.raw_receipts(Timestamp{}, 10'000);
        REQUIRE(raw.ok());
        CHECK(raw->size() == all.size());
    };
    check(*ledger);
    ledger.reset();
    opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    check(**opened);
}

// One opt-out (a family written once in a while) must not keep every WAL
// file written after it: before, RocksDB's own bound let the WAL grow to
// four times all families' write buffers (6 GiB at 64 MB), every byte of it
// replayed at the next start.
TEST_CASE("rocksdb ledger: a rarely written family does not hold the WAL past its bound") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.write_buffer_mb = 1;  // the bound: 8 MB of WAL
    s.sync = false;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();
    REQUIRE(wait_for([&](Completion done) { ledger->add_opt_out("acme", "447700900999", std::move(done)); }).ok());
    MessageIdGenerator ids(1);
    auto wal_bytes = [&] {
        std::uintmax_t n = 0;
        // RocksDB deletes an obsolete WAL file whenever a flush ends: one
        // listed may be gone by the time its size is asked.
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir.path, ec))
            if (e.path().extension() == ".log")
                if (const auto size = std::filesystem::file_size(e.path(), ec); !ec) n += size;
        return n;
    };
    std::uintmax_t most = 0;
    for (int batch = 0; batch < 100; ++batch) {  // ~40 MB of records
        std::vector<MessageRecord> records;
        for (int i = 0; i < 100; ++i) {
            auto r = record(ids.next());
            r.payload.assign(4'000, 'p');
            records.push_back(std::move(r));
        }
        REQUIRE(wait_for([&](Completion done) { ledger->accept_all(std::move(records), std::move(done)); }).ok());
        most = std::max(most, wal_bytes());
    }
    INFO("largest WAL: " << most << " bytes");
    CHECK(most < std::uintmax_t{20} << 20);  // 8 MB and what the flushes in progress still hold
    auto opted = ledger->is_opted_out("acme", "447700900999");
    REQUIRE(opted.ok());
    CHECK(*opted);
    ledger.reset();
    opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    opted = (*opened)->is_opted_out("acme", "447700900999");
    REQUIRE(opted.ok());
    CHECK(*opted);
}

// Unmatched receipts expire in bounded writer tasks: every batch of the
// scan, not only the first, drops what is old and keeps what is not.
TEST_CASE("rocksdb ledger: unmatched receipts expire across several scan batches") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.sync = false;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();
    const std::size_t n = 2 * RocksDbLedger::unmatched_scan_batch + 5;
    const auto old_at = Timestamp{} + std::chrono::hours(1);
    const auto new_at = old_at + std::chrono::hours(2);
    std::atomic<std::size_t> answered{0}, failed{0};
    std::promise<void> all;
    for (std::size_t i = 0; i < n; ++i) {
        CarrierReceipt c{.carrier = "carrier-a",
                         .keys = {"K" + std::to_string(i)},
                         .received_at = i % 3 == 0 ? new_at : old_at};
        ledger->apply_receipt(c, [&](StatusOr<ReceiptMatch> m) {
            if (!m.ok()) ++failed;
            if (++answered == n) all.set_value();
        });
    }
    all.get_future().get();
    REQUIRE(failed == 0);
    REQUIRE(ledger->unmatched_receipts("carrier-a", n + 1)->size() == n);
    const auto groups_before = ledger->writer_stats().groups;
    REQUIRE(wait_for([&](Completion done) {
                ledger->expire_unmatched(old_at + std::chrono::hours(1), Timestamp{}, std::move(done));
            }).ok());
    // Three writer tasks, each its own group: before, one task decoded and
    // erased the whole family while every other write waited.
    CHECK(ledger->writer_stats().groups - groups_before == 3);
    auto left = ledger->unmatched_receipts("carrier-a", n + 1);
    REQUIRE(left.ok());
    CHECK(left->size() == (n + 2) / 3);
    for (const auto& r : *left) CHECK(r.received_at == new_at);
}

TEST_CASE("rocksdb ledger: a full write queue answers busy at once") {
    TempDir dir;
    LedgerSettings s = settings_at(dir.path);
    s.max_group_size = 1;
    s.max_queued_writes = 1;
    auto ledger = RocksDbLedger::open(s);
    REQUIRE(ledger.ok());
    MessageIdGenerator ids(1);
    std::atomic<int> busy{0}, ok{0};
    for (int i = 0; i < 200; ++i)
        (*ledger)->accept(record(ids.next()), [&](Status st) {
            if (st.code() == StatusCode::busy) ++busy;
            if (st.ok()) ++ok;
        });
    ledger->reset();
    CHECK(busy + ok == 200);
    CHECK(ok >= 1);
}

// A carrier's ESME_ROK refused busy was only logged: the record stayed
// `sending` without its carrier-ID entry, so its receipt never matched,
// and a restart made it in doubt (sent twice under in_doubt: resend).
TEST_CASE("rocksdb ledger: only new messages are refused busy; writes that settle accepted ones always queue") {
    TempDir dir;
    LedgerSettings s = settings_at(dir.path);
    s.max_group_size = 1;
    s.max_queued_writes = 1;
    auto ledger = RocksDbLedger::open(s);
    REQUIRE(ledger.ok());
    auto& l = **ledger;
    MessageIdGenerator ids(1);
    std::vector<MessageId> accepted;
    for (int i = 0; i < 20; ++i) {
        const auto id = ids.next();
        REQUIRE(wait_for([&](Completion d) { l.accept(record(id), std::move(d)); }).ok());
        accepted.push_back(id);
    }
    std::atomic<int> accept_busy{0}, settle_busy{0}, settled{0};
    for (int i = 0; i < 200; ++i) {
        l.accept(record(ids.next()), [&](Status st) {
            if (st.code() == StatusCode::busy) ++accept_busy;
        });
        if (i < 20)
            l.sent(accepted[static_cast<std::size_t>(i)], "carrier-a", "", "C" + std::to_string(i), {},
                   Timestamp(milliseconds(MessageId::epoch_unix_ms + 1000)), [&](Status st) {
                       if (st.code() == StatusCode::busy) ++settle_busy;
                       if (st.ok()) ++settled;
                   });
    }
    ledger->reset();
    CHECK(accept_busy > 0);  // the queue was full
    CHECK(settle_busy == 0);
    CHECK(settled == 20);
    auto reopened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(reopened.ok());
    for (int i = 0; i < 20; ++i) {
        auto found = (*reopened)->find_by_carrier_id("carrier-a", "C" + std::to_string(i));
        REQUIRE(found.ok());
        CHECK((*reopened)->find(*found)->status == MessageStatus::sent);
    }
}

TEST_CASE("rocksdb ledger: carrier-ID entries of dropped records go at compaction") {
    TempDir dir;
    auto ledger = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(ledger.ok());
    auto& l = **ledger;
    auto t = Timestamp(milliseconds(MessageId::epoch_unix_ms + 1000));
    auto old_id = MessageId::make(t, 1, 0);
    REQUIRE(wait_for([&](Completion d) { l.accept(record(old_id), std::move(d)); }).ok());
    REQUIRE(wait_for([&](Completion d) { l.sent(old_id, "carrier-a", "OLD", {}, t, std::move(d)); }).ok());
    REQUIRE(wait_for([&](Completion d) {
                l.update(old_id, StateChange{.status = MessageStatus::delivered, .at = t}, std::move(d));
            }).ok());
    REQUIRE(wait_for([&](Completion d) { l.drop_final_older_than(t + milliseconds(1), std::move(d)); }).ok());
    CHECK(l.find_by_carrier_id("carrier-a", "OLD").status().code() == StatusCode::not_found);
    REQUIRE(l.compact_carrier_ids().ok());
    CHECK(l.find_by_carrier_id("carrier-a", "OLD").status().code() == StatusCode::not_found);
}

// Invariant 1 across kill -9: every accept() whose Completion ran is on disk.
TEST_CASE("rocksdb ledger: acknowledged records survive SIGKILL") {
#if defined(__SANITIZE_THREAD__)
    // TSan cannot start threads in the child of a multi-threaded fork.
    WARN("skipped under ThreadSanitizer");
    return;
#endif
    TempDir dir;
    constexpr int total = 2000;
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        auto ledger = RocksDbLedger::open(settings_at(dir.path));
        if (!ledger.ok()) _exit(2);
        MessageIdGenerator ids(9);
        int fd = fds[1];
        for (int i = 0; i < total; ++i) {
            auto id = ids.next();
            (*ledger)->accept(record(id), [fd, id](Status s) {
                if (!s.ok()) return;
                auto v = id.value();
                if (write(fd, &v, sizeof v) != sizeof v) _exit(3);
            });
            // Keep some writes in flight when the parent strikes.
            if (i % 50 == 49) std::this_thread::sleep_for(milliseconds(2));
        }
        for (;;) pause();
    }
    close(fds[1]);

    std::set<std::uint64_t> reported;
    auto read_ids = [&](int timeout_ms, std::size_t until) {
        auto deadline = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
        std::uint64_t v = 0;
        std::size_t have = 0;
        while (reported.size() < until && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fds[0], POLLIN, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            auto n = read(fds[0], reinterpret_cast<char*>(&v) + have, sizeof v - have);
            if (n <= 0) return;  // child gone
            have += static_cast<std::size_t>(n);
            if (have == sizeof v) {
                reported.insert(v);
                have = 0;
            }
        }
    };
    read_ids(30'000, total / 2);
    kill(child, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    read_ids(5'000, total);  // whatever the child wrote before it died
    close(fds[0]);
    WARN("child acknowledged " << reported.size() << " of " << total << " before SIGKILL");
    REQUIRE(reported.size() >= total / 2);

    auto ledger = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(ledger.ok());
    std::size_t missing = 0;
    for (auto v : reported) {
        auto r = (*ledger)->find(MessageId(v));
        if (!r.ok() || *r != record(MessageId(v))) ++missing;
    }
    CHECK(missing == 0);
}

namespace {

// What a power cut would leave of an open ledger's directory: every file as
// it is now, except RocksDB's WAL files, which lose everything (the journal
// setting writes them without sync). `keep_journal` false drops the
// journal as well: the control that shows the cut really loses writes.
void copy_after_power_cut(const std::string& from, const std::string& to, bool keep_journal) {
    namespace fs = std::filesystem;
    fs::copy(from, to, fs::copy_options::recursive);
    int logs = 0;
    for (const auto& e : fs::directory_iterator(to))
        if (e.path().extension() == ".log") {
            fs::resize_file(e.path(), 0);
            ++logs;
        }
    REQUIRE(logs > 0);
    if (!keep_journal) fs::remove_all(to + "/journal");
}

Status update_to(Ledger& ledger, MessageId id, MessageStatus status, Timestamp at) {
    return wait_for([&](Completion done) {
        ledger.update(id, StateChange{.status = status, .at = at}, std::move(done));
    });
}

}  // namespace

// The journal's promise: what was acknowledged is in RocksDB after a
// restart even if RocksDB's unsynced WAL never reached the disk, because
// the journal's records are replayed in order (a record RocksDB already had,
// replayed again and followed by the later ones, changes nothing).
TEST_CASE("rocksdb ledger: with the journal, acknowledged writes survive losing RocksDB's WAL") {
    TempDir dir, cut, control;
    MessageIdGenerator ids(3);
    std::vector<MessageRecord> expected;
    auto opened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(opened.ok());
    auto& ledger = **opened;
    for (int i = 0; i < 300; ++i) {
        auto r = record(ids.next());
        REQUIRE(wait_for([&](Completion done) { ledger.accept(r, std::move(done)); }).ok());
        expected.push_back(r);
    }
    // Later changes of the same records: a replay must end in these.
    for (std::size_t i = 0; i < expected.size(); i += 3) {
        REQUIRE(update_to(ledger, expected[i].id, MessageStatus::queued, expected[i].accepted_at + milliseconds(5))
                    .ok());
        auto found = ledger.find(expected[i].id);
        REQUIRE(found.ok());
        expected[i] = *found;
    }
    CHECK(ledger.writer_stats().journal_records >= 400);
    copy_after_power_cut(dir.path, cut.path + "/db", true);
    copy_after_power_cut(dir.path, control.path + "/db", false);
    {
        auto lost = RocksDbLedger::open(settings_at(control.path + "/db"));
        REQUIRE(lost.ok());
        CHECK((*lost)->find(expected.front().id).status().code() == StatusCode::not_found);
        CHECK((*lost)->writer_stats().journal_replayed == 0);
    }
    {
        auto back = RocksDbLedger::open(settings_at(cut.path + "/db"));
        REQUIRE(back.ok());
        CHECK((*back)->writer_stats().journal_replayed >= 400);
        std::size_t wrong = 0;
        for (const auto& r : expected) {
            auto found = (*back)->find(r.id);
            if (!found.ok() || *found != r) ++wrong;
        }
        CHECK(wrong == 0);
        // It goes on from there: a new write, and a clean close leaves
        // nothing to replay.
        auto more = record(ids.next());
        REQUIRE(wait_for([&](Completion done) { (*back)->accept(more, std::move(done)); }).ok());
        expected.push_back(more);
    }
    auto again = RocksDbLedger::open(settings_at(cut.path + "/db"));
    REQUIRE(again.ok());
    CHECK((*again)->writer_stats().journal_replayed == 0);
    for (const auto& r : expected) CHECK((*again)->find(r.id).ok());
}

TEST_CASE("rocksdb ledger: a journal record RocksDB cannot apply stops the open with a clear error") {
    TempDir dir;
    {
        auto opened = RocksDbLedger::open(settings_at(dir.path));
        REQUIRE(opened.ok());
    }
    {
        // A record whose crc is right but whose batch is not a WriteBatch.
        auto j = LedgerJournal::open(dir.path + "/journal", LedgerSettings{}.journal_segment_mb << 20,
                                     [] { return Status{}; });
        REQUIRE(j.ok());
        REQUIRE((*j)->start().ok());
        REQUIRE((*j)->append("not a batch").ok());
    }
    auto opened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == StatusCode::corruption);
    CHECK(opened.status().message().starts_with("ledger journal replay: "));
}

TEST_CASE("rocksdb ledger: a journal left by an earlier run is replayed even with the journal now off") {
    TempDir dir, cut;
    MessageIdGenerator ids(4);
    std::vector<MessageId> accepted;
    {
        auto opened = RocksDbLedger::open(settings_at(dir.path));
        REQUIRE(opened.ok());
        for (int i = 0; i < 50; ++i) {
            auto r = record(ids.next());
            REQUIRE(wait_for([&](Completion done) { (*opened)->accept(r, std::move(done)); }).ok());
            accepted.push_back(r.id);
        }
        copy_after_power_cut(dir.path, cut.path + "/db", true);
    }
    auto s = settings_at(cut.path + "/db");
    s.journal = false;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    CHECK((*opened)->writer_stats().journal_replayed == 50);
    for (auto id : accepted) CHECK((*opened)->find(id).ok());
    // Its records are in RocksDB and synced: the journal is gone, so a later
    // run with it on again cannot replay stale records over newer writes.
    CHECK_FALSE(std::filesystem::exists(cut.path + "/db/journal"));
    auto r = record(ids.next());
    REQUIRE(wait_for([&](Completion done) { (*opened)->accept(r, std::move(done)); }).ok());
    CHECK((*opened)->writer_stats().journal_records == 0);
}

// A group larger than a journal segment is synced by RocksDB and followed
// by a mark, so a replay starts after it: replaying the journaled accept of
// X from before it would turn X back from `queued` to `accepted`.
TEST_CASE("rocksdb ledger: groups larger than a journal segment go through RocksDB's synced write") {
    TempDir dir, copy;
    auto s = settings_at(dir.path);
    s.journal_segment_mb = 1;
    MessageIdGenerator ids(5);
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto& ledger = **opened;
    auto x = record(ids.next());
    REQUIRE(wait_for([&](Completion done) { ledger.accept(x, std::move(done)); }).ok());
    auto big = [&](int n) {
        auto r = record(ids.next());
        r.payload = std::string(1'200'000, static_cast<char>('a' + n));
        return r;
    };
    const auto z = big(0);
    const auto y = big(1);
    // Queued back to back: while z's group is written, the change of x and
    // y wait and then (almost always) share the next group, over 1 MB.
    std::promise<Status> z_done, x_done, y_done;
    ledger.accept(z, [&](Status st) { z_done.set_value(st); });
    ledger.update(x.id, StateChange{.status = MessageStatus::queued, .at = x.accepted_at + milliseconds(1)},
                  [&](Status st) { x_done.set_value(st); });
    ledger.accept(y, [&](Status st) { y_done.set_value(st); });
    REQUIRE(z_done.get_future().get().ok());
    REQUIRE(x_done.get_future().get().ok());
    REQUIRE(y_done.get_future().get().ok());
    const auto stats = ledger.writer_stats();
    // x's accept; z's and y's groups went to RocksDB (x's change with y's
    // unless the writer took it alone: then it is journaled after the mark).
    CHECK(stats.journal_records >= 1);
    CHECK(stats.journal_records <= 2);
    // A kill -9 view: RocksDB's files as they are (its WAL is in the page cache).
    std::filesystem::copy(dir.path, copy.path + "/db", std::filesystem::copy_options::recursive);
    auto back = RocksDbLedger::open(settings_at(copy.path + "/db"));
    REQUIRE(back.ok());
    CHECK((*back)->writer_stats().journal_replayed == 0);
    auto found = (*back)->find(x.id);
    REQUIRE(found.ok());
    CHECK(found->status == MessageStatus::queued);
    CHECK((*back)->find(y.id).ok());
    CHECK((*back)->find(z.id).ok());
}

// The writer builds one group while the previous one is written (fsync on,
// small groups: many overlaps). Lifecycles queued back to back without
// waiting span consecutive groups, so every change reads what the group in
// flight wrote: the result must be exactly what one write at a time gives,
// completions must run in queue order, and a reopen must read it back.
// Half the receipts come before sent() (parked, taken by sent()), half after.
TEST_CASE("rocksdb ledger: changes chain across the group in flight") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.sync = true;
    s.max_group_size = 7;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();
    std::vector<std::pair<std::uint64_t, bool>> completions;  // (sequence, ok), writer thread
    std::mutex completions_mutex;
    std::uint64_t next_sequence = 0;
    auto done = [&] {
        return [&, sequence = next_sequence++](Status st) {
            std::lock_guard lock(completions_mutex);
            completions.emplace_back(sequence, st.ok());
        };
    };
    auto receipt_done = [&] {
        return [&, sequence = next_sequence++](StatusOr<ReceiptMatch> m) {
            std::lock_guard lock(completions_mutex);
            completions.emplace_back(sequence, m.ok() && m->outcome != receipt_outcome::duplicate);
        };
    };
    MessageIdGenerator ids(1);
    std::vector<MessageId> all;
    constexpr int n = 600;
    for (int i = 0; i < n; ++i) {
        const auto id = ids.next();
        all.push_back(id);
        auto r = record(id);
        r.registered_delivery = 1;
        const auto t = id.time();
        const std::string cid = "C" + std::to_string(i);
        const CarrierReceipt receipt{.carrier = "carrier-a", .keys = {cid}, .carrier_message_id = cid,
                                     .status = MessageStatus::delivered, .done_at = t, .received_at = t};
        ledger->accept(r, done());
        ledger->update(id, StateChange{.status = MessageStatus::queued, .at = t, .route = RouteDecision{"carrier-a", "p"}},
                       done());
        ledger->update(id,
                       StateChange{.status = MessageStatus::sending,
                                   .at = t,
                                   .attempt = Attempt{"carrier-a", "a-1", t, MessageStatus::sending, 0, ""}},
                       done());
        if (i % 2 == 0) ledger->apply_receipt(receipt, receipt_done());
        ledger->sent(id, "carrier-a", cid, {}, t, done());
        if (i % 2 == 1) ledger->apply_receipt(receipt, receipt_done());
    }
    // Wait for every completion: the queue drains in order.
    const auto total = next_sequence;
    for (int k = 0; k < 3000; ++k) {
        {
            std::lock_guard lock(completions_mutex);
            if (completions.size() == total) break;
        }
        std::this_thread::sleep_for(milliseconds(10));
    }
    {
        std::lock_guard lock(completions_mutex);
        REQUIRE(completions.size() == total);
        for (std::uint64_t k = 0; k < total; ++k) {
            CHECK(completions[k].first == k);
            CHECK(completions[k].second);
        }
    }
    const auto stats = ledger->writer_stats();
    CHECK(stats.groups >= total / 7);
    CHECK(stats.overlapped > 0);  // the pipeline was exercised, not just one group at a time
    auto check = [&](RocksDbLedger& l) {
        for (int i = 0; i < n; ++i) {
            auto r = l.find(all[static_cast<std::size_t>(i)]);
            REQUIRE(r.ok());
            CHECK(r->status == MessageStatus::delivered);
            REQUIRE(r->attempts.size() == 1);
            CHECK(r->attempts[0].carrier_message_id == "C" + std::to_string(i));
            CHECK(l.find_by_carrier_id("carrier-a", "C" + std::to_string(i)).value() == all[static_cast<std::size_t>(i)]);
        }
        auto owed = l.pending_receipts("acme", 10 * n);
        REQUIRE(owed.ok());
        CHECK(owed->size() == static_cast<std::size_t>(n));
        auto parked = l.unmatched_receipts("carrier-a", 10 * n);
        REQUIRE(parked.ok());
        CHECK(parked->empty());
    };
    check(*ledger);
    ledger.reset();
    opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    check(**opened);
}

// The writer remembers recent carrier-ID entries (up to twice
// open_record_cache, then it starts over) and falls back to RocksDB: with a
// tiny cache most receipts miss it; every one must still find its record,
// also after a reopen (an empty map).
TEST_CASE("rocksdb ledger: receipts match whether the index entry is remembered or only in RocksDB") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.open_record_cache = 4;
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();
    MessageIdGenerator ids(1);
    std::vector<MessageId> all;
    for (int i = 0; i < 60; ++i) {
        const auto id = ids.next();
        all.push_back(id);
        auto r = record(id);
        r.registered_delivery = 1;
        REQUIRE(wait_for([&](Completion d) { ledger->accept(r, std::move(d)); }).ok());
        REQUIRE(wait_for([&](Completion d) {
                    ledger->sent(id, "carrier-a", "K" + std::to_string(i), {}, id.time(), std::move(d));
                }).ok());
    }
    auto receipt = [&](RocksDbLedger& l, int i, MessageStatus st) {
        const std::string k = "K" + std::to_string(i);
        std::promise<StatusOr<ReceiptMatch>> got;
        l.apply_receipt(CarrierReceipt{.carrier = "carrier-a", .keys = {k}, .carrier_message_id = k, .status = st,
                                       .received_at = all[static_cast<std::size_t>(i)].time()},
                        [&](StatusOr<ReceiptMatch> m) { got.set_value(std::move(m)); });
        return got.get_future().get();
    };
    for (int i = 0; i < 30; ++i) {
        auto m = receipt(*ledger, i, MessageStatus::delivered);
        REQUIRE(m.ok());
        CHECK(m->outcome == receipt_outcome::matched);
        CHECK(m->id == all[static_cast<std::size_t>(i)]);
    }
    ledger.reset();
    opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    for (int i = 0; i < 60; ++i) {
        auto m = receipt(**opened, i, MessageStatus::delivered);
        REQUIRE(m.ok());
        CHECK(m->outcome == (i < 30 ? receipt_outcome::duplicate : receipt_outcome::matched));
        CHECK(m->id == all[static_cast<std::size_t>(i)]);
        CHECK((*opened)->find(all[static_cast<std::size_t>(i)])->status == MessageStatus::delivered);
    }
}

// With the journal, a group is acknowledged once its journal record is
// synced and reaches RocksDB just after. A read on another thread right
// after the Completion must still see it (it waits for that apply): an
// upstream that sends query_sm the instant it has the submit_sm_resp, or
// smppctl, must never be told the message does not exist.
TEST_CASE("rocksdb ledger: a read right after a Completion sees that write") {
    TempDir dir;
    auto opened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(opened.ok());
    auto& ledger = **opened;
    MessageIdGenerator ids(4);
    std::size_t missing = 0, stale = 0, opt_outs_missed = 0;
    for (int i = 0; i < 3000; ++i) {
        auto r = record(ids.next());
        REQUIRE(wait_for([&](Completion done) { ledger.accept(r, std::move(done)); }).ok());
        if (!ledger.find(r.id).ok()) ++missing;
        REQUIRE(update_to(ledger, r.id, MessageStatus::queued, r.accepted_at + milliseconds(1)).ok());
        if (auto found = ledger.find(r.id); !found.ok() || found->status != MessageStatus::queued) ++stale;
        if (i % 10 == 0) {
            const auto msisdn = "44770090" + std::to_string(i);
            REQUIRE(wait_for([&](Completion done) { ledger.add_opt_out("acme", msisdn, std::move(done)); }).ok());
            if (auto opted = ledger.is_opted_out("acme", msisdn); !opted.ok() || !*opted) ++opt_outs_missed;
        }
    }
    CHECK(missing == 0);
    CHECK(stale == 0);
    CHECK(opt_outs_missed == 0);
}

// The journal has a group and its Completions ran, then RocksDB refuses it
// (its WAL cannot be written). The acknowledged write must not be lost: the
// ledger refuses everything after it (no answer can be built on a RocksDB
// that lacks it), and the next open replays it from the journal.
TEST_CASE("rocksdb ledger: RocksDB refusing an acknowledged group stops the ledger until the journal replays it") {
    TempDir dir;
    auto files = std::make_shared<FailingWalFileSystem>();
    auto env = rocksdb::NewCompositeEnv(files);
    MessageIdGenerator ids(6);
    const auto before = record(ids.next()), refused = record(ids.next()), after = record(ids.next());
    {
        auto opened = RocksDbLedger::open(settings_at(dir.path), env.get());
        REQUIRE(opened.ok());
        auto& ledger = **opened;
        REQUIRE(wait_for([&](Completion done) { ledger.accept(before, std::move(done)); }).ok());
        REQUIRE(ledger.find(before.id).ok());  // applied: it is not the group refused
        files->fail = true;
        // Durable in the journal: acknowledged, though RocksDB then refuses it.
        auto taken = wait_for([&](Completion done) { ledger.accept(refused, std::move(done)); });
        INFO(taken.message());
        CHECK(taken.ok());
        auto later = wait_for([&](Completion done) { ledger.accept(after, std::move(done)); });
        CHECK_FALSE(later.ok());
        CHECK_THAT(later.message(), Catch::Contains("the next start replays it"));
        auto read = ledger.find(before.id);
        CHECK_FALSE(read.ok());
        CHECK_THAT(read.status().message(), Catch::Contains("the next start replays it"));
        CHECK_THAT(ledger.writer_stats().failure, Catch::Contains("the next start replays it"));
    }
    auto back = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(back.ok());
    CHECK((*back)->writer_stats().journal_replayed >= 1);
    auto found = (*back)->find(refused.id);
    REQUIRE(found.ok());
    CHECK(*found == refused);
    CHECK((*back)->find(before.id).ok());
    CHECK((*back)->find(after.id).status().code() == StatusCode::not_found);
}

// A restart with the clock behind the ids already minted (a VM restored from
// a snapshot, an NTP step back while we were down): the server's generator
// starts after the ledger's highest id. Before, it started from the clock:
// once that clock reached the milliseconds of the last run again, accept()
// refused every id minted there as taken (ESME_RSYSERR), and park_mo wrote a
// new MO over one still owed to its account.
TEST_CASE("rocksdb ledger: after a restart with the clock behind, new ids take nothing already held") {
    TempDir dir;
    const auto t = Timestamp(milliseconds(MessageId::epoch_unix_ms + 400LL * 86'400'000));
    auto mo = [](MessageId id, std::string text) {
        return MobileOriginated{.id = id, .account = "acme", .carrier = "carrier01", .payload = std::move(text),
                                .received_at = id.time()};
    };
    auto park = [](Ledger& l, const MobileOriginated& m) {
        return wait_for([&](Completion done) { l.park_mo(m, std::move(done)); });
    };
    auto accept = [](Ledger& l, const MessageRecord& r) {
        return wait_for([&](Completion done) { l.accept(r, std::move(done)); });
    };
    Timestamp now = t;
    std::vector<MobileOriginated> owed;
    std::vector<MessageId> accepted;
    {
        auto ledger = RocksDbLedger::open(settings_at(dir.path));
        REQUIRE(ledger.ok());
        MessageIdGenerator ids(1, [&] { return now; });
        owed.push_back(mo(ids.next(), "first run's MO, not yet delivered"));
        REQUIRE(park(**ledger, owed.back()).ok());
        accepted.push_back(ids.next());
        REQUIRE(accept(**ledger, record(accepted.back())).ok());
    }
    now = t - std::chrono::minutes(1);
    auto ledger = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(ledger.ok());
    CHECK((*ledger)->highest_id() == accepted.back());
    MessageIdGenerator ids(1, [&] { return now; });
    ids.advance_past((*ledger)->highest_id());  // as smpp-connector does at start
    // A minute later the clock is back in the first run's millisecond.
    for (auto clock : {t - std::chrono::minutes(1), t}) {
        now = clock;
        owed.push_back(mo(ids.next(), "second run's MO at " + std::to_string(now.time_since_epoch().count())));
        CHECK(park(**ledger, owed.back()).ok());
        accepted.push_back(ids.next());
        CHECK(accept(**ledger, record(accepted.back())).ok());
    }
    auto check = [&](Ledger& l) {
        CHECK(l.pending_mo("acme", 10).value() == owed);
        for (auto id : accepted) CHECK(l.find(id).ok());
    };
    check(**ledger);
    ledger->reset();
    auto reopened = RocksDbLedger::open(settings_at(dir.path));
    REQUIRE(reopened.ok());
    check(**reopened);
}

// An op that fails leaves nothing in its group, nor in what later ops of
// the group read. Before, its writes up to the failure were committed with
// the group: a final receipt wrote its record `delivered`, then failed to
// read its part group; the carrier was answered ESME_RX_T_APPN and offered
// it again, and the copy was absorbed as a duplicate of a final record: the
// upstream's receipt was never parked. update_all likewise committed the
// changes before the one that failed.
TEST_CASE("rocksdb ledger: an op that fails midway writes nothing") {
    TempDir dir;
    auto s = settings_at(dir.path);
    s.multipart = MultipartBook{{"acme", multipart_policy::aggregate}};
    MessageIdGenerator ids(1);
    const auto p1 = part_record(ids.next(), 1, 2);
    const auto p2 = part_record(ids.next(), 2, 2);
    const auto sent_at = p2.id.time();
    {
        auto ledger = RocksDbLedger::open(s);
        REQUIRE(ledger.ok());
        for (const auto* p : {&p1, &p2}) {
            REQUIRE(wait_for([&](Completion done) { (*ledger)->accept(*p, std::move(done)); }).ok());
            const std::string cid = "C" + std::to_string(p->concatenation->number);
            REQUIRE(wait_for([&](Completion done) {
                        (*ledger)->sent(p->id, "carrier-a", cid, {}, sent_at, std::move(done));
                    }).ok());
        }
    }
    // Their part group's state does not decode.
    put_raw(dir.path, "parts", part_group_key(p1, *part_of(p1)), "not a part group");
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto ledger = std::move(opened).value();

    auto receipt = [&](std::string cid, MessageStatus status, std::int64_t after_ms) {
        const auto t = sent_at + milliseconds(after_ms);
        return CarrierReceipt{.carrier = "carrier-a", .keys = {cid}, .carrier_message_id = cid, .status = status,
                              .done_at = t, .received_at = t, .raw = "id:" + cid};
    };
    // The ops below go into one group: the writer is held in the completion
    // of the one before them until they are all queued.
    std::promise<void> queued;
    auto hold = queued.get_future().share();
    ledger->park_receipt(PendingReceipt{.account = "other", .id = ids.next()}, [hold](Status) { hold.wait(); });
    std::promise<StatusOr<ReceiptMatch>> final_receipt, intermediate_receipt;
    std::promise<Status> cancelled;
    ledger->apply_receipt(receipt("C1", MessageStatus::delivered, 10),
                          [&](StatusOr<ReceiptMatch> m) { final_receipt.set_value(std::move(m)); });
    // Reads part 1 through what the failed receipt left in the group.
    ledger->apply_receipt(receipt("C1", MessageStatus::sent, 20),
                          [&](StatusOr<ReceiptMatch> m) { intermediate_receipt.set_value(std::move(m)); });
    const StateChange fail{.status = MessageStatus::failed, .at = sent_at + milliseconds(30)};
    ledger->update_all({{p1.id, fail}, {p2.id, fail}}, [&](Status st) { cancelled.set_value(std::move(st)); });
    queued.set_value();

    auto f = final_receipt.get_future().get();
    CHECK_FALSE(f.ok());
    auto i = intermediate_receipt.get_future().get();
    REQUIRE(i.ok());
    CHECK(i->outcome == receipt_outcome::matched);  // not a duplicate of a `delivered` that was never stored
    CHECK_FALSE(cancelled.get_future().get().ok());
    auto check = [&](RocksDbLedger& l) {
        CHECK(l.find(p1.id)->status == MessageStatus::sent);
        CHECK(l.find(p1.id)->updated_at == sent_at + milliseconds(20));
        CHECK(l.find(p2.id)->status == MessageStatus::sent);
        CHECK(l.pending_receipts("acme", 10)->empty());
    };
    check(*ledger);
    // The carrier offers the receipt again: still refused, never absorbed
    // as a duplicate.
    CHECK_FALSE(wait_for([&](Completion done) {
                    ledger->apply_receipt(receipt("C1", MessageStatus::delivered, 10),
                                          [done](StatusOr<ReceiptMatch> m) { done(m.status()); });
                }).ok());
    check(*ledger);
    ledger.reset();
    opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    check(**opened);
}

// One entry that does not decode (a bug of an older version, a bad disk) is
// skipped, counted and told with its key; the scan goes on. Before, one
// record stopped every receipt timeout for good (each sweep started at it
// again), and one record, owed receipt or MO stopped recover() or open():
// smpp-connector would not start.
TEST_CASE("rocksdb ledger: an entry that does not decode is skipped by the scans, not fatal to them") {
    TempDir dir;
    auto s = settings_at(dir.path);
    std::mutex told_mutex;
    std::vector<std::string> told;
    s.on_unreadable = [&](std::string_view family, std::string_view key, const Status& why) {
        CHECK(why.code() == StatusCode::corruption);
        std::lock_guard lock(told_mutex);
        told.push_back(std::string(family) + " " + std::string(key));
    };
    MessageIdGenerator ids(1);
    // Minted first: every scan meets it before the others.
    const auto bad = ids.next();
    const auto waiting = ids.next();
    const auto queued = ids.next();
    const PendingReceipt owed{"acme", ids.next()};
    const MobileOriginated mo{.id = ids.next(), .account = "acme", .payload = "STOP", .received_at = waiting.time()};
    const auto bad_receipt = ids.next();
    const auto bad_mo = ids.next();
    {
        auto ledger = RocksDbLedger::open(s);
        REQUIRE(ledger.ok());
        auto& l = **ledger;
        REQUIRE(wait_for([&](Completion done) { l.accept(record(waiting), std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) {
                    l.sent(waiting, "carrier-a", "C1", {}, waiting.time(), std::move(done));
                }).ok());
        REQUIRE(wait_for([&](Completion done) { l.accept(record(queued), std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) { l.park_receipt(owed, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) { l.park_mo(mo, std::move(done)); }).ok());
    }
    put_raw(dir.path, "messages", key_of(bad), "not a record");
    put_raw(dir.path, "open", key_of(bad), std::string(1, static_cast<char>(MessageStatus::sent)));
    put_raw(dir.path, "receipts", std::string("acme") + '\0' + key_of(bad_receipt), "not a receipt");
    put_raw(dir.path, "mo", std::string("acme") + '\0' + key_of(bad_mo), "not an MO");

    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto& l = **opened;
    CHECK(l.pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{owed});
    CHECK(l.pending_mo("acme", 10).value() == std::vector<MobileOriginated>{mo});
    const auto overdue = l.awaiting_receipt(waiting.time() + std::chrono::hours(1), 10);
    REQUIRE(overdue.ok());
    REQUIRE(overdue->size() == 1);
    CHECK(overdue->front().id == waiting);
    const auto recovery = l.recover(waiting.time() + std::chrono::hours(1), Timestamp{});
    REQUIRE(recovery.ok());
    REQUIRE(recovery->resume.size() == 1);
    CHECK(recovery->resume.front().id == queued);
    CHECK(l.writer_stats().unreadable == 4);
    std::lock_guard lock(told_mutex);
    std::sort(told.begin(), told.end());
    CHECK(told == std::vector<std::string>{"messages " + bad.to_string(), "messages " + bad.to_string(),
                                           "mo acme/" + bad_mo.to_string(),
                                           "receipts acme/" + bad_receipt.to_string()});
}

// A receipt parked under a carrier's id that no longer decodes: sent() with
// that id, or a replay of a receipt that was parked there, goes on without
// it (told, left as it is). Since a failing op writes nothing, sent() failing
// on it would leave its record `sending`, never matched by any receipt.
TEST_CASE("rocksdb ledger: a parked receipt that does not decode fails neither sent() nor a replay") {
    TempDir dir;
    auto s = settings_at(dir.path);
    std::mutex told_mutex;
    std::vector<std::string> told;
    s.on_unreadable = [&](std::string_view family, std::string_view key, const Status&) {
        std::lock_guard lock(told_mutex);
        told.push_back(std::string(family) + " " + std::string(key));
    };
    MessageIdGenerator ids(1);
    const auto a = ids.next(), b = ids.next();
    {
        auto ledger = RocksDbLedger::open(s);
        REQUIRE(ledger.ok());
        for (auto id : {a, b}) {
            auto r = record(id);
            r.registered_delivery = 1;
            REQUIRE(wait_for([&](Completion done) { (*ledger)->accept(r, std::move(done)); }).ok());
        }
        REQUIRE(wait_for([&](Completion done) {
                    (*ledger)->sent(b, "carrier-a", "B1", {}, b.time(), std::move(done));
                }).ok());
    }
    put_raw(dir.path, "unmatched", std::string("carrier-a") + '\0' + "A1", "not a receipt");
    put_raw(dir.path, "unmatched", std::string("carrier-a") + '\0' + "B0", "not a receipt");
    auto opened = RocksDbLedger::open(s);
    REQUIRE(opened.ok());
    auto& l = **opened;
    CHECK(wait_for([&](Completion done) { l.sent(a, "carrier-a", "A1", {}, a.time(), std::move(done)); }).ok());
    CHECK(l.find(a)->status == MessageStatus::sent);
    CHECK(l.find_by_carrier_id("carrier-a", "A1").value() == a);
    // A replay of B1's receipt, once parked under B0 (say, before a fix of
    // the carrier's id format).
    CarrierReceipt replay{.carrier = "carrier-a", .keys = {"B1"}, .carrier_message_id = "B1",
                          .status = MessageStatus::delivered, .done_at = b.time(), .received_at = b.time(),
                          .raw = "id:B1", .keep_raw = false, .parked_under = {"B0"}};
    std::promise<StatusOr<ReceiptMatch>> replayed;
    l.apply_receipt(replay, [&](StatusOr<ReceiptMatch> m) { replayed.set_value(std::move(m)); });
    auto m = replayed.get_future().get();
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(l.find(b)->status == MessageStatus::delivered);
    CHECK(l.writer_stats().unreadable == 2);
    std::lock_guard lock(told_mutex);
    CHECK(told == std::vector<std::string>{"unmatched carrier-a/A1", "unmatched carrier-a/B0"});
}
