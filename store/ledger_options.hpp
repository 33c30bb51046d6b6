#pragma once
// The RocksDB options the ledger opens with. Tuned for the ledger's one
// write pattern: a dedicated writer commits groups to the WAL and fsyncs
// each before acking (issue 4: submit_sm -> submit_sm_resp p99), while
// memtable flushes and compactions must not stall that fsync. The figures
// behind each choice are in docs/PERFORMANCE.md (forward path latency).
#include <rocksdb/options.h>

#include "store/ledger_settings.hpp"
#include "store/status.hpp"

namespace smpp::store {

// Fills `db` and `family` (the template every column family starts from)
// from `settings`, then applies settings.rocksdb_options over them; an
// option string RocksDB cannot parse is invalid_argument.
Status configure_rocksdb(const LedgerSettings& settings, rocksdb::DBOptions& db, rocksdb::ColumnFamilyOptions& family);

}  // namespace smpp::store
