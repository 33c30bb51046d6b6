// Loopback throughput of one bind: pipelined submit_sm -> submit_sm_resp
// pairs between our Client (ESME role) and our Listener (SMSC role), window
// 100, the listener's handler answering at once. Arg 1: one io_context
// thread shared by both sides; arg 2: one io_context thread per side.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/client.hpp"
#include "smpp/session/listener.hpp"

namespace {

using namespace smpp::session;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Answering : SessionHandler {
    void on_bind_request(Session&, const BindRequest&, BindVerdict verdict) override {
        verdict(smpp::protocol::command_status::ESME_ROK);
    }
    void on_request(Session& s, smpp::protocol::Pdu&& request) override {
        smpp::protocol::Pdu resp{smpp::protocol::command_status::ESME_ROK, request.sequence_number,
                                 smpp::protocol::SubmitSmResp{"0123456789abcdef"}};
        s.respond(std::move(resp));
    }
};

struct IoThread {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread{[this] { ioc.run(); }};
    ~IoThread() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

// Keeps `window` submit_sm in flight until `total` got their resp.
struct Pump {
    std::shared_ptr<Session> session;
    smpp::protocol::SubmitSm message;
    std::uint64_t to_send = 0, done = 0, total = 0, errors = 0;
    std::mutex mu;
    std::condition_variable cv;
    bool finished = false;

    void send_one() {
        --to_send;
        session->send_request(message, [this](std::error_code ec, smpp::protocol::Pdu) {
            if (ec) ++errors;
            if (++done == total) {
                std::lock_guard lock(mu);
                finished = true;
                cv.notify_one();
            } else if (to_send > 0) {
                send_one();
            }
        });
    }

    void run(std::uint64_t n, std::uint32_t window) {
        to_send = total = n;
        done = 0;
        finished = false;
        asio::dispatch(session->get_executor(), [this, window] {
            for (std::uint32_t i = 0; i < window && to_send > 0; ++i) send_one();
        });
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return finished; });
    }
};

void BM_session_submit_sm_pairs(benchmark::State& state) {
    spdlog::set_level(spdlog::level::warn);
    const bool shared = state.range(0) == 1;
    IoThread server_io;
    std::optional<IoThread> client_io_storage;
    if (!shared) client_io_storage.emplace();
    auto& client_ioc = shared ? server_io.ioc : client_io_storage->ioc;

    SessionSettings ss;
    ss.system_id = "bench-smsc";
    ss.window = 100;
    ss.enquire_link_interval = std::chrono::milliseconds(0);
    auto listener = Listener::create(server_io.ioc.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), ss,
                                     [](const tcp::endpoint&) { return std::make_shared<Answering>(); });
    listener->start();

    ClientSettings cs;
    cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
    cs.bind.type = bind_type::transceiver;
    cs.bind.system_id = "bench";
    cs.bind.password = "pw";
    cs.session = ss;
    cs.session.system_id = "bench-esme";
    auto client = Client::create(client_ioc.get_executor(), cs, std::make_shared<SessionHandler>());
    client->start();
    for (int i = 0; i < 5'000 && !client->session(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!client->session()) {
        state.SkipWithError("no bind");
        return;
    }

    Pump pump;
    pump.session = client->session();
    pump.message.source = {1, 1, "12345"};
    pump.message.dest = {1, 1, "4915112345678"};
    pump.message.registered_delivery = 1;
    pump.message.short_message = "Your verification code is 123456. It expires in 10 minutes.";

    constexpr std::uint64_t batch = 20'000;
    for (auto _ : state) pump.run(batch, ss.window);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    state.counters["errors"] = static_cast<double>(pump.errors);

    std::mutex mu;
    std::condition_variable cv;
    int stopped = 0;
    auto one_stopped = [&] {
        std::lock_guard lock(mu);
        ++stopped;
        cv.notify_one();
    };
    client->stop(one_stopped);
    listener->stop(one_stopped);
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return stopped == 2; });
}

BENCHMARK(BM_session_submit_sm_pairs)->Arg(1)->Arg(2)->ArgName("io_threads")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
