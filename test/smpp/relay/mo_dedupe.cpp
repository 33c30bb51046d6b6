#include "smpp/relay/mo_dedupe.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>

#include "smpp/relay/receipt_matcher.hpp"
#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"
#include "forward_rig.hpp"

using namespace smpp;
using namespace std::chrono_literals;
using protocol::command_status;
using relay::MoDedupe;

namespace {

protocol::Pdu mo(std::string text, std::string from = "447700900001") {
    protocol::DeliverSm d;
    d.source = {1, 1, std::move(from)};
    d.dest = {0, 0, "12345"};
    d.short_message = std::move(text);
    protocol::Pdu p;
    p.sequence_number = 7;
    p.body = std::move(d);
    return p;
}

}  // namespace

TEST_CASE("mo dedupe: copies within the window are absorbed, the same text later is new", "[relay][mo]") {
    MoDedupe d(10min);
    const auto t = MoDedupe::clock::time_point{} + 1h;
    const auto k = relay::mo_dedupe_key("carrier01", mo("STOP"));
    CHECK(d.see(k, t) == MoDedupe::sighting::fresh);
    CHECK(d.see(k, t + 1s) == MoDedupe::sighting::in_flight);  // not durable yet
    d.stored(k);
    CHECK(d.see(k, t + 9min) == MoDedupe::sighting::duplicate);
    CHECK(d.see(k, t + 10min) == MoDedupe::sighting::fresh);  // a second STOP, really sent
    CHECK(d.size() == 1);
    d.forget(k);  // its park failed: the carrier's next offer is fresh
    CHECK(d.size() == 0);
    CHECK(d.see(k, t + 11min) == MoDedupe::sighting::fresh);
}

TEST_CASE("mo dedupe: the key tells carriers, senders, texts, parts and the carrier's id apart", "[relay][mo]") {
    const auto base = relay::mo_dedupe_key("carrier01", mo("hello"));
    CHECK(base == relay::mo_dedupe_key("carrier01", mo("hello")));
    CHECK(base != relay::mo_dedupe_key("carrier02", mo("hello")));
    CHECK(base != relay::mo_dedupe_key("carrier01", mo("hello", "447700900002")));
    CHECK(base != relay::mo_dedupe_key("carrier01", mo("hello!")));
    auto part = [](std::uint8_t n) {
        auto p = mo("hello");
        p.as<protocol::DeliverSm>()->tlvs.set_u16(protocol::tlv_tag::sar_msg_ref_num, 9);
        p.as<protocol::DeliverSm>()->tlvs.set_u8(protocol::tlv_tag::sar_total_segments, 2);
        p.as<protocol::DeliverSm>()->tlvs.set_u8(protocol::tlv_tag::sar_segment_seqnum, n);
        return relay::mo_dedupe_key("carrier01", p);
    };
    CHECK(part(1) != part(2));
    CHECK(part(1) != base);
    auto with_id = [](std::string id) {
        auto p = mo("hello");
        p.as<protocol::DeliverSm>()->tlvs.set_cstring(protocol::tlv_tag::receipted_message_id, id);
        return relay::mo_dedupe_key("carrier01", p);
    };
    CHECK(with_id("A1") == with_id("A1"));
    CHECK(with_id("A1") != with_id("A2"));  // the carrier says: two MOs
    relay::MoDedupe off(0ms);
    CHECK(off.see(base) == MoDedupe::sighting::fresh);
    CHECK(off.see(base) == MoDedupe::sighting::fresh);
}

namespace {

struct Matcher {
    store::InMemoryLedger own;
    store::Ledger& ledger;
    store::MessageIdGenerator ids{9};
    std::shared_ptr<relay::ReceiptMatcher> matcher;
    std::mutex mutex;
    std::vector<std::string> owed;

    // `seed`: a restart's dedupe, seeded from the MOs parked in `external`
    // and from its sightings, `later` after now (the restart took that long).
    MoDedupe::clock::time_point now = MoDedupe::clock::time_point{} + 1h;  // the dedupe's clock
    std::size_t seen_seeded = 0;

    explicit Matcher(std::chrono::milliseconds window, store::Ledger* external = nullptr, bool seed = false,
                     std::chrono::milliseconds later = 0ms)
        : ledger(external ? *external : own) {
        relay::MoPath path;
        REQUIRE(path.directory.add("12345", "acme"));
        path.next_id = [this] { return ids.next(); };
        path.dedupe = std::make_shared<MoDedupe>(window, 1000, [this] { return now; });
        if (seed) {
            const auto wall =
                std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + later;
            auto seen = relay::seed_seen_mos(*path.dedupe, ledger, wall);
            REQUIRE(seen.ok());
            seen_seeded = *seen;
            auto n = relay::seed_parked_mos(*path.dedupe, ledger, {"acme"}, wall);
            REQUIRE(n.ok());
            if (later == 0ms) CHECK(*n == ledger.pending_mo("acme", 100)->size());
        }
        matcher = relay::ReceiptMatcher::create(
            ledger, {},
            [this](const std::string& a) {
                std::lock_guard lock(mutex);
                owed.push_back(a);
            },
            std::move(path));
    }
    // The answer, from whichever thread the ledger completes on.
    command_status deliver(protocol::Pdu pdu) {
        auto got = std::make_shared<std::promise<command_status>>();
        auto answer = got->get_future();
        matcher->on_deliver("carrier01", std::move(pdu), [got](command_status s) { got->set_value(s); });
        REQUIRE(answer.wait_for(30s) == std::future_status::ready);
        return answer.get();
    }
    std::size_t parked() { return ledger.pending_mo("acme", 100)->size(); }
};

}  // namespace

TEST_CASE("mo dedupe: a carrier re-sending an MO gets ESME_ROK and the upstream gets it once", "[relay][mo]") {
    Matcher m(10min);
    CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);
    CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);  // our deliver_sm_resp was lost
    CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);  // the carrier's own retry
    CHECK(m.parked() == 1);
    CHECK(m.owed == std::vector<std::string>{"acme"});
    CHECK(m.matcher->counters().mo_parked == 1);
    CHECK(m.matcher->counters().mo_duplicates == 2);
    // Another sender, the same text: its own MO.
    CHECK(m.deliver(mo("hello", "447700900002")) == command_status::ESME_ROK);
    CHECK(m.parked() == 2);
}

TEST_CASE("mo dedupe: the same STOP from the same sender after the window is a second MO", "[relay][mo]") {
    Matcher m(10min);
    CHECK(m.deliver(mo("STOP")) == command_status::ESME_ROK);
    m.now += 9min;
    CHECK(m.deliver(mo("STOP")) == command_status::ESME_ROK);  // a copy
    CHECK(m.parked() == 1);
    m.now += 1min;  // 10 minutes after the first: the window is over
    CHECK(m.deliver(mo("STOP")) == command_status::ESME_ROK);
    CHECK(m.parked() == 2);
    CHECK(m.matcher->counters().mo_duplicates == 1);
    CHECK(m.matcher->counters().mo_parked == 2);
    // The sender is on the opt-out list either way.
    CHECK(*m.ledger.is_opted_out("acme", "447700900001"));
}

TEST_CASE("mo dedupe: a copy offered again after a restart is absorbed while the MO is still parked",
          "[relay][mo]") {
    relay::test::TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    auto part = [] {
        auto p = mo("long text, part 2");
        p.as<protocol::DeliverSm>()->tlvs.set_u16(protocol::tlv_tag::sar_msg_ref_num, 77);
        p.as<protocol::DeliverSm>()->tlvs.set_u8(protocol::tlv_tag::sar_total_segments, 2);
        p.as<protocol::DeliverSm>()->tlvs.set_u8(protocol::tlv_tag::sar_segment_seqnum, 2);
        p.as<protocol::DeliverSm>()->tlvs.set_cstring(protocol::tlv_tag::receipted_message_id, "MO-991");
        return p;
    };
    {
        auto ledger = store::RocksDbLedger::open(settings);
        REQUIRE(ledger.ok());
        Matcher m(10min, ledger->get());
        CHECK(m.deliver(part()) == command_status::ESME_ROK);  // the carrier never sees this answer: we die
        CHECK(m.parked() == 1);
    }
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    auto parked = (*ledger)->pending_mo("acme", 10);
    REQUIRE(parked->size() == 1);
    // The key's fields survive in the ledger.
    REQUIRE(parked->front().sar);
    CHECK(*parked->front().sar == store::Concatenation{77, 2, 2});
    CHECK(parked->front().carrier_message_id == "MO-991");
    CHECK(parked->front().carrier == "carrier01");

    Matcher m(10min, ledger->get(), true);
    CHECK(m.deliver(part()) == command_status::ESME_ROK);  // the carrier's copy after our restart
    CHECK(m.parked() == 1);
    CHECK(m.matcher->counters().mo_duplicates == 1);
    CHECK(m.deliver(mo("long text, part 2")) == command_status::ESME_ROK);  // no sar, no id: another MO
    CHECK(m.parked() == 2);
}

namespace {

store::Status remove_all_parked(store::Ledger& ledger) {
    auto parked = ledger.pending_mo("acme", 100);
    if (!parked.ok()) return parked.status();
    for (const auto& m : *parked) {
        std::promise<store::Status> done;
        ledger.remove_mo("acme", m.id, [&done](store::Status s) { done.set_value(std::move(s)); });
        if (auto s = done.get_future().get(); !s.ok()) return s;
    }
    return {};
}

}  // namespace

TEST_CASE("mo dedupe: a copy offered after a restart is absorbed though the upstream already acknowledged the MO",
          "[relay][mo]") {
    relay::test::TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    {
        auto ledger = store::RocksDbLedger::open(settings);
        REQUIRE(ledger.ok());
        Matcher m(10min, ledger->get());
        CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);
        CHECK(m.matcher->counters().mo_parked == 1);
        // Forwarded: the upstream's deliver_sm_resp ESME_ROK removes it.
        REQUIRE(remove_all_parked(**ledger).ok());
        CHECK(m.parked() == 0);
    }
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Matcher m(10min, ledger->get(), true);
    CHECK(m.seen_seeded == 1);
    CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);  // the carrier's copy after our restart
    CHECK(m.deliver(mo("hello")) == command_status::ESME_ROK);
    // Nothing parked again, nothing owed: the upstream got one deliver_sm in all.
    CHECK(m.parked() == 0);
    CHECK(m.owed.empty());
    CHECK(m.matcher->counters().mo_parked == 0);
    CHECK(m.matcher->counters().mo_duplicates == 2);
    // Another text from the same sender is its own MO.
    CHECK(m.deliver(mo("hello again")) == command_status::ESME_ROK);
    CHECK(m.parked() == 1);
}

TEST_CASE("mo dedupe: after a restart past the window the same MO is delivered again", "[relay][mo]") {
    relay::test::TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    {
        auto ledger = store::RocksDbLedger::open(settings);
        REQUIRE(ledger.ok());
        Matcher m(10min, ledger->get());
        CHECK(m.deliver(mo("STOP")) == command_status::ESME_ROK);
        REQUIRE(remove_all_parked(**ledger).ok());
    }
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Matcher m(10min, ledger->get(), true, 10min);  // back 10 minutes later
    CHECK(m.seen_seeded == 0);
    CHECK(m.deliver(mo("STOP")) == command_status::ESME_ROK);  // a second STOP, really sent
    CHECK(m.parked() == 1);
    CHECK(m.owed == std::vector<std::string>{"acme"});
    CHECK(m.matcher->counters().mo_parked == 1);
    CHECK(m.matcher->counters().mo_duplicates == 0);
}

TEST_CASE("mo dedupe: seeding takes the sightings strictly within the window", "[relay][mo]") {
    store::InMemoryLedger ledger;
    const store::Timestamp t{std::chrono::milliseconds{1'700'000'000'000}};
    store::MobileOriginated m{.id = store::MessageId::make(t, 1, 0),
                              .account = "acme",
                              .carrier = "carrier01",
                              .source = {1, 1, "447700900001"},
                              .destination = {0, 0, "12345"},
                              .payload = "hello",
                              .received_at = t};
    std::promise<store::Status> parked;
    ledger.park_mo(m, [&parked](store::Status s) { parked.set_value(std::move(s)); });
    REQUIRE(parked.get_future().get().ok());

    const auto steady = MoDedupe::clock::time_point{} + 1h;
    MoDedupe inside(10min, 1000, [steady] { return steady; });
    CHECK(*relay::seed_seen_mos(inside, ledger, t + 10min - 1ms) == 1);
    // Seeded as stored 10 min - 1 ms ago: a duplicate now, gone 1 ms later.
    CHECK(inside.see(relay::mo_dedupe_key(m), steady) == MoDedupe::sighting::duplicate);
    CHECK(inside.see(relay::mo_dedupe_key(m), steady + 1ms) == MoDedupe::sighting::fresh);

    MoDedupe outside(10min, 1000, [steady] { return steady; });
    CHECK(*relay::seed_seen_mos(outside, ledger, t + 10min) == 0);
    CHECK(outside.size() == 0);
    MoDedupe off(0ms);
    CHECK(*relay::seed_seen_mos(off, ledger, t) == 0);
}
