// Issue 3 item 6: submit_sm per second that one carrier actor pushes into
// smpp-sim through 4 binds x window 100, and CPU per message. The sim runs
// on its own thread and io_context, the carrier on another; the feeder keeps
// a fixed number of submits queued by submitting the next one from each
// outcome. Plain main: prints one result line.
//   bench_carrier [messages=500000] [queued=2000]
//                 [--target host:port [--system-id bench] [--password pw]]
// --target skips the in-process sim and drives an external smpp-sim instead,
// so tools/smpp-bench/kannel-bench can put us and Kannel against the same
// simulator process; the CPU figure is then ours alone.
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "smpp/carrier/carrier.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

double cpu_seconds(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

struct IoThread {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::atomic<double> cpu{0};
    std::thread thread{[this] {
        ioc.run();
        cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    }};
    void stop() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

struct Target {
    std::string host;
    std::uint16_t port = 0;
};

struct Args {
    long messages = 500'000;
    long queued = 2'000;
    std::optional<Target> target;
    std::string system_id = "bench";
    std::string password = "pw";
};

std::optional<Target> parse_target(std::string_view s) {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const long port = std::atol(std::string(s.substr(colon + 1)).c_str());
    if (port <= 0 || port > 65535) return std::nullopt;
    return Target{std::string(s.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

std::optional<Args> parse_args(int argc, char** argv) {
    Args a;
    std::vector<std::string_view> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--target" && has_value) {
            a.target = parse_target(argv[++i]);
            if (!a.target) return std::nullopt;
        } else if (arg == "--system-id" && has_value) {
            a.system_id = argv[++i];
        } else if (arg == "--password" && has_value) {
            a.password = argv[++i];
        } else if (arg.starts_with("--")) {
            return std::nullopt;
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() > 2) return std::nullopt;
    if (positional.size() > 0) a.messages = std::atol(std::string(positional[0]).c_str());
    if (positional.size() > 1) a.queued = std::atol(std::string(positional[1]).c_str());
    if (a.messages <= 0 || a.queued <= 0) return std::nullopt;
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    const auto args = parse_args(argc, argv);
    if (!args) {
        std::fprintf(stderr,
                     "usage: bench_carrier [messages=500000] [queued=2000] "
                     "[--target host:port [--system-id bench] [--password pw]]\n");
        return 2;
    }
    const long messages = args->messages;
    const long queued = args->queued;
    spdlog::set_level(spdlog::level::warn);

    IoThread sim_io, carrier_io;
    std::shared_ptr<smpp::sim::SimCarrier> sim;
    Target target;
    if (args->target) {
        target = *args->target;
    } else {
        smpp::sim::CarrierSettings ss;
        ss.name = "bench";
        ss.system_id = args->system_id;
        ss.password = args->password;
        ss.session.window = 1000;
        ss.session.enquire_link_interval = 0ms;
        ss.record_limit = 1000;
        sim = smpp::sim::SimCarrier::create(sim_io.ioc.get_executor(), ss);
        sim->start();
        target = {"127.0.0.1", sim->port()};
    }

    smpp::carrier::CarrierSettings cs;
    cs.id = "bench";
    cs.endpoints = {{target.host, target.port}};
    cs.system_id = args->system_id;
    cs.password = args->password;
    cs.binds = 4;
    cs.window = 100;
    cs.max_tps = 1'000'000;  // the throttle must not be what we measure
    cs.queue_limit = static_cast<std::size_t>(queued) * 2;
    cs.enquire_link_interval = 0ms;
    auto carrier = smpp::carrier::Carrier::create(carrier_io.ioc.get_executor(), cs);
    carrier->start();
    std::size_t bound = 0;
    for (int i = 0; i < 500 && bound < 4; ++i) {
        const auto s = carrier->snapshot();
        bound = 0;
        for (const auto& b : s.binds) bound += b.state == smpp::carrier::bind_state::bound;
        if (bound < 4) std::this_thread::sleep_for(10ms);
    }
    if (bound < 4) {
        // Nothing to measure; the io threads are still running, hence _Exit.
        std::fprintf(stderr, "bench_carrier: only %zu of 4 binds up after 5 s\n", bound);
        std::fflush(stderr);
        std::_Exit(1);
    }

    smpp::protocol::SubmitSm sm;
    sm.source = {1, 1, "12345"};
    sm.dest = {1, 1, "4915112345678"};
    sm.short_message = "benchmark message of typical length, 60 octets of text ....";
    std::atomic<long> submitted{0}, done{0}, sent{0};
    std::function<void()> submit_one;
    smpp::carrier::SubmitCallback on_outcome = [&](smpp::carrier::SubmitOutcome o) {
        if (std::holds_alternative<smpp::carrier::Sent>(o)) ++sent;
        ++done;
        submit_one();
    };
    submit_one = [&] {
        if (submitted.fetch_add(1) >= messages) return;
        carrier->submit({"b", smpp::carrier::message_class::bulk, sm}, on_outcome);
    };

    const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < queued; ++i) submit_one();
    // Every submit ends in an outcome (in-doubt on response timeout), so a
    // stall means something is broken: give up rather than hang a script.
    long last_done = -1;
    auto last_progress = std::chrono::steady_clock::now();
    while (done.load() < messages) {
        std::this_thread::sleep_for(1ms);
        const long d = done.load();
        const auto now = std::chrono::steady_clock::now();
        if (d != last_done) {
            last_done = d;
            last_progress = now;
        } else if (now - last_progress > 30s) {
            std::fprintf(stderr, "bench_carrier: no outcome for 30 s, %ld of %ld done\n", d, messages);
            std::fflush(stderr);
            std::_Exit(1);
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

    std::atomic<bool> stopped{false};
    carrier->stop([&] { stopped = true; });
    while (!stopped) std::this_thread::sleep_for(1ms);
    if (sim) {
        std::atomic<bool> sim_stopped{false};
        sim->stop([&] { sim_stopped = true; });
        while (!sim_stopped) std::this_thread::sleep_for(1ms);
    }
    carrier_io.stop();
    sim_io.stop();

    if (sim) {
        std::printf(
            "carrier -> smpp-sim, 4 binds x window 100: %ld submit_sm (%ld ROK) in %.3f s = %.0f submit_sm/s; "
            "process CPU %.3f s = %.2f us/msg (carrier thread %.2f us/msg, sim thread %.2f us/msg, whole run)\n",
            messages, sent.load(), wall, messages / wall, cpu, cpu / messages * 1e6, carrier_io.cpu / messages * 1e6,
            sim_io.cpu / messages * 1e6);
    } else {
        std::printf(
            "carrier -> external smpp-sim %s:%u, 4 binds x window 100: %ld submit_sm (%ld ROK) in %.3f s = %.0f "
            "submit_sm/s; process CPU %.3f s = %.2f us/msg (carrier thread %.2f us/msg, whole run)\n",
            target.host.c_str(), unsigned(target.port), messages, sent.load(), wall, messages / wall, cpu,
            cpu / messages * 1e6, carrier_io.cpu / messages * 1e6);
    }
    return sent.load() == messages ? 0 : 1;
}
