#include "tools/smpp-connector/kept_receipts.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;

namespace {

const store::Timestamp t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 10h;

store::CarrierReceipt kept_copy(std::string carrier, std::string id, store::Timestamp at) {
    store::CarrierReceipt c;
    c.carrier = std::move(carrier);
    c.carrier_message_id = id;
    c.keys = {id};
    c.received_at = at;
    c.raw = "id:" + id + " stat:DELIVRD";
    return c;
}

// Ledger::raw_receipts over a list sorted by received_at (stable within one
// millisecond), counting the reads.
struct FakeRaw {
    std::vector<store::CarrierReceipt> all;
    std::size_t reads = 0;
    RawReader reader() {
        return [this](store::Timestamp from, std::size_t limit) -> store::StatusOr<std::vector<store::CarrierReceipt>> {
            ++reads;
            std::vector<store::CarrierReceipt> out;
            for (const auto& c : all)
                if (c.received_at >= from && out.size() < limit) out.push_back(c);
            return out;
        };
    }
};

}  // namespace

TEST_CASE("kept receipts: one line each, peer text kept on it", "[tools][admin][receipts]") {
    auto c = kept_copy("c1", "MSG-7A3F", t0 + 1s);
    c.keys = {"msg-7a3f", "7a3f"};
    c.error_code = 0x45;
    c.status = store::MessageStatus::undeliverable;
    c.raw = "id:MSG-7A3F stat:UNDELIV\r\nerr:069";
    CHECK(kept_receipt_line(c) == "2026-11-23T10:00:01.000Z c1 id=MSG-7A3F stat=undeliverable err=69 "
                                  "keys=msg-7a3f,7a3f text=\"id:MSG-7A3F stat:UNDELIV  err:069\"\n");
    // A receipt without an id, parked under its text.
    store::CarrierReceipt junk;
    junk.carrier = "c2";
    junk.status = store::MessageStatus::sent;
    junk.received_at = t0;
    junk.keys = {"\x01unparsed\x01garbage"};
    junk.raw = "garbage";
    CHECK(kept_receipts_text({junk, c}).starts_with(
        "2026-11-23T10:00:00.000Z c2 id=- stat=sent err=0 keys=(no id) text=\"garbage\"\n2026-11-23T10:00:01.000Z c1 "));
}

TEST_CASE("kept receipts: a carrier's raw copies across pages, each once", "[tools][admin][receipts]") {
    FakeRaw raw;
    // 2,500 copies, 7 per millisecond, every third one of carrier c2.
    std::size_t c2 = 0;
    for (int i = 0; i < 2500; ++i) {
        const bool mine = i % 3 == 0;
        c2 += mine;
        raw.all.push_back(kept_copy(mine ? "c2" : "c1", "r" + std::to_string(i), t0 + std::chrono::milliseconds(i / 7)));
    }
    auto all = list_raw_receipts(raw.reader(), t0, "c2", 1000);
    REQUIRE(all.ok());
    CHECK(all->receipts.size() == 834);
    CHECK(all->receipts.size() == c2);
    CHECK_FALSE(all->more);
    CHECK(all->scanned == 2500);
    std::map<std::string, int> seen;
    for (const auto& c : all->receipts) {
        CHECK(c.carrier == "c2");
        ++seen[c.carrier_message_id];
    }
    CHECK(seen.size() == 834);  // none twice

    auto some = list_raw_receipts(raw.reader(), t0, "c2", 10);
    REQUIRE(some.ok());
    CHECK(some->receipts.size() == 10);
    CHECK(some->receipts.back().carrier_message_id == "r27");
    CHECK(some->more);

    // No carrier: the first `limit`, and whether there are more.
    auto first = list_raw_receipts(raw.reader(), t0 + 357ms, "", 5);
    REQUIRE(first.ok());
    REQUIRE(first->receipts.size() == 1);  // the last millisecond (357) holds r2499 alone
    CHECK(first->receipts[0].carrier_message_id == "r2499");
    CHECK_FALSE(first->more);
    auto five = list_raw_receipts(raw.reader(), t0, "", 5);
    CHECK(five->receipts.size() == 5);
    CHECK(five->more);

    auto none = list_raw_receipts(raw.reader(), t0, "c9", 10);
    REQUIRE(none.ok());
    CHECK(none->receipts.empty());
    CHECK_FALSE(none->more);
    CHECK(none->scanned == 2500);
}

TEST_CASE("kept receipts: a carrier filter reads at most kept_receipts_scan_max copies", "[tools][admin][receipts]") {
    FakeRaw raw;
    for (std::size_t i = 0; i < kept_receipts_scan_max + 500; ++i)
        raw.all.push_back(kept_copy("c1", "r" + std::to_string(i), t0 + std::chrono::milliseconds(i / 10)));
    auto none = list_raw_receipts(raw.reader(), t0, "c2", 10);
    REQUIRE(none.ok());
    CHECK(none->receipts.empty());
    CHECK(none->scanned == kept_receipts_scan_max);
    CHECK(none->more);
    CHECK(none->last_scanned == t0 + std::chrono::milliseconds((kept_receipts_scan_max - 1) / 10));
}
