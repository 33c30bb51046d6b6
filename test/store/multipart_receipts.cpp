// Receipts of concatenated messages per account policy (all, first, last,
// aggregate): the pure rule, then both ledgers, receipts in any order,
// duplicates, a failing part and a restart in the middle.
#include "store/multipart_receipts.hpp"

#include <catch2/catch.hpp>

#include <future>

#include "ledger_fixtures.hpp"

using namespace smpp::store;
using namespace smpp::store::test;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t day_ms = 86'400'000;
const Timestamp t0 = Timestamp(milliseconds(MessageId::epoch_unix_ms + 200 * day_ms));
Timestamp at(std::int64_t offset_ms) { return t0 + milliseconds(offset_ms); }
MessageId id_at(std::int64_t offset_ms, std::uint16_t seq = 0) { return MessageId::make(at(offset_ms), 1, seq); }

// Part `number` of `total` of the message `reference`, by sar_* fields.
MessageRecord part(std::uint8_t number, std::uint8_t total = 3, std::uint16_t reference = 0x2A,
                   std::string account = "acme") {
    MessageRecord r;
    r.id = id_at(number, reference);
    r.account = std::move(account);
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.registered_delivery = 1;
    r.payload = "part " + std::to_string(number);
    r.concatenation = Concatenation{reference, total, number};
    r.accepted_at = r.updated_at = r.id.time();
    return r;
}

std::string cmid(const MessageRecord& r) { return "C" + std::to_string(r.concatenation->number) + "-" + std::to_string(r.concatenation->reference); }

CarrierReceipt carrier_receipt(const MessageRecord& r, MessageStatus status, std::int64_t received_ms,
                               std::uint32_t error = 0) {
    CarrierReceipt c;
    c.carrier = "carrier-a";
    c.carrier_message_id = cmid(r);
    c.keys = {c.carrier_message_id};
    c.status = status;
    c.error_code = error;
    c.received_at = at(received_ms);
    c.done_at = at(received_ms - 5);
    c.raw = "id:" + c.carrier_message_id;
    return c;
}

// Both ledgers, opened with an account's multipart policy.
struct MemoryMultipart {
    std::unique_ptr<InMemoryLedger> ledger;
    void open(MultipartBook book) { ledger = std::make_unique<InMemoryLedger>(std::move(book)); }
    Ledger& get() { return *ledger; }
    void reopen() {}
};

struct RocksDbMultipart {
    TempDir dir;
    MultipartBook book;
    std::unique_ptr<RocksDbLedger> ledger;
    void open(MultipartBook b) {
        book = std::move(b);
        reopen();
    }
    Ledger& get() { return *ledger; }
    void reopen() {
        ledger.reset();
        LedgerSettings settings;
        settings.path = dir.path;
        settings.multipart = book;
        auto opened = RocksDbLedger::open(settings);
        REQUIRE(opened.ok());
        ledger = std::move(opened).value();
    }
};

template <class F>
void accept_and_send(F& f, const MessageRecord& r) {
    REQUIRE(wait_for([&](Completion done) { f.get().accept(r, std::move(done)); }).ok());
    REQUIRE(wait_for([&](Completion done) { f.get().sent(r.id, "carrier-a", cmid(r), {}, at(50), std::move(done)); })
                .ok());
}

template <class F>
ReceiptMatch receipt(F& f, CarrierReceipt c) {
    std::promise<StatusOr<ReceiptMatch>> done;
    auto result = done.get_future();
    f.get().apply_receipt(std::move(c), [&done](StatusOr<ReceiptMatch> m) { done.set_value(std::move(m)); });
    auto m = result.get();
    REQUIRE(m.ok());
    return *m;
}

// The account's owed receipts without their envelopes (checked on their own).
template <class F>
std::vector<PendingReceipt> owed(F& f) {
    auto p = f.get().pending_receipts("acme", 100);
    REQUIRE(p.ok());
    for (auto& r : *p) {
        CHECK(r.envelope.has_value());
        r.envelope.reset();
    }
    return *p;
}

template <class F>
std::vector<MessageRecord> three_parts(F& f, multipart_policy policy) {
    f.open(MultipartBook{{"acme", policy}});
    std::vector<MessageRecord> parts{part(1), part(2), part(3)};
    for (const auto& p : parts) accept_and_send(f, p);
    return parts;
}

}  // namespace

TEST_CASE("multipart: a record's part comes from sar_* fields or its UDH") {
    auto r = part(2, 4, 0x1234);
    CHECK(part_of(r) == Concatenation{0x1234, 4, 2});
    r.concatenation.reset();
    CHECK_FALSE(part_of(r).has_value());
    r.esm_class = 0x40;
    r.payload = std::string("\x05\x00\x03\x7F\x03\x02hello", 11);
    CHECK(part_of(r) == Concatenation{0x7F, 3, 2});
    r.payload = std::string("\x06\x08\x04\x12\x34\x05\x05hi", 9);
    CHECK(part_of(r) == Concatenation{0x1234, 5, 5});
    // A header that runs past the payload, or one part of one: not a part.
    r.payload = std::string("\x05\x00\x03\x7F", 4);
    CHECK_FALSE(part_of(r).has_value());
    r.concatenation = Concatenation{1, 1, 1};
    CHECK_FALSE(part_of(r).has_value());
    CHECK(part_group_key(part(1, 3, 0x0102), Concatenation{0x0102, 3, 1}) ==
          std::string("acme\0ACME\0" "447700900123\0\x01\x02\x03", 26));
}

TEST_CASE("multipart: a part group survives its encoding") {
    PartGroup g{.total = 3,
                .parts = {{1, MessageId(77), MessageStatus::delivered, 0, at(1)},
                          {3, MessageId(79), MessageStatus::undeliverable, 11, at(3)}},
                .updated_at = at(9)};
    auto back = decode_part_group(encode(g));
    REQUIRE(back.ok());
    CHECK(*back == g);
    CHECK(decode_part_group(encode(g).substr(1)).status().code() == StatusCode::corruption);
    // A group written before updated_at was kept (version 1, no trailing
    // time) counts as changed when its newest part became final.
    PartGroup unset = g;
    unset.updated_at = Timestamp{};
    std::string v1 = encode(unset);
    v1[0] = 1;
    v1.pop_back();  // the flags
    v1.pop_back();  // the epoch, one octet
    back = decode_part_group(v1);
    REQUIRE(back.ok());
    CHECK(back->parts == g.parts);
    CHECK(back->updated_at == at(3));
    // Version 2 (updated_at, no flags) reads as not given up.
    std::string v2 = encode(g);
    v2[0] = 2;
    v2.pop_back();  // the flags
    back = decode_part_group(v2);
    REQUIRE(back.ok());
    CHECK(*back == g);
    PartGroup tombstone = g;
    tombstone.given_up = true;
    tombstone.given_up_at = at(10);
    back = decode_part_group(encode(tombstone));
    REQUIRE(back.ok());
    CHECK(*back == tombstone);
    CHECK(worst(MessageStatus::delivered, MessageStatus::expired) == MessageStatus::expired);
    CHECK(worst(MessageStatus::undeliverable, MessageStatus::expired) == MessageStatus::undeliverable);
    CHECK(worst(MessageStatus::rejected, MessageStatus::undeliverable) == MessageStatus::rejected);
}

TEST_CASE("multipart: an aggregated receipt survives the pending-receipt encoding") {
    PendingReceipt r{.account = "acme", .id = MessageId(5), .status = MessageStatus::undeliverable, .error_code = 11,
                     .done_at = at(9), .parts = 3, .parts_delivered = 2, .detail = "parts:DUD"};
    PendingReceipt back{.account = "acme", .id = MessageId(5)};
    REQUIRE(decode_receipt_value(encode_receipt_value(r), back).ok());
    CHECK(back == r);
    // A single message's receipt keeps the version 1 encoding.
    PendingReceipt one{.account = "acme", .id = MessageId(6), .status = MessageStatus::delivered, .done_at = at(1)};
    CHECK(encode_receipt_value(one)[0] == 1);
    one.envelope = ReceiptEnvelope{.source = {5, 0, "ACME"}, .destination = {1, 1, "4477"}, .registered_delivery = 17,
                                   .data_coding = 8, .accepted_at = at(1), .updated_at = at(2), .text = "hi",
                                   .synthetic_receipt = true};
    PendingReceipt back3{.account = "acme", .id = MessageId(6)};
    REQUIRE(decode_receipt_value(encode_receipt_value(one), back3).ok());
    CHECK(back3 == one);
    CHECK(encode_receipt_value(one)[0] == 3);
}

TEMPLATE_TEST_CASE("multipart: 'all' owes every part's receipt", "[ledger][receipts]", MemoryMultipart,
                   RocksDbMultipart) {
    TestType f;
    auto parts = three_parts(f, multipart_policy::all);
    for (int i : {2, 0, 1}) CHECK(receipt(f, carrier_receipt(parts[i], MessageStatus::delivered, 100 + i)).owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 3);
    CHECK(o[0].id == parts[0].id);
    CHECK(o[2].id == parts[2].id);
    CHECK(o[0].parts == 0);
}

TEMPLATE_TEST_CASE("multipart: 'first' owes part 1's receipts only, whatever the order", "[ledger][receipts]",
                   MemoryMultipart, RocksDbMultipart) {
    TestType f;
    auto parts = three_parts(f, multipart_policy::first);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[2], MessageStatus::delivered, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[1], MessageStatus::undeliverable, 101, 11)).owes_upstream);
    CHECK(owed(f).empty());
    auto m = receipt(f, carrier_receipt(parts[0], MessageStatus::delivered, 102));
    CHECK(m.outcome == receipt_outcome::matched);
    CHECK(m.owes_upstream);
    CHECK(receipt(f, carrier_receipt(parts[0], MessageStatus::delivered, 103)).outcome == receipt_outcome::duplicate);
    f.reopen();
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0] == PendingReceipt{.account = "acme", .id = parts[0].id, .status = MessageStatus::delivered,
                                 .done_at = at(97)});
    // Every part's record still has its own final state.
    CHECK(f.get().find(parts[1].id)->status == MessageStatus::undeliverable);
}

TEMPLATE_TEST_CASE("multipart: 'last' owes the last part's receipts only", "[ledger][receipts]", MemoryMultipart,
                   RocksDbMultipart) {
    TestType f;
    auto parts = three_parts(f, multipart_policy::last);
    CHECK(receipt(f, carrier_receipt(parts[2], MessageStatus::expired, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[0], MessageStatus::delivered, 101)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[1], MessageStatus::delivered, 102)).owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0].id == parts[2].id);
    CHECK(o[0].status == MessageStatus::expired);
}

TEMPLATE_TEST_CASE("multipart: 'aggregate' owes one receipt under part 1's id once every part is delivered",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    auto parts = three_parts(f, multipart_policy::aggregate);
    // An intermediate notification: part 1's goes, the others' do not.
    CHECK_FALSE(receipt(f, carrier_receipt(parts[1], MessageStatus::sent, 90)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[1], MessageStatus::delivered, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[2], MessageStatus::delivered, 130)).owes_upstream);
    // A duplicate of a part already counted changes nothing.
    CHECK(receipt(f, carrier_receipt(parts[1], MessageStatus::delivered, 140)).outcome == receipt_outcome::duplicate);
    CHECK(owed(f).empty());
    auto m = receipt(f, carrier_receipt(parts[0], MessageStatus::delivered, 120));
    CHECK(m.outcome == receipt_outcome::matched);
    CHECK(m.owes_upstream);
    CHECK(m.id == parts[0].id);
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0] == PendingReceipt{.account = "acme",
                                 .id = parts[0].id,
                                 .status = MessageStatus::delivered,
                                 .error_code = 0,
                                 .done_at = at(125),  // the last part's done date
                                 .parts = 3,
                                 .parts_delivered = 3,
                                 .detail = "parts:DDD"});
    // What the upstream's deliver_sm needs, so forwarding reads no record.
    auto with_envelope = f.get().pending_receipts("acme", 1);
    REQUIRE(with_envelope.ok());
    REQUIRE(with_envelope->front().envelope);
    CHECK(*with_envelope->front().envelope == ReceiptEnvelope{.source = {5, 0, "ACME"},
                                                              .destination = {1, 1, "447700900123"},
                                                              .registered_delivery = 1,
                                                              .accepted_at = parts[0].id.time(),
                                                              .updated_at = at(120),
                                                              .text = "part 1"});
    // Delivered upstream and removed: duplicates after that owe nothing.
    REQUIRE(wait_for([&](Completion done) { f.get().remove_receipt("acme", parts[0].id, std::move(done)); }).ok());
    for (const auto& p : parts)
        CHECK(receipt(f, carrier_receipt(p, MessageStatus::delivered, 200)).outcome == receipt_outcome::duplicate);
    f.reopen();
    CHECK(owed(f).empty());
}

TEMPLATE_TEST_CASE("multipart: parts we split owe one receipt under the upstream's id whatever the account's policy",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::all}});
    // The upstream's own 3-part message with reference 0x2A, and one we cut
    // from a long message_payload into 3 parts, by chance with the same
    // reference: their groups must not mix.
    std::vector<MessageRecord> own{part(1), part(2), part(3)};
    std::vector<MessageRecord> ours{part(1, 3, 0x2A), part(2, 3, 0x2A), part(3, 3, 0x2A)};
    for (std::size_t i = 0; i < ours.size(); ++i) {
        ours[i].id = id_at(10 + static_cast<std::int64_t>(i));
        ours[i].split_by_us = true;
        ours[i].upstream_id = ours[0].id;
    }
    auto send = [&](const MessageRecord& r, std::string carrier_id) {
        REQUIRE(wait_for([&](Completion done) { f.get().accept(r, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) { f.get().sent(r.id, "carrier-a", carrier_id, {}, at(50), std::move(done)); })
                    .ok());
    };
    for (const auto& r : own) send(r, cmid(r));
    for (const auto& r : ours) send(r, "S" + cmid(r));
    auto ours_receipt = [&](const MessageRecord& r, MessageStatus st, std::int64_t ms) {
        auto c = carrier_receipt(r, st, ms);
        c.carrier_message_id = "S" + cmid(r);
        c.keys = {c.carrier_message_id};
        return c;
    };
    // The account's own parts: 'all', a receipt each.
    for (const auto& r : own) CHECK(receipt(f, carrier_receipt(r, MessageStatus::delivered, 100)).owes_upstream);
    CHECK(owed(f).size() == 3);
    // Ours: nothing until every part is final, then one aggregate.
    CHECK_FALSE(receipt(f, ours_receipt(ours[2], MessageStatus::delivered, 110)).owes_upstream);
    CHECK_FALSE(receipt(f, ours_receipt(ours[0], MessageStatus::delivered, 111)).owes_upstream);
    CHECK(receipt(f, ours_receipt(ours[1], MessageStatus::undeliverable, 112)).owes_upstream);
    f.reopen();
    auto o = owed(f);
    REQUIRE(o.size() == 4);
    const auto& aggregate = o.back();
    CHECK(aggregate.id == ours[0].id);
    CHECK(aggregate.parts == 3);
    CHECK(aggregate.parts_delivered == 2);
    CHECK(aggregate.status == MessageStatus::undeliverable);
    CHECK(aggregate.detail == "parts:DUD");
}

TEMPLATE_TEST_CASE("multipart: 'aggregate' reports the worst part state when one fails", "[ledger][receipts]",
                   MemoryMultipart, RocksDbMultipart) {
    TestType f;
    auto parts = three_parts(f, multipart_policy::aggregate);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[0], MessageStatus::delivered, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[1], MessageStatus::undeliverable, 110, 11)).owes_upstream);
    // The last part never gets its receipt: the timeout settles it.
    std::promise<StatusOr<ReceiptMatch>> done;
    f.get().time_out(parts[2].id, MessageStatus::expired, at(500),
                     [&done](StatusOr<ReceiptMatch> m) { done.set_value(std::move(m)); });
    auto m = done.get_future().get();
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0] == PendingReceipt{.account = "acme",
                                 .id = parts[0].id,
                                 .status = MessageStatus::undeliverable,
                                 .error_code = 11,
                                 .done_at = at(500),
                                 .parts = 3,
                                 .parts_delivered = 1,
                                 .detail = "parts:DUE"});
}

TEMPLATE_TEST_CASE("multipart: a part refused by the carrier counts for its aggregate", "[ledger][receipts]",
                   MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto p1 = part(1, 2, 7), p2 = part(2, 2, 7);
    accept_and_send(f, p1);
    REQUIRE(wait_for([&](Completion done) { f.get().accept(p2, std::move(done)); }).ok());
    CHECK_FALSE(receipt(f, carrier_receipt(p1, MessageStatus::delivered, 100)).owes_upstream);
    REQUIRE(wait_for([&](Completion done) {
                f.get().update(p2.id, StateChange{.status = MessageStatus::rejected, .at = at(120), .error_code = 0x45},
                               std::move(done));
            }).ok());
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0].id == p1.id);
    CHECK(o[0].status == MessageStatus::rejected);
    CHECK(o[0].error_code == 0x45);
    CHECK(o[0].detail == "parts:DR");
}

template <class F>
ExpiredPartGroups expire_groups(F& f, Timestamp cutoff, Timestamp now, std::size_t limit = 100) {
    std::promise<StatusOr<ExpiredPartGroups>> done;
    auto result = done.get_future();
    f.get().expire_part_groups([cutoff](std::string_view) { return cutoff; }, now, limit,
                               [&done](StatusOr<ExpiredPartGroups> e) { done.set_value(std::move(e)); });
    auto e = result.get();
    REQUIRE(e.ok());
    return *e;
}

TEMPLATE_TEST_CASE("multipart: an 'aggregate' group left incomplete is reported with what it has once quiet, "
                   "and kept as a tombstone as long again",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    // The upstream sent parts 1 and 2 of 3; part 3 never came (or was
    // refused at intake: no record either way).
    auto p1 = part(1), p2 = part(2);
    accept_and_send(f, p1);
    accept_and_send(f, p2);
    CHECK_FALSE(receipt(f, carrier_receipt(p2, MessageStatus::delivered, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(p1, MessageStatus::delivered, 200)).owes_upstream);
    // Changed at 200 (part 1's receipt): not quiet before that.
    auto e = expire_groups(f, at(200), at(5'000));
    CHECK(e.groups == 0);
    CHECK(owed(f).empty());

    e = expire_groups(f, at(201), at(5'000));
    CHECK(e.groups == 1);
    CHECK(e.reported == 1);
    CHECK(e.accounts == std::vector<std::string>{"acme"});
    CHECK(owed(f) == std::vector<PendingReceipt>{{.account = "acme",
                                                  .id = p1.id,
                                                  .status = MessageStatus::undeliverable,
                                                  .done_at = at(5'000),  // given up then
                                                  .parts = 3,
                                                  .parts_delivered = 2,
                                                  .detail = "parts:DD-"}});
    auto with_envelope = f.get().pending_receipts("acme", 1);
    REQUIRE(with_envelope.ok());
    REQUIRE(with_envelope->front().envelope);
    CHECK(with_envelope->front().envelope->destination.address == "447700900123");
    CHECK(with_envelope->front().envelope->registered_delivery == 1);
    // A tombstone now: asked again, and after a restart, it neither reports
    // twice nor lingers once quiet as long again.
    f.reopen();
    e = expire_groups(f, at(5'000), at(6'000));
    CHECK(e.groups == 0);
    CHECK(e.dropped == 0);
    e = expire_groups(f, at(10'000), at(10'000));
    CHECK(e.groups == 0);
    CHECK(e.dropped == 1);
    f.reopen();
    e = expire_groups(f, at(10'000), at(10'000));
    CHECK(e.groups + e.dropped == 0);
    CHECK(owed(f).size() == 1);
}

TEMPLATE_TEST_CASE("multipart: a part final after its group was given up on owes nothing: one receipt a message",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto p1 = part(1, 2), p2 = part(2, 2);
    accept_and_send(f, p1);
    accept_and_send(f, p2);  // sent, its receipt late (or still retrying after an outage)
    CHECK_FALSE(receipt(f, carrier_receipt(p1, MessageStatus::delivered, 100)).owes_upstream);
    auto e = expire_groups(f, at(101), at(5'000));
    REQUIRE(e.reported == 1);
    REQUIRE(owed(f).size() == 1);
    f.reopen();
    // Part 2 becomes final later. Before, it started a group of its own,
    // given up on in turn: a second aggregate receipt ("parts:-D" under
    // part 2's id) for the same message.
    CHECK_FALSE(receipt(f, carrier_receipt(p2, MessageStatus::delivered, 6'000)).owes_upstream);
    e = expire_groups(f, at(6'001), at(20'000));
    CHECK(e.groups == 0);
    CHECK(owed(f).size() == 1);
    CHECK(owed(f).front().detail == "parts:D-");
    // Every part came: the tombstone went with the last one.
    CHECK(expire_groups(f, at(30'000), at(30'000)).dropped == 0);
}

TEMPLATE_TEST_CASE("multipart: a reference reused while its old group is a tombstone starts a new group",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto old1 = part(1, 2, 5);
    auto new1 = part(1, 2, 5);
    new1.id = id_at(1000, 5);
    auto new2 = part(2, 2, 5);
    new2.id = id_at(1001, 5);
    auto send = [&](const MessageRecord& r, const std::string& carrier_id) {
        REQUIRE(wait_for([&](Completion done) { f.get().accept(r, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) {
                    f.get().sent(r.id, "carrier-a", carrier_id, {}, at(50), std::move(done));
                }).ok());
    };
    auto keyed = [](CarrierReceipt c, std::string key) {
        c.carrier_message_id = key;
        c.keys = {std::move(key)};
        return c;
    };
    send(old1, "O1");
    CHECK_FALSE(receipt(f, keyed(carrier_receipt(old1, MessageStatus::delivered, 100), "O1")).owes_upstream);
    REQUIRE(expire_groups(f, at(101), at(5'000)).reported == 1);
    // A new message under the same reference: its part 1 finds part 1 of the
    // tombstone under another id. It is not absorbed, and the old message
    // is not reported again.
    send(new1, "N1");
    send(new2, "N2");
    CHECK_FALSE(receipt(f, keyed(carrier_receipt(new1, MessageStatus::delivered, 5'100), "N1")).owes_upstream);
    CHECK(receipt(f, keyed(carrier_receipt(new2, MessageStatus::delivered, 5'101), "N2")).owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 2);
    CHECK(o[0].id == old1.id);
    CHECK(o[0].detail == "parts:D-");
    CHECK(o[1].id == new1.id);
    CHECK(o[1].detail == "parts:DD");
}

TEMPLATE_TEST_CASE("multipart: giving up on part groups keeps to registered_delivery, the limit and lost records",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto quiet = part(1, 2, 1);   // wants receipts
    auto silent = part(1, 2, 2);  // registered_delivery 0
    silent.registered_delivery = 0;
    auto lost = part(1, 2, 3);    // its record dropped by retention (minted before the others)
    lost.id = id_at(0, 3);
    for (const auto* r : {&quiet, &silent, &lost}) {
        REQUIRE(wait_for([&](Completion done) { f.get().accept(*r, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) {
                    f.get().update(r->id, StateChange{.status = MessageStatus::rejected, .at = at(100)},
                                   std::move(done));
                }).ok());
    }
    REQUIRE(wait_for([&](Completion done) {
                f.get().drop_final_older_than(lost.id.time() + milliseconds(1), std::move(done));
            }).ok());
    // The records of `quiet` and `silent` are younger than `lost`'s: kept.
    REQUIRE(f.get().find(quiet.id).ok());
    REQUIRE_FALSE(f.get().find(lost.id).ok());
    auto first = expire_groups(f, at(101), at(1'000), 2);
    CHECK(first.groups == 2);
    auto rest = expire_groups(f, at(101), at(1'000), 2);
    CHECK(rest.groups == 1);
    CHECK(first.reported + rest.reported == 1);
    CHECK(expire_groups(f, at(101), at(1'000)).groups == 0);
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0].id == quiet.id);
    CHECK(o[0].status == MessageStatus::rejected);
    CHECK(o[0].detail == "parts:R-");
}

TEST_CASE("multipart: a restart between parts neither loses nor doubles the aggregate", "[ledger][receipts]") {
    RocksDbMultipart f;
    auto parts = three_parts(f, multipart_policy::aggregate);
    // Parts of another message (another reference) and a single message in between.
    auto other = part(1, 2, 0x99);
    accept_and_send(f, other);
    CHECK_FALSE(receipt(f, carrier_receipt(parts[2], MessageStatus::delivered, 100)).owes_upstream);
    CHECK_FALSE(receipt(f, carrier_receipt(other, MessageStatus::delivered, 101)).owes_upstream);
    f.reopen();  // part 3 is final and out of every cache; its group state is on disk
    CHECK_FALSE(receipt(f, carrier_receipt(parts[0], MessageStatus::undeliverable, 110, 3)).owes_upstream);
    CHECK(receipt(f, carrier_receipt(parts[2], MessageStatus::delivered, 111)).outcome == receipt_outcome::duplicate);
    f.reopen();
    CHECK(owed(f).empty());
    CHECK(receipt(f, carrier_receipt(parts[1], MessageStatus::delivered, 120)).owes_upstream);
    f.reopen();
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0].id == parts[0].id);
    CHECK(o[0].status == MessageStatus::undeliverable);
    CHECK(o[0].error_code == 3);
    CHECK(o[0].detail == "parts:UDD");
    for (const auto& p : parts) CHECK_FALSE(receipt(f, carrier_receipt(p, MessageStatus::delivered, 130)).owes_upstream);
    f.reopen();
    CHECK(owed(f).size() == 1);
}

TEMPLATE_TEST_CASE("multipart: a reused reference reports the open group and starts a new one",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto old1 = part(1, 2, 5);
    auto new1 = part(1, 2, 5);
    new1.id = id_at(1000, 5);
    auto new2 = part(2, 2, 5);
    new2.id = id_at(1001, 5);
    auto send = [&](const MessageRecord& r, const std::string& carrier_id) {
        REQUIRE(wait_for([&](Completion done) { f.get().accept(r, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) {
                    f.get().sent(r.id, "carrier-a", carrier_id, {}, at(50), std::move(done));
                }).ok());
    };
    send(old1, "O1");
    send(new1, "N1");
    send(new2, "N2");
    auto keyed = [](CarrierReceipt c, std::string key) {
        c.carrier_message_id = key;
        c.keys = {std::move(key)};
        return c;
    };
    CHECK_FALSE(receipt(f, keyed(carrier_receipt(old1, MessageStatus::delivered, 100), "O1")).owes_upstream);
    // Part 1 again under the same reference: the old group (its part 2 never
    // came) is reported now, with what it has.
    CHECK(receipt(f, keyed(carrier_receipt(new1, MessageStatus::delivered, 1100), "N1")).owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 1);
    CHECK(o[0].id == old1.id);
    CHECK(o[0].status == MessageStatus::undeliverable);
    CHECK(o[0].parts_delivered == 1);
    CHECK(o[0].detail == "parts:D-");
    CHECK(receipt(f, keyed(carrier_receipt(new2, MessageStatus::delivered, 1200), "N2")).owes_upstream);
    o = owed(f);
    REQUIRE(o.size() == 2);
    CHECK(o[1].id == new1.id);
    CHECK(o[1].status == MessageStatus::delivered);
    CHECK(o[1].detail == "parts:DD");
}

TEMPLATE_TEST_CASE("multipart: a message accepted after its reference's group was given up on starts its own group",
                   "[ledger][receipts]", MemoryMultipart, RocksDbMultipart) {
    TestType f;
    f.open(MultipartBook{{"acme", multipart_policy::aggregate}});
    auto old1 = part(1, 2, 5);  // the old message's part 2 never came (refused at intake)
    auto new1 = part(1, 2, 5);
    new1.id = id_at(6'000, 5);
    auto new2 = part(2, 2, 5);
    new2.id = id_at(6'001, 5);
    // Each sent before its receipt comes (a receipt from before the
    // submit_sm is another message's).
    auto send = [&](const MessageRecord& r, const std::string& carrier_id, Timestamp when = at(6'010)) {
        REQUIRE(wait_for([&](Completion done) { f.get().accept(r, std::move(done)); }).ok());
        REQUIRE(wait_for([&](Completion done) {
                    f.get().sent(r.id, "carrier-a", carrier_id, {}, when, std::move(done));
                }).ok());
    };
    auto keyed = [](CarrierReceipt c, std::string key) {
        c.carrier_message_id = key;
        c.keys = {std::move(key)};
        return c;
    };
    send(old1, "O1", at(50));
    CHECK_FALSE(receipt(f, keyed(carrier_receipt(old1, MessageStatus::delivered, 100), "O1")).owes_upstream);
    REQUIRE(expire_groups(f, at(101), at(5'000)).reported == 1);
    f.reopen();
    // A new message under the same reference, its part 2's receipt first:
    // the tombstone lacks a part 2, but the part was accepted after the
    // give-up, so it is not taken for the old message's late part. Before,
    // it was absorbed (owing nothing), and 73 h later the new message was
    // reported "parts:D-" although both parts were delivered.
    send(new1, "N1");
    send(new2, "N2");
    CHECK_FALSE(receipt(f, keyed(carrier_receipt(new2, MessageStatus::delivered, 6'100), "N2")).owes_upstream);
    CHECK(receipt(f, keyed(carrier_receipt(new1, MessageStatus::delivered, 6'101), "N1")).owes_upstream);
    auto o = owed(f);
    REQUIRE(o.size() == 2);
    CHECK(o[0].detail == "parts:D-");
    CHECK(o[1].id == new1.id);
    CHECK(o[1].detail == "parts:DD");
    CHECK(expire_groups(f, at(6'102), at(20'000)).groups == 0);
}
