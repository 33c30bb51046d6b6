// Issue 3 item 6: submit_sm per second that one carrier actor pushes into
// smpp-sim through 4 binds x window 100, and CPU per message. The sim runs
// on its own thread and io_context, the carrier on another; the feeder keeps
// a fixed number of submits queued by submitting the next one from each
// outcome. Plain main: prints one result line.
//   bench_carrier [messages=500000] [queued=2000]
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

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

}  // namespace

int main(int argc, char** argv) {
    const long messages = argc > 1 ? std::atol(argv[1]) : 500'000;
    const long queued = argc > 2 ? std::atol(argv[2]) : 2'000;
    spdlog::set_level(spdlog::level::warn);

    IoThread sim_io, carrier_io;
    smpp::sim::CarrierSettings ss;
    ss.name = "bench";
    ss.system_id = "bench";
    ss.password = "pw";
    ss.session.window = 1000;
    ss.session.enquire_link_interval = 0ms;
    ss.record_limit = 1000;
    auto sim = smpp::sim::SimCarrier::create(sim_io.ioc.get_executor(), ss);
    sim->start();

    smpp::carrier::CarrierSettings cs;
    cs.id = "bench";
    cs.endpoints = {{"127.0.0.1", sim->port()}};
    cs.system_id = "bench";
    cs.password = "pw";
    cs.binds = 4;
    cs.window = 100;
    cs.max_tps = 1'000'000;  // the throttle must not be what we measure
    cs.queue_limit = static_cast<std::size_t>(queued) * 2;
    cs.enquire_link_interval = 0ms;
    auto carrier = smpp::carrier::Carrier::create(carrier_io.ioc.get_executor(), cs);
    carrier->start();
    for (int i = 0; i < 500; ++i) {
        const auto s = carrier->snapshot();
        std::size_t bound = 0;
        for (const auto& b : s.binds) bound += b.state == smpp::carrier::bind_state::bound;
        if (bound == 4) break;
        std::this_thread::sleep_for(10ms);
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
    while (done.load() < messages) std::this_thread::sleep_for(1ms);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

    std::atomic<bool> stopped{false};
    carrier->stop([&] { stopped = true; });
    while (!stopped) std::this_thread::sleep_for(1ms);
    std::atomic<bool> sim_stopped{false};
    sim->stop([&] { sim_stopped = true; });
    while (!sim_stopped) std::this_thread::sleep_for(1ms);
    carrier_io.stop();
    sim_io.stop();

    std::printf(
        "carrier -> smpp-sim, 4 binds x window 100: %ld submit_sm (%ld ROK) in %.3f s = %.0f submit_sm/s; "
        "process CPU %.3f s = %.2f us/msg (carrier thread %.2f us/msg, sim thread %.2f us/msg, whole run)\n",
        messages, sent.load(), wall, messages / wall, cpu, cpu / messages * 1e6, carrier_io.cpu / messages * 1e6,
        sim_io.cpu / messages * 1e6);
    return sent.load() == messages ? 0 : 1;
}
