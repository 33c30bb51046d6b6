#include "smpp/relay/forward_path.hpp"

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "forward_rig.hpp"
#include "smpp/relay/carrier_health.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"

// End to end in one process, every socket on 127.0.0.1: an ESME (our
// Client) binds to our Listener whose handler is the upstream handler; its
// submit_sm go through the forward path into a ledger, then through a
// Carrier to a test SMSC. One io_context, pumped by the test thread.

namespace {

namespace fs = std::filesystem;
using namespace smpp;
using namespace std::chrono_literals;
using namespace smpp::relay::test;
using carrier::test::Loop;
using carrier::test::TestSmsc;
using protocol::command_status;

// A ledger that refuses every write as busy (its queue is full).
class BusyLedger final : public store::Ledger {
public:
    void accept(store::MessageRecord, store::Completion done) override { done(busy()); }
    void accept_all(std::vector<store::MessageRecord>, store::Completion done) override { done(busy()); }
    void update(store::MessageId, store::StateChange, store::Completion done) override { done(busy()); }
    void update_all(std::vector<std::pair<store::MessageId, store::StateChange>>, store::Completion done) override {
        done(busy());
    }
    void sent(store::MessageId, std::string, std::string, std::string, std::string, store::Timestamp,
              store::Completion done) override {
        done(busy());
    }
    void set_receipt_listener(store::ReceiptListener) override {}
    void apply_receipt(store::CarrierReceipt, store::ReceiptCompletion done) override { done(busy()); }
    void expire_unmatched(store::Timestamp, store::Timestamp, store::Completion done) override { done(busy()); }
    void expire_part_groups(store::PartGroupCutoff, store::Timestamp, std::size_t,
                            store::ExpiredPartGroupsCompletion done) override {
        done(busy());
    }
    void time_out(store::MessageId, store::MessageStatus, store::Timestamp, store::ReceiptCompletion done) override {
        done(busy());
    }
    store::StatusOr<std::vector<std::string>> owed_accounts() const override { return std::vector<std::string>{}; }
    store::StatusOr<std::vector<store::MessageRecord>> awaiting_receipt(store::Timestamp, std::size_t,
                                                                        store::MessageId) const override {
        return std::vector<store::MessageRecord>{};
    }
    void schedule_retry(store::MessageId, store::Timestamp, store::Completion done) override { done(busy()); }
    void park_receipt(store::PendingReceipt, store::Completion done) override { done(busy()); }
    void remove_receipt(std::string, store::MessageId, store::Completion done) override { done(busy()); }
    void remove_forwarded_receipts(std::string, std::vector<store::ReceiptStamp>, store::Completion done) override {
        done(busy());
    }
    void park_mo(store::MobileOriginated, store::Completion done) override { done(busy()); }
    void remove_mo(std::string, store::MessageId, store::Completion done) override { done(busy()); }
    store::StatusOr<std::vector<store::MobileOriginated>> pending_mo(std::string_view, std::size_t,
                                                                     const IdFilter&) const override {
        return std::vector<store::MobileOriginated>{};
    }
    void add_opt_out(std::string, std::string, store::Completion done) override { done(busy()); }
    void remove_opt_out(std::string, std::string, store::Completion done) override { done(busy()); }
    void drop_final_older_than(store::Timestamp, store::Completion done) override { done(busy()); }
    store::StatusOr<store::MessageRecord> find(store::MessageId) const override { return missing(); }
    store::StatusOr<store::MessageId> find_by_carrier_id(std::string_view, std::string_view) const override {
        return missing();
    }
    store::StatusOr<std::vector<store::MessageId>> due_retries(store::Timestamp, std::size_t) const override {
        return std::vector<store::MessageId>{};
    }
    store::StatusOr<std::vector<store::PendingReceipt>> pending_receipts(std::string_view, std::size_t,
                                                                         const IdFilter&) const override {
        return std::vector<store::PendingReceipt>{};
    }
    store::StatusOr<std::vector<store::CarrierReceipt>> unmatched_receipts(std::string_view,
                                                                           std::size_t) const override {
        return std::vector<store::CarrierReceipt>{};
    }
    store::StatusOr<std::vector<store::CarrierReceipt>> raw_receipts(store::Timestamp, std::size_t) const override {
        return std::vector<store::CarrierReceipt>{};
    }
    store::StatusOr<bool> is_opted_out(std::string_view, std::string_view) const override { return false; }
    store::StatusOr<store::Recovery> recover(store::Timestamp, store::Timestamp) override { return store::Recovery{}; }

private:
    static store::Status busy() { return {store::StatusCode::busy, "write queue full"}; }
    static store::Status missing() { return {store::StatusCode::not_found, "nothing stored"}; }
};

void thousand_reach_the_carrier(store::Ledger& ledger) {
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1000, to("447700900123")));

    std::set<std::string> ids;
    for (const auto& a : rig.answers) {
        REQUIRE(a.status == command_status::ESME_ROK);
        ids.insert(a.message_id);
    }
    CHECK(ids.size() == 1000);

    // Every record reaches sent with the carrier's id, and the carrier-ID
    // index leads back to it.
    auto all_sent = [&] {
        for (const auto& a : rig.answers) {
            auto r = ledger.find(*store::MessageId::parse(a.message_id));
            if (!r.ok() || r->status != store::MessageStatus::sent) return false;
        }
        return true;
    };
    REQUIRE(loop.run_until(all_sent, 10s));
    for (std::size_t i = 0; i < rig.answers.size(); ++i) {
        const auto id = *store::MessageId::parse(rig.answers[i].message_id);
        auto r = ledger.find(id);
        REQUIRE(r.ok());
        CHECK(r->account == "acme");
        // The upstream bind it came in on: the rig's one transceiver.
        CHECK(r->upstream_bind.starts_with("transceiver@127.0.0.1:"));
        CHECK(r->upstream_bind.size() > std::string_view("transceiver@127.0.0.1:").size());
        CHECK(r->payload == "m" + std::to_string(i));
        CHECK(r->destination.address == "447700900123");
        CHECK(r->segment_count == 1);
        CHECK(r->route.carrier == "carrier01");
        REQUIRE(r->attempts.size() == 1);
        CHECK(r->attempts[0].carrier == "carrier01");
        CHECK(r->attempts[0].carrier_message_id == "id-m" + std::to_string(i));
        // carrier01 has two binds; the attempt names the one that answered.
        const auto port = std::to_string(rig.smsc.port());
        CHECK((r->attempts[0].bind == "#0@127.0.0.1:" + port || r->attempts[0].bind == "#1@127.0.0.1:" + port));
        CHECK(r->attempts[0].status == store::MessageStatus::sent);  // the durable `sending` attempt, completed
        auto back = ledger.find_by_carrier_id("carrier01", "id-m" + std::to_string(i));
        REQUIRE(back.ok());
        CHECK(*back == id);
    }
    CHECK(rig.smsc.submits.size() == 1000);
    CHECK(rig.smsc.accepted.size() == 1000);
    const auto n = rig.forward->counters();
    CHECK(n.accepted == 1000);
    CHECK(n.sent == 1000);
    CHECK(n.refused == 0);
    CHECK(n.ledger_errors == 0);
}

}  // namespace

TEST_CASE("forward path: 1000 submit_sm through the in-memory ledger reach the carrier", "[relay][forward]") {
    store::InMemoryLedger ledger;
    thousand_reach_the_carrier(ledger);
}

TEST_CASE("forward path: 1000 submit_sm through the RocksDB ledger reach the carrier", "[relay][forward]") {
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    settings.sync = false;
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    thousand_reach_the_carrier(**ledger);
}

TEST_CASE("forward path: bad destinations and lengths get their exact status, nothing is stored or sent",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());

    REQUIRE(rig.submit(1, to("4915112345678"), true));  // no route covers 49
    REQUIRE(rig.submit(1, to(""), true));               // no destination
    REQUIRE(rig.submit(1, to("ACME"), true));           // not digits
    auto both = to("447700900123");
    both.tlvs.set_bytes(protocol::tlv_tag::message_payload, "also here");
    REQUIRE(rig.submit(1, both, true));                 // short_message and message_payload
    CHECK(rig.answers[0].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[1].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[2].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[3].status == command_status::ESME_RINVMSGLEN);
    for (const auto& a : rig.answers) CHECK(a.message_id.empty());

    // A leading '+' is fine, and message_payload alone too.
    auto payload_only = to("+447700900123");
    payload_only.short_message.clear();
    payload_only.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::string(200, 'x'));
    REQUIRE(rig.submit(1, payload_only, true));
    CHECK(rig.answers[4].status == command_status::ESME_ROK);
    auto r = ledger.find(*store::MessageId::parse(rig.answers[4].message_id));
    REQUIRE(r.ok());
    CHECK(r->payload == std::string(200, 'x'));
    CHECK(r->segment_count == 2);  // 200 GSM septets: 153 + 47

    const auto n = rig.forward->counters();
    CHECK(n.refused == 4);
    CHECK(n.accepted == 1);
}

TEST_CASE("forward path: a busy ledger gets ESME_RMSGQFUL and never ESME_ROK", "[relay][forward]") {
    BusyLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(20, to("447700900123")));
    for (const auto& a : rig.answers) {
        CHECK(a.status == command_status::ESME_RMSGQFUL);
        CHECK(a.message_id.empty());
    }
    loop.run_for(50ms);
    CHECK(rig.smsc.submits.empty());
    CHECK(rig.forward->counters().accepted == 0);
    // Each was born with a credit for its carrier, given back when the
    // ledger refused it: none is held by a message that does not exist.
    CHECK(rig.forward->credits("carrier01").in_use == 0);

    // The same for a submit_multi's destinations.
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "to many";
    for (const char* d : {"447700900001", "447700900002", "447700900003"}) {
        protocol::MultiDest dest;
        dest.address = {1, 1, d};
        m.dests.push_back(dest);
    }
    auto resp = rig.call(m);
    REQUIRE(resp);
    CHECK(resp->status == command_status::ESME_RMSGQFUL);
    loop.run_for(50ms);
    CHECK(rig.forward->credits("carrier01").in_use == 0);
}

TEST_CASE("forward path: a disabled carrier is passed over; the next on the route takes the message",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier00")->disable();
    loop.run_until([&] { return rig.carriers.at("carrier00")->snapshot().state == carrier::carrier_state::disabled; });
    CHECK_FALSE(rig.carriers.at("carrier00")->accepting());
    CHECK(rig.carriers.at("carrier01")->accepting());
    REQUIRE(rig.submit(10, to("447700900123")));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    auto all_sent = [&] {
        for (const auto& a : rig.answers) {
            auto r = ledger.find(*store::MessageId::parse(a.message_id));
            if (!r.ok() || r->status != store::MessageStatus::sent) return false;
        }
        return true;
    };
    REQUIRE(loop.run_until(all_sent, 5s));
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        CHECK(r->route.carrier == "carrier00");  // the route's first choice...
        // ...takes no submits: no `sending` to it, the next took it, and the
        // record says why.
        CHECK_THAT(r->route.reason, Catch::EndsWith("; passed over carrier00 (disabled)"));
        REQUIRE(r->attempts.size() == 1);
        CHECK(r->attempts[0].carrier == "carrier01");
        CHECK(r->attempts[0].status == store::MessageStatus::sent);
    }
    CHECK(rig.smsc.accepted.size() == 10);
    // Enabled again: it is the first choice again.
    rig.carriers.at("carrier00")->enable();
    REQUIRE(loop.run_until([&] { return carrier::test::all_bound(*rig.carriers.at("carrier00")); }, 3s));
    CHECK(rig.carriers.at("carrier00")->accepting());
    REQUIRE(rig.submit(1, to("447700900123")));
    const auto last = rig.answers.back();
    REQUIRE(loop.run_until(
        [&] {
            auto r = ledger.find(*store::MessageId::parse(last.message_id));
            return r.ok() && r->status == store::MessageStatus::sent;
        },
        3s));
    auto r = ledger.find(*store::MessageId::parse(last.message_id));
    REQUIRE(r->attempts.size() == 1);
    CHECK(r->attempts[0].carrier == "carrier00");
}

TEST_CASE("forward path: a number on the account's opt-out list gets ESME_RX_P_APPN and is not stored",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    ledger.add_opt_out("acme", "447700900123", [](store::Status s) { REQUIRE(s.ok()); });
    ledger.add_opt_out("someone-else", "447700900999", [](store::Status s) { REQUIRE(s.ok()); });
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("+447700900123"), true));  // normalised before the look-up
    REQUIRE(rig.submit(1, to("447700900999"), true));   // another account's list
    CHECK(rig.answers[0].status == command_status::ESME_RX_P_APPN);
    CHECK(rig.answers[0].message_id.empty());
    CHECK(rig.answers[1].status == command_status::ESME_ROK);
    loop.run_for(50ms);
    CHECK(rig.smsc.submits.size() == 1);
    CHECK(rig.forward->counters().refused == 1);
}

TEST_CASE("forward path: an account's backlog is bounded; ESME_RMSGQFUL over it, room again once carriers answer",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.max_backlog = 5;
    fs.accounts.accounts.push_back(acme);
    Rig rig(loop, ledger, false, fs);
    rig.smsc.answer = false;  // every submit waits for its response timeout (then in doubt)
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(8, to("447700900123"), false, 8));
    std::size_t ok = 0, full = 0;
    for (const auto& a : rig.answers) {
        if (a.status == command_status::ESME_ROK) ++ok;
        if (a.status == command_status::ESME_RMSGQFUL) ++full;
    }
    CHECK(ok == 5);
    CHECK(full == 3);
    CHECK(rig.forward->backlog("acme") == 5);
    // The carrier never answers: after the response timeout they are in doubt
    // (no longer waiting for a carrier), and the account has room again.
    REQUIRE(loop.run_until([&] { return rig.forward->backlog("acme") == 0; }, 5s));
    CHECK(rig.forward->counters().in_doubt == 5);
    rig.smsc.answer = true;
    REQUIRE(rig.submit(1, to("447700900123"), false));
    CHECK(rig.answers.back().status == command_status::ESME_ROK);
}

namespace {

// The record behind `answer` once it is sent (fails the test if it never is).
store::MessageRecord sent_record(Loop& loop, store::Ledger& ledger, const Answer& answer) {
    REQUIRE(answer.status == command_status::ESME_ROK);
    const auto id = *store::MessageId::parse(answer.message_id);
    REQUIRE(loop.run_until(
        [&] {
            auto r = ledger.find(id);
            return r.ok() && r->status == store::MessageStatus::sent;
        },
        10s));  // only bounds a hang
    return *ledger.find(id);
}

}  // namespace

TEST_CASE("forward path: a sent record costs its carrier's price per part times its segments", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, priced_route(2'500, 9'000));
    REQUIRE(rig.ready());

    REQUIRE(rig.submit(1, to("447700900123"), true));  // "hello": one part
    auto sm = to("447700900124");
    sm.short_message = std::string(200, 'a');  // GSM 7-bit: 2 x 153
    REQUIRE(rig.submit(1, sm, true));
    auto payload = to("447700900125");
    payload.short_message.clear();
    payload.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::string(320, 'b'));  // 3 x 153
    REQUIRE(rig.submit(1, payload, true));
    auto ucs2 = to("447700900126");
    ucs2.data_coding = 0x08;
    ucs2.short_message = std::string(2 * 71, '\x01');  // 71 UCS-2 characters: 2 x 67
    REQUIRE(rig.submit(1, ucs2, true));

    const auto one = sent_record(loop, ledger, rig.answers[0]);
    CHECK(one.segment_count == 1);
    CHECK(one.attempts.back().carrier == "carrier00");
    CHECK(one.cost_micros == 2'500);
    const auto two = sent_record(loop, ledger, rig.answers[1]);
    CHECK(two.segment_count == 2);
    CHECK(two.cost_micros == 5'000);
    const auto three = sent_record(loop, ledger, rig.answers[2]);
    CHECK(three.segment_count == 3);
    CHECK(three.cost_micros == 7'500);
    const auto wide = sent_record(loop, ledger, rig.answers[3]);
    CHECK(wide.segment_count == 2);
    CHECK(wide.cost_micros == 5'000);
}

TEST_CASE("forward path: after a failover the record costs the carrier that took it", "[relay][forward]") {
    struct Case {
        std::uint64_t first, second;
        std::int64_t expected;  // two parts at the second carrier's price
    };
    // The first carrier answers ESME_RTHROTTLED (and gives up on it at once);
    // the next is dearer in one case, cheaper in the other.
    for (const auto c : {Case{1'000, 3'000, 6'000}, Case{4'000, 1'500, 3'000}}) {
        store::InMemoryLedger ledger;
        Loop loop;
        Rig rig(loop, ledger, true, {}, priced_route(c.first, c.second), [](carrier::CarrierSettings& s) {
            if (s.id == "carrier00") s.throttle.max_retries = 0;
        });
        REQUIRE(rig.ready());
        rig.smsc.throttle_first = 1;
        auto sm = to("447700900123");
        sm.short_message = std::string(160 + 1, 'x');  // one septet over a single SMS: 2 parts
        REQUIRE(rig.submit(1, sm, true));
        const auto r = sent_record(loop, ledger, rig.answers[0]);
        REQUIRE(r.attempts.size() == 2);
        CHECK(r.attempts[0].carrier == "carrier00");
        CHECK(r.attempts[1].carrier == "carrier01");
        CHECK(r.segment_count == 2);
        CHECK(r.cost_micros == c.expected);
    }
}

TEST_CASE("forward path: a message no carrier took costs nothing, a scheduled one is priced when it goes",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, priced_route(2'000, 3'000));
    REQUIRE(rig.ready());
    auto later = to("447700900123");
    later.schedule_delivery_time = "000000010000000R";  // in an hour: held, no carrier yet
    REQUIRE(rig.submit(1, later, true));
    REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
    const auto held = *store::MessageId::parse(rig.answers[0].message_id);
    CHECK(ledger.find(held)->status == store::MessageStatus::accepted);
    CHECK(ledger.find(held)->cost_micros == 0);

    protocol::CancelSm cancel;
    cancel.message_id = rig.answers[0].message_id;
    cancel.source = later.source;
    auto resp = rig.call(cancel);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    CHECK(ledger.find(held)->status == store::MessageStatus::cancelled);
    CHECK(ledger.find(held)->cost_micros == 0);

    // Another held one, its schedule moved to now by replace_sm: it goes
    // through dispatch()'s own `sending`, which carries the price.
    later.dest.addr = "447700900124";
    REQUIRE(rig.submit(1, later, true));
    protocol::ReplaceSm replace;
    replace.message_id = rig.answers[1].message_id;
    replace.source = later.source;
    replace.short_message = std::string(200, 'r');  // now two parts
    replace.schedule_delivery_time = "000000000000000R";
    resp = rig.call(replace);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto r = sent_record(loop, ledger, rig.answers[1]);
    CHECK(r.segment_count == 2);
    CHECK(r.attempts.back().carrier == "carrier00");
    CHECK(r.cost_micros == 4'000);
}

namespace {

struct StatusCounts {
    std::size_t accepted = 0, sending = 0, sent = 0, other = 0;
};

StatusCounts statuses(const store::Ledger& ledger, const std::vector<Answer>& answers) {
    StatusCounts c;
    for (const auto& a : answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        REQUIRE(r.ok());
        switch (r->status) {
            case store::MessageStatus::accepted: ++c.accepted; break;
            case store::MessageStatus::sending: ++c.sending; break;
            case store::MessageStatus::sent: ++c.sent; break;
            default: ++c.other; break;
        }
    }
    return c;
}

}  // namespace

TEST_CASE("forward path: a throttled carrier's backlog waits with us as accepted; only max_sending are `sending`",
          "[relay][forward][credits]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, {}, nullptr, [](carrier::CarrierSettings& s) {
        s.max_tps = 100;
        s.max_sending = 10;
    });
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(150, to("447700900123")));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);

    // 150 at 100/s: over a second of backlog. A crash now would leave at
    // most the 10 `sending` in doubt; the rest are accepted and resume.
    const auto early = statuses(ledger, rig.answers);
    CHECK(early.sending <= 10);
    CHECK(early.accepted >= 100);
    CHECK(early.other == 0);
    const auto credits = rig.forward->credits("carrier01");
    CHECK(credits.credits == 10);
    CHECK(credits.in_use == 10);
    CHECK(credits.waiting[static_cast<std::size_t>(carrier::message_class::transactional)] == early.accepted);
    CHECK(rig.carriers.at("carrier01")->snapshot().queued <= 10);

    std::size_t most_sending = 0;
    REQUIRE(loop.run_until(
        [&] {
            const auto c = statuses(ledger, rig.answers);
            most_sending = std::max(most_sending, c.sending);
            return c.sent == 150;
        },
        10s));
    CHECK(most_sending <= 10);
    // Each sent exactly once. First come first served, give or take the two
    // binds' race: no message overtakes one that waited 10 places before it.
    REQUIRE(rig.smsc.accepted.size() == 150);
    std::set<std::string> texts(rig.smsc.accepted.begin(), rig.smsc.accepted.end());
    CHECK(texts.size() == 150);
    for (std::size_t i = 0; i < 150; ++i) {
        const auto n = std::stoul(rig.smsc.accepted[i].substr(1));
        CHECK(n + 10 >= i);
        CHECK(n <= i + 10);
    }
    CHECK(rig.forward->credits("carrier01").in_use == 0);
    CHECK(rig.forward->backlog("acme") == 0);
}

namespace {

// carrier00 then carrier01 for 44, carrier01 alone for 4478; one credit
// each. The SMSC holds "hold" for `hold_for` (carrier01's credit stays in
// use) and answers the first "refused" ESME_RSYSERR (carrier00's refusal sends it on
// to carrier01, where it has to wait for that credit).
struct RefusedThenWaiting {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig;
    explicit RefusedThenWaiting(std::chrono::milliseconds hold_for)
        : rig(loop, ledger, true, {},
              relay::MessageRouter::of({{"44", {"carrier00", "carrier01"}}, {"4478", {"carrier01"}}}),
              [](carrier::CarrierSettings& s) {
                  s.max_sending = 1;
                  s.response_timeout = 3s;  // "hold" is answered, not timed out
              }) {
        rig.smsc.delay_for = [hold_for](const protocol::SubmitSm& sm) {
            return sm.short_message == "hold" ? hold_for : 0ms;
        };
        rig.smsc.reject_status = command_status::ESME_RSYSERR;  // transient, not a throttle the carrier retries itself
        rig.smsc.reject_if = [throttled = false](const protocol::SubmitSm& sm) mutable {
            return sm.short_message == "refused" && !std::exchange(throttled, true);
        };
    }
};

}  // namespace

TEST_CASE("forward path: a message a carrier refused waits for the next carrier's credit as queued, not sending",
          "[relay][forward][credits]") {
    RefusedThenWaiting t(700ms);
    auto& [ledger, loop, rig] = t;
    REQUIRE(rig.ready());
    auto hold = to("447800000001");
    hold.short_message = "hold";
    REQUIRE(rig.submit(1, hold, true));
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 2s));
    auto refused = to("447700900123");
    refused.short_message = "refused";
    REQUIRE(rig.submit(1, refused, true));
    REQUIRE(rig.answers.size() == 2);
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    const auto id = *store::MessageId::parse(rig.answers[1].message_id);

    // Refused by carrier00, waiting for carrier01's one credit: a crash now
    // must find it queued (resumed), not sending (in doubt).
    REQUIRE(loop.run_until([&] { return rig.forward->credits("carrier01").waiting[1] == 1; }, 2s));
    REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::queued; }, 2s));
    auto r = ledger.find(id);
    REQUIRE(r->attempts.size() == 1);
    CHECK(r->attempts[0].carrier == "carrier00");
    CHECK(r->attempts[0].status == store::MessageStatus::failed);  // that attempt, closed
    CHECK(r->attempts[0].command_status == static_cast<std::uint32_t>(command_status::ESME_RSYSERR));

    // carrier01's credit comes back: it goes there, once.
    REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::sent; }, 3s));
    r = ledger.find(id);
    CHECK(r->attempts.back().carrier == "carrier01");
    CHECK(std::count(rig.smsc.accepted.begin(), rig.smsc.accepted.end(), "refused") == 1);
}

TEST_CASE("forward path: a message a carrier refused expires while it waits for the next carrier's credit",
          "[relay][forward][credits]") {
    RefusedThenWaiting t(1500ms);
    auto& [ledger, loop, rig] = t;
    REQUIRE(rig.ready());
    auto hold = to("447800000001");
    hold.short_message = "hold";
    REQUIRE(rig.submit(1, hold, true));
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 2s));
    auto refused = to("447700900123");
    refused.short_message = "refused";
    refused.validity_period = "000000000001000R";  // one second
    REQUIRE(rig.submit(1, refused, true));
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    const auto id = *store::MessageId::parse(rig.answers[1].message_id);
    // Its second passes while carrier01's credit is held: when the credit
    // comes it is expired, final, and never sent.
    REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::expired; }, 4s));
    loop.run_for(100ms);
    CHECK(std::count(rig.smsc.accepted.begin(), rig.smsc.accepted.end(), "refused") == 0);
    CHECK(rig.forward->backlog("acme") == 0);
}

TEST_CASE("forward path: every message asks its carrier for a receipt; the record keeps what the upstream asked",
          "[relay][forward][receipts]") {
    // Before, registered_delivery 0 or 2 went to the carrier as it came: the
    // carrier stayed silent (on success), the record stayed `sent`, and the
    // receipt timeout then re-sent an otp message that had been delivered,
    // or reported a delivered rd=2 message upstream as stat UNKNOWN.
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    // upstream's -> the carrier's: bits 1-0 always 01, intermediate (bit 4)
    // and SME acknowledgement bits (3-2) kept.
    const std::vector<std::pair<std::uint8_t, std::uint8_t>> cases = {
        {0x00, 0x01}, {0x01, 0x01}, {0x02, 0x01}, {0x10, 0x11}, {0x12, 0x11}, {0x04, 0x05}, {0x1E, 0x1D}};
    for (const auto& [upstream_rd, carrier_rd] : cases) {
        auto sm = to("447700900123");
        sm.registered_delivery = upstream_rd;
        REQUIRE(rig.submit(1, sm));
        REQUIRE(rig.answers.back().status == command_status::ESME_ROK);
    }
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == cases.size(); }, 3s));
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i, int(cases[i].first));
        const auto text = "m" + std::to_string(i);
        auto seen = std::find_if(rig.smsc.submits.begin(), rig.smsc.submits.end(),
                                 [&](const auto& s) { return s.pdu.short_message == text; });
        REQUIRE(seen != rig.smsc.submits.end());
        CHECK(int(seen->pdu.registered_delivery) == int(cases[i].second));
        auto r = ledger.find(*store::MessageId::parse(rig.answers[i].message_id));
        REQUIRE(r.ok());
        CHECK(int(r->registered_delivery) == int(cases[i].first));
    }
}

TEST_CASE("forward path: a carrier's ESME_ROK without a message_id leaves the message sent, not sending",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    rig.smsc.empty_message_ids = true;
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(3, to("447700900123")));
    REQUIRE(loop.run_until(
        [&] {
            for (const auto& a : rig.answers)
                if (ledger.find(*store::MessageId::parse(a.message_id))->status != store::MessageStatus::sent)
                    return false;
            return true;
        },
        3s));
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        REQUIRE(r->attempts.size() == 1);
        CHECK(r->attempts[0].status == store::MessageStatus::sent);
        CHECK(r->attempts[0].carrier == "carrier01");
        CHECK(r->attempts[0].carrier_message_id.empty());
    }
    CHECK(rig.smsc.accepted.size() == 3);
    CHECK(rig.forward->counters().sent == 3);
}

TEST_CASE("forward path: a carrier's ESME_ROK after the response_timeout turns in doubt into sent, receipts match",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    rig.smsc.answer_delay = 600ms;  // the carrier's response_timeout is 300 ms
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(2, to("447700900123")));
    auto status_of = [&](const auto& a) { return ledger.find(*store::MessageId::parse(a.message_id))->status; };
    REQUIRE(loop.run_until([&] { return rig.forward->counters().in_doubt == 2; }, 3s));
    // Before, the late answers were dropped: in doubt for good, and the
    // carrier's receipts matched nothing.
    REQUIRE(loop.run_until(
        [&] {
            for (const auto& a : rig.answers)
                if (status_of(a) != store::MessageStatus::sent) return false;
            return true;
        },
        3s));
    CHECK(rig.forward->counters().late_sent == 2);
    CHECK(rig.smsc.submits.size() == 2);  // nothing was sent twice
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        // The attempt written when it went, and the one its timeout made in
        // doubt, now sent with the carrier's id.
        REQUIRE(r->attempts.size() == 2);
        CHECK(r->attempts[1].status == store::MessageStatus::sent);
        CHECK(r->attempts[1].carrier == "carrier01");
        REQUIRE_FALSE(r->attempts[1].carrier_message_id.empty());
        store::CarrierReceipt c;
        c.carrier = "carrier01";
        c.carrier_message_id = r->attempts[1].carrier_message_id;
        c.keys = {c.carrier_message_id};
        c.status = store::MessageStatus::delivered;
        std::optional<store::StatusOr<store::ReceiptMatch>> m;
        ledger.apply_receipt(c, [&](store::StatusOr<store::ReceiptMatch> got) { m = std::move(got); });
        REQUIRE(m);
        REQUIRE(m->ok());
        CHECK((*m)->outcome == store::receipt_outcome::matched);
        CHECK(ledger.find(r->id)->status == store::MessageStatus::delivered);
    }
}

TEST_CASE("forward path: a carrier's refusal after the response_timeout sends the message on, or rejects it",
          "[relay][forward]") {
    // A refusal for now, in a submit_sm_resp or a generic_nack, and one for good.
    enum class late { throttled, throttled_by_nack, permanent };
    for (const auto answer : {late::throttled, late::throttled_by_nack, late::permanent}) {
        INFO(static_cast<int>(answer));
        store::InMemoryLedger ledger;
        Loop loop;
        relay::ForwardSettings fs;
        fs.retry_base = 10ms;
        std::vector<std::string> owed;
        fs.receipt_owed = [&](const std::string& account) { owed.push_back(account); };
        Rig rig(loop, ledger, false, fs);
        // The first answer comes after the carrier's 300 ms response_timeout.
        int seen = 0;
        rig.smsc.delay_for = [&](const protocol::SubmitSm&) { return ++seen == 1 ? 600ms : 0ms; };
        if (answer == late::permanent) {
            rig.smsc.reject_if = [&](const protocol::SubmitSm&) { return seen == 0; };
            rig.smsc.reject_status = command_status::ESME_RINVDSTADR;
        } else {
            rig.smsc.throttle_first = 1;
            rig.smsc.throttle_by_nack = answer == late::throttled_by_nack;
        }
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(1, to("447700900123")));
        const auto id = *store::MessageId::parse(rig.answers[0].message_id);
        REQUIRE(loop.run_until([&] { return rig.forward->counters().in_doubt == 1; }, 3s));
        // Before, it stayed in doubt: the carrier said it did not take it,
        // and nobody sent it (nor told the upstream it failed).
        if (answer == late::permanent) {
            REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::rejected; }, 3s));
            const auto r = *ledger.find(id);
            CHECK(r.error_code == static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR));
            CHECK(r.cost_micros == 0);
            REQUIRE(r.attempts.size() == 2);
            CHECK(r.attempts[1].status == store::MessageStatus::rejected);
            CHECK(r.attempts[1].command_status == static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR));
            CHECK(rig.forward->counters().rejected == 1);
            CHECK(owed == std::vector<std::string>{"acme"});
            loop.run_for(200ms);
            CHECK(rig.smsc.submits.size() == 1);
        } else {
            REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::sent; }, 3s));
            CHECK(rig.smsc.submits.size() == 2);
            const auto r = *ledger.find(id);
            // Went, in doubt then refused, went again and taken.
            REQUIRE(r.attempts.size() == 3);
            CHECK(r.attempts[1].status == store::MessageStatus::failed);
            CHECK(r.attempts[1].command_status == static_cast<std::uint32_t>(command_status::ESME_RTHROTTLED));
            CHECK(r.attempts[2].status == store::MessageStatus::sent);
            CHECK_FALSE(r.duplicate_risk);
            CHECK(rig.forward->backlog("acme") == 0);
        }
    }
}

TEST_CASE("forward path: a late refusal of an attempt already sent again changes only that attempt",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.in_doubt = upstream::in_doubt_policy::resend;
    fs.accounts.accounts.push_back(acme);
    fs.in_doubt_resend_after = 400ms;
    Rig rig(loop, ledger, false, fs);
    // The first submit's ESME_RTHROTTLED comes after the resend was taken.
    int seen = 0;
    rig.smsc.delay_for = [&](const protocol::SubmitSm&) { return ++seen == 1 ? 1'200ms : 0ms; };
    rig.smsc.throttle_first = 1;
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123")));
    const auto id = *store::MessageId::parse(rig.answers[0].message_id);
    REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::sent; }, 3s));
    CHECK(rig.smsc.submits.size() == 2);
    REQUIRE(loop.run_until(
        [&] { return ledger.find(id)->attempts[1].status == store::MessageStatus::failed; }, 3s));
    loop.run_for(300ms);
    const auto r = *ledger.find(id);
    CHECK(r.status == store::MessageStatus::sent);
    REQUIRE(r.attempts.size() == 3);
    CHECK(r.attempts[1].command_status == static_cast<std::uint32_t>(command_status::ESME_RTHROTTLED));
    CHECK(r.attempts[2].status == store::MessageStatus::sent);
    CHECK(rig.smsc.submits.size() == 2);
}

TEST_CASE("forward path: in_doubt: resend waits for the send that went in doubt, not for an earlier one",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.retry_base = 10ms;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.in_doubt = upstream::in_doubt_policy::resend;
    fs.accounts.accounts.push_back(acme);
    fs.in_doubt_resend_after = 400ms;
    Rig rig(loop, ledger, false, fs);
    // The first submit is refused late (in doubt at 300 ms, ESME_RTHROTTLED
    // at 350 ms), so it goes again; nothing after it is answered.
    rig.smsc.throttle_first = 1;
    rig.smsc.answer_delay = 350ms;
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 3s));
    rig.smsc.answer = false;
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 3; }, 5s));
    // Before, the first in doubt's timer sent it again 400 ms after that
    // one, about 340 ms after the second went: before the second's own
    // carrier could still answer late.
    CHECK(rig.smsc.submits[2].at - rig.smsc.submits[1].at >= 650ms);
    loop.run_for(1'000ms);
    CHECK(rig.smsc.submits.size() == 3);
    const auto id = *store::MessageId::parse(rig.answers[0].message_id);
    CHECK(ledger.find(id)->status == store::MessageStatus::in_doubt);
}

TEST_CASE("forward path: in_doubt: resend sends a message in doubt again while running; report keeps it",
          "[relay][forward]") {
    for (const auto policy : {upstream::in_doubt_policy::resend, upstream::in_doubt_policy::report}) {
        store::InMemoryLedger ledger;
        Loop loop;
        relay::ForwardSettings fs;
        upstream::Account acme;
        acme.system_id = "acme";
        acme.in_doubt = policy;
        fs.accounts.accounts.push_back(acme);
        fs.in_doubt_resend_after = 400ms;
        Rig rig(loop, ledger, false, fs);
        rig.smsc.answer = false;  // no answer: in doubt at the 300 ms response_timeout
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(1, to("447700900123")));
        const auto id = *store::MessageId::parse(rig.answers[0].message_id);
        REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::in_doubt; }, 3s));
        rig.smsc.answer = true;
        INFO(upstream::name(policy));
        if (policy == upstream::in_doubt_policy::resend) {
            REQUIRE(loop.run_until([&] { return ledger.find(id)->status == store::MessageStatus::sent; }, 3s));
            CHECK(rig.smsc.submits.size() == 2);
        } else {
            loop.run_for(800ms);
            CHECK(ledger.find(id)->status == store::MessageStatus::in_doubt);
            CHECK(rig.smsc.submits.size() == 1);
        }
    }
}

TEST_CASE("forward path: in_doubt: resend sends a message once more, then reports it, also across a restart",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.in_doubt = upstream::in_doubt_policy::resend;
    fs.accounts.accounts.push_back(acme);
    fs.in_doubt_resend_after = 400ms;
    Rig rig(loop, ledger, false, fs);
    // A carrier that takes every message and whose answers never come.
    rig.smsc.answer = false;
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123"), true));
    const auto id = *store::MessageId::parse(rig.answers[0].message_id);
    auto in_doubt_attempts = [&](store::MessageId m) {
        const auto r = ledger.find(m);
        return std::count_if(r->attempts.begin(), r->attempts.end(),
                             [](const store::Attempt& a) { return a.status == store::MessageStatus::in_doubt; });
    };
    REQUIRE(loop.run_until([&] { return in_doubt_attempts(id) == 2; }, 3s));
    // Before, every 400 ms (every 6 minutes in production) it went again,
    // as long as it stayed in doubt: the handset got it over and over.
    loop.run_for(1'500ms);
    CHECK(rig.smsc.submits.size() == 2);
    auto record = ledger.find(id);
    CHECK(record->status == store::MessageStatus::in_doubt);
    CHECK(record->duplicate_risk);
    // A restart counts what the record says: no third send.
    auto recovery = ledger.recover(store::MessageIdGenerator::system_clock_ms(), store::Timestamp{});
    REQUIRE(recovery.ok());
    REQUIRE(recovery->in_doubt.size() == 1);
    CHECK_FALSE(rig.forward->resend_in_doubt(recovery->in_doubt[0]));

    // A message that was `sending` when the connector died (its carrier
    // may have it): the start after sends it once, and it stays in doubt
    // when that is in doubt too.
    store::MessageIdGenerator ids{9};
    store::MessageRecord crashed;
    crashed.id = ids.next();
    crashed.account = "acme";
    crashed.destination = {1, 1, "447700900123"};
    crashed.source = {1, 1, "447700900999"};
    crashed.payload = "crashed";
    crashed.status = store::MessageStatus::sending;
    crashed.attempts.push_back(store::Attempt{.carrier = "carrier01", .status = store::MessageStatus::sending});
    bool stored = false;
    ledger.accept(crashed, [&](store::Status st) { stored = st.ok(); });
    REQUIRE(stored);
    recovery = ledger.recover(store::MessageIdGenerator::system_clock_ms(), store::Timestamp{});
    REQUIRE(recovery.ok());
    REQUIRE(recovery->in_doubt.size() == 2);
    for (auto& r : recovery->in_doubt)
        CHECK(rig.forward->resend_in_doubt(r) == (r.id == crashed.id));
    REQUIRE(loop.run_until([&] { return in_doubt_attempts(crashed.id) == 1; }, 3s));
    loop.run_for(1'000ms);
    CHECK(std::count_if(rig.smsc.submits.begin(), rig.smsc.submits.end(),
                        [](const auto& s) { return s.text == "crashed"; }) == 1);
    CHECK(ledger.find(crashed.id)->status == store::MessageStatus::in_doubt);
    CHECK(ledger.find(crashed.id)->duplicate_risk);
    recovery = ledger.recover(store::MessageIdGenerator::system_clock_ms(), store::Timestamp{});
    REQUIRE(recovery.ok());
    for (auto& r : recovery->in_doubt) CHECK_FALSE(rig.forward->resend_in_doubt(r));
    loop.run_for(100ms);
    CHECK(rig.smsc.submits.size() == 3);
}

TEST_CASE("forward path: messages waiting for a stalled carrier go to the route's next carrier",
          "[relay][forward][credits]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.carrier_stall = 300ms;
    // carrier00, first on the route, never binds: nothing listens on its port.
    std::uint16_t dead_port = 0;
    {
        boost::asio::ip::tcp::acceptor a(loop.ioc, {boost::asio::ip::address_v4::loopback(), 0});
        dead_port = a.local_endpoint().port();
    }
    Rig rig(loop, ledger, true, fs, nullptr, [&](carrier::CarrierSettings& s) {
        if (s.id != "carrier00") return;
        s.endpoints = {{"127.0.0.1", dead_port}};
        s.max_sending = 5;
        s.unbound_timeout = 1500ms;
    });
    REQUIRE(rig.ready("carrier00"));
    REQUIRE(rig.submit(30, to("447700900123")));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    // Five took carrier00's credits and wait in its queue for a bind; the
    // other 25 waited for a credit until carrier00 counted as stalled, then
    // went to carrier01.
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 25; }, 5s));
    // The SMSC has answered; the connector writes `sent` as each answer
    // comes back (seen in CI: checked before they had).
    REQUIRE(loop.run_until([&] { return statuses(ledger, rig.answers).sent == 25; }, 5s));
    auto c = statuses(ledger, rig.answers);
    CHECK(c.sent == 25);
    CHECK(c.sending == 5);
    CHECK(rig.forward->credits("carrier00").stalled);
    CHECK(rig.forward->credits("carrier00").in_use == 5);
    std::size_t waiting = 0;
    for (auto n : rig.forward->credits("carrier00").waiting) waiting += n;
    CHECK(waiting == 0);
    // Those that went on never reached carrier00: no attempt there.
    std::size_t through_01 = 0;
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        if (r->status != store::MessageStatus::sent) continue;
        ++through_01;
        REQUIRE(r->attempts.size() == 1);
        CHECK(r->attempts[0].carrier == "carrier01");
    }
    CHECK(through_01 == 25);
    // While it stays stalled, new messages go past it at once.
    const auto before = std::chrono::steady_clock::now();
    REQUIRE(rig.submit(10, to("447700900123")));
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 35; }, 5s));
    CHECK(std::chrono::steady_clock::now() - before < 300ms);
    // The five in carrier00's queue: refused once it had no bind for its
    // unbound_timeout, they go to carrier01 as well. Nothing is left behind.
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 40; }, 5s));
    REQUIRE(loop.run_until([&] { return statuses(ledger, rig.answers).sent == 40; }, 2s));
    CHECK(rig.forward->credits("carrier00").in_use == 0);
    std::size_t refused_at_00 = 0;
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        if (r->attempts.size() != 2) continue;
        ++refused_at_00;
        CHECK(r->attempts[0].carrier == "carrier00");
        CHECK(r->attempts[0].status == store::MessageStatus::failed);  // refused before it left us
        CHECK(r->attempts[1].carrier == "carrier01");
    }
    CHECK(refused_at_00 == 5);
    std::set<std::string> texts(rig.smsc.accepted.begin(), rig.smsc.accepted.end());
    CHECK(texts.size() == 40);
}

TEST_CASE("forward path: waiting for a carrier's credits, otp goes before bulk that waited longer",
          "[relay][forward][credits]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account alerts, promo;
    alerts.system_id = "alerts";
    alerts.default_class = upstream::traffic_class::otp;
    promo.system_id = "promo";
    promo.default_class = upstream::traffic_class::bulk;
    fs.accounts.accounts = {alerts, promo};
    Rig rig(loop, ledger, false, fs, nullptr, [](carrier::CarrierSettings& s) {
        s.max_tps = 20;
        s.max_sending = 2;
    });
    REQUIRE(rig.ready());
    // Messages a restart found (resume() takes them as recover() hands them
    // over): 20 bulk ones first, then 5 otp ones.
    store::MessageIdGenerator ids{9};
    std::vector<store::MessageRecord> records;
    for (int i = 0; i < 25; ++i) {
        store::MessageRecord r;
        r.id = ids.next();
        r.account = i < 20 ? "promo" : "alerts";
        r.destination = {1, 1, "447700900123"};
        r.source = {5, 0, "Shop"};
        r.payload = i < 20 ? fmt::format("bulk{}", i) : fmt::format("otp{}", i - 20);
        r.status = store::MessageStatus::accepted;
        bool stored = false;
        ledger.accept(r, [&](store::Status st) { stored = st.ok(); });
        REQUIRE(stored);
        records.push_back(r);
    }
    for (auto& r : records) rig.forward->resume(r);
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 25; }, 5s));
    // Two bulk messages had the credits; then every otp one, then the rest
    // of the bulk in order (seen: bulk0 otp0..otp4 bulk1 ... bulk19).
    const std::vector<std::string> sent = rig.smsc.accepted;
    for (std::size_t i = 0; i < sent.size(); ++i) {
        INFO(i << ": " << sent[i]);
        if (sent[i].starts_with("otp")) CHECK(i < 7);
        if (i >= 7) CHECK(sent[i].starts_with("bulk"));
    }
    REQUIRE(loop.run_until(
        [&] {
            for (const auto& r : records)
                if (ledger.find(r.id)->status != store::MessageStatus::sent) return false;
            return true;
        },
        2s));
}

TEST_CASE("forward path: a graceful stop with a throttled backlog leaves nothing in doubt; the next start resumes all",
          "[relay][forward][credits]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, {}, nullptr, [](carrier::CarrierSettings& s) {
        s.max_tps = 50;
        s.max_sending = 20;
    });
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(100, to("447700900123")));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() >= 5; }, 3s));
    // The connector's shutdown: the forward path stops, then the carriers,
    // which refuse what they still queue (up to 20 `sending` records).
    rig.forward->stop();
    CHECK(statuses(ledger, rig.answers).sending > 5);
    bool stopped = false;
    rig.carriers.at("carrier01")->stop([&] { stopped = true; });
    REQUIRE(loop.run_until([&] { return stopped; }, 3s));
    loop.run_for(50ms);  // the ledger's completions

    const auto c = statuses(ledger, rig.answers);
    CHECK(c.sending == 0);
    const auto sent = c.sent;
    CHECK(sent == rig.smsc.accepted.size());
    auto recovery = ledger.recover(store::MessageIdGenerator::system_clock_ms(), store::Timestamp{});
    REQUIRE(recovery.ok());
    CHECK(recovery->in_doubt.empty());
    CHECK(recovery->resume.size() == 100 - sent);
    // The refused attempt is on the record, closed: the carrier never had it.
    std::size_t closed = 0;
    for (const auto& r : recovery->resume)
        for (const auto& at : r.attempts) {
            CHECK(at.status != store::MessageStatus::sending);
            CHECK(at.carrier_message_id.empty());
            ++closed;
        }
    CHECK(closed > 5);
}

namespace {

store::MessageRecord record_of(store::Ledger& ledger, const Answer& a) {
    auto r = ledger.find(*store::MessageId::parse(a.message_id));
    REQUIRE(r.ok());
    return *r;
}

relay::ForwardSettings fast_retries() {
    relay::ForwardSettings fs;
    fs.retry_base = 10ms;
    fs.retry_max = 20ms;
    fs.max_retry_rounds = 2;
    return fs;
}

}  // namespace

TEST_CASE("forward path: an outage does not fail messages - rounds in which carriers only refused do not count",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, fast_retries());
    REQUIRE(rig.ready());
    rig.carriers.at("carrier01")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier01")->accepting(); }));
    REQUIRE(rig.submit(1, to("447700900123")));
    // Far more than max_retry_rounds (2) rounds of 10-20 ms.
    REQUIRE(loop.run_until([&] { return rig.forward->counters().retries >= 10; }, 3s));
    CHECK(rig.forward->counters().failed == 0);
    CHECK(record_of(ledger, rig.answers[0]).status == store::MessageStatus::queued);
    // The carrier is back: the message goes.
    rig.carriers.at("carrier01")->enable();
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::sent; },
                           3s));
    CHECK(rig.smsc.accepted.size() == 1);
}

TEST_CASE("forward path: a carrier's error answers fail the message after max_retry_rounds rounds",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, fast_retries());
    rig.smsc.reject_if = [](const protocol::SubmitSm&) { return true; };
    rig.smsc.reject_status = command_status::ESME_RSYSERR;  // transient: try again later
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::failed; },
                           3s));
    // The first try and max_retry_rounds retries, each answered with the error.
    CHECK(rig.smsc.submits.size() == 3);
    CHECK(rig.forward->counters().failed == 1);
    const auto r = record_of(ledger, rig.answers[0]);
    CHECK(r.error_code == static_cast<std::uint32_t>(command_status::ESME_RSYSERR));
    CHECK(r.attempts.size() == 3);
}

TEST_CASE("forward path: a carrier that only answers ESME_RTHROTTLED does not fail the message", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, fast_retries(), nullptr, [](carrier::CarrierSettings& s) { s.throttle.max_retries = 0; });
    rig.smsc.throttle_first = 6;  // more rounds than max_retry_rounds (2)
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::sent; },
                           10s));
    CHECK(rig.smsc.submits.size() == 7);
    CHECK(rig.forward->counters().failed == 0);
}

TEST_CASE("forward path: without a validity_period, a message no carrier took expires max_hold after acceptance",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.max_hold = 300ms;
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier01")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier01")->accepting(); }));
    const auto before = std::chrono::steady_clock::now();
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::expired; },
                           3s));
    CHECK(std::chrono::steady_clock::now() - before >= 290ms);
    CHECK(rig.forward->counters().expired == 1);
    CHECK(rig.forward->counters().failed == 0);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward path: a scheduled message's max_hold starts at its schedule, not at its acceptance",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.max_hold = 300ms;
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    auto sm = to("447700900123");
    sm.schedule_delivery_time = "000000000001000R";  // in one second: longer than max_hold
    REQUIRE(rig.submit(1, sm));
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::sent; },
                           3s));
    CHECK(rig.forward->counters().expired == 0);
}

TEST_CASE("forward path: through an outage the retries stay outage_retry_max apart; the message goes soon after",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.retry_base = 10ms;
    fs.retry_max = 10s;  // carriers' error answers would back off this far
    fs.outage_retry_max = 40ms;
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier01")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier01")->accepting(); }));
    REQUIRE(rig.submit(1, to("447700900123")));
    // Doubling up to 10 s, eight rounds would take 2.5 s; capped at 40 ms, 0.3 s.
    REQUIRE(loop.run_until([&] { return rig.forward->counters().retries >= 8; }, 1500ms));
    // Why it waits is on its record, once, however many rounds it waited.
    CHECK_THAT(record_of(ledger, rig.answers[0]).route.reason,
               Catch::EndsWith("carrier01; passed over carrier01 (disabled)"));
    rig.carriers.at("carrier01")->enable();
    const auto back = std::chrono::steady_clock::now();
    REQUIRE(loop.run_until([&] { return record_of(ledger, rig.answers[0]).status == store::MessageStatus::sent; },
                           3s));
    CHECK(std::chrono::steady_clock::now() - back < 1s);  // binding again, then at most 40 ms
    CHECK(rig.forward->counters().failed == 0);
    // The round that took it passed nothing over: the note is gone.
    CHECK(record_of(ledger, rig.answers[0]).route.reason.find("passed over") == std::string::npos);
}

TEST_CASE("forward path: messages waiting for a carrier that is disabled meanwhile go on without an attempt there",
          "[relay][forward][credits]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, nullptr, [](carrier::CarrierSettings& s) {
        if (s.id != "carrier00") return;
        s.max_tps = 20;
        s.max_sending = 3;
    });
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(30, to("447700900123")));
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() >= 2; }, 3s));
    const auto waited = rig.forward->credits("carrier00").waiting[1];
    CHECK(waited >= 20);
    rig.carriers.at("carrier00")->disable();
    REQUIRE(loop.run_until([&] { return statuses(ledger, rig.answers).sent == 30; }, 5s));
    std::size_t refused_at_00 = 0, via_01 = 0;
    for (const auto& a : rig.answers) {
        const auto r = record_of(ledger, a);
        for (const auto& at : r.attempts)
            if (at.carrier == "carrier00" && at.carrier_message_id.empty()) ++refused_at_00;
        if (r.attempts.back().carrier == "carrier01") ++via_01;
    }
    // Only the credit holders (in carrier00's queue when it was disabled)
    // have a refused attempt there; the waiters went straight on.
    CHECK(refused_at_00 <= 3);
    CHECK(via_01 >= waited);
    CHECK(rig.forward->credits("carrier00").in_use == 0);
}

namespace {

// Part `seq` of `total` of the concatenated message `ref` to `dest`: a UDH
// (IEI 00, 8-bit reference) before the text.
protocol::SubmitSm part(std::string dest, std::uint8_t ref, std::uint8_t total, std::uint8_t seq) {
    auto sm = to(std::move(dest));
    sm.esm_class = 0x40;
    sm.short_message = std::string{'\x05', '\x00', '\x03', static_cast<char>(ref), static_cast<char>(total),
                                   static_cast<char>(seq)} +
                       fmt::format("r{}p{}", ref, seq);
    return sm;
}

// A 44 route whose two carriers tie (same priority): messages share them by
// weight, round-robin.
std::shared_ptr<relay::MessageRouter> shared_route() {
    routing::RouteTable table;
    routing::RouteEntry e;
    e.prefix = "44";
    e.country = "GB";
    for (const char* carrier : {"carrier00", "carrier01"}) {
        routing::Candidate c;
        c.carrier = carrier;
        e.candidates.push_back(std::move(c));
    }
    table.entries.push_back(std::move(e));
    auto r = relay::MessageRouter::from_table(table);
    REQUIRE(r);
    return std::move(r).value();
}

// The carrier that took the record (its last attempt), once it is sent.
std::string taken_by(Loop& loop, store::Ledger& ledger, const Answer& a) {
    return sent_record(loop, ledger, a).attempts.back().carrier;
}

}  // namespace

TEST_CASE("forward path: the parts of one concatenated message go through one carrier where the route shares by "
          "weight",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, shared_route());
    REQUIRE(rig.ready());
    // Five messages of three parts, interleaved as several upstream threads
    // would send them: every first part, then every second, then every third.
    // Five: part by part, round-robin would send each message's second part
    // to the other carrier.
    for (std::uint8_t seq = 1; seq <= 3; ++seq)
        for (std::uint8_t ref = 1; ref <= 5; ++ref)
            REQUIRE(rig.submit(1, part("4477009001" + std::to_string(ref % 3), ref, 3, seq), true));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    std::map<std::string, int> messages_per_carrier;
    for (std::size_t m = 0; m < 5; ++m) {
        const auto first = taken_by(loop, ledger, rig.answers[m]);
        ++messages_per_carrier[first];
        CHECK(taken_by(loop, ledger, rig.answers[5 + m]) == first);
        CHECK(taken_by(loop, ledger, rig.answers[10 + m]) == first);
        // The record says why a later part went where it did.
        CHECK_THAT(record_of(ledger, rig.answers[10 + m]).route.reason,
                   Catch::Contains("parts of this message go through " + first + " (part 3 of 3)"));
    }
    // The messages themselves still share the carriers.
    CHECK(messages_per_carrier["carrier00"] + messages_per_carrier["carrier01"] == 5);
    CHECK(messages_per_carrier["carrier00"] >= 2);
    CHECK(messages_per_carrier["carrier01"] >= 2);
    // Every part taken: no pin is kept.
    CHECK(rig.forward->pinned_messages() == 0);
    // Single-part messages are not pinned: they alternate as before.
    REQUIRE(rig.submit(4, to("447700900123")));
    std::set<std::string> singles;
    for (std::size_t i = 15; i < 19; ++i) singles.insert(taken_by(loop, ledger, rig.answers[i]));
    CHECK(singles.size() == 2);
}

TEST_CASE("forward path: messages of two parts sent part after part still share two carriers by weight",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, shared_route());
    REQUIRE(rig.ready());
    // Each message's parts one after the other, as one upstream thread
    // sends them. Before, every part turned the round-robin: with two parts
    // and two carriers each message's first part (the one that picks) got
    // the same carrier, and the other carrier had none of them.
    constexpr std::uint8_t messages = 8;
    for (std::uint8_t ref = 1; ref <= messages; ++ref)
        for (std::uint8_t seq = 1; seq <= 2; ++seq)
            REQUIRE(rig.submit(1, part("447700900123", ref, 2, seq), true));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    std::map<std::string, int> messages_per_carrier;
    for (std::size_t m = 0; m < messages; ++m) {
        const auto first = taken_by(loop, ledger, rig.answers[2 * m]);
        CHECK(taken_by(loop, ledger, rig.answers[2 * m + 1]) == first);
        ++messages_per_carrier[first];
    }
    CHECK(messages_per_carrier["carrier00"] == messages / 2);
    CHECK(messages_per_carrier["carrier01"] == messages / 2);
}

TEST_CASE("forward path: a part whose sibling a carrier took waits for that carrier instead of going elsewhere",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.outage_retry_max = 20ms;
    Rig rig(loop, ledger, true, fs);  // carrier00 first, then carrier01
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, part("447700900123", 9, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier00");
    // carrier00 goes away between the parts: the second part does not go
    // to carrier01 (a handset could not join the parts), it waits.
    rig.carriers.at("carrier00")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier00")->accepting(); }));
    REQUIRE(rig.submit(1, part("447700900123", 9, 2, 2), true));
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.forward->counters().retries >= 5; }, 3s));
    CHECK(record_of(ledger, rig.answers[1]).status == store::MessageStatus::queued);
    CHECK(rig.forward->counters().failed == 0);
    CHECK(rig.smsc.accepted.size() == 1);
    // Meanwhile other messages to the same number still fail over.
    REQUIRE(rig.submit(1, part("447700900123", 10, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[2]) == "carrier01");
    // carrier00 is back: the waiting part goes there.
    rig.carriers.at("carrier00")->enable();
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier00");
    REQUIRE(rig.submit(1, part("447700900123", 10, 2, 2), true));
    CHECK(taken_by(loop, ledger, rig.answers[3]) == "carrier01");  // with its own first part
}

TEST_CASE("forward path: a part refused before any sibling was taken follows it to the next carrier",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier00")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier00")->accepting(); }));
    REQUIRE(rig.submit(1, part("447700900123", 7, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier01");
    // carrier00, first on the route, is back; the second part still joins
    // the first at carrier01.
    rig.carriers.at("carrier00")->enable();
    REQUIRE(loop.run_until([&] { return carrier::test::all_bound(*rig.carriers.at("carrier00")); }, 3s));
    REQUIRE(rig.submit(1, part("447700900123", 7, 2, 2), true));
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier01");
}

TEST_CASE("forward path: a part refused while a sibling is still on its way to that carrier does not fail over "
          "alone",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.max_retry_rounds = 20;
    Rig rig(loop, ledger, true, fs);  // carrier00 first, then carrier01
    REQUIRE(rig.ready());
    auto is_part = [](const protocol::SubmitSm& sm, char seq) {
        return sm.short_message.size() > 5 && sm.short_message[3] == '\x0b' && sm.short_message[5] == seq;
    };
    // Part 1 is refused for now the first time (ESME_RSYSERR); part 2 is
    // answered ESME_ROK, but only after part 1's refusal came back.
    int refusals = 1;
    rig.smsc.reject_status = command_status::ESME_RSYSERR;
    rig.smsc.reject_if = [&](const protocol::SubmitSm& sm) { return is_part(sm, 1) && refusals-- > 0; };
    rig.smsc.delay_for = [&](const protocol::SubmitSm& sm) { return is_part(sm, 2) ? 300ms : 0ms; };
    REQUIRE(rig.submit(1, part("447700900123", 11, 2, 2), true));
    REQUIRE(rig.submit(1, part("447700900123", 11, 2, 1), true));
    REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    // Before, part 1 went on to carrier01 while part 2 was still with
    // carrier00, which then took it: split.
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier00");
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier00");
    CHECK(refusals < 0);  // it was refused once, and retried at carrier00
    CHECK(rig.forward->pinned_messages() == 0);
}

TEST_CASE("forward path: a part in doubt at a carrier keeps its siblings with that carrier", "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.max_retry_rounds = 50;
    Rig rig(loop, ledger, true, fs);  // carrier00 first, then carrier01
    REQUIRE(rig.ready());
    auto is_part = [](const protocol::SubmitSm& sm, char seq) {
        return sm.short_message.size() > 5 && sm.short_message[3] == '\x0c' && sm.short_message[5] == seq;
    };
    // Part 1 gets no answer within the response_timeout (300 ms): in doubt
    // at carrier00, which may have it.
    rig.smsc.delay_for = [&](const protocol::SubmitSm& sm) { return is_part(sm, 1) ? 5'000ms : 0ms; };
    REQUIRE(rig.submit(1, part("447700900123", 12, 2, 1), true));
    REQUIRE(loop.run_until([&] { return rig.forward->counters().in_doubt == 1; }, 3s));
    CHECK(record_of(ledger, rig.answers[0]).status == store::MessageStatus::in_doubt);
    // Part 2 is refused for now by carrier00 the first time: before, it went
    // on to carrier01 (nothing was taken); now it waits for carrier00.
    int refusals = 1;
    rig.smsc.reject_status = command_status::ESME_RSYSERR;
    rig.smsc.reject_if = [&](const protocol::SubmitSm& sm) { return is_part(sm, 2) && refusals-- > 0; };
    REQUIRE(rig.submit(1, part("447700900123", 12, 2, 2), true));
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier00");
    CHECK(refusals < 0);
}

TEST_CASE("forward path: a part whose sibling's carrier lost its binds waits for it with the health monitor on",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.outage_retry_max = 20ms;
    auto monitor = std::make_shared<routing::health::HealthMonitor>();
    auto router = relay::MessageRouter::from_table(relay::MessageRouter::table_of({{"44", {"carrier00", "carrier01"}}}),
                                                   {}, monitor);
    REQUIRE(router);
    Rig rig(loop, ledger, true, fs, std::move(router).value());
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, part("447700900123", 13, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier00");
    // carrier00 loses its binds: every one of its circuits opens, so the
    // route no longer offers it. Before, part 2 went to carrier01.
    rig.carriers.at("carrier00")->disable();
    monitor->carrier_down("carrier00");
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier00")->accepting(); }));
    REQUIRE(rig.submit(1, part("447700900123", 13, 2, 2), true));
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.forward->counters().retries >= 3; }, 3s));
    CHECK(record_of(ledger, rig.answers[1]).status == store::MessageStatus::queued);
    CHECK(rig.smsc.accepted.size() == 1);
    // A message with no part at carrier00 still goes around it.
    REQUIRE(rig.submit(1, part("447700900123", 14, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[2]) == "carrier01");
    // Back: the waiting part joins its sibling.
    rig.carriers.at("carrier00")->enable();
    monitor->carrier_up("carrier00");
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier00");
}

TEST_CASE("forward path: a part whose only carrier lost its binds after taking a sibling is taken and waits",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.outage_retry_max = 20ms;
    auto monitor = std::make_shared<routing::health::HealthMonitor>();
    auto router =
        relay::MessageRouter::from_table(relay::MessageRouter::table_of({{"44", {"carrier01"}}}), {}, monitor);
    REQUIRE(router);
    Rig rig(loop, ledger, false, fs, std::move(router).value());
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, part("447700900123", 15, 2, 1), true));
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier01");
    rig.carriers.at("carrier01")->disable();
    monitor->carrier_down("carrier01");
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier01")->accepting(); }));
    // Before, its route had no carrier left: ESME_RINVDSTADR, half a message.
    REQUIRE(rig.submit(1, part("447700900123", 15, 2, 2), true));
    CHECK(rig.answers[1].status == command_status::ESME_ROK);
    // A message with nothing at carrier01 is taken too, and waits for it:
    // before, ESME_RINVDSTADR for an outage (the circuit is open), which
    // upstreams take as final.
    REQUIRE(rig.submit(1, part("447700900123", 16, 2, 1), true));
    CHECK(rig.answers[2].status == command_status::ESME_ROK);
    rig.carriers.at("carrier01")->enable();
    monitor->carrier_up("carrier01");
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier01");
    CHECK(taken_by(loop, ledger, rig.answers[2]) == "carrier01");
}

TEST_CASE("forward path: a new message to a route whose only carrier has all its binds down is taken and waits",
          "[relay][forward][outage]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = fast_retries();
    fs.outage_retry_max = 20ms;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.max_backlog = 2;
    fs.accounts.accounts.push_back(acme);
    auto monitor = std::make_shared<routing::health::HealthMonitor>();
    auto router =
        relay::MessageRouter::from_table(relay::MessageRouter::table_of({{"44", {"carrier01"}}}), {}, monitor);
    REQUIRE(router);
    Rig rig(loop, ledger, false, fs, std::move(router).value(), [](carrier::CarrierSettings& s) {
        s.unbound_timeout = 300ms;
        s.max_failed_binds = 1'000;  // it keeps trying to bind again
    });
    // As the connector does: a carrier without a bound bind is down, and
    // every one of its circuits opens.
    auto watch = relay::BindWatch::create(loop.ioc.get_executor(), rig.carriers, monitor, 20ms);
    watch->start(0ms);
    REQUIRE(rig.ready());
    // The SMSC drops the binds and refuses new ones.
    rig.smsc.password = "changed";
    for (auto& sess : rig.smsc.sessions()) sess->close();
    REQUIRE(loop.run_until([&] { return monitor->open("carrier01", "") && !rig.carriers.at("carrier01")->accepting(); },
                           3s));
    // Before, ESME_RINVDSTADR: the upstream dropped the message for good.
    REQUIRE(rig.submit(2, to("447700900123")));
    CHECK(rig.answers[0].status == command_status::ESME_ROK);
    CHECK(rig.answers[1].status == command_status::ESME_ROK);
    CHECK(rig.forward->backlog("acme") == 2);
    // Over the account's backlog: "try later", not "invalid destination".
    REQUIRE(rig.submit(1, to("447700900124")));
    CHECK(rig.answers[2].status == command_status::ESME_RMSGQFUL);
    // A number no route covers is still refused as such.
    REQUIRE(rig.submit(1, to("33612345678")));
    CHECK(rig.answers[3].status == command_status::ESME_RINVDSTADR);
    REQUIRE(loop.run_until([&] { return rig.forward->outage_waiting() == 2; }, 3s));
    const auto waiting = record_of(ledger, rig.answers[0]);
    CHECK(waiting.status == store::MessageStatus::queued);
    CHECK(waiting.route.reason.find("every carrier of the route is cut") != std::string::npos);
    loop.run_for(200ms);
    CHECK(rig.smsc.accepted.empty());
    // The carrier binds again: both go.
    rig.smsc.password = "pw01";
    const std::vector<Answer> taken(rig.answers.begin(), rig.answers.begin() + 2);
    REQUIRE(loop.run_until([&] { return statuses(ledger, taken).sent == 2; }, 5s));
    CHECK(rig.smsc.accepted.size() == 2);
    CHECK(rig.forward->backlog("acme") == 0);
    CHECK(rig.forward->counters().failed == 0);
    watch->stop();
}

TEST_CASE("forward path: a pin lapses after concat_window without a part, and is off with 0",
          "[relay][forward][parts]") {
    for (const auto window : {std::chrono::milliseconds{150}, std::chrono::milliseconds{0}}) {
        store::InMemoryLedger ledger;
        Loop loop;
        auto fs = fast_retries();
        fs.outage_retry_max = 20ms;
        fs.concat_window = window;
        Rig rig(loop, ledger, true, fs);
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(1, part("447700900123", 3, 2, 1), true));
        CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier00");
        const auto first_taken = std::chrono::steady_clock::now();  // after the pin's last touch
        rig.carriers.at("carrier00")->disable();
        REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier00")->accepting(); }));
        const auto second_sent = std::chrono::steady_clock::now();
        REQUIRE(rig.submit(1, part("447700900123", 3, 2, 2), true));
        // Off: it fails over at once; 150 ms: once the pin lapsed.
        CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier01");
        const auto now = std::chrono::steady_clock::now();
        if (window.count() == 0) CHECK(now - second_sent < 100ms);
        else CHECK(now - first_taken >= window);
    }
}

TEST_CASE("forward path: messages that waited out an outage go as soon as their carrier is back, not at their "
          "next retry",
          "[relay][forward][outage]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.retry_base = 4s;  // the next round is 4 s away
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier01")->disable();
    REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier01")->accepting(); }));
    REQUIRE(rig.submit(20, to("447700900123")));
    REQUIRE(loop.run_until([&] { return rig.forward->counters().retries == 20; }, 3s));
    REQUIRE(loop.run_until([&] { return rig.forward->outage_waiting() == 20; }, 1s));
    CHECK(rig.forward->credits("carrier01").outage_waiting == 20);  // smppctl binds shows it
    loop.run_for(150ms);  // asleep: its next round is 4 s away
    rig.carriers.at("carrier01")->enable();
    const auto back = std::chrono::steady_clock::now();
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 20; }, 10s));
    // Binding again, then the next watch tick (100 ms): not the 4 s retry.
    CHECK(std::chrono::steady_clock::now() - back < 2s);
    REQUIRE(loop.run_until([&] { return statuses(ledger, rig.answers).sent == 20; }, 2s));
    CHECK(rig.forward->outage_waiting() == 0);
    CHECK(rig.forward->counters().retries == 20);  // woken, not retried again
    CHECK(rig.forward->counters().failed == 0);
}

namespace {

// priced_route()'s two carriers, with what their SMSCs take.
std::shared_ptr<relay::MessageRouter> capable_route(routing::CarrierCapabilities carrier00,
                                                    routing::CarrierCapabilities carrier01) {
    routing::RouteTable table;
    routing::RouteEntry e;
    e.prefix = "44";
    std::uint32_t priority = 0;
    for (const char* carrier : {"carrier00", "carrier01"}) {
        routing::Candidate c;
        c.carrier = carrier;
        c.priority = priority++;
        e.candidates.push_back(std::move(c));
    }
    table.entries.push_back(std::move(e));
    routing::SelectorSettings settings;
    settings.capabilities = {{"carrier00", carrier00}, {"carrier01", carrier01}};
    auto r = relay::MessageRouter::from_table(table, settings);
    REQUIRE(r);
    return std::move(r).value();
}

protocol::SubmitSm with_payload(std::size_t septets) {
    auto sm = to("447700900123");
    sm.short_message.clear();
    sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::string(septets, 'p'));
    return sm;
}

}  // namespace

TEST_CASE("forward path: a carrier that takes no message_payload, or fewer parts, is passed over for such messages",
          "[relay][forward][capabilities]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {},
            capable_route({.message_payload = false, .max_parts = 2}, {.message_payload = true, .max_parts = 3}));
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123"), true));  // plain: the first choice
    REQUIRE(rig.submit(1, with_payload(300), true));   // message_payload, too long for short_message: carrier01
    auto three = to("447700900123");
    three.short_message = std::string(200, 's');       // in short_message, but 2 parts: carrier00 takes 2
    REQUIRE(rig.submit(1, three, true));
    REQUIRE(rig.submit(1, part("447700900123", 5, 3, 1), true));  // a part of 3: carrier01
    CHECK(taken_by(loop, ledger, rig.answers[0]) == "carrier00");
    CHECK(taken_by(loop, ledger, rig.answers[1]) == "carrier01");
    CHECK_THAT(record_of(ledger, rig.answers[1]).route.reason,
               Catch::Contains("skipped carrier00 (does not accept message_payload)"));
    CHECK(taken_by(loop, ledger, rig.answers[2]) == "carrier00");
    CHECK(taken_by(loop, ledger, rig.answers[3]) == "carrier01");
    CHECK_THAT(record_of(ledger, rig.answers[3]).route.reason,
               Catch::Contains("skipped carrier00 (3 parts exceed its limit of 2)"));
    // A message_payload short enough for short_message goes to carrier00,
    // moved into short_message there.
    REQUIRE(rig.submit(1, with_payload(100), true));
    CHECK(taken_by(loop, ledger, rig.answers[4]) == "carrier00");
    const auto& seen = rig.smsc.submits.back().pdu;
    CHECK(seen.short_message == std::string(100, 'p'));
    CHECK_FALSE(seen.tlvs.has(protocol::tlv_tag::message_payload));
    // carrier01 takes message_payload: it gets it as it came.
    bool found = false;
    for (const auto& s : rig.smsc.submits)
        if (auto p = s.pdu.tlvs.message_payload(); p && *p == std::string(300, 'p')) found = s.pdu.short_message.empty();
    CHECK(found);
}

TEST_CASE("forward path: a message no carrier of its route can take as it is gets a status saying why, and is not "
          "stored",
          "[relay][forward][capabilities]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {},
            capable_route({.message_payload = false, .max_parts = 1}, {.message_payload = false, .max_parts = 1}));
    REQUIRE(rig.ready());
    // message_payload too long for short_message, and no carrier takes it:
    // split (forward_split.cpp) it needs 2 parts, more than they take.
    REQUIRE(rig.submit(1, with_payload(300), true));
    CHECK(rig.answers[0].status == command_status::ESME_RINVMSGLEN);
    // Two parts (in short_message, or as UDH parts) exceed every carrier's limit.
    auto two = to("447700900123");
    two.short_message = std::string(200, 's');
    REQUIRE(rig.submit(1, two, true));
    CHECK(rig.answers[1].status == command_status::ESME_RINVMSGLEN);
    REQUIRE(rig.submit(1, part("447700900123", 6, 4, 1), true));
    CHECK(rig.answers[2].status == command_status::ESME_RINVMSGLEN);
    // A destination no route covers is still that.
    REQUIRE(rig.submit(1, to("3312345678"), true));
    CHECK(rig.answers[3].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.forward->counters().accepted == 0);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward path: after a restart, resumed parts go where their record says their siblings were going",
          "[relay][forward][parts]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, shared_route());
    REQUIRE(rig.ready());
    // Parts 2 and 3 of two messages a restart found queued; their records
    // were accepted when the message's pin said carrier01 (message 1) and
    // carrier00 (message 2). Round-robin alone would split each pair.
    store::MessageIdGenerator ids{9};
    std::vector<store::MessageRecord> records;
    for (const auto& [ref, carrier] : {std::pair{1, "carrier01"}, std::pair{2, "carrier00"}})
        for (std::uint8_t seq = 2; seq <= 3; ++seq) {
            store::MessageRecord r;
            r.id = ids.next();
            r.account = "acme";
            r.destination = {1, 1, "447700900123"};
            r.source = {5, 0, "Shop"};
            r.payload = fmt::format("r{}p{}", ref, seq);
            r.concatenation = store::Concatenation{static_cast<std::uint16_t>(ref), 3, seq};
            r.route = {carrier, "route 44@1 (priority): ..."};
            r.status = store::MessageStatus::queued;
            bool stored = false;
            ledger.accept(r, [&](store::Status st) { stored = st.ok(); });
            REQUIRE(stored);
            records.push_back(r);
        }
    for (auto& r : records) rig.forward->resume(r);
    auto carrier_of = [&](const store::MessageRecord& r) {
        REQUIRE(loop.run_until([&] { return ledger.find(r.id)->status == store::MessageStatus::sent; }, 5s));
        return ledger.find(r.id)->attempts.back().carrier;
    };
    CHECK(carrier_of(records[0]) == "carrier01");
    CHECK(carrier_of(records[1]) == "carrier01");
    CHECK(carrier_of(records[2]) == "carrier00");
    CHECK(carrier_of(records[3]) == "carrier00");
}

TEST_CASE("forward path: after a restart, a part whose sibling a carrier took before it waits for that carrier",
          "[relay][forward][parts]") {
    // Part 1 was sent to carrier00 before the restart; part 2 was queued
    // and is resumed while carrier00 is down. Seeded from the ledger's
    // taken_parts it waits for carrier00; without the seed (the control)
    // it fails over to carrier01 alone and the message is split.
    for (const bool seeded : {true, false}) {
        DYNAMIC_SECTION((seeded ? "seeded" : "control: not seeded")) {
            store::InMemoryLedger ledger;
            Loop loop;
            auto fs = fast_retries();
            fs.outage_retry_max = 20ms;
            Rig rig(loop, ledger, true, fs);  // carrier00 first, then carrier01
            REQUIRE(rig.ready());
            rig.carriers.at("carrier00")->disable();
            REQUIRE(loop.run_until([&] { return !rig.carriers.at("carrier00")->accepting(); }));
            const auto now = store::MessageIdGenerator::system_clock_ms();
            store::MessageIdGenerator ids{9};
            store::MessageRecord r;
            r.id = ids.next();
            r.account = "acme";
            r.destination = {1, 1, "447700900123"};
            r.source = {5, 0, "Shop"};
            r.payload = "part 2";
            r.concatenation = store::Concatenation{7, 2, 2};
            r.route = {"carrier01", "route 44@1 (priority): ..."};  // where it was going: no pin yet then
            r.status = store::MessageStatus::queued;
            bool stored = false;
            ledger.accept(r, [&](store::Status st) { stored = st.ok(); });
            REQUIRE(stored);
            const store::TakenPart sibling{"acme", "Shop", "447700900123", store::Concatenation{7, 2, 1}, "carrier00",
                                           now - std::chrono::minutes(2)};
            // One older than concat_window pins nothing.
            auto stale = sibling;
            stale.part.reference = 8;
            stale.at = now - std::chrono::minutes(11);
            if (seeded) CHECK(rig.forward->seed_taken_parts({sibling, stale}, now) == 1);
            rig.forward->resume(r);
            if (!seeded) {
                REQUIRE(loop.run_until([&] { return ledger.find(r.id)->status == store::MessageStatus::sent; }, 5s));
                CHECK(ledger.find(r.id)->attempts.back().carrier == "carrier01");
                continue;
            }
            REQUIRE(loop.run_until([&] { return rig.forward->counters().retries >= 5; }, 3s));
            CHECK(ledger.find(r.id)->status == store::MessageStatus::queued);
            CHECK(rig.smsc.accepted.empty());
            rig.carriers.at("carrier00")->enable();
            REQUIRE(loop.run_until([&] { return ledger.find(r.id)->status == store::MessageStatus::sent; }, 5s));
            CHECK(ledger.find(r.id)->attempts.back().carrier == "carrier00");
            CHECK(rig.forward->pinned_messages() == 0);  // both parts taken
        }
    }
}
