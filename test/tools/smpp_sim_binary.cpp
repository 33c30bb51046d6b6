// End to end: the smpp-sim executable with a temp config (ports 0), its
// stdout announcing the ports, the control port, SIGUSR1 and quit.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "test/tools/sim_fixture.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace smpp::sim::test;
using smpp::session::bind_type;

const std::string sim_binary = std::string(SMPP_BINARY_DIR) + "/bin/smpp-sim";

class SimProcess {
public:
    SimProcess() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("smpp-sim-e2e-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_);
        const fs::path config = dir_ / "sim.yaml";
        std::ofstream(config) << "log_level: warn\n"
                                 "control: {port: 0}\n"
                                 "session: {enquire_link_interval_ms: 0}\n"
                                 "carriers:\n"
                                 "  - {name: c1, port: 0, system_id: esme1, password: secret}\n"
                                 "  - {name: c2, port: 0, system_id: esme1, password: secret,\n"
                                 "     message_id: {format: decimal, width: 6}}\n";
        out_ = dir_ / "out.txt";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        std::string config_s = config.string();
        std::vector<char*> argv{const_cast<char*>(sim_binary.c_str()), const_cast<char*>("--config"),
                                config_s.data(), nullptr};
        int rc = posix_spawn(&pid_, sim_binary.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);
        for (int i = 0; i < 200 && output().find("ready\n") == std::string::npos; ++i)
            std::this_thread::sleep_for(25ms);
        INFO(output());
        REQUIRE(output().find("ready\n") != std::string::npos);
        std::istringstream lines(output());
        std::string word, name;
        while (lines >> word) {
            if (word == "carrier" && lines >> name) lines >> ports[name];
            if (word == "control") lines >> ports["control"];
        }
    }
    ~SimProcess() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string output() const {
        std::ifstream in(out_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    void signal(int sig) const { kill(pid_, sig); }
    // The exit status, or nullopt if it did not exit within 10 s.
    std::optional<int> wait_exit() {
        for (int i = 0; i < 400; ++i) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(25ms);
        }
        return std::nullopt;
    }

    std::map<std::string, std::uint16_t> ports;

private:
    fs::path dir_;
    fs::path out_;
    pid_t pid_ = -1;
};

// Sends one command line, returns its answer line(s).
std::string control(Loop& loop, RawPeer& peer, const std::string& line, std::size_t lines = 1) {
    peer.send(Bytes(line.begin(), line.end()));
    std::string got;
    loop.run_until([&] {
        auto more = peer.drain_for(loop, 1ms);
        got.append(more.begin(), more.end());
        return static_cast<std::size_t>(std::count(got.begin(), got.end(), '\n')) >= lines;
    });
    return got;
}

smpp::protocol::command_status bind_status(Loop& loop, std::uint16_t port) {
    auto s = connect_esme(loop, port, std::make_shared<Recorder>());
    Outcome out;
    s->bind(bind_request(bind_type::transceiver), out.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    s->close();
    return out.pdu.status;
}

}  // namespace

TEST_CASE("smpp-sim binary: ports on stdout, control port, SIGUSR1 and quit", "[tools][smpp-sim]") {
    SimProcess sim;
    REQUIRE(sim.ports.count("c1") == 1);
    REQUIRE(sim.ports.count("c2") == 1);
    REQUIRE(sim.ports.count("control") == 1);
    Loop loop;
    auto ctl = RawPeer::connect(sim.ports["control"]);
    CHECK(control(loop, ctl, "list\n") ==
          "ok c1=" + std::to_string(sim.ports["c1"]) + " c2=" + std::to_string(sim.ports["c2"]) + "\n");

    auto s = connect_esme(loop, sim.ports["c2"], std::make_shared<Recorder>());
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    REQUIRE(loop.run_until([&] { return bound.done; }));
    REQUIRE(bound.pdu.status == command_status::ESME_ROK);
    Outcome out;
    s->send_request(submit_sm(), out.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    CHECK(out.pdu.as<smpp::protocol::SubmitSmResp>()->message_id == "000001");
    CHECK(control(loop, ctl, "fault c2 submit_status 0x58 1\n") == "ok submit_status=0x58@1\n");
    Outcome throttled;
    s->send_request(submit_sm(), throttled.handler());
    REQUIRE(loop.run_until([&] { return throttled.done; }));
    CHECK(throttled.pdu.status == command_status::ESME_RTHROTTLED);
    s->close();

    sim.signal(SIGUSR1);  // refuse binds on every carrier
    CHECK(loop.run_until([&] { return control(loop, ctl, "faults c1\n") == "ok refuse_binds=on\n"; }));
    CHECK(bind_status(loop, sim.ports["c1"]) == command_status::ESME_RBINDFAIL);
    sim.signal(SIGUSR1);  // and back
    CHECK(loop.run_until([&] { return control(loop, ctl, "faults c1\n") == "ok none\n"; }));
    CHECK(bind_status(loop, sim.ports["c1"]) == command_status::ESME_ROK);

    auto stats = control(loop, ctl, "stats c2\n");
    CHECK(stats.find("\"submits\":2") != std::string::npos);
    CHECK(stats.find("\"resps\":{\"0x00000000\":1,\"0x00000058\":1}") != std::string::npos);
    CHECK(control(loop, ctl, "quit\n") == "ok bye\n");
    CHECK(sim.wait_exit() == 0);
}

TEST_CASE("smpp-sim binary: a bad config exits 2 with file:line", "[tools][smpp-sim]") {
    auto dir = fs::temp_directory_path() / ("smpp-sim-bad-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    std::ofstream(dir / "bad.yaml") << "carriers:\n  - {name: c1, port: 0, system_id: s, password: p, colour: red}\n";
    const std::string cmd = sim_binary + " --config " + (dir / "bad.yaml").string() + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[512] = {};
    std::string out = fgets(buf, sizeof buf, p) ? buf : "";
    const int status = pclose(p);
    CHECK(WEXITSTATUS(status) == 2);
    CHECK(out.rfind("smpp-sim: " + (dir / "bad.yaml").string() + ":2: carriers[0].colour: unknown key", 0) == 0);
    fs::remove_all(dir);
}
