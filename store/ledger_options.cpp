#include "store/ledger_options.hpp"

#include <rocksdb/convenience.h>
#include <rocksdb/env.h>

namespace smpp::store {

Status configure_rocksdb(const LedgerSettings& settings, rocksdb::DBOptions& db, rocksdb::ColumnFamilyOptions& family) {
    rocksdb::Options both(db, family);
    both.create_if_missing = true;
    both.create_missing_column_families = true;
    both.write_buffer_size = settings.write_buffer_mb << 20;
    // Measured and left at RocksDB's defaults (docs/PERFORMANCE.md, forward
    // path latency): use_fsync stays false (the WAL sync is fdatasync);
    // recycle_log_file_num (WAL rewritten in place, no size change to
    // journal) needs wal_recovery_mode=kSkipAnyCorruptedRecords in 7.8 and
    // crashed the connector in DBImpl::MarkLogsSynced during a memtable
    // flush (the ledger journal, ledger_journal.hpp, gets the overwrite
    // fsync another way); manual_wal_flush buys nothing; bytes_per_sync,
    // max_background_jobs and a rate limiter on flush and compaction showed
    // no gain beyond the box's noise (the rate limiter a loss).
    if (settings.sync && settings.journal) {
        // The WAL is written without sync (the journal takes the fsync):
        // without this the kernel gathers tens of MB of it and writes them
        // back at once, and every journal fdatasync meanwhile queues behind
        // them (p99 12-13 ms instead of 5-6 ms in forward-bench). RocksDB
        // starts the write-back every 256 KiB instead (sync_file_range).
        both.wal_bytes_per_sync = 256 << 10;
    }
    if (settings.background_low_priority) {
        // Process-wide (the default Env's pools); one ledger per process.
        both.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH, rocksdb::CpuPriority::kLow)
            .PermitUncheckedError();
        both.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW, rocksdb::CpuPriority::kLow)
            .PermitUncheckedError();
    }
    if (!settings.rocksdb_options.empty()) {
        if (auto problem = rocksdb_options_problem(settings.rocksdb_options); !problem.empty())
            return Status(StatusCode::invalid_argument, "ledger rocksdb_options: " + problem);
        rocksdb::ConfigOptions config;
        config.ignore_unknown_options = false;
        rocksdb::Options tuned;
        auto s = rocksdb::GetOptionsFromString(config, both, settings.rocksdb_options, &tuned);
        if (!s.ok()) return Status(StatusCode::invalid_argument, "ledger rocksdb_options: " + s.ToString());
        both = tuned;
    }
    // RocksDB keeps every WAL file that a family's memtable still needs.
    // A family written once in a while (opt_outs, parts, mo, retries) has
    // a memtable that fills for days, and its first entry holds every WAL
    // file written since: RocksDB's own bound (0: four times all families'
    // write buffers, 6 GiB here) lets the WAL reach gigabytes, each
    // replayed at the next start. Past this bound RocksDB flushes the
    // families that hold the oldest file. 8 write buffers: the busy
    // families (two memtables each) flush on their own well before it.
    // After rocksdb_options: from the write buffer they may have set,
    // unless they set this bound themselves.
    if (settings.rocksdb_options.find("max_total_wal_size") == std::string::npos)
        both.max_total_wal_size = 8 * both.write_buffer_size;
    db = rocksdb::DBOptions(both);
    family = rocksdb::ColumnFamilyOptions(both);
    return {};
}

std::string rocksdb_options_problem(const std::string& options) {
    if (options.empty()) return {};
    rocksdb::ConfigOptions config;
    config.ignore_unknown_options = false;
    const rocksdb::Options base;
    rocksdb::Options tuned;
    if (auto s = rocksdb::GetOptionsFromString(config, base, options, &tuned); !s.ok()) return s.ToString();
    if (tuned.recycle_log_file_num != base.recycle_log_file_num)
        return "recycle_log_file_num is refused: it crashed RocksDB 7.8 during a memtable flush here "
               "(docs/PERFORMANCE.md); the ledger journal already overwrites its files in place";
    if (tuned.manual_wal_flush != base.manual_wal_flush)
        return "manual_wal_flush is refused: acknowledged writes would wait in memory for a flush nobody calls";
    if (tuned.wal_recovery_mode == rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords)
        return "wal_recovery_mode=kSkipAnyCorruptedRecords is refused: recovery would drop acknowledged writes "
               "without a word";
    return {};
}

}  // namespace smpp::store
