// The carrier driven from several threads, run by two: every call posts onto
// its strand, so nothing here needs a lock. Run under ThreadSanitizer with
// the [tsan] tag.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

#include "smpp/carrier/carrier.hpp"
#include "test_smsc.hpp"

using namespace smpp::carrier;
using namespace smpp::carrier::test;

namespace {

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (!pred()) {
        if (clock_type::now() >= deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

}  // namespace

TEST_CASE("carrier: submits from two threads onto a carrier run by two threads", "[tsan]") {
    // spdlog's registry is a lazily built static inside libspdlog.so, which
    // TSan does not instrument: its first use from two threads at once is
    // reported as a race TSan cannot see the guard of. Build it here first.
    spdlog::default_logger_raw();
    Loop smsc_loop;
    TestSmsc smsc(smsc_loop);
    smsc.answer_delay = 5ms;
    std::thread smsc_thread([&] { smsc_loop.ioc.run(); });

    boost::asio::io_context ioc;
    auto guard = boost::asio::make_work_guard(ioc);
    std::thread r1([&] { ioc.run(); });
    std::thread r2([&] { ioc.run(); });

    auto s = test_settings(smsc.port());
    s.binds = 2;
    s.window = 5;
    auto c = Carrier::create(ioc.get_executor(), s);
    c->start();
    const bool bound = wait_for([&] { return all_bound(*c); }, 3s);

    std::atomic<int> done{0}, sent{0};
    auto produce = [&](char tag) {
        for (int i = 0; i < 100; ++i) {
            c->submit(SubmitRequest{std::string(1, tag) + std::to_string(i), message_class::bulk,
                                    submit_sm(std::string(1, tag) + std::to_string(i))},
                      [&](SubmitOutcome o) {
                          if (std::holds_alternative<Sent>(o)) ++sent;
                          ++done;
                      });
            (void)c->snapshot();
        }
    };
    std::thread p1(produce, 'a'), p2(produce, 'b');
    p1.join();
    p2.join();
    const bool all_done = wait_for([&] { return done.load() == 200; }, 5s);

    std::atomic<bool> stopped{false};
    c->stop([&] { stopped = true; });
    const bool carrier_stopped = wait_for([&] { return stopped.load(); }, 3s);
    std::atomic<bool> smsc_stopped{false};
    smsc.stop_async([&] { smsc_stopped = true; });
    wait_for([&] { return smsc_stopped.load(); }, 3s);

    guard.reset();
    ioc.stop();
    r1.join();
    r2.join();
    smsc_loop.guard.reset();
    smsc_loop.ioc.stop();
    smsc_thread.join();

    CHECK(bound);
    CHECK(all_done);
    CHECK(carrier_stopped);
    CHECK(sent.load() == 200);
    CHECK(smsc.submits.size() == 200);
    CHECK(smsc.max_outstanding <= 5);
}
