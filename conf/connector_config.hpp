#pragma once
// The smpp-connector server's configuration: YAML in, each layer's plain
// settings structs out. Every rejection names the file, the line and the
// field path ("conf/x.yaml:14: accounts[1].max_binds: must be between 1 and
// 64"), and unknown keys are rejected too, so a typo never falls back to a
// default silently. Exceptions here are the edge of the program: main
// prints what() and exits.
#include <cstdint>
#include <string>

#include "conf/config_error.hpp"
#include "smpp/session/session_settings.hpp"
#include "smpp/upstream/account.hpp"

namespace smpp::conf {

struct ListenerSettings {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 address
    std::uint16_t port = 2775;       // 0 picks a free port
};

struct ConnectorConfig {
    ListenerSettings listener;
    session::SessionSettings session;
    upstream::AccountSettings accounts;
    std::string log_level = "info";  // spdlog level name
};

// Throws ConfigError.
ConnectorConfig load_connector_config(const std::string& path);
// The same from text; `file` only names it in errors.
ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file);

}  // namespace smpp::conf
