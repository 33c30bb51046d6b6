#include "routing/health/sliding_window.hpp"

#include <catch2/catch.hpp>

using namespace smpp::routing::health;
using namespace std::chrono_literals;

namespace {
// Aligned to both bucket sizes, so window edges fall on exact seconds.
const time_point t0 = time_point{} + 1000h;
}  // namespace

TEST_CASE("classify_submit sorts command_status into classes") {
    CHECK(classify_submit(0x00) == SubmitClass::ok);
    CHECK(classify_submit(0x58) == SubmitClass::throttled);
    CHECK(classify_submit(0x14) == SubmitClass::throttled);
    CHECK(classify_submit(0x08) == SubmitClass::transient);
    CHECK(classify_submit(0x0b) == SubmitClass::transient);
}

TEST_CASE("latency buckets are half octaves of milliseconds") {
    using H = LatencyHistogram<submit_latency_buckets>;
    CHECK(H::bucket_of(0ms) == 0);
    CHECK(H::bucket_of(1ms) == 0);
    CHECK(H::bucket_of(2ms) == 2);
    CHECK(H::bucket_of(3ms) == 3);  // [2.83, 4)
    CHECK(H::bucket_of(10ms) == 6);  // [8, 11.3)
    CHECK(H::bucket_of(12ms) == 7);  // [11.3, 16)
    CHECK(H::bucket_of(1000ms) == 19);  // [724, 1024)
    CHECK(H::bucket_of(10h) == submit_latency_buckets - 1);
}

TEST_CASE("percentiles come from the buckets") {
    LatencyHistogram<submit_latency_buckets> h;
    CHECK(h.percentile_ms(0.99) == 0);
    for (int i = 0; i < 98; ++i) h.add(10ms);
    h.add(1000ms);
    h.add(1000ms);
    CHECK(h.total() == 100);
    const double p50 = h.percentile_ms(0.5);
    CHECK(p50 >= 8.0);
    CHECK(p50 < 11.32);
    const double p99 = h.percentile_ms(0.99);
    CHECK(p99 >= 724.0);
    CHECK(p99 <= 1024.0);
}

TEST_CASE("each window keeps an event exactly as long as it spans") {
    SlidingWindows w(t0);
    w.add_submit(t0, SubmitClass::ok, 5ms);
    w.add_submit(t0 + 1s, SubmitClass::transient, 5ms);
    w.add_receipt(t0 + 2s, ReceiptState::delivered, 3s);
    auto at = [&](std::chrono::seconds d, Span s) {
        w.advance(t0 + d);
        return w.total(s).submit_total();
    };
    CHECK(at(59s, Span::m1) == 2);
    CHECK(at(59s, Span::m5) == 2);
    CHECK(at(60s, Span::m1) == 0);
    CHECK(at(299s, Span::m5) == 2);
    CHECK(at(300s, Span::m5) == 0);
    CHECK(at(899s, Span::m15) == 2);
    CHECK(at(900s, Span::m15) == 0);
    CHECK(w.total(Span::h1).submit_total() == 2);
    CHECK(w.total(Span::h1).submit_errors() == 1);
    CHECK(w.total(Span::h1).receipt_total() == 1);
    CHECK(at(3599s, Span::h1) == 2);
    CHECK(at(3600s, Span::h1) == 0);
    CHECK(w.total(Span::h1).receipt_total() == 0);
}

TEST_CASE("rolling buckets one by one and jumping far agree") {
    SlidingWindows stepped(t0);
    SlidingWindows jumped(t0);
    for (int i = 0; i < 120; ++i) {
        const auto t = t0 + std::chrono::seconds(i * 5);
        stepped.add_submit(t, i % 10 == 0 ? SubmitClass::transient : SubmitClass::ok, 20ms);
        jumped.add_submit(t, i % 10 == 0 ? SubmitClass::transient : SubmitClass::ok, 20ms);
    }
    // 600 s of events: the 5 min window holds the last 60 of them.
    CHECK(stepped.total(Span::m5).submit_total() == 60);
    CHECK(stepped.total(Span::m5).submit_errors() == 6);
    CHECK(stepped.total(Span::m1).submit_total() == 12);
    CHECK(stepped.total(Span::m15).submit_total() == 120);
    for (int s = 600; s <= 4200; s += 10) stepped.advance(t0 + std::chrono::seconds(s));
    jumped.advance(t0 + 4200s);
    for (auto span : {Span::m1, Span::m5, Span::m15, Span::h1}) {
        CHECK(stepped.total(span).submit_total() == 0);
        CHECK(jumped.total(span).submit_total() == 0);
    }
    // An event stamped before the newest bucket lands in the newest one.
    jumped.add_submit(t0, SubmitClass::ok, 1ms);
    CHECK(jumped.total(Span::m1).submit_total() == 1);
}

TEST_CASE("rates: errors over submits, delivered over final receipts") {
    Counts c;
    CHECK(c.error_rate() == 0);
    CHECK(c.delivery_rate() < 0);
    c.submits[static_cast<std::size_t>(SubmitClass::ok)] = 95;
    c.submits[static_cast<std::size_t>(SubmitClass::no_response)] = 3;
    c.submits[static_cast<std::size_t>(SubmitClass::throttled)] = 2;
    c.receipts[static_cast<std::size_t>(ReceiptState::delivered)] = 9;
    c.receipts[static_cast<std::size_t>(ReceiptState::expired)] = 1;
    CHECK(c.error_rate() == Approx(0.05));
    CHECK(c.delivery_rate() == Approx(0.9));
    // A refusal of the message itself is a submit, not a carrier error.
    c.submits[static_cast<std::size_t>(SubmitClass::permanent)] = 25;
    CHECK(c.submit_errors() == 5);
    CHECK(c.error_rate() == Approx(0.04));
}
