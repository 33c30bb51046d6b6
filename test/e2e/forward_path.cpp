// End to end, the forward path through the real executables: smpp-bench
// (4 upstream binds) -> smpp-connector (RocksDB ledger, fsync per group)
// -> smpp-sim (4 carriers). Every ESME_ROK must be a ledger record in state
// sent with the carrier's message id, and the carriers must have received
// exactly those messages, each once.
#include <cstdlib>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "e2e_processes.hpp"
#include "ledger_audit.hpp"

using namespace e2e;

TEST_CASE("100,000 submit_sm over 4 binds: every ESME_ROK is sent once and in the ledger", "[e2e]") {
    // SMPP_E2E_MESSAGES: fewer for the ThreadSanitizer build (tools/test),
    // which runs the same path 5-15x slower.
    const char* env = std::getenv("SMPP_E2E_MESSAGES");
    const std::uint64_t messages = env ? std::strtoull(env, nullptr, 10) : 100'000;
    REQUIRE(messages > 0);
    TempDir dir;
    Sim sim(dir.path(), 4, 2 * messages);
    const auto files = write_connector_config(dir.path(), sim);
    auto server = start_connector(files, dir.path() / "connector.log");

    const auto acks_path = dir.path() / "acks.txt";
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "4",
                   "--window", "100", "--count", std::to_string(messages), "--dest-prefix", "44", "--dest-digits",
                   "9", "--acks", acks_path.string(), "--timeout", "90"},
                  dir.path() / "bench.log");
    const auto rc = bench.wait(100s);
    INFO(bench.log());
    REQUIRE(rc == 0);
    WARN(bench.log().substr(bench.log().find("result ")));

    const auto acks = read_acks(acks_path);
    REQUIRE(acks.size() == messages);
    std::size_t rok = 0;
    for (const auto& a : acks) rok += a.status == "00000000";
    CHECK(rok == messages);

    // Forwarding may still trail the acks: wait (bounded) for all of them.
    CHECK(sim.wait_total(messages, 60s) == messages);
    INFO(server->log());
    REQUIRE(server->terminate() == 0);

    const auto result = audit(acks, files.ledger, sim.received(2 * messages));
    INFO(result.describe());
    CHECK(result.acked == messages);
    CHECK(result.sent == messages);
    CHECK(result.sim_total == messages);
    CHECK(result.doubled == 0);
    CHECK(result.lost == 0);
    CHECK(result.in_doubt == 0);
    CHECK(result.sim_not_acked == 0);
    // Each record names the upstream bind it came in on: smpp-bench's 4.
    CHECK(result.upstream_binds.size() == 4);
    const std::regex upstream_bind(R"((transceiver|transmitter)@127\.0\.0\.1:\d+)");
    for (const auto& [bind, count] : result.upstream_binds) {
        INFO(bind << ": " << count << " records");
        CHECK(std::regex_match(bind, upstream_bind));
        CHECK(count > 0);
    }
}
