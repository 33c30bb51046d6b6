#include "tools/smpp-sim/sim_config.hpp"

#include <catch2/catch.hpp>

using namespace smpp::sim;
using smpp::protocol::command_status;
using smpp::protocol::message_state;

namespace {

std::string error_of(const std::string& yaml) {
    try {
        parse_sim_config(yaml, "sim.yaml");
    } catch (const SimConfigError& e) {
        return e.what();
    }
    return "no error";
}

const std::string one_carrier =
    "carriers:\n"
    "  - name: c1\n"
    "    port: 0\n"
    "    system_id: esme1\n"
    "    password: secret\n";

}  // namespace

TEST_CASE("sim_config: the example has 40 carriers on ports 2800-2839", "[tools][smpp-sim]") {
    auto cfg = load_sim_config(std::string(SMPP_SOURCE_DIR) + "/conf/sim.example.yaml");
    REQUIRE(cfg.carriers.size() == 40);
    for (std::size_t i = 0; i < 40; ++i) {
        CHECK(cfg.carriers[i].port == 2800 + i);
        CHECK(cfg.carriers[i].validate().empty());
    }
    CHECK(cfg.control.enabled);
    CHECK(cfg.control.port == 2790);
    CHECK(cfg.carriers[4].receipt_message_id != cfg.carriers[4].message_id);
    CHECK(cfg.carriers[39].faults.submit_status == command_status::ESME_RTHROTTLED);
    CHECK(cfg.carriers[39].receipt_on == receipt_route::other);
}

TEST_CASE("sim_config: a full carrier", "[tools][smpp-sim]") {
    auto cfg = parse_sim_config("seed: 9\n"
                                "control: {port: 0}\n"
                                "carriers:\n"
                                "  - name: c1\n"
                                "    port: 0\n"
                                "    system_id: esme1\n"
                                "    password: secret\n"
                                "    message_id: {format: uuid, case: upper}\n"
                                "    receipt_message_id: {format: decimal, width: 12}\n"
                                "    receipts: {mode: tlv, delay_ms: 250, on: other, status: {delivered: 0.9, expired: 0.1}}\n"
                                "    faults:\n"
                                "      submit_status: [0x58, 0.25]\n"
                                "      latency_ms: 5\n"
                                "      refuse_binds: on\n"
                                "      receipts: {duplicate: 0.5, before_resp: on}\n",
                                "sim.yaml");
    REQUIRE(cfg.carriers.size() == 1);
    const auto& c = cfg.carriers[0];
    CHECK(cfg.seed == 9);
    CHECK(c.message_id == MessageIdFormat{id_base::uuid, 0, id_case::upper});
    CHECK(c.receipt_message_id == MessageIdFormat{id_base::decimal, 12, id_case::lower});
    CHECK(c.receipts == receipt_mode::tlv);
    CHECK(c.receipt_delay == std::chrono::milliseconds(250));
    CHECK(c.receipt_on == receipt_route::other);
    REQUIRE(c.final_status.size() == 2);
    CHECK(c.final_status[1] == std::pair{message_state::expired, 0.1});
    CHECK(c.faults.submit_status_fraction == 0.25);
    CHECK(c.faults.latency == std::chrono::milliseconds(5));
    CHECK(c.faults.refuse_binds);
    CHECK(c.faults.receipts.duplicate == 0.5);
    CHECK(c.faults.receipts.before_resp);
    // The receipt format defaults to the submit_sm_resp one.
    CHECK(parse_sim_config(one_carrier, "x").carriers[0].receipt_message_id ==
          parse_sim_config(one_carrier, "x").carriers[0].message_id);
}

TEST_CASE("sim_config: rejections name file, line and field", "[tools][smpp-sim]") {
    CHECK(error_of("carriers: []\n") == "sim.yaml:1: carriers: must be a non-empty list");
    CHECK(error_of(one_carrier + "---\nseed: 3\n") ==
          "sim.yaml:7: a second YAML document (after a '---'): the file must hold one document");
    CHECK(error_of(one_carrier + "    colour: red\n") ==
          "sim.yaml:6: carriers[0].colour: unknown key (expected one of: name, host, port, system_id, password, "
          "message_id, receipt_message_id, first_message_id, receipts, faults, record_limit, seed, tls)");
    CHECK(error_of(one_carrier + "    message_id: {format: base64}\n") ==
          "sim.yaml:6: carriers[0].message_id.format: must be hex, decimal or uuid");
    CHECK(error_of(one_carrier + "    receipts: {delay_ms: -1}\n") ==
          "sim.yaml:6: carriers[0].receipts.delay_ms: must be between 0 and 86400000");
    CHECK(error_of(one_carrier + "    receipts: {status: {lost: 1}}\n") ==
          "sim.yaml:6: carriers[0].receipts.status.lost: unknown final state (delivered, expired, deleted, "
          "undeliverable, accepted, unknown, rejected)");
    CHECK(error_of(one_carrier + "    faults:\n      no_response: 2\n") ==
          "sim.yaml:7: carriers[0].faults.no_response: fraction must be a number between 0 and 1");
    CHECK(error_of(one_carrier + "    password: toolongpassword\n") ==
          "sim.yaml:6: carriers[0].password: duplicate key");
    CHECK(error_of("carriers:\n  - name: c1\n    port: 0\n    system_id: esme1\n    password: toolongpw\n") ==
          "sim.yaml:2: carriers[0]: password must be at most 8 characters");
    CHECK(error_of(one_carrier + one_carrier.substr(10)) == "sim.yaml:6: carriers[1].name: duplicate carrier name");
    CHECK_THROWS_AS(load_sim_config("/nonexistent/sim.yaml"), SimConfigError);
}

TEST_CASE("sim_config: tls per carrier, its files loaded at parse time", "[tools][smpp-sim]") {
    CHECK(error_of(one_carrier + "    tls: {cert_file: /nonexistent/s.pem, key_file: /nonexistent/s.key}\n")
              .starts_with("sim.yaml:6: carriers[0].tls: cert_file /nonexistent/s.pem: "));
    CHECK(error_of(one_carrier + "    tls: {cert_file: a.pem}\n").starts_with("sim.yaml:6: carriers[0].tls"));
    CHECK(error_of(one_carrier + "    tls: {cert_file: a, key_file: b, verify: yes}\n").starts_with("sim.yaml:6: "));
    CHECK_FALSE(parse_sim_config(one_carrier, "sim.yaml").carriers[0].tls);
}
