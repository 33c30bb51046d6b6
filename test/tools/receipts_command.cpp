#include "tools/smpp-connector/receipts_command.hpp"

#include <catch2/catch.hpp>

#include <optional>

#include "store/in_memory_ledger.hpp"
#include "tools/smpp-connector/admin_service.hpp"

// Through AdminService, as the admin socket runs them.
using namespace smpp;
using namespace smpp::admin;

TEST_CASE("receipts command: replay passes since, limit and carrier, and answers when done", "[tools][admin]") {
    std::vector<ReplayRequest> asked;
    AdminSources sources;
    sources.receipts.replay = [&asked](const ReplayRequest& r, std::function<void(const ReplayResult&)> done) {
        asked.push_back(r);
        ReplayResult result;
        result.read = result.replayed = 2;
        result.matched = 1;
        result.duplicate = 1;
        result.first = r.since;
        result.last = r.since + std::chrono::milliseconds(5);
        done(result);
    };
    AdminService service(std::move(sources));
    const auto before = std::chrono::system_clock::now();
    CHECK(service.execute("receipts replay 2026-11-23T10:00:00Z 500 c1") ==
          "ok replayed 2 raw receipts of carrier c1 (of 2 read, received 2026-11-23T10:00:00.000Z .. "
          "2026-11-23T10:00:00.005Z): 1 matched, 1 duplicate, 0 parked, 0 without an id, 0 failed\n");
    REQUIRE(asked.size() == 1);
    CHECK(asked[0].limit == 500);
    CHECK(asked[0].carrier == "c1");
    // A relative time is back from now; the limit defaults; a numeric
    // carrier name after the limit stays a carrier.
    std::optional<std::string> answer;
    service.execute("receipts replay 2h", [&](std::string a) { answer = std::move(a); });
    REQUIRE(answer);
    CHECK(answer->starts_with("ok replayed 2 raw receipts (of 2 read"));
    REQUIRE(asked.size() == 2);
    CHECK(asked[1].limit == replay_limit_default);
    CHECK(asked[1].carrier.empty());
    CHECK(asked[1].since >= std::chrono::time_point_cast<std::chrono::milliseconds>(before) - std::chrono::hours(2) -
                                std::chrono::seconds(1));
    CHECK(asked[1].since <= std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
                                std::chrono::hours(2));
    service.execute("receipts replay 7d 10 1234", [](std::string) {});
    REQUIRE(asked.size() == 3);
    CHECK(asked[2].limit == 10);
    CHECK(asked[2].carrier == "1234");

    const std::string usage =
        "error usage: receipts replay <since> [limit 1-100000] [carrier] | receipts unmatched <carrier> [limit "
        "1-1000] | receipts raw <since> [limit 1-1000] [carrier]; since: 2h, 90m, 7d or 2026-11-23T10:00:00Z\n";
    CHECK(service.execute("receipts") == usage);
    CHECK(service.execute("receipts replay") == usage);
    CHECK(service.execute("receipts forget 2h") == usage);
    CHECK(service.execute("receipts replay 2h 10 c1 c2") == usage);
    CHECK(service.execute("receipts replay yesterday") ==
          "error bad since 'yesterday': 2h, 90m, 7d or 2026-11-23T10:00:00Z (UTC)\n");
    CHECK(service.execute("receipts replay 2h 0") == "error bad limit 0: 1 to 100000 per replay\n");
    CHECK(service.execute("receipts replay 2h 100001") == "error bad limit 100001: 1 to 100000 per replay\n");
    CHECK(asked.size() == 3);  // none of those reached the ledger
    AdminService none({});
    CHECK(none.execute("receipts replay 2h") == "error no receipt path here (no carriers configured)\n");
    std::optional<std::string> none_async;
    none.execute("receipts replay 2h", [&](std::string a) { none_async = std::move(a); });
    CHECK(none_async == "error no receipt path here (no carriers configured)\n");
}

TEST_CASE("receipts command: unmatched and raw list what the ledger keeps", "[tools][admin][receipts]") {
    const store::Timestamp t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(10);
    store::InMemoryLedger ledger;
    auto park = [&](std::string carrier, std::string id, std::chrono::milliseconds after) {
        store::CarrierReceipt c;
        c.carrier = std::move(carrier);
        c.carrier_message_id = id;
        c.keys = {id};
        c.received_at = t0 + after;
        c.raw = "id:" + id + " stat:DELIVRD";
        ledger.apply_receipt(c, [](store::StatusOr<store::ReceiptMatch> m) { REQUIRE(m.ok()); });
    };
    park("c1", "a1", std::chrono::milliseconds(0));
    park("c2", "b1", std::chrono::milliseconds(1));
    park("c1", "a2", std::chrono::milliseconds(2));
    AdminSources sources;
    sources.receipts.unmatched = [&](const std::string& carrier, std::size_t limit) {
        return ledger.unmatched_receipts(carrier, limit);
    };
    sources.receipts.raw = [&](store::Timestamp since, std::size_t limit) { return ledger.raw_receipts(since, limit); };
    AdminService service(std::move(sources));

    CHECK(service.execute("receipts unmatched c1") ==
          "ok 2 unmatched receipts of carrier c1\n"
          "2026-11-23T10:00:00.000Z c1 id=a1 stat=delivered err=0 keys=a1 text=\"id:a1 stat:DELIVRD\"\n"
          "2026-11-23T10:00:00.002Z c1 id=a2 stat=delivered err=0 keys=a2 text=\"id:a2 stat:DELIVRD\"\n");
    CHECK(service.execute("receipts unmatched c1 1").starts_with(
        "ok 1 unmatched receipts of carrier c1 (the first 1; there are more)\n2026-11-23T10:00:00.000Z c1 id=a1 "));
    CHECK(service.execute("receipts unmatched c9") == "ok 0 unmatched receipts of carrier c9\n");
    CHECK(service.execute("receipts raw 2026-11-23T10:00:00.001Z") ==
          "ok 2 raw receipts since 2026-11-23T10:00:00.001Z (2 read)\n"
          "2026-11-23T10:00:00.001Z c2 id=b1 stat=delivered err=0 keys=b1 text=\"id:b1 stat:DELIVRD\"\n"
          "2026-11-23T10:00:00.002Z c1 id=a2 stat=delivered err=0 keys=a2 text=\"id:a2 stat:DELIVRD\"\n");
    CHECK(service.execute("receipts raw 2026-11-23T10:00:00Z 1 c1") ==
          "ok 1 raw receipts of carrier c1 since 2026-11-23T10:00:00.000Z (1 read)\n"
          "2026-11-23T10:00:00.000Z c1 id=a1 stat=delivered err=0 keys=a1 text=\"id:a1 stat:DELIVRD\"\n"
          "more may follow: go on with --since 2026-11-23T10:00:00.000Z (receipts of that millisecond show again)\n");
    CHECK(service.execute("receipts unmatched c1 0") == "error bad limit '0': 1 to 1000 per listing\n");
    CHECK(service.execute("receipts unmatched c1 1001") == "error bad limit '1001': 1 to 1000 per listing\n");
    CHECK(service.execute("receipts raw 2h 1001") == "error bad limit 1001: 1 to 1000 per listing\n");
    CHECK(service.execute("receipts raw soon") ==
          "error bad since 'soon': 2h, 90m, 7d or 2026-11-23T10:00:00Z (UTC)\n");
    CHECK(service.execute("receipts unmatched").starts_with("error usage: receipts replay "));
    CHECK(service.execute("receipts list").starts_with("error usage: receipts replay "));
    AdminService none({});
    CHECK(none.execute("receipts unmatched c1") == "error no receipt path here (no carriers configured)\n");
    CHECK(none.execute("receipts raw 2h") == "error no receipt path here (no carriers configured)\n");
}
