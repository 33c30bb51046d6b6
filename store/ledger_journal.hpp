#pragma once
// The ledger's journal: where a group commit's fsync goes (LedgerSettings::journal).
//
// Why: RocksDB's WAL grows by appending, and on ext4 the fdatasync of an
// append waits for a journal commit of the file's new size and extents
// (fsync-probe on this box: p99 0.3-1.0 ms for an append, 0.2 ms for an
// overwrite, and more wake-ups of the kernel's jbd2 thread on two busy
// cores). RocksDB's own answer, recycled WAL files, needs a recovery mode
// that crashed RocksDB 7.8 (docs/PERFORMANCE.md, wave 5). The journal's
// segment files are written out in full once and afterwards only
// overwritten in place, so its fdatasync flushes data and nothing else.
//
// The rules the ledger keeps:
// - A group goes to the journal (written and fdatasynced) before RocksDB
//   gets it, unsynced. The ledger acknowledges it once the journal has it
//   (its writer's own groups) or after both (groups its committer writes
//   under a backlog). So whatever RocksDB holds after a crash (a kill -9
//   keeps its unsynced WAL in the page cache, a power cut may not) is a
//   prefix of what the journal holds, and everything acknowledged is in
//   the journal.
// - A segment is overwritten only after RocksDB's WAL was synced past the
//   segment's last record (the keeper thread, at each switch).
// - At open, the records after the newest mark, in one unbroken sequence,
//   are replayed into RocksDB in order. Each is one WriteBatch of whole
//   values (puts, deletes, range deletes; the ledger uses no merges), so
//   replaying records RocksDB already has, followed by all the later ones,
//   ends in the state the last record left: every group whole, nothing
//   acknowledged lost, nothing applied twice in effect.
// - A mark says "everything before me is durable in RocksDB": written at
//   open (after any replay and a WAL sync), at a clean close, and before a
//   group too large for a segment goes through RocksDB's own synced write
//   (after a WAL sync).
// - A group RocksDB refused after it was journaled but before it was
//   acknowledged is voided by a record that names it, so a replay does not
//   apply what was reported failed. One already acknowledged is not: the
//   ledger refuses everything after it, and the next open replays it.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/status.hpp"

namespace smpp::store {

class LedgerJournal {
public:
    // Makes everything RocksDB accepted so far durable (DB::SyncWAL).
    using SyncStore = std::function<Status()>;

    struct Counters {
        std::uint64_t records = 0;   // group records appended
        std::uint64_t switches = 0;  // segment switches
        std::uint64_t waits = 0;     // appends that waited for the keeper
    };

    // Opens the journal in `dir` (created if missing) and reads what its
    // segments hold. Nothing is written until start().
    static StatusOr<std::unique_ptr<LedgerJournal>> open(std::string dir, std::size_t segment_bytes,
                                                         SyncStore sync_store, std::size_t segments = 2);
    ~LedgerJournal();
    LedgerJournal(const LedgerJournal&) = delete;
    LedgerJournal& operator=(const LedgerJournal&) = delete;

    // The batches to replay, oldest first: the records after the newest
    // mark in the newest unbroken run of sequence numbers.
    const std::vector<std::string>& recovered() const { return recovered_; }

    // Begins writing: (re)creates the segment files at their size, filled
    // with zeros and synced, then writes a mark. Call after the recovered
    // batches are durable in RocksDB (replayed and synced).
    Status start();

    // Whether one group of `bytes` fits in a record.
    bool fits(std::size_t bytes) const;

    // Appends one WriteBatch's representation and fdatasyncs it. Blocks
    // while the next segment waits for the keeper. After any write or sync
    // error every later call fails too: the journal is not trusted again
    // until the process restarts and replays it.
    Status append(std::string_view batch);

    // Appends a mark (see above), synced.
    Status mark();

    // Appends a record that voids the last batch appended (see above), synced.
    Status void_last();

    Counters counters() const;

    // Removes a journal directory left by an earlier run (for a ledger that
    // runs without one now, after replaying it).
    static Status remove(const std::string& dir);

private:
    LedgerJournal(std::string dir, std::size_t segment_bytes, SyncStore sync_store, std::size_t segments);
    Status read_existing();
    Status write_record(std::uint8_t kind, std::string_view payload);
    // A new random key into `key` (see the record format, ledger_journal.cpp).
    Status write_key();
    Status switch_segment(std::unique_lock<std::mutex>& lock);
    void run_keeper();
    std::string segment_path(std::size_t i) const;

    const std::string dir_;
    const std::size_t segment_bytes_;
    const SyncStore sync_store_;
    std::vector<int> fds_;
    std::vector<std::string> recovered_;
    std::string key_;  // mixed into every record's crc; empty for a journal written before keys
    std::uint64_t next_seq_ = 1;
    bool started_ = false;

    std::mutex append_mutex_;  // held for a whole record
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t current_ = 0;
    std::size_t offset_ = 0;
    std::vector<bool> free_;
    std::vector<std::size_t> to_release_;  // segments left, for the keeper to free
    bool stopping_ = false;
    Status failed_;
    Counters counters_;
    std::uint64_t last_batch_ = 0;  // sequence number of the last batch record
    std::thread keeper_;
};

}  // namespace smpp::store
