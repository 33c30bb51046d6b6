#include "smpp/relay/receipt_timeouts.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "store/in_memory_ledger.hpp"

using namespace smpp;
using store::MessageStatus;

namespace {

const auto t0 = store::Timestamp(std::chrono::milliseconds(1'800'000'000'000));
using std::chrono::hours;
using std::chrono::milliseconds;

store::MessageRecord sent_record(store::Ledger& l, std::uint16_t seq, std::string account, store::Timestamp sent_at) {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, seq);
    r.account = std::move(account);
    r.destination = {1, 1, "447700900123"};
    r.payload = "x";
    r.registered_delivery = 1;
    r.accepted_at = r.updated_at = t0;
    l.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    l.sent(r.id, "carrier01", "C" + std::to_string(seq), {}, sent_at, [](store::Status s) { REQUIRE(s.ok()); });
    return r;
}

}  // namespace

TEST_CASE("receipt timeouts: overdue messages get their account's synthetic state, once", "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger;
    auto now = t0 + hours(100);
    std::vector<std::string> owed;

    auto a1 = sent_record(ledger, 1, "acme", t0 + hours(1));      // 99 h old: overdue for acme (72 h)
    auto a2 = sent_record(ledger, 2, "acme", t0 + hours(90));     // 10 h old: not yet
    auto o1 = sent_record(ledger, 3, "otpbank", t0 + hours(99));  // 1 h old: overdue for otpbank (30 min)
    auto o2 = sent_record(ledger, 4, "otpbank", t0 + hours(2));

    relay::ReceiptTimeoutSettings s;
    s.batch = 1;  // every record its own batch: the continuation is exercised
    s.shortest = milliseconds(std::chrono::minutes(30));
    s.clock = [&] { return now; };
    s.policy = [](const std::string& account) {
        if (account == "otpbank") return relay::ReceiptTimeoutPolicy{std::chrono::minutes(30), MessageStatus::expired};
        return relay::ReceiptTimeoutPolicy{hours(72), MessageStatus::undeliverable};
    };
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s,
                                            [&](const std::string& account) { owed.push_back(account); });
    bool done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::seconds(2));
    REQUIRE(done);

    auto a1r = ledger.find(a1.id);
    CHECK(a1r->status == MessageStatus::undeliverable);
    CHECK(a1r->synthetic_receipt);
    CHECK(ledger.find(a2.id)->status == MessageStatus::sent);
    CHECK(ledger.find(o1.id)->status == MessageStatus::expired);
    CHECK(ledger.find(o2.id)->status == MessageStatus::expired);
    CHECK(t->timed_out() == 3);
    CHECK(owed.size() == 3);
    CHECK(ledger.pending_receipts("otpbank", 10)->size() == 2);

    // A second sweep finds nothing new; the carrier's late receipt is absorbed.
    io.restart();
    done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::milliseconds(200));
    CHECK(done);
    CHECK(t->timed_out() == 3);
    store::CarrierReceipt late{.carrier = "carrier01", .keys = {"C1"}, .status = MessageStatus::delivered};
    ledger.apply_receipt(late, [](store::StatusOr<store::ReceiptMatch> m) {
        REQUIRE(m.ok());
        CHECK(m->outcome == store::receipt_outcome::duplicate);
    });
    CHECK(ledger.find(a1.id)->status == MessageStatus::undeliverable);
}

TEST_CASE("receipt timeouts: a message still in doubt is reported as stat UNKNOWN, whatever the account's policy",
          "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger;
    auto now = t0 + hours(100);
    std::vector<std::string> owed;
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, 7);
    r.account = "otpbank";
    r.destination = {1, 1, "447700900123"};
    r.payload = "x";
    r.registered_delivery = 1;
    r.traffic_class = "otp";
    r.accepted_at = r.updated_at = t0;
    r.status = MessageStatus::sending;
    r.attempts.push_back(store::Attempt{.carrier = "carrier01", .at = t0, .status = MessageStatus::sending});
    ledger.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    ledger.update(r.id,
                  store::StateChange{.status = MessageStatus::in_doubt,
                                     .at = t0 + hours(1),
                                     .attempt = store::Attempt{.carrier = "carrier01",
                                                               .at = t0 + hours(1),
                                                               .status = MessageStatus::in_doubt}},
                  [](store::Status s) { REQUIRE(s.ok()); });

    relay::ReceiptTimeoutSettings s;
    s.shortest = milliseconds(std::chrono::minutes(30));
    s.clock = [&] { return now; };
    s.policy = [](const std::string&) {
        return relay::ReceiptTimeoutPolicy{std::chrono::minutes(30), MessageStatus::expired};
    };
    // otp is re-sent on timeout, but an in-doubt message names no carrier to avoid.
    s.resend_classes = {"otp"};
    bool resent = false;
    s.resend = [&](store::MessageRecord, std::string) { return resent = true; };
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s,
                                            [&](const std::string& account) { owed.push_back(account); });
    bool done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::seconds(2));
    REQUIRE(done);
    CHECK_FALSE(resent);
    auto after = ledger.find(r.id);
    CHECK(after->status == MessageStatus::undeliverable);  // stat UNKNOWN upstream, not the policy's EXPIRED
    CHECK(after->synthetic_receipt);
    CHECK(owed == std::vector<std::string>{"otpbank"});
    CHECK(t->timed_out() == 1);
}

#include "smpp/relay/receipt_forwarder.hpp"

TEST_CASE("receipt timeouts: a synthetic undeliverable goes upstream as stat UNKNOWN", "[relay][receipts]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, 9);
    r.account = "acme";
    r.status = MessageStatus::undeliverable;
    r.synthetic_receipt = true;
    store::PendingReceipt p{.account = "acme", .id = r.id, .status = MessageStatus::undeliverable, .done_at = t0};
    auto d = relay::make_upstream_receipt(r, p);
    CHECK(d.short_message.find("stat:UNKNOWN") != std::string::npos);
    CHECK(d.tlvs.message_state() == protocol::message_state::unknown);
    r.synthetic_receipt = false;
    d = relay::make_upstream_receipt(r, p);
    CHECK(d.short_message.find("stat:UNDELIV") != std::string::npos);
}

TEST_CASE("receipt timeouts: an aggregated multipart receipt counts the parts in sub, dlvrd and the text",
          "[relay][receipts]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, 10);
    r.account = "acme";
    r.status = MessageStatus::delivered;
    r.payload = "the first part's text";
    store::PendingReceipt p{.account = "acme",
                            .id = r.id,
                            .status = MessageStatus::undeliverable,
                            .error_code = 11,
                            .done_at = t0,
                            .parts = 3,
                            .parts_delivered = 2,
                            .detail = "parts:DUD"};
    auto d = relay::make_upstream_receipt(r, p);
    CHECK(d.short_message.find("id:" + r.id.to_string() + " sub:003 dlvrd:002 ") == 0);
    CHECK(d.short_message.find("stat:UNDELIV err:011 text:parts:DUD") != std::string::npos);
    CHECK(d.tlvs.receipted_message_id() == r.id.to_string());
}

namespace {

// A record as the forward path leaves it: sent through `carrier` under `cmid`.
store::MessageRecord overdue(store::Ledger& l, std::uint16_t seq, std::string traffic_class, bool duplicate_risk) {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, seq);
    r.account = "acme";
    r.destination = {1, 1, "447700900123"};
    r.payload = "x";
    r.registered_delivery = 1;
    r.traffic_class = std::move(traffic_class);
    r.duplicate_risk = duplicate_risk;
    r.accepted_at = r.updated_at = t0;
    l.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    l.sent(r.id, "carrier01", "C" + std::to_string(seq), {}, t0, [](store::Status s) { REQUIRE(s.ok()); });
    return r;
}

}  // namespace

TEST_CASE("receipt timeouts: only the classes set to resend are re-sent, once, and only with another carrier",
          "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger;
    auto otp = overdue(ledger, 1, "otp", false);
    auto bulk = overdue(ledger, 2, "bulk", false);
    auto again = overdue(ledger, 3, "otp", true);    // re-sent before: reported now
    auto lonely = overdue(ledger, 4, "otp", false);  // its route has no other carrier
    // One part of a concatenated message: alone at another carrier it would
    // not join its siblings.
    store::MessageRecord part_record;
    part_record.id = store::MessageId::make(t0, 1, 5);
    part_record.account = "acme";
    part_record.destination = {1, 1, "447700900124"};
    part_record.payload = "p2";
    part_record.registered_delivery = 1;
    part_record.traffic_class = "otp";
    part_record.concatenation = store::Concatenation{7, 2, 2};
    part_record.accepted_at = part_record.updated_at = t0;
    ledger.accept(part_record, [](store::Status st) { REQUIRE(st.ok()); });
    ledger.sent(part_record.id, "carrier01", "C5", {}, t0, [](store::Status st) { REQUIRE(st.ok()); });

    std::vector<std::pair<store::MessageId, std::string>> resent;
    relay::ReceiptTimeoutSettings s;
    s.shortest = hours(1);
    s.clock = [] { return t0 + hours(2); };
    s.policy = [](const std::string&) { return relay::ReceiptTimeoutPolicy{hours(1), MessageStatus::expired}; };
    s.resend_classes = {"otp"};
    s.resend = [&](store::MessageRecord r, std::string not_via) {
        if (r.id == lonely.id) return false;
        resent.emplace_back(r.id, std::move(not_via));
        return true;
    };
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s, nullptr);
    bool done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::seconds(2));
    REQUIRE(done);
    REQUIRE(resent.size() == 1);
    CHECK(resent[0] == std::make_pair(otp.id, std::string("carrier01")));
    CHECK(t->resent() == 1);
    CHECK(t->timed_out() == 4);
    CHECK(ledger.find(otp.id)->status == MessageStatus::sent);  // ForwardPath::resend's business now
    CHECK(ledger.find(bulk.id)->status == MessageStatus::expired);
    CHECK(ledger.find(again.id)->status == MessageStatus::expired);
    CHECK(ledger.find(lonely.id)->status == MessageStatus::expired);
    CHECK(ledger.find(part_record.id)->status == MessageStatus::expired);
}

#include "forward_rig.hpp"

TEST_CASE("receipt timeouts: a re-send goes through the next carrier; the first final receipt wins",
          "[relay][receipts]") {
    using namespace relay::test;
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true);  // route 44: carrier00, then carrier01
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(2, to("447700900123")));
    std::vector<store::MessageId> ids;
    for (const auto& a : rig.answers) {
        REQUIRE(a.status == protocol::command_status::ESME_ROK);
        ids.push_back(*store::MessageId::parse(a.message_id));
    }
    auto status_is = [&](store::MessageId id, MessageStatus s, std::size_t attempts) {
        auto r = ledger.find(id);
        return r.ok() && r->status == s && r->attempts.size() == attempts;
    };
    REQUIRE(loop.run_until([&] { return status_is(ids[0], MessageStatus::sent, 1) && status_is(ids[1], MessageStatus::sent, 1); }, 5s));
    CHECK(ledger.find(ids[0])->attempts[0].carrier == "carrier00");

    relay::ReceiptTimeoutSettings s;
    s.shortest = hours(1);
    s.clock = [] {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + hours(2);
    };
    s.policy = [](const std::string&) { return relay::ReceiptTimeoutPolicy{hours(1), MessageStatus::undeliverable}; };
    s.resend_classes = {"transactional"};
    s.resend = [forward = rig.forward](store::MessageRecord r, std::string not_via) {
        return forward->resend(std::move(r), std::move(not_via));
    };
    std::vector<std::string> owed;
    auto t = relay::ReceiptTimeouts::create(loop.ioc.get_executor(), ledger, s,
                                            [&](const std::string& a) { owed.push_back(a); });
    bool done = false;
    t->sweep([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done; }, 5s));
    CHECK(t->resent() == 2);
    CHECK(t->timed_out() == 0);
    REQUIRE(loop.run_until([&] { return status_is(ids[0], MessageStatus::sent, 2) && status_is(ids[1], MessageStatus::sent, 2); }, 5s));
    for (auto id : ids) {
        auto r = ledger.find(id);
        CHECK(r->duplicate_risk);
        CHECK(r->attempts[0].carrier == "carrier00");
        CHECK(r->attempts[1].carrier == "carrier01");  // not the carrier that had it
        CHECK(r->attempts[1].status == MessageStatus::sent);
    }
    CHECK(rig.smsc.accepted.size() == 4);

    auto receipt = [&](std::string carrier, std::string cmid, MessageStatus st) {
        std::optional<store::StatusOr<store::ReceiptMatch>> got;
        ledger.apply_receipt(store::CarrierReceipt{.carrier = std::move(carrier), .keys = {cmid},
                                                   .carrier_message_id = cmid, .status = st},
                             [&](store::StatusOr<store::ReceiptMatch> m) { got = std::move(m); });
        REQUIRE(got);
        REQUIRE(got->ok());
        return got->value().outcome;
    };
    // Message 0: the first carrier's late receipt completes it; the second's is absorbed.
    const auto cmid0 = ledger.find(ids[0])->attempts[0].carrier_message_id;
    const auto cmid0b = ledger.find(ids[0])->attempts[1].carrier_message_id;
    CHECK(receipt("carrier00", cmid0, MessageStatus::delivered) == store::receipt_outcome::matched);
    CHECK(receipt("carrier01", cmid0b, MessageStatus::undeliverable) == store::receipt_outcome::duplicate);
    CHECK(ledger.find(ids[0])->status == MessageStatus::delivered);
    // Message 1: the other way round.
    const auto cmid1 = ledger.find(ids[1])->attempts[0].carrier_message_id;
    const auto cmid1b = ledger.find(ids[1])->attempts[1].carrier_message_id;
    CHECK(receipt("carrier01", cmid1b, MessageStatus::delivered) == store::receipt_outcome::matched);
    CHECK(receipt("carrier00", cmid1, MessageStatus::delivered) == store::receipt_outcome::duplicate);
    auto owed_receipts = ledger.pending_receipts("acme", 10);
    REQUIRE(owed_receipts.ok());
    CHECK(owed_receipts->size() == 0);  // registered_delivery 0: the upstream asked for none

    // A second timeout does not re-send again: nothing is `sent` without a final state.
    done = false;
    t->sweep([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done; }, 5s));
    CHECK(t->resent() == 2);
    t->stop();
    loop.run_for(20ms);
}

#include "store/rocksdb_ledger.hpp"

namespace {

store::Timestamp wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Life 1 of the restart tests: one message through the 44 route's first
// carrier (carrier00), then the first step of ForwardPath::resend (queued,
// duplicate_risk) made durable, and the connector dies before the re-send
// leaves. Returns the message's id.
store::MessageId sent_then_requeued(const store::LedgerSettings& settings) {
    using namespace relay::test;
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Loop loop;
    Rig rig(loop, **ledger, true);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(rig.answers[0].status == protocol::command_status::ESME_ROK);
    const auto id = *store::MessageId::parse(rig.answers[0].message_id);
    REQUIRE(loop.run_until([&] { auto r = (*ledger)->find(id); return r.ok() && r->status == MessageStatus::sent; }, 10s));
    REQUIRE((*ledger)->find(id)->attempts.size() == 1);
    REQUIRE((*ledger)->find(id)->attempts[0].carrier == "carrier00");
    std::optional<store::Status> st;
    (*ledger)->update(id,
                      store::StateChange{.status = MessageStatus::queued,
                                         .at = wall_now(),
                                         .only_from = {MessageStatus::sent},
                                         .duplicate_risk = true},
                      [&](store::Status s) { st = std::move(s); });
    REQUIRE(loop.run_until([&] { return st.has_value(); }, 10s));
    REQUIRE(st->ok());
    return id;
}

}  // namespace

TEST_CASE("receipt timeouts: a re-send resumed after a restart avoids the carrier that had it", "[relay][receipts]") {
    using namespace relay::test;
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    const auto id = sent_then_requeued(settings);

    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Loop loop;
    Rig rig(loop, **ledger, true);  // route 44: carrier00 (which has it), then carrier01
    REQUIRE(rig.ready());
    auto recovered = (*ledger)->recover(wall_now(), store::Timestamp{});
    REQUIRE(recovered.ok());
    REQUIRE(recovered->resume.size() == 1);
    CHECK(recovered->in_doubt.empty());
    CHECK(recovered->resume[0].duplicate_risk);
    rig.forward->resume(recovered->resume[0]);
    REQUIRE(loop.run_until([&] { auto r = (*ledger)->find(id); return r.ok() && r->status == MessageStatus::sent; }, 10s));
    auto r = (*ledger)->find(id);
    REQUIRE(r->attempts.size() == 2);
    CHECK(r->attempts[0].carrier == "carrier00");
    CHECK(r->attempts[1].carrier == "carrier01");
    CHECK(r->attempts[1].status == MessageStatus::sent);
    CHECK(r->duplicate_risk);
    CHECK(rig.smsc.submits.size() == 1);  // once, in this life
    CHECK(rig.forward->held("acme") == 0);  // a carrier has it: beyond cancel_sm
    CHECK(rig.forward->backlog("acme") == 0);
}

TEST_CASE("receipt timeouts: a re-send resumed with no other carrier left waits for its receipt, sent again",
          "[relay][receipts]") {
    using namespace relay::test;
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    const auto id = sent_then_requeued(settings);

    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Loop loop;
    // The route now has only the carrier that has the message.
    Rig rig(loop, **ledger, true, {}, relay::MessageRouter::of({{"44", std::vector<std::string>{"carrier00"}}}));
    REQUIRE(rig.ready());
    auto recovered = (*ledger)->recover(wall_now(), store::Timestamp{});
    REQUIRE(recovered.ok());
    REQUIRE(recovered->resume.size() == 1);
    rig.forward->resume(recovered->resume[0]);
    REQUIRE(loop.run_until([&] { auto r = (*ledger)->find(id); return r.ok() && r->status == MessageStatus::sent; }, 10s));
    loop.run_for(100ms);
    auto r = (*ledger)->find(id);
    CHECK(r->status == MessageStatus::sent);
    REQUIRE(r->attempts.size() == 1);
    CHECK(r->attempts[0].carrier == "carrier00");
    CHECK(r->duplicate_risk);
    CHECK(rig.smsc.submits.empty());
    // Its receipt timeout now reports it (re-sent once already) instead of re-sending.
    auto awaiting = (*ledger)->awaiting_receipt(wall_now() + hours(1), 10);
    REQUIRE(awaiting.ok());
    REQUIRE(awaiting->size() == 1);
    CHECK(awaiting->front().id == id);
}

namespace {

// Part `number` of 2 of message `reference` of acme (aggregate receipts), sent at `sent_at`.
store::MessageRecord sent_part(store::Ledger& l, std::uint8_t number, std::uint16_t reference,
                               store::Timestamp sent_at) {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, static_cast<std::uint16_t>(reference * 10 + number));
    r.account = "acme";
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.payload = "part";
    r.registered_delivery = 1;
    r.concatenation = store::Concatenation{reference, 2, number};
    r.accepted_at = r.updated_at = t0;
    l.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    l.sent(r.id, "carrier01", "P" + r.id.to_string(), {}, sent_at, [](store::Status s) { REQUIRE(s.ok()); });
    return r;
}

void deliver(store::Ledger& l, const store::MessageRecord& r, store::Timestamp at) {
    l.apply_receipt(store::CarrierReceipt{.carrier = "carrier01",
                                          .keys = {"P" + r.id.to_string()},
                                          .status = MessageStatus::delivered,
                                          .received_at = at},
                    [](store::StatusOr<store::ReceiptMatch> m) { REQUIRE(m.ok()); });
}

}  // namespace

TEST_CASE("receipt timeouts: a concatenated message missing a part gets its aggregate receipt once quiet for the "
          "account's receipt timeout",
          "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger(store::MultipartBook{{"acme", store::multipart_policy::aggregate}});
    // Message 1: the upstream sent part 1 of 2 only. Message 2: both parts
    // went, part 2's receipt never came (its timeout completes the group).
    auto lone = sent_part(ledger, 1, 1, t0 + hours(1));
    deliver(ledger, lone, t0 + hours(2));
    auto first = sent_part(ledger, 1, 2, t0 + hours(1));
    auto second = sent_part(ledger, 2, 2, t0 + hours(1));
    deliver(ledger, first, t0 + hours(2));

    auto now = t0 + hours(2) + hours(72) + std::chrono::minutes(30);  // within the grace
    std::vector<std::string> owed;
    relay::ReceiptTimeoutSettings s;
    s.shortest = hours(72);
    s.clock = [&] { return now; };
    s.part_groups_every = hours(1);
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s,
                                            [&](const std::string& account) { owed.push_back(account); });
    auto sweep = [&] {
        bool done = false;
        t->sweep([&] { done = true; });
        io.restart();
        io.run_for(std::chrono::seconds(2));
        REQUIRE(done);
    };
    sweep();
    // Part 2's timeout completed message 2 as any receipt would have.
    CHECK(ledger.find(second.id)->status == MessageStatus::undeliverable);
    auto p = ledger.pending_receipts("acme", 10);
    REQUIRE(p->size() == 1);
    CHECK(p->front().id == first.id);
    CHECK(p->front().detail == "parts:DU");
    CHECK(t->part_groups_given_up() == 0);

    // Past the grace, but looked at less than part_groups_every ago: not yet.
    now += std::chrono::minutes(35);
    sweep();
    CHECK(t->part_groups_given_up() == 0);
    now += std::chrono::minutes(30);
    owed.clear();
    sweep();
    CHECK(t->part_groups_given_up() == 1);
    CHECK(owed == std::vector<std::string>{"acme"});
    p = ledger.pending_receipts("acme", 10);
    REQUIRE(p->size() == 2);
    CHECK(p->front().id == lone.id);
    CHECK(p->front().status == MessageStatus::undeliverable);
    CHECK(p->front().parts == 2);
    CHECK(p->front().parts_delivered == 1);
    CHECK(p->front().detail == "parts:D-");
    CHECK(p->front().done_at == now);

    // Gone: never reported twice.
    now += hours(1);
    sweep();
    CHECK(t->part_groups_given_up() == 1);
    CHECK(ledger.pending_receipts("acme", 10)->size() == 2);
}

TEST_CASE("receipt timeouts: a part sent long after its sibling's receipt, then never receipted, reports its message "
          "once",
          "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger(store::MultipartBook{{"acme", store::multipart_policy::aggregate}});
    // Part 2 reached its carrier 2 h after part 1 was delivered (it waited
    // out that carrier's outage), and its receipt never came. The group is
    // given up on 73 h after part 1's receipt; part 2 times out an hour
    // later. Before, part 2 then started a group of its own, given up on in
    // turn: two aggregate receipts for one message ("parts:D-", "parts:-U").
    auto first = sent_part(ledger, 1, 7, t0 + hours(1));
    deliver(ledger, first, t0 + hours(1));
    auto second = sent_part(ledger, 2, 7, t0 + hours(3));
    store::Timestamp now = t0;
    relay::ReceiptTimeoutSettings s;
    s.shortest = hours(72);
    s.clock = [&] { return now; };
    s.part_groups_every = std::chrono::minutes(1);
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s, [](const std::string&) {});
    auto sweep = [&] {
        bool done = false;
        t->sweep([&] { done = true; });
        io.restart();
        io.run_for(std::chrono::seconds(2));
        REQUIRE(done);
    };
    // Hourly sweeps for ten days, as the connector runs them.
    for (now = t0 + hours(2); now < t0 + hours(240); now += hours(1)) sweep();
    CHECK(ledger.find(second.id)->status == MessageStatus::undeliverable);
    auto p = ledger.pending_receipts("acme", 10);
    REQUIRE(p.ok());
    REQUIRE(p->size() == 1);
    CHECK(p->front().id == first.id);
    CHECK(p->front().detail == "parts:D-");
    CHECK(t->part_groups_given_up() == 1);
}
