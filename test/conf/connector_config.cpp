#include "conf/connector_config.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <catch2/catch.hpp>

using namespace smpp::conf;
using smpp::session::bind_type;

namespace {

namespace fs = std::filesystem;

const std::string hash_a =
    "$argon2id$v=19$m=65536,t=2,p=1$K+M+6Epv5bhakPek+8dY4A$p3t96ZsoUrFTyDw7NvAOMv6o9y4wNVQtK/R8GXwIbXs";
const std::string hash_b =
    "$argon2id$v=19$m=65536,t=2,p=1$bhYL5MgEqGNXYI66HekbSw$k3EVkAtV5tfSM1Dbvb946Se17DJmck4n+Jt7hJFi3BA";

// A config file in its own temp directory, removed with the object.
class TempConfig {
public:
    explicit TempConfig(const std::string& text) {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("smpp-conf-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_);
        path_ = (dir_ / "connector.yaml").string();
        std::ofstream(path_) << text;
    }
    ~TempConfig() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    const std::string& path() const { return path_; }

private:
    fs::path dir_;
    std::string path_;
};

// Loads `text` from a file and returns the error, or "" if it loaded.
std::string error_of(const std::string& text, std::string* path_out = nullptr) {
    TempConfig f(text);
    if (path_out) *path_out = f.path();
    try {
        load_connector_config(f.path());
    } catch (const ConfigError& e) {
        std::string what = e.what();
        // Strip the temp path so the expectations read as "<line>: ...".
        if (what.starts_with(f.path() + ":")) return what.substr(f.path().size() + 1);
        return what;
    }
    return "";
}

const std::string valid_yaml =
    "listener:\n"                                // 1
    "  host: 127.0.0.1\n"                        // 2
    "  port: 2776\n"                             // 3
    "session:\n"                                 // 4
    "  window: 50\n"                             // 5
    "  response_timeout_ms: 2000\n"              // 6
    "  enquire_link_interval_ms: 0\n"            // 7
    "  bind_timeout_ms: 3000\n"                  // 8
    "  unbind_timeout_ms: 1000\n"                // 9
    "  write_queue_limit: 65536\n"               // 10
    "  max_command_length: 8192\n"               // 11
    "log_level: debug\n"                         // 12
    "accounts:\n"                                // 13
    "  - system_id: acme\n"                      // 14
    "    password_hash: \"" + hash_a + "\"\n"    // 15
    "    bind_types: [transceiver]\n"            // 16
    "    max_binds: 3\n"                         // 17
    "  - system_id: bulkco\n"                    // 18
    "    password_hash: '" + hash_b + "'\n"      // 19
    "    bind_types:\n"                          // 20
    "      - transmitter\n"                      // 21
    "      - receiver\n";                        // 22

// valid_yaml with one line (1-based) replaced.
std::string with_line(int line, const std::string& replacement) {
    std::string out;
    int n = 1;
    std::size_t start = 0;
    while (start < valid_yaml.size()) {
        auto end = valid_yaml.find('\n', start);
        std::string l = valid_yaml.substr(start, end - start);
        out += (n == line ? replacement : l) + "\n";
        start = end + 1;
        ++n;
    }
    return out;
}

}  // namespace

TEST_CASE("a valid configuration loads with its values", "[conf]") {
    TempConfig f(valid_yaml);
    auto c = load_connector_config(f.path());
    CHECK(c.listener.host == "127.0.0.1");
    CHECK(c.listener.port == 2776);
    CHECK(c.session.system_id == "smpp-connector");  // not set: the default stays
    CHECK(c.session.window == 50);
    CHECK(c.session.response_timeout == std::chrono::milliseconds(2000));
    CHECK(c.session.enquire_link_interval == std::chrono::milliseconds(0));
    CHECK(c.session.bind_timeout == std::chrono::milliseconds(3000));
    CHECK(c.session.unbind_timeout == std::chrono::milliseconds(1000));
    CHECK(c.session.write_queue_limit == 65536);
    CHECK(c.session.max_command_length == 8192);
    CHECK(c.log_level == "debug");
    CHECK(c.io_threads == 1);  // not set: the default
    CHECK(load_connector_config(TempConfig(with_line(12, "io_threads: 3")).path()).io_threads == 3);
    REQUIRE(c.accounts.accounts.size() == 2);
    const auto& acme = c.accounts.accounts[0];
    CHECK(acme.system_id == "acme");
    CHECK(acme.password_hash == hash_a);
    CHECK(acme.bind_types == std::vector<bind_type>{bind_type::transceiver});
    CHECK(acme.max_binds == 3);
    const auto& bulk = c.accounts.accounts[1];
    CHECK(bulk.system_id == "bulkco");
    CHECK(bulk.password_hash == hash_b);
    CHECK(bulk.bind_types == std::vector<bind_type>{bind_type::transmitter, bind_type::receiver});
    CHECK(bulk.max_binds == 1);  // the default
}

TEST_CASE("the example configuration loads", "[conf]") {
    auto c = load_connector_config(std::string(SMPP_SOURCE_DIR) + "/conf/connector.example.yaml");
    CHECK(c.listener.host == "127.0.0.1");
    CHECK(c.listener.port == 2775);
    CHECK(c.listener.max_connections == 4096);
    CHECK(c.listener.max_connections_per_address == 256);
    REQUIRE(c.accounts.accounts.size() == 3);
    CHECK(c.accounts.accounts[0].system_id == "acme");
    CHECK(c.accounts.accounts[1].system_id == "bulkco");
    CHECK(c.accounts.accounts[2].system_id == "otpbank");
    CHECK(c.session.validate().empty());
    // The documented account options, one example of each.
    using namespace smpp::upstream;
    const auto& bulk = c.accounts.accounts[1];
    CHECK(bulk.tps == 100000);
    CHECK(bulk.default_class == traffic_class::bulk);
    CHECK(bulk.routing_profile == "cheapest");
    CHECK(bulk.receipts ==
          ReceiptOptions{multipart_receipts::aggregate, receipt_timeout_state::expired, std::chrono::hours(48)});
    const auto& otp = c.accounts.accounts[2];
    CHECK(otp.default_class == traffic_class::otp);
    CHECK(otp.in_doubt == in_doubt_policy::resend);
    CHECK(otp.admits(boost::asio::ip::make_address("127.0.0.1")));
    CHECK(otp.admits(boost::asio::ip::make_address("::1")));
    CHECK_FALSE(otp.admits(boost::asio::ip::make_address("192.0.2.1")));
    CHECK(c.accounts.lockout.max_failures == 5);
    CHECK(c.accounts.lockout.window == std::chrono::seconds(60));
    CHECK(c.accounts.lockout.max_tracked_addresses == 10000);
    CHECK(c.accounts.accounts[0].mo_numbers == std::vector<std::string>{"12345"});
    CHECK(otp.mo_numbers.empty());
    CHECK(c.mo == smpp::relay::MoSettings{});
}

TEST_CASE("mo_numbers and mo.opt_out_keywords load; the defaults without them", "[conf][mo]") {
    auto plain = parse_connector_config(valid_yaml, "x.yaml");
    CHECK(plain.accounts.accounts[0].mo_numbers.empty());
    CHECK(plain.mo.opt_out_keywords ==
          std::vector<std::string>{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"});
    auto c = parse_connector_config(with_line(17, "    mo_numbers: [\"12345\", \"4477009001*\"]") +
                                        "    mo_numbers: [\"12346\"]\n"
                                        "mo:\n"
                                        "  opt_out_keywords: [stop, Halt]\n",
                                    "x.yaml");
    CHECK(c.accounts.accounts[0].mo_numbers == std::vector<std::string>{"12345", "4477009001*"});
    CHECK(c.accounts.accounts[1].mo_numbers == std::vector<std::string>{"12346"});
    CHECK(c.mo.opt_out_keywords == std::vector<std::string>{"stop", "Halt"});
    auto d = smpp::relay::MoDirectory::of(c.accounts);
    REQUIRE(d.owner("447700900123"));
    CHECK(*d.owner("447700900123") == "acme");
    CHECK(*d.owner("12346") == "bulkco");
}

TEST_CASE("bad mo_numbers and mo keys name their line; a number owned twice names both", "[conf][mo]") {
    CHECK(error_of(with_line(17, "    mo_numbers: [\"12a45\"]")) ==
          "17: accounts[0].mo_numbers[0]: must be digits, optionally ending in '*' for a prefix (\"12345\", "
          "\"4477009001*\")");
    CHECK(error_of(with_line(17, "    mo_numbers: [\"+4477\"]")).starts_with("17: accounts[0].mo_numbers[0]: must be"));
    CHECK(error_of(with_line(17, "    mo_numbers: [\"*\"]")).starts_with("17: accounts[0].mo_numbers[0]: must be"));
    CHECK(error_of(with_line(17, "    mo_numbers: \"12345\"")) ==
          "17: accounts[0].mo_numbers: must be a list of numbers or short codes");
    std::string path;
    const auto twice = error_of(with_line(17, "    mo_numbers: [\"12345\", \"4477*\"]") +
                                    "    mo_numbers:\n      - \"999\"\n      - \"4477*\"\n",
                                &path);
    CHECK(twice == "25: accounts[1].mo_numbers[1]: '4477*' is already owned by account 'acme' "
                   "(accounts[0].mo_numbers[1], " + path + ":17)");
    const auto same = error_of(with_line(17, "    mo_numbers: [\"12345\", \"12345\"]"), &path);
    CHECK(same == "17: accounts[0].mo_numbers[1]: '12345' is already owned by account 'acme' "
                  "(accounts[0].mo_numbers[0], " + path + ":17)");
    CHECK(error_of(valid_yaml + "mo:\n  opt_out_keywords: [\"STOP NOW\"]\n") ==
          "24: mo.opt_out_keywords[0]: must be one word of letters and digits");
    CHECK(error_of(valid_yaml + "mo:\n  keywords: [STOP]\n") ==
          "24: mo.keywords: unknown key (expected one of: opt_out_keywords, duplicate_window)");
    CHECK(error_of(valid_yaml + "mo:\n  opt_out_keywords: STOP\n") == "24: mo.opt_out_keywords: must be a list of words");
    CHECK(error_of(valid_yaml + "mo:\n  duplicate_window: 10\n") ==
          "24: mo.duplicate_window: must be a duration like 90s, 30m, 72h or 3d");
}

TEST_CASE("mo.duplicate_window loads; 10 minutes without it, 0s turns the dedupe off", "[conf][mo]") {
    CHECK(parse_connector_config(valid_yaml, "x.yaml").mo.duplicate_window == std::chrono::minutes(10));
    CHECK(parse_connector_config(valid_yaml + "mo:\n  duplicate_window: 90s\n", "x.yaml").mo.duplicate_window ==
          std::chrono::seconds(90));
    CHECK(parse_connector_config(valid_yaml + "mo:\n  duplicate_window: 0s\n", "x.yaml").mo.duplicate_window ==
          std::chrono::milliseconds(0));
}

TEST_CASE("mo.duplicate_window is at most 7 days", "[conf][mo]") {
    CHECK(parse_connector_config(valid_yaml + "mo:\n  duplicate_window: 7d\n", "x.yaml").mo.duplicate_window ==
          std::chrono::hours(24 * 7));
    CHECK(error_of(valid_yaml + "mo:\n  duplicate_window: 8d\n") == "24: mo.duplicate_window: must be between 0s and 7d");
    // Nine digits of days: would overflow the steady_clock arithmetic of the dedupe.
    CHECK(error_of(valid_yaml + "mo:\n  duplicate_window: 999999999d\n") ==
          "24: mo.duplicate_window: must be between 0s and 7d");
}

TEST_CASE("account options load with their values and defaults", "[conf][accounts]") {
    using namespace smpp::upstream;
    TempConfig f(valid_yaml +
                 "    tps: 250\n"                                           // 23
                 "    allowed_addresses: [192.0.2.0/24, '2001:db8::/32', '::ffff:10.0.0.0/104']\n"  // 24
                 "    traffic_class: otp\n"                                 // 25
                 "    routing_profile: premium-uk\n"                        // 26
                 "    query_tps: 40\n"
                 "    receipts: {multipart: first, on_timeout: expired, timeout: 3d}\n"
                 "    in_doubt: resend\n"
                 "bind_lockout:\n"
                 "  max_failures: 3\n"
                 "  window: 2m\n"
                 "  max_tracked_addresses: 500\n");
    auto c = load_connector_config(f.path());
    const auto& acme = c.accounts.accounts[0];
    CHECK(acme.tps == 0);
    CHECK_FALSE(acme.query_tps);
    CHECK(acme.query_rate() == 0);
    CHECK(acme.allowed_addresses.empty());
    CHECK(acme.default_class == traffic_class::transactional);
    CHECK(acme.routing_profile.empty());
    CHECK(acme.receipts == ReceiptOptions{});
    CHECK(acme.in_doubt == in_doubt_policy::report);
    const auto& bulk = c.accounts.accounts[1];
    CHECK(bulk.tps == 250);
    CHECK(bulk.query_tps == 40u);
    CHECK(bulk.query_rate() == 40);
    REQUIRE(bulk.allowed_addresses.size() == 3);
    CHECK(bulk.allowed_addresses[0].to_string() == "192.0.2.0/24");
    CHECK(bulk.allowed_addresses[1].to_string() == "2001:db8::/32");
    // IPv4-mapped: kept as the IPv4 network, the form peers are compared in.
    CHECK(bulk.allowed_addresses[2].to_string() == "10.0.0.0/8");
    CHECK(bulk.default_class == traffic_class::otp);
    CHECK(bulk.routing_profile == "premium-uk");
    CHECK(bulk.receipts ==
          ReceiptOptions{multipart_receipts::first, receipt_timeout_state::expired, std::chrono::hours(72)});
    CHECK(bulk.in_doubt == in_doubt_policy::resend);
    CHECK(c.accounts.lockout.max_failures == 3);
    CHECK(c.accounts.lockout.window == std::chrono::seconds(120));
    CHECK(c.accounts.lockout.max_tracked_addresses == 500);
}

TEST_CASE("bad account options name their line and field", "[conf][accounts]") {
    auto with = [](const std::string& extra) { return valid_yaml + extra; };
    CHECK(error_of(with("    tps: -1\n")) == "23: accounts[1].tps: must be between 0 and 1000000");
    CHECK(error_of(with("    query_tps: 1000001\n")) == "23: accounts[1].query_tps: must be between 0 and 1000000");
    CHECK(error_of(with("    allowed_addresses: [192.0.2.0/24, 10.0.0.1/8]\n")) ==
          "23: accounts[1].allowed_addresses[1]: must be an IPv4 or IPv6 network like 192.0.2.0/24 or "
          "2001:db8::/32 (no host bits set), or one address");
    CHECK(error_of(with("    allowed_addresses: 10.0.0.0/8\n")) ==
          "23: accounts[1].allowed_addresses: must be a list of CIDR networks");
    CHECK(error_of(with("    allowed_addresses: []\n")) ==
          "23: accounts[1].allowed_addresses: must list at least one network: an empty list would let nobody in; "
          "leave the key out to allow any address");
    CHECK(error_of(with("    traffic_class: premium\n")) ==
          "23: accounts[1].traffic_class: must be one of otp, transactional, bulk");
    CHECK(error_of(with("    in_doubt: retry\n")) == "23: accounts[1].in_doubt: must be one of report, resend");
    CHECK(error_of(with("    receipts:\n      multipart: some\n")) ==
          "24: accounts[1].receipts.multipart: must be one of all, first, last, aggregate");
    CHECK(error_of(with("    receipts:\n      on_timeout: lost\n")) ==
          "24: accounts[1].receipts.on_timeout: must be one of unknown, expired");
    CHECK(error_of(with("    receipts:\n      timeout: 72\n")) ==
          "24: accounts[1].receipts.timeout: must be a duration like 90s, 30m, 72h or 3d");
    CHECK(error_of(with("    receipts:\n      timeout: 31d\n")) ==
          "24: accounts[1].receipts.timeout: must be between 1m and 30d");
    CHECK(error_of(with("    receipts:\n      timout: 1h\n")) ==
          "24: accounts[1].receipts.timout: unknown key (expected one of: multipart, on_timeout, timeout)");
    CHECK(error_of(with("bind_lockout:\n  max_failures: 0\n")) ==
          "24: bind_lockout.max_failures: must be between 1 and 1000");
    CHECK(error_of(with("bind_lockout:\n  window: 2s\n  window: 3s\n")) == "25: bind_lockout.window: duplicate key");
    CHECK(error_of(with("bind_lockout:\n  window: 25h\n")) == "24: bind_lockout.window: must be between 1s and 24h");
    CHECK(error_of(with("bind_lockout:\n  max_tracked: 5\n")) ==
          "24: bind_lockout.max_tracked: unknown key (expected one of: max_failures, window, max_tracked_addresses)");
}

TEST_CASE("the error names the file", "[conf]") {
    TempConfig f(with_line(17, "    max_binds: 0"));
    try {
        load_connector_config(f.path());
        FAIL("loaded");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == f.path() + ":17: accounts[0].max_binds: must be between 1 and 64");
        CHECK(e.file() == f.path());
        CHECK(e.line() == 17);
    }
}

TEST_CASE("a missing file is an error", "[conf]") {
    CHECK_THROWS_WITH(load_connector_config("/nonexistent/smpp.yaml"), "/nonexistent/smpp.yaml: cannot open the file");
}

TEST_CASE("missing fields are errors at their parent's line", "[conf]") {
    CHECK(error_of(with_line(3, "")) == "2: listener.port: is required");
    CHECK(error_of(with_line(15, "")) == "14: accounts[0].password_hash: is required");
    CHECK(error_of(with_line(16, "")) == "14: accounts[0].bind_types: is required");
    std::string no_accounts = valid_yaml.substr(0, valid_yaml.find("accounts:"));
    CHECK(error_of(no_accounts) == "1: accounts: is required");
}

TEST_CASE("wrong types are errors at the value's line", "[conf]") {
    CHECK(error_of(with_line(3, "  port: twenty")) == "3: listener.port: must be an integer");
    CHECK(error_of(with_line(3, "  port: \"2775\"")) == "3: listener.port: must be an integer");
    CHECK(error_of(with_line(5, "  window: 1.5")) == "5: session.window: must be an integer");
    CHECK(error_of(with_line(5, "  window: [1]")) == "5: session.window: must be an integer");
    CHECK(error_of(with_line(14, "  - system_id: [acme]")) == "14: accounts[0].system_id: must be a string");
    CHECK(error_of(with_line(16, "    bind_types: transceiver")) == "16: accounts[0].bind_types: must be a list");
    CHECK(error_of("listener:\n  port: 1\nsession: 5\naccounts: []\n") == "3: session: must be a mapping");
    CHECK(error_of("listener:\n  port: 1\naccounts: {}\n") == "3: accounts: must be a list");
    CHECK(error_of("- just\n- a list\n") == "1: the configuration must be a mapping");
}

TEST_CASE("out of range values are errors at the value's line", "[conf]") {
    CHECK(error_of(with_line(3, "  port: 70000")) == "3: listener.port: must be between 0 and 65535");
    CHECK(error_of(with_line(3, "  port: -1")) == "3: listener.port: must be between 0 and 65535");
    CHECK(error_of(with_line(3, "  port: 99999999999999999999999")) == "3: listener.port: must be between 0 and 65535");
    CHECK(error_of(with_line(2, "  host: localhost")) == "2: listener.host: must be an IPv4 or IPv6 address");
    CHECK(error_of(with_line(17, "    max_binds: 65")) == "17: accounts[0].max_binds: must be between 1 and 64");
    CHECK(error_of(with_line(6, "  response_timeout_ms: 90000000")) ==
          "6: session.response_timeout_ms: must be between 0 and 86400000");
    CHECK(error_of(with_line(12, "log_level: verbose")) ==
          "12: log_level: must be one of trace, debug, info, warn, error, critical, off");
    CHECK(error_of(with_line(12, "io_threads: 0")) == "12: io_threads: must be between 1 and 64");
    CHECK(error_of(with_line(12, "io_threads: two")) == "12: io_threads: must be an integer");
    CHECK(error_of(with_line(21, "      - transciever")) ==
          "21: accounts[1].bind_types[0]: must be one of transmitter, receiver, transceiver");
    CHECK(error_of(with_line(15, "    password_hash: hunter2")) ==
          "15: accounts[0].password_hash: must be a crypto_pwhash_str hash (see smpp-connector hash-password)");
}

TEST_CASE("a password_hash libsodium cannot read, or too dear to verify, is refused at its line", "[conf][accounts]") {
    // hash_a cut short: the prefix is right, but no password would ever match.
    CHECK(error_of(with_line(15, "    password_hash: \"" + hash_a.substr(0, hash_a.size() - 20) + "\"")) ==
          "15: accounts[0].password_hash: is not a hash libsodium can read (cut short or edited?); make one with "
          "smpp-connector hash-password");
    // hash_a with m=4 GiB: every bind attempt, a wrong password's too, would cost that much.
    std::string dear = hash_a;
    dear.replace(dear.find("m=65536"), 7, "m=4194304");
    CHECK(error_of(with_line(15, "    password_hash: \"" + dear + "\"")) ==
          "15: accounts[0].password_hash: costs too much to verify on every bind: at most m=1048576 (KiB, 1 GiB) "
          "and t=10 (smpp-connector hash-password makes m=65536,t=2)");
}

TEST_CASE("session settings rejected by SessionSettings::validate point at their key", "[conf]") {
    CHECK(error_of(with_line(5, "  window: 0")) == "5: session.window: must be >= 1");
    CHECK(error_of(with_line(6, "  response_timeout_ms: 0")) == "6: session.response_timeout_ms: must be > 0");
    CHECK(error_of(with_line(11, "  max_command_length: 8")) ==
          "11: session.max_command_length: must be between 98 and 1048576");
}

TEST_CASE("session.max_command_length is bounded: a peer may not make us allocate more than 1 MiB", "[conf]") {
    // Each session reads up to max_command_length before the peer binds.
    CHECK(error_of(with_line(11, "  max_command_length: 4294967295")) ==
          "11: session.max_command_length: must be between 98 and 1048576");
    CHECK(error_of(with_line(11, "  max_command_length: 1048577")) ==
          "11: session.max_command_length: must be between 98 and 1048576");
    // The largest legal bind_transceiver is 98 octets.
    CHECK(error_of(with_line(11, "  max_command_length: 97")) ==
          "11: session.max_command_length: must be between 98 and 1048576");
    CHECK(load_connector_config(TempConfig(with_line(11, "  max_command_length: 98")).path())
              .session.max_command_length == 98);
    CHECK(load_connector_config(TempConfig(with_line(11, "  max_command_length: 1048576")).path())
              .session.max_command_length == 1048576);
}

TEST_CASE("a config with a second YAML document is an error at its '---'", "[conf]") {
    // YAML::Load would have dropped the second document's settings silently.
    CHECK(error_of(valid_yaml + "---\nlog_level: trace\n") ==
          "23: a second YAML document starts here: the file must hold one document");
}

TEST_CASE("unknown and duplicate keys are errors", "[conf]") {
    CHECK(error_of(with_line(5, "  windw: 50")) ==
          "5: session.windw: unknown key (expected one of: system_id, window, response_timeout_ms, "
          "enquire_link_interval_ms, bind_timeout_ms, unbind_timeout_ms, write_queue_limit, max_command_length)");
    CHECK(error_of(with_line(17, "    max_bind: 3")) ==
          "17: accounts[0].max_bind: unknown key (expected one of: system_id, password_hash, bind_types, max_binds, "
          "tps, query_tps, max_backlog, allowed_addresses, traffic_class, routing_profile, receipts, in_doubt, mo_numbers, "
          "default_region, require_valid_numbers, schedule)");
    CHECK(error_of(with_line(12, "loglevel: debug")) ==
          "12: loglevel: unknown key (expected one of: listener, session, bind_lockout, accounts, log_level, io_threads, "
          "carriers_file, routes, routes_file, ledger, forward, mo, health, admin, receipt_timeouts, routing_policies)");
    CHECK(error_of(with_line(6, "  window: 60")) == "6: session.window: duplicate key");
}

TEST_CASE("forward: retries and holds load with their values and defaults; bad ones name their line", "[conf]") {
    {
        TempConfig f(valid_yaml);
        const auto c = load_connector_config(f.path());
        CHECK(c.forward.retry_base == std::chrono::seconds(1));
        CHECK(c.forward.retry_max == std::chrono::seconds(300));
        CHECK(c.forward.max_retry_rounds == 10);
        CHECK(c.forward.max_hold == std::chrono::hours(48));
        CHECK(c.forward.carrier_stall == std::chrono::seconds(5));
        CHECK(c.forward.outage_retry_max == std::chrono::seconds(30));
        CHECK(c.forward.concat_window == std::chrono::minutes(10));
        CHECK(c.forward.in_doubt_resend_after == std::chrono::minutes(6));
        CHECK(c.forward.split_payload);
    }
    TempConfig f(valid_yaml +
                 "forward:\n"                 // 23
                 "  retry_base: 2s\n"         // 24
                 "  retry_max: 10m\n"         // 25
                 "  max_retry_rounds: 4\n"    // 26
                 "  max_hold: 3d\n"           // 27
                 "  carrier_stall: 30s\n"     // 28
                 "  outage_retry_max: 1m\n"   // 29
                 "  concat_window: 2m\n");     // 30
    const auto c = load_connector_config(f.path());
    CHECK(c.forward.retry_base == std::chrono::seconds(2));
    CHECK(c.forward.retry_max == std::chrono::minutes(10));
    CHECK(c.forward.max_retry_rounds == 4);
    CHECK(c.forward.max_hold == std::chrono::hours(72));
    CHECK(c.forward.carrier_stall == std::chrono::seconds(30));
    CHECK(c.forward.outage_retry_max == std::chrono::minutes(1));
    CHECK(c.forward.concat_window == std::chrono::minutes(2));
    CHECK(load_connector_config(TempConfig(valid_yaml + "forward: {concat_window: 0s}\n").path())
              .forward.concat_window == std::chrono::seconds(0));
    CHECK_FALSE(load_connector_config(TempConfig(valid_yaml + "forward: {split_payload: false}\n").path())
                    .forward.split_payload);
    CHECK(load_connector_config(TempConfig(valid_yaml + "forward: {max_hold: 0s}\n").path()).forward.max_hold ==
          std::chrono::seconds(0));

    auto with = [](const std::string& extra) { return valid_yaml + extra; };
    CHECK(error_of(with("forward:\n  retry_base: 0s\n")) == "24: forward.retry_base: must be between 1s and 24h");
    CHECK(error_of(with("forward:\n  retry_base: 1000\n")) ==
          "24: forward.retry_base: must be a duration like 90s, 30m, 72h or 3d");
    CHECK(error_of(with("forward:\n  retry_base: 10m\n  retry_max: 1m\n")) ==
          "25: forward.retry_max: retry_max must be >= retry_base");
    CHECK(error_of(with("forward:\n  max_retry_rounds: -1\n")) ==
          "24: forward.max_retry_rounds: must be between 0 and 1000");
    CHECK(error_of(with("forward:\n  max_hold: 31d\n")) == "24: forward.max_hold: must be between 0s and 30d");
    CHECK(error_of(with("forward:\n  carrier_stall: 0s\n")) == "24: forward.carrier_stall: must be between 1s and 1h");
    CHECK(error_of(with("forward:\n  stall: 5s\n")) ==
          "24: forward.stall: unknown key (expected one of: retry_base, retry_max, max_retry_rounds, max_hold, "
          "carrier_stall, outage_retry_max, concat_window, split_payload, in_doubt_resend_after)");
    CHECK(error_of(with("forward:\n  split_payload: maybe\n")) == "24: forward.split_payload: must be true or false");
    CHECK(error_of(with("forward:\n  concat_window: 2d\n")) ==
          "24: forward.concat_window: must be between 0s and 24h");
    CHECK(error_of(with("forward:\n  outage_retry_max: 0s\n")) ==
          "24: forward.outage_retry_max: must be between 1s and 24h");
    CHECK(error_of(with("forward:\n  in_doubt_resend_after: 1m\n")) ==
          "24: forward.in_doubt_resend_after: must be 0s or at least 5m (a carrier's late answer may come up to 5 "
          "minutes after its timeout)");
    CHECK(load_connector_config(TempConfig(valid_yaml + "forward: {in_doubt_resend_after: 0s}\n").path())
              .forward.in_doubt_resend_after == std::chrono::seconds(0));
}

TEST_CASE("duplicate system_ids are errors at the second one", "[conf]") {
    CHECK(error_of(with_line(18, "  - system_id: acme")) == "18: accounts[1].system_id: duplicate of accounts[0]");
}

TEST_CASE("YAML syntax errors give the parser's line", "[conf]") {
    CHECK(error_of(with_line(16, "    bind_types: [transceiver")) == "17: invalid YAML: end of sequence flow not found");
}

// The forward path's keys, after valid_yaml's 22 lines.
namespace {
const std::string carriers_path = std::string(SMPP_SOURCE_DIR) + "/conf/carriers.example.yaml";
std::string with_forward(const std::string& tail) {
    return valid_yaml + "carriers_file: " + carriers_path + "\n" + tail;  // carriers_file is line 23
}
}  // namespace

TEST_CASE("without carriers_file there are no carriers, routes or ledger to open", "[conf]") {
    TempConfig f(valid_yaml);
    auto c = load_connector_config(f.path());
    CHECK(c.carriers_file.empty());
    CHECK(c.carriers.empty());
    CHECK(c.routes.empty());
    CHECK(c.ledger.path == "var/ledger");
    CHECK(c.ledger.sync);
}

TEST_CASE("carriers_file, routes and ledger load", "[conf]") {
    TempConfig f(with_forward("routes:\n"                         // 24
                              "  - prefix: 44\n"                   // 25
                              "    carriers: [carrier01, carrier05]\n"
                              "  - prefix: \"\"\n"
                              "    carriers: [carrier04]\n"
                              "ledger:\n"
                              "  path: /tmp/somewhere/ledger\n"
                              "  sync: false\n"));
    auto c = load_connector_config(f.path());
    CHECK(c.carriers_file == carriers_path);
    REQUIRE(c.carriers.size() == 40);
    CHECK(c.carriers[0].id == "carrier01");
    REQUIRE(c.routes.size() == 2);
    CHECK(c.routes[0].prefix == "44");
    CHECK(c.routes[0].carriers == std::vector<std::string>{"carrier01", "carrier05"});
    CHECK(c.routes[1].prefix.empty());
    CHECK(c.routes[1].carriers == std::vector<std::string>{"carrier04"});
    CHECK(c.ledger.path == "/tmp/somewhere/ledger");
    CHECK_FALSE(c.ledger.sync);
}

TEST_CASE("the example connector config has carriers, routes and a ledger under var/", "[conf]") {
    auto c = load_connector_config(std::string(SMPP_SOURCE_DIR) + "/conf/connector.example.yaml");
    CHECK(c.carriers_file == std::string(SMPP_SOURCE_DIR) + "/conf/carriers.example.yaml");
    CHECK(c.carriers.size() == 40);
    REQUIRE(c.routes.size() == 4);
    CHECK(c.routes[3].prefix.empty());
    CHECK(c.ledger.path == "var/ledger");
}

TEST_CASE("bad forward-path keys name their file, line and field", "[conf]") {
    CHECK(error_of(valid_yaml + "carriers_file: /nonexistent/carriers.yaml\n") ==
          "23: carriers_file: cannot read '/nonexistent/carriers.yaml'");
    std::string path;
    const auto nearby = error_of(valid_yaml + "carriers_file: nearby.yaml\n", &path);  // beside the config
    CHECK(nearby == "23: carriers_file: cannot read '" + (fs::path(path).parent_path() / "nearby.yaml").string() + "'");
    CHECK(error_of(valid_yaml + "routes:\n  - prefix: 44\n    carriers: [carrier01]\n") ==
          "24: routes: needs carriers_file (the carriers the routes name)");
    CHECK(error_of(with_forward("routes:\n  - prefix: +44\n    carriers: [carrier01]\n")) ==
          "25: routes[0].prefix: must be digits only (\"\" is the default route)");
    // A prefix the route table cannot hold fails here, not at startup.
    CHECK(error_of(with_forward("routes:\n  - prefix: \"1234567890123456\"\n    carriers: [carrier01]\n")) ==
          "25: routes[0].prefix: '1234567890123456' is longer than 15 digits");
    CHECK(error_of(with_forward("routes:\n  - prefix: \"123456789012345\"\n    carriers: [carrier01]\n")).empty());
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carriers: [carrier01]\n"
                                "  - prefix: '44'\n    carriers: [carrier02]\n")) ==
          "27: routes[1].prefix: duplicate of routes[0]");
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carriers: [carrier01, carrier99]\n")) ==
          "26: routes[0].carriers[1]: unknown carrier 'carrier99' (not in " + carriers_path + ")");
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carriers: [carrier01, carrier01]\n")) ==
          "26: routes[0].carriers[1]: carrier 'carrier01' listed twice");
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carriers: []\n")) ==
          "26: routes[0].carriers: must be a list of one or more carrier ids");
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n")) == "25: routes[0].carriers: is required");
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carrier: [carrier01]\n")) ==
          "26: routes[0].carrier: unknown key (expected one of: prefix, carriers)");
    CHECK(error_of(with_forward("routes: 44\n")) == "24: routes: must be a list");
    CHECK(error_of(with_forward("ledger:\n  path: ''\n")) == "25: ledger.path: must not be empty");
    CHECK(error_of(with_forward("ledger:\n  sync: maybe\n")).starts_with("25: ledger.sync: "));
    CHECK(error_of(with_forward("ledger:\n  size: 3\n")) ==
          "25: ledger.size: unknown key (expected one of: path, sync, journal, journal_segment_mb, retention_days, "
          "rocksdb_options, background_low_priority, open_record_cache)");
    CHECK_THAT(error_of(with_forward("ledger:\n  rocksdb_options: \"recycle_log_file_num=4\"\n")),
               Catch::StartsWith("25: ledger.rocksdb_options: recycle_log_file_num is refused"));
    CHECK(error_of(with_forward("ledger:\n  rocksdb_options: \"no_such_option=1\"\n")).starts_with(
        "25: ledger.rocksdb_options: "));
    CHECK(error_of(with_forward("ledger:\n  journal_segment_mb: 0\n")) ==
          "25: ledger.journal_segment_mb: must be between 1 and 2048");
    CHECK(error_of(with_forward("ledger:\n  journal: often\n")).starts_with("25: ledger.journal: "));
    CHECK(error_of(with_forward("ledger:\n  open_record_cache: -1\n")) ==
          "25: ledger.open_record_cache: must be between 0 and 50000000");
}

TEST_CASE("routes_file loads a YAML or CSV route table beside the config; its errors name its own line",
          "[conf][routing]") {
    TempConfig f(with_forward("routes_file: routes.csv\nledger:\n  retention_days: 7\n  open_record_cache: 1000000\n"));
    const auto dir = fs::path(f.path()).parent_path();
    std::ofstream(dir / "routes.csv") << "prefix,country,carrier,priority,cost,weight,classes,sender_types,data_codings,"
                                         "profile,window,utc_offset,zone\n"
                                         "44,GB,carrier01,1,9000,1,,,,,,,\n"
                                         "44,GB,carrier05,2,7000,1,,,,,,,\n"
                                         ",,carrier04,1,15000,1,,,,,,,\n";
    auto c = load_connector_config(f.path());
    CHECK(c.routes.empty());
    CHECK(c.routes_file == (dir / "routes.csv").string());
    REQUIRE(c.route_table.entries.size() == 2);
    CHECK(c.ledger.retention_days == 7);
    CHECK(c.ledger.open_record_cache == 1'000'000);

    std::ofstream(dir / "routes.yaml") << "routes:\n"
                                          "  - prefix: \"44\"\n"
                                          "    candidates:\n"
                                          "      - {carrier: carrier99, priority: 1}\n";
    TempConfig bad(with_forward("routes_file: " + (dir / "routes.yaml").string() + "\n"));
    try {
        load_connector_config(bad.path());
        FAIL("a route table naming an unknown carrier loaded");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              (dir / "routes.yaml").string() + ":4: routes[0].candidates[0].carrier: unknown carrier 'carrier99'");
        CHECK(e.line() == 4);
    }
    CHECK(error_of(with_forward("routes_file: missing.yaml\n")).starts_with("24: routes_file: cannot read '"));
    CHECK(error_of(with_forward("routes:\n  - prefix: 44\n    carriers: [carrier01]\nroutes_file: x.yaml\n")) ==
          "27: routes_file: routes and routes_file exclude each other");
    CHECK(error_of(valid_yaml + "routes_file: x.yaml\n") ==
          "23: routes_file: needs carriers_file (the carriers the routes name)");
    CHECK(error_of(with_forward("ledger:\n  retention_days: 0\n")).starts_with("25: ledger.retention_days: "));
}

TEST_CASE("routes_file: a CSV with a byte order mark loads; an empty YAML table is an error at its line 1",
          "[conf][routing]") {
    TempConfig f(with_forward("routes_file: routes.csv\n"));
    const auto dir = fs::path(f.path()).parent_path();
    std::ofstream(dir / "routes.csv") << "\xEF\xBB\xBFprefix,carrier\n44,carrier01\n";
    CHECK(load_connector_config(f.path()).route_table.entries.size() == 1);

    TempConfig empty(with_forward("routes_file: routes.yaml\n"));
    const auto routes = (fs::path(empty.path()).parent_path() / "routes.yaml").string();
    std::ofstream(routes) << "";
    try {
        load_connector_config(empty.path());
        FAIL("an empty route table loaded");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == routes + ":1: the file must be a mapping with a 'routes' list");
        CHECK(e.line() == 1);
    }
}

TEST_CASE("max_backlog loads per account; 100000 by default, 0 for no limit", "[conf][accounts]") {
    auto plain = parse_connector_config(valid_yaml, "x.yaml");
    CHECK(plain.accounts.accounts[0].max_backlog == 100'000);
    auto c = parse_connector_config(with_line(17, "    max_backlog: 0"), "x.yaml");
    CHECK(c.accounts.accounts[0].max_backlog == 0);
    CHECK(error_of(with_line(17, "    max_backlog: -1")).starts_with("17: accounts[0].max_backlog: "));
}

TEST_CASE("default_region and require_valid_numbers load per account; none and false by default",
          "[conf][accounts]") {
    auto plain = parse_connector_config(valid_yaml, "x.yaml");
    CHECK(plain.accounts.accounts[0].default_region.empty());
    CHECK_FALSE(plain.accounts.accounts[0].require_valid_numbers);
    auto c = parse_connector_config(valid_yaml + "    default_region: GB\n    require_valid_numbers: true\n", "x.yaml");
    CHECK(c.accounts.accounts[1].default_region == "GB");
    CHECK(c.accounts.accounts[1].require_valid_numbers);
    auto in = parse_connector_config(with_line(17, "    default_region: IN"), "x.yaml");
    CHECK(in.accounts.accounts[0].default_region == "IN");
}

TEST_CASE("a default_region libphonenumber does not know names its line", "[conf][accounts]") {
    const std::string expected = "accounts[1].default_region: must be an ISO 3166-1 alpha-2 region with a "
                                 "numbering plan, like GB or US";
    for (const char* region : {"UK", "gb", "ZZ", "001", "GBR", "\"\""}) {
        INFO(region);
        CHECK(error_of(valid_yaml + "    default_region: " + region + "\n") == "23: " + expected);
    }
    CHECK(error_of(valid_yaml + "    require_valid_numbers: maybe\n")
              .starts_with("23: accounts[1].require_valid_numbers: "));
}

TEST_CASE("schedule limits load per account; 30d ahead and 1h back by default", "[conf][accounts]") {
    using namespace std::chrono_literals;
    auto plain = parse_connector_config(valid_yaml, "x.yaml");
    CHECK(plain.accounts.accounts[0].schedule == smpp::upstream::ScheduleLimits{});
    CHECK(plain.accounts.accounts[0].schedule.max_ahead == 24h * 30);
    CHECK(plain.accounts.accounts[0].schedule.past_tolerance == 1h);
    auto c = parse_connector_config(valid_yaml + "    schedule: {max_ahead: 7d, past_tolerance: 90s}\n", "x.yaml");
    CHECK(c.accounts.accounts[1].schedule.max_ahead == 24h * 7);
    CHECK(c.accounts.accounts[1].schedule.past_tolerance == 90s);
    CHECK(c.accounts.accounts[0].schedule == smpp::upstream::ScheduleLimits{});
    // One key alone keeps the other's default; 0s tolerates no lag; the bounds load.
    auto one = parse_connector_config(valid_yaml + "    schedule:\n      past_tolerance: 0s\n", "x.yaml");
    CHECK(one.accounts.accounts[1].schedule.max_ahead == 24h * 30);
    CHECK(one.accounts.accounts[1].schedule.past_tolerance == 0s);
    auto edges = parse_connector_config(valid_yaml + "    schedule: {max_ahead: 1m, past_tolerance: 1d}\n", "x.yaml");
    CHECK(edges.accounts.accounts[1].schedule.max_ahead == 1min);
    CHECK(edges.accounts.accounts[1].schedule.past_tolerance == 24h);
    auto year = parse_connector_config(valid_yaml + "    schedule: {max_ahead: 365d}\n", "x.yaml");
    CHECK(year.accounts.accounts[1].schedule.max_ahead == 24h * 365);
}

TEST_CASE("bad schedule limits name their line and field", "[conf][accounts]") {
    auto with = [](const std::string& extra) { return valid_yaml + extra; };
    CHECK(error_of(with("    schedule:\n      max_ahead: 30\n")) ==
          "24: accounts[1].schedule.max_ahead: must be a duration like 90s, 30m, 72h or 3d");
    CHECK(error_of(with("    schedule:\n      max_ahead: 366d\n")) ==
          "24: accounts[1].schedule.max_ahead: must be between 1m and 365d");
    CHECK(error_of(with("    schedule:\n      max_ahead: 59s\n")) ==
          "24: accounts[1].schedule.max_ahead: must be between 1m and 365d");
    CHECK(error_of(with("    schedule:\n      max_ahead: 0s\n")) ==
          "24: accounts[1].schedule.max_ahead: must be between 1m and 365d");
    CHECK(error_of(with("    schedule:\n      past_tolerance: 25h\n")) ==
          "24: accounts[1].schedule.past_tolerance: must be between 0s and 1d");
    CHECK(error_of(with("    schedule:\n      past_tolerance: -1h\n")) ==
          "24: accounts[1].schedule.past_tolerance: must be a duration like 90s, 30m, 72h or 3d");
    CHECK(error_of(with("    schedule:\n      ahead: 1d\n")) ==
          "24: accounts[1].schedule.ahead: unknown key (expected one of: max_ahead, past_tolerance)");
    CHECK(error_of(with("    schedule: 30d\n")).starts_with("23: accounts[1].schedule: "));
}

TEST_CASE("receipt_timeouts says per traffic class whether an overdue message is re-sent or reported",
          "[conf][receipts]") {
    using smpp::upstream::in_doubt_policy;
    using smpp::upstream::traffic_class;
    CHECK(parse_connector_config(valid_yaml, "x.yaml").receipt_timeouts.empty());  // all report
    auto c = parse_connector_config(valid_yaml + "receipt_timeouts: {otp: resend, bulk: report}\n", "x.yaml");
    CHECK(c.receipt_timeouts == std::map<traffic_class, in_doubt_policy>{{traffic_class::otp, in_doubt_policy::resend},
                                                                          {traffic_class::bulk, in_doubt_policy::report}});
    CHECK(error_of(valid_yaml + "receipt_timeouts: {otp: retry}\n") ==
          "23: receipt_timeouts.otp: must be one of report, resend");
    CHECK(error_of(valid_yaml + "receipt_timeouts: {sms: resend}\n") ==
          "23: receipt_timeouts.sms: unknown key (expected one of: otp, transactional, bulk)");
}

TEST_CASE("routing_policies picks the selection policy per traffic class", "[conf]") {
    using smpp::routing::Policy;
    auto d = parse_connector_config(valid_yaml, "x.yaml");
    CHECK(d.routing_policies[0] == Policy::priority);
    CHECK(d.routing_policies[2] == Policy::lcr);
    auto c = parse_connector_config(valid_yaml + "routing_policies: {otp: priority, bulk: quality}\n", "x.yaml");
    CHECK(c.routing_policies[0] == Policy::priority);
    CHECK(c.routing_policies[1] == Policy::priority);
    CHECK(c.routing_policies[2] == Policy::quality);
    CHECK(error_of(valid_yaml + "routing_policies: {bulk: cheapest}\n") ==
          "23: routing_policies.bulk: must be one of priority, lcr, weighted, quality");
}

TEST_CASE("routing profiles that match nothing are warned about, both ways", "[conf][accounts]") {
    smpp::conf::ConnectorConfig c;
    smpp::upstream::Account vip;
    vip.system_id = "vip";
    vip.routing_profile = "premium";
    smpp::upstream::Account typo;
    typo.system_id = "typo";
    typo.routing_profile = "premuim";
    smpp::upstream::Account plain;
    plain.system_id = "plain";
    c.accounts.accounts = {vip, typo, plain};
    smpp::routing::RouteEntry e;
    e.prefix = "44";
    e.candidates.resize(3);
    e.candidates[0].carrier = "c1";
    e.candidates[0].profile = "premium";
    e.candidates[1].carrier = "c2";
    e.candidates[1].profile = "wholesale";
    e.candidates[2].carrier = "c3";
    c.route_table.entries.push_back(e);
    const auto w = smpp::conf::routing_profile_warnings(c);
    REQUIRE(w.size() == 2);
    CHECK(w[0] == "account typo: routing_profile 'premuim' is reserved by no route candidate; it routes as an "
                  "account without one");
    CHECK(w[1] == "route candidates reserved for routing_profile 'wholesale': no account has that profile, so they "
                  "are never used");
    c.accounts.accounts = {vip};
    c.route_table.entries[0].candidates.resize(1);
    CHECK(smpp::conf::routing_profile_warnings(c).empty());
}

TEST_CASE("listener connection limits load, default, and are bounded", "[conf]") {
    auto c = parse_connector_config(with_line(3, "  port: 2775\n  max_connections: 100\n  max_connections_per_address: 0"),
                                    "smpp.yaml");
    CHECK(c.listener.max_connections == 100);
    CHECK(c.listener.max_connections_per_address == 0);  // no limit
    CHECK(parse_connector_config(valid_yaml, "smpp.yaml").listener.max_connections_per_address == 256);
    CHECK(error_of(with_line(3, "  port: 2775\n  max_connections: -1")) ==
          "4: listener.max_connections: must be between 0 and 1000000");
}
