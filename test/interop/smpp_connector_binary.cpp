// Interop with the real server binary: build/bin/smpp-connector, started
// with the example configuration's accounts on a free port, takes binds
// from a Net::SMPP and a node-smpp ESME (net_smpp_bind_check.pl,
// node/bind_check.js), refuses their submit_sm with ESME_RSUBMITFAIL (the
// forward path is not built, and a message not stored must never be
// acknowledged), refuses a wrong password and an unknown system_id, and
// exits 0 on SIGTERM.
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "peer_process.hpp"
#include "../listen_port.hpp"

using namespace smpp::interop;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) FAIL("cannot read " << path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// start_connector retries once with another if someone took it meanwhile.
std::uint16_t free_port() { return smpp_test::listen_port(); }

// conf/connector.example.yaml as shipped, with listener.port changed and its
// last section, the forward path, cut off: the accounts under test are
// exactly the documented ones, and with no carriers submit_sm is refused.
std::string example_config_on_port(std::uint16_t port) {
    std::string text = read_text(fs::path(SMPP_SOURCE_DIR) / "conf/connector.example.yaml");
    const auto forward = text.find("\n# The forward path.");
    if (forward == std::string::npos) FAIL("no forward-path section in conf/connector.example.yaml");
    text.resize(forward + 1);
    static const std::regex listener_port(R"(\nlistener:\n(?:[ \t]+[^\n]*\n)*?[ \t]+port:[ \t]*([0-9]+))");
    std::smatch m;
    if (!std::regex_search(text, m, listener_port)) FAIL("no listener.port in conf/connector.example.yaml");
    REQUIRE(text.find("\n  host: 127.0.0.1") != std::string::npos);  // never listen beyond loopback
    auto at = static_cast<std::size_t>(m.position(1));
    return text.replace(at, static_cast<std::size_t>(m.length(1)), std::to_string(port));
}

// A config file that removes itself.
class TempConfig {
public:
    explicit TempConfig(const std::string& text, std::uint16_t port)
        : path_(fs::temp_directory_path() /
                ("smpp-connector-interop-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".yaml")) {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) FAIL("cannot write " << path_);
    }
    TempConfig(TempConfig&& other) noexcept : path_(std::exchange(other.path_, {})) {}
    TempConfig(const TempConfig&) = delete;
    TempConfig& operator=(const TempConfig&) = delete;
    TempConfig& operator=(TempConfig&&) = delete;
    ~TempConfig() {
        std::error_code ignored;
        if (!path_.empty()) fs::remove(path_, ignored);
    }
    const fs::path& path() const noexcept { return path_; }

private:
    fs::path path_;
};

struct Connector {
    std::uint16_t port;
    TempConfig config;
    PeerProcess process;
};

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += "  " + l + "\n";
    return out;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& l : lines)
        if (l.find(text) != std::string::npos) return true;
    return false;
}

// Starts the binary and waits (10 s at most) for its log line saying it
// listens; nullopt if it never did. Its log goes to stdout (spdlog).
std::optional<Connector> try_start_connector(std::vector<std::string>& log) {
    std::uint16_t port = free_port();
    TempConfig config(example_config_on_port(port), port);
    auto process = PeerProcess::start({SMPP_CONNECTOR_BINARY, "--config", config.path().string()});
    const std::string listening = "listening on 127.0.0.1:" + std::to_string(port);
    auto deadline = Clock::now() + 10s;
    while (auto line = process.read_line(deadline)) {
        if (line->find(listening) != std::string::npos) return Connector{port, std::move(config), std::move(process)};
    }
    auto exit = process.finish(Clock::now() + 2s);
    log.insert(log.end(), exit.lines.begin(), exit.lines.end());
    return std::nullopt;
}

Connector start_connector() {
    std::vector<std::string> log;
    if (auto connector = try_start_connector(log)) return std::move(*connector);
    // The free port was taken between our probe and the server's bind: once more.
    if (contains(log, "cannot listen")) {
        if (auto connector = try_start_connector(log)) return std::move(*connector);
    }
    FAIL("smpp-connector did not report listening within 10 s; its output:\n" << joined(log));
    throw std::logic_error("unreachable: FAIL throws");
}

struct Run {
    PeerExit client;
    PeerExit server;
};

Run run_client_against_connector(const std::function<std::vector<std::string>(std::uint16_t)>& client_argv) {
    Connector connector = start_connector();
    auto client = PeerProcess::start(client_argv(connector.port)).finish(Clock::now() + 12s);
    connector.process.send_signal(SIGTERM);
    auto server = connector.process.finish(Clock::now() + 10s);
    return {std::move(client), std::move(server)};
}

std::vector<std::string> result_lines(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines)
        if (l.rfind("RESULT ", 0) == 0) out.push_back(l);
    return out;
}

void check_run(const Run& run) {
    INFO("client stdout:\n" << joined(run.client.lines));
    INFO("server stdout:\n" << joined(run.server.lines));
    const std::vector<std::string> expected{
        "RESULT bind_transceiver bind_transceiver_resp status=0x00000000 ok",
        "RESULT enquire_link enquire_link_resp status=0x00000000 ok",
        "RESULT submit_sm submit_sm_resp status=0x00000045 ok",  // ESME_RSUBMITFAIL, never ROK
        "RESULT unbind unbind_resp status=0x00000000 ok",
        "RESULT bind_wrong_password bind_transceiver_resp status=0x0000000e ok",     // ESME_RINVPASWD
        "RESULT bind_unknown_system_id bind_transceiver_resp status=0x0000000f ok",  // ESME_RINVSYSID
    };
    CHECK(result_lines(run.client.lines) == expected);
    CHECK(run.client.exited);
    CHECK(run.client.exit_code == 0);
    // SIGTERM: unbind every session, then exit 0, within the 10 s we gave it.
    CHECK(run.server.exited);
    CHECK(run.server.exit_code == 0);
}

std::string interop_dir() { return std::string(SMPP_SOURCE_DIR) + "/test/interop"; }

}  // namespace

TEST_CASE("smpp-connector binary: Net::SMPP ESME binds, enquire_link, submit_sm refused, bad credentials",
          "[interop][net_smpp][connector]") {
    auto run = run_client_against_connector([](std::uint16_t port) {
        return std::vector<std::string>{"perl", interop_dir() + "/net_smpp_bind_check.pl", std::to_string(port)};
    });
    check_run(run);
}

TEST_CASE("smpp-connector binary: node-smpp ESME binds, enquire_link, submit_sm refused, bad credentials",
          "[interop][node_smpp][connector]") {
    // A missing install is a broken setup, not a reason to skip: fail loudly.
    if (!fs::exists(interop_dir() + "/node/node_modules/smpp/package.json"))
        FAIL("npm smpp is not installed: run test/interop/node/install.sh");
    auto run = run_client_against_connector([](std::uint16_t port) {
        return std::vector<std::string>{"node", interop_dir() + "/node/bind_check.js", std::to_string(port)};
    });
    check_run(run);
}
