#include "smpp/relay/receipt_matcher.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "smpp/relay/receipt_forwarder.hpp"
#include "store/in_memory_ledger.hpp"

using namespace smpp;
using protocol::command_status;
using protocol::message_state;
using relay::ReceiptMatcher;
using store::MessageStatus;

namespace {

struct Owed {
    std::mutex mutex;
    std::vector<std::string> accounts;
    ReceiptMatcher::Owed callback() {
        return [this](const std::string& a) {
            std::lock_guard lock(mutex);
            accounts.push_back(a);
        };
    }
    std::vector<std::string> get() {
        std::lock_guard lock(mutex);
        return accounts;
    }
};

store::MessageRecord record(store::MessageId id, std::uint8_t registered_delivery = 1) {
    store::MessageRecord r;
    r.id = id;
    r.account = "acme";
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.payload = "hello";
    r.registered_delivery = registered_delivery;
    r.accepted_at = r.updated_at = id.time();
    return r;
}

protocol::Pdu receipt_pdu(std::string id, message_state stat, bool with_tlvs = true) {
    protocol::DeliveryReceipt r;
    r.id = std::move(id);
    r.stat = stat;
    r.submit_date = "2611230101";
    r.done_date = "2611230102";
    auto d = protocol::make_receipt_deliver_sm(r, protocol::Address{1, 1, "447700900123"},
                                               protocol::Address{5, 0, "ACME"});
    if (!with_tlvs) d.tlvs = {};
    return protocol::Pdu{command_status::ESME_ROK, 9, std::move(d)};
}

// Runs one deliver_sm through the matcher; InMemoryLedger completes inline.
command_status deliver(ReceiptMatcher& m, const std::string& carrier, protocol::Pdu pdu) {
    std::optional<command_status> answer;
    m.on_deliver(carrier, std::move(pdu), [&](command_status s) { answer = s; });
    REQUIRE(answer);
    return *answer;
}

void accept_and_send(store::Ledger& l, const store::MessageRecord& r, const std::string& carrier,
                     const std::string& resp_id, const relay::CarrierIdSettings& ids = {}) {
    l.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    l.sent(r.id, carrier, resp_id, relay::index_key(resp_id, ids).value(), r.accepted_at,
           [](store::Status s) { REQUIRE(s.ok()); });
}

// In the past: the matcher stamps receipts with the real clock, and a
// receipt received before its message's submit_sm left is another's.
const auto t0 = store::Timestamp(std::chrono::milliseconds(1'750'000'000'000));  // 2025-06-15

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

TEST_CASE("receipt matcher: stat and err map onto the record") {
    CHECK(relay::reported_status(message_state::delivered) == MessageStatus::delivered);
    CHECK(relay::reported_status(message_state::expired) == MessageStatus::expired);
    CHECK(relay::reported_status(message_state::undeliverable) == MessageStatus::undeliverable);
    CHECK(relay::reported_status(message_state::deleted) == MessageStatus::undeliverable);
    CHECK(relay::reported_status(message_state::unknown) == MessageStatus::undeliverable);
    CHECK(relay::reported_status(message_state::rejected) == MessageStatus::rejected);
    CHECK(relay::reported_status(message_state::enroute) == MessageStatus::sent);
    CHECK(relay::reported_status(message_state::accepted) == MessageStatus::sent);
    CHECK(relay::reported_status(std::nullopt) == MessageStatus::sent);

    protocol::DeliveryReceipt r;
    r.err = "034";
    CHECK(relay::receipt_error_code(r) == 34);
    r.err = "0x1B";
    CHECK(relay::receipt_error_code(r) == 27);
    r.err = "n/a";
    CHECK(relay::receipt_error_code(r) == 0);
    r.network_error_code = protocol::NetworkErrorCode{3, 11};
    CHECK(relay::receipt_error_code(r) == 11);
}

TEST_CASE("receipt matcher: a receipt finds its message in another id format and is owed upstream") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 1));
    // The carrier answered submit_sm in hex and writes receipts in decimal.
    accept_and_send(ledger, r, "carrier01", "00001A2B");
    CHECK(deliver(*m, "carrier01", receipt_pdu("6699", message_state::delivered, false)) == command_status::ESME_ROK);
    CHECK(ledger.find(r.id)->status == MessageStatus::delivered);
    CHECK(owed.get() == std::vector<std::string>{"acme"});
    // A copy is acknowledged and owes nothing more. Only an alternate
    // reading of "6699" finds the message, which is done: that could as well
    // be another message whose id reads so ("100" and "64"), so the copy is
    // kept parked rather than absorbed (a receipt_id_format that says both
    // sides' bases makes the converted reading its own: then absorbed).
    CHECK(deliver(*m, "carrier01", receipt_pdu("6699", message_state::delivered)) == command_status::ESME_ROK);
    CHECK(owed.get().size() == 1);
    const auto n = m->counters();
    CHECK(n.matched == 1);
    CHECK(n.parked == 1);
    auto pending = ledger.pending_receipts("acme", 10);
    REQUIRE(pending->size() == 1);
    CHECK(pending->front().status == MessageStatus::delivered);
}

TEST_CASE("receipt matcher: TLVs win over the text") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 2));
    accept_and_send(ledger, r, "carrier01", "abc-1");
    auto pdu = receipt_pdu("abc-1", message_state::delivered);
    // The text says DELIVRD; the message_state TLV says UNDELIVERABLE.
    pdu.as<protocol::DeliverSm>()->tlvs.set_u8(protocol::tlv_tag::message_state,
                                                static_cast<std::uint8_t>(message_state::undeliverable));
    CHECK(deliver(*m, "carrier01", std::move(pdu)) == command_status::ESME_ROK);
    CHECK(ledger.find(r.id)->status == MessageStatus::undeliverable);
}

TEST_CASE("receipt matcher: a receipt before submit_sm_resp is parked, then matched when the id lands") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    std::vector<store::ReceiptMatch> told;
    m->set_on_matched([&](const store::ReceiptMatch& x) { told.push_back(x); });
    auto r = record(store::MessageId::make(t0, 1, 3));
    ledger.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    CHECK(deliver(*m, "carrier02", receipt_pdu("{0F8FAD5B-D9CB-469F-A165-70867728950E}", message_state::expired)) ==
          command_status::ESME_ROK);
    CHECK(m->counters().parked == 1);
    CHECK(owed.get().empty());
    CHECK(ledger.find(r.id)->status == MessageStatus::accepted);
    // The submit_sm_resp id comes without braces or dashes, in lower case.
    ledger.sent(r.id, "carrier02", "0f8fad5bd9cb469fa16570867728950e",
                *relay::index_key("0f8fad5bd9cb469fa16570867728950e", {}), t0, [](store::Status s) {
                    REQUIRE(s.ok());
                });
    CHECK(ledger.find(r.id)->status == MessageStatus::expired);
    CHECK(m->counters().late_matched == 1);
    CHECK(owed.get() == std::vector<std::string>{"acme"});
    // The health hook hears the late match too, with carrier and destination.
    REQUIRE(told.size() == 1);
    CHECK(told[0].carrier == "carrier02");
    CHECK(told[0].destination == "447700900123");
    CHECK(told[0].reported == MessageStatus::expired);
}

TEST_CASE("receipt matcher: a receipt on one carrier never matches another carrier's message") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 4));
    accept_and_send(ledger, r, "carrier01", "777");
    CHECK(deliver(*m, "carrier02", receipt_pdu("777", message_state::delivered)) == command_status::ESME_ROK);
    CHECK(ledger.find(r.id)->status == MessageStatus::sent);
    CHECK(ledger.unmatched_receipts("carrier02", 10)->size() == 1);
}

TEST_CASE("receipt matcher: intermediate notifications leave the record sent") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 5), 0x11);
    accept_and_send(ledger, r, "carrier01", "55");
    auto pdu = receipt_pdu("55", message_state::enroute);
    pdu.as<protocol::DeliverSm>()->esm_class = protocol::esm_class::intermediate_notification;
    CHECK(deliver(*m, "carrier01", std::move(pdu)) == command_status::ESME_ROK);
    CHECK(ledger.find(r.id)->status == MessageStatus::sent);
    // registered_delivery asked for intermediate notifications: one is owed.
    CHECK(owed.get().size() == 1);
}

TEST_CASE("receipt matcher: unparseable receipts are kept raw; MO stays with the carrier") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    protocol::DeliverSm d;
    d.esm_class = protocol::esm_class::delivery_receipt;
    d.short_message = "this is not a receipt";
    CHECK(deliver(*m, "carrier01", protocol::Pdu{command_status::ESME_ROK, 3, d}) == command_status::ESME_ROK);
    CHECK(m->counters().unparsed == 1);
    auto raw = ledger.raw_receipts(store::Timestamp{}, 10);
    REQUIRE(raw->size() == 1);
    CHECK(raw->front().raw == "this is not a receipt");
    CHECK(raw->front().carrier == "carrier01");

    protocol::DeliverSm mo;
    mo.short_message = "STOP";
    CHECK(deliver(*m, "carrier01", protocol::Pdu{command_status::ESME_ROK, 4, mo}) == command_status::ESME_RX_T_APPN);
    CHECK(m->counters().mobile_originated == 1);
    CHECK(ledger.raw_receipts(store::Timestamp{}, 10)->size() == 1);
}

namespace {

// Replays one kept copy; InMemoryLedger completes inline.
store::StatusOr<std::optional<store::ReceiptMatch>> replay(ReceiptMatcher& m, const store::CarrierReceipt& kept) {
    std::optional<store::StatusOr<std::optional<store::ReceiptMatch>>> out;
    m.replay(kept, [&](store::StatusOr<std::optional<store::ReceiptMatch>> r) { out = std::move(r); });
    REQUIRE(out);
    return std::move(*out);
}

}  // namespace

TEST_CASE("receipt matcher: a kept receipt replayed after an id_translation fix finds its message, once") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto r = record(store::MessageId::make(t0, 1, 6));
    // submit_sm_resp said 7A3F; the carrier's receipts say MSG-7A3F, and
    // nobody told us to strip the MSG- yet.
    accept_and_send(ledger, r, "carrier01", "7A3F");
    {
        auto before = ReceiptMatcher::create(ledger, {}, owed.callback());
        CHECK(deliver(*before, "carrier01", receipt_pdu("MSG-7A3F", message_state::delivered, false)) ==
              command_status::ESME_ROK);
        CHECK(before->counters().parked == 1);
    }
    CHECK(ledger.find(r.id)->status == MessageStatus::sent);
    CHECK(owed.get().empty());
    auto kept = ledger.raw_receipts(store::Timestamp{}, 10);
    REQUIRE(kept->size() == 1);
    CHECK(ledger.unmatched_receipts("carrier01", 10)->size() == 1);

    // The carrier's settings fixed (a restart with strip_prefixes: [MSG-]).
    relay::CarrierIdBook fixed;
    fixed["carrier01"].strip_prefixes = {"MSG-"};
    auto after = ReceiptMatcher::create(ledger, fixed, owed.callback());
    auto first = replay(*after, kept->front());
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    CHECK((*first)->outcome == store::receipt_outcome::matched);
    CHECK((*first)->id == r.id);
    CHECK(ledger.find(r.id)->status == MessageStatus::delivered);
    CHECK(owed.get() == std::vector<std::string>{"acme"});
    REQUIRE(ledger.pending_receipts("acme", 10)->size() == 1);
    // It no longer lists as unmatched: its parking went with the match.
    CHECK(ledger.unmatched_receipts("carrier01", 10)->empty());

    // Replayed again: absorbed, nothing more owed upstream, and no second
    // raw copy of the same receipt either time.
    auto second = replay(*after, kept->front());
    REQUIRE(second.ok());
    REQUIRE(second->has_value());
    CHECK((*second)->outcome == store::receipt_outcome::duplicate);
    CHECK(owed.get().size() == 1);
    CHECK(ledger.pending_receipts("acme", 10)->size() == 1);
    CHECK(ledger.raw_receipts(store::Timestamp{}, 10)->size() == 1);
    CHECK(after->counters().replayed == 2);
    CHECK(after->counters().replay_matched == 1);
    CHECK(after->counters().matched == 0);  // live receipts only
}

TEST_CASE("receipt matcher: a replay keeps what the first reading took from the TLVs, and skips text without an id") {
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 7));
    accept_and_send(ledger, r, "carrier01", "abc-7");

    // The id and the state came from receipted_message_id and
    // message_state then (TLVs are not kept); the text has neither.
    store::CarrierReceipt kept;
    kept.carrier = "carrier01";
    kept.carrier_message_id = "abc-7";
    kept.status = MessageStatus::undeliverable;
    kept.error_code = 0x45;
    kept.received_at = t0;
    kept.raw = "err:000 text:hello";
    kept.keys = {"stale-key"};  // recomputed from today's settings, not reused
    auto out = replay(*m, kept);
    REQUIRE(out.ok());
    REQUIRE(out->has_value());
    CHECK((*out)->outcome == store::receipt_outcome::matched);
    auto now = ledger.find(r.id);
    CHECK(now->status == MessageStatus::undeliverable);
    CHECK(now->error_code == 0x45);

    // Text that still names no message: nothing is written or owed.
    store::CarrierReceipt junk;
    junk.carrier = "carrier01";
    junk.status = MessageStatus::sent;
    junk.received_at = t0;
    junk.raw = "this is not a receipt";
    auto none = replay(*m, junk);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    CHECK(ledger.raw_receipts(store::Timestamp{}, 10)->empty());
    CHECK(owed.get().size() == 1);
}

TEST_CASE("receipt matcher: a receipt parked for an id no message had is not taken by a later message given it") {
    // Before, the parking stayed for retention_days under each reading of
    // the id, and the first message the carrier later gave one of those ids
    // took it: that message ended undeliverable, its own receipt absorbed.
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    CHECK(deliver(*m, "carrier01", receipt_pdu("4660", message_state::undeliverable)) == command_status::ESME_ROK);
    CHECK(m->counters().parked == 1);
    // Later (here: a minute from now) the carrier gives two messages "4660"
    // and "1234" (4660 read as decimal, written in hex).
    const auto later = now_ms() + std::chrono::minutes(1);
    for (std::uint16_t seq : {1, 2}) {
        auto r = record(store::MessageId::make(later, 1, seq));
        ledger.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
        ledger.update(r.id,
                      store::StateChange{.status = MessageStatus::sending,
                                         .at = later,
                                         .attempt = store::Attempt{.carrier = "carrier01", .at = later}},
                      [](store::Status s) { REQUIRE(s.ok()); });
        const std::string resp = seq == 1 ? "4660" : "1234";
        ledger.sent(r.id, "carrier01", resp, *relay::index_key(resp, {}), later + std::chrono::milliseconds(50),
                    [](store::Status s) { REQUIRE(s.ok()); });
        CHECK(ledger.find(r.id)->status == MessageStatus::sent);
    }
    CHECK(m->counters().late_matched == 0);
    CHECK(owed.get().empty());
    CHECK(ledger.unmatched_receipts("carrier01", 10)->size() == 1);
}

TEST_CASE("receipt matcher: small sequential ids - a receipt whose id reads as a delivered message's is kept for "
          "its own message") {
    // A carrier writing decimal ids on both sides, unconfigured (automatic):
    // "100" is also tried as "256" (hex read as decimal) and "64" (decimal
    // written as hex). Before, with message "64" delivered, the receipt for
    // "100" that beat its submit_sm_resp was absorbed there as a duplicate:
    // lost, and message "100" waited 72 h for its receipt timeout.
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    std::map<int, store::MessageRecord> by_id;
    for (std::uint16_t n = 60; n <= 70; ++n) {
        by_id[n] = record(store::MessageId::make(t0, 1, n));
        accept_and_send(ledger, by_id[n], "carrier01", std::to_string(n));
    }
    CHECK(deliver(*m, "carrier01", receipt_pdu("64", message_state::delivered)) == command_status::ESME_ROK);
    CHECK(ledger.find(by_id[64].id)->status == MessageStatus::delivered);

    auto hundred = record(store::MessageId::make(t0, 1, 100));
    ledger.accept(hundred, [](store::Status s) { REQUIRE(s.ok()); });
    CHECK(deliver(*m, "carrier01", receipt_pdu("100", message_state::undeliverable)) == command_status::ESME_ROK);
    CHECK(m->counters().duplicates == 0);
    CHECK(m->counters().parked == 1);
    ledger.sent(hundred.id, "carrier01", "100", *relay::index_key("100", {}), t0,
                [](store::Status s) { REQUIRE(s.ok()); });
    CHECK(ledger.find(hundred.id)->status == MessageStatus::undeliverable);
    CHECK(m->counters().late_matched == 1);
    CHECK(ledger.find(by_id[64].id)->status == MessageStatus::delivered);
    // The others still wait for their own.
    for (int n : {60, 61, 62, 63, 65, 66, 67, 68, 69, 70}) CHECK(ledger.find(by_id[n].id)->status == MessageStatus::sent);
    CHECK(owed.get().size() == 2);
}

TEST_CASE("receipt matcher: small sequential ids - hex submit_sm_resp ids and decimal receipts, configured so, find "
          "their own messages") {
    // receipt_id_format hex_to_decimal: the carrier answers submit_sm with
    // "00000010", "00000011", ... and its receipts say "16", "17", ....
    // Before, the receipt "16" was tried as "16" first and found the
    // message whose resp was "00000016" (22), already sent: that one took
    // message 16's state, and its own receipt ("22") was later absorbed.
    const auto ids = relay::carrier_id_settings(carrier::receipt_id_format::hex_to_decimal);
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {{"carrier06", ids}}, owed.callback());
    std::map<int, store::MessageRecord> by_number;
    for (std::uint16_t n = 16; n <= 40; ++n) {
        by_number[n] = record(store::MessageId::make(t0, 1, n));
        accept_and_send(ledger, by_number[n], "carrier06", fmt::format("{:08x}", n), ids);
    }
    CHECK(deliver(*m, "carrier06", receipt_pdu("16", message_state::undeliverable)) == command_status::ESME_ROK);
    CHECK(ledger.find(by_number[16].id)->status == MessageStatus::undeliverable);
    CHECK(ledger.find(by_number[22].id)->status == MessageStatus::sent);
    CHECK(deliver(*m, "carrier06", receipt_pdu("22", message_state::delivered)) == command_status::ESME_ROK);
    CHECK(ledger.find(by_number[22].id)->status == MessageStatus::delivered);
    // A copy of a receipt is its own reading now: absorbed.
    CHECK(deliver(*m, "carrier06", receipt_pdu("16", message_state::undeliverable)) == command_status::ESME_ROK);
    const auto n = m->counters();
    CHECK(n.matched == 2);
    CHECK(n.duplicates == 1);
    CHECK(n.parked == 0);
    CHECK(owed.get().size() == 2);
}

TEST_CASE("receipt matcher: a carrier's stat UNKNOWN, DELETED or ACCEPTD goes upstream as it wrote it") {
    // Before, UNKNOWN and DELETED became the record's undeliverable and went
    // upstream as UNDELIV; ACCEPTD as ENROUTE.
    struct Case {
        message_state stat;
        MessageStatus record;
        const char* upstream;
    };
    const Case cases[] = {{message_state::unknown, MessageStatus::undeliverable, "stat:UNKNOWN"},
                          {message_state::deleted, MessageStatus::undeliverable, "stat:DELETED"},
                          {message_state::undeliverable, MessageStatus::undeliverable, "stat:UNDELIV"},
                          {message_state::accepted, MessageStatus::sent, "stat:ACCEPTD"},
                          {message_state::enroute, MessageStatus::sent, "stat:ENROUTE"},
                          {message_state::delivered, MessageStatus::delivered, "stat:DELIVRD"}};
    std::uint16_t seq = 100;
    for (const auto& c : cases) {
        CAPTURE(c.upstream);
        store::InMemoryLedger ledger;
        Owed owed;
        auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
        auto r = record(store::MessageId::make(t0, 1, ++seq), 0x11);  // finals and intermediates
        accept_and_send(ledger, r, "carrier01", "C" + std::to_string(seq));
        CHECK(deliver(*m, "carrier01", receipt_pdu("C" + std::to_string(seq), c.stat)) == command_status::ESME_ROK);
        auto after = ledger.find(r.id);
        CHECK(after->status == c.record);
        auto pending = ledger.pending_receipts("acme", 10);
        REQUIRE(pending->size() == 1);
        auto d = relay::make_upstream_receipt(*after, pending->front(), !store::is_final(c.record));
        CHECK(d.short_message.find(c.upstream) != std::string::npos);
        CHECK(d.tlvs.message_state() == c.stat);
    }
}

TEST_CASE("receipt matcher: an intermediate notification offered again is absorbed, not owed twice") {
    // Before, the carrier's second offer of the same ENROUTE (our
    // deliver_sm_resp lost) was matched and owed upstream again.
    store::InMemoryLedger ledger;
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    auto r = record(store::MessageId::make(t0, 1, 200), 0x11);
    accept_and_send(ledger, r, "carrier01", "E200");
    CHECK(deliver(*m, "carrier01", receipt_pdu("E200", message_state::enroute)) == command_status::ESME_ROK);
    ledger.remove_receipt("acme", r.id, [](store::Status s) { REQUIRE(s.ok()); });  // forwarded
    CHECK(deliver(*m, "carrier01", receipt_pdu("E200", message_state::enroute)) == command_status::ESME_ROK);
    CHECK(m->counters().matched == 1);
    CHECK(m->counters().duplicates == 1);
    CHECK(owed.get().size() == 1);
    CHECK(ledger.pending_receipts("acme", 10)->empty());
    CHECK(ledger.find(r.id)->status == MessageStatus::sent);
}
