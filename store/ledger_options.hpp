#pragma once
// The RocksDB options the ledger opens with. Tuned for the ledger's one
// write pattern: a dedicated writer commits groups to the WAL and fsyncs
// each before acking (issue 4: submit_sm -> submit_sm_resp p99), while
// memtable flushes and compactions must not stall that fsync. The figures
// behind each choice are in docs/PERFORMANCE.md (forward path latency).
#include <string>

#include <rocksdb/options.h>

#include "store/ledger_settings.hpp"
#include "store/status.hpp"

namespace smpp::store {

// Fills `db` and `family` (the template every column family starts from)
// from `settings`, then applies settings.rocksdb_options over them; an
// option string RocksDB cannot parse is invalid_argument.
// A string that parses but would break what the ledger promises is
// invalid_argument too (rocksdb_options_problem).
Status configure_rocksdb(const LedgerSettings& settings, rocksdb::DBOptions& db, rocksdb::ColumnFamilyOptions& family);

// Empty when `options` (LedgerSettings::rocksdb_options) parses and leaves
// the ledger's durability alone, else why not: conf/ checks it at load, with
// the file and line. Refused: recycle_log_file_num (crashed RocksDB 7.8
// here), manual_wal_flush (acknowledged writes left in memory) and
// wal_recovery_mode=kSkipAnyCorruptedRecords (acknowledged writes dropped
// without a word at recovery).
std::string rocksdb_options_problem(const std::string& options);

}  // namespace smpp::store
