#include "tools/smpp-connector/message_lookup.hpp"

#include <catch2/catch.hpp>

#include "store/in_memory_ledger.hpp"

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;
using store::MessageStatus;

namespace {

const store::Timestamp noon = std::chrono::sys_days{std::chrono::year{2025} / 5 / 1} + 12h;

void require_ok(store::Status s) { REQUIRE(s.ok()); }

// A message as the forward path leaves it: accepted straight to `sending`
// on c1, c1 answers ESME_RSYSERR, it goes to c2, whose submit_sm_resp id is
// hex "0001A2B" (indexed, as the forward path does, under index_key:
// "1a2b"), then c2's receipt says delivered.
store::MessageId failover_then_delivered(store::Ledger& ledger) {
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 0, 1);
    r.account = "acme";
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.segment_count = 3;
    r.traffic_class = "otp";
    r.status = MessageStatus::sending;
    r.route = {"c1", "route 44 (priority): c1"};
    r.attempts.push_back({.carrier = "c1", .at = noon, .status = MessageStatus::sending});
    r.accepted_at = r.updated_at = noon;
    r.cost_micros = 3 * 4'000;
    ledger.accept(r, require_ok);
    ledger.update(r.id,
                  {.status = MessageStatus::queued,
                   .at = noon + 10ms,
                   .attempt = store::Attempt{.carrier = "c1", .at = noon + 10ms, .status = MessageStatus::queued,
                                             .command_status = 0x08}},
                  require_ok);
    ledger.update(r.id,
                  {.status = MessageStatus::sending,
                   .at = noon + 20ms,
                   .attempt = store::Attempt{.carrier = "c2", .at = noon + 20ms, .status = MessageStatus::sending},
                   .cost_micros = 3 * 5'000},
                  require_ok);
    const auto key = relay::index_key("0001A2B", relay::CarrierIdSettings{});
    REQUIRE(key == "1a2b");
    ledger.sent(r.id, "c2", "0001A2B", *key, noon + 30ms, require_ok);
    ledger.update(r.id, {.status = MessageStatus::delivered, .at = noon + 2s}, require_ok);
    return r.id;
}

}  // namespace

TEST_CASE("message_lookup: by our id, the whole record; an unknown id is not_found", "[tools][admin][message]") {
    store::InMemoryLedger ledger;
    const auto id = failover_then_delivered(ledger);

    auto found = find_message(ledger, {}, {.id = id});
    REQUIRE(found.ok());
    CHECK(found->index_key.empty());
    CHECK(found->record.status == MessageStatus::delivered);
    CHECK(found->record.cost_micros == 15'000);
    REQUIRE(found->record.attempts.size() == 3);
    CHECK(found->record.attempts[1].command_status == 0x08);
    CHECK(found->record.attempts[2].carrier_message_id == "0001A2B");
    CHECK(found->record.final_at == noon + 2s);

    const auto other = store::MessageId::make(noon, 0, 2);
    auto missing = find_message(ledger, {}, {.id = other});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().code() == store::StatusCode::not_found);
    CHECK(missing.status().message() == other.to_string());
}

TEST_CASE("message_lookup: a carrier's id is found the way its receipts would be", "[tools][admin][message]") {
    store::InMemoryLedger ledger;
    const auto id = failover_then_delivered(ledger);
    const relay::CarrierIdBook book{{"c2", relay::CarrierIdSettings{}}};  // automatic translation

    // As the carrier wrote it in submit_sm_resp, and as the index holds it.
    for (const char* as_given : {"0001A2B", "1a2b", " 01A2B "}) {
        INFO(as_given);
        auto found = find_message(ledger, book, {.carrier = "c2", .carrier_message_id = as_given});
        REQUIRE(found.ok());
        CHECK(found->record.id == id);
        CHECK(found->index_key == "1a2b");
    }
    // Decimal, as a receipt would quote the hex id (0x1a2b = 6699).
    auto decimal = find_message(ledger, book, {.carrier = "c2", .carrier_message_id = "6699"});
    REQUIRE(decimal.ok());
    CHECK(decimal->record.id == id);
    CHECK(decimal->index_key == "1a2b");
    // id_translation none: the decimal form no longer finds it.
    const relay::CarrierIdBook strict{{"c2", {.translation = relay::id_translation::none}}};
    auto none = find_message(ledger, strict, {.carrier = "c2", .carrier_message_id = "6699"});
    REQUIRE_FALSE(none.ok());
    CHECK(none.status().message() == "for carrier c2 id '6699' (keys tried: 6699)");

    // A carrier not in the book (since removed from the config): default settings.
    CHECK(find_message(ledger, {}, {.carrier = "c2", .carrier_message_id = "0001a2b"}).ok());
    // The id under another carrier is not this message.
    auto wrong = find_message(ledger, book, {.carrier = "c1", .carrier_message_id = "1a2b"});
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.status().code() == store::StatusCode::not_found);
    CHECK(wrong.status().message() == "for carrier c1 id '1a2b' (keys tried: 1a2b, 6699)");
}

TEST_CASE("message_lookup: an id indexed as written (no canonical form) is found as typed", "[tools][admin][message]") {
    store::InMemoryLedger ledger;
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 0, 5);
    r.account = "acme";
    r.status = MessageStatus::sending;
    r.attempts.push_back({.carrier = "c1", .at = noon, .status = MessageStatus::sending});
    r.accepted_at = r.updated_at = noon;
    ledger.accept(r, require_ok);
    // Longer than 64 octets: index_key rejects it, the forward path stores it as written.
    const std::string long_id(70, 'Z');
    REQUIRE_FALSE(relay::index_key(long_id, {}).has_value());
    ledger.sent(r.id, "c1", long_id, "", noon + 1ms, require_ok);

    auto found = find_message(ledger, {}, {.carrier = "c1", .carrier_message_id = long_id});
    REQUIRE(found.ok());
    CHECK(found->record.id == r.id);
    CHECK(found->index_key == long_id);
}
