#pragma once
// Health per carrier x country, learned from outcomes, answering the
// selector's question "is the circuit open?" (routing::HealthView).
//
// Inputs come from any io thread: on_submit (every submit_sm_resp or its
// absence, with the latency), on_receipt (every final receipt, with the time
// since the submit), carrier_down/up (all binds of a carrier lost / one back).
// Each carrier x country has its sliding windows (sliding_window.hpp) and one
// circuit per traffic class (circuit.hpp) under its own mutex; the lookup
// table is fixed-size open addressing with atomic slots, so open() takes no
// lock and, for a closed circuit, reads no clock.
//
// A whole carrier is cut only when all its countries' circuits are open (or
// its binds are down): then countries it has no circuit for yet are cut too.
// Time is injected (a clock function) so tests drive it by hand.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "routing/health/circuit.hpp"
#include "routing/health/delivery_quality.hpp"
#include "routing/health/sliding_window.hpp"
#include "routing/route_table.hpp"
#include "routing/selector.hpp"

namespace smpp::routing::health {

inline constexpr std::size_t traffic_class_count = 3;

struct HealthSettings {
    // Indexed by TrafficClass (otp, transactional, bulk).
    std::array<CircuitSettings, traffic_class_count> classes = default_classes();
    // The class HealthMonitor::open(carrier, country) answers for (the
    // selector's HealthView); view(c) answers for class c.
    TrafficClass default_class = TrafficClass::transactional;
    // Bounded memory (about 35 KB per carrier x country): events for pairs
    // beyond this are counted (untracked_events) and otherwise ignored.
    std::size_t max_entries = 4096;
    std::size_t max_carriers = 1024;
    // The receipt latency percentiles for the early warning are recomputed
    // at most this often per carrier x country.
    std::chrono::milliseconds latency_check_every{1000};
    // Delivery success by hour of day for the `quality` policy, learned
    // from the same final receipts (delivery_quality.hpp).
    QualitySettings quality;

    // otp and transactional: 5 % errors, 50 % delivery, 30 s cool-down and
    // ramp holds; bulk: 10 % errors, 60 s.
    static std::array<CircuitSettings, traffic_class_count> default_classes();
};

struct CircuitStatus {
    CircuitState state = CircuitState::closed;
    std::uint16_t permille = 1000;  // share that passes: 0 open, probe/ramp step, 1000 closed
    std::string reason;             // of the last transition
    std::uint64_t transitions = 0;
};

// For operators (`smppctl health`): one carrier x country.
struct HealthEntry {
    std::string carrier;
    std::string country;
    std::array<CircuitStatus, traffic_class_count> circuits;
    std::uint64_t submits_1m = 0;
    std::uint64_t submits_5m = 0;
    std::uint64_t errors_5m = 0;
    double error_rate_5m = 0;
    std::array<std::uint32_t, submit_class_count> submits_by_class_5m{};
    std::uint64_t receipts_15m = 0;
    std::uint64_t delivered_15m = 0;
    double delivery_rate_15m = -1;  // negative: no receipts
    double submit_p50_ms_5m = 0;
    double submit_p99_ms_5m = 0;
    double receipt_p50_ms_15m = 0;
    double error_rate_1h = 0;
};

// "carrier-a GB otp=open transactional=ramping/10% bulk=closed err5m=6.2% (31/500) ..."
std::string to_text(const HealthEntry& e);
// One line per entry.
std::string to_text(const std::vector<HealthEntry>& entries);

struct HealthCounters {
    std::uint64_t opened = 0;     // transitions into open
    std::uint64_t half_opened = 0;
    std::uint64_t ramp_steps = 0;  // into ramping (each step)
    std::uint64_t closed = 0;
    std::uint64_t untracked_events = 0;  // beyond max_entries / max_carriers
};

class HealthMonitor final : public HealthView {
public:
    using Clock = std::function<time_point()>;
    // Wall time, for the hour of day a receipt's message was sent.
    using WallClock = std::function<std::chrono::system_clock::time_point()>;

    explicit HealthMonitor(
        HealthSettings settings = {}, Clock clock = [] { return std::chrono::steady_clock::now(); },
        WallClock wall_clock = [] { return std::chrono::system_clock::now(); });
    ~HealthMonitor() override;
    HealthMonitor(const HealthMonitor&) = delete;
    HealthMonitor& operator=(const HealthMonitor&) = delete;

    // A submit_sm_resp (or none: SubmitClass::no_response) from `carrier`
    // for a message to `country`, `latency` after the submit_sm left.
    void on_submit(std::string_view carrier, std::string_view country, std::uint32_t command_status,
                   std::chrono::nanoseconds latency);
    void on_submit(std::string_view carrier, std::string_view country, SubmitClass c, std::chrono::nanoseconds latency);
    // A final receipt, `latency` after the submit_sm_resp (or the submit).
    void on_receipt(std::string_view carrier, std::string_view country, ReceiptState s,
                    std::chrono::nanoseconds latency);
    // All binds of the carrier are down: every country's circuits open and
    // stay open until carrier_up(), which starts probing at once.
    void carrier_down(std::string_view carrier, std::string_view reason = "all binds down");
    void carrier_up(std::string_view carrier);

    // HealthView, for the default class. During half-open and ramping it
    // answers true for the share that must not go there, exactly: of N
    // questions ceil(N * permille / 1000) pass, the first among them.
    bool open(std::string_view carrier, std::string_view country) const override;
    bool open(std::string_view carrier, std::string_view country, TrafficClass c) const;
    // HealthView: the delivery estimates on_receipt() feeds (every class view shares them).
    const QualityView* quality() const noexcept override { return &quality_; }
    const DeliveryQuality& delivery_quality() const noexcept { return quality_; }
    // The HealthView for one traffic class (give each class's Selector its own).
    const HealthView& view(TrafficClass c) const noexcept { return views_[static_cast<std::size_t>(c)]; }
    // True when the carrier is cut as a whole for the class (binds down or all countries open).
    bool carrier_cut(std::string_view carrier, TrafficClass c) const;

    CircuitStatus circuit(std::string_view carrier, std::string_view country, TrafficClass c) const;
    std::vector<HealthEntry> snapshot() const;
    HealthCounters counters() const noexcept;
    const HealthSettings& settings() const noexcept { return settings_; }

private:
    struct Entry;
    struct Carrier;
    class ClassView final : public HealthView {
    public:
        ClassView(const HealthMonitor& m, TrafficClass c) : monitor_(m), class_(c) {}
        bool open(std::string_view carrier, std::string_view country) const override {
            return monitor_.open(carrier, country, class_);
        }
        const QualityView* quality() const noexcept override { return monitor_.quality(); }

    private:
        const HealthMonitor& monitor_;
        TrafficClass class_;
    };

    Entry* find(std::string_view carrier, std::string_view country) const noexcept;
    Carrier* find_carrier(std::string_view carrier) const noexcept;
    Entry* entry(std::string_view carrier, std::string_view country);
    Carrier* carrier_locked(std::string_view carrier);  // under insert_mutex_
    void report(const Entry& e, std::size_t cls, std::vector<Transition>& out) const;
    Observed observe(Entry& e, time_point now, bool refresh_latency) const;

    HealthSettings settings_;
    Clock clock_;
    WallClock wall_clock_;
    DeliveryQuality quality_;
    std::array<ClassView, traffic_class_count> views_;

    mutable std::mutex insert_mutex_;
    std::vector<std::unique_ptr<Entry>> entries_;
    std::vector<std::unique_ptr<Carrier>> carriers_;
    std::size_t entry_mask_;
    std::unique_ptr<std::atomic<Entry*>[]> entry_slots_;
    std::size_t carrier_mask_;
    std::unique_ptr<std::atomic<Carrier*>[]> carrier_slots_;

    mutable std::atomic<std::uint64_t> opened_{0}, half_opened_{0}, ramp_steps_{0}, closed_{0}, untracked_{0};
};

}  // namespace smpp::routing::health
