// Chaos end to end, through the real executables: smpp-bench (steady 200
// submit_sm/s) -> smpp-connector -> smpp-sim with two carriers serving "44"
// (GB): c1 first, c2 second (priority policy). `smppctl chaos` makes c1
// answer half of its submits with ESME_RSYSERR for a few seconds; the test
// watches `smppctl health` (the connector's admin socket) and the carriers'
// counts, and proves:
//   (a) c1's GB circuit opens and the traffic moves to c2 within seconds,
//   (b) after the chaos reverts, probing and the ramp bring it back to c1,
//   (c) nothing is lost: every ESME_ROK the client got is a ledger record in
//       state sent, whose carrier answered it ESME_ROK exactly once.
// The circuit thresholds come from the config's `health:` section, short
// enough that the run takes about 40 s.
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "e2e_processes.hpp"
#include "ledger_audit.hpp"

using namespace e2e;

namespace {

struct Ctl {
    int status = -1;
    std::string out;
};

Ctl smppctl(const std::string& args) {
    Ctl r;
    FILE* p = ::popen((bin("smppctl") + " " + args + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
    const int rc = ::pclose(p);
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return r;
}

// The transactional circuit of c1 x GB as `smppctl health` shows it
// ("closed", "open", "half_open/10%", "ramping/50%"); empty before any traffic.
std::string c1_gb_state(const std::string& socket) {
    const auto r = smppctl("health c1 GB --socket " + socket);
    REQUIRE(r.status == 0);
    static const std::regex state(R"(^c1 GB .*transactional=(\S+) )");
    std::smatch m;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        if (std::regex_search(line, m, state)) return m[1];
    return {};
}

ConnectorFiles write_chaos_config(const fs::path& dir, const Sim& sim, const fs::path& socket) {
    ConnectorFiles f;
    f.config = dir / "connector.yaml";
    f.ledger = dir / "ledger";
    f.port = free_port();
    {
        std::ofstream c(dir / "carriers.yaml");
        c << "carriers:\n";
        for (int i = 1; i <= 2; ++i)
            c << "  - id: c" << i << "\n    endpoints: [\"127.0.0.1:" << sim.port("c" + std::to_string(i))
              << "\"]\n    system_id: c" << i << "\n    password: pw" << i
              << "\n    binds: 2\n    window: 100\n    max_tps: 100000\n    queue_limit: 100000\n"
                 "    enquire_link_interval_ms: 0\n    reconnect: {base_ms: 100, max_ms: 1000, jitter: 0.5}\n";
    }
    std::ofstream(dir / "routes.yaml") << "routes:\n  - prefix: \"44\"\n    country: GB\n    candidates:\n"
                                          "      - { carrier: c1, priority: 1 }\n"
                                          "      - { carrier: c2, priority: 2 }\n";
    std::ofstream out(f.config);
    out << "listener:\n  host: 127.0.0.1\n  port: " << f.port
        << "\nsession:\n  window: 1000\n  enquire_link_interval_ms: 0\n  unbind_timeout_ms: 2000\n"
           "log_level: info\naccounts:\n  - system_id: e2e\n    password_hash: \""
        << hash_of("e2epass")
        << "\"\n    bind_types: [transmitter, transceiver]\n    max_binds: 8\n"
           "carriers_file: carriers.yaml\nroutes_file: routes.yaml\n"
           "ledger:\n  path: "
        << f.ledger.string()
        << "\n  sync: true\n"
           // Seconds instead of minutes: open on 5 % of at least 20 submits,
           // cool down 3 s (4 s at most), 10 % probes, ramp 10 % -> 50 %
           // held 1.5 s each.
           "health:\n  max_error_rate: 0.05\n  min_submits: 20\n  cool_down_ms: 3000\n  max_cool_down_ms: 4000\n"
           "  probe_permille: 100\n  probe_successes: 5\n  ramp_permille: [100, 500]\n  ramp_hold_ms: 1500\n"
           "  ramp_min_submits: 5\n"
           "admin:\n  socket: "
        << socket.string() << "\n";
    return f;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout, std::chrono::milliseconds step = 100ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(step);
    }
    return true;
}

}  // namespace

TEST_CASE("chaos: c1 fails half its submits - GB opens, moves to c2, ramps back to c1, nothing lost",
          "[e2e][chaos]") {
    constexpr std::uint64_t messages = 8'000;  // 40 s at 200/s: covers every phase with room
    TempDir dir;
    Sim sim(dir.path(), 2, 4 * messages);
    const auto socket = dir.path() / "admin.sock";
    const auto files = write_chaos_config(dir.path(), sim, socket);
    auto server = start_connector(files, dir.path() / "connector.log");
    INFO(server->log());
    const auto sim_at = std::to_string(sim.control_port());

    // Before any traffic: the tools answer, nothing is known yet.
    auto r = smppctl("binds --socket " + socket.string());
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("2 carriers, 4 binds\nc1 running"));
    r = smppctl("health --socket " + socket.string());
    CHECK(r.out == "0 entries\n");
    // reload: a bad table is refused with its file:line and the old one keeps serving.
    const auto routes = dir.path() / "routes.yaml";
    const auto good_routes = read_text(routes);
    std::ofstream(routes) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - { carrier: c7, priority: 1 }\n";
    r = smppctl("reload --socket " + socket.string());
    CHECK(r.status == 1);
    CHECK(r.out == "smppctl: smpp-connector: " + routes.string() + ":4: routes[0].candidates[0].carrier: unknown carrier 'c7'\n");
    // A carrier added to the carriers file since the start has no actor:
    // a route to it is refused too (it would pass every message over).
    const auto carriers_file = dir.path() / "carriers.yaml";
    const auto good_carriers = read_text(carriers_file);
    std::ofstream(carriers_file) << good_carriers
                                 << "  - id: c3\n    endpoints: [\"127.0.0.1:9\"]\n    system_id: c3\n"
                                    "    password: pw3\n";
    std::ofstream(routes) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - { carrier: c3, priority: 1 }\n";
    r = smppctl("reload --socket " + socket.string());
    CHECK(r.status == 1);
    CHECK(r.out == "smppctl: smpp-connector: " + routes.string() +
                       ": route '44' names carrier 'c3', which is not running: carriers are started with the "
                       "connector, restart it to add one\n");
    std::ofstream(carriers_file) << good_carriers;
    std::ofstream(routes) << good_routes;
    r = smppctl("reload --socket " + socket.string());
    CHECK(r.status == 0);
    CHECK(r.out == "route table generation 2 published (1 prefixes from " + routes.string() + ")\n");

    const auto acks_path = dir.path() / "acks.txt";
    Process bench(bin("smpp-bench"),
                  {"--port", std::to_string(files.port), "--system-id", "e2e", "--password", "e2epass", "--binds", "2",
                   "--window", "50", "--rate", "200", "--count", std::to_string(messages), "--dest-prefix", "44",
                   "--dest-digits", "9", "--acks", acks_path.string(), "--timeout", "90"},
                  dir.path() / "bench.log");

    // Healthy: everything goes to c1.
    REQUIRE(eventually([&] { return sim.submits("c1") >= 200; }, 20s));
    CHECK(c1_gb_state(socket.string()) == "closed");
    CHECK(sim.submits("c2") == 0);

    // The chaos: half of c1's submits answered ESME_RSYSERR (0x08, transient) for 6 s.
    r = smppctl("chaos c1 --sim " + sim_at + " --for 6s --error-rate 0.5 --status 0x08");
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.starts_with("chaos c1 submit_status=0x08@0.5 for 6000 ms until "));
    CHECK(r.out.ends_with(", then back to none\n"));
    const auto chaos_started = std::chrono::steady_clock::now();

    // (a) Detection within seconds, then c2 carries GB.
    REQUIRE(eventually([&] { return c1_gb_state(socket.string()) == "open"; }, 5s));
    const auto opened_after = std::chrono::steady_clock::now() - chaos_started;
    WARN("c1 x GB opened " << std::chrono::duration_cast<std::chrono::milliseconds>(opened_after).count()
                           << " ms after the chaos began");
    {
        // Submits already queued for or on the wire to c1 drain first; on a
        // loaded machine that can take most of a window, so a second window
        // is allowed (both well within the 3 s cool-down: no probes yet).
        std::this_thread::sleep_for(200ms);
        std::uint64_t d1 = 0, d2 = 0;
        for (int window = 0; window < 2; ++window) {
            const auto c1 = sim.submits("c1"), c2 = sim.submits("c2");
            std::this_thread::sleep_for(1s);
            d1 = sim.submits("c1") - c1, d2 = sim.submits("c2") - c2;
            if (d2 >= 100 && d1 * 10 <= d2) break;
        }
        INFO("while open: c1 +" << d1 << ", c2 +" << d2);
        CHECK(d2 >= 100);
        CHECK(d1 * 10 <= d2);  // at most probes
    }

    // (b) The chaos reverts by itself; probing and the ramp bring c1 back.
    REQUIRE(eventually([&] { return control(sim.control_port(), "faults c1") == "ok none\n"; }, 10s));
    std::set<std::string> seen;
    REQUIRE(eventually(
        [&] {
            auto s = c1_gb_state(socket.string());
            seen.insert(s.substr(0, s.find('/')));
            return s == "closed";
        },
        30s));
    const auto recovered_after = std::chrono::steady_clock::now() - chaos_started - 6s;
    std::string states;
    for (const auto& s : seen) states += " " + s;
    WARN("c1 x GB closed again " << std::chrono::duration_cast<std::chrono::milliseconds>(recovered_after).count()
                                 << " ms after the chaos ended; states seen meanwhile:" << states);
    CHECK(seen.count("ramping") == 1);
    {
        // Messages the ramp gave c2 just before the circuit closed may still
        // be in c2's queue (seen under load: c2 +49 in the first second), so
        // the claim is that within a few one-second windows c1 has it all.
        std::uint64_t d1 = 0, d2 = 0;
        for (int window = 0; window < 8; ++window) {
            const auto c1 = sim.submits("c1"), c2 = sim.submits("c2");
            std::this_thread::sleep_for(1s);
            d1 = sim.submits("c1") - c1, d2 = sim.submits("c2") - c2;
            if (d1 >= 100 && d2 * 10 <= d1) break;
        }
        INFO("closed again: c1 +" << d1 << ", c2 +" << d2);
        CHECK(d1 >= 100);
        CHECK(d2 * 10 <= d1);
    }
    r = smppctl("health c1 GB --socket " + socket.string());
    WARN(r.out);

    // (c) Nothing lost.
    const auto rc = bench.wait(80s);
    INFO(bench.log());
    REQUIRE(rc == 0);
    const auto acks = read_acks(acks_path);
    REQUIRE(acks.size() == messages);
    std::size_t rok = 0;
    for (const auto& a : acks) rok += a.status == "00000000";
    CHECK(rok == messages);

    // Every message reached a carrier that said ESME_ROK; c1's ESME_RSYSERR
    // answers are the chaos (each of those messages went on to c2).
    auto wait_ok = [&] {
        std::size_t ok = 0;
        for (const auto& s : sim.received(4 * messages)) ok += s.command_status == 0;
        return ok;
    };
    REQUIRE(eventually([&] { return wait_ok() >= messages; }, 30s, 250ms));
    sim.wait_quiet(1s, 10s);

    // One message the chaos moved, as operators look it up: `smppctl
    // message` by our id shows c1's attempt (no id from it) and c2's with
    // the id c2 gave; c2's id finds the same record.
    {
        std::map<std::string, std::string> id_of_token;
        for (const auto& a : acks) id_of_token["m" + std::to_string(a.index)] = a.message_id;
        const auto received = sim.received(4 * messages);
        std::set<std::string> refused_by_c1;
        for (const auto& s : received)
            if (s.carrier == "c1" && s.command_status == 0x08) refused_by_c1.insert(s.token);
        const SimSubmit* moved = nullptr;
        for (const auto& s : received)
            if (s.carrier == "c2" && s.command_status == 0 && refused_by_c1.count(s.token)) {
                moved = &s;
                break;
            }
        REQUIRE(moved != nullptr);
        const auto id = id_of_token.at(moved->token);
        r = smppctl("message " + id + " --socket " + socket.string());
        INFO(r.out);
        CHECK(r.status == 0);
        CHECK(r.out.starts_with(id + " sent\naccount e2e "));
        CHECK(r.out.find("\nroute c1: ") != std::string::npos);
        CHECK(std::regex_search(r.out, std::regex("\nattempt #1 c1 bind=#\\d+@127\\.0\\.0\\.1:\\d+ at=\\S+Z failed command_status=0x00000008 "
                                                  "\\(ESME_RSYSERR\\) carrier_message_id=-\n")));
        CHECK(std::regex_search(r.out, std::regex("\nattempt #2 c2 bind=#\\d+@127\\.0\\.0\\.1:\\d+ at=\\S+Z sent command_status=0x00000000 "
                                                  "\\(ESME_ROK\\) carrier_message_id=" + moved->message_id + "\n")));
        CHECK(r.out.find("\ncost 0.000000 (0 micros, 1 segment)\n") != std::string::npos);
        CHECK(r.out.ends_with("duplicate_risk no\n"));
        const auto record = r.out;
        r = smppctl("message --carrier c2 " + moved->message_id + " --socket " + socket.string());
        CHECK(r.status == 0);
        const auto found_by = "found by carrier c2 id '" + moved->message_id + "'";
        CHECK(r.out.find(found_by) == id.size() + 6);  // after "<id> sent\n"
        CHECK(r.out.substr(r.out.find('\n', id.size() + 6) + 1) == record.substr(record.find('\n') + 1));
        r = smppctl("message --carrier c1 " + moved->message_id + "x --socket " + socket.string());
        CHECK(r.status == 1);
    }
    // The receipts commands reach the real server's ledger and matcher (the
    // simulator holds its receipts back beyond the run: e2e_processes.hpp).
    r = smppctl("receipts unmatched --carrier c1 --socket " + socket.string());
    CHECK(r.status == 0);
    CHECK(r.out == "0 unmatched receipts of carrier c1\n");
    r = smppctl("receipts raw --since 1h --socket " + socket.string());
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("0 raw receipts since "));
    r = smppctl("receipts replay --since 1h --carrier c2 --socket " + socket.string());
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("replayed 0 raw receipts: none kept since "));
    REQUIRE(server->terminate() == 0);

    std::vector<SimSubmit> accepted;
    std::size_t chaos_errors = 0;
    for (auto& s : sim.received(4 * messages)) {
        if (s.command_status == 0)
            accepted.push_back(std::move(s));
        else
            chaos_errors += s.carrier == "c1" && s.command_status == 0x08;
    }
    CHECK(chaos_errors > 0);
    const auto result = audit(acks, files.ledger, accepted);
    INFO(result.describe());
    CHECK(result.acked == messages);
    CHECK(result.sent == messages);
    CHECK(result.sim_total == messages);
    CHECK(result.doubled == 0);
    CHECK(result.lost == 0);
    CHECK(result.in_doubt == 0);
    CHECK(result.sim_not_acked == 0);
}
