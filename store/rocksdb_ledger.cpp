#include "store/rocksdb_ledger.hpp"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "store/ledger_journal.hpp"
#include "store/ledger_options.hpp"
#include "store/recent_entries.hpp"

namespace smpp::store {
namespace {

enum Family : std::size_t {
    messages,
    open_ids,
    carrier_ids,
    retries,
    receipts,
    opt_outs,
    unmatched,     // carrier \0 index key -> CarrierReceipt, under each of its keys
    raw_receipts,  // received_at ms, sequence -> CarrierReceipt
    mos,           // account \0 id -> MobileOriginated owed upstream
    parts,         // part group key -> PartGroup (multipart_receipts.hpp), aggregate only
    mo_seen,       // received_at ms(8) mo_seen_key(16) -> "": MOs parked, for the dedupe window
    family_count
};
constexpr const char* family_names[family_count] = {"messages", "open",     "carrier_ids", "retries",
                                                     "receipts", "opt_outs", "unmatched",   "raw_receipts",
                                                     "mo",       "parts",    "mo_seen"};

Status from_rocksdb(const rocksdb::Status& s) {
    if (s.ok()) return {};
    if (s.IsNotFound()) return Status(StatusCode::not_found, s.ToString());
    if (s.IsCorruption()) return Status(StatusCode::corruption, s.ToString());
    if (s.IsInvalidArgument()) return Status(StatusCode::invalid_argument, s.ToString());
    return Status(StatusCode::io_error, s.ToString());
}

Status unknown(MessageId id) { return Status(StatusCode::not_found, "message " + id.to_string()); }

std::string id_key(MessageId id) {
    auto k = id.key();
    return std::string(k.data(), k.size());
}

void append_u64(std::string& out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string retry_key(Timestamp when, MessageId id) {
    std::string k;
    append_u64(k, static_cast<std::uint64_t>(std::max<std::int64_t>(0, when.time_since_epoch().count())));
    k += id_key(id);
    return k;
}

std::string pair_key(std::string_view a, std::string_view b) {
    std::string k;
    k.reserve(a.size() + 1 + b.size());
    k.append(a);
    k.push_back('\0');
    k.append(b);
    return k;
}

std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Time first: the sightings older than the window are one key range.
std::string mo_seen_entry(Timestamp at, std::string_view key) {
    std::string k;
    append_u64(k, static_cast<std::uint64_t>(std::max<std::int64_t>(0, at.time_since_epoch().count())));
    k.append(key);
    return k;
}

std::uint64_t read_u64(std::string_view b) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
}

std::string raw_receipt_key(Timestamp at, std::uint64_t sequence) {
    std::string k;
    append_u64(k, static_cast<std::uint64_t>(std::max<std::int64_t>(0, at.time_since_epoch().count())));
    append_u64(k, sequence);
    return k;
}

// `key` of `family` for a log line: an id as its text, other bytes as they
// are, NUL (between key parts) as '/', anything else unprintable as \xNN.
std::string readable_key(Family family, std::string_view key) {
    if (family == messages || family == open_ids)
        if (auto id = MessageId::from_key(key)) return id->to_string();
    std::string out;
    auto printable = [&out](std::string_view bytes) {
        for (char c : bytes) {
            const auto u = static_cast<unsigned char>(c);
            if (u == 0) {
                out.push_back('/');
            } else if (u < 0x20 || u >= 0x7F) {
                constexpr char hex[] = "0123456789abcdef";
                out += "\\x";
                out.push_back(hex[u >> 4]);
                out.push_back(hex[u & 15]);
            } else {
                out.push_back(c);
            }
        }
    };
    // account \0 id: the id as its text.
    if (family == receipts || family == mos)
        if (const auto nul = key.find('\0'); nul != std::string_view::npos)
            if (auto id = MessageId::from_key(key.substr(nul + 1))) {
                printable(key.substr(0, nul + 1));
                return out + id->to_string();
            }
    printable(key);
    return out;
}

// Drops carrier-ID index entries whose message fell below the retention floor.
class ExpiredCarrierIds final : public rocksdb::CompactionFilter {
public:
    explicit ExpiredCarrierIds(const std::atomic<std::uint64_t>& floor) : floor_(floor) {}
    bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
        auto id = MessageId::from_key(view(value));
        return id && id->value() < floor_.load(std::memory_order_relaxed);
    }
    const char* Name() const override { return "smpp.ExpiredCarrierIds"; }

private:
    const std::atomic<std::uint64_t>& floor_;
};

}  // namespace

// Everything one group of writes builds: the batch, and the records it has
// changed so far so later changes in the same group read those.
// One per ledger, reset for every group (writer thread only): fresh
// containers regrew their buffers and hash tables (realloc + copy) for
// every group of ~1000 writes.
struct Group {
    explicit Group(RocksDbLedger::Impl& owner) : impl(owner) {}
    void reset();
    RocksDbLedger::Impl& impl;
    // The group being written while this one is built (nullptr when none):
    // its changes are not in RocksDB yet, so reads look there first.
    const Group* behind = nullptr;
    rocksdb::WriteBatch batch;
    // The families `batch` writes (a bit per Family): a reader waits for
    // this group's apply only if it wrote what the reader reads.
    std::uint32_t touched = 0;
    // The family for a change to `batch`, noted in `touched`.
    rocksdb::ColumnFamilyHandle* cf(Family f);
    std::unordered_map<std::uint64_t, MessageRecord> overlay;

    // Index and unmatched entries written in this group (nullopt: deleted).
    std::unordered_map<std::string, std::optional<std::string>> carrier_id_overlay;
    std::unordered_map<std::string, std::optional<std::string>> unmatched_overlay;
    std::unordered_map<std::string, std::optional<std::string>> parts_overlay;
    std::unordered_map<std::string, std::optional<std::string>> receipts_overlay;
    // Receipts sent() took from `unmatched`: told to the listener once durable.
    std::vector<ReceiptMatch> late_matches;
    // Unmatched keys this group deleted: forgotten by the writer's key set
    // only once the deletion is durable.
    std::vector<std::string> unmatched_erased;
    // Receipts owed upstream that this group parks or removes: the writer's
    // in-memory queue follows once they are durable.
    // In the group's order (a park then a removal of one receipt ends
    // removed, and the reverse parked): O(1) per receipt, where matching
    // each against the others was O(group size).
    struct ReceiptEvent {
        PendingReceipt receipt;  // only account and id for a removal
        bool removed = false;
    };
    std::vector<ReceiptEvent> receipt_events;
    // The same for mobile-originated messages.
    struct MoEvent {
        MobileOriginated mo;  // only account and id for a removal
        bool removed = false;
    };
    std::vector<MoEvent> mo_events;

    void park(const PendingReceipt& r);
    void unpark(const std::string& account, MessageId id);
    void park_mo(const MobileOriginated& m);
    void unpark_mo(const std::string& account, MessageId id);

    // Around each op's build (Impl::build): an op that fails leaves nothing
    // in the group. Its writes to the batch roll back to a save point, and
    // the overlays and event lists go back to what they were, so they say
    // what the batch holds: later ops in the group read through them, and
    // the writer's cache and queues follow them once the group is durable.
    // Before, a failed op's writes were committed with the group (a receipt
    // that wrote its record `delivered` and then failed to settle its part
    // group: the carrier was told to send it again, and the copy was
    // absorbed as a duplicate of a final record; nothing went upstream).
    void begin_op();
    void end_op(bool ok);
    // What the op being built replaced in an overlay (family `messages`:
    // `overlay`), in order; undone backwards if it fails.
    struct Undo {
        Family family;
        std::uint64_t id = 0;  // messages
        std::string key{};     // the other families
        bool existed = false;  // the overlay had an entry, now in `value` or `record`
        std::optional<std::string> value{};
        // Boxed: only a record changed twice in one group has one, and
        // inline it would make every entry record-sized (a recovery marks
        // thousands in doubt in one op).
        std::unique_ptr<MessageRecord> record{};
    };
    std::vector<Undo> undo;
    // The event lists' sizes when the op began (they only grow within a group).
    struct Sizes {
        std::size_t late_matches = 0, unmatched_erased = 0, receipt_events = 0, mo_events = 0;
    } op_began;
    // Sets `family`'s overlay entry, noting what it replaces.
    void overlay_set(Family family, std::unordered_map<std::string, std::optional<std::string>>& map,
                     const std::string& key, std::optional<std::string> value);

    StatusOr<MessageRecord> read(MessageId id);
    // read() for a caller that writes the record back (write_record) or
    // returns it (give_back): moved out of the writer's cache, not copied.
    StatusOr<MessageRecord> take(MessageId id);
    void give_back(MessageRecord record);
    // Returns `next` as the group now holds it.
    const MessageRecord& write_record(const MessageRecord* previous, MessageRecord next);
    // A point read of `family` through this group's overlay (nullopt: absent).
    StatusOr<std::optional<std::string>> get(Family family, const std::string& key);
    void put(Family family, const std::string& key, const std::string& value);
    void erase(Family family, const std::string& key);
};

struct RocksDbLedger::Impl {
    struct Op {
        std::function<Status(Group&)> build;
        Completion done;
        // Runs alone in its group, after everything queued before it is
        // committed (retention and recovery scan committed state).
        bool exclusive = false;
        // A new message (accept, accept_all): refused busy when the queue is
        // full, so the upstream hears ESME_RMSGQFUL. Every other write
        // settles something already acknowledged (a carrier's answer, a
        // receipt, an MO); refusing it would lose what a carrier told us,
        // and the carriers' windows bound how many can come.
        bool refusable = false;
    };

    LedgerSettings settings;
    std::atomic<std::uint64_t> carrier_id_floor{0};
    ExpiredCarrierIds carrier_id_filter{carrier_id_floor};
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> families;

    std::mutex mutex;
    std::condition_variable wake;  // the builder: ops queued, or the group in flight written
    std::deque<Op> queue;
    bool stopping = false;
    // Where the fsync of each group goes (settings.journal, ledger_journal.hpp); null without.
    std::unique_ptr<LedgerJournal> journal;
    std::uint64_t journal_replayed = 0;  // records replayed at open
    std::thread writer;     // builds groups and finishes them
    std::thread committer;  // writes them (rocksdb::Write, the WAL fsync)
    // A group with the ops it holds, in their order, and what each build returned.
    struct Slot {
        std::optional<Group> group;
        std::vector<Op> ops;
        std::vector<Status> results;
        bool sealed = false;  // holds an exclusive op: nothing joins it
    };
    // Two groups, double-buffered: one is built while the other is written,
    // so building a group and the previous one's WAL write, memtable inserts
    // and fsync overlap instead of adding up (writer thread only).
    std::array<Slot, 2> slots;
    // Handed to the committer under `mutex`; `written` set back by it.
    Group* to_write = nullptr;
    // A group is with the committer (under `mutex`). Meanwhile an op queued
    // wakes the writer only once per wake_batch: it cannot be written
    // before that group is anyway, and a wake-up per op (a futex call and a
    // context switch each) cost more than building the ops did.
    bool flight = false;
    static constexpr std::size_t wake_batch = 32;
    // Ops queued at hand-over time for the committer to take the write.
    static constexpr std::size_t pipeline_backlog = 64;
    std::condition_variable commit_wake;
    bool committer_stopping = false;
    bool written = false;
    Status written_status;
    // With the journal, the writer's own writes (no hand-over) are
    // acknowledged once their journal record is synced and applied to
    // RocksDB right after, before the writer builds anything else: the
    // memtable inserts no longer sit between the fsync and the answers
    // (docs/PERFORMANCE.md, wave 13). `acknowledged` counts such groups
    // whose Completions ran, `applied` those RocksDB has. A reader on
    // another thread waits until what was acknowledged before it asked is
    // applied (await_applied), so a read never contradicts an answer sent.
    std::atomic<std::uint64_t> acknowledged{0};
    std::atomic<std::uint64_t> applied{0};
    std::atomic<std::uint32_t> acknowledged_touched{0};  // Group::touched of the last acknowledged
    std::thread::id writer_id;
    // RocksDB refused a group after its Completions ran: it is in the
    // journal, so the next open replays it, but this process's RocksDB
    // lacks it, so every later write and read fails with this instead.
    std::atomic<bool> is_broken{false};
    std::atomic<bool> wal_refused{false};  // a journaled group RocksDB refused (sync_wal)
    mutable std::mutex broken_mutex;
    Status broken;
    std::atomic<std::uint64_t> groups{0};
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> overlapped{0};  // groups begun while the previous one was written
    std::atomic<std::uint64_t> unreadable{0};  // entries skipped: they do not decode

    // A scan skips an entry that does not decode: counted, and told with
    // its key (LedgerSettings::on_unreadable). Any thread.
    void skip_unreadable(Family family, std::string_view key, const Status& why) {
        unreadable.fetch_add(1, std::memory_order_relaxed);
        if (settings.on_unreadable) settings.on_unreadable(family_names[family], readable_key(family, key), why);
    }
    // Writer thread only: the highest id accept() has written (seeded from
    // the last key of `messages` at open). Our ids grow with time, so a new
    // record's id is above it and cannot exist yet: accept() skips the read
    // that proves it (a RocksDB miss through memtable and every level).
    std::uint64_t max_accepted = 0;
    // highest_id(): the highest id under a key of `messages`, `receipts` or
    // `mo`, found at open and raised by every durable group (remember()).
    std::atomic<std::uint64_t> highest_id{0};
    void raise_highest_id(std::uint64_t id) {
        if (id > highest_id.load(std::memory_order_relaxed)) highest_id.store(id, std::memory_order_relaxed);
    }
    // Orders raw receipts within a millisecond; seeded from the clock so a
    // restart within the same millisecond cannot reuse a key.
    std::atomic<std::uint64_t> raw_sequence{0};
    ReceiptListener receipt_listener;

    // Writer thread only. The durable state of records not yet final (up to
    // settings.open_record_cache of them), and every key under which a
    // receipt is parked (a superset: a key may stay after its deletion
    // failed, which only costs a read). sent() checks the key set instead of
    // reading `unmatched` for every message.
    // Reserved for its bound at open: a rehash of ~100k records held the
    // writer for ~20 ms (recent_entries.hpp).
    std::unordered_map<std::uint64_t, MessageRecord> open_cache;
    std::unordered_set<std::string> unmatched_keys;
    // The most recent durable carrier_ids entries (2 x open_record_cache;
    // nullopt: deleted): a receipt's index lookup mostly hits here instead
    // of RocksDB's memtable skiplist (~1.7 us per receipt, a quarter of the
    // writer's time). A miss falls through to RocksDB.
    RecentEntries<std::optional<std::string>> recent_carrier_ids;

    // Every receipt owed upstream, per account in id order: the durable
    // content of `receipts`, so pending_receipts() never walks the deletion
    // markers that forwarding (oldest first) leaves at the head of an
    // account's range. Written by the writer after a commit, read by anyone.
    mutable std::mutex pending_mutex;
    std::map<std::string, std::map<std::uint64_t, PendingReceipt>, std::less<>> pending;
    // Every mobile-originated message owed upstream, the same way (under pending_mutex).
    std::map<std::string, std::map<std::uint64_t, MobileOriginated>, std::less<>> pending_mos;

    ~Impl() {
        journal.reset();  // its keeper syncs through db: stopped first
        for (auto* h : families) db->DestroyColumnFamilyHandle(h);
        if (db) db->Close();
    }

    rocksdb::ColumnFamilyHandle* cf(Family f) const { return families[f]; }

    void enqueue(Op op) {
        {
            std::lock_guard lock(mutex);
            if (!stopping && (!op.refusable || queue.size() < settings.max_queued_writes)) {
                queue.push_back(std::move(op));
                if (!flight || queue.size() % wake_batch == 0 || queue.back().exclusive) wake.notify_one();
                return;
            }
        }
        op.done(stopping ? Status(StatusCode::closed, "ledger is closing")
                         : Status(StatusCode::busy, "ledger write queue is full"));
    }

    Status run_exclusive(std::function<Status(Group&)> build) {
        std::promise<Status> result;
        auto future = result.get_future();
        enqueue(Op{std::move(build), [&result](Status s) { result.set_value(std::move(s)); }, true});
        return future.get();
    }

    // The builder. It takes queued ops into the group being built while the
    // other group is written, then finishes that one (cache, listener,
    // completions, in group order) and hands over the built one. With
    // nothing being written, what it has is handed over at once: a lone op
    // waits for one write, as before the pipeline.
    void run_writer() {
        Slot* building = &slots[0];
        Slot* flying = nullptr;  // with the committer, not finished yet
        std::vector<Op> taken;
        for (;;) {
            bool finish_flight = false;
            Status flight_status;
            {
                std::unique_lock lock(mutex);
                auto can_take = [&] {
                    if (queue.empty() || building->sealed) return false;
                    // Exclusive ops scan committed state: nothing in flight or built before them.
                    if (queue.front().exclusive) return !flying && building->ops.empty();
                    return building->ops.size() < settings.max_group_size;
                };
                wake.wait(lock, [&] {
                    return (flying && written) || can_take() || (!flying && (!building->ops.empty() || stopping));
                });
                if (flying && written) {
                    finish_flight = true;
                    written = false;
                    flight = false;
                    flight_status = std::move(written_status);
                } else if (can_take()) {
                    const bool exclusive = queue.front().exclusive;
                    do {
                        taken.push_back(std::move(queue.front()));
                        queue.pop_front();
                    } while (!exclusive && !queue.empty() && !queue.front().exclusive &&
                             building->ops.size() + taken.size() < settings.max_group_size);
                    building->sealed = exclusive;
                } else if (!flying && building->ops.empty()) {
                    return;  // stopping, and everything is written
                }
            }
            if (finish_flight) {
                finish(*flying, flight_status, *building);
                flying = nullptr;
            }
            if (!taken.empty()) build(*building, taken, flying);
            if (!flying && !building->ops.empty()) {
                Slot& other = slots[building == &slots[0] ? 1 : 0];
                if (building->group->batch.Count() == 0) {
                    finish(*building, Status{}, other);  // nothing to write
                    continue;
                }
                // Handed to the committer only with a backlog to build
                // meanwhile: otherwise the two hand-overs (two wake-ups, on
                // a busy 2-core box each may wait for a time slice) cost
                // more latency than the overlap saves.
                bool hand_over = false;
                {
                    std::lock_guard lock(mutex);
                    if (queue.size() >= pipeline_backlog) {
                        to_write = &*building->group;
                        flight = true;
                        hand_over = true;
                    }
                }
                if (!hand_over) {
                    write_and_finish(*building, other);
                    continue;
                }
                commit_wake.notify_one();
                flying = building;
                building = &other;
            }
        }
    }

    // Applies `taken` to the group being built, on top of `flying`'s changes.
    void build(Slot& slot, std::vector<Op>& taken, const Slot* flying) {
        if (!slot.group) slot.group.emplace(*this);
        Group& group = *slot.group;
        if (slot.ops.empty()) {
            group.reset();
            slot.results.clear();
            if (flying) overlapped.fetch_add(1, std::memory_order_relaxed);
        }
        group.behind = flying ? &*flying->group : nullptr;
        for (auto& op : taken) {
            group.begin_op();
            auto status = op.build(group);
            group.end_op(status.ok());
            slot.results.push_back(std::move(status));
            slot.ops.push_back(std::move(op));
        }
        taken.clear();
    }

    // One rocksdb::Write: WAL append, memtable inserts, the fsync with sync: true.
    // With the journal: the journal record and its fdatasync first, then
    // RocksDB without sync, so RocksDB never holds a group the journal lacks
    // (a replay then only ever moves RocksDB forward, whole groups at a
    // time; ledger_journal.hpp). A group RocksDB refuses is voided in the
    // journal. A group too large for a segment: RocksDB's WAL is synced, a
    // mark says a replay starts after it, and RocksDB syncs the group itself.
    Status write(Group& group) {
        if (auto b = broken_status(); !b.ok()) return b;
        rocksdb::WriteOptions options;
        options.sync = settings.sync;
        if (!journal) return from_rocksdb(db->Write(options, &group.batch));
        if (!journal->fits(group.batch.GetDataSize())) {
            if (auto s = sync_wal(); !s.ok()) return s;
            if (auto s = journal->mark(); !s.ok()) return s;
            options.sync = true;
            auto s = from_rocksdb(db->Write(options, &group.batch));
            if (!s.ok()) wal_refused.store(true, std::memory_order_release);
            return s;
        }
        if (auto s = journal->append(group.batch.Data()); !s.ok()) return s;
        options.sync = false;
        auto s = from_rocksdb(db->Write(options, &group.batch));
        // If the void cannot be written either, a replay may still apply
        // this group: as with RocksDB's own sync failing after its write.
        if (!s.ok()) {
            wal_refused.store(true, std::memory_order_release);
            static_cast<void>(journal->void_last());
        }
        return s;
    }

    // RocksDB's WAL synced (the keeper at a segment switch, a mark). Not
    // after RocksDB refused a write: its WAL writer is then in an error
    // state, and Debian's RocksDB, built with assertions, aborts on a sync
    // of it; the journal is replayed at the next open instead.
    Status sync_wal() {
        if (wal_refused.load(std::memory_order_acquire))
            return Status(StatusCode::io_error, "RocksDB refused a write; its WAL is not synced again");
        return from_rocksdb(db->SyncWAL());
    }

    // The writer's own write of `slot`, then its Completions. With the
    // journal: acknowledged once the journal record is synced, then applied
    // to RocksDB (see `acknowledged`). Otherwise, and for a group too large
    // for a segment: write(), then the Completions.
    void write_and_finish(Slot& slot, Slot& next) {
        Group& group = *slot.group;
        if (!journal || !journal->fits(group.batch.GetDataSize())) return finish(slot, write(group), next);
        if (auto b = broken_status(); !b.ok()) return finish(slot, b, next);
        if (auto s = journal->append(group.batch.Data()); !s.ok()) return finish(slot, s, next);
        const auto n = acknowledged.load(std::memory_order_relaxed) + 1;
        acknowledged_touched.store(group.touched, std::memory_order_release);
        acknowledged.store(n, std::memory_order_release);
        finish(slot, Status{}, next);
        rocksdb::WriteOptions options;
        options.sync = false;
        if (auto s = from_rocksdb(db->Write(options, &group.batch)); !s.ok()) {
            wal_refused.store(true, std::memory_order_release);
            // Not voided in the journal, unlike in write(): its writes were
            // acknowledged. Nothing more is, until a restart replays it.
            std::lock_guard lock(broken_mutex);
            broken = Status(s.code(), "ledger: RocksDB refused a group already acknowledged from the journal (the next "
                                      "start replays it); refusing every write and read until then: " +
                                          s.message());
            is_broken.store(true, std::memory_order_release);
        }
        applied.store(n, std::memory_order_release);
        applied.notify_all();
    }

    Status broken_status() const {
        if (!is_broken.load(std::memory_order_acquire)) return {};
        std::lock_guard lock(broken_mutex);
        return broken;
    }

    // Called first by every read of RocksDB off the writer thread, with the
    // families it reads. Only the last acknowledged group can be unapplied
    // (the writer applies each before acknowledging the next), and it is
    // waited for only if it wrote one of them: the opt-out check on every
    // submit_sm never waits for a group of message records. Its `touched`
    // is stored before `acknowledged` and replaced only after it is
    // applied, so a later group's bits seen here mean it is applied. The
    // writer itself never waits: it applied every group before building on
    // it (a read from inside a Completion, which runs on the writer before
    // its group is applied, may miss that group: post first, ledger.hpp).
    Status await_applied(std::initializer_list<Family> reads) const {
        if (std::this_thread::get_id() == writer_id) return broken_status();
        const auto target = acknowledged.load(std::memory_order_acquire);
        auto now = applied.load(std::memory_order_acquire);
        if (now < target) {
            std::uint32_t mask = 0;
            for (auto f : reads) mask |= std::uint32_t{1} << f;
            if ((acknowledged_touched.load(std::memory_order_acquire) & mask) != 0)
                for (; now < target; now = applied.load(std::memory_order_acquire))
                    applied.wait(now, std::memory_order_acquire);
        }
        return broken_status();
    }

    // At open: replays what the journal holds beyond RocksDB's synced WAL,
    // then starts it (or, with the journal off now, removes it).
    Status open_journal() {
        const std::string dir = settings.path + "/journal";
        const bool use = settings.sync && settings.journal;
        std::error_code ec;
        if (!use && !std::filesystem::exists(dir, ec)) return {};
        auto opened = LedgerJournal::open(dir, settings.journal_segment_mb << 20,
                                          [this] { return sync_wal(); });
        if (!opened.ok()) return opened.status();
        auto j = std::move(*opened);
        for (const auto& rep : j->recovered()) {
            rocksdb::WriteBatch batch(rep);
            if (auto s = from_rocksdb(db->Write(rocksdb::WriteOptions(), &batch)); !s.ok())
                return Status(s.code(), "ledger journal replay: " + s.message());
            ++journal_replayed;
        }
        if (journal_replayed > 0)
            if (auto s = from_rocksdb(db->SyncWAL()); !s.ok()) return s;
        if (!use) {
            j.reset();
            return LedgerJournal::remove(dir);
        }
        if (auto s = j->start(); !s.ok()) return s;
        journal = std::move(j);
        return {};
    }

    // At a clean close: RocksDB's WAL synced and a mark, so the next open
    // replays nothing.
    void close_journal() {
        if (!journal) return;
        // Failing either only costs the next open a replay.
        if (sync_wal().ok()) static_cast<void>(journal->mark());
        journal.reset();
    }

    // The committer: write() for each group handed over.
    void run_committer() {
        for (;;) {
            Group* group = nullptr;
            {
                std::unique_lock lock(mutex);
                commit_wake.wait(lock, [&] { return to_write || committer_stopping; });
                if (!to_write) return;
                group = to_write;
            }
            Status status = write(*group);
            {
                std::lock_guard lock(mutex);
                to_write = nullptr;
                written = true;
                written_status = std::move(status);
            }
            wake.notify_one();
        }
    }

    // After `slot`'s write returned `status`: the cache and the listener
    // follow a durable group, then every op's completion runs, in order.
    // `next` was built on `slot`'s changes: if those did not become
    // durable, neither can it, so all of it fails too.
    void finish(Slot& slot, const Status& status, Slot& next) {
        Group& group = *slot.group;
        if (group.batch.Count() > 0) {
            groups.fetch_add(1, std::memory_order_relaxed);
            writes.fetch_add(slot.ops.size(), std::memory_order_relaxed);
        }
        if (next.group) next.group->behind = nullptr;
        if (status.ok()) {
            remember(group, next.group && !next.ops.empty() ? &*next.group : nullptr);
            if (receipt_listener)
                for (const auto& m : group.late_matches) receipt_listener(m);
        } else {
            for (auto& r : slot.results)
                if (r.ok()) r = status;
            if (!next.ops.empty()) {
                for (auto& r : next.results)
                    if (r.ok()) r = status;
            }
        }
        complete(slot);
        if (!status.ok()) complete(next);
    }

    void complete(Slot& slot) {
        for (std::size_t i = 0; i < slot.ops.size(); ++i) slot.ops[i].done(std::move(slot.results[i]));
        slot.ops.clear();
        slot.results.clear();
        slot.sealed = false;
    }

    // After a durable commit: the cache and the key set follow what it wrote.
    // `next`, built on top of it, may have parked a receipt again under a
    // key this group erased: that key stays known.
    void remember(Group& group, const Group* next) {
        for (auto& [id, record] : group.overlay) {
            raise_highest_id(id);
            if (is_final(record.status)) {
                open_cache.erase(id);
            } else if (auto it = open_cache.find(id); it != open_cache.end()) {
                it->second = std::move(record);
            } else if (open_cache.size() < settings.open_record_cache) {
                open_cache.emplace(id, std::move(record));
            }
        }
        for (const auto& [key, value] : group.carrier_id_overlay) recent_carrier_ids.set(key, value);
        for (const auto& k : group.unmatched_erased) {
            if (next)
                if (auto it = next->unmatched_overlay.find(k); it != next->unmatched_overlay.end() && it->second)
                    continue;
            unmatched_keys.erase(k);
        }
        if (group.receipt_events.empty() && group.mo_events.empty()) return;
        for (const auto& e : group.mo_events)
            if (!e.removed) raise_highest_id(e.mo.id.value());
        for (const auto& e : group.receipt_events)
            if (!e.removed) raise_highest_id(e.receipt.id.value());
        std::lock_guard lock(pending_mutex);
        // In the group's order, as the receipts below.
        for (auto& e : group.mo_events) {
            if (!e.removed) {
                const auto id = e.mo.id.value();
                auto& queue = pending_mos[e.mo.account];
                queue.insert_or_assign(id, std::move(e.mo));
                continue;
            }
            auto it = pending_mos.find(e.mo.account);
            if (it == pending_mos.end()) continue;
            it->second.erase(e.mo.id.value());
            if (it->second.empty()) pending_mos.erase(it);
        }
        // In the group's order: a receipt parked and removed in one group
        // ends removed, one removed and parked again ends parked.
        for (auto& e : group.receipt_events) {
            if (!e.removed) {
                const auto id = e.receipt.id.value();
                auto& queue = pending[e.receipt.account];
                queue.insert_or_assign(id, std::move(e.receipt));
                continue;
            }
            auto it = pending.find(e.receipt.account);
            if (it == pending.end()) continue;
            it->second.erase(e.receipt.id.value());
            if (it->second.empty()) pending.erase(it);
        }
    }

    // Whether the receipt parked under (account, stamp.id), as `group` sees
    // it, has that stamp: its own changes first, then those of the group
    // still being written, then the durable ones (`pending`, complete since
    // open). Not a RocksDB read: `receipts` is a vector memtable, where a
    // point read scans it all.
    bool still_parked(const Group& group, const std::string& account, const ReceiptStamp& stamp) {
        if (!group.receipts_overlay.empty() || (group.behind && !group.behind->receipts_overlay.empty())) {
            const auto key = pair_key(account, id_key(stamp.id));
            for (const Group* g = &group; g; g = g == &group ? group.behind : nullptr)
                if (auto it = g->receipts_overlay.find(key); it != g->receipts_overlay.end()) {
                    if (!it->second) return false;
                    PendingReceipt r{.account = account, .id = stamp.id};
                    return decode_receipt_value(*it->second, r).ok() && stamp_of(r) == stamp;
                }
        }
        std::lock_guard lock(pending_mutex);
        auto a = pending.find(account);
        if (a == pending.end()) return false;
        auto r = a->second.find(stamp.id.value());
        return r != a->second.end() && stamp_of(r->second) == stamp;
    }

    // Applies `c` to the record `id` inside `group`; the unmatched entries
    // under `c.keys` are the caller's business. With `own_reading` (found
    // under the receipt's first key or not), first asks whether the record
    // is the one it reports on (reports_on): nullopt when not.
    StatusOr<std::optional<ReceiptMatch>> apply_receipt_to(Group& group, MessageId id, const CarrierReceipt& c,
                                                           std::optional<bool> own_reading = std::nullopt) {
        auto current = group.take(id);
        if (!current.ok()) return current.status();
        if (own_reading && !reports_on(*current, c, *own_reading)) {
            group.give_back(std::move(*current));
            return std::optional<ReceiptMatch>{};
        }
        MessageRecord next = *current;
        std::optional<PendingReceipt> owed;
        ReceiptMatch m = match_of(store::apply_receipt(next, c, owed), next, c);
        if (m.outcome != receipt_outcome::matched) {
            group.give_back(std::move(*current));
            return std::optional<ReceiptMatch>(std::move(m));
        }
        const auto& written = group.write_record(&*current, std::move(next));
        auto parked = settle(group, *current, written, std::move(owed));
        if (!parked.ok()) return parked.status();
        m.owes_upstream = *parked;
        return std::optional<ReceiptMatch>(std::move(m));
    }

    // Parks what the change `previous` -> `next` leaves the account owed:
    // `own`, the part's own receipt, through the account's multipart policy
    // (in the same batch as the record, with its part group). True when
    // something was parked.
    StatusOr<bool> settle(Group& group, const MessageRecord& previous, const MessageRecord& next,
                          std::optional<PendingReceipt> own) {
        const auto policy = settings.multipart.empty() && !next.split_by_us ? multipart_policy::all
                                                                            : policy_for(settings.multipart, next);
        if (policy == multipart_policy::all) {
            if (own) group.park(*own);
            return own.has_value();
        }
        std::optional<PartGroup> stored;
        if (needs_part_group(policy, previous, next)) {
            auto found = group.get(parts, part_group_key(next, *part_of(next)));
            if (!found.ok()) return found.status();
            if (*found) {
                auto g = decode_part_group(**found);
                if (!g.ok()) return g.status();
                stored = std::move(*g);
            }
        }
        auto step = apply_multipart(policy, previous, next, std::move(own), stored);
        if (step.group_changed) {
            if (step.group) group.put(parts, step.group_key, encode(*step.group));
            else group.erase(parts, step.group_key);
        }
        for (const auto& r : step.owed) group.park(r);
        return !step.owed.empty();
    }

    // A replayed receipt found its record: the parking it got when it came
    // (carrier_receipt.hpp, parked_under) goes, if it still holds it.
    Status drop_own_parking(Group& group, const CarrierReceipt& r) {
        for (const auto& k : r.parked_under) {
            const auto key = pair_key(r.carrier, k);
            if (!unmatched_keys.count(key)) continue;
            auto parked = group.get(unmatched, key);
            if (!parked.ok()) return parked.status();
            if (!*parked) continue;
            auto c = decode_carrier_receipt(**parked);
            // Not this receipt, whatever it is: the replay goes on.
            if (!c.ok()) {
                skip_unreadable(unmatched, key, c.status());
                continue;
            }
            if (c->received_at == r.received_at && c->raw == r.raw) group.erase(unmatched, key);
        }
        return {};
    }

    // sent() just indexed `key` for a submit_sm that left at `submitted`: a
    // receipt parked under it since is this message's. One parked before
    // is another message's: it stays parked (and expires).
    Status take_unmatched(Group& group, MessageId id, const std::string& key, Timestamp submitted) {
        if (!unmatched_keys.count(key)) return {};
        auto parked = group.get(unmatched, key);
        if (!parked.ok()) return parked.status();
        if (!*parked) return {};
        auto c = decode_carrier_receipt(**parked);
        // Nothing to take from it, and no reason to refuse the carrier's
        // message_id: sent() is one write, which would leave the record
        // `sending` and unmatchable. It stays parked for a look.
        if (!c.ok()) {
            skip_unreadable(unmatched, key, c.status());
            return {};
        }
        if (!may_report_on(*c, submitted)) return {};
        // Its other keys may hold another receipt by now (parks_over): only
        // its own parkings go.
        for (const auto& k : c->keys) {
            const auto other = pair_key(c->carrier, k);
            if (other == key) {
                group.erase(unmatched, other);
                continue;
            }
            auto there = group.get(unmatched, other);
            if (!there.ok()) return there.status();
            if (!*there) continue;
            auto held = decode_carrier_receipt(**there);
            if (held.ok() && same_receipt(*held, *c)) group.erase(unmatched, other);
        }
        auto m = apply_receipt_to(group, id, *c);
        if (!m.ok()) return m.status();
        group.late_matches.push_back(**m);
        return {};
    }

    // Reads one record through `group`'s pending changes, decodes it, applies
    // `change` and writes it back into the group.
    template <class Change>
    Status change_record(Group& group, MessageId id, Change&& change) {
        auto current = group.take(id);
        if (!current.ok()) return current.status();
        MessageRecord next = *current;
        if (auto s = change(next); !s.ok()) {
            group.give_back(std::move(*current));
            return s;
        }
        const auto& written = group.write_record(&*current, std::move(next));
        // Final without a carrier receipt (refused, failed, expired): the
        // upstream may be owed a failure receipt, and a part still counts
        // for its aggregate.
        if (is_final(written.status) && !is_final(current->status)) {
            auto own = owed_on_final(*current, written);
            if (own || !settings.multipart.empty())
                if (auto parked = settle(group, *current, written, std::move(own)); !parked.ok())
                    return parked.status();
        }
        return {};
    }

    Status drop_final(Group& group, MessageId cutoff) {
        // Live records minted before the cutoff: few, so a seek over `open` is cheap.
        std::vector<std::uint64_t> live;
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf(open_ids)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            auto id = MessageId::from_key(view(it->key()));
            if (!id) return Status(StatusCode::corruption, "bad key in open");
            if (*id >= cutoff) break;
            live.push_back(id->value());
        }
        if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
        std::uint64_t begin = 0;
        auto delete_range = [&](std::uint64_t end) -> Status {
            if (begin >= end) return {};
            return from_rocksdb(
                group.batch.DeleteRange(group.cf(messages), id_key(MessageId(begin)), id_key(MessageId(end))));
        };
        for (auto id : live) {
            if (auto s = delete_range(id); !s.ok()) return s;
            begin = id + 1;
        }
        if (auto s = delete_range(cutoff.value()); !s.ok()) return s;
        if (auto s = from_rocksdb(group.batch.DeleteRange(group.cf(Family::raw_receipts),
                                                          raw_receipt_key(Timestamp{}, 0),
                                                          raw_receipt_key(cutoff.time(), 0)));
            !s.ok())
            return s;
        // Index entries of records that may still get a receipt must stay:
        // the floor stops at the oldest live record.
        std::uint64_t floor = live.empty() ? cutoff.value() : live.front();
        if (floor > carrier_id_floor.load()) carrier_id_floor.store(floor);
        return {};
    }

    Status recover(Group& group, Timestamp now, Timestamp parts_since, Recovery& out) {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf(open_ids)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            auto id = MessageId::from_key(view(it->key()));
            if (!id) {
                skip_unreadable(open_ids, view(it->key()), Status(StatusCode::corruption, "not a message id"));
                continue;
            }
            auto record = group.read(*id);
            // One record that does not decode (or is missing under its
            // `open` entry) must not stop the start: the others resume.
            if (!record.ok() && (record.status().code() == StatusCode::corruption ||
                                 record.status().code() == StatusCode::not_found)) {
                skip_unreadable(messages, view(it->key()), record.status());
                continue;
            }
            if (!record.ok()) return record.status();
            switch (record->status) {
                case MessageStatus::accepted:
                case MessageStatus::queued: out.resume.push_back(std::move(*record)); break;
                case MessageStatus::sending: {
                    MessageRecord next = *record;
                    if (auto s = apply(next, StateChange{.status = MessageStatus::in_doubt, .at = now}); !s.ok())
                        return s;
                    group.write_record(&*record, next);
                    if (auto t = taken_part(next, parts_since)) out.taken_parts.push_back(std::move(*t));
                    out.in_doubt.push_back(std::move(next));
                    break;
                }
                case MessageStatus::sent:
                case MessageStatus::in_doubt:
                    if (auto t = taken_part(*record, parts_since)) out.taken_parts.push_back(std::move(*t));
                    if (record->status == MessageStatus::in_doubt) out.in_doubt.push_back(std::move(*record));
                    break;
                default: break;
            }
        }
        return from_rocksdb(it->status());
    }
};

rocksdb::ColumnFamilyHandle* Group::cf(Family f) {
    touched |= std::uint32_t{1} << f;
    return impl.cf(f);
}

void Group::reset() {
    touched = 0;
    // A huge group (retention, recovery) does not keep its buffers.
    if (batch.GetDataSize() > (std::size_t{8} << 20)) batch = rocksdb::WriteBatch();
    else batch.Clear();
    if (overlay.bucket_count() > (std::size_t{1} << 16)) overlay = {};
    overlay.clear();
    carrier_id_overlay.clear();
    unmatched_overlay.clear();
    parts_overlay.clear();
    receipts_overlay.clear();
    late_matches.clear();
    unmatched_erased.clear();
    if (receipt_events.capacity() > (std::size_t{1} << 16)) receipt_events = {};
    receipt_events.clear();
    mo_events.clear();
    undo.clear();
    op_began = {};
}

void Group::begin_op() {
    batch.SetSavePoint();
    undo.clear();
    op_began = {late_matches.size(), unmatched_erased.size(), receipt_events.size(), mo_events.size()};
}

void Group::end_op(bool ok) {
    if (ok) {
        static_cast<void>(batch.PopSavePoint());
        undo.clear();
        return;
    }
    // Only fails without a save point, and begin_op set one.
    static_cast<void>(batch.RollbackToSavePoint());
    for (auto u = undo.rbegin(); u != undo.rend(); ++u) {
        if (u->family == messages) {
            if (u->existed) overlay.insert_or_assign(u->id, std::move(*u->record));
            else overlay.erase(u->id);
            continue;
        }
        auto& map = u->family == carrier_ids ? carrier_id_overlay
                    : u->family == unmatched ? unmatched_overlay
                    : u->family == parts     ? parts_overlay
                                             : receipts_overlay;
        if (u->existed) map.insert_or_assign(std::move(u->key), std::move(*u->value));
        else map.erase(u->key);
    }
    undo.clear();
    late_matches.resize(op_began.late_matches);
    unmatched_erased.resize(op_began.unmatched_erased);
    receipt_events.resize(op_began.receipt_events);
    mo_events.resize(op_began.mo_events);
}

void Group::overlay_set(Family family, std::unordered_map<std::string, std::optional<std::string>>& map,
                        const std::string& key, std::optional<std::string> value) {
    auto [it, inserted] = map.try_emplace(key, std::nullopt);
    Undo u{.family = family, .key = key, .existed = !inserted};
    if (!inserted) u.value = std::move(it->second);
    it->second = std::move(value);
    undo.push_back(std::move(u));
}

namespace {
// The group's own record of `family`'s entries, for the families read by key
// while a group is built (nullptr for the others).
const std::unordered_map<std::string, std::optional<std::string>>* overlay_of(const Group& g, Family family) {
    return family == carrier_ids ? &g.carrier_id_overlay
           : family == unmatched ? &g.unmatched_overlay
           : family == parts     ? &g.parts_overlay
                                 : nullptr;
}
}  // namespace

StatusOr<std::optional<std::string>> Group::get(Family family, const std::string& key) {
    for (const Group* g = this; g; g = g == this ? behind : nullptr)
        if (const auto* overlay = overlay_of(*g, family))
            if (auto it = overlay->find(key); it != overlay->end()) return it->second;
    if (family == carrier_ids)
        if (const auto* known = impl.recent_carrier_ids.find(key)) return *known;
    std::string value;
    auto s = impl.db->Get(rocksdb::ReadOptions(), impl.cf(family), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return from_rocksdb(s);
    return std::optional<std::string>(std::move(value));
}

void Group::put(Family family, const std::string& key, const std::string& value) {
    batch.Put(cf(family), key, value);
    if (family == carrier_ids) overlay_set(family, carrier_id_overlay, key, value);
    if (family == parts) overlay_set(family, parts_overlay, key, value);
    if (family == unmatched) {
        overlay_set(family, unmatched_overlay, key, value);
        impl.unmatched_keys.insert(key);  // before it is durable: a superset is safe (kept by a rollback too)
    }
}

void Group::erase(Family family, const std::string& key) {
    batch.Delete(cf(family), key);
    if (family == carrier_ids) overlay_set(family, carrier_id_overlay, key, std::nullopt);
    if (family == parts) overlay_set(family, parts_overlay, key, std::nullopt);
    if (family == unmatched) {
        overlay_set(family, unmatched_overlay, key, std::nullopt);
        unmatched_erased.push_back(key);
    }
}

void Group::park(const PendingReceipt& r) {
    auto key = pair_key(r.account, id_key(r.id));
    auto value = encode_receipt_value(r);
    batch.Put(cf(receipts), key, value);
    overlay_set(receipts, receipts_overlay, key, std::move(value));
    receipt_events.push_back({r, false});
}

void Group::unpark(const std::string& account, MessageId id) {
    auto key = pair_key(account, id_key(id));
    batch.Delete(cf(receipts), key);
    overlay_set(receipts, receipts_overlay, key, std::nullopt);
    receipt_events.push_back({PendingReceipt{.account = account, .id = id}, true});
}

void Group::park_mo(const MobileOriginated& m) {
    batch.Put(cf(mos), pair_key(m.account, id_key(m.id)), encode_mo_value(m));
    batch.Put(cf(mo_seen), mo_seen_entry(m.received_at, mo_seen_key(m)), rocksdb::Slice());
    mo_events.push_back({m, false});
}

void Group::unpark_mo(const std::string& account, MessageId id) {
    batch.Delete(cf(mos), pair_key(account, id_key(id)));
    mo_events.push_back({MobileOriginated{.id = id, .account = account}, true});
}

StatusOr<MessageRecord> Group::take(MessageId id) {
    const auto key = id.value();
    // Moved out of the cache only when no group holds a newer version; the
    // group being written keeps its own (it becomes the cache's once durable).
    if (!overlay.count(key) && !(behind && behind->overlay.count(key)))
        if (auto it = impl.open_cache.find(key); it != impl.open_cache.end()) {
            MessageRecord r = std::move(it->second);
            impl.open_cache.erase(it);
            return r;
        }
    return read(id);
}

void Group::give_back(MessageRecord record) {
    const auto key = record.id.value();
    if (overlay.count(key) || (behind && behind->overlay.count(key)) || is_final(record.status)) return;
    if (impl.open_cache.size() < impl.settings.open_record_cache) impl.open_cache.emplace(key, std::move(record));
}

StatusOr<MessageRecord> Group::read(MessageId id) {
    if (auto it = overlay.find(id.value()); it != overlay.end()) return it->second;
    if (behind)
        if (auto it = behind->overlay.find(id.value()); it != behind->overlay.end()) return it->second;
    if (auto it = impl.open_cache.find(id.value()); it != impl.open_cache.end()) return it->second;
    std::string value;
    auto s = impl.db->Get(rocksdb::ReadOptions(), impl.cf(messages), id_key(id), &value);
    if (s.IsNotFound()) return unknown(id);
    if (!s.ok()) return from_rocksdb(s);
    return decode_message_record(value);
}

const MessageRecord& Group::write_record(const MessageRecord* previous, MessageRecord next) {
    auto key = id_key(next.id);
    batch.Put(cf(messages), key, encode(next));
    if (is_final(next.status)) {
        batch.Delete(cf(open_ids), key);
    } else {
        char status = static_cast<char>(next.status);
        batch.Put(cf(open_ids), key, rocksdb::Slice(&status, 1));
    }
    Timestamp before = previous ? previous->retry_at : Timestamp{};
    if (before != next.retry_at) {
        if (before != Timestamp{}) batch.Delete(cf(retries), retry_key(before, next.id));
        if (next.retry_at != Timestamp{}) batch.Put(cf(retries), retry_key(next.retry_at, next.id), "");
    }
    auto [it, inserted] = overlay.try_emplace(next.id.value());
    Undo u{.family = messages, .id = next.id.value(), .existed = !inserted};
    if (!inserted) u.record = std::make_unique<MessageRecord>(std::move(it->second));
    undo.push_back(std::move(u));
    it->second = std::move(next);
    return it->second;
}

RocksDbLedger::RocksDbLedger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusOr<std::unique_ptr<RocksDbLedger>> RocksDbLedger::open(const LedgerSettings& settings) {
    return open(settings, nullptr);
}

StatusOr<std::unique_ptr<RocksDbLedger>> RocksDbLedger::open(const LedgerSettings& settings, rocksdb::Env* env) {
    if (auto problem = settings.validate(); !problem.empty())
        return Status(StatusCode::invalid_argument, "ledger settings: " + problem);
    auto impl = std::make_unique<Impl>();
    impl->settings = settings;
    impl->open_cache.reserve(settings.open_record_cache);
    impl->recent_carrier_ids.reset(2 * settings.open_record_cache);

    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    rocksdb::ColumnFamilyOptions family;
    family.write_buffer_size = settings.write_buffer_mb << 20;
    // WAL/fsync tuning and settings.rocksdb_options (ledger_options.hpp).
    if (auto tuned = configure_rocksdb(settings, options, family); !tuned.ok()) return tuned;
    if (env) options.env = env;
    // One writer thread: concurrent memtable inserts buy nothing, and the
    // vector memtables below do not support them (Open would refuse).
    options.allow_concurrent_memtable_write = false;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, family);
    for (const char* name : family_names) {
        rocksdb::ColumnFamilyOptions o = family;
        if (std::string_view(name) == "carrier_ids") o.compaction_filter = &impl->carrier_id_filter;
        // Written on every receipt and never point-read: raw copies (scanned
        // for a replay), owed receipts and MOs (read from memory, scanned at
        // open). An append to a vector is cheaper than a skiplist insert; the
        // memtable is sorted once, at flush (or by a rare scan).
        if (std::string_view(name) == "raw_receipts" || std::string_view(name) == "receipts" ||
            std::string_view(name) == "mo" || std::string_view(name) == "mo_seen")
            o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
        descriptors.emplace_back(name, o);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(options, settings.path, descriptors, &handles, &db);
    if (!s.ok()) return from_rocksdb(s);
    impl->db.reset(db);
    // handles[0] is the default family, which we do not use.
    db->DestroyColumnFamilyHandle(handles[0]);
    impl->families.assign(handles.begin() + 1, handles.end());
    if (auto st = impl->open_journal(); !st.ok()) return st;

    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), impl->cf(receipts)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const auto key = view(it->key());
            const auto nul = key.find('\0');
            auto id = nul == std::string_view::npos ? std::nullopt : MessageId::from_key(key.substr(nul + 1));
            // One that does not decode must not stop the start, nor the
            // others going upstream.
            if (!id) {
                impl->skip_unreadable(receipts, key, Status(StatusCode::corruption, "not an account and a message id"));
                continue;
            }
            PendingReceipt r{.account = std::string(key.substr(0, nul)), .id = *id};
            impl->raise_highest_id(id->value());
            if (auto st = decode_receipt_value(view(it->value()), r); !st.ok()) {
                impl->skip_unreadable(receipts, key, st);
                continue;
            }
            impl->pending[r.account].emplace(id->value(), std::move(r));
        }
        if (auto st = from_rocksdb(it->status()); !st.ok()) return st;
    }
    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), impl->cf(mos)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const auto key = view(it->key());
            const auto nul = key.find('\0');
            auto id = nul == std::string_view::npos ? std::nullopt : MessageId::from_key(key.substr(nul + 1));
            if (!id) {
                impl->skip_unreadable(mos, key, Status(StatusCode::corruption, "not an account and a message id"));
                continue;
            }
            MobileOriginated m{.id = *id, .account = std::string(key.substr(0, nul))};
            impl->raise_highest_id(id->value());
            if (auto st = decode_mo_value(view(it->value()), m); !st.ok()) {
                impl->skip_unreadable(mos, key, st);
                continue;
            }
            impl->pending_mos[m.account].emplace(id->value(), std::move(m));
        }
        if (auto st = from_rocksdb(it->status()); !st.ok()) return st;
    }
    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), impl->cf(unmatched)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) impl->unmatched_keys.insert(it->key().ToString());
        if (auto st = from_rocksdb(it->status()); !st.ok()) return st;
    }
    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), impl->cf(messages)));
        it->SeekToLast();
        if (it->Valid())
            if (auto id = MessageId::from_key(view(it->key()))) {
                impl->max_accepted = id->value();
                impl->raise_highest_id(id->value());
            }
        if (auto st = from_rocksdb(it->status()); !st.ok()) return st;
    }
    impl->raw_sequence.store(static_cast<std::uint64_t>(
                                 std::chrono::steady_clock::now().time_since_epoch().count())
                             << 16);
    auto* raw = impl.get();
    impl->committer = std::thread([raw] { raw->run_committer(); });
    impl->writer = std::thread([raw] { raw->run_writer(); });
    impl->writer_id = impl->writer.get_id();
    return std::unique_ptr<RocksDbLedger>(new RocksDbLedger(std::move(impl)));
}

RocksDbLedger::~RocksDbLedger() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_one();
    impl_->writer.join();  // returns once nothing is queued, built or being written
    {
        std::lock_guard lock(impl_->mutex);
        impl_->committer_stopping = true;
    }
    impl_->commit_wake.notify_one();
    impl_->committer.join();
    impl_->close_journal();
}

void RocksDbLedger::accept(MessageRecord record, Completion done) {
    impl_->enqueue({[record = std::move(record)](Group& g) mutable -> Status {
                        if (auto s = check_acceptable(record); !s.ok()) return s;
                        auto& highest = g.impl.max_accepted;
                        if (record.id.value() <= highest) {
                            auto existing = g.read(record.id);
                            if (existing.ok())
                                return Status(StatusCode::already_exists, "message " + record.id.to_string());
                            if (existing.status().code() != StatusCode::not_found) return existing.status();
                        }
                        highest = std::max(highest, record.id.value());
                        g.write_record(nullptr, record);
                        return {};
                    },
                    std::move(done), false, true});
}

void RocksDbLedger::accept_all(std::vector<MessageRecord> records, Completion done) {
    impl_->enqueue({[records = std::move(records)](Group& g) mutable -> Status {
                        // Every check before any write: a refusal leaves nothing in the group.
                        auto& highest = g.impl.max_accepted;
                        std::vector<std::uint64_t> ids;
                        for (const auto& record : records) {
                            if (auto s = check_acceptable(record); !s.ok()) return s;
                            if (std::find(ids.begin(), ids.end(), record.id.value()) != ids.end())
                                return Status(StatusCode::already_exists, "message " + record.id.to_string());
                            ids.push_back(record.id.value());
                            if (record.id.value() <= highest) {
                                auto existing = g.read(record.id);
                                if (existing.ok())
                                    return Status(StatusCode::already_exists, "message " + record.id.to_string());
                                if (existing.status().code() != StatusCode::not_found) return existing.status();
                            }
                        }
                        for (const auto& record : records) {
                            highest = std::max(highest, record.id.value());
                            g.write_record(nullptr, record);
                        }
                        return {};
                    },
                    std::move(done), false, true});
}

void RocksDbLedger::update_all(std::vector<std::pair<MessageId, StateChange>> changes, Completion done) {
    impl_->enqueue({[this, changes = std::move(changes)](Group& g) -> Status {
                        // Every change tried on a copy first: one refusal writes none.
                        for (const auto& [id, change] : changes) {
                            auto r = g.read(id);
                            if (!r.ok()) return r.status();
                            if (auto s = apply(*r, change); !s.ok()) return s;
                        }
                        for (const auto& [id, change] : changes)
                            if (auto s = impl_->change_record(g, id, [&](MessageRecord& r) { return apply(r, change); });
                                !s.ok())
                                return s;
                        return {};
                    },
                    std::move(done)});
}

void RocksDbLedger::update(MessageId id, StateChange change, Completion done) {
    impl_->enqueue({[this, id, change = std::move(change)](Group& g) {
                        return impl_->change_record(g, id, [&](MessageRecord& r) { return apply(r, change); });
                    },
                    std::move(done)});
}

void RocksDbLedger::sent(MessageId id, std::string carrier, std::string bind, std::string carrier_message_id,
                         std::string index_key, Timestamp at, Completion done) {
    if (index_key.empty()) index_key = carrier_message_id;
    impl_->enqueue({[this, id, carrier = std::move(carrier), bind = std::move(bind), cmid = std::move(carrier_message_id),
                     key = std::move(index_key), at](Group& g) {
                        Timestamp submitted{};
                        auto s = impl_->change_record(g, id, [&](MessageRecord& r) {
                            submitted = submitted_at(r, carrier);
                            return apply_sent(r, carrier, cmid, at, bind);
                        });
                        if (!s.ok()) return s;
                        if (key.empty()) return s;  // no message_id: nothing to match receipts by
                        // Same batch as the record: a receipt can never find
                        // the index without the record, nor the reverse.
                        const auto k = pair_key(carrier, key);
                        g.put(carrier_ids, k, id_key(id));
                        return impl_->take_unmatched(g, id, k, submitted);
                    },
                    std::move(done)});
}

void RocksDbLedger::set_receipt_listener(ReceiptListener listener) {
    impl_->receipt_listener = std::move(listener);
}

void RocksDbLedger::apply_receipt(CarrierReceipt receipt, ReceiptCompletion done) {
    if (auto s = check_key_part("carrier", receipt.carrier); !s.ok()) return done(std::move(s));
    if (receipt.keys.empty()) return done(Status(StatusCode::invalid_argument, "a receipt needs an index key"));
    auto result = std::make_shared<StatusOr<ReceiptMatch>>(Status(StatusCode::io_error, "receipt write not run"));
    const auto sequence = impl_->raw_sequence.fetch_add(1, std::memory_order_relaxed);
    impl_->enqueue({[this, receipt = std::move(receipt), result, sequence](Group& g) -> Status {
                        if (receipt.keep_raw)
                            g.put(Family::raw_receipts, raw_receipt_key(receipt.received_at, sequence),
                                  encode(receipt));
                        for (std::size_t i = 0; i < receipt.keys.size(); ++i) {
                            auto found = g.get(carrier_ids, pair_key(receipt.carrier, receipt.keys[i]));
                            if (!found.ok()) return found.status();
                            if (!*found) continue;
                            auto id = MessageId::from_key(**found);
                            if (!id) return Status(StatusCode::corruption, "bad carrier_ids value");
                            auto m = impl_->apply_receipt_to(g, *id, receipt, i == 0);
                            // An index entry can outlive its record (retention):
                            // then it is as good as no entry.
                            if (!m.ok() && m.status().code() == StatusCode::not_found) continue;
                            if (!m.ok()) return m.status();
                            if (!*m) continue;  // another message that shares a reading of the id
                            *result = std::move(**m);
                            return impl_->drop_own_parking(g, receipt);
                        }
                        // Parked under every key it may match that no other
                        // receipt holds first (parks_over).
                        const auto value = encode(receipt);
                        for (const auto& key : receipt.keys) {
                            const auto k = pair_key(receipt.carrier, key);
                            if (impl_->unmatched_keys.count(k)) {
                                auto existing = g.get(unmatched, k);
                                if (!existing.ok()) return existing.status();
                                if (*existing) {
                                    auto previous = decode_carrier_receipt(**existing);
                                    if (previous.ok() && !parks_over(*previous, receipt, key)) continue;
                                }
                            }
                            g.put(unmatched, k, value);
                        }
                        *result = ReceiptMatch{.outcome = receipt_outcome::parked};
                        return {};
                    },
                    [result, done = std::move(done)](Status s) {
                        if (!s.ok()) return done(std::move(s));
                        done(std::move(*result));
                    }});
}

void RocksDbLedger::time_out(MessageId id, MessageStatus reported, Timestamp at, ReceiptCompletion done) {
    auto result = std::make_shared<StatusOr<ReceiptMatch>>(Status(StatusCode::io_error, "timeout write not run"));
    impl_->enqueue({[this, id, reported, at, result](Group& g) -> Status {
                        auto current = g.read(id);
                        if (!current.ok()) return current.status();
                        MessageRecord next = *current;
                        std::optional<PendingReceipt> owed;
                        ReceiptMatch m{.outcome = apply_timeout(next, reported, at, owed), .id = id,
                                       .account = next.account};
                        if (m.outcome == receipt_outcome::matched) {
                            g.write_record(&*current, next);
                            auto parked = impl_->settle(g, *current, next, std::move(owed));
                            if (!parked.ok()) return parked.status();
                            m.owes_upstream = *parked;
                        }
                        *result = std::move(m);
                        return {};
                    },
                    [result, done = std::move(done)](Status s) {
                        if (!s.ok()) return done(std::move(s));
                        done(std::move(*result));
                    }});
}

void RocksDbLedger::expire_unmatched(Timestamp cutoff, Timestamp alternate_cutoff, Completion done) {
    expire_unmatched_from(cutoff, alternate_cutoff, std::string(), std::move(done));
}

void RocksDbLedger::expire_unmatched_from(Timestamp cutoff, Timestamp alternate_cutoff, std::string from,
                                          Completion done) {
    // Receipts parked for retention_days are keyed by carrier id, not by
    // time: expiry decodes every one. In bounded exclusive tasks, so that a
    // carrier whose receipts never match (millions parked) stalls the
    // writer, and every submit_sm waiting for its ESME_ROK, for one batch
    // at a time rather than the whole family.
    auto next = std::make_shared<std::string>();
    impl_->enqueue({[this, cutoff, alternate_cutoff, from = std::move(from), next](Group& g) -> Status {
                        std::unique_ptr<rocksdb::Iterator> it(
                            impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(unmatched)));
                        if (from.empty()) it->SeekToFirst();
                        else it->Seek(from);
                        for (std::size_t n = 0; it->Valid(); it->Next(), ++n) {
                            if (n == unmatched_scan_batch) {
                                *next = std::string(view(it->key()));
                                break;
                            }
                            auto c = decode_carrier_receipt(view(it->value()));
                            // One bad value must not keep every other from expiring.
                            const auto key = view(it->key());
                            if (!c.ok()) {
                                impl_->skip_unreadable(unmatched, key, c.status());
                                continue;
                            }
                            const auto k = key.substr(std::min(key.size(), key.find('\0') + 1));  // carrier \0 key
                            if (parking_expires(*c, k, cutoff, alternate_cutoff)) g.erase(unmatched, std::string(key));
                        }
                        return from_rocksdb(it->status());
                    },
                    [this, cutoff, alternate_cutoff, next, done = std::move(done)](Status s) mutable {
                        if (!s.ok() || next->empty()) return done(std::move(s));
                        expire_unmatched_from(cutoff, alternate_cutoff, std::move(*next), std::move(done));
                    },
                    true});
}

void RocksDbLedger::expire_part_groups(PartGroupCutoff cutoff, Timestamp at, std::size_t limit,
                                       ExpiredPartGroupsCompletion done) {
    auto result = std::make_shared<ExpiredPartGroups>();
    // Exclusive: it scans committed groups, none changed in a group still
    // being built or written.
    impl_->enqueue({[this, cutoff = std::move(cutoff), at, limit, result](Group& g) -> Status {
                        *result = {};
                        std::unique_ptr<rocksdb::Iterator> it(
                            impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(parts)));
                        for (it->SeekToFirst(); it->Valid() && result->groups + result->dropped < limit;
                             it->Next()) {
                            const std::string_view key = view(it->key());
                            auto group = decode_part_group(view(it->value()));
                            if (!group.ok()) {
                                // One bad value must not stop every other
                                // group's sweep for good; it stays for a look.
                                ++result->unreadable;
                                impl_->skip_unreadable(parts, key, group.status());
                                continue;
                            }
                            if (!(group->updated_at < cutoff(part_group_account(key)))) continue;
                            if (group->given_up) {  // reported long ago, no late part since
                                g.erase(parts, std::string(key));
                                ++result->dropped;
                                continue;
                            }
                            // Any of its parts' records carries the envelope (they share it).
                            std::optional<MessageRecord> part;
                            for (const auto& p : group->parts) {
                                auto r = g.read(p.id);
                                if (r.ok()) {
                                    part = std::move(*r);
                                    break;
                                }
                                if (r.status().code() != StatusCode::not_found) return r.status();
                            }
                            if (auto owed = part ? abandon_part_group(*part, *group, at) : std::nullopt) {
                                auto& accounts = result->accounts;
                                if (std::find(accounts.begin(), accounts.end(), owed->account) == accounts.end())
                                    accounts.push_back(owed->account);
                                g.park(*owed);
                                ++result->reported;
                            }
                            group->given_up = true;
                            group->given_up_at = at;
                            group->updated_at = at;
                            g.put(parts, std::string(key), encode(*group));
                            ++result->groups;
                        }
                        return from_rocksdb(it->status());
                    },
                    [result, done = std::move(done)](Status s) {
                        if (!s.ok()) return done(std::move(s));
                        done(std::move(*result));
                    },
                    true});
}

void RocksDbLedger::schedule_retry(MessageId id, Timestamp when, Completion done) {
    impl_->enqueue({[this, id, when](Group& g) {
                        return impl_->change_record(g, id, [&](MessageRecord& r) { return apply_retry(r, when); });
                    },
                    std::move(done)});
}

void RocksDbLedger::park_receipt(PendingReceipt receipt, Completion done) {
    if (auto s = check_key_part("account", receipt.account); !s.ok()) return done(std::move(s));
    impl_->enqueue({[this, receipt = std::move(receipt)](Group& g) {
                        g.park(receipt);
                        return Status{};
                    },
                    std::move(done)});
}

void RocksDbLedger::remove_receipt(std::string account, MessageId id, Completion done) {
    impl_->enqueue({[account = std::move(account), id](Group& g) {
                        g.unpark(account, id);
                        return Status{};
                    },
                    std::move(done)});
}

void RocksDbLedger::remove_receipts(std::string account, std::vector<MessageId> ids, Completion done) {
    if (ids.empty()) return done({});
    impl_->enqueue({[account = std::move(account), ids = std::move(ids)](Group& g) {
                        for (auto id : ids) g.unpark(account, id);
                        return Status{};
                    },
                    std::move(done)});
}

void RocksDbLedger::remove_forwarded_receipts(std::string account, std::vector<ReceiptStamp> forwarded,
                                              Completion done) {
    if (forwarded.empty()) return done({});
    impl_->enqueue({[this, account = std::move(account), forwarded = std::move(forwarded)](Group& g) -> Status {
                        for (const auto& r : forwarded)
                            if (impl_->still_parked(g, account, r)) g.unpark(account, r.id);
                        return Status{};
                    },
                    std::move(done)});
}

void RocksDbLedger::park_mo(MobileOriginated mo, Completion done) {
    if (auto s = check_key_part("account", mo.account); !s.ok()) return done(std::move(s));
    if (!mo.id.valid()) return done(Status(StatusCode::invalid_argument, "a mobile-originated message needs an id"));
    impl_->enqueue({[mo = std::move(mo)](Group& g) {
                        g.park_mo(mo);
                        return Status{};
                    },
                    std::move(done)});
}

void RocksDbLedger::remove_mo(std::string account, MessageId id, Completion done) {
    impl_->enqueue({[account = std::move(account), id](Group& g) {
                        g.unpark_mo(account, id);
                        return Status{};
                    },
                    std::move(done)});
}

StatusOr<std::vector<MoSighting>> RocksDbLedger::mo_sightings(Timestamp from, std::size_t limit) const {
    if (auto ready = impl_->await_applied({mo_seen}); !ready.ok()) return ready;
    std::vector<MoSighting> out;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(mo_seen)));
    for (it->Seek(mo_seen_entry(from, {})); it->Valid() && out.size() < limit; it->Next()) {
        const auto key = view(it->key());
        if (key.size() <= 8) return Status(StatusCode::corruption, "bad key in mo_seen");
        out.push_back({std::string(key.substr(8)),
                       Timestamp(std::chrono::milliseconds(static_cast<std::int64_t>(read_u64(key))))});
    }
    if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
    return out;
}

void RocksDbLedger::drop_mo_sightings_before(Timestamp cutoff, Completion done) {
    // One range tombstone, however many sightings it covers.
    impl_->enqueue({[cutoff](Group& g) {
                        return from_rocksdb(g.batch.DeleteRange(g.cf(mo_seen), mo_seen_entry(Timestamp{}, {}),
                                                                mo_seen_entry(cutoff, {})));
                    },
                    std::move(done)});
}

void RocksDbLedger::add_opt_out(std::string account, std::string msisdn, Completion done) {
    if (auto s = check_key_part("account", account); !s.ok()) return done(std::move(s));
    impl_->enqueue({[this, k = pair_key(account, msisdn)](Group& g) {
                        return from_rocksdb(g.batch.Put(g.cf(opt_outs), k, ""));
                    },
                    std::move(done)});
}

void RocksDbLedger::remove_opt_out(std::string account, std::string msisdn, Completion done) {
    impl_->enqueue({[this, k = pair_key(account, msisdn)](Group& g) {
                        return from_rocksdb(g.batch.Delete(g.cf(opt_outs), k));
                    },
                    std::move(done)});
}

void RocksDbLedger::drop_final_older_than(Timestamp cutoff, Completion done) {
    impl_->enqueue(
        {[this, cutoff](Group& g) { return impl_->drop_final(g, MessageId::first_at(cutoff)); }, std::move(done), true});
}

StatusOr<MessageRecord> RocksDbLedger::find(MessageId id) const {
    if (auto ready = impl_->await_applied({messages}); !ready.ok()) return ready;
    std::string value;
    auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(messages), id_key(id), &value);
    if (s.IsNotFound()) return unknown(id);
    if (!s.ok()) return from_rocksdb(s);
    return decode_message_record(value);
}

StatusOr<MessageId> RocksDbLedger::find_by_carrier_id(std::string_view carrier,
                                                      std::string_view carrier_message_id) const {
    if (auto ready = impl_->await_applied({carrier_ids, messages}); !ready.ok()) return ready;
    std::string value;
    auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(carrier_ids), pair_key(carrier, carrier_message_id),
                            &value);
    auto missing = [&] {
        return Status(StatusCode::not_found, std::string(carrier) + "/" + std::string(carrier_message_id));
    };
    if (s.IsNotFound()) return missing();
    if (!s.ok()) return from_rocksdb(s);
    auto id = MessageId::from_key(value);
    if (!id) return Status(StatusCode::corruption, "bad carrier_ids value");
    // The entry may outlive its record until compaction drops it.
    std::string record;
    s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(messages), id_key(*id), &record);
    if (s.IsNotFound()) return missing();
    if (!s.ok()) return from_rocksdb(s);
    return *id;
}

StatusOr<std::vector<MessageId>> RocksDbLedger::due_retries(Timestamp now, std::size_t limit) const {
    if (auto ready = impl_->await_applied({retries}); !ready.ok()) return ready;
    std::vector<MessageId> due;
    std::string end = retry_key(now + std::chrono::milliseconds(1), MessageId{});
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(retries)));
    for (it->SeekToFirst(); it->Valid() && due.size() < limit && it->key().compare(end) < 0; it->Next()) {
        auto key = view(it->key());
        auto id = key.size() == 16 ? MessageId::from_key(key.substr(8)) : std::nullopt;
        if (!id) return Status(StatusCode::corruption, "bad key in retries");
        due.push_back(*id);
    }
    if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
    return due;
}

StatusOr<std::vector<PendingReceipt>> RocksDbLedger::pending_receipts(std::string_view account, std::size_t limit,
                                                                      const IdFilter& skip) const {
    std::vector<PendingReceipt> out;
    std::lock_guard lock(impl_->pending_mutex);
    auto it = impl_->pending.find(account);
    if (it == impl_->pending.end()) return out;
    for (auto r = it->second.begin(); r != it->second.end() && out.size() < limit; ++r)
        if (!skip || !skip(r->second.id)) out.push_back(r->second);
    return out;
}

StatusOr<std::vector<MobileOriginated>> RocksDbLedger::pending_mo(std::string_view account, std::size_t limit,
                                                                  const IdFilter& skip) const {
    std::vector<MobileOriginated> out;
    std::lock_guard lock(impl_->pending_mutex);
    auto it = impl_->pending_mos.find(account);
    if (it == impl_->pending_mos.end()) return out;
    for (auto m = it->second.begin(); m != it->second.end() && out.size() < limit; ++m)
        if (!skip || !skip(m->second.id)) out.push_back(m->second);
    return out;
}

StatusOr<std::vector<std::string>> RocksDbLedger::owed_accounts() const {
    // The in-memory copies of `receipts` and `mo` hold no account with nothing owed.
    std::set<std::string, std::less<>> names;
    std::lock_guard lock(impl_->pending_mutex);
    for (const auto& [account, queue] : impl_->pending) names.insert(account);
    for (const auto& [account, queue] : impl_->pending_mos) names.insert(account);
    return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<std::vector<MessageRecord>> RocksDbLedger::awaiting_receipt(Timestamp cutoff, std::size_t limit,
                                                                     MessageId after) const {
    if (auto ready = impl_->await_applied({open_ids, messages}); !ready.ok()) return ready;
    std::vector<MessageRecord> out;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(open_ids)));
    // Keys are ids, minted at acceptance: none minted after the cutoff can
    // have been sent before it.
    const auto end = MessageId::first_at(cutoff + std::chrono::milliseconds(1));
    for (it->Seek(id_key(MessageId(after.value() + 1))); it->Valid() && out.size() < limit; it->Next()) {
        auto id = MessageId::from_key(view(it->key()));
        if (!id) {
            impl_->skip_unreadable(open_ids, view(it->key()), Status(StatusCode::corruption, "not a message id"));
            continue;
        }
        if (!(*id < end)) break;
        const auto v = view(it->value());
        auto waits = [](MessageStatus s) { return s == MessageStatus::sent || s == MessageStatus::in_doubt; };
        if (v.size() != 1 || !waits(static_cast<MessageStatus>(v[0]))) continue;
        auto r = find(*id);
        // One record that does not decode must not stop every receipt
        // timeout behind it: the sweep would start at it again each time.
        if (!r.ok() && (r.status().code() == StatusCode::corruption || r.status().code() == StatusCode::not_found)) {
            impl_->skip_unreadable(messages, view(it->key()), r.status());
            continue;
        }
        if (!r.ok()) return r.status();
        if (waits(r->status) && r->updated_at < cutoff) out.push_back(std::move(*r));
    }
    if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
    return out;
}

StatusOr<std::vector<CarrierReceipt>> RocksDbLedger::unmatched_receipts(std::string_view carrier,
                                                                         std::size_t limit) const {
    if (auto ready = impl_->await_applied({unmatched}); !ready.ok()) return ready;
    std::vector<CarrierReceipt> out;
    std::string prefix = pair_key(carrier, "");
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(unmatched)));
    for (it->Seek(prefix); it->Valid() && out.size() < limit && it->key().starts_with(prefix); it->Next()) {
        auto c = decode_carrier_receipt(view(it->value()));
        if (!c.ok()) return c.status();
        // Parked under each of its keys: listed under its first one only.
        if (c->keys.empty() || view(it->key()).substr(prefix.size()) != c->keys.front()) continue;
        out.push_back(std::move(*c));
    }
    if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
    return out;
}

StatusOr<std::vector<CarrierReceipt>> RocksDbLedger::raw_receipts(Timestamp from, std::size_t limit) const {
    if (auto ready = impl_->await_applied({Family::raw_receipts}); !ready.ok()) return ready;
    std::vector<CarrierReceipt> out;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(Family::raw_receipts)));
    for (it->Seek(raw_receipt_key(from, 0)); it->Valid() && out.size() < limit; it->Next()) {
        auto c = decode_carrier_receipt(view(it->value()));
        if (!c.ok()) return c.status();
        out.push_back(std::move(*c));
    }
    if (auto s = from_rocksdb(it->status()); !s.ok()) return s;
    return out;
}

StatusOr<bool> RocksDbLedger::is_opted_out(std::string_view account, std::string_view msisdn) const {
    if (auto ready = impl_->await_applied({opt_outs}); !ready.ok()) return ready;
    std::string value;
    auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(opt_outs), pair_key(account, msisdn), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return from_rocksdb(s);
    return true;
}

MessageId RocksDbLedger::highest_id() const {
    return MessageId(impl_->highest_id.load(std::memory_order_relaxed));
}

StatusOr<Recovery> RocksDbLedger::recover(Timestamp now, Timestamp parts_since) {
    Recovery out;
    auto s = impl_->run_exclusive([&](Group& g) { return impl_->recover(g, now, parts_since, out); });
    if (!s.ok()) return s;
    return out;
}

RocksDbLedger::WriterStats RocksDbLedger::writer_stats() const {
    WriterStats w;
    w.groups = impl_->groups.load();
    w.writes = impl_->writes.load();
    w.overlapped = impl_->overlapped.load();
    w.unreadable = impl_->unreadable.load(std::memory_order_relaxed);
    w.journal_replayed = impl_->journal_replayed;
    if (impl_->journal) {
        const auto c = impl_->journal->counters();
        w.journal_records = c.records;
        w.journal_switches = c.switches;
        w.journal_waits = c.waits;
    }
    if (auto b = impl_->broken_status(); !b.ok()) w.failure = b.message();
    return w;
}

Status RocksDbLedger::compact_carrier_ids() {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    return from_rocksdb(impl_->db->CompactRange(options, impl_->cf(carrier_ids), nullptr, nullptr));
}

}  // namespace smpp::store
