#pragma once
// One circuit breaker for one carrier x country x traffic class:
//
//   closed --(error rate / delivery rate / early warning / binds down)--> open
//   open --(cool-down over)--> half_open: a probe share passes
//   half_open --(enough good probes)--> ramping 10 % -> 50 % (each step held
//                while it stays healthy) --> closed
//   half_open / ramping --(a bad probe or step)--> open, with a longer cool-down
//
// The state, the share that passes and the pass counter are atomics, so the
// selector's question (pass()) takes no lock; everything else is changed
// under the owning entry's lock (HealthMonitor). Right after a transition
// the closed circuit judges only what happened since (the 5 min window still
// holds the outage that opened it).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/health/sliding_window.hpp"

namespace smpp::routing::health {

enum class CircuitState : std::uint8_t { closed, open, half_open, ramping };
std::string_view name(CircuitState s) noexcept;

// Thresholds of one traffic class.
struct CircuitSettings {
    // Trips on the 5 min error rate once the window holds min_submits; the
    // 1 min window with the same rate and minimum trips sooner when a
    // healthy past would dilute a sudden outage in the 5 min one.
    double max_error_rate = 0.05;
    std::uint32_t min_submits = 20;
    // Trips at once on this many submit errors in a row (0: off): a carrier
    // that times out or refuses everything.
    std::uint32_t max_consecutive_errors = 10;
    // Trips on the 15 min delivery rate (delivered / final receipts).
    double min_delivery_rate = 0.5;
    std::uint32_t min_receipts = 20;
    // Trips when final receipts / accepted submits over 15 min falls below
    // this (receipt loss); 0 turns it off (a carrier asked for no receipts
    // sends none).
    double min_receipt_ratio = 0.0;
    // Early warning against the last hour (minus the last 5 min): a 5 min
    // error rate of at least `error_spike_floor` and `error_spike_factor`
    // times the baseline's, or a 5 min receipt latency p50 of at least
    // `receipt_latency_floor` and `receipt_latency_factor` times the baseline's.
    double error_spike_factor = 4.0;
    double error_spike_floor = 0.02;
    std::uint32_t min_baseline_submits = 200;
    double receipt_latency_factor = 3.0;
    std::chrono::milliseconds receipt_latency_floor{10'000};
    std::uint32_t min_baseline_receipts = 50;
    // Open: the first cool-down, doubled on each reopen up to the maximum.
    std::chrono::milliseconds cool_down{30'000};
    std::chrono::milliseconds max_cool_down{300'000};
    // Half-open: this share (per mille) passes until probe_successes
    // submits succeeded; any failed one reopens.
    std::uint16_t probe_permille = 10;
    std::uint32_t probe_successes = 5;
    // Then each share is held ramp_hold; a step reopens when its own error
    // rate exceeds max_error_rate over at least ramp_min_submits. After the
    // last step the circuit closes (100 %).
    std::vector<std::uint16_t> ramp_permille{100, 500};
    std::chrono::milliseconds ramp_hold{30'000};
    std::uint32_t ramp_min_submits = 10;
};

// What the circuit reads when it evaluates (the entry's windows).
struct Observed {
    const Counts* m1 = nullptr;
    const Counts* m5 = nullptr;
    const Counts* m15 = nullptr;
    std::uint64_t baseline_submits = 0;  // 1 h minus the last 5 min
    std::uint64_t baseline_errors = 0;
    // Receipt latency p50 in ms; negative when not computed for this event.
    double receipt_p50_m5_ms = -1;
    double receipt_p50_baseline_ms = -1;
    std::uint64_t baseline_receipts = 0;
};

struct Transition {
    CircuitState from;
    CircuitState to;
    std::uint16_t permille;  // the share that passes after it
    std::string reason;
};

class Circuit {
public:
    explicit Circuit(time_point now) noexcept : since_(now) {}
    Circuit(const Circuit&) = delete;
    Circuit& operator=(const Circuit&) = delete;

    // Lock-free.
    CircuitState state() const noexcept { return static_cast<CircuitState>(state_.load(std::memory_order_acquire)); }
    std::uint16_t permille() const noexcept { return permille_.load(std::memory_order_relaxed); }
    enum class Verdict : std::uint8_t { pass, block, cool_down_over };
    // cool_down_over: open and its cool-down has passed; tick() under the
    // lock, then ask again.
    Verdict verdict(time_point now) const noexcept;

    // Under the entry's lock.
    void tick(time_point now, const CircuitSettings& s, std::vector<Transition>& out);
    void on_submit(SubmitClass c) noexcept;
    void on_receipt(ReceiptState s) noexcept;
    void evaluate(time_point now, const CircuitSettings& s, const Observed& o, std::vector<Transition>& out);
    // Binds down: open until release(), whatever the windows say.
    void hold_open(time_point now, std::string reason, std::vector<Transition>& out);
    // Binds back: probing starts now.
    void release(time_point now, const CircuitSettings& s, std::vector<Transition>& out);

    const std::string& reason() const noexcept { return reason_; }
    time_point since() const noexcept { return since_; }
    std::uint64_t transitions() const noexcept { return transitions_; }
    bool held() const noexcept { return held_; }

private:
    void go(CircuitState to, std::uint16_t permille, time_point now, std::string reason, std::vector<Transition>& out);
    void reopen(time_point now, const CircuitSettings& s, std::string reason, std::vector<Transition>& out);
    std::string closed_trip(time_point now, const CircuitSettings& s, const Observed& o) const;

    std::atomic<std::uint8_t> state_{static_cast<std::uint8_t>(CircuitState::closed)};
    std::atomic<std::uint16_t> permille_{1000};
    mutable std::atomic<std::uint64_t> counter_{0};
    std::atomic<std::int64_t> open_until_{0};  // ns since the clock's epoch

    time_point since_;  // the last transition
    std::uint32_t since_submits_ = 0;
    std::uint32_t since_errors_ = 0;
    std::uint32_t since_receipts_ = 0;
    std::uint32_t since_delivered_ = 0;
    std::uint32_t consecutive_errors_ = 0;
    std::uint32_t reopens_ = 0;
    std::size_t step_ = 0;
    bool held_ = false;
    std::uint64_t transitions_ = 0;
    std::string reason_;
};

}  // namespace smpp::routing::health
