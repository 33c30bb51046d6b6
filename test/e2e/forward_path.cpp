// End to end, the forward path through the real executables: smpp-bench
// (4 upstream binds) -> smpp-connector (RocksDB ledger, fsync per group)
// -> smpp-sim (4 carriers). Every ESME_ROK must be a ledger record in state
// sent with the carrier's message id, and the carriers must have received
// exactly those messages, each once.
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
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

TEST_CASE("3,000 concatenated parts over 4 binds and a route shared by 4 carriers: each message's parts reach one "
          "carrier",
          "[e2e][parts]") {
    constexpr std::uint64_t parts = 3, messages = 1'000, pdus = parts * messages;
    TempDir dir;
    Sim sim(dir.path(), 4, 2 * pdus);
    const auto files = write_connector_config(dir.path(), sim, 100'000, 0, true);
    auto server = start_connector(files, dir.path() / "connector.log", 8);  // 4 carriers, 2 binds each

    // Every part is its own submit_sm, dealt over the 4 binds as it comes:
    // a message's parts arrive on different binds, interleaved with others.
    const auto acks_path = dir.path() / "acks.txt";
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "4",
                   "--window", "50", "--count", std::to_string(pdus), "--parts", std::to_string(parts),
                   "--dest-prefix", "44", "--dest-digits", "9", "--acks", acks_path.string(), "--timeout", "60"},
                  dir.path() / "bench.log");
    const auto rc = bench.wait(70s);
    INFO(bench.log());
    REQUIRE(rc == 0);
    const auto acks = read_acks(acks_path);
    REQUIRE(acks.size() == pdus);
    for (const auto& a : acks) REQUIRE(a.status == "00000000");
    CHECK(sim.wait_total(pdus, 30s) == pdus);
    INFO(server->log());
    REQUIRE(server->terminate() == 0);

    const auto received = sim.received(2 * pdus);
    REQUIRE(received.size() == pdus);
    std::map<std::uint64_t, std::set<std::string>> carriers_of;  // message -> carriers its parts reached
    std::map<std::string, std::size_t> per_carrier;
    for (const auto& s : received) {
        REQUIRE(s.token.size() > 1);
        const auto index = std::stoull(s.token.substr(1));
        carriers_of[index / parts].insert(s.carrier);
        ++per_carrier[s.carrier];
    }
    REQUIRE(carriers_of.size() == messages);
    std::size_t split = 0;
    for (const auto& [message, carriers] : carriers_of) split += carriers.size() > 1;
    CHECK(split == 0);
    // The messages still share the route's carriers.
    CHECK(per_carrier.size() == 4);
    for (const auto& [carrier, n] : per_carrier) {
        INFO(carrier);
        CHECK(n >= pdus / 8);
    }
    const auto result = audit(acks, files.ledger, received);
    INFO(result.describe());
    CHECK(result.sent == pdus);
    CHECK(result.lost == 0);
    CHECK(result.doubled == 0);
    CHECK(result.wrong_payload == 0);
}

// Long texts in message_payload, and no carrier takes message_payload: the
// connector splits each (forward.split_payload), and every message's parts
// reach one carrier of a route shared by 4, with one UDH reference, and
// join to the text the ESME sent; the ESME got one id per message.
TEST_CASE("1,000 long message_payload texts to carriers that take none: split, each message's parts at one carrier, "
          "joined intact",
          "[e2e][parts]") {
    constexpr std::uint64_t messages = 1'000, parts = 3, length = 400;  // 153 + 153 + 94 characters
    TempDir dir;
    Sim sim(dir.path(), 4, 2 * messages * parts);
    const auto files = write_connector_config(dir.path(), sim, 100'000, 0, true, false);
    auto server = start_connector(files, dir.path() / "connector.log", 8);  // 4 carriers, 2 binds each
    const auto acks_path = dir.path() / "acks.txt";
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "4",
                   "--window", "50", "--count", std::to_string(messages), "--payload", "--length",
                   std::to_string(length), "--dest-prefix", "44", "--dest-digits", "9", "--acks", acks_path.string(),
                   "--timeout", "60"},
                  dir.path() / "bench.log");
    const auto rc = bench.wait(70s);
    INFO(bench.log());
    REQUIRE(rc == 0);
    const auto acks = read_acks(acks_path);
    REQUIRE(acks.size() == messages);
    std::set<std::string> ids;
    for (const auto& a : acks) {
        REQUIRE(a.status == "00000000");
        ids.insert(a.message_id);
    }
    CHECK(ids.size() == messages);
    CHECK(sim.wait_total(messages * parts, 30s) == messages * parts);
    INFO(server->log());
    REQUIRE(server->terminate() == 0);
    CHECK(server->log().find("forward path: 3000 accepted, 0 refused, 3000 sent,") != std::string::npos);

    // Parts by (destination, reference): number -> text after the UDH.
    struct Message {
        std::set<std::string> carriers;
        std::map<int, std::string> texts;
        std::set<int> totals;
    };
    std::map<std::pair<std::string, int>, Message> by_message;
    const auto received = sim.received(2 * messages * parts);
    REQUIRE(received.size() == messages * parts);
    std::map<std::string, std::size_t> per_carrier;
    for (const auto& s : received) {
        const auto& sm = s.short_message;
        REQUIRE(sm.size() > 6);
        REQUIRE(sm.substr(0, 3) == std::string("\x05\x00\x03", 3));
        auto& m = by_message[{s.dest, static_cast<unsigned char>(sm[3])}];
        m.carriers.insert(s.carrier);
        m.totals.insert(static_cast<unsigned char>(sm[4]));
        m.texts[static_cast<unsigned char>(sm[5])] = sm.substr(6);
        ++per_carrier[s.carrier];
    }
    REQUIRE(by_message.size() == messages);
    std::size_t split = 0, broken = 0;
    std::set<std::string> tokens;
    for (const auto& [key, m] : by_message) {
        split += m.carriers.size() > 1;
        std::string text;
        for (const auto& [n, t] : m.texts) text += t;
        if (m.texts.size() != parts || m.totals != std::set<int>{static_cast<int>(parts)} || text.size() != length ||
            text.find(" smpp-bench") == std::string::npos)
            ++broken;
        tokens.insert(text.substr(0, text.find(' ')));
    }
    CHECK(split == 0);
    CHECK(broken == 0);
    CHECK(tokens.size() == messages);  // every message's own text ("m<index> ...")
    // The route still shares the messages: a quarter each, give or take.
    // Before, each part turned the round-robin, four turns a message (the
    // probe and three parts) on four carriers: most messages went to one.
    CHECK(per_carrier.size() == 4);
    for (const auto& [carrier, n] : per_carrier) {
        INFO(carrier << ": " << n << " parts");
        CHECK(n >= messages * parts / 8);
    }
}
