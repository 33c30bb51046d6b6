// A long message_payload for a route whose carriers take none: split into
// concatenated parts, stored together, through one carrier, known upstream
// by one id (smpp/relay/forward_split.cpp).
#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "forward_rig.hpp"
#include "routing/health/health_monitor.hpp"
#include "smpp/protocol/concatenation.hpp"
#include "store/in_memory_ledger.hpp"

using namespace smpp;
using namespace smpp::relay::test;
using protocol::command_status;
using store::MessageStatus;

namespace {

// Two carriers on one 44 route at the same priority (they share it, so only
// the part pins keep a message's parts together), neither taking
// message_payload, both taking up to 4 parts.
std::shared_ptr<relay::MessageRouter> no_payload_route(std::uint8_t max_parts = 4) {
    routing::RouteTable table;
    routing::RouteEntry e;
    e.prefix = "44";
    e.country = "GB";
    for (const char* carrier : {"carrier00", "carrier01"}) {
        routing::Candidate c;
        c.carrier = carrier;
        c.priority = 1;
        e.candidates.push_back(std::move(c));
    }
    table.entries.push_back(std::move(e));
    routing::SelectorSettings settings;
    const routing::CarrierCapabilities none{.message_payload = false, .max_parts = max_parts};
    settings.capabilities = {{"carrier00", none}, {"carrier01", none}};
    auto r = relay::MessageRouter::from_table(table, settings);
    REQUIRE(r);
    return std::move(r).value();
}

protocol::SubmitSm long_payload(std::string payload, std::uint8_t data_coding = 0) {
    auto sm = to("447700900123");
    sm.short_message.clear();
    sm.data_coding = data_coding;
    sm.registered_delivery = 1;
    sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::move(payload));
    return sm;
}

// 0..9 then A..Z, repeated: a part cut in the wrong place shows.
std::string text(std::size_t n) {
    std::string t;
    for (std::size_t i = 0; i < n; ++i) t.push_back("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 36]);
    return t;
}

// What the carriers got, part number -> short_message after the UDH, once
// `n` submits arrived; every one a UDHI part of one reference.
struct Seen {
    std::map<int, std::string> texts;
    std::set<std::uint16_t> references;
    std::set<int> totals;
    bool payload_tlv = false;
};

Seen seen_parts(Loop& loop, Rig& rig, std::size_t n) {
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() >= n; }, 5s));
    loop.run_for(50ms);  // nothing more may come
    REQUIRE(rig.smsc.submits.size() == n);
    Seen out;
    for (const auto& s : rig.smsc.submits) {
        REQUIRE((s.pdu.esm_class & protocol::esm_class::udhi) != 0);
        auto udh = protocol::parse_udh(s.pdu.short_message);
        REQUIRE(std::holds_alternative<protocol::UserDataHeader>(udh));
        const auto& h = std::get<protocol::UserDataHeader>(udh);
        REQUIRE(h.concatenation);
        out.texts[h.concatenation->seqnum] = std::string(h.payload);
        out.references.insert(h.concatenation->ref);
        out.totals.insert(h.concatenation->total);
        out.payload_tlv = out.payload_tlv || s.pdu.tlvs.has(protocol::tlv_tag::message_payload);
    }
    return out;
}

// The records of a split message: part 1 has the id the upstream got, the
// others follow it (ids are handed out in order).
std::vector<store::MessageRecord> parts_of(Loop& loop, store::Ledger& ledger, const Answer& a, std::size_t total,
                                           MessageStatus want = MessageStatus::sent) {
    REQUIRE(a.status == command_status::ESME_ROK);
    const auto first = *store::MessageId::parse(a.message_id);
    std::vector<store::MessageRecord> out;
    REQUIRE(loop.run_until(
        [&] {
            out.clear();
            for (std::uint64_t id = first.value(); out.size() < total; ++id) {
                auto r = ledger.find(store::MessageId(id));
                if (!r.ok()) return false;
                if (r->status != want) return false;
                out.push_back(*r);
            }
            return true;
        },
        5s));
    return out;
}

}  // namespace

TEST_CASE("forward split: a long message_payload no carrier of its route takes goes as concatenated parts through "
          "one carrier, under one id",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    const auto payload = text(400);  // GSM 7-bit: 153 + 153 + 94
    REQUIRE(rig.submit(1, long_payload(payload), true));
    REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
    const auto seen = seen_parts(loop, rig, 3);
    CHECK(seen.texts.size() == 3);
    CHECK(seen.texts.at(1) + seen.texts.at(2) + seen.texts.at(3) == payload);
    CHECK(seen.texts.at(1).size() == 153);
    CHECK(seen.references.size() == 1);
    CHECK(seen.totals == std::set<int>{3});
    CHECK_FALSE(seen.payload_tlv);

    const auto records = parts_of(loop, ledger, rig.answers[0], 3);
    std::set<std::string> carriers;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        INFO("part " << i + 1);
        CHECK(r.split_by_us);
        CHECK(r.upstream_id == records[0].id);
        REQUIRE(r.concatenation);
        CHECK(r.concatenation->number == i + 1);
        CHECK(r.concatenation->total == 3);
        CHECK(r.segment_count == 1);
        CHECK(r.registered_delivery == 1);
        CHECK(store::text_of(r) == seen.texts.at(static_cast<int>(i + 1)));
        carriers.insert(r.attempts.back().carrier);
    }
    CHECK(carriers.size() == 1);  // the route shares by weight: the pins keep them together
    CHECK(rig.forward->counters().accepted == 3);
    CHECK(rig.forward->counters().split == 1);

    // Messages after it still share the route; a second long one gets its
    // own reference.
    REQUIRE(rig.submit(1, long_payload(text(300)), true));
    const auto second = parts_of(loop, ledger, rig.answers[1], 2);
    CHECK(second[0].concatenation->reference != records[0].concatenation->reference);
    CHECK(second[0].attempts.back().carrier == second[1].attempts.back().carrier);
}

TEST_CASE("forward split: a data_sm with a long message_payload is split the same way", "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    protocol::DataSm d;
    d.source = {5, 0, "ACME"};
    d.dest = {1, 1, "447700900123"};
    d.registered_delivery = 1;
    d.tlvs.set_bytes(protocol::tlv_tag::message_payload, text(300));  // 153 + 147
    auto resp = rig.call(d);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto* body = resp->as<protocol::DataSmResp>();
    REQUIRE(body);
    const auto seen = seen_parts(loop, rig, 2);
    CHECK(seen.texts.at(1) + seen.texts.at(2) == text(300));
    const auto records = parts_of(loop, ledger, Answer{command_status::ESME_ROK, body->message_id}, 2);
    CHECK(records[1].upstream_id == records[0].id);
}

TEST_CASE("forward split: UCS-2 is cut at 67 characters and never inside a surrogate pair", "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    // 66 units of 'a', then U+1F600 (a surrogate pair across units 67-68),
    // then 70 more: the first part ends before the pair.
    std::string ucs2;
    for (int i = 0; i < 66; ++i) ucs2 += std::string{'\0', 'a'};
    ucs2 += std::string{'\xD8', '\x3D', '\xDE', '\x00'};
    for (int i = 0; i < 70; ++i) ucs2 += std::string{'\0', 'b'};
    REQUIRE(rig.submit(1, long_payload(ucs2, 8), true));
    REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
    const auto seen = seen_parts(loop, rig, 3);
    CHECK(seen.texts.at(1).size() == 66 * 2);
    CHECK(seen.texts.at(2).substr(0, 4) == std::string{'\xD8', '\x3D', '\xDE', '\x00'});
    CHECK(seen.texts.at(1) + seen.texts.at(2) + seen.texts.at(3) == ucs2);
    for (const auto& s : rig.smsc.submits) CHECK(s.pdu.data_coding == 8);
}

TEST_CASE("forward split: a message whose parts cannot all be taken is refused and nothing of it is stored",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.max_backlog = 2;  // room for two parts of three
    fs.accounts.accounts.push_back(acme);
    Rig rig(loop, ledger, true, fs, no_payload_route(4));
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, long_payload(text(400)), true));
    CHECK(rig.answers[0].status == command_status::ESME_RMSGQFUL);
    // More parts than the carriers take (max_parts 4; 700 septets are 5).
    REQUIRE(rig.submit(1, long_payload(text(700)), true));
    CHECK(rig.answers[1].status == command_status::ESME_RINVMSGLEN);
    loop.run_for(100ms);
    CHECK(rig.smsc.submits.empty());
    CHECK(rig.forward->counters().accepted == 0);
    CHECK(rig.forward->counters().split == 0);
    // What the refused parts reserved is back: two parts fit the backlog.
    CHECK(rig.forward->backlog("acme") == 0);
    REQUIRE(rig.submit(1, long_payload(text(300)), true));
    CHECK(rig.answers[2].status == command_status::ESME_ROK);
    parts_of(loop, ledger, rig.answers[2], 2);
}

TEST_CASE("forward split: with split_payload off such a message is refused as before", "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.split_payload = false;
    Rig rig(loop, ledger, true, fs, no_payload_route());
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, long_payload(text(400)), true));
    CHECK(rig.answers[0].status == command_status::ESME_ROPTPARNOTALLWD);
    // A long payload with a UDH of its own is no single SMS either way.
    auto own = long_payload(std::string{'\x05', '\x00', '\x03', '\x09', '\x02', '\x01'} + text(300));
    own.esm_class |= protocol::esm_class::udhi;
    REQUIRE(rig.submit(1, own, true));
    CHECK(rig.answers[1].status == command_status::ESME_RINVMSGLEN);
    CHECK(rig.forward->counters().accepted == 0);
}

TEST_CASE("forward split: cancel_sm by the id cancels every part while all are held; replace_sm is refused",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    auto sm = long_payload(text(400));
    sm.schedule_delivery_time = "000000010000000R";  // held for an hour
    REQUIRE(rig.submit(1, sm, true));
    const auto records = parts_of(loop, ledger, rig.answers[0], 3, MessageStatus::accepted);
    // replace_sm: a new text would need new parts.
    protocol::ReplaceSm replace;
    replace.message_id = rig.answers[0].message_id;
    replace.short_message = "new text";
    auto replaced = rig.call(replace);
    REQUIRE(replaced);
    CHECK(replaced->status == command_status::ESME_RREPLACEFAIL);
    protocol::CancelSm cancel;
    cancel.message_id = rig.answers[0].message_id;
    auto cancelled = rig.call(cancel);
    REQUIRE(cancelled);
    CHECK(cancelled->status == command_status::ESME_ROK);
    for (const auto& r : records) CHECK(ledger.find(r.id)->status == MessageStatus::cancelled);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward split: query_sm by the id answers for the whole message", "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, long_payload(text(400)), true));
    const auto records = parts_of(loop, ledger, rig.answers[0], 3);
    // The parts' ids follow one another: part 1's finds the others.
    CHECK(records[1].id.value() == records[0].id.value() + 1);
    CHECK(records[2].id.value() == records[0].id.value() + 2);
    auto query = [&] {
        protocol::QuerySm q;
        q.message_id = rig.answers[0].message_id;
        auto resp = rig.call(q);
        REQUIRE(resp);
        REQUIRE(resp->status == command_status::ESME_ROK);
        return *resp->as<protocol::QuerySmResp>();
    };
    auto settle = [&](std::size_t part, MessageStatus status, std::uint32_t error, std::int64_t at_ms) {
        bool ok = false;
        ledger.update(records[part].id,
                      store::StateChange{.status = status,
                                         .at = store::Timestamp{std::chrono::milliseconds{1'767'225'600'000 + at_ms}},
                                         .error_code = error},
                      [&](store::Status st) { ok = st.ok(); });
        REQUIRE(ok);
    };
    CHECK(query().message_state == static_cast<std::uint8_t>(protocol::message_state::enroute));
    // Part 1 delivered, the others still on their way: en route.
    settle(0, MessageStatus::delivered, 0, 1000);
    CHECK(query().message_state == static_cast<std::uint8_t>(protocol::message_state::enroute));
    // Part 2 undeliverable, part 3 delivered last: undeliverable, part 2's
    // error, the last part's final date.
    settle(1, MessageStatus::undeliverable, 0x0B, 2000);
    settle(2, MessageStatus::delivered, 0, 3000);
    const auto whole = query();
    CHECK(whole.message_state == static_cast<std::uint8_t>(protocol::message_state::undeliverable));
    CHECK(whole.error_code == 0x0B);
    CHECK(whole.final_date == "260101000003000+");
    // Part 2 alone is not the upstream's id: it answers for itself.
    protocol::QuerySm q2;
    q2.message_id = records[2].id.to_string();
    auto resp = rig.call(q2);
    REQUIRE(resp);
    CHECK(resp->as<protocol::QuerySmResp>()->message_state ==
          static_cast<std::uint8_t>(protocol::message_state::delivered));
}

TEST_CASE("forward split: a part that went meanwhile makes cancel_sm fail whole, nothing cancelled",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    auto sm = long_payload(text(400));
    sm.schedule_delivery_time = "000000010000000R";  // held for an hour
    REQUIRE(rig.submit(1, sm, true));
    const auto records = parts_of(loop, ledger, rig.answers[0], 3, MessageStatus::accepted);
    // Part 3 became `sending` between cancel_sm's look at the held parts and
    // its write (as at its schedule): the write refuses the whole cancel.
    bool ok = false;
    ledger.update(records[2].id,
                  store::StateChange{.status = MessageStatus::sending,
                                     .at = records[2].accepted_at,
                                     .attempt = store::Attempt{.carrier = "carrier01", .at = records[2].accepted_at}},
                  [&](store::Status st) { ok = st.ok(); });
    REQUIRE(ok);
    protocol::CancelSm cancel;
    cancel.message_id = rig.answers[0].message_id;
    auto cancelled = rig.call(cancel);
    REQUIRE(cancelled);
    CHECK(cancelled->status == command_status::ESME_RCANCELFAIL);
    CHECK(ledger.find(records[0].id)->status == MessageStatus::accepted);
    CHECK(ledger.find(records[1].id)->status == MessageStatus::accepted);
    CHECK(rig.forward->counters().cancelled == 0);
}

TEST_CASE("forward split: cancel_sm by addresses cancels a split message whole, and a part's own id cancels nothing",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    auto sm = long_payload(text(400));
    sm.schedule_delivery_time = "000000010000000R";  // held for an hour
    auto single = to("447700900123");
    single.schedule_delivery_time = "000000010000000R";
    REQUIRE(rig.submit(1, sm, true));
    REQUIRE(rig.submit(1, single, true));
    const auto parts = parts_of(loop, ledger, rig.answers[0], 3, MessageStatus::accepted);
    const auto other = parts_of(loop, ledger, rig.answers[1], 1, MessageStatus::accepted);
    auto cancel = [&](std::string id, std::string source, std::string dest) {
        protocol::CancelSm c;
        c.message_id = std::move(id);
        c.source = {sm.source.ton, sm.source.npi, std::move(source)};
        c.dest = {1, 1, std::move(dest)};
        auto resp = rig.call(c);
        REQUIRE(resp);
        return resp->status;
    };
    // Part 2's own id: the others would go without it.
    CHECK(cancel(parts[1].id.to_string(), sm.source.addr, "") == command_status::ESME_RCANCELFAIL);
    for (const auto& r : parts) CHECK(ledger.find(r.id)->status == MessageStatus::accepted);
    // By source and destination: the three parts in one write and the
    // other message, all cancelled.
    CHECK(cancel("", sm.source.addr, "447700900123") == command_status::ESME_ROK);
    for (const auto& r : parts) CHECK(ledger.find(r.id)->status == MessageStatus::cancelled);
    CHECK(ledger.find(other[0].id)->status == MessageStatus::cancelled);
    CHECK(rig.forward->counters().cancelled == 4);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward split: parts by the message's own route rather than the whole payload by a less specific one",
          "[relay][forward][split]") {
    // 44 -> carrier00, which takes no message_payload; the default route
    // -> carrier01, which does. A long text to a 44 number goes to
    // carrier00 in parts, not to the default route's carrier whole.
    routing::RouteTable table;
    for (auto [prefix, carrier] : {std::pair{"44", "carrier00"}, std::pair{"", "carrier01"}}) {
        routing::RouteEntry e;
        e.prefix = prefix;
        routing::Candidate c;
        c.carrier = carrier;
        e.candidates.push_back(std::move(c));
        table.entries.push_back(std::move(e));
    }
    routing::SelectorSettings settings;
    settings.capabilities = {{"carrier00", {.message_payload = false, .max_parts = 4}},
                             {"carrier01", {.message_payload = true, .max_parts = 4}}};
    auto router = relay::MessageRouter::from_table(table, settings);
    REQUIRE(router);
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, std::move(router).value());
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, long_payload(text(400)), true));
    const auto records = parts_of(loop, ledger, rig.answers[0], 3);
    for (const auto& r : records) CHECK(r.attempts.back().carrier == "carrier00");
    // A number only the default route covers: carrier01 takes it whole.
    auto elsewhere = long_payload(text(400));
    elsewhere.dest = {1, 1, "33612345678"};
    REQUIRE(rig.submit(1, elsewhere, true));
    REQUIRE(rig.answers[1].status == command_status::ESME_ROK);
    const auto id = *store::MessageId::parse(rig.answers[1].message_id);
    REQUIRE(loop.run_until([&] { return ledger.find(id)->status == MessageStatus::sent; }, 5s));
    CHECK_FALSE(ledger.find(id)->split_by_us);
    CHECK(ledger.find(id)->attempts.back().carrier == "carrier01");
    CHECK(rig.forward->counters().split == 1);
}

// 44 -> carrier00 (no message_payload) and carrier01 (takes it), or with
// `fallback` 44 -> carrier00 and the default route -> carrier01.
std::shared_ptr<relay::MessageRouter> mixed_route(bool fallback,
                                                  std::shared_ptr<routing::health::HealthMonitor> health = nullptr) {
    routing::RouteTable table;
    routing::RouteEntry uk;
    uk.prefix = "44";
    routing::Candidate c0;
    c0.carrier = "carrier00";
    c0.priority = 1;
    routing::Candidate c1;
    c1.carrier = "carrier01";
    c1.priority = 2;
    uk.candidates.push_back(c0);
    if (fallback) {
        routing::RouteEntry rest;
        rest.candidates.push_back(c1);
        table.entries.push_back(rest);
    } else {
        uk.candidates.push_back(c1);
    }
    table.entries.push_back(uk);
    routing::SelectorSettings settings;
    settings.capabilities = {{"carrier00", {.message_payload = false, .max_parts = 4}},
                             {"carrier01", {.message_payload = true, .max_parts = 4}}};
    auto router = relay::MessageRouter::from_table(table, settings, std::move(health));
    REQUIRE(router);
    return std::move(router).value();
}

TEST_CASE("forward split: the carrier that takes message_payload being down, the parts go to the one that does not",
          "[relay][forward][split]") {
    auto health = std::make_shared<routing::health::HealthMonitor>();
    health->carrier_down("carrier01");
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, mixed_route(false, health));
    REQUIRE(rig.ready());
    // Before: carrier00 passed over (message_payload), carrier01 (circuit):
    // ESME_RINVDSTADR, and nothing split.
    REQUIRE(rig.submit(1, long_payload(text(300)), true));
    const auto records = parts_of(loop, ledger, rig.answers[0], 2);
    for (const auto& r : records) CHECK(r.attempts.back().carrier == "carrier00");
    CHECK(rig.forward->counters().split == 1);
}

TEST_CASE("forward split: a payload that does not cut in its data_coding goes whole, or is refused for the payload",
          "[relay][forward][split]") {
    // Bytes outside GSM 03.38 under data_coding 0: no septet parts can be cut.
    const std::string latin(300, '\xE9');
    {
        // Before: ESME_RINVMSGLEN, though carrier01 (default route) takes it whole.
        store::InMemoryLedger ledger;
        Loop loop;
        Rig rig(loop, ledger, true, {}, mixed_route(true));
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(1, long_payload(latin, 0), true));
        REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
        const auto id = *store::MessageId::parse(rig.answers[0].message_id);
        REQUIRE(loop.run_until([&] { return ledger.find(id)->status == MessageStatus::sent; }, 5s));
        CHECK_FALSE(ledger.find(id)->split_by_us);
        CHECK(ledger.find(id)->attempts.back().carrier == "carrier01");
        CHECK(rig.forward->counters().split == 0);
    }
    {
        // No carrier takes message_payload: the refusal names it, as with
        // split_payload off (before: ESME_RINVMSGLEN). An odd UCS-2 length too.
        store::InMemoryLedger ledger;
        Loop loop;
        Rig rig(loop, ledger, true, {}, no_payload_route());
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(1, long_payload(latin, 0), true));
        CHECK(rig.answers[0].status == command_status::ESME_ROPTPARNOTALLWD);
        REQUIRE(rig.submit(1, long_payload(std::string(301, 'a'), 8), true));
        CHECK(rig.answers[1].status == command_status::ESME_ROPTPARNOTALLWD);
        CHECK(rig.forward->counters().split == 0);
    }
}

TEST_CASE("forward split: a submit_multi's long message_payload is split per destination, all under its one id",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true, {}, no_payload_route());
    REQUIRE(rig.ready());
    const auto payload = text(400);  // 3 parts for each destination
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.registered_delivery = 1;
    m.tlvs.set_bytes(protocol::tlv_tag::message_payload, payload);
    for (const char* d : {"447700900001", "447700900002", "33612345678"}) {  // the last has no route
        protocol::MultiDest dest;
        dest.address = {1, 1, d};
        m.dests.push_back(dest);
    }
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto* body = resp->as<protocol::SubmitMultiResp>();
    REQUIRE(body);
    REQUIRE(body->unsuccess_smes.size() == 1);
    CHECK(body->unsuccess_smes[0].address.addr == "33612345678");
    CHECK(body->unsuccess_smes[0].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR));
    const auto multi = *store::MessageId::parse(body->message_id);

    // Each destination: three UDH parts of one reference, the whole text,
    // through one carrier; no message_payload reaches a carrier.
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() >= 6; }, 5s));
    loop.run_for(50ms);
    REQUIRE(rig.smsc.submits.size() == 6);
    std::map<std::string, std::map<int, std::string>> texts;
    std::map<std::string, std::set<std::uint16_t>> references;
    for (const auto& s : rig.smsc.submits) {
        CHECK_FALSE(s.pdu.tlvs.has(protocol::tlv_tag::message_payload));
        REQUIRE((s.pdu.esm_class & protocol::esm_class::udhi) != 0);
        auto udh = protocol::parse_udh(s.pdu.short_message);
        REQUIRE(std::holds_alternative<protocol::UserDataHeader>(udh));
        const auto& h = std::get<protocol::UserDataHeader>(udh);
        REQUIRE(h.concatenation);
        CHECK(h.concatenation->total == 3);
        texts[s.pdu.dest.addr][h.concatenation->seqnum] = std::string(h.payload);
        references[s.pdu.dest.addr].insert(h.concatenation->ref);
    }
    REQUIRE(texts.size() == 2);
    for (const auto& [dest, parts] : texts) {
        INFO(dest);
        REQUIRE(parts.size() == 3);
        CHECK(parts.at(1) + parts.at(2) + parts.at(3) == payload);
        CHECK(references[dest].size() == 1);
    }
    CHECK(*references["447700900001"].begin() != *references["447700900002"].begin());

    // In the ledger: six parts, consecutive ids from the submit_multi's id,
    // every one under it, each destination's parts numbered 1..3 and sent
    // through one carrier.
    std::vector<store::MessageRecord> records;
    REQUIRE(loop.run_until(
        [&] {
            records.clear();
            for (std::uint64_t id = multi.value(); records.size() < 6; ++id) {
                auto r = ledger.find(store::MessageId(id));
                if (!r.ok() || r->status != MessageStatus::sent) return false;
                records.push_back(*r);
            }
            return true;
        },
        5s));
    std::map<std::string, std::set<std::string>> carriers;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        INFO("record " << i);
        CHECK(r.split_by_us);
        CHECK(r.upstream_id == multi);
        REQUIRE(r.concatenation);
        CHECK(r.concatenation->number == i % 3 + 1);
        CHECK(r.destination.address == (i < 3 ? "447700900001" : "447700900002"));
        carriers[r.destination.address].insert(r.attempts.back().carrier);
    }
    for (const auto& [dest, used] : carriers) CHECK(used.size() == 1);
    CHECK(rig.forward->counters().accepted == 6);
    CHECK(rig.forward->counters().split == 2);

    // query_sm by the submit_multi's id answers for its first destination,
    // whole: en route while a part is, then the worst part's state.
    auto query = [&] {
        protocol::QuerySm q;
        q.message_id = body->message_id;
        q.source = m.source;
        auto answer = rig.call(q);
        REQUIRE(answer);
        REQUIRE(answer->status == command_status::ESME_ROK);
        return answer->as<protocol::QuerySmResp>()->message_state;
    };
    auto settle = [&](std::size_t i, MessageStatus status) {
        bool ok = false;
        ledger.update(records[i].id, store::StateChange{.status = status, .at = store::Timestamp{1'767'225'600'000ms}},
                      [&](store::Status st) { ok = st.ok(); });
        REQUIRE(ok);
    };
    settle(0, MessageStatus::delivered);
    settle(2, MessageStatus::delivered);
    CHECK(query() == static_cast<std::uint8_t>(protocol::message_state::enroute));
    settle(1, MessageStatus::undeliverable);
    settle(3, MessageStatus::delivered);  // the second destination's: not this answer's
    CHECK(query() == static_cast<std::uint8_t>(protocol::message_state::undeliverable));
}

TEST_CASE("forward split: a submit_multi destination whose parts do not all fit the backlog is refused alone, "
          "nothing of it stored",
          "[relay][forward][split]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.max_backlog = 4;  // one destination's three parts, not two destinations'
    fs.accounts.accounts.push_back(acme);
    Rig rig(loop, ledger, true, fs, no_payload_route());
    REQUIRE(rig.ready());
    const auto payload = text(400);  // 3 parts for each destination
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.registered_delivery = 1;
    m.tlvs.set_bytes(protocol::tlv_tag::message_payload, payload);
    for (const char* d : {"447700900001", "447700900002"}) {
        protocol::MultiDest dest;
        dest.address = {1, 1, d};
        m.dests.push_back(dest);
    }
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto* body = resp->as<protocol::SubmitMultiResp>();
    REQUIRE(body);
    REQUIRE(body->unsuccess_smes.size() == 1);
    CHECK(body->unsuccess_smes[0].address.addr == "447700900002");
    CHECK(body->unsuccess_smes[0].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RMSGQFUL));
    const auto multi = *store::MessageId::parse(body->message_id);

    // The first destination goes whole: three parts, one carrier, the text.
    const auto seen = seen_parts(loop, rig, 3);
    CHECK(seen.references.size() == 1);
    CHECK(seen.totals == std::set<int>{3});
    CHECK(seen.texts.at(1) + seen.texts.at(2) + seen.texts.at(3) == payload);
    for (const auto& s : rig.smsc.submits) CHECK(s.pdu.dest.addr == "447700900001");
    std::set<std::string> carriers;
    for (std::uint64_t i = 0; i < 3; ++i) {
        auto r = ledger.find(store::MessageId(multi.value() + i));
        REQUIRE(r.ok());
        CHECK(r->upstream_id == multi);
        CHECK(r->destination.address == "447700900001");
        REQUIRE_FALSE(r->attempts.empty());
        carriers.insert(r->attempts.back().carrier);
    }
    CHECK(carriers.size() == 1);
    // Nothing of the refused destination is in the ledger, not even the
    // part that did fit, and what it reserved is back.
    for (std::uint64_t i = 3; i < 6; ++i) CHECK_FALSE(ledger.find(store::MessageId(multi.value() + i)).ok());
    CHECK(rig.forward->counters().accepted == 3);
    CHECK(rig.forward->counters().split == 1);
    REQUIRE(loop.run_until([&] { return rig.forward->backlog("acme") == 0; }, 5s));

    // With the first destination's parts gone to the carrier, the refused
    // destination fits on its own.
    m.dests.erase(m.dests.begin());
    auto again = rig.call(m);
    REQUIRE(again);
    REQUIRE(again->status == command_status::ESME_ROK);
    CHECK(again->as<protocol::SubmitMultiResp>()->unsuccess_smes.empty());
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() >= 6; }, 5s));
    for (std::size_t i = 3; i < 6; ++i) CHECK(rig.smsc.submits[i].pdu.dest.addr == "447700900002");
}
