#include "tools/smpp-bench/latency_histogram.hpp"

#include <catch2/catch.hpp>

using smpp::bench::LatencyHistogram;
using namespace std::chrono_literals;

TEST_CASE("LatencyHistogram: exact below 256 ns, then within 1/128", "[smpp-bench]") {
    CHECK(LatencyHistogram::index_of(0) == 0);
    CHECK(LatencyHistogram::index_of(255) == 255);
    CHECK(LatencyHistogram::index_of(256) == 256);
    CHECK(LatencyHistogram::upper_edge(256) == 257);
    CHECK(LatencyHistogram::index_of(257) == 256);
    CHECK(LatencyHistogram::index_of(258) == 257);
    for (std::uint64_t v : {300ull, 1'000ull, 123'456ull, 2'000'000ull, 987'654'321ull, 1ull << 40}) {
        const auto i = LatencyHistogram::index_of(v);
        CHECK(LatencyHistogram::upper_edge(i) >= v);
        CHECK(static_cast<double>(LatencyHistogram::upper_edge(i) - v) <= static_cast<double>(v) / 128.0);
        CHECK(LatencyHistogram::index_of(LatencyHistogram::upper_edge(i)) == i);
        CHECK(LatencyHistogram::index_of(LatencyHistogram::upper_edge(i) + 1) == i + 1);
    }
    CHECK(LatencyHistogram::index_of(~0ull) == LatencyHistogram::bucket_count - 1);
}

TEST_CASE("LatencyHistogram: quantiles, max and merge", "[smpp-bench]") {
    LatencyHistogram h;
    CHECK(h.quantile(0.5) == 0ns);
    for (int i = 1; i <= 100; ++i) h.record(std::chrono::nanoseconds(i));
    CHECK(h.count() == 100);
    CHECK(h.quantile(0.5) == 50ns);
    CHECK(h.quantile(0.99) == 99ns);
    CHECK(h.quantile(1.0) == 100ns);
    CHECK(h.max() == 100ns);
    LatencyHistogram other;
    other.record(1ms);
    h.merge(other);
    CHECK(h.count() == 101);
    CHECK(h.max() == 1ms);
    CHECK(h.quantile(1.0) == 1ms);  // capped by the exact maximum
    CHECK(h.quantile(0.999) == 1ms);
}
