#include "conf/carrier_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "smpp/relay/carrier_id.hpp"
#include "test/smpp/session/tls_certs.hpp"
#include "tools/smpp-sim/message_id_format.hpp"
#include "tools/smpp-sim/sim_config.hpp"

using namespace smpp::conf;
using namespace std::chrono_literals;
using smpp::carrier::bind_mode;
using smpp::carrier::receipt_id_format;

namespace {

namespace fs = std::filesystem;

// A carriers file in its own temp directory (plus any side files), removed with the object.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("smpp-carrier-conf-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        auto p = (dir_ / name).string();
        std::ofstream(p) << text;
        return p;
    }

private:
    fs::path dir_;
};

// "<line>: <path>: <message>" with the temp path stripped, or "" if it loaded.
std::string error_of(const std::string& text) {
    TempDir d;
    const auto path = d.write("carriers.yaml", text);
    try {
        load_carrier_config(path);
    } catch (const ConfigError& e) {
        std::string what = e.what();
        if (what.starts_with(path + ":")) return what.substr(path.size() + 1);
        return what;
    }
    return "";
}

const std::string one_carrier =
    "carriers:\n"                               // 1
    "  - id: acme\n"                            // 2
    "    name: Acme Mobile\n"                   // 3
    "    endpoints: [\"10.0.0.1:2775\", \"smsc.acme.example:2776\"]\n"  // 4
    "    system_id: c01\n"                      // 5
    "    password: pw01\n"                      // 6
    "    system_type: VMA\n"                    // 7
    "    addr_ton: 1\n"                         // 8
    "    addr_npi: 1\n"                         // 9
    "    address_range: \"^49\"\n"              // 10
    "    bind_mode: transmitter_receiver\n"     // 11
    "    binds: 3\n"                            // 12
    "    window: 20\n"                          // 13
    "    max_tps: 150\n"                        // 14
    "    enquire_link_interval_ms: 15000\n"     // 15
    "    response_timeout_ms: 4000\n"           // 16
    "    bind_timeout_ms: 3000\n"               // 17
    "    connect_timeout_ms: 2000\n"            // 18
    "    reconnect: {base_ms: 500, max_ms: 30000, jitter: 0.25}\n"  // 19
    "    max_failed_binds: 4\n"                 // 20
    "    hold_off_ms: 300000\n"                 // 21
    "    throttle:\n"                           // 22
    "      decrease_factor: 0.7\n"              // 23
    "      recovery_step: 5\n"                  // 24
    "      recovery_interval_ms: 2000\n"        // 25
    "      floor_tps: 2\n"                      // 26
    "      cut_hold_ms: 250\n"                  // 27
    "      max_retries: 3\n"                    // 28
    "    default_data_coding: 3\n"              // 29
    "    default_alphabet: latin1\n"            // 30
    "    receipt_id_format: uuid\n"             // 31
    "    accepts_message_payload: true\n"       // 32
    "    max_message_parts: 6\n"                // 33
    "    queue_limit: 500\n"                    // 34
    "    backup: yes\n"                         // 35
    "    tls: {enabled: false}\n"               // 36
    "    max_sending: 240\n"                    // 37
    "    unbound_timeout_ms: 0\n";              // 38

// `one_carrier` with the line holding `key` replaced by `line`.
std::string with(const std::string& key, const std::string& line) {
    std::string text = one_carrier;
    auto found = text.find(" " + key + ":");
    REQUIRE(found != std::string::npos);
    auto at = text.rfind('\n', found) + 1;
    auto end = text.find('\n', at);
    return text.replace(at, end - at, line);
}

}  // namespace

TEST_CASE("carriers: every field loads", "[conf]") {
    TempDir d;
    auto list = load_carrier_config(d.write("c.yaml", one_carrier));
    REQUIRE(list.size() == 1);
    const auto& c = list[0];
    CHECK(c.id == "acme");
    CHECK(c.name == "Acme Mobile");
    REQUIRE(c.endpoints.size() == 2);
    CHECK(c.endpoints[0].host == "10.0.0.1");
    CHECK(c.endpoints[0].port == 2775);
    CHECK(c.endpoints[1].host == "smsc.acme.example");
    CHECK(c.endpoints[1].port == 2776);
    CHECK(c.system_id == "c01");
    CHECK(c.password == "pw01");
    CHECK(c.system_type == "VMA");
    CHECK(c.addr_ton == 1);
    CHECK(c.addr_npi == 1);
    CHECK(c.address_range == "^49");
    CHECK(c.mode == bind_mode::transmitter_receiver);
    CHECK(c.binds == 3);
    CHECK(c.window == 20);
    CHECK(c.max_tps == 150);
    CHECK(c.enquire_link_interval == 15000ms);
    CHECK(c.response_timeout == 4000ms);
    CHECK(c.bind_timeout == 3000ms);
    CHECK(c.connect_timeout == 2000ms);
    CHECK(c.reconnect.base == 500ms);
    CHECK(c.reconnect.max == 30000ms);
    CHECK(c.reconnect.jitter == 0.25);
    CHECK(c.max_failed_binds == 4);
    CHECK(c.hold_off == 300000ms);
    CHECK(c.throttle.decrease_factor == 0.7);
    CHECK(c.throttle.recovery_step == 5);
    CHECK(c.throttle.recovery_interval == 2000ms);
    CHECK(c.throttle.floor_tps == 2);
    CHECK(c.throttle.cut_hold == 250ms);
    CHECK(c.throttle.max_retries == 3);
    CHECK(c.default_data_coding == 3);
    CHECK(c.default_alphabet == "latin1");
    CHECK(c.receipt_id == receipt_id_format::uuid);
    CHECK(c.accepts_message_payload);
    CHECK(c.max_message_parts == 6);
    CHECK(c.queue_limit == 500);
    CHECK(c.max_sending == 240);
    CHECK(c.unbound_timeout == 0ms);
    CHECK(c.backup);
    CHECK_FALSE(c.tls.enabled);
}

TEST_CASE("carriers: the example file has 40 valid carriers", "[conf]") {
    auto list = load_carrier_config(std::string(SMPP_SOURCE_DIR) + "/conf/carriers.example.yaml");
    REQUIRE(list.size() == 40);
    std::set<std::uint16_t> ports;
    std::set<receipt_id_format> formats;
    int backups = 0;
    for (const auto& c : list) {
        REQUIRE(c.endpoints.size() == 1);
        CHECK(c.endpoints[0].host == "127.0.0.1");
        ports.insert(c.endpoints[0].port);
        formats.insert(c.receipt_id);
        backups += c.backup ? 1 : 0;
        CHECK(c.binds == 2);
        CHECK(c.mode == bind_mode::transceiver);
        CHECK(c.window == 50);
        CHECK(c.max_tps == 500);
    }
    CHECK(list[0].id == "carrier01");
    CHECK(list[0].system_id == "carrier01");  // what conf/sim.example.yaml expects
    CHECK(list[0].password == "pw01");
    CHECK(list[39].id == "carrier40");
    CHECK(ports.size() == 40);
    CHECK(*ports.begin() == 2800);
    CHECK(*ports.rbegin() == 2839);
    CHECK(formats.size() == 4);
    CHECK(backups == 2);
}

TEST_CASE("carriers: each example carrier's receipt_id_format fits the ids the example simulator writes for it",
          "[conf]") {
    // tools/run pairs the two files. Before, carriers 06, 22 and 30 (hex
    // submit_sm_resp ids, decimal receipts in the simulator) were
    // configured uuid, hex and uuid: their receipts never matched.
    const auto carriers = load_carrier_config(std::string(SMPP_SOURCE_DIR) + "/conf/carriers.example.yaml");
    const auto sim = smpp::sim::load_sim_config(std::string(SMPP_SOURCE_DIR) + "/conf/sim.example.yaml");
    REQUIRE(carriers.size() == sim.carriers.size());
    // What describes the simulated carrier (carrier_settings.hpp).
    auto format_for = [](const smpp::sim::CarrierSettings& s) {
        using smpp::sim::id_base;
        const auto resp = s.message_id.base, receipt = s.receipt_message_id.base;
        if (resp == id_base::uuid || receipt == id_base::uuid) return receipt_id_format::uuid;
        if (resp == receipt) return resp == id_base::hex ? receipt_id_format::hex : receipt_id_format::decimal;
        return resp == id_base::hex ? receipt_id_format::hex_to_decimal : receipt_id_format::decimal_to_hex;
    };
    for (const auto& c : carriers) {
        CAPTURE(c.id);
        auto s = std::find_if(sim.carriers.begin(), sim.carriers.end(),
                              [&](const smpp::sim::CarrierSettings& x) { return x.name == c.id; });
        REQUIRE(s != sim.carriers.end());
        CHECK(c.endpoints.at(0).port == s->port);
        CHECK(c.receipt_id == format_for(*s));
        const auto ids = smpp::relay::carrier_id_settings(c.receipt_id);
        for (std::uint64_t n : {16ull, 1000ull, 4'000'000'000ull}) {
            const auto resp = smpp::sim::format_message_id(s->message_id, n);
            const auto receipt = smpp::sim::format_message_id(s->receipt_message_id, n);
            CAPTURE(n, resp, receipt);
            const auto key = smpp::relay::index_key(resp, ids);
            REQUIRE(key);
            const auto keys = smpp::relay::receipt_lookup_keys(receipt, ids);
            CHECK(std::find(keys.begin(), keys.end(), *key) != keys.end());
            // Its own reading, not an alternate one: tried first, and a
            // carrier's copy of it is absorbed as a duplicate.
            CHECK((!keys.empty() && keys.front() == *key));
        }
    }
}

TEST_CASE("carriers: required fields are errors at the carrier's line", "[conf]") {
    CHECK(error_of("carriers:\n  - id: a\n    system_id: c\n    password: p\n") ==
          "2: carriers[0].endpoints: is required");
    CHECK(error_of("carriers:\n  - endpoints: [\"h:1\"]\n") == "2: carriers[0].id: is required");
    CHECK(error_of("listeners: []\n") ==
          "1: listeners: unknown key (expected one of: carriers)");
    CHECK(error_of("carriers: 5\n") == "1: carriers: must be a non-empty list");
    CHECK(error_of("carriers: []\n") == "1: carriers: must be a non-empty list");
}

TEST_CASE("carriers: receipt_id_format names both sides' bases when they always differ", "[conf]") {
    const std::pair<const char*, receipt_id_format> cases[] = {
        {"hex", receipt_id_format::hex},
        {"decimal", receipt_id_format::decimal},
        {"uuid", receipt_id_format::uuid},
        {"text", receipt_id_format::text},
        {"hex_to_decimal", receipt_id_format::hex_to_decimal},
        {"decimal_to_hex", receipt_id_format::decimal_to_hex}};
    for (const auto& [text, format] : cases) {
        TempDir d;
        auto list = load_carrier_config(
            d.write("carriers.yaml", with("receipt_id_format", std::string("    receipt_id_format: ") + text)));
        REQUIRE(list.size() == 1);
        CHECK(list[0].receipt_id == format);
        CHECK(smpp::carrier::name(format) == text);
    }
}

TEST_CASE("carriers: wrong values are errors at their own line", "[conf]") {
    CHECK(error_of(with("window", "    window: 0")) == "13: carriers[0].window: must be between 1 and 10000");
    CHECK(error_of(with("window", "    window: \"20\"")) == "13: carriers[0].window: must be an integer");
    CHECK(error_of(with("max_tps", "    max_tps: lots")) == "14: carriers[0].max_tps: must be an integer");
    CHECK(error_of(with("max_sending", "    max_sending: 0")) ==
          "37: carriers[0].max_sending: must be between 1 and 10000000");
    CHECK(error_of(with("unbound_timeout_ms", "    unbound_timeout_ms: -1")) ==
          "38: carriers[0].unbound_timeout_ms: must be between 0 and 86400000");
    CHECK(error_of(with("bind_mode", "    bind_mode: both")) ==
          "11: carriers[0].bind_mode: must be one of transceiver, transmitter_receiver");
    CHECK(error_of(with("receipt_id_format", "    receipt_id_format: base64")) ==
          "31: carriers[0].receipt_id_format: must be one of hex, decimal, uuid, text, hex_to_decimal, "
          "decimal_to_hex");
    CHECK(error_of(with("backup", "    backup: maybe")) == "35: carriers[0].backup: must be true or false");
    CHECK(error_of(with("endpoints", "    endpoints: [\"10.0.0.1\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port");
    CHECK(error_of(with("endpoints", "    endpoints: [\"h:70000\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a port of 1 to 65535");
    CHECK(error_of(with("endpoints", "    endpoints: [\"h:0\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a port of 1 to 65535");
    CHECK(error_of(with("endpoints", "    endpoints: [\"h:\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a port of 1 to 65535");
    CHECK(error_of(with("endpoints", "    endpoints: [\":2775\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a host before the ':'");
    CHECK(error_of(with("decrease_factor", "      decrease_factor: 1.5")) ==
          "23: carriers[0].throttle.decrease_factor: must be between 0.01 and 0.99");
    CHECK(error_of(with("system_id", "    system_id: a_very_long_system_id")) ==
          "5: carriers[0].system_id: must be 1 to 15 characters");
    CHECK(error_of(with("password", "    password: 123456789")) ==
          "6: carriers[0].password: must be at most 8 characters");
}

TEST_CASE("carriers: an IPv6 endpoint is [address]:port; a bare one is an error, not host '2001:db8:' port 1",
          "[conf]") {
    TempDir d;
    auto list = load_carrier_config(
        d.write("c.yaml", with("endpoints", "    endpoints: [\"[2001:db8::1]:2775\", \"[::1]:2776\", \"h:1\"]")));
    REQUIRE(list.size() == 1);
    REQUIRE(list[0].endpoints.size() == 3);
    CHECK(list[0].endpoints[0].host == "2001:db8::1");
    CHECK(list[0].endpoints[0].port == 2775);
    CHECK(list[0].endpoints[1].host == "::1");
    CHECK(list[0].endpoints[1].port == 2776);

    const std::string unbracketed =
        "4: carriers[0].endpoints[0]: an IPv6 address must be in brackets with its port, like [2001:db8::1]:2775";
    CHECK(error_of(with("endpoints", "    endpoints: [\"2001:db8::1\"]")) == unbracketed);
    CHECK(error_of(with("endpoints", "    endpoints: [\"2001:db8::1:2775\"]")) == unbracketed);
    const std::string bracket_form =
        "4: carriers[0].endpoints[0]: must be [IPv6 address]:port, like [2001:db8::1]:2775";
    CHECK(error_of(with("endpoints", "    endpoints: [\"[2001:db8::1]\"]")) == bracket_form);
    CHECK(error_of(with("endpoints", "    endpoints: [\"[2001:db8::1]:\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a port of 1 to 65535");
    CHECK(error_of(with("endpoints", "    endpoints: [\"[2001:db8::1]2775\"]")) == bracket_form);
    CHECK(error_of(with("endpoints", "    endpoints: [\"[2001:db8::1:2775\"]")) == bracket_form);
    CHECK(error_of(with("endpoints", "    endpoints: [\"[]:2775\"]")) ==
          "4: carriers[0].endpoints[0]: '' in brackets must be an IPv6 address, like [2001:db8::1]:2775");
    CHECK(error_of(with("endpoints", "    endpoints: [\"[smsc.example]:2775\"]")) ==
          "4: carriers[0].endpoints[0]: 'smsc.example' in brackets must be an IPv6 address, like "
          "[2001:db8::1]:2775");
    CHECK(error_of(with("endpoints", "    endpoints: [\"[::1]:70000\"]")) ==
          "4: carriers[0].endpoints[0]: must be host:port with a port of 1 to 65535");
}

TEST_CASE("carriers: a second YAML document is an error at its '---'", "[conf]") {
    CHECK(error_of(one_carrier + "---\ncarriers: []\n") ==
          "39: a second YAML document starts here: the file must hold one document");
}

TEST_CASE("carriers: cross-field rejections point at the field validate() names", "[conf]") {
    CHECK(error_of(with("reconnect", "    reconnect: {base_ms: 5000, max_ms: 1000}")) ==
          "19: carriers[0].reconnect.max_ms: must be >= reconnect.base_ms");
    CHECK(error_of(with("floor_tps", "      floor_tps: 1000")) ==
          "26: carriers[0].throttle.floor_tps: must be > 0 and <= max_tps");
    CHECK(error_of(with("default_alphabet", "    default_alphabet: ebcdic")) ==
          "30: carriers[0].default_alphabet: must be one of gsm7, ascii, latin1");
}

TEST_CASE("carriers: unknown and duplicate keys, duplicate ids", "[conf]") {
    CHECK(error_of(with("window", "    windw: 20")).starts_with("13: carriers[0].windw: unknown key (expected one of: id, "));
    CHECK(error_of(with("window", "    window: 20\n    window: 30")) == "14: carriers[0].window: duplicate key");
    CHECK(error_of(one_carrier + "  - id: acme\n    endpoints: [\"h:1\"]\n    system_id: c\n    password: p\n") ==
          "39: carriers[1].id: duplicate carrier id acme");
}

TEST_CASE("carriers: TLS files must exist and load, relative paths are read from the config's folder", "[conf]") {
    CHECK(error_of(with("tls", "    tls: {enabled: true}")) == "36: carriers[0].tls.ca_file: is required when TLS is on");
    {
        const auto e = error_of(with("tls", "    tls: {enabled: true, ca_file: missing-ca.pem}"));
        CHECK(e.starts_with("36: carriers[0].tls.ca_file: no such file: "));
        CHECK(e.ends_with("missing-ca.pem"));
    }
    TempDir d;
    d.write("ca.pem", "not really a certificate\n");
    const auto path = d.write("c.yaml", with("tls", "    tls: {enabled: true, ca_file: ca.pem}"));
    try {
        load_carrier_config(path);
        FAIL("a CA file that is no certificate must be refused");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(what.starts_with(path + ":36: carriers[0].tls.ca_file: " + (std::filesystem::path(path).parent_path() / "ca.pem").string() + ": "));
        CHECK(e.line() == 36);
    }
    smpp::session::test::TlsCerts certs;
    REQUIRE(certs.ok);
    const auto good = d.write("good.yaml", with("tls", "    tls: {enabled: true, ca_file: " + certs.ca + ", cert_file: " +
                                                           certs.client_cert + ", key_file: " + certs.client_key +
                                                           ", verify_peer: true, server_name: smsc.example.net}"));
    const auto carriers = load_carrier_config(good);
    REQUIRE(carriers.size() == 1);
    CHECK(carriers[0].tls.enabled);
    CHECK(carriers[0].tls.ca_file == certs.ca);
    CHECK(carriers[0].tls.cert_file == certs.client_cert);
    CHECK(carriers[0].tls.key_file == certs.client_key);
    CHECK(carriers[0].tls.server_name == "smsc.example.net");
}

TEST_CASE("carriers: YAML syntax errors and missing files", "[conf]") {
    CHECK(error_of("carriers:\n  - id: [\n").starts_with("3: invalid YAML"));
    CHECK_THROWS_WITH(load_carrier_config("/nonexistent/carriers.yaml"),
                      "/nonexistent/carriers.yaml: cannot open the file");
}
