#pragma once
// submit_sm -> submit_sm_resp latencies, HDR-style: log-linear buckets with
// 128 sub-buckets per power of two, so any percentile is within 1/128
// (0.8 %) of the true value, in a fixed 36 KiB and O(1) per sample. Values
// below 256 ns are exact. The maximum is kept exactly. One histogram per
// bind (no sharing between threads); merge() sums them for the report.
#include <array>
#include <chrono>
#include <cstdint>

namespace smpp::bench {

class LatencyHistogram {
public:
    static constexpr int sub_bucket_bits = 7;
    static constexpr std::size_t bucket_count = 256 + 56 * 128;  // up to 2^63 ns

    void record(std::chrono::nanoseconds latency) noexcept;
    void merge(const LatencyHistogram& other) noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::chrono::nanoseconds max() const noexcept { return std::chrono::nanoseconds(max_); }
    std::chrono::nanoseconds mean() const noexcept;
    // The value at quantile q (0..1): the upper edge of the bucket holding
    // the ceil(q * count)-th sample, capped by the exact maximum; 0 when empty.
    std::chrono::nanoseconds quantile(double q) const noexcept;

    // Bucket index of a value and the largest value a bucket holds (tests).
    static std::size_t index_of(std::uint64_t ns) noexcept;
    static std::uint64_t upper_edge(std::size_t index) noexcept;

private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace smpp::bench
