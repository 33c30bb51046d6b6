#pragma once
// The two Ledger implementations behind one face, so test/store/ledger.cpp
// runs the same behavioural suite against both.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"

namespace smpp::store::test {

struct TempDir {
    std::string path;
    TempDir() {
        char pattern[] = "/tmp/ledger-test-XXXXXX";
        const char* made = mkdtemp(pattern);
        REQUIRE(made != nullptr);
        path = made;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Runs one asynchronous ledger write and waits for its Completion.
template <class Write>
Status wait_for(Write&& write) {
    std::promise<Status> done;
    auto result = done.get_future();
    write([&done](Status s) { done.set_value(std::move(s)); });
    return result.get();
}

struct MemoryLedgerFixture {
    static constexpr const char* name = "memory";
    InMemoryLedger ledger;
    Ledger& get() { return ledger; }
    // Nothing to lose: the double keeps its maps; recover() rules still apply.
    void reopen() {}
};

struct RocksDbLedgerFixture {
    static constexpr const char* name = "rocksdb";
    TempDir dir;
    std::unique_ptr<RocksDbLedger> ledger;
    RocksDbLedgerFixture() { open(); }
    void open() {
        LedgerSettings settings;
        settings.path = dir.path;
        auto opened = RocksDbLedger::open(settings);
        REQUIRE(opened.ok());
        ledger = std::move(opened).value();
    }
    Ledger& get() { return *ledger; }
    void reopen() {
        ledger.reset();
        open();
    }
};

}  // namespace smpp::store::test
