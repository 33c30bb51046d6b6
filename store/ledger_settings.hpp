#pragma once
// Settings of the RocksDB ledger. Plain data; conf/ fills it from YAML and
// validate() rejects nonsense before the ledger opens.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/multipart_receipts.hpp"
#include "store/status.hpp"

namespace smpp::store {

struct LedgerSettings {
    // Directory of the RocksDB database; created if missing.
    std::string path;
    // true: every group of writes is fsynced before its Completions run
    // (survives power loss). false: written to the WAL without fsync
    // (survives a process crash, not a power loss); faster.
    bool sync = true;
    // With sync: where the fsync goes. true: to the ledger journal
    // (ledger_journal.hpp), preallocated files overwritten in place, while
    // RocksDB's WAL is written without sync and synced in the background;
    // at open the journal's last records are replayed. false: RocksDB's own
    // synced WAL write per group.
    bool journal = true;
    // Size of each of the journal's two segment files. A group larger than
    // a segment goes through RocksDB's synced write instead.
    std::size_t journal_segment_mb = 32;
    // Final records older than this are dropped by the retention sweep.
    std::uint32_t retention_days = 30;
    // Most writes committed as one group (one WAL write, one fsync).
    std::size_t max_group_size = 1024;
    // New messages (accept, accept_all) waiting for the writer beyond this
    // are refused at once with StatusCode::busy so the caller can answer
    // ESME_RMSGQFUL instead of piling up memory. Writes that settle
    // messages already accepted (carriers' answers, receipts) always queue:
    // their number is bounded by the carriers' windows, and refusing one
    // would lose it.
    std::size_t max_queued_writes = 100'000;
    std::size_t write_buffer_mb = 64;
    // Records not yet final that the writer keeps decoded in memory, so a
    // state change does not read its record back from RocksDB (the writer's
    // largest cost after the memtable insert). Beyond this many, changes
    // read from the database as before. 0 turns the cache off.
    std::size_t open_record_cache = 200'000;
    // RocksDB's own option syntax ("name=value;name=value", DB and
    // column-family options), applied over the ledger's tuned defaults
    // (ledger_options.hpp): for tuning and A/B runs without a rebuild.
    std::string rocksdb_options{};
    // RocksDB's flush and compaction threads at nice 19, so on a busy box a
    // flush (~100 ms of a core every few seconds at 30,000 msg/s) does not
    // hold the io thread and the writer off a CPU when they wake: the
    // half-load p99 was lower in 7 of 7 alternated runs, and 60 s at full
    // load had no write stall (docs/PERFORMANCE.md, wave 13). Process-wide
    // (RocksDB's default thread pools).
    bool background_low_priority = true;
    // Each account's receipts.multipart (multipart_receipts.hpp); an
    // account not listed gets a receipt for every part.
    MultipartBook multipart{};
    // Told of every entry a scan skips because it does not decode (at open,
    // in recover(), awaiting_receipt() and the sweeps of unmatched receipts
    // and part groups): its family, its key made readable, and why. One bad
    // value never stops the rest (a start, every receipt timeout); it is
    // left where it is for a look. Any thread; counted either way
    // (RocksDbLedger::WriterStats::unreadable).
    std::function<void(std::string_view family, std::string_view key, const Status& why)> on_unreadable{};

    // Empty when the settings are usable, else what is wrong.
    std::string validate() const;
};

}  // namespace smpp::store
