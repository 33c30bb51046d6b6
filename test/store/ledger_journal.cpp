// The ledger journal on its own: what a reopen hands back for replay after
// clean runs, torn writes, segment laps and failed syncs.
#include "store/ledger_journal.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "ledger_fixtures.hpp"

using namespace smpp::store;
using namespace smpp::store::test;

namespace {

constexpr std::size_t header = 17;  // length, crc, sequence, kind

std::unique_ptr<LedgerJournal> open_journal(const std::string& dir, std::size_t segment_bytes,
                                            LedgerJournal::SyncStore sync = [] { return Status{}; }) {
    auto j = LedgerJournal::open(dir, segment_bytes, std::move(sync));
    REQUIRE(j.ok());
    return std::move(*j);
}

std::string batch(int i, std::size_t size = 40) {
    std::string s = "batch-" + std::to_string(i) + "-";
    s.resize(size, static_cast<char>('a' + i % 26));
    return s;
}

void overwrite_new(const std::string& path, std::string_view bytes) {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

void overwrite(const std::string& path, std::size_t at, std::string_view bytes) {
    int fd = ::open(path.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at)) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

// A record as the journal lays it out, its crc over `key` (empty: as a
// journal from before keys) and the header and payload.
std::string record(std::uint64_t seq, std::uint8_t kind, std::string_view payload, std::string_view key = {}) {
    std::string h(header, '\0');
    for (int i = 0; i < 4; ++i) h[static_cast<std::size_t>(i)] = static_cast<char>(payload.size() >> (8 * i));
    for (int i = 0; i < 8; ++i) h[8 + static_cast<std::size_t>(i)] = static_cast<char>(seq >> (8 * i));
    h[16] = static_cast<char>(kind);
    uLong c = crc32(0L, Z_NULL, 0);
    if (!key.empty()) c = crc32(c, reinterpret_cast<const Bytef*>(key.data()), static_cast<uInt>(key.size()));
    c = crc32(c, reinterpret_cast<const Bytef*>(h.data()), 4);
    c = crc32(c, reinterpret_cast<const Bytef*>(h.data() + 8), header - 8);
    if (!payload.empty()) c = crc32(c, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
    for (int i = 0; i < 4; ++i) h[4 + static_cast<std::size_t>(i)] = static_cast<char>(c >> (8 * i));
    return h + std::string(payload);
}

}  // namespace

TEST_CASE("ledger journal: a record forged without the journal's key is not replayed") {
    TempDir dir;
    {
        auto j = open_journal(dir.path, 1 << 16);
        REQUIRE(j->start().ok());
        for (int i = 0; i < 2; ++i) REQUIRE(j->append(batch(i)).ok());
    }
    CHECK(std::filesystem::file_size(dir.path + "/key") == 8);
    // Right after the last record, as if an earlier lap's message text held
    // it: a well-formed record with the next sequence number and a crc that
    // checks without the key.
    const std::size_t end = header + 2 * (header + 40);
    overwrite(dir.path + "/segment-0", end, record(4, 0, "forged batch"));
    {
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered() == std::vector<std::string>{batch(0), batch(1)});
        REQUIRE(j->start().ok());  // a new key: what was there reads as stale
    }
    auto j = open_journal(dir.path, 1 << 16);
    CHECK(j->recovered().empty());
}

TEST_CASE("ledger journal: a journal written before keys is replayed, then keyed") {
    TempDir dir;
    std::filesystem::create_directories(dir.path);
    // Records in the keyless layout: a mark, then two batches.
    std::string seg = record(1, 1, {}) + record(2, 0, batch(0)) + record(3, 0, batch(1));
    seg.resize(1 << 16, '\0');
    overwrite_new(dir.path + "/segment-0", seg);
    overwrite_new(dir.path + "/segment-1", std::string(1 << 16, '\0'));
    {
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered() == std::vector<std::string>{batch(0), batch(1)});
        REQUIRE(j->start().ok());
        REQUIRE(j->append(batch(2)).ok());
    }
    CHECK(std::filesystem::file_size(dir.path + "/key") == 8);
    auto j = open_journal(dir.path, 1 << 16);
    CHECK(j->recovered() == std::vector<std::string>{batch(2)});
}

TEST_CASE("ledger journal: a key file of the wrong size is an error, not a silent replay of nothing") {
    TempDir dir;
    {
        auto j = open_journal(dir.path, 1 << 16);
        REQUIRE(j->start().ok());
    }
    overwrite_new(dir.path + "/key", "short");
    auto j = LedgerJournal::open(dir.path, 1 << 16, [] { return Status{}; });
    REQUIRE_FALSE(j.ok());
    CHECK(j.status().code() == StatusCode::corruption);
    CHECK(j.status().message().find("/key") != std::string::npos);
}

TEST_CASE("ledger journal: what was appended since the last mark comes back, in order") {
    TempDir dir;
    {
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered().empty());
        CHECK(j->append("too early").code() == StatusCode::failed_precondition);
        REQUIRE(j->start().ok());
        for (int i = 0; i < 3; ++i) REQUIRE(j->append(batch(i)).ok());
        CHECK(j->counters().records == 3);
    }
    CHECK(std::filesystem::file_size(dir.path + "/segment-0") == 1 << 16);
    CHECK(std::filesystem::file_size(dir.path + "/segment-1") == 1 << 16);
    {
        auto j = open_journal(dir.path, 1 << 16);
        REQUIRE(j->recovered() == std::vector<std::string>{batch(0), batch(1), batch(2)});
        // Replayed and synced by the ledger; start() marks it all done.
        REQUIRE(j->start().ok());
        REQUIRE(j->append(batch(3)).ok());
        REQUIRE(j->mark().ok());
        REQUIRE(j->append(batch(4)).ok());
    }
    auto j = open_journal(dir.path, 1 << 16);
    CHECK(j->recovered() == std::vector<std::string>{batch(4)});
}

TEST_CASE("ledger journal: a voided record is not replayed, the ones around it are") {
    TempDir dir;
    {
        auto j = open_journal(dir.path, 1 << 16);
        REQUIRE(j->start().ok());
        CHECK(j->void_last().code() == StatusCode::failed_precondition);  // nothing appended yet
        REQUIRE(j->append(batch(0)).ok());
        REQUIRE(j->append(batch(1)).ok());
        REQUIRE(j->void_last().ok());  // batch 1: the store refused it after it was journaled
        REQUIRE(j->append(batch(2)).ok());
    }
    auto j = open_journal(dir.path, 1 << 16);
    CHECK(j->recovered() == std::vector<std::string>{batch(0), batch(2)});
}

TEST_CASE("ledger journal: a torn or corrupted last record is not replayed, nor anything after it") {
    TempDir dir;
    {
        auto j = open_journal(dir.path, 1 << 16);
        REQUIRE(j->start().ok());
        for (int i = 0; i < 3; ++i) REQUIRE(j->append(batch(i)).ok());
    }
    const std::string seg = dir.path + "/segment-0";
    // The start mark, then three records of header + 40 bytes each.
    const std::size_t third = header + 2 * (header + 40);
    SECTION("payload byte flipped") {
        overwrite(seg, third + header + 5, "X");
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered() == std::vector<std::string>{batch(0), batch(1)});
    }
    SECTION("second record's length broken: the third is not reached either") {
        overwrite(seg, header + header + 40, std::string("\xff\xff\x00\x00", 4));
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered() == std::vector<std::string>{batch(0)});
    }
    SECTION("file cut in the middle of the last record") {
        REQUIRE(::truncate(seg.c_str(), static_cast<off_t>(third + 20)) == 0);
        auto j = open_journal(dir.path, 1 << 16);
        CHECK(j->recovered() == std::vector<std::string>{batch(0), batch(1)});
        // start() writes the short segment out at its size again.
        REQUIRE(j->start().ok());
        CHECK(std::filesystem::file_size(seg) == 1 << 16);
    }
}

TEST_CASE("ledger journal: segments are reused only after the store synced them, and stale laps are ignored") {
    TempDir dir;
    std::atomic<int> syncs{0};
    const std::size_t segment = 4096;
    const std::size_t size = 1000;  // four records per segment
    std::vector<std::string> appended;
    {
        auto j = open_journal(dir.path, segment, [&] {
            ++syncs;
            return Status{};
        });
        REQUIRE(j->start().ok());
        for (int i = 0; i < 23; ++i) {
            appended.push_back(batch(i, size));
            REQUIRE(j->append(appended.back()).ok());
        }
        const auto c = j->counters();
        CHECK(c.records == 23);
        CHECK(c.switches == 5);  // 4 records in each of the first five segments, 3 in the sixth
    }
    CHECK(syncs >= 4);  // each switch asks the keeper; the fifth may still be pending at close
    auto j = open_journal(dir.path, segment);
    const auto& got = j->recovered();
    // A suffix of what was appended, with nothing older mixed in: the last
    // three in the current segment and the four before them in the other.
    REQUIRE(got.size() == 7);
    CHECK(std::equal(got.begin(), got.end(), appended.end() - 7));
}

TEST_CASE("ledger journal: a failed store sync stops the journal before a segment is overwritten") {
    TempDir dir;
    auto j = open_journal(dir.path, 4096, [] { return Status(StatusCode::io_error, "disk gone"); });
    REQUIRE(j->start().ok());
    Status last;
    int ok = 0;
    for (int i = 0; i < 20 && last.ok(); ++i) {
        last = j->append(batch(i, 1000));
        if (last.ok()) ++ok;
    }
    // Segment 0 holds the mark and four. The switch to segment 1 hands
    // segment 0 to the keeper, whose sync fails: from then on (at the latest
    // when segment 1 is full and segment 0 would be overwritten) nothing
    // more is appended.
    CHECK(ok >= 4);
    CHECK(ok <= 8);
    CHECK(last.code() == StatusCode::io_error);
    CHECK(last.message() == "disk gone");
    CHECK(j->append("x").code() == StatusCode::io_error);
    CHECK(j->mark().code() == StatusCode::io_error);
}

TEST_CASE("ledger journal: sizes and bad settings") {
    TempDir dir;
    auto j = open_journal(dir.path, 4096);
    CHECK(j->fits(4096 - header));
    CHECK_FALSE(j->fits(4096 - header + 1));
    REQUIRE(j->start().ok());
    CHECK(j->append(std::string(4096, 'x')).code() == StatusCode::invalid_argument);
    CHECK(j->append(std::string(4096 - header, 'x')).ok());  // after the start mark: in the next segment
    CHECK(j->counters().switches == 1);

    auto small = LedgerJournal::open(dir.path + "/other", 100, [] { return Status{}; });
    REQUIRE_FALSE(small.ok());
    CHECK(small.status().message() == "ledger journal: segment size must be 4 KiB..2 GiB");
    auto one = LedgerJournal::open(dir.path + "/other", 4096, [] { return Status{}; }, 1);
    REQUIRE_FALSE(one.ok());
    CHECK(one.status().message() == "ledger journal: needs at least 2 segments");
    auto unwritable = LedgerJournal::open("/proc/no-journal-here", 4096, [] { return Status{}; });
    REQUIRE_FALSE(unwritable.ok());
    CHECK(unwritable.status().code() == StatusCode::io_error);
}
