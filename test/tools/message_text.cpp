#include "tools/smpp-connector/message_text.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;
using store::MessageStatus;

namespace {

// 2025-05-01T12:00:00.000Z
const store::Timestamp noon = std::chrono::sys_days{std::chrono::year{2025} / 5 / 1} + 12h;

}  // namespace

TEST_CASE("message_text: times in UTC with milliseconds, unset ones as -", "[tools][admin][message]") {
    CHECK(utc_millis(noon + 123ms) == "2025-05-01T12:00:00.123Z");
    CHECK(utc_millis(noon + 59min + 59s + 5ms) == "2025-05-01T12:59:59.005Z");
    CHECK(utc_millis(store::Timestamp{}) == "-");
    CHECK(utc_millis(store::Timestamp{} - 1ms) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("message_text: micros as currency units with six decimals", "[tools][admin][message]") {
    CHECK(units_of_micros(0) == "0.000000");
    CHECK(units_of_micros(12'000) == "0.012000");
    CHECK(units_of_micros(1'234'567) == "1.234567");
    CHECK(units_of_micros(-5) == "-0.000005");
    CHECK(units_of_micros(std::numeric_limits<std::int64_t>::min()) == "-9223372036854.775808");
}

TEST_CASE("message_text: a part we split says so", "[tools][admin][message]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 1, 8);
    r.upstream_id = store::MessageId::make(noon, 1, 7);
    r.concatenation = store::Concatenation{200, 3, 2};
    r.split_by_us = true;
    CHECK_THAT(message_text(r), Catch::Contains("segments 1 (our part 2 of 3, reference 200) (split by us from one "
                                                "message_payload)\n"));
    CHECK_THAT(message_text(r), Catch::Contains("upstream_id=" + r.upstream_id.to_string()));
}

TEST_CASE("message_text: every field of a record, one fact per line", "[tools][admin][message]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 1, 7);
    r.account = "acme";
    r.upstream_sequence_number = 42;
    r.user_message_reference = 9;
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.esm_class = 0x40;
    r.data_coding = 0x08;
    r.registered_delivery = 0x01;
    r.payload = std::string(320, 'x');
    r.segment_count = 3;
    r.concatenation = store::Concatenation{17, 3, 1};
    r.traffic_class = "otp";
    r.status = MessageStatus::delivered;
    r.route = {"c1", "route 44 (priority): c1"};
    r.attempts.push_back({.carrier = "c1",
                          .bind = "",
                          .at = noon + 5ms,
                          .status = MessageStatus::queued,
                          .command_status = 0x08,
                          .carrier_message_id = ""});
    r.attempts.push_back({.carrier = "c2",
                          .bind = "c2#1",
                          .at = noon + 1s + 250ms,
                          .status = MessageStatus::sent,
                          .command_status = 0,
                          .carrier_message_id = "0001A2B"});
    r.accepted_at = noon + 2ms;
    r.updated_at = r.final_at = noon + 9s;
    r.expires_at = noon + 24h;
    r.cost_micros = 12'000;
    r.currency = "EUR";
    r.duplicate_risk = true;
    r.upstream_bind = "transceiver@10.0.0.5:41234";

    const auto text = message_text(r);
    CHECK(text ==
          "account acme sequence_number=42 user_message_reference=9 service_type=- upstream_id=- "
          "bind=transceiver@10.0.0.5:41234\n"
          "source ton=5 npi=0 ACME\n"
          "destination ton=1 npi=1 447700900123\n"
          "data_coding=0x08 esm_class=0x40 registered_delivery=0x01 priority_flag=0 payload=320 octets\n"
          "segments 3 (upstream part 1 of 3, reference 17)\n"
          "class otp\n"
          "cost 0.012000 EUR (12000 micros, 3 segments)\n"
          "route c1: route 44 (priority): c1\n"
          "attempt #1 c1 bind=- at=2025-05-01T12:00:00.005Z queued command_status=0x00000008 (ESME_RSYSERR) "
          "carrier_message_id=-\n"
          "attempt #2 c2 bind=c2#1 at=2025-05-01T12:00:01.250Z sent command_status=0x00000000 (ESME_ROK) "
          "carrier_message_id=0001A2B\n"
          "receipt requested=yes error_code=0 (0x00000000) synthetic=no\n"
          "accepted 2025-05-01T12:00:00.002Z\n"
          "updated 2025-05-01T12:00:09.000Z\n"
          "retry_at - (none)\n"
          "validity 2025-05-02T12:00:00.000Z\n"
          "final 2025-05-01T12:00:09.000Z\n"
          "revision 0\n"
          "duplicate_risk yes (sent again while a carrier may have it: after a receipt timeout, or in doubt under "
          "in_doubt: resend; the handset may get it twice)\n");
    // The text itself stays out of an operator's terminal (it may be a one-time password).
    CHECK(text.find("xxxx") == std::string::npos);
}

TEST_CASE("message_text: a fresh record, and peer text that would break lines", "[tools][admin][message]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 0, 1);
    r.account = "acme";
    r.upstream_id = store::MessageId::make(noon, 0, 0);
    r.service_type = "CMT";
    r.payload = "x";
    r.retry_at = noon + 1h;  // schedule_delivery_time: held until then
    r.route = {"c1", "route 44\nsecond line"};
    r.attempts.push_back({.carrier = "c1", .at = noon, .carrier_message_id = "id\r\nX"});
    r.synthetic_receipt = true;
    r.error_code = 0xFE;
    r.cost_micros = 4'000;
    const auto text = message_text(r);
    // A record from before version 4 names no upstream bind.
    CHECK(text.find("service_type=CMT upstream_id=" + r.upstream_id.to_string() + " bind=-\n") != std::string::npos);
    CHECK(text.find("payload=1 octet\n") != std::string::npos);
    CHECK(text.find("\nsegments 1\n") != std::string::npos);
    CHECK(text.find("\nclass -\n") != std::string::npos);
    CHECK(text.find("\ncost 0.004000 (4000 micros, 1 segment)\n") != std::string::npos);
    CHECK(text.find("\nroute c1: route 44 second line\n") != std::string::npos);
    CHECK(text.find(" sending command_status=0x00000000 (ESME_ROK) carrier_message_id=id  X\n") != std::string::npos);
    // No submit_sm_resp recorded (a transient refusal moves on without writing one): not ESME_ROK.
    r.attempts.push_back({.carrier = "c2", .at = noon, .status = store::MessageStatus::sending});
    CHECK(message_text(r).find(" sending command_status=- carrier_message_id=-\n") != std::string::npos);
    CHECK(text.find("\nreceipt requested=no error_code=254 (0x000000FE) synthetic=yes (our receipt timeout, not "
                    "the carrier)\n") != std::string::npos);
    CHECK(text.find("\nretry_at 2025-05-01T13:00:00.000Z\n") != std::string::npos);
    CHECK(text.find("\nvalidity - (the carrier's default)\n") != std::string::npos);
    CHECK(text.find("\nfinal -\n") != std::string::npos);
    CHECK(text.ends_with("duplicate_risk no\n"));
    CHECK(std::count(text.begin(), text.end(), '\n') == 17);
}
