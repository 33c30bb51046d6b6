// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "conf/connector_config.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <yaml-cpp/yaml.h>

namespace smpp::conf {

namespace {

using Keys = std::initializer_list<std::string_view>;

std::string join(Keys keys) {
    std::string out;
    for (auto k : keys) {
        if (!out.empty()) out += ", ";
        out += k;
    }
    return out;
}

std::string format(const std::string& file, int line, const std::string& message) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

// Walks the YAML tree; every check knows the path it is at and the node
// whose Mark gives the line.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& message) const {
        // yaml-cpp lines are 0-based; editors count from 1.
        int line = at.Mark().is_null() ? 0 : at.Mark().line + 1;
        throw ConfigError(file_, line, path.empty() ? message : path + ": " + message);
    }

    // A mapping with only the given keys, each at most once.
    void expect_mapping(const YAML::Node& node, const std::string& path, Keys allowed) const {
        if (!node.IsMap()) fail(node, path, "must be a mapping");
        std::vector<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node& key = it->first;
            std::string name = key.IsScalar() ? key.Scalar() : "?";
            std::string key_path = child(path, name);
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                fail(key, key_path, "unknown key (expected one of: " + join(allowed) + ")");
            if (std::find(seen.begin(), seen.end(), name) != seen.end()) fail(key, key_path, "duplicate key");
            seen.push_back(name);
        }
    }

    const YAML::Node required(const YAML::Node& map, const std::string& path, const char* key) const {
        const YAML::Node value = map[key];
        if (!value.IsDefined()) fail(map, child(path, key), "is required");
        return value;
    }

    std::string string(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) fail(node, path, "must be a string");
        return node.Scalar();
    }

    // Integers are plain scalars: a quoted "100" is a string, not a number.
    std::int64_t integer(const YAML::Node& node, const std::string& path, std::int64_t min, std::int64_t max) const {
        std::int64_t v = 0;
        bool ok = node.IsScalar() && node.Tag() != "!";
        if (ok) {
            const std::string& s = node.Scalar();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            ok = ec == std::errc{} && end == s.data() + s.size() && !s.empty();
            if (!ok && ec == std::errc::result_out_of_range) fail(node, path, range(min, max));
        }
        if (!ok) fail(node, path, "must be an integer");
        if (v < min || v > max) fail(node, path, range(min, max));
        return v;
    }

    static std::string child(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }
    static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

private:
    static std::string range(std::int64_t min, std::int64_t max) {
        return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    }
    std::string file_;
};

constexpr std::int64_t max_ms = 86'400'000;  // a day: longer is a typo, not a timeout

void read_listener(const Reader& r, const YAML::Node& node, ListenerSettings& out) {
    const std::string path = "listener";
    r.expect_mapping(node, path, {"host", "port"});
    if (const YAML::Node host = node["host"]; host.IsDefined()) {
        out.host = r.string(host, path + ".host");
        boost::system::error_code ec;
        boost::asio::ip::make_address(out.host, ec);
        if (ec) r.fail(host, path + ".host", "must be an IPv4 or IPv6 address");
    }
    out.port = static_cast<std::uint16_t>(r.integer(r.required(node, path, "port"), path + ".port", 0, 65535));
}

// The YAML key of each SessionSettings field, in the order validate() checks
// them, so its message ("window must be >= 1") can point at the right line.
struct SessionKey {
    std::string_view field;
    std::string_view key;
};
constexpr SessionKey session_keys[] = {
    {"system_id", "system_id"},
    {"window", "window"},
    {"response_timeout", "response_timeout_ms"},
    {"enquire_link_interval", "enquire_link_interval_ms"},
    {"bind_timeout", "bind_timeout_ms"},
    {"unbind_timeout", "unbind_timeout_ms"},
    {"write_queue_limit", "write_queue_limit"},
    {"max_command_length", "max_command_length"},
};

void read_session(const Reader& r, const YAML::Node& node, session::SessionSettings& out) {
    const std::string path = "session";
    r.expect_mapping(node, path,
                     {"system_id", "window", "response_timeout_ms", "enquire_link_interval_ms", "bind_timeout_ms",
                      "unbind_timeout_ms", "write_queue_limit", "max_command_length"});
    auto u32 = [&](const char* key, auto& field) {
        if (const YAML::Node v = node[key]; v.IsDefined())
            field = static_cast<std::uint32_t>(r.integer(v, Reader::child(path, key), 0, 0xFFFFFFFF));
    };
    auto ms = [&](const char* key, std::chrono::milliseconds& field) {
        if (const YAML::Node v = node[key]; v.IsDefined())
            field = std::chrono::milliseconds(r.integer(v, Reader::child(path, key), 0, max_ms));
    };
    if (const YAML::Node v = node["system_id"]; v.IsDefined()) out.system_id = r.string(v, path + ".system_id");
    u32("window", out.window);
    ms("response_timeout_ms", out.response_timeout);
    ms("enquire_link_interval_ms", out.enquire_link_interval);
    ms("bind_timeout_ms", out.bind_timeout);
    ms("unbind_timeout_ms", out.unbind_timeout);
    if (const YAML::Node v = node["write_queue_limit"]; v.IsDefined())
        out.write_queue_limit = static_cast<std::size_t>(
            r.integer(v, path + ".write_queue_limit", 0, std::numeric_limits<std::int64_t>::max()));
    u32("max_command_length", out.max_command_length);

    std::string problem = out.validate();
    if (problem.empty()) return;
    // "window must be >= 1" -> session.window: must be >= 1, at window's line.
    for (const auto& k : session_keys) {
        if (problem.starts_with(k.field) && problem.size() > k.field.size() && problem[k.field.size()] == ' ') {
            const YAML::Node v = node[std::string(k.key)];
            r.fail(v.IsDefined() ? v : node, Reader::child(path, k.key), problem.substr(k.field.size() + 1));
        }
    }
    r.fail(node, path, problem);
}

upstream::Account read_account(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path, {"system_id", "password_hash", "bind_types", "max_binds"});
    upstream::Account a;
    a.system_id = r.string(r.required(node, path, "system_id"), path + ".system_id");
    a.password_hash = r.string(r.required(node, path, "password_hash"), path + ".password_hash");
    const YAML::Node types = r.required(node, path, "bind_types");
    if (!types.IsSequence()) r.fail(types, path + ".bind_types", "must be a list");
    for (std::size_t i = 0; i < types.size(); ++i) {
        const std::string p = Reader::index(path + ".bind_types", i);
        auto t = upstream::bind_type_from_config(r.string(types[i], p));
        if (!t) r.fail(types[i], p, "must be one of transmitter, receiver, transceiver");
        a.bind_types.push_back(*t);
    }
    if (const YAML::Node v = node["max_binds"]; v.IsDefined())
        a.max_binds = static_cast<std::uint32_t>(r.integer(v, path + ".max_binds", 1, upstream::Account::max_binds_limit));
    return a;
}

void read_accounts(const Reader& r, const YAML::Node& node, upstream::AccountSettings& out) {
    const std::string path = "accounts";
    if (!node.IsSequence()) r.fail(node, path, "must be a list");
    for (std::size_t i = 0; i < node.size(); ++i) out.accounts.push_back(read_account(r, node[i], Reader::index(path, i)));
    if (auto e = out.validate()) {
        const YAML::Node entry = node[e->index];
        const YAML::Node field = entry[e->error.field];
        r.fail(field.IsDefined() ? field : entry, Reader::child(Reader::index(path, e->index), e->error.field),
               e->error.message);
    }
}

constexpr std::string_view log_levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

}  // namespace

ConfigError::ConfigError(std::string file, int line, const std::string& message)
    : std::runtime_error(format(file, line, message)), file_(std::move(file)), line_(line) {}

ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    Reader r(file);
    if (!root.IsMap()) throw ConfigError(file, 1, "the configuration must be a mapping");
    r.expect_mapping(root, "", {"listener", "session", "accounts", "log_level"});

    ConnectorConfig c;
    read_listener(r, r.required(root, "", "listener"), c.listener);
    if (const YAML::Node s = root["session"]; s.IsDefined()) read_session(r, s, c.session);
    read_accounts(r, r.required(root, "", "accounts"), c.accounts);
    if (const YAML::Node v = root["log_level"]; v.IsDefined()) {
        c.log_level = r.string(v, "log_level");
        if (std::find(std::begin(log_levels), std::end(log_levels), c.log_level) == std::end(log_levels))
            r.fail(v, "log_level", "must be one of trace, debug, info, warn, error, critical, off");
    }
    return c;
}

ConnectorConfig load_connector_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, 0, "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(path, 0, "cannot read the file");
    return parse_connector_config(text.str(), path);
}

}  // namespace smpp::conf
