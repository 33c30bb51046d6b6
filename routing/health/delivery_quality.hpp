#pragma once
// Delivery success learned online per carrier x country and UTC hour of
// day, for the selector's `quality` policy (routing::QualityView). Fed by
// the final receipts the health monitor already receives, so a carrier that
// delivers badly at night is avoided at night and still used by day.
//
// The estimate, for carrier x country at UTC hour h:
//   S, F     delivered / failed (undeliverable, expired, rejected) final
//            receipts of all hours, each weighted 2^(-age / half_life), so
//            old outcomes fade and an idle route drifts back to the prior;
//   S_h, F_h the same for messages sent during hour h (of any day);
//   day      = (S + m*w) / (S + F + w)        m = prior_success, w = prior_weight
//   success  = (S_h + day*w_h) / (S_h + F_h + w_h)   w_h = hour_weight
// A route without receipts scores the prior m; the default m = 1 is
// optimistic on purpose, so a new carrier is tried until about w receipts
// say what it is worth. An hour with few receipts leans on the day's rate.
// The selector turns it into score = value x success - cost (selector.hpp).
//
// Hours are UTC: one country keeps one offset to UTC (up to daylight
// saving), so its night is a fixed set of UTC hours. Receipts count in the
// hour their message was sent (the receipt's time minus its latency).
//
// Thread-safe (one mutex: an update or an estimate is a hash lookup and a
// few multiplications). Bounded: at most max_entries pairs (about 700 bytes
// each); outcomes for more are counted in untracked() and otherwise ignored.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "routing/health/sliding_window.hpp"
#include "routing/selector.hpp"

namespace smpp::routing::health {

struct QualitySettings {
    double prior_success = 1.0;  // m
    double prior_weight = 10;    // w, in receipts
    double hour_weight = 10;     // w_h, in receipts
    std::chrono::milliseconds half_life = std::chrono::hours(72);
    std::size_t max_entries = 4096;
};

class DeliveryQuality final : public QualityView {
public:
    using wall_time = std::chrono::system_clock::time_point;

    explicit DeliveryQuality(QualitySettings settings = {}) : settings_(settings) {}

    // A final receipt for a message sent to `country` through `carrier` at
    // `sent_at` (wall clock). ReceiptState::unknown is ignored.
    void record(std::string_view carrier, std::string_view country, ReceiptState s, wall_time sent_at);
    QualityEstimate estimate(std::string_view carrier, std::string_view country, wall_time at) const override;

    std::uint64_t untracked() const noexcept { return untracked_.load(std::memory_order_relaxed); }
    std::size_t size() const;
    const QualitySettings& settings() const noexcept { return settings_; }

private:
    struct Counts {
        double delivered = 0;
        double failed = 0;
        std::int64_t at_ms = 0;  // the time the counts are decayed to
    };
    struct Entry {
        Counts day;
        std::array<Counts, 24> hours;
    };
    void add(Counts& c, bool delivered, std::int64_t t_ms) const noexcept;
    Counts decayed(const Counts& c, std::int64_t t_ms) const noexcept;

    QualitySettings settings_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
    std::atomic<std::uint64_t> untracked_{0};
};

}  // namespace smpp::routing::health
