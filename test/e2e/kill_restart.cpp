// End to end across a crash: kill -9 of smpp-connector while smpp-bench is
// submitting, a restart on the same ledger, and the bench (rebinding) runs
// to its count. Then every message that got ESME_ROK is in the ledger,
// either sent (and the carrier got it exactly once) or in_doubt (the
// carrier got it at most once); none is lost and none is sent twice.
#include <string>

#include <catch2/catch.hpp>

#include "e2e_processes.hpp"
#include "ledger_audit.hpp"

using namespace e2e;

TEST_CASE("kill -9 mid-run and restart: every ESME_ROK is sent once or in_doubt, none lost, none doubled", "[e2e]") {
    constexpr std::uint64_t messages = 40'000;
    constexpr std::uint64_t kill_after = 5'000;  // carrier-side submits seen before the kill
    TempDir dir;
    Sim sim(dir.path(), 4, 2 * messages);
    const auto files = write_connector_config(dir.path(), sim);
    auto server = start_connector(files, dir.path() / "connector-1.log");

    const auto acks_path = dir.path() / "acks.txt";
    // Paced, so the kill lands mid-run on any build; binds come back every 200 ms.
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "4",
                   "--window", "100", "--count", std::to_string(messages), "--rate", "8000", "--dest-prefix", "44",
                   "--dest-digits", "9", "--reconnect-ms", "200", "--acks", acks_path.string(), "--timeout", "90"},
                  dir.path() / "bench.log");

    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (sim.total_submits() < kill_after && std::chrono::steady_clock::now() < deadline && bench.running())
        std::this_thread::sleep_for(20ms);
    const auto before_kill = sim.total_submits();
    REQUIRE(before_kill >= kill_after);
    REQUIRE(bench.running());
    server->kill9();
    WARN("killed smpp-connector after " << before_kill << " submits at the carriers");

    server = start_connector(files, dir.path() / "connector-2.log");
    const auto rc = bench.wait(100s);
    INFO(bench.log());
    REQUIRE(rc == 0);
    WARN(bench.log().substr(bench.log().find("result ")));

    const auto acks = read_acks(acks_path);
    CHECK(acks.size() == messages);  // every index had an outcome: an answer or a session error
    // Resumed messages may still trail the acks: wait (bounded) until the carriers are quiet.
    sim.wait_quiet(3s, 60s);
    INFO(server->log());
    REQUIRE(server->terminate() == 0);

    const auto result = audit(acks, files.ledger, sim.received(2 * messages));
    INFO(result.describe());
    WARN(result.describe());
    CHECK(result.acked > kill_after);
    CHECK(result.lost == 0);
    CHECK(result.wrong_status == 0);
    CHECK(result.wrong_payload == 0);
    CHECK(result.no_carrier_id == 0);
    CHECK(result.not_at_sim == 0);
    CHECK(result.mismatched == 0);
    CHECK(result.doubled == 0);
    CHECK(result.sent + result.in_doubt == result.acked);
}

// The same across a crash while carriers' max_tps holds a backlog: only the
// messages holding one of a carrier's credits were `sending`, so only they
// can be in doubt; the backlog was still accepted and the restart sends it.
// Slow carriers, so a backlog forms even under tools/test's ThreadSanitizer
// run (its filter "kill -9*" takes this test too).
TEST_CASE("kill -9 with a throttled backlog: only credit holders are in doubt, the backlog resumes, sent once",
          "[e2e]") {
    constexpr std::uint64_t messages = 3'000;
    constexpr std::uint64_t kill_after = 400;  // carrier-side submits seen before the kill
    constexpr std::uint32_t carriers = 4, max_sending = 20;
    TempDir dir;
    Sim sim(dir.path(), carriers, 2 * messages);
    // 4 x 100/s at the carriers against 2,000/s offered: ~1,600 more waiting every second.
    const auto files = write_connector_config(dir.path(), sim, 100, max_sending);
    auto server = start_connector(files, dir.path() / "connector-1.log");

    const auto acks_path = dir.path() / "acks.txt";
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "4",
                   "--window", "100", "--count", std::to_string(messages), "--rate", "2000", "--dest-prefix", "44",
                   "--dest-digits", "9", "--reconnect-ms", "200", "--acks", acks_path.string(), "--timeout", "90"},
                  dir.path() / "bench.log");

    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (sim.total_submits() < kill_after && std::chrono::steady_clock::now() < deadline && bench.running())
        std::this_thread::sleep_for(20ms);
    const auto before_kill = sim.total_submits();
    REQUIRE(before_kill >= kill_after);
    REQUIRE(bench.running());
    server->kill9();
    WARN("killed smpp-connector after " << before_kill << " submits at the carriers");

    server = start_connector(files, dir.path() / "connector-2.log");
    // "ledger ...: N journal records replayed, R messages to resume, D in doubt"
    const auto resumed = [&] {
        const auto log = server->log();
        const auto at = log.find(" messages to resume");
        if (at == std::string::npos) return std::uint64_t{0};
        const auto from = log.rfind(' ', at - 1) + 1;
        return std::uint64_t{std::stoull(log.substr(from, at - from))};
    }();
    const auto rc = bench.wait(100s);
    INFO(bench.log());
    REQUIRE(rc == 0);

    const auto acks = read_acks(acks_path);
    CHECK(acks.size() == messages);
    sim.wait_quiet(3s, 60s);
    INFO(server->log());
    REQUIRE(server->terminate() == 0);

    const auto result = audit(acks, files.ledger, sim.received(2 * messages));
    INFO(result.describe());
    WARN(result.describe());
    CHECK(result.lost == 0);
    CHECK(result.wrong_status == 0);
    CHECK(result.wrong_payload == 0);
    CHECK(result.not_at_sim == 0);
    CHECK(result.mismatched == 0);
    CHECK(result.doubled == 0);
    CHECK(result.sent + result.in_doubt == result.acked);
    // At most every carrier's credits were `sending` at the kill; before
    // credits the whole backlog (thousands here) was.
    CHECK(result.in_doubt <= carriers * max_sending);
    // And there was a backlog, which the restart resumed rather than
    // leaving it in doubt.
    WARN("the restart resumed " << resumed << " messages");
    CHECK(resumed > carriers * max_sending);
}
