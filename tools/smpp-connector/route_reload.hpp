#pragma once
// SIGHUP and `smppctl reload`: the configuration's routes again (issue 6).
//
// A reload swaps the route table and nothing else: carriers, accounts,
// health thresholds and the rest were built at start and stay as they are.
// An operator who edits those next to the routes must hear that they wait
// for a restart, not read "ok" and believe them live; so the configuration
// is kept as text per top-level section at start (and the carriers file's
// text), and a reload names the sections that differ now.
//
// A table with no routes at all is refused: it would turn every submit_sm
// into ESME_RINVDSTADR, and is far more often a half-saved file or a
// routes section deleted by mistake than an intent.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "routing/shm_table.hpp"
#include "tools/smpp-connector/admin_service.hpp"

namespace smpp::admin {

// Section name -> its YAML as text; "carriers_file" also holds the text of
// the file it names. Empty when the file cannot be read or parsed (a
// reload then reports the load's own error).
using ConfigSnapshot = std::map<std::string, std::string, std::less<>>;
ConfigSnapshot config_snapshot(const std::string& config_path);

// The sections of `now` that differ from `started` and that a reload does
// not apply (everything but routes and routes_file), in name order.
std::vector<std::string> unapplied_changes(const ConfigSnapshot& started, const ConfigSnapshot& now);

// Loads `config_path`, checks its routes and publishes them. `running`:
// the carriers started with the process (a route naming another has no
// actor). `started`: config_snapshot() at start. `who` names the trigger
// in the log.
ReloadResult reload_routes(const std::string& config_path, std::optional<routing::ShmPublisher>& publisher,
                           const std::set<std::string, std::less<>>& running, const ConfigSnapshot& started,
                           std::string_view who);

}  // namespace smpp::admin
