#include "tools/smpp-sim/fault_plan.hpp"

#include <vector>

#include <catch2/catch.hpp>

using namespace smpp::sim;
using smpp::protocol::command_status;

namespace {
std::string apply(FaultPlan& p, std::vector<std::string_view> words) { return apply_fault(p, words); }
}  // namespace

TEST_CASE("fault_plan: every fault parses", "[tools][smpp-sim]") {
    FaultPlan p;
    CHECK(describe(p) == "none");
    CHECK(apply(p, {"submit_status", "0x58", "0.1"}) == "");
    CHECK(p.submit_status == command_status::ESME_RTHROTTLED);
    CHECK(p.submit_status_fraction == 0.1);
    CHECK(apply(p, {"submit_status", "20", "1"}) == "");
    CHECK(p.submit_status == command_status::ESME_RMSGQFUL);
    CHECK(apply(p, {"latency_ms", "50"}) == "");
    CHECK(p.latency == std::chrono::milliseconds(50));
    CHECK(apply(p, {"no_response", "0.05"}) == "");
    CHECK(apply(p, {"disconnect_after", "1000"}) == "");
    CHECK(p.disconnect_after == 1000);
    CHECK(apply(p, {"refuse_binds", "on"}) == "");
    CHECK(p.refuse_binds);
    CHECK(apply(p, {"receipts", "drop", "0.1"}) == "");
    CHECK(apply(p, {"receipts", "duplicate", "0.2"}) == "");
    CHECK(apply(p, {"receipts", "reorder", "on"}) == "");
    CHECK(apply(p, {"receipts", "before_resp", "true"}) == "");
    CHECK(describe(p) ==
          "submit_status=0x14@1 latency_ms=50 no_response=0.05 disconnect_after=1000 refuse_binds=on "
          "receipts.drop=0.1 receipts.duplicate=0.2 receipts.reorder=on receipts.before_resp=on");
    CHECK(apply(p, {"refuse_binds", "off"}) == "");
    CHECK_FALSE(p.refuse_binds);
}

TEST_CASE("fault_plan: garbage is rejected and changes nothing", "[tools][smpp-sim]") {
    FaultPlan p;
    CHECK(apply(p, {}) == "missing fault name");
    CHECK(apply(p, {"explode"}) ==
          "unknown fault 'explode' (submit_status, latency_ms, no_response, disconnect_after, refuse_binds, receipts)");
    CHECK(apply(p, {"submit_status", "0x58"}) == "usage: submit_status <status> <fraction>");
    CHECK(apply(p, {"submit_status", "abc", "0.1"}) == "status must be a number (0x58 or 88)");
    CHECK(apply(p, {"submit_status", "0x58", "1.5"}) == "fraction must be a number between 0 and 1");
    CHECK(apply(p, {"no_response", "-0.1"}) == "fraction must be a number between 0 and 1");
    CHECK(apply(p, {"latency_ms", "fast"}) == "latency_ms must be between 0 and 600000");
    CHECK(apply(p, {"refuse_binds", "maybe"}) == "refuse_binds must be on or off");
    CHECK(apply(p, {"receipts", "lose", "0.1"}) ==
          "unknown receipts fault 'lose' (drop, duplicate, reorder, before_resp)");
    CHECK(apply(p, {"receipts", "reorder", "0.5"}) == "reorder must be on or off");
    CHECK(p == FaultPlan{});
}
