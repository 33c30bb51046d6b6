#include "smpp/carrier/carrier_settings.hpp"

#include <catch2/catch.hpp>

#include "test/smpp/session/tls_certs.hpp"

using namespace smpp::carrier;
using namespace std::chrono_literals;

namespace {

CarrierSettings valid() {
    CarrierSettings c;
    c.id = "carrier01";
    c.endpoints = {{"127.0.0.1", 2800}};
    c.system_id = "c01";
    c.password = "pw01";
    return c;
}

std::string field_of(const CarrierSettings& c) {
    auto e = c.validate();
    return e ? e->field + ": " + e->message : "";
}

}  // namespace

TEST_CASE("carrier settings: the defaults with credentials validate") { CHECK(field_of(valid()) == ""); }

TEST_CASE("carrier settings: each rejection names its field") {
    auto c = valid();
    c.id = "has space";
    CHECK(field_of(c) == "id: may hold only letters, digits, '_' and '-'");
    c = valid();
    c.endpoints.clear();
    CHECK(field_of(c) == "endpoints: at least one endpoint is required");
    c = valid();
    c.password = "123456789";
    CHECK(field_of(c) == "password: must be at most 8 characters");
    c = valid();
    c.window = 0;
    CHECK(field_of(c) == "window: must be between 1 and 10000");
    c = valid();
    c.reconnect.max = 1ms;
    CHECK(field_of(c) == "reconnect.max_ms: must be >= reconnect.base_ms");
    c = valid();
    c.throttle.floor_tps = 1000;
    CHECK(field_of(c) == "throttle.floor_tps: must be > 0 and <= max_tps");
    c = valid();
    c.default_alphabet = "ebcdic";
    CHECK(field_of(c) == "default_alphabet: must be one of gsm7, ascii, latin1");
}

TEST_CASE("carrier settings: TLS needs files that exist and load, the clients get them") {
    smpp::session::test::TlsCerts certs;
    REQUIRE(certs.ok);
    auto c = valid();
    c.tls.enabled = true;
    CHECK(field_of(c) == "tls.ca_file: is required when TLS is on");
    c.tls.ca_file = "/nonexistent/ca.pem";
    CHECK(field_of(c) == "tls.ca_file: no such file: /nonexistent/ca.pem");
    c.tls.ca_file = SMPP_SOURCE_DIR "/CMakeLists.txt";  // exists, is no certificate
    CHECK(field_of(c).starts_with("tls.ca_file: " SMPP_SOURCE_DIR "/CMakeLists.txt: "));
    c.tls.ca_file = certs.ca;
    CHECK(field_of(c) == "");
    c.tls.cert_file = certs.client_cert;
    CHECK(field_of(c) == "tls.key_file: is required with tls.cert_file");
    c.tls.key_file = certs.server_key;  // not this certificate's key
    CHECK(field_of(c).starts_with("tls.key_file: " + certs.server_key + ": "));
    c.tls.key_file = certs.client_key;
    CHECK(field_of(c) == "");
    c.tls.server_name = "smsc.example.net";
    const auto cs = c.client_settings(smpp::session::bind_type::transceiver);
    CHECK(cs.tls.enabled);
    CHECK(cs.tls.ca_file == certs.ca);
    CHECK(cs.tls.cert_file == certs.client_cert);
    CHECK(cs.tls.key_file == certs.client_key);
    CHECK(cs.tls.verify_peer);
    CHECK(cs.tls.server_name == "smsc.example.net");
}

TEST_CASE("carrier settings: client settings carry the bind, window and hold-off") {
    auto c = valid();
    c.window = 7;
    c.max_failed_binds = 4;
    auto cs = c.client_settings(smpp::session::bind_type::transmitter);
    CHECK(cs.bind.type == smpp::session::bind_type::transmitter);
    CHECK(cs.bind.system_id == "c01");
    CHECK(cs.session.window == 7);
    CHECK(cs.max_failed_binds == 4);
    CHECK(cs.validate() == "");
}
