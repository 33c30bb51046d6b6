// The RocksDB options the ledger opens with: the tuned defaults, and
// LedgerSettings::rocksdb_options applied over them.
#include "store/ledger_options.hpp"

#include <catch2/catch.hpp>

using namespace smpp::store;

TEST_CASE("ledger options: defaults keep fdatasync and take the write buffer size") {
    LedgerSettings s{.path = "unused"};
    s.write_buffer_mb = 16;
    rocksdb::DBOptions db;
    rocksdb::ColumnFamilyOptions family;
    REQUIRE(configure_rocksdb(s, db, family).ok());
    CHECK(db.create_if_missing);
    CHECK(db.create_missing_column_families);
    CHECK_FALSE(db.use_fsync);
    CHECK_FALSE(db.manual_wal_flush);
    CHECK(db.recycle_log_file_num == 0u);
    CHECK(s.background_low_priority);
    CHECK(family.write_buffer_size == 16u << 20);
    CHECK(db.max_total_wal_size == 8u * (16u << 20));  // not RocksDB's 0: 4 x all write buffers
    // The journal (on by default) takes the fsync; RocksDB writes its WAL
    // back as it goes instead of in bursts.
    CHECK(db.wal_bytes_per_sync == 256u << 10);
    s.journal = false;
    rocksdb::DBOptions own;
    REQUIRE(configure_rocksdb(s, own, family).ok());
    CHECK(own.wal_bytes_per_sync == 0u);
}

TEST_CASE("ledger options: the option string overrides DB and family options") {
    LedgerSettings s{.path = "unused"};
    s.rocksdb_options = "max_background_jobs=5;bytes_per_sync=2097152;write_buffer_size=1048576";
    rocksdb::DBOptions db;
    rocksdb::ColumnFamilyOptions family;
    REQUIRE(configure_rocksdb(s, db, family).ok());
    CHECK(db.max_background_jobs == 5);
    CHECK(db.bytes_per_sync == 2097152u);
    CHECK(family.write_buffer_size == 1048576u);
    // The WAL bound follows the write buffer the string set, unless the
    // string sets the bound itself (0: RocksDB's own).
    CHECK(db.max_total_wal_size == 8u * 1048576u);
    s.rocksdb_options = "write_buffer_size=1048576;max_total_wal_size=0";
    REQUIRE(configure_rocksdb(s, db, family).ok());
    CHECK(db.max_total_wal_size == 0u);
}

TEST_CASE("ledger options: an option RocksDB does not know is invalid_argument") {
    LedgerSettings s{.path = "unused"};
    s.rocksdb_options = "no_such_option=1";
    rocksdb::DBOptions db;
    rocksdb::ColumnFamilyOptions family;
    const Status st = configure_rocksdb(s, db, family);
    CHECK(st.code() == StatusCode::invalid_argument);
    s.rocksdb_options = "max_background_jobs=many";
    CHECK(configure_rocksdb(s, db, family).code() == StatusCode::invalid_argument);
}

TEST_CASE("ledger options: options that would break the ledger's durability are refused") {
    CHECK(rocksdb_options_problem("").empty());
    CHECK(rocksdb_options_problem("max_background_jobs=4;write_buffer_size=1048576").empty());
    CHECK(rocksdb_options_problem("wal_recovery_mode=kAbsoluteConsistency").empty());
    CHECK_THAT(rocksdb_options_problem("recycle_log_file_num=4"), Catch::Contains("recycle_log_file_num is refused"));
    CHECK_THAT(rocksdb_options_problem("manual_wal_flush=true"), Catch::Contains("manual_wal_flush is refused"));
    CHECK_THAT(rocksdb_options_problem("wal_recovery_mode=kSkipAnyCorruptedRecords"),
               Catch::Contains("kSkipAnyCorruptedRecords is refused"));
    CHECK_FALSE(rocksdb_options_problem("no_such_option=1").empty());
    // configure_rocksdb refuses them as well (a ledger opened without conf/).
    LedgerSettings s{.path = "unused"};
    s.rocksdb_options = "recycle_log_file_num=4";
    rocksdb::DBOptions db;
    rocksdb::ColumnFamilyOptions family;
    CHECK(configure_rocksdb(s, db, family).code() == StatusCode::invalid_argument);
}
