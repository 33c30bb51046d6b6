#include "store/message_record.hpp"

#include <catch2/catch.hpp>

#include "store/carrier_receipt.hpp"
#include "store/pending_receipt.hpp"
#include "store/state_change.hpp"

using namespace smpp::store;
using std::chrono::milliseconds;

namespace {

Timestamp at_ms(std::int64_t ms) { return Timestamp(milliseconds(ms)); }

MessageRecord full_record() {
    MessageRecord r;
    r.id = MessageId::make(at_ms(MessageId::epoch_unix_ms + 77), 2, 3);
    r.account = "acme";
    r.upstream_sequence_number = 0xFFFFFFFF;
    r.user_message_reference = 0xBEEF;
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.esm_class = 0x40;
    r.data_coding = 8;
    r.registered_delivery = 1;
    r.priority_flag = 2;
    r.payload = std::string("\x00\x48\x00\x69\xff", 5);
    r.segment_count = 2;
    r.concatenation = Concatenation{0x1234, 3, 2};
    r.traffic_class = "otp";
    r.status = MessageStatus::sent;
    r.error_code = 0x45;
    r.route = {"carrier-a", "prefix 4477 cheapest"};
    r.attempts = {Attempt{"carrier-b", "b-1", at_ms(1'700'000'000'000), MessageStatus::failed, 0x58, ""},
                  Attempt{"carrier-a", "a-2", at_ms(1'700'000'000'100), MessageStatus::sent, 0, "A1B2C3"}};
    r.accepted_at = at_ms(1'700'000'000'000);
    r.updated_at = at_ms(1'700'000'000'100);
    r.expires_at = at_ms(1'700'086'400'000);
    r.retry_at = at_ms(-5);  // negative times survive the zigzag encoding
    r.cost_micros = -1234567;
    r.currency = "EUR";
    r.protocol_id = 0x41;
    r.replace_if_present_flag = 1;
    r.sm_default_msg_id = 3;
    r.tlvs = {StoredTlv{0x020C, std::string("\x12\x34", 2)}, StoredTlv{0x1400, std::string("\x00v", 2)},
              StoredTlv{0x020A, ""}};
    r.intermediate_seen = 0xF00DFACEDEADBEEFULL;
    return r;
}

}  // namespace

TEST_CASE("message record: statuses have names and finality") {
    CHECK(name(MessageStatus::in_doubt) == "in_doubt");
    CHECK(name(MessageStatus::undeliverable) == "undeliverable");
    CHECK(message_status_from_name("expired") == MessageStatus::expired);
    CHECK_FALSE(message_status_from_name("EXPIRED"));
    for (std::size_t i = 0; i < message_status_count; ++i) {
        auto s = static_cast<MessageStatus>(i);
        CHECK(message_status_from_name(name(s)) == s);
    }
    CHECK_FALSE(is_final(MessageStatus::sent));
    CHECK_FALSE(is_final(MessageStatus::in_doubt));
    CHECK(is_final(MessageStatus::delivered));
    CHECK(is_final(MessageStatus::failed));
}

TEST_CASE("message record: encode/decode round trip") {
    auto r = full_record();
    auto bytes = encode(r);
    CHECK(static_cast<std::uint8_t>(bytes[0]) == message_record_version);
    auto back = decode_message_record(bytes);
    REQUIRE(back.ok());
    CHECK(*back == r);

    MessageRecord minimal;
    minimal.id = MessageId(1);
    auto m = decode_message_record(encode(minimal));
    REQUIRE(m.ok());
    CHECK(*m == minimal);
}

TEST_CASE("message record: text_of skips the UDH of a part, and only with UDHI") {
    MessageRecord r;
    r.payload = std::string("\x05\x00\x03\x1f\x03\x01", 6) + "part one";
    CHECK(text_of(r) == r.payload);  // no UDHI: the octets are text
    r.esm_class = 0x40;
    CHECK(text_of(r) == "part one");
    r.payload = std::string("\x05\x00\x03", 3);  // a UDH longer than the payload
    CHECK(text_of(r).empty());
    r.payload.clear();
    CHECK(text_of(r).empty());
}

TEST_CASE("message record: every truncation and corruption is an error value") {
    auto bytes = encode(full_record());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto r = decode_message_record(std::string_view(bytes).substr(0, n));
        REQUIRE_FALSE(r.ok());
        CHECK(r.status().code() == StatusCode::corruption);
    }
    CHECK(decode_message_record(bytes + "x").status().code() == StatusCode::corruption);

    auto bad_version = bytes;
    bad_version[0] = 9;
    CHECK(decode_message_record(bad_version).status().message() == "message record: unknown version 9");

    // Versions 1 (before synthetic_receipt), 2 (before upstream_id,
    // service_type, revision, duplicate_risk), 3 (before upstream_bind) and
    // 4 (before split_by_us) and 5 (before protocol_id, the two flags and
    // the TLVs) and 6 (before intermediate_seen) still decode, with defaults.
    auto marked = full_record();
    marked.synthetic_receipt = true;
    marked.service_type = {};
    marked.protocol_id = marked.replace_if_present_flag = marked.sm_default_msg_id = 0;
    marked.tlvs.clear();
    marked.intermediate_seen = 0;
    auto v7 = encode(marked);
    auto v6 = v7.substr(0, v7.size() - 1);  // no intermediate seen: one byte
    v6[0] = 6;
    CHECK(*decode_message_record(v6) == marked);
    auto v5 = v6.substr(0, v6.size() - 4);  // three zero octets and no TLVs: four bytes
    v5[0] = 5;
    CHECK(*decode_message_record(v5) == marked);
    auto v4 = v5.substr(0, v5.size() - 1);  // split_by_us false: one byte
    v4[0] = 4;
    CHECK(*decode_message_record(v4) == marked);
    auto v3 = v4.substr(0, v4.size() - 1);  // an empty upstream_bind: one byte
    v3[0] = 3;
    CHECK(decode_message_record(v3)->synthetic_receipt);
    CHECK(*decode_message_record(v3) == marked);
    auto v2 = v3.substr(0, v3.size() - 4);  // four empty v3 fields: one byte each
    v2[0] = 2;
    auto older = decode_message_record(v2);
    REQUIRE(older.ok());
    CHECK(*older == marked);
    auto v1 = v2.substr(0, v2.size() - 1);
    v1[0] = 1;
    auto old = decode_message_record(v1);
    REQUIRE(old.ok());
    CHECK_FALSE(old->synthetic_receipt);
    marked.synthetic_receipt = false;
    CHECK(*old == marked);

    // Version 3's fields round-trip.
    auto multi = full_record();
    multi.upstream_id = MessageId(123456789);
    multi.service_type = "CMT";
    multi.revision = 300;
    multi.duplicate_risk = true;
    CHECK(*decode_message_record(encode(multi)) == multi);

    // Version 4's field round-trips; a version 3 record carrying one is
    // longer than version 3 allows (trailing bytes).
    auto bound = full_record();
    bound.upstream_bind = "transceiver@10.0.0.5:41234";
    auto v4_bytes = encode(bound);
    CHECK(*decode_message_record(v4_bytes) == bound);
    v4_bytes[0] = 3;
    CHECK(decode_message_record(v4_bytes).status().code() == StatusCode::corruption);

    // Version 5's flag round-trips; only 0 and 1 decode.
    auto split = full_record();
    split.split_by_us = true;
    auto v5_bytes = encode(split);
    CHECK(*decode_message_record(v5_bytes) == split);
    v5_bytes.back() = 2;
    CHECK(decode_message_record(v5_bytes).status().code() == StatusCode::corruption);

    // Any byte of a record replaced by any of a few values decodes or fails
    // cleanly, and never builds something larger than its input suggests.
    auto small = encode(full_record());
    for (std::size_t i = 0; i < small.size(); ++i) {
        for (int v : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
            auto c = small;
            c[i] = static_cast<char>(v);
            auto d = decode_message_record(c);
            if (d.ok()) CHECK(encode(*d).size() <= c.size());  // over-long varints decode too
        }
    }
}

TEST_CASE("state change: final records never change; retries are cancelled by any change") {
    MessageRecord r;
    r.id = MessageId(42);
    REQUIRE(apply_retry(r, at_ms(1000)).ok());
    CHECK(r.status == MessageStatus::queued);
    CHECK(r.retry_at == at_ms(1000));

    Attempt a{"carrier-a", "a-1", at_ms(10), MessageStatus::sending, 0, ""};
    REQUIRE(apply(r, StateChange{.status = MessageStatus::sending, .at = at_ms(10), .attempt = a}).ok());
    CHECK(r.retry_at == Timestamp{});
    CHECK(r.attempts.size() == 1);

    REQUIRE(apply_sent(r, "carrier-a", "X1", at_ms(11), "#1@10.0.0.1:2775").ok());
    CHECK(r.attempts.size() == 1);
    CHECK(r.attempts[0].carrier_message_id == "X1");
    CHECK(r.attempts[0].bind == "#1@10.0.0.1:2775");  // the bind that answered replaces the planned one
    CHECK(r.attempts[0].status == MessageStatus::sent);

    REQUIRE(apply(r, StateChange{.status = MessageStatus::delivered, .at = at_ms(20)}).ok());
    CHECK(r.final_at == at_ms(20));
    auto before = r;
    CHECK(apply(r, StateChange{.status = MessageStatus::undeliverable, .at = at_ms(30)}).code() ==
          StatusCode::failed_precondition);
    CHECK(apply_sent(r, "carrier-a", "X2", at_ms(30)).code() == StatusCode::failed_precondition);
    CHECK(apply_retry(r, at_ms(30)).code() == StatusCode::failed_precondition);
    CHECK(r == before);

    MessageRecord fresh;
    fresh.id = MessageId(43);
    CHECK(apply(fresh, StateChange{.status = MessageStatus::accepted}).code() == StatusCode::invalid_argument);
    CHECK(apply_sent(fresh, "", "X", at_ms(1)).code() == StatusCode::invalid_argument);
    CHECK(apply_sent(fresh, std::string("a\0b", 3), "X", at_ms(1)).code() == StatusCode::invalid_argument);
    CHECK(check_acceptable(MessageRecord{}).code() == StatusCode::invalid_argument);
}

TEST_CASE("state change: a carrier's transient refusal closes its attempt before the next one") {
    MessageRecord r;
    r.id = MessageId(44);
    const Attempt first{"carrier-a", "", at_ms(10), MessageStatus::sending, 0, ""};
    REQUIRE(apply(r, StateChange{.status = MessageStatus::sending, .at = at_ms(10), .attempt = first}).ok());
    // carrier-a answers ESME_RSYSERR: failover to carrier-b.
    const Attempt second{"carrier-b", "", at_ms(12), MessageStatus::sending, 0, ""};
    REQUIRE(apply(r, StateChange{.status = MessageStatus::sending,
                                 .at = at_ms(12),
                                 .attempt = second,
                                 .last_attempt_refused = 0x08})
                .ok());
    REQUIRE(r.attempts.size() == 2);
    CHECK(r.attempts[0].status == MessageStatus::failed);
    CHECK(r.attempts[0].command_status == 0x08);
    CHECK(r.attempts[1].status == MessageStatus::sending);
    // carrier-b throttles too: a retry later; the record says why.
    REQUIRE(apply(r, StateChange{.status = MessageStatus::queued,
                                 .at = at_ms(13),
                                 .last_attempt_refused = 0x58,
                                 .last_attempt_bind = "#1@10.0.0.2:2775"})
                .ok());
    CHECK(r.attempts[1].status == MessageStatus::failed);
    CHECK(r.attempts[1].command_status == 0x58);
    CHECK(r.attempts[1].bind == "#1@10.0.0.2:2775");  // the bind that throttled
    CHECK(r.attempts[0].bind.empty());
    // Nothing open any more: a further refusal changes no attempt.
    const auto before = r.attempts;
    REQUIRE(apply(r, StateChange{.status = MessageStatus::queued, .at = at_ms(14), .last_attempt_refused = 0x14}).ok());
    CHECK(r.attempts == before);
    // An attempt that got its carrier id is never closed as refused.
    REQUIRE(apply(r, StateChange{.status = MessageStatus::sending,
                                 .at = at_ms(20),
                                 .attempt = Attempt{"carrier-a", "", at_ms(20), MessageStatus::sending, 0, ""}})
                .ok());
    REQUIRE(apply_sent(r, "carrier-a", "X9", at_ms(21)).ok());
    REQUIRE(apply(r, StateChange{.status = MessageStatus::queued, .at = at_ms(22), .last_attempt_refused = 0x08}).ok());
    CHECK(r.attempts.back().status == MessageStatus::sent);
    CHECK(r.attempts.back().carrier_message_id == "X9");
}

TEST_CASE("pending receipt: value round trip and corruption") {
    PendingReceipt r{"acme", MessageId(9), MessageStatus::undeliverable, 0x0B, at_ms(1'700'000'000'000)};
    PendingReceipt back{"acme", MessageId(9)};
    REQUIRE(decode_receipt_value(encode_receipt_value(r), back).ok());
    CHECK(back == r);
    auto bytes = encode_receipt_value(r);
    for (std::size_t n = 0; n < bytes.size(); ++n)
        CHECK(decode_receipt_value(bytes.substr(0, n), back).code() == StatusCode::corruption);
}

TEST_CASE("carrier and pending receipts: the carrier's own stat round trips; without one the bytes are as before") {
    // Before, a carrier's stat UNKNOWN or DELETED was kept only as
    // `undeliverable` and went upstream as UNDELIV.
    CarrierReceipt c{.carrier = "carrier-a",
                     .keys = {"64", "100"},
                     .carrier_message_id = "64",
                     .status = MessageStatus::undeliverable,
                     .error_code = 11,
                     .done_at = at_ms(1'700'000'000'000),
                     .received_at = at_ms(1'700'000'000'100),
                     .raw = "id:64 stat:UNKNOWN"};
    auto plain = encode(c);
    CHECK(plain[0] == 1);  // what earlier versions wrote, and read
    REQUIRE(decode_carrier_receipt(plain).ok());
    CHECK(decode_carrier_receipt(plain)->reported_state == 0);
    c.reported_state = 7;  // SMPP message_state UNKNOWN
    auto with_state = encode(c);
    CHECK(with_state[0] == 2);
    CHECK(with_state.substr(1, plain.size() - 1) == plain.substr(1));
    auto back = decode_carrier_receipt(with_state);
    REQUIRE(back.ok());
    CHECK(back->reported_state == 7);
    back->keep_raw = c.keep_raw;
    CHECK(*back == c);
    for (std::size_t n = 0; n < with_state.size(); ++n)
        CHECK_FALSE(decode_carrier_receipt(with_state.substr(0, n)).ok());

    MessageRecord r;
    r.id = MessageId::make(at_ms(MessageId::epoch_unix_ms + 77), 2, 3);
    r.account = "acme";
    r.registered_delivery = 1;
    std::optional<PendingReceipt> owed;
    MessageRecord sent = r;
    sent.status = MessageStatus::sent;
    REQUIRE(apply_receipt(sent, c, owed) == receipt_outcome::matched);
    REQUIRE(owed);
    CHECK(owed->reported_state == 7);
    CHECK(sent.status == MessageStatus::undeliverable);
    const auto bytes = encode_receipt_value(*owed);
    CHECK(bytes[0] == 4);
    PendingReceipt decoded{owed->account, owed->id};
    REQUIRE(decode_receipt_value(bytes, decoded).ok());
    CHECK(decoded == *owed);
    for (std::size_t n = 0; n < bytes.size(); ++n)
        CHECK(decode_receipt_value(bytes.substr(0, n), decoded).code() == StatusCode::corruption);
    owed->reported_state = 0;
    CHECK(encode_receipt_value(*owed)[0] == 3);
    CHECK(encode_receipt_value(*owed) == bytes.substr(0, bytes.size() - 1).replace(0, 1, 1, '\x03'));
}
