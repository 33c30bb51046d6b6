#include "tools/smpp-bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace smpp::bench {

std::size_t LatencyHistogram::index_of(std::uint64_t ns) noexcept {
    if (ns < 256) return static_cast<std::size_t>(ns);
    const int msb = 63 - std::countl_zero(ns);  // >= 8
    const int shift = msb - sub_bucket_bits;    // >= 1
    const std::uint64_t top = ns >> shift;      // 128..255
    return 256 + static_cast<std::size_t>(shift - 1) * 128 + static_cast<std::size_t>(top - 128);
}

std::uint64_t LatencyHistogram::upper_edge(std::size_t index) noexcept {
    if (index < 256) return index;
    const std::size_t shift = (index - 256) / 128 + 1;
    const std::uint64_t top = (index - 256) % 128 + 128;
    return ((top + 1) << shift) - 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) noexcept {
    const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency.count()));
    ++buckets_[std::min(index_of(ns), bucket_count - 1)];
    ++count_;
    max_ = std::max(max_, ns);
    sum_ += static_cast<long double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

std::chrono::nanoseconds LatencyHistogram::mean() const noexcept {
    if (count_ == 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(sum_ / static_cast<long double>(count_)));
}

std::chrono::nanoseconds LatencyHistogram::quantile(double q) const noexcept {
    if (count_ == 0) return std::chrono::nanoseconds(0);
    q = std::clamp(q, 0.0, 1.0);
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::chrono::nanoseconds(static_cast<std::int64_t>(std::min(upper_edge(i), max_)));
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(max_));
}

}  // namespace smpp::bench
