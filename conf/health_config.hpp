#pragma once
// `health:` in the connector's configuration: the circuit thresholds of
// routing/health per traffic class. Keys at the top apply to every class;
// a class section (otp:, transactional:, bulk:) overrides them for that
// class. Durations in milliseconds (*_ms), shares as fractions, the ramp in
// per mille:
//
//   health:
//     max_error_rate: 0.05
//     cool_down_ms: 30000
//     ramp_permille: [100, 500]
//     bulk: { max_error_rate: 0.10, cool_down_ms: 60000 }
#include <yaml-cpp/yaml.h>

#include "conf/yaml_reader.hpp"
#include "routing/health/health_monitor.hpp"

namespace smpp::conf {

// Throws ConfigError naming the line.
void read_health(const YamlReader& r, const YAML::Node& node, routing::health::HealthSettings& out);

}  // namespace smpp::conf
