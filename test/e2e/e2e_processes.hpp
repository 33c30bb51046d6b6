#pragma once
// End-to-end fixtures: the real executables (build/bin/smpp-sim,
// smpp-connector, smpp-bench) as child processes with generated configs in
// a temp directory, and readers for what each one leaves behind: the
// bench's acks file, the simulator's record (control port "received"), and
// the connector's ledger (opened offline once the server stopped).
// Every wait is bounded by a count and a time.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include "../listen_port.hpp"

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline std::string bin(const std::string& tool) { return std::string(SMPP_BINARY_DIR) + "/bin/" + tool; }

inline std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::uint16_t free_port() { return smpp_test::listen_port(); }

// A temp directory removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("smpp-e2e-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// One child process, stdout and stderr into `log`. Killed (SIGKILL) if
// still running when destroyed.
class Process {
public:
    Process(const std::string& binary, std::vector<std::string> args, fs::path log) : log_(std::move(log)) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::vector<char*> argv{const_cast<char*>(binary.c_str())};
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);
    }
    ~Process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    std::string log() const { return read_text(log_); }
    bool running() {
        if (pid_ <= 0) return false;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return false;
        }
        return true;
    }

    // Waits (bounded) until the log contains `text`; false if it did not
    // appear in time or the process exited first.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (log().find(text) != std::string::npos) return true;
            if (!running()) return log().find(text) != std::string::npos;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    // The exit status once it exits within `timeout`, else nullopt.
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (running()) {
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            std::this_thread::sleep_for(20ms);
        }
        return exit_;
    }

    void signal(int sig) {
        if (pid_ > 0) ::kill(pid_, sig);
    }
    // SIGKILL and reap: the crash the ledger must survive.
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        exit_ = 128 + SIGKILL;
    }
    std::optional<int> terminate(std::chrono::milliseconds timeout = 20s) {
        signal(SIGTERM);
        return wait(timeout);
    }

private:
    fs::path log_;
    pid_t pid_ = -1;
    std::optional<int> exit_;
};

// The value after "<key> " on the first line starting with it ("control 4321").
inline std::optional<std::string> log_value(const std::string& log, const std::string& key) {
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
    return std::nullopt;
}

// One control-port command; returns the whole answer ("ok ..." plus, for
// "received", its k lines).
inline std::string control(std::uint16_t port, const std::string& command) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(s, asio::buffer(command + "\n"));
    std::string data;
    std::size_t lines = 0, expected = 1;
    char chunk[65536];
    while (lines < expected) {
        const std::size_t n = s.read_some(asio::buffer(chunk));  // throws on EOF: the answer was cut short
        for (std::size_t i = 0; i < n; ++i) {
            data += chunk[i];
            if (chunk[i] != '\n') continue;
            if (++lines == 1 && command.rfind("received", 0) == 0 && data.rfind("ok ", 0) == 0)
                expected = 1 + std::stoull(data.substr(3));
        }
    }
    return data;
}

// What a simulated carrier recorded for one submit_sm.
struct SimSubmit {
    std::string carrier;
    std::string message_id;   // the carrier's id, as in submit_sm_resp
    std::string token;        // smpp-bench's "m<index>" at the start of short_message
    std::string dest;
    std::uint32_t command_status = 0;
    std::string short_message;  // as received (raw octets, a UDH included)
};

inline std::string json_string_field(const std::string& line, const std::string& key) {
    const std::string k = "\"" + key + "\":\"";
    auto p = line.find(k);
    if (p == std::string::npos) return {};
    p += k.size();
    return line.substr(p, line.find('"', p) - p);
}

inline std::string unhex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

// A concatenated part's UDH (smpp-bench --parts: 05 00 03 ref total seq) is
// not part of the token.
inline std::string_view text_of(std::string_view short_message) {
    if (short_message.size() > 6 && short_message.substr(0, 3) == std::string_view("\x05\x00\x03", 3))
        short_message.remove_prefix(6);
    return short_message;
}
inline std::string token_of(const std::string& short_message) {
    const auto text = text_of(short_message);
    return std::string(text.substr(0, text.find(' ')));
}

// The simulator process with a generated config: `carriers` carriers named
// c1..cN on free ports, credentials cN / pwN, record ring big enough for a
// run, receipts held back beyond any run.
class Sim {
public:
    Sim(const fs::path& dir, int carriers, std::size_t record_limit) {
        const auto config = dir / "sim.yaml";
        std::ofstream out(config);
        out << "seed: 7\nlog_level: warn\ncontrol: {host: 127.0.0.1, port: 0}\nrecord_limit: " << record_limit
            << "\nsession: {window: 1000, enquire_link_interval_ms: 0}\ncarriers:\n";
        for (int i = 1; i <= carriers; ++i) {
            names_.push_back("c" + std::to_string(i));
            out << "  - name: c" << i << "\n    port: 0\n    system_id: c" << i << "\n    password: pw" << i
                << "\n    message_id: {format: " << (i % 2 ? "hex" : "decimal") << "}\n"
                // The connector asks every carrier for a receipt; these runs
                // audit the forward path, so the receipts come after them
                // (a day later): records stay as the forward path left them.
                << "    receipts: {delay_ms: 86400000}\n";
        }
        out.close();
        process_.emplace(bin("smpp-sim"), std::vector<std::string>{"--config", config.string()}, dir / "sim.log");
        REQUIRE(process_->wait_for_log("ready\n"));
        const auto log = process_->log();
        for (const auto& n : names_) {
            auto v = log_value(log, "carrier " + n);
            REQUIRE(v);
            ports_[n] = static_cast<std::uint16_t>(std::stoi(*v));
        }
        auto c = log_value(log, "control");
        REQUIRE(c);
        control_port_ = static_cast<std::uint16_t>(std::stoi(*c));
    }

    const std::vector<std::string>& names() const { return names_; }
    std::uint16_t port(const std::string& name) const { return ports_.at(name); }
    std::uint16_t control_port() const { return control_port_; }
    Process& process() { return *process_; }

    std::uint64_t submits(const std::string& carrier) const {
        const auto a = control(control_port_, "stats " + carrier);
        const std::string k = "\"submits\":";
        auto p = a.find(k);
        REQUIRE(p != std::string::npos);
        return std::stoull(a.substr(p + k.size()));
    }
    std::uint64_t total_submits() const {
        std::uint64_t n = 0;
        for (const auto& c : names_) n += submits(c);
        return n;
    }
    // Waits until no carrier received anything new for `quiet` (bounded).
    std::uint64_t wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        auto last = total_submits();
        auto since = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100ms);
            const auto now = total_submits();
            if (now != last) {
                last = now;
                since = std::chrono::steady_clock::now();
            } else if (std::chrono::steady_clock::now() - since >= quiet) {
                break;
            }
        }
        return last;
    }

    // Waits (bounded) until the carriers received at least n in all, then
    // until they are quiet, so a message sent twice would still be counted.
    std::uint64_t wait_total(std::uint64_t n, std::chrono::milliseconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (total_submits() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
        return wait_quiet(1s, 10s);
    }

    std::vector<SimSubmit> received(std::size_t limit) const {
        std::vector<SimSubmit> out;
        for (const auto& c : names_) {
            std::istringstream in(control(control_port_, "received " + c + " " + std::to_string(limit)));
            std::string line;
            std::getline(in, line);
            REQUIRE(line.rfind("ok ", 0) == 0);
            while (std::getline(in, line)) {
                SimSubmit s;
                s.carrier = c;
                s.message_id = json_string_field(line, "message_id");
                s.short_message = unhex(json_string_field(line, "short_message"));
                s.token = token_of(s.short_message);
                if (const auto at = line.find("\"dest\":{"); at != std::string::npos)
                    s.dest = json_string_field(line.substr(at), "addr");
                s.command_status = static_cast<std::uint32_t>(std::stoul(json_string_field(line, "command_status"), nullptr, 16));
                out.push_back(std::move(s));
            }
        }
        return out;
    }

private:
    std::vector<std::string> names_;
    std::map<std::string, std::uint16_t> ports_;
    std::uint16_t control_port_ = 0;
    std::optional<Process> process_;
};

// `smpp-connector hash-password --password pw`.
inline std::string hash_of(const std::string& password) {
    const std::string cmd = bin("smpp-connector") + " hash-password --password '" + password + "'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[256] = {};
    std::string out = fgets(buf, sizeof buf, p) ? buf : "";
    REQUIRE(pclose(p) == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// The connector's configuration: account e2e/e2epass (transmitter and
// transceiver, 8 binds), routes by the digit after "44" dealt round-robin
// over the carriers (440 -> c1, 441 -> c2, ...), the ledger in `dir`.
struct ConnectorFiles {
    fs::path config;
    fs::path ledger;
    std::uint16_t port = 0;
};

// Every carrier at `max_tps`; `max_sending` 0 leaves the carriers' default
// credits (relay/carrier_credits.hpp). `shared_route`: instead, one "44"
// route (routes.yaml) whose carriers all tie, shared by weight.
// `accepts_message_payload` false: no carrier takes message_payload.
inline ConnectorFiles write_connector_config(const fs::path& dir, const Sim& sim, std::uint32_t max_tps = 100'000,
                                             std::uint32_t max_sending = 0, bool shared_route = false,
                                             bool accepts_message_payload = true) {
    ConnectorFiles f;
    f.config = dir / "connector.yaml";
    f.ledger = dir / "ledger";
    f.port = free_port();
    {
        std::ofstream c(dir / "carriers.yaml");
        c << "carriers:\n";
        int i = 0;
        for (const auto& n : sim.names()) {
            ++i;
            c << "  - id: " << n << "\n    endpoints: [\"127.0.0.1:" << sim.port(n) << "\"]\n    system_id: " << n
              << "\n    password: pw" << i
              << "\n    binds: 2\n    window: 200\n    max_tps: " << max_tps << "\n    queue_limit: 200000\n"
              << "    enquire_link_interval_ms: 0\n    reconnect: {base_ms: 100, max_ms: 1000, jitter: 0.5}\n";
            if (max_sending != 0) c << "    max_sending: " << max_sending << "\n";
            if (!accepts_message_payload) c << "    accepts_message_payload: false\n";
        }
    }
    std::ofstream out(f.config);
    out << "listener:\n  host: 127.0.0.1\n  port: " << f.port
        << "\nsession:\n  window: 1000\n  enquire_link_interval_ms: 0\n  unbind_timeout_ms: 2000\n"
           // Two io threads: the end-to-end tests (and their ThreadSanitizer
           // run in tools/test) drive the server multi-threaded.
           "log_level: info\nio_threads: 2\naccounts:\n  - system_id: e2e\n    password_hash: \""
        << hash_of("e2epass")
        << "\"\n    bind_types: [transmitter, transceiver]\n    max_binds: 8\n"
           "carriers_file: carriers.yaml\n";
    const auto& names = sim.names();
    if (shared_route) {
        out << "routes_file: routes.yaml\n";
        std::ofstream r(dir / "routes.yaml");
        r << "routes:\n  - prefix: \"44\"\n    country: GB\n    candidates:\n";
        for (const auto& n : names) r << "      - { carrier: " << n << ", priority: 1 }\n";
    } else {
        out << "routes:\n";
        for (int d = 0; d < 10; ++d)
            out << "  - prefix: \"44" << d << "\"\n    carriers: [" << names[static_cast<std::size_t>(d) % names.size()]
                << "]\n";
        out << "  - prefix: \"\"\n    carriers: [" << names.back() << "]\n";
    }
    out << "ledger:\n  path: " << f.ledger.string() << "\n  sync: true\n";
    return f;
}

// `carrier_binds`: also waits until that many carrier binds are up, for a
// test that checks how messages spread over carriers (a carrier still
// binding when the first submits come is passed over: no share of them).
inline std::unique_ptr<Process> start_connector(const ConnectorFiles& f, const fs::path& log,
                                                std::size_t carrier_binds = 0) {
    auto p = std::make_unique<Process>(bin("smpp-connector"), std::vector<std::string>{"--config", f.config.string()},
                                       log);
    const bool up = p->wait_for_log("listening on 127.0.0.1:" + std::to_string(f.port));
    INFO(p->log());
    REQUIRE(up);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    auto bound = [&p] {
        // carrier.cpp's "carrier <id>: bind <i> (<type>) bound", once per bind
        const auto text = p->log();
        std::size_t n = 0;
        for (auto at = text.find("] carrier "); at != std::string::npos; at = text.find("] carrier ", at + 1)) {
            const auto eol = text.find('\n', at);
            const auto line = text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
            n += line.find(": bind ") != std::string::npos && line.ends_with(") bound");
        }
        return n;
    };
    while (bound() < carrier_binds && std::chrono::steady_clock::now() < deadline && p->running())
        std::this_thread::sleep_for(20ms);
    REQUIRE(bound() >= carrier_binds);
    return p;
}

// One line of smpp-bench's acks file.
struct Ack {
    std::uint64_t index = 0;
    unsigned bind = 0;
    std::uint32_t sequence_number = 0;
    std::string status;  // 8 hex digits, or a session error word
    std::string message_id;
};

inline std::vector<Ack> read_acks(const fs::path& p) {
    std::vector<Ack> out;
    std::ifstream in(p);
    Ack a;
    while (in >> a.index >> a.bind >> a.sequence_number >> a.status >> a.message_id) out.push_back(a);
    return out;
}

}  // namespace e2e
