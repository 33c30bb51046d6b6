#include "tools/smpp-sim/receipt_text.hpp"

#include <catch2/catch.hpp>

using namespace smpp::sim;
using smpp::protocol::message_state;

TEST_CASE("receipt_text: SMPP 3.4 Appendix B layout", "[tools][smpp-sim]") {
    ReceiptText r;
    r.id = "0000000BEE";
    r.submit_date = 1'700'000'000;  // 2023-11-14 22:13:20 UTC
    r.done_date = 1'700'000'060;
    r.text = "Hello from the simulator, longer than twenty";
    CHECK(format_receipt_text(r) ==
          "id:0000000BEE sub:001 dlvrd:001 submit date:2311142213 done date:2311142214 stat:DELIVRD err:000 "
          "text:Hello from the simul");
}

TEST_CASE("receipt_text: a failed message", "[tools][smpp-sim]") {
    ReceiptText r;
    r.id = "42";
    r.dlvrd = 0;
    r.err = 1;
    r.state = message_state::undeliverable;
    r.submit_date = 0;
    r.done_date = 0;
    r.text = "hi";
    CHECK(format_receipt_text(r) ==
          "id:42 sub:001 dlvrd:000 submit date:7001010000 done date:7001010000 stat:UNDELIV err:001 text:hi");
}

TEST_CASE("receipt_text: stat words and state names", "[tools][smpp-sim]") {
    CHECK(stat_word(message_state::delivered) == "DELIVRD");
    CHECK(stat_word(message_state::expired) == "EXPIRED");
    CHECK(stat_word(message_state::deleted) == "DELETED");
    CHECK(stat_word(message_state::undeliverable) == "UNDELIV");
    CHECK(stat_word(message_state::accepted) == "ACCEPTD");
    CHECK(stat_word(message_state::unknown) == "UNKNOWN");
    CHECK(stat_word(message_state::rejected) == "REJECTD");
    CHECK(parse_message_state("undeliverable") == message_state::undeliverable);
    CHECK(parse_message_state("rejected") == message_state::rejected);
    CHECK_FALSE(parse_message_state("UNDELIV"));
}

TEST_CASE("receipt_text: dates in UTC across leap days and centuries", "[tools][smpp-sim]") {
    ReceiptText r;
    r.id = "1";
    r.submit_date = 951'782'400;   // 2000-02-29 00:00:00 UTC
    r.done_date = 4'102'444'799;   // 2099-12-31 23:59:59 UTC
    r.text = "";
    CHECK(format_receipt_text(r) ==
          "id:1 sub:001 dlvrd:001 submit date:0002290000 done date:9912312359 stat:DELIVRD err:000 text:");
}
