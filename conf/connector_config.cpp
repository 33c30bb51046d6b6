// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "conf/connector_config.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <limits>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <yaml-cpp/yaml.h>

#include "conf/carrier_config.hpp"
#include "conf/health_config.hpp"
#include "conf/yaml_reader.hpp"
#include "smpp/upstream/number_normaliser.hpp"
#include "store/ledger_options.hpp"

namespace smpp::conf {

namespace {

using Reader = YamlReader;

constexpr std::int64_t max_ms = 86'400'000;  // a day: longer is a typo, not a timeout

void read_listener(const Reader& r, const YAML::Node& node, ListenerSettings& out) {
    const std::string path = "listener";
    r.expect_mapping(node, path, {"host", "port", "max_connections", "max_connections_per_address"});
    if (const YAML::Node host = node["host"]; host.IsDefined()) {
        out.host = r.string(host, path + ".host");
        boost::system::error_code ec;
        boost::asio::ip::make_address(out.host, ec);
        if (ec) r.fail(host, path + ".host", "must be an IPv4 or IPv6 address");
    }
    out.port = static_cast<std::uint16_t>(r.integer(r.required(node, path, "port"), path + ".port", 0, 65535));
    if (const YAML::Node v = node["max_connections"]; v.IsDefined())
        out.max_connections = static_cast<std::size_t>(r.integer(v, path + ".max_connections", 0, 1'000'000));
    if (const YAML::Node v = node["max_connections_per_address"]; v.IsDefined())
        out.max_connections_per_address =
            static_cast<std::size_t>(r.integer(v, path + ".max_connections_per_address", 0, 1'000'000));
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

// "90s", "30m", "72h", "3d": a whole number and one unit.
std::chrono::seconds duration(const Reader& r, const YAML::Node& node, const std::string& path) {
    const std::string text = r.string(node, path);
    std::int64_t n = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 9; ++i) n = n * 10 + (text[i] - '0');
    std::int64_t unit = 0;
    if (i > 0 && i + 1 == text.size()) {
        switch (text[i]) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            case 'd': unit = 86400; break;
            default: break;
        }
    }
    if (unit == 0) r.fail(node, path, "must be a duration like 90s, 30m, 72h or 3d");
    return std::chrono::seconds(n * unit);
}

// A string that must be one of a few names; `parse` maps it.
template <class Parse>
auto one_of(const Reader& r, const YAML::Node& node, const std::string& path, Parse parse, const char* names) {
    auto v = parse(r.string(node, path));
    if (!v) r.fail(node, path, std::string("must be one of ") + names);
    return *v;
}

upstream::ReceiptOptions read_receipts(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path, {"multipart", "on_timeout", "timeout"});
    upstream::ReceiptOptions o;
    if (const YAML::Node v = node["multipart"]; v.IsDefined())
        o.multipart = one_of(r, v, path + ".multipart", upstream::multipart_receipts_from_config,
                             "all, first, last, aggregate");
    if (const YAML::Node v = node["on_timeout"]; v.IsDefined())
        o.on_timeout = one_of(r, v, path + ".on_timeout", upstream::receipt_timeout_state_from_config,
                              "unknown, expired");
    if (const YAML::Node v = node["timeout"]; v.IsDefined()) {
        o.timeout = duration(r, v, path + ".timeout");
        if (o.timeout < std::chrono::minutes(1) || o.timeout > std::chrono::hours(24 * 30))
            r.fail(v, path + ".timeout", "must be between 1m and 30d");
    }
    return o;
}

// `schedule: {max_ahead: 30d, past_tolerance: 1h}`: how far
// schedule_delivery_time may reach (upstream::ScheduleLimits).
upstream::ScheduleLimits read_schedule(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path, {"max_ahead", "past_tolerance"});
    upstream::ScheduleLimits s;
    if (const YAML::Node v = node["max_ahead"]; v.IsDefined()) {
        s.max_ahead = duration(r, v, path + ".max_ahead");
        if (s.max_ahead < std::chrono::minutes(1) || s.max_ahead > upstream::ScheduleLimits::max_ahead_limit)
            r.fail(v, path + ".max_ahead", "must be between 1m and 365d");
    }
    if (const YAML::Node v = node["past_tolerance"]; v.IsDefined()) {
        s.past_tolerance = duration(r, v, path + ".past_tolerance");
        if (s.past_tolerance > upstream::ScheduleLimits::past_tolerance_limit)
            r.fail(v, path + ".past_tolerance", "must be between 0s and 1d");
    }
    return s;
}

upstream::Account read_account(const Reader& r, const YAML::Node& node, const std::string& path) {
    r.expect_mapping(node, path,
                     {"system_id", "password_hash", "bind_types", "max_binds", "tps", "query_tps", "max_backlog",
                      "allowed_addresses", "traffic_class", "routing_profile", "receipts", "in_doubt", "mo_numbers",
                      "default_region", "require_valid_numbers", "schedule"});
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
    if (const YAML::Node v = node["tps"]; v.IsDefined())
        a.tps = static_cast<std::uint32_t>(r.integer(v, path + ".tps", 0, upstream::Account::max_tps));
    if (const YAML::Node v = node["query_tps"]; v.IsDefined())
        a.query_tps = static_cast<std::uint32_t>(r.integer(v, path + ".query_tps", 0, upstream::Account::max_tps));
    if (const YAML::Node v = node["max_backlog"]; v.IsDefined())
        a.max_backlog = static_cast<std::uint32_t>(r.integer(v, path + ".max_backlog", 0, 100'000'000));
    if (const YAML::Node list = node["allowed_addresses"]; list.IsDefined()) {
        if (!list.IsSequence()) r.fail(list, path + ".allowed_addresses", "must be a list of CIDR networks");
        // An empty allow-list reads as "nobody" but Account treats it as no
        // allow-list at all: refuse the contradiction.
        if (list.size() == 0)
            r.fail(list, path + ".allowed_addresses",
                   "must list at least one network: an empty list would let nobody in; leave the key out to allow "
                   "any address");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = Reader::index(path + ".allowed_addresses", i);
            auto cidr = upstream::Cidr::parse(r.string(list[i], p));
            if (!cidr)
                r.fail(list[i], p,
                       "must be an IPv4 or IPv6 network like 192.0.2.0/24 or 2001:db8::/32 (no host bits set), "
                       "or one address");
            a.allowed_addresses.push_back(*cidr);
        }
    }
    if (const YAML::Node v = node["traffic_class"]; v.IsDefined())
        a.default_class = one_of(r, v, path + ".traffic_class", upstream::traffic_class_from_config,
                                 "otp, transactional, bulk");
    if (const YAML::Node v = node["routing_profile"]; v.IsDefined())
        a.routing_profile = r.string(v, path + ".routing_profile");
    if (const YAML::Node v = node["receipts"]; v.IsDefined()) a.receipts = read_receipts(r, v, path + ".receipts");
    if (const YAML::Node v = node["in_doubt"]; v.IsDefined())
        a.in_doubt = one_of(r, v, path + ".in_doubt", upstream::in_doubt_policy_from_config, "report, resend");
    if (const YAML::Node v = node["default_region"]; v.IsDefined()) {
        a.default_region = r.string(v, path + ".default_region");
        if (!upstream::NumberNormaliser::supported_region(a.default_region))
            r.fail(v, path + ".default_region",
                   "must be an ISO 3166-1 alpha-2 region with a numbering plan, like GB or US");
    }
    if (const YAML::Node v = node["require_valid_numbers"]; v.IsDefined())
        a.require_valid_numbers = r.boolean(v, path + ".require_valid_numbers");
    if (const YAML::Node v = node["schedule"]; v.IsDefined()) a.schedule = read_schedule(r, v, path + ".schedule");
    if (const YAML::Node list = node["mo_numbers"]; list.IsDefined()) {
        if (!list.IsSequence()) r.fail(list, path + ".mo_numbers", "must be a list of numbers or short codes");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = Reader::index(path + ".mo_numbers", i);
            auto number = r.string(list[i], p);
            if (!relay::MoDirectory::valid_number(number))
                r.fail(list[i], p, "must be digits, optionally ending in '*' for a prefix (\"12345\", \"4477009001*\")");
            a.mo_numbers.push_back(std::move(number));
        }
    }
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
    // A mobile-originated message must have one owner: the first claim of
    // a number wins and the second is the error, naming both.
    struct Claim {
        std::string account, path;
        int line;
    };
    std::map<std::string, Claim> claimed;
    for (std::size_t i = 0; i < out.accounts.size(); ++i) {
        const auto& a = out.accounts[i];
        const YAML::Node list = node[i]["mo_numbers"];
        for (std::size_t j = 0; j < a.mo_numbers.size(); ++j) {
            const std::string p = Reader::index(Reader::child(Reader::index(path, i), "mo_numbers"), j);
            auto [it, fresh] = claimed.emplace(a.mo_numbers[j], Claim{a.system_id, p, list[j].Mark().line + 1});
            if (!fresh)
                r.fail(list[j], p,
                       "'" + a.mo_numbers[j] + "' is already owned by account '" + it->second.account + "' (" +
                           it->second.path + ", " + r.file() + ":" + std::to_string(it->second.line) + ")");
        }
    }
}

void read_mo(const Reader& r, const YAML::Node& node, relay::MoSettings& out) {
    const std::string path = "mo";
    r.expect_mapping(node, path, {"opt_out_keywords", "duplicate_window"});
    // A carrier offers an MO again only until its own retries give up (hours,
    // a few days at most), and every identical MO inside the window is
    // dropped: a longer one would swallow a handset's real repeat (a second
    // STOP next month) and keep the ledger's sightings as long. The bound
    // also keeps MoDedupe's clock arithmetic (nanoseconds) far from overflow.
    if (const YAML::Node v = node["duplicate_window"]; v.IsDefined()) {
        out.duplicate_window = duration(r, v, path + ".duplicate_window");
        if (out.duplicate_window > std::chrono::hours(24 * 7))
            r.fail(v, path + ".duplicate_window", "must be between 0s and 7d");
    }
    if (const YAML::Node list = node["opt_out_keywords"]; list.IsDefined()) {
        if (!list.IsSequence()) r.fail(list, path + ".opt_out_keywords", "must be a list of words");
        out.opt_out_keywords.clear();
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = Reader::index(path + ".opt_out_keywords", i);
            auto word = r.string(list[i], p);
            if (word.empty() || !std::all_of(word.begin(), word.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                }))
                r.fail(list[i], p, "must be one word of letters and digits");
            out.opt_out_keywords.push_back(std::move(word));
        }
    }
}

void read_receipt_timeouts(const Reader& r, const YAML::Node& node,
                           std::map<upstream::traffic_class, upstream::in_doubt_policy>& out) {
    const std::string path = "receipt_timeouts";
    r.expect_mapping(node, path, {"otp", "transactional", "bulk"});
    for (auto cls : {upstream::traffic_class::otp, upstream::traffic_class::transactional,
                     upstream::traffic_class::bulk}) {
        const std::string key(upstream::name(cls));
        if (const YAML::Node v = node[key]; v.IsDefined())
            out[cls] = one_of(r, v, path + "." + key, upstream::in_doubt_policy_from_config, "report, resend");
    }
}

void read_routing_policies(const Reader& r, const YAML::Node& node, routing::Policy (&out)[3]) {
    const std::string path = "routing_policies";
    r.expect_mapping(node, path, {"otp", "transactional", "bulk"});
    for (auto cls : {routing::TrafficClass::otp, routing::TrafficClass::transactional, routing::TrafficClass::bulk}) {
        const std::string key(upstream::name(static_cast<upstream::traffic_class>(cls)));
        if (const YAML::Node v = node[key]; v.IsDefined())
            out[static_cast<std::size_t>(cls)] = one_of(r, v, path + "." + key, routing::parse_policy,
                                                        "priority, lcr, weighted, quality");
    }
}

void read_bind_lockout(const Reader& r, const YAML::Node& node, upstream::BindLockoutSettings& out) {
    const std::string path = "bind_lockout";
    r.expect_mapping(node, path, {"max_failures", "window", "max_tracked_addresses"});
    if (const YAML::Node v = node["max_failures"]; v.IsDefined())
        out.max_failures = static_cast<std::uint32_t>(r.integer(v, path + ".max_failures", 1, 1000));
    if (const YAML::Node v = node["window"]; v.IsDefined()) out.window = duration(r, v, path + ".window");
    if (const YAML::Node v = node["max_tracked_addresses"]; v.IsDefined())
        out.max_tracked_addresses =
            static_cast<std::size_t>(r.integer(v, path + ".max_tracked_addresses", 1, 10'000'000));
    if (auto e = out.validate()) {
        const YAML::Node field = node[e->field];
        r.fail(field.IsDefined() ? field : node, Reader::child(path, e->field), e->message);
    }
}

void read_forward(const Reader& r, const YAML::Node& node, ForwardConfig& out) {
    const std::string path = "forward";
    r.expect_mapping(node, path,
                     {"retry_base", "retry_max", "max_retry_rounds", "max_hold", "carrier_stall", "outage_retry_max",
                      "concat_window", "split_payload", "in_doubt_resend_after"});
    auto within = [&](const char* key, std::chrono::seconds& field, std::chrono::seconds min, std::chrono::seconds max,
                      const char* range) {
        const YAML::Node v = node[key];
        if (!v.IsDefined()) return;
        field = duration(r, v, Reader::child(path, key));
        if (field < min || field > max) r.fail(v, Reader::child(path, key), std::string("must be between ") + range);
    };
    using std::chrono::hours;
    using std::chrono::seconds;
    within("retry_base", out.retry_base, seconds(1), hours(24), "1s and 24h");
    within("retry_max", out.retry_max, seconds(1), hours(24), "1s and 24h");
    within("max_hold", out.max_hold, seconds(0), hours(24 * 30), "0s and 30d");
    within("carrier_stall", out.carrier_stall, seconds(1), hours(1), "1s and 1h");
    within("outage_retry_max", out.outage_retry_max, seconds(1), hours(24), "1s and 24h");
    within("concat_window", out.concat_window, seconds(0), hours(24), "0s and 24h");
    within("in_doubt_resend_after", out.in_doubt_resend_after, seconds(0), hours(24 * 7), "0s and 7d");
    if (const YAML::Node v = node["in_doubt_resend_after"];
        v.IsDefined() && out.in_doubt_resend_after.count() > 0 && out.in_doubt_resend_after < seconds(300))
        r.fail(v, Reader::child(path, "in_doubt_resend_after"),
               "must be 0s or at least 5m (a carrier's late answer may come up to 5 minutes after its timeout)");
    if (const YAML::Node v = node["split_payload"]; v.IsDefined())
        out.split_payload = r.boolean(v, path + ".split_payload");
    if (const YAML::Node v = node["max_retry_rounds"]; v.IsDefined())
        out.max_retry_rounds = static_cast<std::uint32_t>(r.integer(v, path + ".max_retry_rounds", 0, 1000));
    if (out.retry_max < out.retry_base) {
        const YAML::Node v = node["retry_max"].IsDefined() ? node["retry_max"] : node["retry_base"];
        r.fail(v, Reader::child(path, node["retry_max"].IsDefined() ? "retry_max" : "retry_base"),
               "retry_max must be >= retry_base");
    }
}

void read_ledger(const Reader& r, const YAML::Node& node, store::LedgerSettings& out) {
    const std::string path = "ledger";
    r.expect_mapping(node, path,
                     {"path", "sync", "journal", "journal_segment_mb", "retention_days", "rocksdb_options",
                      "background_low_priority", "open_record_cache"});
    if (const YAML::Node v = node["path"]; v.IsDefined()) {
        out.path = r.string(v, path + ".path");
        if (out.path.empty()) r.fail(v, path + ".path", "must not be empty");
    }
    if (const YAML::Node v = node["sync"]; v.IsDefined()) out.sync = r.boolean(v, path + ".sync");
    if (const YAML::Node v = node["journal"]; v.IsDefined()) out.journal = r.boolean(v, path + ".journal");
    if (const YAML::Node v = node["journal_segment_mb"]; v.IsDefined())
        out.journal_segment_mb =
            static_cast<std::size_t>(r.integer(v, path + ".journal_segment_mb", 1, 2048));
    if (const YAML::Node v = node["retention_days"]; v.IsDefined())
        out.retention_days = static_cast<std::uint32_t>(r.integer(v, path + ".retention_days", 1, 3650));
    if (const YAML::Node v = node["rocksdb_options"]; v.IsDefined()) {
        out.rocksdb_options = r.string(v, path + ".rocksdb_options");
        // Here, not when the ledger opens: --check and a reload see it, with the line.
        if (auto problem = store::rocksdb_options_problem(out.rocksdb_options); !problem.empty())
            r.fail(v, path + ".rocksdb_options", problem);
    }
    if (const YAML::Node v = node["background_low_priority"]; v.IsDefined())
        out.background_low_priority = r.boolean(v, path + ".background_low_priority");
    // Records not final kept in the writer's memory (~1 KB each): a receipt
    // for one beyond it reads its record from RocksDB (docs/PERFORMANCE.md).
    if (const YAML::Node v = node["open_record_cache"]; v.IsDefined())
        out.open_record_cache = static_cast<std::size_t>(r.integer(v, path + ".open_record_cache", 0, 50'000'000));
    if (auto problem = out.validate(); !problem.empty()) r.fail(node, path, problem);
}

void read_carriers_file(const Reader& r, const YAML::Node& node, ConnectorConfig& c) {
    // Relative to this file's folder, as the carriers file's own TLS paths
    // are: the configuration then loads from any working directory.
    const std::filesystem::path named = r.string(node, "carriers_file");
    c.carriers_file = named.empty() || named.is_absolute()
                          ? named.string()
                          : (std::filesystem::path(r.file()).parent_path() / named).string();
    std::error_code ec;
    if (named.empty() || !std::filesystem::is_regular_file(c.carriers_file, ec))
        r.fail(node, "carriers_file", "cannot read '" + c.carriers_file + "'");
    c.carriers = load_carrier_config(c.carriers_file);
}

void read_routes(const Reader& r, const YAML::Node& node, ConnectorConfig& c) {
    const std::string path = "routes";
    if (!node.IsSequence()) r.fail(node, path, "must be a list");
    if (c.carriers_file.empty()) r.fail(node, path, "needs carriers_file (the carriers the routes name)");
    std::set<std::string, std::less<>> known;
    for (const auto& carrier : c.carriers) known.insert(carrier.id);
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string p = Reader::index(path, i);
        const YAML::Node entry = node[i];
        r.expect_mapping(entry, p, {"prefix", "carriers"});
        relay::Route route;
        const YAML::Node prefix = r.required(entry, p, "prefix");
        route.prefix = r.string(prefix, p + ".prefix");
        if (!relay::valid_prefix(route.prefix))
            r.fail(prefix, p + ".prefix", "must be digits only (\"\" is the default route)");
        // As a routes_file's prefix: the compiled table holds no more, and
        // would refuse it at startup without a line to point at.
        if (route.prefix.size() > routing::max_prefix_digits)
            r.fail(prefix, p + ".prefix", "'" + route.prefix + "' is longer than 15 digits");
        if (auto [it, fresh] = seen.emplace(route.prefix, i); !fresh)
            r.fail(prefix, p + ".prefix", "duplicate of " + Reader::index(path, it->second));
        const YAML::Node carriers = r.required(entry, p, "carriers");
        if (!carriers.IsSequence() || carriers.size() == 0)
            r.fail(carriers, p + ".carriers", "must be a list of one or more carrier ids");
        for (std::size_t j = 0; j < carriers.size(); ++j) {
            const std::string cp = Reader::index(p + ".carriers", j);
            auto id = r.string(carriers[j], cp);
            if (!known.contains(id))
                r.fail(carriers[j], cp, "unknown carrier '" + id + "' (not in " + c.carriers_file + ")");
            if (std::find(route.carriers.begin(), route.carriers.end(), id) != route.carriers.end())
                r.fail(carriers[j], cp, "carrier '" + id + "' listed twice");
            route.carriers.push_back(std::move(id));
        }
        c.routes.push_back(std::move(route));
    }
}

void read_routes_file(const Reader& r, const YAML::Node& node, ConnectorConfig& c) {
    if (c.carriers_file.empty()) r.fail(node, "routes_file", "needs carriers_file (the carriers the routes name)");
    const std::filesystem::path named = r.string(node, "routes_file");
    c.routes_file = named.empty() || named.is_absolute()
                        ? named.string()
                        : (std::filesystem::path(r.file()).parent_path() / named).string();
    std::error_code ec;
    if (named.empty() || !std::filesystem::is_regular_file(c.routes_file, ec))
        r.fail(node, "routes_file", "cannot read '" + c.routes_file + "'");
    routing::CarrierSet known;
    for (const auto& carrier : c.carriers) known.insert(carrier.id);
    auto table = routing::load_routes(c.routes_file, known);
    if (!table) {
        // The table's own file and line, as carriers_file errors name theirs.
        const auto& e = table.error();
        const std::string prefix = e.file + ":" + std::to_string(e.line) + ": ";
        const std::string rest = e.message.starts_with(prefix) ? e.message.substr(prefix.size()) : e.message;
        if (!e.file.empty() && e.line > 0) throw ConfigError(e.file, e.line, rest);
        r.fail(node, "routes_file", e.message);
    }
    c.route_table = std::move(table).value();
}

constexpr std::string_view log_levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

}  // namespace

ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file) {
    YAML::Node root = parse_yaml(yaml, file);
    Reader r(file);
    if (!root.IsMap()) throw ConfigError(file, 1, "the configuration must be a mapping");
    r.expect_mapping(root, "", {"listener", "session", "bind_lockout", "accounts", "log_level", "io_threads", "carriers_file",
                      "routes", "routes_file", "ledger", "forward", "mo", "health", "admin", "receipt_timeouts",
                      "routing_policies"});

    ConnectorConfig c;
    read_listener(r, r.required(root, "", "listener"), c.listener);
    if (const YAML::Node s = root["session"]; s.IsDefined()) read_session(r, s, c.session);
    read_accounts(r, r.required(root, "", "accounts"), c.accounts);
    if (const YAML::Node v = root["bind_lockout"]; v.IsDefined()) read_bind_lockout(r, v, c.accounts.lockout);
    if (const YAML::Node v = root["log_level"]; v.IsDefined()) {
        c.log_level = r.string(v, "log_level");
        if (std::find(std::begin(log_levels), std::end(log_levels), c.log_level) == std::end(log_levels))
            r.fail(v, "log_level", "must be one of trace, debug, info, warn, error, critical, off");
    }
    if (const YAML::Node v = root["io_threads"]; v.IsDefined())
        c.io_threads = static_cast<unsigned>(r.integer(v, "io_threads", 1, 64));
    if (const YAML::Node v = root["carriers_file"]; v.IsDefined()) read_carriers_file(r, v, c);
    if (const YAML::Node v = root["routes"]; v.IsDefined()) read_routes(r, v, c);
    if (const YAML::Node v = root["routes_file"]; v.IsDefined()) {
        if (root["routes"].IsDefined()) r.fail(v, "routes_file", "routes and routes_file exclude each other");
        read_routes_file(r, v, c);
    }
    if (const YAML::Node v = root["ledger"]; v.IsDefined()) read_ledger(r, v, c.ledger);
    if (const YAML::Node v = root["forward"]; v.IsDefined()) read_forward(r, v, c.forward);
    if (const YAML::Node v = root["mo"]; v.IsDefined()) read_mo(r, v, c.mo);
    if (const YAML::Node v = root["health"]; v.IsDefined()) read_health(r, v, c.health);
    if (const YAML::Node v = root["receipt_timeouts"]; v.IsDefined()) read_receipt_timeouts(r, v, c.receipt_timeouts);
    if (const YAML::Node v = root["routing_policies"]; v.IsDefined())
        read_routing_policies(r, v, c.routing_policies);
    if (const YAML::Node v = root["admin"]; v.IsDefined()) {
        r.expect_mapping(v, "admin", {"socket"});
        if (const YAML::Node s = v["socket"]; s.IsDefined()) c.admin_socket = r.string(s, "admin.socket");
    }
    return c;
}

ConnectorConfig load_connector_config(const std::string& path) {
    return parse_connector_config(read_config_file(path), path);
}

std::vector<std::string> routing_profile_warnings(const ConnectorConfig& c) {
    // Inline routes (`routes:`) reserve nothing; only a routes_file can.
    std::set<std::string, std::less<>> reserved, held;
    for (const auto& e : c.route_table.entries)
        for (const auto& candidate : e.candidates)
            if (!candidate.profile.empty()) reserved.insert(candidate.profile);
    std::vector<std::string> out;
    for (const auto& a : c.accounts.accounts) {
        if (a.routing_profile.empty()) continue;
        held.insert(a.routing_profile);
        if (!reserved.contains(a.routing_profile))
            out.push_back("account " + a.system_id + ": routing_profile '" + a.routing_profile +
                          "' is reserved by no route candidate; it routes as an account without one");
    }
    for (const auto& p : reserved)
        if (!held.contains(p))
            out.push_back("route candidates reserved for routing_profile '" + p +
                          "': no account has that profile, so they are never used");
    return out;
}

}  // namespace smpp::conf
