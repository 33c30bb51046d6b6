// smpp-sim: simulated carrier SMSCs (one port each) for tests, benchmarks
// and chaos. Faults change at runtime through the control port; SIGUSR1
// toggles "refuse binds" on every carrier.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "tools/smpp-sim/control_port.hpp"
#include "tools/smpp-sim/sim_config.hpp"

namespace {

namespace asio = boost::asio;

void wait_signals(asio::signal_set& signals, const smpp::sim::Carriers& carriers, std::function<void()> shutdown) {
    signals.async_wait([&signals, &carriers, shutdown](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig != SIGUSR1) return shutdown();
        for (const auto& c : carriers) {
            auto plan = c->faults();
            plan.refuse_binds = !plan.refuse_binds;
            c->set_faults(plan);
            spdlog::warn("smpp-sim: {} refuse_binds {}", c->name(), plan.refuse_binds ? "on" : "off");
        }
        wait_signals(signals, carriers, shutdown);
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"smpp-sim: simulated carrier SMSCs with fault injection"};
    std::string config_path = "conf/sim.example.yaml";
    int control_port = -1;
    unsigned threads = 1;
    app.add_option("-c,--config", config_path, "YAML configuration")->capture_default_str();
    app.add_option("--control-port", control_port, "control port on 127.0.0.1 (overrides the config; 0 picks one)");
    app.add_option("--threads", threads, "network threads")->check(CLI::Range(1u, 64u))->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    smpp::sim::SimConfig cfg;
    try {
        cfg = smpp::sim::load_sim_config(config_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "smpp-sim: %s\n", e.what());
        return 2;
    }
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    if (control_port >= 0) {
        cfg.control.enabled = true;
        cfg.control.port = static_cast<std::uint16_t>(control_port);
    }

    asio::io_context io(static_cast<int>(threads));
    smpp::sim::Carriers carriers;
    std::shared_ptr<smpp::sim::ControlPort> control;
    try {
        for (auto& c : cfg.carriers) carriers.push_back(smpp::sim::SimCarrier::create(io.get_executor(), c));
        if (cfg.control.enabled)
            control = smpp::sim::ControlPort::create(
                io.get_executor(), {asio::ip::make_address(cfg.control.host), cfg.control.port}, carriers,
                [&io] { asio::post(io, [&io] { io.stop(); }); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "smpp-sim: %s\n", e.what());
        return 1;
    }

    // Scripts and tests read these lines to learn the ports (port 0 picks).
    for (const auto& c : carriers) {
        c->start();
        std::printf("carrier %s %u\n", c->name().c_str(), c->port());
    }
    if (control) {
        control->start();
        std::printf("control %u\n", control->local_endpoint().port());
    }
    std::printf("ready\n");
    std::fflush(stdout);

    asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
    bool stopping = false;
    wait_signals(signals, carriers, [&] {
        if (stopping) return;
        stopping = true;
        if (control) control->stop();
        auto left = std::make_shared<std::size_t>(carriers.size());
        for (const auto& c : carriers)
            c->stop([&io, left] {
                if (--*left == 0) io.stop();
            });
    });

    std::vector<std::thread> pool;
    for (unsigned k = 1; k < threads; ++k) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    return 0;
}
