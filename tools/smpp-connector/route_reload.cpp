#include "tools/smpp-connector/route_reload.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "conf/config_error.hpp"
#include "conf/connector_config.hpp"
#include "smpp/relay/message_router.hpp"

namespace smpp::admin {

namespace {

// The routes of a configuration: its routes_file's table, or its inline routes.
routing::RouteTable route_table_of(const conf::ConnectorConfig& config) {
    if (!config.routes_file.empty()) return config.route_table;
    return relay::MessageRouter::table_of(config.routes);
}

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

ConfigSnapshot config_snapshot(const std::string& config_path) {
    ConfigSnapshot out;
    try {
        const YAML::Node root = YAML::LoadFile(config_path);
        if (!root.IsMap()) return out;
        for (const auto& kv : root) out.emplace(kv.first.as<std::string>(), YAML::Dump(kv.second));
        // Named relative to the configuration's folder, as the loader does.
        if (auto it = out.find("carriers_file"); it != out.end()) {
            std::filesystem::path named = root["carriers_file"].as<std::string>();
            if (named.is_relative()) named = std::filesystem::path(config_path).parent_path() / named;
            it->second += "\n" + file_text(named);
        }
    } catch (const std::exception&) {
        out.clear();
    }
    return out;
}

std::vector<std::string> unapplied_changes(const ConfigSnapshot& started, const ConfigSnapshot& now) {
    static const std::set<std::string_view> applied{"routes", "routes_file"};
    std::set<std::string> changed;
    for (const auto& [name, text] : now)
        if (auto it = started.find(name); it == started.end() || it->second != text) changed.insert(name);
    for (const auto& [name, text] : started)
        if (!now.contains(name)) changed.insert(name);
    std::vector<std::string> out;
    for (const auto& name : changed)
        if (!applied.contains(name)) out.push_back(name);
    return out;
}

ReloadResult reload_routes(const std::string& config_path, std::optional<routing::ShmPublisher>& publisher,
                           const std::set<std::string, std::less<>>& running, const ConfigSnapshot& started,
                           std::string_view who) {
    ReloadResult r;
    if (!publisher) {
        r.message = "no route table to reload (no carriers configured)";
        return r;
    }
    try {
        const auto fresh = conf::load_connector_config(config_path);
        const auto table = route_table_of(fresh);
        const std::string source = fresh.routes_file.empty() ? config_path : fresh.routes_file;
        std::string unstarted;
        for (const auto& e : table.entries)
            for (const auto& c : e.candidates)
                if (!running.contains(c.carrier) && unstarted.empty())
                    unstarted = fmt::format("{}: route '{}' names carrier '{}', which is not running: carriers are "
                                            "started with the connector, restart it to add one",
                                            source, e.prefix, c.carrier);
        if (table.entries.empty()) {
            r.message = fmt::format("{}: no routes (routes: or routes_file); a table without any would refuse "
                                    "every submit_sm",
                                    source);
        } else if (!unstarted.empty()) {
            r.message = unstarted;
        } else if (auto published = publisher->publish(table); !published) {
            r.message = published.error().message;
        } else {
            r.ok = true;
            r.message = fmt::format("route table generation {} published ({} prefixes from {})", *published,
                                    table.entries.size(), source);
            if (auto changed = unapplied_changes(started, config_snapshot(config_path)); !changed.empty())
                r.message += fmt::format("; changed since the start but applied only by a restart: {}",
                                         fmt::join(changed, ", "));
        }
    } catch (const conf::ConfigError& e) {
        r.message = e.what();
    }
    if (r.ok)
        spdlog::info("{}: {}", who, r.message);
    else
        spdlog::error("{}: route table not reloaded, the old one keeps serving: {}", who, r.message);
    return r;
}

}  // namespace smpp::admin
