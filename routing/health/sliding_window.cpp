#include "routing/health/sliding_window.hpp"

#include <bit>
#include <cmath>

namespace smpp::routing::health {

std::string_view name(SubmitClass c) noexcept {
    switch (c) {
    case SubmitClass::ok: return "ok";
    case SubmitClass::throttled: return "throttled";
    case SubmitClass::transient: return "transient";
    case SubmitClass::permanent: return "permanent";
    case SubmitClass::no_response: return "no_response";
    }
    return "?";
}

SubmitClass classify_submit(std::uint32_t command_status) noexcept {
    switch (command_status) {
    case 0x00: return SubmitClass::ok;
    case 0x58:  // ESME_RTHROTTLED
    case 0x14:  // ESME_RMSGQFUL
        return SubmitClass::throttled;
    default: return SubmitClass::transient;
    }
}

std::string_view name(ReceiptState s) noexcept {
    switch (s) {
    case ReceiptState::delivered: return "delivered";
    case ReceiptState::undeliverable: return "undeliverable";
    case ReceiptState::expired: return "expired";
    case ReceiptState::rejected: return "rejected";
    case ReceiptState::unknown: return "unknown";
    }
    return "?";
}

std::string_view name(Span s) noexcept {
    switch (s) {
    case Span::m1: return "1m";
    case Span::m5: return "5m";
    case Span::m15: return "15m";
    case Span::h1: return "1h";
    }
    return "?";
}

std::chrono::seconds length(Span s) noexcept {
    switch (s) {
    case Span::m1: return std::chrono::seconds(60);
    case Span::m5: return std::chrono::seconds(300);
    case Span::m15: return std::chrono::seconds(900);
    case Span::h1: return std::chrono::seconds(3600);
    }
    return std::chrono::seconds(0);
}

template <std::size_t N>
std::size_t LatencyHistogram<N>::bucket_of(std::chrono::nanoseconds latency) noexcept {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(latency).count();
    if (ms <= 1) return 0;
    // Clamp before squaring so v * v fits 64 bits.
    const std::uint64_t v = static_cast<std::uint64_t>(ms) > (1ull << 31) ? (1ull << 31) : static_cast<std::uint64_t>(ms);
    const unsigned msb = static_cast<unsigned>(std::bit_width(v)) - 1;
    const std::size_t i = 2 * msb + (v * v >= (1ull << (2 * msb + 1)) ? 1 : 0);
    return i < N ? i : N - 1;
}

template <std::size_t N>
std::uint64_t LatencyHistogram<N>::total() const noexcept {
    std::uint64_t t = 0;
    for (auto c : counts) t += c;
    return t;
}

template <std::size_t N>
double LatencyHistogram<N>::percentile_ms(double q) const noexcept {
    const std::uint64_t n = total();
    if (n == 0) return 0;
    const double target = q * static_cast<double>(n);
    double before = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (counts[i] == 0) continue;
        const double c = counts[i];
        if (before + c >= target) {
            const double lower = i == 0 ? 0.0 : std::exp2(static_cast<double>(i) / 2);
            const double upper = std::exp2(static_cast<double>(i + 1) / 2);
            const double frac = (target - before) / c;
            return lower + (upper - lower) * (frac < 0 ? 0 : frac);
        }
        before += c;
    }
    return std::exp2(static_cast<double>(N) / 2);
}

template struct LatencyHistogram<submit_latency_buckets>;
template struct LatencyHistogram<receipt_latency_buckets>;

void Counts::add(const Counts& o) noexcept {
    for (std::size_t i = 0; i < submits.size(); ++i) submits[i] += o.submits[i];
    for (std::size_t i = 0; i < receipts.size(); ++i) receipts[i] += o.receipts[i];
    for (std::size_t i = 0; i < submit_latency_buckets; ++i) submit_latency.counts[i] += o.submit_latency.counts[i];
    for (std::size_t i = 0; i < receipt_latency_buckets; ++i) receipt_latency.counts[i] += o.receipt_latency.counts[i];
}

void Counts::subtract(const Counts& o) noexcept {
    for (std::size_t i = 0; i < submits.size(); ++i) submits[i] -= o.submits[i];
    for (std::size_t i = 0; i < receipts.size(); ++i) receipts[i] -= o.receipts[i];
    for (std::size_t i = 0; i < submit_latency_buckets; ++i) submit_latency.counts[i] -= o.submit_latency.counts[i];
    for (std::size_t i = 0; i < receipt_latency_buckets; ++i) receipt_latency.counts[i] -= o.receipt_latency.counts[i];
}

std::uint64_t Counts::submit_total() const noexcept {
    std::uint64_t t = 0;
    for (auto c : submits) t += c;
    return t;
}

std::uint64_t Counts::receipt_total() const noexcept {
    std::uint64_t t = 0;
    for (auto c : receipts) t += c;
    return t;
}

double Counts::error_rate() const noexcept {
    const auto n = submit_total();
    return n == 0 ? 0.0 : static_cast<double>(submit_errors()) / static_cast<double>(n);
}

double Counts::delivery_rate() const noexcept {
    const auto n = receipt_total();
    return n == 0 ? -1.0 : static_cast<double>(delivered()) / static_cast<double>(n);
}

namespace {

std::int64_t index_of(time_point t, std::chrono::seconds bucket) noexcept {
    const auto ns = t.time_since_epoch().count();
    const auto width = std::chrono::duration_cast<std::chrono::nanoseconds>(bucket).count();
    // Floor division, so a clock before its epoch still maps monotonically.
    return ns >= 0 ? ns / width : -((-ns + width - 1) / width);
}

std::size_t slot(std::int64_t index, std::size_t slots) noexcept {
    const auto n = static_cast<std::int64_t>(slots);
    return static_cast<std::size_t>(((index % n) + n) % n);
}

// Moves a ring's head to `to`: each bucket that leaves the short window is
// subtracted from its total once; the bucket whose slot is reused leaves
// the long window.
template <std::size_t Slots>
void roll(std::array<Counts, Slots>& ring, std::int64_t& head, std::int64_t to, Counts& short_total,
          std::size_t short_slots, Counts& long_total) noexcept {
    if (to <= head) return;
    if (to - head >= static_cast<std::int64_t>(Slots)) {
        for (auto& b : ring) b = Counts{};
        short_total = Counts{};
        long_total = Counts{};
        head = to;
        return;
    }
    for (std::int64_t k = head + 1; k <= to; ++k) {
        short_total.subtract(ring[slot(k - static_cast<std::int64_t>(short_slots), Slots)]);
        Counts& reused = ring[slot(k, Slots)];
        long_total.subtract(reused);
        reused = Counts{};
    }
    head = to;
}

}  // namespace

SlidingWindows::SlidingWindows(time_point start) noexcept
    : fine_head_(index_of(start, fine_bucket)), coarse_head_(index_of(start, coarse_bucket)) {}

void SlidingWindows::advance(time_point now) noexcept {
    auto& t = totals_;
    roll(fine_, fine_head_, index_of(now, fine_bucket), t[0], 6, t[1]);
    roll(coarse_, coarse_head_, index_of(now, coarse_bucket), t[2], 15, t[3]);
}

template <class F>
void SlidingWindows::record(time_point now, F&& apply) noexcept {
    advance(now);
    apply(fine_[slot(fine_head_, fine_slots)]);
    apply(coarse_[slot(coarse_head_, coarse_slots)]);
    for (auto& t : totals_) apply(t);
}

void SlidingWindows::add_submit(time_point now, SubmitClass c, std::chrono::nanoseconds latency) noexcept {
    const auto i = static_cast<std::size_t>(c);
    const auto b = LatencyHistogram<submit_latency_buckets>::bucket_of(latency);
    record(now, [&](Counts& x) {
        ++x.submits[i];
        ++x.submit_latency.counts[b];
    });
}

void SlidingWindows::add_receipt(time_point now, ReceiptState s, std::chrono::nanoseconds latency) noexcept {
    const auto i = static_cast<std::size_t>(s);
    const auto b = LatencyHistogram<receipt_latency_buckets>::bucket_of(latency);
    record(now, [&](Counts& x) {
        ++x.receipts[i];
        ++x.receipt_latency.counts[b];
    });
}

}  // namespace smpp::routing::health
