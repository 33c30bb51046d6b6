#pragma once
// The carriers file: a `carriers:` list of carrier::CarrierSettings. As with
// the connector config, every rejection names the file, the line and the
// field ("conf/carriers.yaml:42: carriers[3].window: must be between 1 and
// 10000") and unknown keys are rejected. Relative TLS file paths are taken
// from the config file's folder.
#include <string>
#include <vector>

#include "conf/config_error.hpp"
#include "smpp/carrier/carrier_settings.hpp"

namespace smpp::conf {

// Throws ConfigError.
std::vector<carrier::CarrierSettings> load_carrier_config(const std::string& path);
// The same from text; `file` names it in errors and anchors relative paths.
std::vector<carrier::CarrierSettings> parse_carrier_config(const std::string& yaml, const std::string& file);

}  // namespace smpp::conf
