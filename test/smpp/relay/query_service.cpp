#include "smpp/relay/query_service.hpp"

#include <catch2/catch.hpp>

#include "store/in_memory_ledger.hpp"

using namespace smpp;
using protocol::command_status;
using protocol::message_state;
using store::MessageStatus;

namespace {

store::Timestamp at_ms(std::int64_t unix_ms) { return store::Timestamp(std::chrono::milliseconds(unix_ms)); }

struct QueryRig {
    store::InMemoryLedger ledger;
    std::uint16_t sequence = 0;

    store::MessageId add(std::string account, MessageStatus status, std::uint32_t error_code = 0,
                         store::Timestamp final_at = {}) {
        store::MessageRecord r;
        r.id = store::MessageId::make(at_ms(1'767'225'600'000), 1, ++sequence);  // 2026-01-01
        r.account = std::move(account);
        r.source = {5, 0, "ACME"};
        r.destination = {1, 1, "447700900001"};
        r.status = status;
        r.error_code = error_code;
        r.final_at = final_at;
        bool stored = false;
        ledger.accept(r, [&](store::Status s) { stored = s.ok(); });
        REQUIRE(stored);
        return r.id;
    }

    protocol::Pdu ask(std::string_view account, std::string message_id, std::uint32_t seq = 42,
                      std::string source = "ACME") {
        protocol::QuerySm q;
        q.message_id = std::move(message_id);
        q.source = {5, 0, std::move(source)};
        return relay::answer_query_sm(ledger, account, protocol::Pdu{command_status::ESME_ROK, seq, q});
    }
};

}  // namespace

TEST_CASE("every ledger status maps to its SMPP message_state", "[relay][query_sm]") {
    CHECK(relay::message_state_of(MessageStatus::accepted) == message_state::enroute);
    CHECK(relay::message_state_of(MessageStatus::queued) == message_state::enroute);
    CHECK(relay::message_state_of(MessageStatus::sending) == message_state::enroute);
    CHECK(relay::message_state_of(MessageStatus::sent) == message_state::enroute);
    CHECK(relay::message_state_of(MessageStatus::in_doubt) == message_state::unknown);
    CHECK(relay::message_state_of(MessageStatus::delivered) == message_state::delivered);
    CHECK(relay::message_state_of(MessageStatus::undeliverable) == message_state::undeliverable);
    CHECK(relay::message_state_of(MessageStatus::expired) == message_state::expired);
    CHECK(relay::message_state_of(MessageStatus::rejected) == message_state::rejected);
    CHECK(relay::message_state_of(MessageStatus::failed) == message_state::undeliverable);
}

TEST_CASE("query_sm of a message in flight: ENROUTE, no final_date", "[relay][query_sm]") {
    QueryRig rig;
    const auto id = rig.add("acme", MessageStatus::sent);
    const auto resp = rig.ask("acme", id.to_string(), 7);
    CHECK(resp.status == command_status::ESME_ROK);
    CHECK(resp.sequence_number == 7);
    REQUIRE(resp.as<protocol::QuerySmResp>());
    CHECK(*resp.as<protocol::QuerySmResp>() ==
          protocol::QuerySmResp{id.to_string(), "", static_cast<std::uint8_t>(message_state::enroute), 0});
}

TEST_CASE("query_sm of a final message: its state, final_date in UTC and error_code", "[relay][query_sm]") {
    QueryRig rig;
    // 2026-03-04T05:06:07.890Z
    const auto delivered = rig.add("acme", MessageStatus::delivered, 0, at_ms(1'772'600'767'890));
    const auto failed = rig.add("acme", MessageStatus::undeliverable, 0x0B, at_ms(1'772'600'767'890));
    const auto wide = rig.add("acme", MessageStatus::failed, 1000, at_ms(1'772'600'767'890));
    const auto in_doubt = rig.add("acme", MessageStatus::in_doubt);

    auto r = rig.ask("acme", delivered.to_string());
    REQUIRE(r.as<protocol::QuerySmResp>());
    CHECK(*r.as<protocol::QuerySmResp>() == protocol::QuerySmResp{delivered.to_string(), "260304050607800+",
                                                                  static_cast<std::uint8_t>(message_state::delivered), 0});
    r = rig.ask("acme", failed.to_string());
    CHECK(r.as<protocol::QuerySmResp>()->message_state == static_cast<std::uint8_t>(message_state::undeliverable));
    CHECK(r.as<protocol::QuerySmResp>()->error_code == 0x0B);
    r = rig.ask("acme", wide.to_string());
    CHECK(r.as<protocol::QuerySmResp>()->error_code == 0xFF);  // does not fit one octet
    r = rig.ask("acme", in_doubt.to_string());
    CHECK(r.as<protocol::QuerySmResp>()->message_state == static_cast<std::uint8_t>(message_state::unknown));
    CHECK(r.as<protocol::QuerySmResp>()->final_date.empty());
    // Ids are case-insensitive Crockford base32.
    std::string lower = delivered.to_string();
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(rig.ask("acme", lower).status == command_status::ESME_ROK);
}

TEST_CASE("query_sm of unknown, malformed or another account's ids is ESME_RINVMSGID", "[relay][query_sm]") {
    QueryRig rig;
    const auto theirs = rig.add("bulkco", MessageStatus::delivered, 0, at_ms(1'772'600'767'890));
    const auto unknown = store::MessageId::make(at_ms(1'767'225'600'000), 9, 9);
    for (const std::string& id : {theirs.to_string(), unknown.to_string(), std::string("not-an-id"), std::string()}) {
        INFO(id);
        const auto r = rig.ask("acme", id, 9);
        CHECK(r.status == command_status::ESME_RINVMSGID);
        CHECK(r.id() == protocol::command_id::query_sm_resp);
        CHECK(r.sequence_number == 9);
    }
    CHECK(rig.ask("bulkco", theirs.to_string()).status == command_status::ESME_ROK);
}

TEST_CASE("query_sm names the message's originator in source_addr, or none", "[relay][query_sm]") {
    QueryRig rig;
    const auto id = rig.add("acme", MessageStatus::sent).to_string();
    CHECK(rig.ask("acme", id, 1, "ACME").status == command_status::ESME_ROK);
    CHECK(rig.ask("acme", id, 2, "").status == command_status::ESME_ROK);  // many ESMEs send none
    const auto other = rig.ask("acme", id, 3, "OTHER");
    CHECK(other.status == command_status::ESME_RQUERYFAIL);
    CHECK(other.sequence_number == 3);
}
