#pragma once
// The smpp-connector server's configuration: YAML in, each layer's plain
// settings structs out. Every rejection names the file, the line and the
// field path ("conf/x.yaml:14: accounts[1].max_binds: must be between 1 and
// 64"), and unknown keys are rejected too, so a typo never falls back to a
// default silently. Exceptions here are the edge of the program: main
// prints what() and exits.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conf/config_error.hpp"
#include "smpp/carrier/carrier_settings.hpp"
#include "smpp/relay/mo_directory.hpp"
#include "routing/health/health_monitor.hpp"
#include "routing/route_table.hpp"
#include "routing/selector.hpp"
#include "smpp/relay/route.hpp"
#include "smpp/session/session_settings.hpp"
#include "smpp/upstream/account.hpp"
#include "store/ledger_settings.hpp"

namespace smpp::conf {

struct ListenerSettings {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 address
    std::uint16_t port = 2775;       // 0 picks a free port
    // Connections open at once, in all and from one address, an IPv6
    // peer's /64 (bound or not; smpp/session/connection_limits.hpp);
    // 0: no limit.
    std::size_t max_connections = 4096;
    std::size_t max_connections_per_address = 256;
};

// `forward:` how the forward path retries and how long it holds a message
// (relay/forward_path.hpp ForwardSettings).
struct ForwardConfig {
    std::chrono::seconds retry_base{1};    // the first retry after this
    std::chrono::seconds retry_max{300};   // backoff doubles up to this
    std::uint32_t max_retry_rounds = 10;   // rounds with carriers' error answers; then failed
    std::chrono::seconds max_hold{48 * 3600};  // no validity_period: expires this long after acceptance; 0s: never
    std::chrono::seconds carrier_stall{5};  // a carrier that answers nothing this long is passed over
    std::chrono::seconds outage_retry_max{30};  // retries after rounds of refusals only: at most this apart
    // A concatenated message's parts go through the carrier that took the
    // first; a part waits for it at most this long after the last; 0s: off.
    std::chrono::seconds concat_window{600};
    // Accounts with in_doubt: resend: a message in doubt while running goes
    // again this long after, if nothing settled it meanwhile (a carrier's late
    // answer comes within 5 min); 0s: only at the next start.
    std::chrono::seconds in_doubt_resend_after{360};
    // A message_payload too long for short_message whose route has no
    // carrier taking message_payload is split into concatenated parts (as
    // Kannel does); false: refused with ESME_ROPTPARNOTALLWD.
    bool split_payload = true;
};

struct ConnectorConfig {
    ListenerSettings listener;
    session::SessionSettings session;
    // `accounts:` and, in accounts.lockout, `bind_lockout:`.
    upstream::AccountSettings accounts;
    std::string log_level = "info";  // spdlog level name
    // Threads running the network io_context: upstream and carrier sessions,
    // ledger completions, timers. Each session, carrier and relay object
    // with state is a strand or locks, so any number is safe; more help on
    // a machine with cores to spare. On a 2-core box that also runs the
    // ledger writer, 2 measured the same as 1 (docs/PERFORMANCE.md "Wave 7").
    unsigned io_threads = 1;

    // The forward path. Without carriers_file no carrier runs and submit_sm
    // is refused (ESME_RSUBMITFAIL). carriers_file, as read, is relative to
    // this config file's folder (here it holds the resolved path); the
    // ledger, data the server writes, is relative to the working directory.
    std::string carriers_file;
    std::vector<carrier::CarrierSettings> carriers;  // loaded from carriers_file
    // Longest destination prefix -> carriers to try in order; every carrier
    // named must be in carriers_file.
    std::vector<relay::Route> routes;
    // Or a route table file (routing/route_table.hpp: YAML, or CSV for large
    // tables; relative to this config file's folder; resolved here), loaded
    // into route_table. routes and routes_file exclude each other.
    std::string routes_file;
    routing::RouteTable route_table;
    // Only opened when carriers are configured.
    store::LedgerSettings ledger{.path = "var/ledger"};
    ForwardConfig forward;
    // `mo:` mobile-originated messages (each account's numbers are its
    // accounts[].mo_numbers).
    relay::MoSettings mo;
    // `health:` circuit thresholds per traffic class (conf/health_config.hpp).
    routing::health::HealthSettings health;
    // `admin: {socket: <path>}`: the admin socket of smppctl binds/health/
    // reload. nullopt: var/smpp-connector-<listener port>.sock; "": none.
    std::optional<std::string> admin_socket;
    // `receipt_timeouts: {otp: resend, transactional: report, bulk: report}`:
    // per traffic class, what happens to a message whose receipt did not
    // come within its account's receipts.timeout. report (the default): a
    // synthetic receipt (the account's on_timeout). resend: sent once more
    // through the next carrier of its route (not the one that had it; the
    // record notes the duplicate risk); the first final receipt from either
    // carrier completes it, and a second timeout reports.
    std::map<upstream::traffic_class, upstream::in_doubt_policy> receipt_timeouts{};
    // `routing_policies: {otp: priority, transactional: priority, bulk: lcr}`:
    // how the router picks among a prefix's healthy candidates per traffic
    // class: priority (ordered failover), lcr (cheapest), quality (learned
    // delivery success per carrier x country and hour, less cost). Indexed
    // by routing::TrafficClass; the defaults are routing's.
    routing::Policy routing_policies[3] = {routing::Policy::priority, routing::Policy::priority,
                                           routing::Policy::lcr};
};

// Throws ConfigError (also for errors in the carriers file, which name it).
ConnectorConfig load_connector_config(const std::string& path);

// Routing profiles that match nothing, one line each (logged as warnings at
// start): an account's routing_profile no route candidate is reserved for
// (a typo routes it like an account without one), and a profile candidates
// are reserved for that no account has (they are never used). Not errors:
// a reload may bring the routes that use them.
std::vector<std::string> routing_profile_warnings(const ConnectorConfig& c);
// The same from text; `file` only names it in errors.
ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file);

}  // namespace smpp::conf
