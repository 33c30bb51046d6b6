// `health:` in the connector's configuration (conf/health_config.hpp).
#include "conf/health_config.hpp"

#include <catch2/catch.hpp>

#include "conf/connector_config.hpp"

using namespace smpp;
using namespace smpp::conf;
using namespace std::chrono_literals;

namespace {

routing::health::HealthSettings parse(const std::string& yaml) {
    routing::health::HealthSettings s;
    YamlReader r("c.yaml");
    read_health(r, parse_yaml(yaml, "c.yaml")["health"], s);
    return s;
}

std::string error_of(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("health_config: top keys set every class, a class section overrides", "[conf][health]") {
    const auto s = parse(
        "health:\n"
        "  max_error_rate: 0.2\n"
        "  cool_down_ms: 1500\n"
        "  max_cool_down_ms: 3000\n"
        "  ramp_permille: [100, 500]\n"
        "  ramp_hold_ms: 1500\n"
        "  probe_permille: 100\n"
        "  bulk: { max_error_rate: 0.3, ramp_permille: [250] }\n");
    const auto& otp = s.classes[0];
    const auto& bulk = s.classes[2];
    CHECK(otp.max_error_rate == 0.2);
    CHECK(otp.cool_down == 1500ms);
    CHECK(otp.max_cool_down == 3000ms);
    CHECK(otp.ramp_permille == std::vector<std::uint16_t>{100, 500});
    CHECK(otp.ramp_hold == 1500ms);
    CHECK(otp.probe_permille == 100);
    CHECK(otp.min_submits == 20);  // untouched: the default
    CHECK(s.classes[1].max_error_rate == 0.2);
    CHECK(bulk.max_error_rate == 0.3);
    CHECK(bulk.ramp_permille == std::vector<std::uint16_t>{250});
    CHECK(bulk.cool_down == 1500ms);
}

TEST_CASE("health_config: bad values name the line and the field", "[conf][health]") {
    CHECK(error_of("health:\n  max_error_rate: 2\n").starts_with("c.yaml:2: health.max_error_rate: "));
    CHECK(error_of("health:\n  cool_down: 5\n").starts_with("c.yaml:2: health"));
    CHECK(error_of("health:\n  ramp_permille: [500, 100]\n") ==
          "c.yaml:2: health.ramp_permille[1]: steps must increase (each share larger than the one before)");
    CHECK(error_of("health:\n  otp:\n    cool_down_ms: 9000\n    max_cool_down_ms: 1000\n") ==
          "c.yaml:3: health: max_cool_down_ms must be at least cool_down_ms (otp)");
    CHECK(error_of("health:\n  otp: { warp: 1 }\n").starts_with("c.yaml:2: health.otp"));
}
