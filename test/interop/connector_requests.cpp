// Interop with the real binaries for the requests about messages the
// connector still holds: bin/smpp-sim (two carriers, c1 routed by "4477",
// c2 by "4478", no default route; each sends a DELIVRD receipt 100 ms after
// a submit_sm) <- bin/smpp-connector (RocksDB ledger in a temp dir) <- an
// ESME nobody here wrote: node-smpp (node/requests.js) or Net::SMPP
// (net_smpp_requests.pl). The scripts print what they got (STEP and DLR
// lines); this file holds the exact expectations:
//   - submit_multi to 2 routed destinations and 1 without a route: ESME_ROK,
//     one message_id, unsuccess lists the third with ESME_RINVDSTADR;
//   - a submit_sm held for an hour, replace_sm with a new text and schedule
//     "now": the carrier gets the new text at once, never the old one;
//   - cancel_sm by id (ESME_ROK, then ESME_RCANCELFAIL), by source +
//     destination without id, and by a submit_multi's id; query_sm says
//     DELETED (4, SMPP 3.4 5.2.28); the carriers never get any of them,
//     also after their schedule (4 s) has passed;
//   - the three receipts (two submit_multi destinations, the replaced one)
//     reach the ESME; the connector exits 0 on SIGTERM;
//   - node-smpp only: a 400-character message_payload to c2, which takes no
//     message_payload (accepts_message_payload: false): c2 gets 3 UDH parts
//     of one reference that join to the text, the ESME one id and one
//     receipt under it.
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "../e2e/e2e_processes.hpp"
#include "peer_process.hpp"

namespace {

using namespace std::chrono_literals;
using smpp::interop::PeerExit;
using smpp::interop::PeerProcess;

constexpr const char* system_id = "interop";
constexpr const char* password = "interop";

std::string interop_dir() { return std::string(SMPP_SOURCE_DIR) + "/test/interop"; }

// smpp-sim with carriers c1 and c2 on free ports.
struct Carriers {
    std::unique_ptr<e2e::Process> process;
    std::map<std::string, std::uint16_t> ports;
    std::uint16_t control_port = 0;
};

Carriers start_carriers(const e2e::fs::path& dir) {
    const auto config = dir / "sim.yaml";
    {
        std::ofstream out(config);
        out << "seed: 7\nlog_level: warn\ncontrol: {host: 127.0.0.1, port: 0}\nrecord_limit: 1000\n"
               "session: {window: 100, enquire_link_interval_ms: 0}\ncarriers:\n";
        for (const char* c : {"c1", "c2"})
            out << "  - name: " << c << "\n    port: 0\n    system_id: " << c << "\n    password: pw\n"
                << "    message_id: {format: hex}\n"
                   "    receipts: {mode: both, delay_ms: 100, on: same, status: {delivered: 1.0}}\n";
    }
    Carriers sim;
    sim.process = std::make_unique<e2e::Process>(e2e::bin("smpp-sim"), std::vector<std::string>{"--config", config.string()},
                                                 dir / "sim.log");
    const bool ready = sim.process->wait_for_log("ready\n", 10s);
    INFO(sim.process->log());
    REQUIRE(ready);
    const auto log = sim.process->log();
    for (const char* c : {"c1", "c2"}) {
        auto port = e2e::log_value(log, std::string("carrier ") + c);
        REQUIRE(port);
        sim.ports[c] = static_cast<std::uint16_t>(std::stoi(*port));
    }
    auto control = e2e::log_value(log, "control");
    REQUIRE(control);
    sim.control_port = static_cast<std::uint16_t>(std::stoi(*control));
    return sim;
}

// The connector: account interop/interop (transceiver), "4477" -> c1,
// "4478" -> c2 and nothing else, so 336... has no route.
std::uint16_t write_connector_config(const e2e::fs::path& dir, const Carriers& sim) {
    const auto port = e2e::free_port();
    {
        std::ofstream c(dir / "carriers.yaml");
        c << "carriers:\n";
        for (const auto& [name, carrier_port] : sim.ports)
            c << "  - id: " << name << "\n    endpoints: [\"127.0.0.1:" << carrier_port << "\"]\n    system_id: " << name
              << "\n    password: pw\n    binds: 1\n    window: 50\n    max_tps: 5000\n"
                 "    enquire_link_interval_ms: 0\n    reconnect: {base_ms: 100, max_ms: 1000, jitter: 0.5}\n"
              // c2 takes no message_payload: a long one is split for it.
              << (name == "c2" ? "    accepts_message_payload: false\n" : "");
    }
    std::ofstream out(dir / "connector.yaml");
    out << "listener:\n  host: 127.0.0.1\n  port: " << port
        << "\nsession:\n  window: 100\n  enquire_link_interval_ms: 0\n  unbind_timeout_ms: 2000\n"
           "log_level: info\naccounts:\n  - system_id: "
        << system_id << "\n    password_hash: \"" << e2e::hash_of(password)
        << "\"\n    bind_types: [transceiver]\n    max_binds: 2\n"
           "carriers_file: carriers.yaml\nroutes:\n"
           "  - prefix: \"4477\"\n    carriers: [c1]\n"
           "  - prefix: \"4478\"\n    carriers: [c2]\n"
           "admin:\n  socket: \"\"\n"  // none: the default is under the working directory
           "ledger:\n  path: "
        << (dir / "ledger").string() << "\n  sync: true\n";
    return port;
}

// What a carrier got: source, destination, text.
using Received = std::tuple<std::string, std::string, std::string>;

std::string json_address(const std::string& line, const std::string& key) {
    const auto at = line.find("\"" + key + "\":{");
    if (at == std::string::npos) return "<absent>";
    return e2e::json_string_field(line.substr(at), "addr");
}

std::vector<Received> received_by(const Carriers& sim, const std::string& carrier) {
    std::istringstream in(e2e::control(sim.control_port, "received " + carrier + " 100"));
    std::string line;
    std::getline(in, line);
    REQUIRE(line.rfind("ok ", 0) == 0);
    std::vector<Received> out;
    while (std::getline(in, line))
        out.emplace_back(json_address(line, "source"), json_address(line, "dest"),
                         e2e::unhex(e2e::json_string_field(line, "short_message")));
    return out;
}

// One STEP or DLR line: its words, and the key=value ones as fields.
struct Line {
    std::string text;
    std::vector<std::string> words;
    std::map<std::string, std::string> fields;
    std::string operator[](const std::string& key) const {
        auto it = fields.find(key);
        return it == fields.end() ? "<absent>" : it->second;
    }
};

Line parse(const std::string& text) {
    Line l{text, {}, {}};
    std::istringstream in(text);
    for (std::string w; in >> w;) {
        l.words.push_back(w);
        if (auto eq = w.find('='); eq != std::string::npos) l.fields[w.substr(0, eq)] = w.substr(eq + 1);
    }
    return l;
}

struct Output {
    std::map<std::string, Line> steps;  // by step name
    std::vector<std::string> step_order;
    std::vector<Line> receipts;
};

Output read_output(const std::vector<std::string>& lines) {
    Output o;
    for (const auto& text : lines) {
        auto l = parse(text);
        if (l.words.size() >= 2 && l.words[0] == "STEP") {
            o.step_order.push_back(l.words[1]);
            o.steps.emplace(l.words[1], std::move(l));
        } else if (!l.words.empty() && l.words[0] == "DLR") {
            o.receipts.push_back(std::move(l));
        }
    }
    return o;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += "  " + l + "\n";
    return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// The id a step's response carried; fails the test when there is none.
std::string id_of(const Output& o, const std::string& step) {
    auto it = o.steps.find(step);
    REQUIRE(it != o.steps.end());
    const auto id = it->second["message_id"];
    REQUIRE(id != "<absent>");
    REQUIRE(id != "<empty>");
    return id;
}

std::string step_line(const Output& o, const std::string& step) {
    auto it = o.steps.find(step);
    return it == o.steps.end() ? "<no STEP " + step + " line>" : it->second.text;
}

struct Expect {
    const char* peer;            // "node" or "perl": the scripts' texts start with it
    bool node_extras;            // the steps only requests.js takes
    std::size_t accepted;        // records the connector stored
    std::size_t cancelled;       // records cancel_sm cancelled
    std::size_t long_parts;      // parts of the long message_payload the connector split (node only)
};

void run_and_check(const std::vector<std::string>& script_argv_head, const Expect& want) {
    e2e::TempDir dir;
    auto sim = start_carriers(dir.path());
    const auto port = write_connector_config(dir.path(), sim);
    e2e::Process connector(e2e::bin("smpp-connector"),
                           {"--config", (dir.path() / "connector.yaml").string()}, dir.path() / "connector.log");
    {
        const bool up = connector.wait_for_log("listening on 127.0.0.1:" + std::to_string(port), 10s);
        INFO(connector.log());
        REQUIRE(up);
    }
    // Both carriers bound before the first submit, so nothing waits for a retry.
    // (Bounded, and no failure: a message that finds no bind waits for a retry.)
    for (int i = 0; i < 100; ++i) {
        const auto log = connector.log();
        if (count_of(log, "carrier c1: bind 0 (transceiver) bound") && count_of(log, "carrier c2: bind 0 (transceiver) bound"))
            break;
        std::this_thread::sleep_for(50ms);
    }

    const auto started = std::chrono::steady_clock::now();
    auto argv = script_argv_head;
    argv.insert(argv.end(), {std::to_string(port), system_id, password});
    PeerExit script = PeerProcess::start(argv).finish(smpp::interop::Clock::now() + 30s);
    INFO("script stdout:\n" << joined(script.lines));
    const auto out = read_output(script.lines);
    CHECK(script.exited);
    CHECK(script.exit_code == 0);

    const std::string peer = want.peer;
    const auto multi = id_of(out, "submit_multi");
    const auto replaced = id_of(out, "submit_scheduled");
    const auto cancelled = id_of(out, "submit_to_cancel");
    const auto by_address = id_of(out, "submit_to_cancel_by_address");
    std::map<std::string, std::string> expected{
        {"bind_transceiver", "STEP bind_transceiver bind_transceiver_resp status=0x00000000"},
        // ESME_RINVDSTADR (0x0B) for the destination no route covers.
        {"submit_multi", "STEP submit_multi submit_multi_resp status=0x00000000 message_id=" + multi +
                             " unsuccess=1:1:33612345678:0x0000000b"},
        {"submit_scheduled", "STEP submit_scheduled submit_sm_resp status=0x00000000 message_id=" + replaced},
        {"replace_now", "STEP replace_now replace_sm_resp status=0x00000000"},
        {"submit_to_cancel", "STEP submit_to_cancel submit_sm_resp status=0x00000000 message_id=" + cancelled},
        {"cancel_by_id", "STEP cancel_by_id cancel_sm_resp status=0x00000000"},
        {"cancel_again", "STEP cancel_again cancel_sm_resp status=0x00000011"},  // ESME_RCANCELFAIL
        // message_state 4 = DELETED (SMPP 3.4 5.2.28; 6 would be ACCEPTED).
        {"query_cancelled", "STEP query_cancelled query_sm_resp status=0x00000000 message_id=" + cancelled +
                                " message_state=4 error_code=0"},
        {"submit_to_cancel_by_address",
         "STEP submit_to_cancel_by_address submit_sm_resp status=0x00000000 message_id=" + by_address},
        {"cancel_by_address", "STEP cancel_by_address cancel_sm_resp status=0x00000000"},
        {"receipts", "STEP receipts all status=none count=3"},
        {"unbind", "STEP unbind unbind_resp status=0x00000000"},
    };
    if (want.node_extras) {
        const auto multi_later = id_of(out, "submit_multi_scheduled");
        expected.insert({
            {"replace_cancelled", "STEP replace_cancelled replace_sm_resp status=0x00000013"},  // ESME_RREPLACEFAIL
            {"cancel_by_address_again", "STEP cancel_by_address_again cancel_sm_resp status=0x00000011"},
            {"submit_multi_scheduled", "STEP submit_multi_scheduled submit_multi_resp status=0x00000000 message_id=" +
                                           multi_later + " unsuccess=<none>"},
            {"cancel_multi", "STEP cancel_multi cancel_sm_resp status=0x00000000"},
            // The submit_multi's id names its first destination's record.
            {"query_multi", "STEP query_multi query_sm_resp status=0x00000000 message_id=" + multi_later +
                                " message_state=4 error_code=0"},
            // The carrier has it: too late to replace; DELIVERED after its receipt.
            {"replace_delivered", "STEP replace_delivered replace_sm_resp status=0x00000013"},
            {"query_delivered", "STEP query_delivered query_sm_resp status=0x00000000 message_id=" + replaced +
                                    " message_state=2 error_code=0"},
            {"submit_long", "STEP submit_long submit_sm_resp status=0x00000000 message_id=" + id_of(out, "submit_long")},
            // One receipt for the whole long message, not one per part.
            {"long_receipt", "STEP long_receipt all status=none count=4"},
        });
    }
    for (const auto& [step, line] : expected) CHECK(step_line(out, step) == line);
    CHECK(out.steps.size() == expected.size());  // no other step (no timeout, no exception)

    // The receipts: one per message a carrier got, under our id, in the
    // text and in receipted_message_id alike. The handset is the source.
    const std::size_t receipts = want.long_parts ? 4 : 3;
    REQUIRE(out.receipts.size() == receipts);
    std::map<std::string, Line> receipt_from;
    for (const auto& r : out.receipts) {
        CHECK(r["esm_class"] == "4");
        CHECK(r["stat"] == "DELIVRD");
        CHECK(r["message_state"] == "2");
        CHECK(r["receipted_message_id"] == r["text_id"]);
        receipt_from.emplace(r["source"], r);
    }
    REQUIRE(receipt_from.size() == receipts);
    REQUIRE(receipt_from.count("447700900001"));
    REQUIRE(receipt_from.count("447800900002"));
    REQUIRE(receipt_from.count("447700900003"));
    CHECK(receipt_from.at("447700900001")["dest"] == "447900900001");
    CHECK(receipt_from.at("447800900002")["dest"] == "447900900001");
    CHECK(receipt_from.at("447700900003")["dest"] == "447900900002");
    CHECK(receipt_from.at("447700900001")["receipted_message_id"] == multi);
    CHECK(receipt_from.at("447700900003")["receipted_message_id"] == replaced);
    // forward_path.hpp: every destination of a submit_multi keeps its id
    // as upstream_id, and its receipt goes upstream under it.
    CHECK(receipt_from.at("447800900002")["receipted_message_id"] == multi);
    // The long message's receipt: under the one id its ESME got.
    if (want.long_parts) {
        REQUIRE(receipt_from.count("447800900008"));
        CHECK(receipt_from.at("447800900008")["dest"] == "447900900006");
        CHECK(receipt_from.at("447800900008")["receipted_message_id"] == id_of(out, "submit_long"));
    }

    // The cancelled messages were scheduled 4 s after their submit: past
    // that, the carriers must still not have them.
    std::this_thread::sleep_until(started + 6s);
    const std::string multi_text = peer + " multi to three";
    CHECK(received_by(sim, "c1") == std::vector<Received>{{"447900900001", "447700900001", multi_text},
                                                          {"447900900002", "447700900003", peer + " new text"}});
    // c2: the submit_multi's destination, and the long message's parts
    // (one UDH each: 05 00 03 reference 03 number), which join to its text.
    std::vector<Received> c2, long_parts;
    for (auto& r : received_by(sim, "c2")) (std::get<1>(r) == "447800900008" ? long_parts : c2).push_back(r);
    CHECK(c2 == std::vector<Received>{{"447900900001", "447800900002", multi_text}});
    REQUIRE(long_parts.size() == want.long_parts);
    std::string joined_text;
    for (std::size_t i = 0; i < long_parts.size(); ++i) {
        const auto& sm = std::get<2>(long_parts[i]);
        REQUIRE(sm.size() > 6);
        CHECK(sm.substr(0, 3) == std::string{'\x05', '\x00', '\x03'});
        CHECK(sm[4] == static_cast<char>(want.long_parts));
        CHECK(sm[5] == static_cast<char>(i + 1));
        CHECK(sm[3] == std::get<2>(long_parts[0])[3]);  // one reference
        joined_text += sm.substr(6);
    }
    if (want.long_parts) CHECK(joined_text.rfind("node long message, abcdefghij", 0) == 0);
    if (want.long_parts) CHECK(joined_text.size() == 400);

    connector.signal(SIGTERM);
    const auto exit = connector.wait(15s);
    const auto log = connector.log();
    INFO("connector log:\n" << log);
    CHECK(exit == std::optional<int>(0));
    // (The submit_multi's destination without a route is not counted as refused.)
    CHECK(count_of(log, "forward path: " + std::to_string(want.accepted) + " accepted, ") == 1);
    CHECK(count_of(log, " refused, " + std::to_string(3 + want.long_parts) + " sent, 0 retries,") == 1);
    CHECK(count_of(log, "upstream receipts: " + std::to_string(receipts) + " forwarded,") == 1);
    CHECK(count_of(log, "cancelled by cancel_sm") == want.cancelled);
    CHECK(count_of(log, "replaced by replace_sm") == 1);
}

}  // namespace

TEST_CASE("smpp-connector binary + smpp-sim: node-smpp submit_multi, replace_sm, cancel_sm, query_sm, receipts",
          "[interop][node_smpp][connector]") {
    if (!e2e::fs::exists(interop_dir() + "/node/node_modules/smpp/package.json"))
        FAIL("npm smpp is not installed: run test/interop/node/install.sh");
    // 2 + 1 + 1 + 1 + 2 + 3 records (the long message split in 3); cancelled:
    // by id, by address, the scheduled submit_multi's 2.
    run_and_check({"node", interop_dir() + "/node/requests.js"}, {"node", true, 10, 4, 3});
}

TEST_CASE("smpp-connector binary + smpp-sim: Net::SMPP submit_multi, replace_sm, cancel_sm, query_sm, receipts",
          "[interop][net_smpp][connector]") {
    // 2 + 1 + 1 + 1 records; cancelled: by id, by address.
    run_and_check({"perl", interop_dir() + "/net_smpp_requests.pl"}, {"perl", false, 5, 2, 0});
}
