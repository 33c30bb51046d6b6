#include "tools/smpp-sim/chaos_schedule.hpp"

#include <catch2/catch.hpp>

#include "test/tools/sim_fixture.hpp"
#include "tools/smpp-sim/control_port.hpp"

using namespace smpp::sim;
using namespace smpp::sim::test;

TEST_CASE("chaos_schedule: durations and several fault settings in one line", "[tools][smpp-sim][chaos]") {
    CHECK(parse_chaos_duration("20s") == std::chrono::milliseconds(20'000));
    CHECK(parse_chaos_duration("20") == std::chrono::milliseconds(20'000));
    CHECK(parse_chaos_duration("1500ms") == std::chrono::milliseconds(1'500));
    CHECK(parse_chaos_duration("2m") == std::chrono::milliseconds(120'000));
    CHECK_FALSE(parse_chaos_duration("0s"));
    CHECK_FALSE(parse_chaos_duration("2h"));
    CHECK_FALSE(parse_chaos_duration("s"));
    CHECK_FALSE(parse_chaos_duration("25h"));
    CHECK_FALSE(parse_chaos_duration("-3s"));

    FaultPlan plan;
    std::vector<std::string_view> words{"submit_status", "0x08", "0.5", "latency_ms", "200", "receipts", "drop", "0.25"};
    CHECK(apply_faults(plan, words).empty());
    CHECK(describe(plan) == "submit_status=0x08@0.5 latency_ms=200 receipts.drop=0.25");
    // One bad setting leaves the plan as it was.
    std::vector<std::string_view> bad{"latency_ms", "5", "no_response", "2"};
    CHECK(apply_faults(plan, bad) == "fraction must be a number between 0 and 1");
    CHECK(describe(plan) == "submit_status=0x08@0.5 latency_ms=200 receipts.drop=0.25");
    std::vector<std::string_view> unknown{"explode", "1"};
    CHECK(apply_faults(plan, unknown).starts_with("unknown fault 'explode'"));
}

TEST_CASE("chaos_schedule: faults for a while, then the plan from before comes back by itself",
          "[tools][smpp-sim][chaos]") {
    SimFixture f(sim_settings("c1"));
    Carriers all{f.carrier};
    auto chaos = ChaosSchedule::create(f.loop.ioc.get_executor());
    auto run = [&](std::string_view line) { return execute_control_line(all, line, chaos.get()).text; };

    CHECK(run("fault c1 latency_ms 5") == "ok latency_ms=5\n");
    CHECK(run("chaos list") == "ok none\n");
    CHECK(run("chaos c1") ==
          "error usage: chaos <carrier> <duration: 20s|1500ms|2m> <fault words> | chaos <carrier> off | chaos list\n");
    CHECK(run("chaos c9 1s latency_ms 1") == "error unknown carrier 'c9'\n");
    CHECK(run("chaos c1 soon latency_ms 1") ==
          "error duration must be like 20s, 1500ms or 2m (1 ms to 24 h), not 'soon'\n");
    CHECK(run("chaos c1 1s no_response 7") == "error fraction must be a number between 0 and 1\n");
    CHECK(run("chaos c1 off") == "error no chaos on c1\n");
    CHECK(run("faults c1") == "ok latency_ms=5\n");

    const auto answer = run("chaos c1 300ms submit_status 0x08 0.5");
    CHECK(answer.starts_with("ok chaos c1 submit_status=0x08@0.5 latency_ms=5 for 300 ms until "));
    CHECK(answer.ends_with("Z, then back to latency_ms=5\n"));
    CHECK(run("faults c1") == "ok submit_status=0x08@0.5 latency_ms=5\n");
    CHECK(run("chaos list").starts_with("ok c1 submit_status=0x08@0.5 latency_ms=5 until "));
    // A second chaos replaces the first and still reverts to the plan from before both.
    CHECK(run("chaos c1 200ms receipts drop 1").starts_with("ok chaos c1 latency_ms=5 receipts.drop=1 for 200 ms"));
    CHECK(run("faults c1") == "ok latency_ms=5 receipts.drop=1\n");

    // It reverts with nobody asking (bounded wait on the io_context).
    CHECK(f.loop.run_until([&] { return describe(f.carrier->faults()) == "latency_ms=5"; }));
    CHECK(run("chaos list") == "ok none\n");

    // Ended early.
    CHECK(run("chaos c1 1m refuse_binds on").starts_with("ok chaos c1 latency_ms=5 refuse_binds=on for 60000 ms"));
    CHECK(run("chaos c1 off") == "ok chaos c1 ended now, faults back to latency_ms=5\n");
    CHECK(run("faults c1") == "ok latency_ms=5\n");

    // Without a schedule (execute_control_line's default) chaos is refused.
    CHECK(execute_control_line(all, "chaos list").text ==
          "error chaos needs the simulator's schedule (not available here)\n");
}
