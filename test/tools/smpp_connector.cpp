// End to end: the smpp-connector executable with a temp config on a free
// port, driven by our own ESME-role Session over 127.0.0.1.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <catch2/catch.hpp>

#include "smpp/session/session.hpp"
#include "smpp/session/session_error.hpp"
#include "../listen_port.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using smpp::protocol::command_status;
using smpp::protocol::Pdu;
using smpp::session::bind_type;
using smpp::session::BindRequest;
using smpp::session::close_reason;
using tcp = asio::ip::tcp;

const std::string binary = std::string(SMPP_BINARY_DIR) + "/bin/smpp-connector";

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// `smpp-connector hash-password --password pw`: also tests the subcommand.
std::string hash_of(const std::string& password) {
    std::string cmd = binary + " hash-password --password '" + password + "'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[256] = {};
    std::string out = fgets(buf, sizeof buf, p) ? buf : "";
    REQUIRE(pclose(p) == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::uint16_t free_port() { return smpp_test::listen_port(); }

// The server process with its own temp directory for config and log.
class Server {
public:
    Server() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("smpp-connector-e2e-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_);
        port_ = free_port();
        const fs::path config = dir_ / "connector.yaml";
        std::ofstream(config) << "listener:\n"
                                 "  host: 127.0.0.1\n"
                                 "  port: " << port_ << "\n"
                                 "session:\n"
                                 "  enquire_link_interval_ms: 0\n"
                                 "  unbind_timeout_ms: 2000\n"
                                 "log_level: debug\n"
                                 "accounts:\n"
                                 "  - system_id: acme\n"
                                 "    password_hash: \"" << hash_of("acmepass") << "\"\n"
                                 "    bind_types: [transceiver]\n"
                                 "    max_binds: 2\n"
                                 "  - system_id: bulkco\n"
                                 "    password_hash: \"" << hash_of("bulkpass") << "\"\n"
                                 "    bind_types: [transmitter, receiver]\n";
        log_ = dir_ / "server.log";

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::string config_s = config.string();
        std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("--config"), config_s.data(),
                                nullptr};
        int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);

        // Ready when it says where it listens (bounded wait).
        const std::string ready = "listening on 127.0.0.1:" + std::to_string(port_);
        for (int i = 0; i < 200 && log().find(ready) == std::string::npos; ++i) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                FAIL("smpp-connector exited early:\n" << log());
            }
            std::this_thread::sleep_for(50ms);
        }
        REQUIRE(log().find(ready) != std::string::npos);
    }

    ~Server() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    std::uint16_t port() const { return port_; }
    std::string log() const { return read_file(log_); }

    // SIGTERM, then the exit status (nullopt if it did not exit within 20 s).
    std::optional<int> terminate() {
        kill(pid_, SIGTERM);
        for (int i = 0; i < 400; ++i) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(50ms);
        }
        return std::nullopt;
    }

private:
    fs::path dir_;
    fs::path log_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

// Every callback runs on the test thread, which pumps the io_context.
struct Peer : smpp::session::SessionHandler {
    std::optional<close_reason> closed;
    void on_closed(smpp::session::Session&, close_reason r) override { closed = r; }
};

struct Esme {
    asio::io_context io;
    std::shared_ptr<Peer> peer = std::make_shared<Peer>();
    std::shared_ptr<smpp::session::Session> session;

    explicit Esme(std::uint16_t port) {
        // Exactly Session::executor_type: Boost 1.74's any_executor::target<T>()
        // does not check T, so a strand of another executor type would be
        // misread by the session.
        tcp::socket socket(asio::make_strand(asio::any_io_executor(io.get_executor())));
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        smpp::session::SessionSettings s;
        s.system_id = "e2e";
        s.enquire_link_interval = 0ms;
        s.response_timeout = 10s;
        s.bind_timeout = 10s;
        s.unbind_timeout = 2s;
        session = smpp::session::Session::create(std::move(socket), smpp::session::role::esme, s, peer);
        session->start();
    }

    template <class Pred>
    bool run_until(Pred pred, std::chrono::milliseconds timeout = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            io.run_for(5ms);
        }
        return true;
    }

    // The response's command_status, or the session error as a failure.
    command_status bind(bind_type type, std::string system_id, std::string password) {
        BindRequest r;
        r.type = type;
        r.system_id = std::move(system_id);
        r.password = std::move(password);
        std::optional<std::pair<std::error_code, Pdu>> out;
        session->bind(r, [&](std::error_code ec, Pdu p) { out.emplace(ec, std::move(p)); });
        REQUIRE(run_until([&] { return out.has_value(); }));
        REQUIRE_FALSE(out->first);
        return out->second.status;
    }

    Pdu request(smpp::protocol::PduBody body) {
        std::optional<std::pair<std::error_code, Pdu>> out;
        session->send_request(std::move(body), [&](std::error_code ec, Pdu p) { out.emplace(ec, std::move(p)); });
        REQUIRE(run_until([&] { return out.has_value(); }));
        REQUIRE_FALSE(out->first);
        return out->second;
    }
};

smpp::protocol::SubmitSm a_submit_sm() {
    smpp::protocol::SubmitSm sm;
    sm.source = {5, 0, "ACME"};
    sm.dest = {1, 1, "447700900123"};
    sm.registered_delivery = 1;
    sm.short_message = "hello";
    return sm;
}

}  // namespace

TEST_CASE("smpp-connector authenticates binds against its accounts", "[tools][smpp-connector]") {
    Server server;
    CHECK(Esme(server.port()).bind(bind_type::transceiver, "acme", "acmepass") == command_status::ESME_ROK);
    CHECK(Esme(server.port()).bind(bind_type::transceiver, "acme", "acmepasS") == command_status::ESME_RINVPASWD);
    CHECK(Esme(server.port()).bind(bind_type::transceiver, "nobody", "acmepass") == command_status::ESME_RINVSYSID);
    CHECK(Esme(server.port()).bind(bind_type::transceiver, "bulkco", "bulkpass") == command_status::ESME_RBINDFAIL);
    CHECK(Esme(server.port()).bind(bind_type::receiver, "bulkco", "bulkpass") == command_status::ESME_ROK);
    CHECK(server.terminate() == 0);
    auto log = server.log();
    CHECK(log.find("verdict=ESME_RINVPASWD") != std::string::npos);
    CHECK(log.find("verdict=ESME_RINVSYSID") != std::string::npos);
}

TEST_CASE("smpp-connector refuses messages it cannot store, and unbinds on SIGTERM", "[tools][smpp-connector]") {
    Server server;
    Esme esme(server.port());
    REQUIRE(esme.bind(bind_type::transceiver, "acme", "acmepass") == command_status::ESME_ROK);

    auto link = esme.request(smpp::protocol::EnquireLink{});
    CHECK(link.id() == smpp::protocol::command_id::enquire_link_resp);
    CHECK(link.status == command_status::ESME_ROK);

    // Invariant 1: no ESME_ROK for a message that no ledger holds.
    auto resp = esme.request(a_submit_sm());
    CHECK(resp.id() == smpp::protocol::command_id::submit_sm_resp);
    CHECK(resp.status == command_status::ESME_RSUBMITFAIL);
    smpp::protocol::QuerySm q;
    q.message_id = "1";
    CHECK(esme.request(q).status == command_status::ESME_RQUERYFAIL);

    // A second session stays bound until the server stops and unbinds it.
    Esme other(server.port());
    REQUIRE(other.bind(bind_type::transceiver, "acme", "acmepass") == command_status::ESME_ROK);
    // max_binds 2 is reached.
    CHECK(Esme(server.port()).bind(bind_type::transceiver, "acme", "acmepass") == command_status::ESME_RBINDFAIL);

    bool unbound = false;
    esme.session->unbind([&] { unbound = true; });
    REQUIRE(esme.run_until([&] { return unbound; }));
    CHECK(esme.peer->closed == close_reason::unbind_by_us);

    // The unbound session's bind was released: a new one fits again.
    Esme third(server.port());
    REQUIRE(third.bind(bind_type::transceiver, "acme", "acmepass") == command_status::ESME_ROK);

    // SIGTERM: the server unbinds the live sessions, then exits 0. Pump
    // both clients so they answer the server's unbind.
    std::optional<int> status;
    std::thread waiter([&] { status = server.terminate(); });
    other.run_until([&] { return other.peer->closed.has_value(); });
    third.run_until([&] { return third.peer->closed.has_value(); });
    waiter.join();
    CHECK(status == 0);
    CHECK(other.peer->closed == close_reason::unbind_by_peer);
    CHECK(third.peer->closed == close_reason::unbind_by_peer);
    auto log = server.log();
    CHECK(log.find("forward path (ledger, routing, carriers) is not built yet") != std::string::npos);
}

TEST_CASE("smpp-connector on a port already in use exits before it opens a ledger or publishes routes",
          "[tools][smpp-connector]") {
    asio::io_context io;
    tcp::acceptor running(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));  // listens
    const auto port = running.local_endpoint().port();
    std::random_device rd;
    const fs::path dir = fs::temp_directory_path() / ("smpp-connector-port-" + std::to_string(rd()));
    fs::create_directories(dir);
    const fs::path config = dir / "connector.yaml";
    const fs::path log = dir / "server.log";
    std::ofstream(config) << "listener: {host: 127.0.0.1, port: " << port << "}\n"
                          << "accounts:\n"
                             "  - system_id: acme\n"
                             "    password_hash: \"" << hash_of("acmepass") << "\"\n"
                             "    bind_types: [transceiver]\n"
                          << "carriers_file: " << SMPP_SOURCE_DIR << "/conf/carriers.example.yaml\n"
                          << "routes:\n  - prefix: \"44\"\n    carriers: [carrier01]\n"
                          << "ledger: {path: " << (dir / "ledger").string() << "}\n";
    const std::string cmd = binary + " --config " + config.string() + " > " + log.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(rc));
    CHECK(WEXITSTATUS(rc) == 1);
    const auto text = read_file(log);
    CHECK(text.find("cannot listen on 127.0.0.1:" + std::to_string(port)) != std::string::npos);
    // The running one's namespace (the port) and a ledger were never touched.
    CHECK_FALSE(fs::exists(dir / "ledger"));
    bool published = false;
    for (const auto& e : fs::directory_iterator("/dev/shm"))
        published |= e.path().filename().string().find("smpp-connector-" + std::to_string(port)) != std::string::npos;
    CHECK_FALSE(published);
    std::error_code ec;
    fs::remove_all(dir, ec);
}
