#pragma once
// smpp-sim's configuration: YAML in, CarrierSettings out. Like the server's
// conf/connector_config, every rejection names the file, the line and the
// field path ("conf/sim.yaml:12: carriers[3].receipts.delay_ms: must be
// between 0 and 86400000") and unknown keys are rejected, so a typo never
// falls back to a default silently. Exceptions only: this is an edge.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/smpp-sim/sim_carrier.hpp"

namespace smpp::sim {

struct ControlSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0 picks a free port; absent "control" means none
    bool enabled = false;
};

struct SimConfig {
    std::uint64_t seed = 1;
    ControlSettings control;
    std::string log_level = "info";
    std::vector<CarrierSettings> carriers;
};

// what() is "<file>:<line>: <path>: <message>" (line 1-based), or
// "<file>: <message>" when no line applies.
class SimConfigError : public std::runtime_error {
public:
    SimConfigError(std::string file, int line, const std::string& message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }

private:
    std::string file_;
    int line_;
};

// Throws SimConfigError.
SimConfig load_sim_config(const std::string& path);
SimConfig parse_sim_config(const std::string& yaml, const std::string& file);

}  // namespace smpp::sim
