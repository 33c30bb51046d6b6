#pragma once
// What one carrier x country did lately: submits by outcome class,
// submit_sm_resp latency, receipts by final state and receipt latency, over
// 1 min, 5 min, 15 min and 1 h. Two rings of fixed time buckets (30 x 10 s
// for the short windows, 60 x 1 min for the long ones) and a running total
// per window: an event adds to two buckets and four totals, a bucket that
// leaves a window is subtracted once, so reading a window is O(1) and
// nothing allocates after construction.
//
// Not thread-safe: the HealthMonitor holds one per carrier x country under
// that entry's lock. Time comes from the caller (tests drive a manual clock).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace smpp::routing::health {

using time_point = std::chrono::steady_clock::time_point;

// How a submit_sm ended at the carrier. Everything but `ok` and
// `permanent` counts as an error for the error rate (and the circuits): a
// permanent refusal is about the message (its addresses, its coding), and
// one account's bad sender id must not cut every account off the carrier.
// The classes are kept apart for operators.
enum class SubmitClass : std::uint8_t { ok, throttled, transient, permanent, no_response };
inline constexpr std::size_t submit_class_count = 5;
std::string_view name(SubmitClass c) noexcept;
// From the submit_sm_resp command_status alone: 0 ok, ESME_RTHROTTLED and
// ESME_RMSGQFUL throttled, anything else transient (the forward path knows
// better when it has classified the status itself: pass the class then).
SubmitClass classify_submit(std::uint32_t command_status) noexcept;

// A receipt's final state (intermediate ones, ENROUTE/ACCEPTD, are not reported).
enum class ReceiptState : std::uint8_t { delivered, undeliverable, expired, rejected, unknown };
inline constexpr std::size_t receipt_state_count = 5;
std::string_view name(ReceiptState s) noexcept;

// Half-octave buckets over milliseconds: bucket 0 holds [0, 1.41) ms,
// bucket i >= 1 holds [2^(i/2), 2^((i+1)/2)) ms, the last one everything above.
template <std::size_t N>
struct LatencyHistogram {
    std::array<std::uint32_t, N> counts{};

    static std::size_t bucket_of(std::chrono::nanoseconds latency) noexcept;
    void add(std::chrono::nanoseconds latency) noexcept { ++counts[bucket_of(latency)]; }
    std::uint64_t total() const noexcept;
    // The q-quantile (0..1) in milliseconds, interpolated inside its bucket; 0 when empty.
    double percentile_ms(double q) const noexcept;
};

inline constexpr std::size_t submit_latency_buckets = 32;   // up to ~65 s
inline constexpr std::size_t receipt_latency_buckets = 48;  // up to ~4.6 h

// One bucket, or the running total of a window.
struct Counts {
    std::array<std::uint32_t, submit_class_count> submits{};
    std::array<std::uint32_t, receipt_state_count> receipts{};
    LatencyHistogram<submit_latency_buckets> submit_latency;
    LatencyHistogram<receipt_latency_buckets> receipt_latency;

    void add(const Counts& o) noexcept;
    void subtract(const Counts& o) noexcept;

    std::uint64_t submit_total() const noexcept;
    std::uint64_t submit_errors() const noexcept {
        return submit_total() - submits[0] - submits[static_cast<std::size_t>(SubmitClass::permanent)];
    }
    std::uint64_t receipt_total() const noexcept;
    std::uint64_t delivered() const noexcept { return receipts[0]; }
    // errors / submits, 0 without submits.
    double error_rate() const noexcept;
    // delivered / final receipts; negative (unknown) without receipts.
    double delivery_rate() const noexcept;
};

enum class Span : std::uint8_t { m1, m5, m15, h1 };
inline constexpr std::size_t span_count = 4;
std::string_view name(Span s) noexcept;
std::chrono::seconds length(Span s) noexcept;

class SlidingWindows {
public:
    static constexpr std::chrono::seconds fine_bucket{10};
    static constexpr std::chrono::seconds coarse_bucket{60};
    static constexpr std::size_t fine_slots = 30;    // 5 min
    static constexpr std::size_t coarse_slots = 60;  // 1 h

    explicit SlidingWindows(time_point start) noexcept;

    // Events at a time before the newest bucket (another thread's clock read
    // a moment earlier) go into the newest bucket.
    void add_submit(time_point now, SubmitClass c, std::chrono::nanoseconds latency) noexcept;
    void add_receipt(time_point now, ReceiptState s, std::chrono::nanoseconds latency) noexcept;
    // Expires the buckets that left each window by `now`.
    void advance(time_point now) noexcept;

    // Valid as of the last add/advance.
    const Counts& total(Span s) const noexcept { return totals_[static_cast<std::size_t>(s)]; }

private:
    template <class F>
    void record(time_point now, F&& apply) noexcept;

    std::array<Counts, fine_slots> fine_{};
    std::array<Counts, coarse_slots> coarse_{};
    std::array<Counts, span_count> totals_{};
    std::int64_t fine_head_;    // absolute index of the newest fine bucket
    std::int64_t coarse_head_;  // same for the coarse ring
};

}  // namespace smpp::routing::health
