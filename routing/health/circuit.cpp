#include "routing/health/circuit.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace smpp::routing::health {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr auto five_minutes = std::chrono::minutes(5);
constexpr auto fifteen_minutes = std::chrono::minutes(15);
constexpr std::int64_t held_forever = std::numeric_limits<std::int64_t>::max();

std::string percent(double r) { return fmt::format("{:.1f}%", r * 100); }

std::string seconds(milliseconds d) { return fmt::format("{:.0f}s", static_cast<double>(d.count()) / 1000); }

}  // namespace

std::string_view name(CircuitState s) noexcept {
    switch (s) {
    case CircuitState::closed: return "closed";
    case CircuitState::open: return "open";
    case CircuitState::half_open: return "half-open";
    case CircuitState::ramping: return "ramping";
    }
    return "?";
}

Circuit::Verdict Circuit::verdict(time_point now) const noexcept {
    switch (state()) {
    case CircuitState::closed: return Verdict::pass;
    case CircuitState::open:
        return now.time_since_epoch().count() < open_until_.load(std::memory_order_relaxed) ? Verdict::block
                                                                                          : Verdict::cool_down_over;
    case CircuitState::half_open:
    case CircuitState::ramping: break;
    }
    // The n-th question passes when ceil(n * p / 1000) steps up: exactly
    // ceil(N * p / 1000) of N questions pass, the first one among them, so a
    // probe goes out at once and the shares are exact for tests.
    const std::uint64_t p = permille_.load(std::memory_order_relaxed);
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
    return (n + 1) * p / 1000 + ((n + 1) * p % 1000 != 0) > n * p / 1000 + (n * p % 1000 != 0) ? Verdict::pass
                                                                                                 : Verdict::block;
}

void Circuit::go(CircuitState to, std::uint16_t permille, time_point now, std::string reason,
                 std::vector<Transition>& out) {
    out.push_back(Transition{state(), to, permille, reason});
    since_ = now;
    since_submits_ = since_errors_ = since_receipts_ = since_delivered_ = consecutive_errors_ = 0;
    reason_ = std::move(reason);
    ++transitions_;
    counter_.store(0, std::memory_order_relaxed);
    permille_.store(permille, std::memory_order_relaxed);
    state_.store(static_cast<std::uint8_t>(to), std::memory_order_release);
}

void Circuit::reopen(time_point now, const CircuitSettings& s, std::string reason, std::vector<Transition>& out) {
    milliseconds cool = s.cool_down;
    for (std::uint32_t i = 0; i < reopens_ && cool < s.max_cool_down; ++i) cool *= 2;
    cool = std::min(cool, s.max_cool_down);
    ++reopens_;
    open_until_.store((now + cool).time_since_epoch().count(), std::memory_order_relaxed);
    go(CircuitState::open, 0, now, fmt::format("{}; cool-down {}", reason, seconds(cool)), out);
}

void Circuit::tick(time_point now, const CircuitSettings& s, std::vector<Transition>& out) {
    if (state() != CircuitState::open || held_) return;
    if (now.time_since_epoch().count() < open_until_.load(std::memory_order_relaxed)) return;
    go(CircuitState::half_open, s.probe_permille, now, "cool-down over: probing", out);
}

void Circuit::on_submit(SubmitClass c) noexcept {
    ++since_submits_;
    // Neither an error nor proof the carrier delivers (sliding_window.hpp).
    if (c == SubmitClass::permanent) return;
    if (c != SubmitClass::ok) {
        ++since_errors_;
        ++consecutive_errors_;
    } else {
        consecutive_errors_ = 0;
    }
}

void Circuit::on_receipt(ReceiptState s) noexcept {
    ++since_receipts_;
    if (s == ReceiptState::delivered) ++since_delivered_;
}

std::string Circuit::closed_trip(time_point now, const CircuitSettings& s, const Observed& o) const {
    const auto age = now - since_;
    if (s.max_consecutive_errors > 0 && consecutive_errors_ >= s.max_consecutive_errors)
        return fmt::format("{} submit errors in a row", consecutive_errors_);
    // Error rate over 5 min, or over the time since the last transition.
    const bool recent = age < five_minutes;
    const std::uint64_t submits = recent ? since_submits_ : o.m5->submit_total();
    const std::uint64_t errors = recent ? since_errors_ : o.m5->submit_errors();
    const char* over = recent ? "since the last transition" : "over 5m";
    if (submits >= s.min_submits && submits > 0) {
        const double rate = static_cast<double>(errors) / static_cast<double>(submits);
        if (rate > s.max_error_rate)
            return fmt::format("error rate {} ({}/{}) {} above {}", percent(rate), errors, submits, over,
                               percent(s.max_error_rate));
        // Younger than a minute, the since-counters above are the 1 min window.
        if (!(age < std::chrono::minutes(1))) {
            const std::uint64_t n1 = o.m1->submit_total();
            const std::uint64_t e1 = o.m1->submit_errors();
            if (n1 >= s.min_submits && n1 > 0 && static_cast<double>(e1) / static_cast<double>(n1) > s.max_error_rate)
                return fmt::format("error rate {} ({}/{}) over 1m above {}",
                                   percent(static_cast<double>(e1) / static_cast<double>(n1)), e1, n1,
                                   percent(s.max_error_rate));
        }
        if (o.baseline_submits >= s.min_baseline_submits && rate >= s.error_spike_floor) {
            const double base = static_cast<double>(o.baseline_errors) / static_cast<double>(o.baseline_submits);
            if (rate >= s.error_spike_factor * base)
                return fmt::format("early warning: error rate {} ({}/{}) {} against a 1h baseline of {}",
                                   percent(rate), errors, submits, over, percent(base));
        }
    }
    const bool recent15 = age < fifteen_minutes;
    const std::uint64_t receipts = recent15 ? since_receipts_ : o.m15->receipt_total();
    const std::uint64_t delivered = recent15 ? since_delivered_ : o.m15->delivered();
    if (receipts >= s.min_receipts && receipts > 0) {
        const double rate = static_cast<double>(delivered) / static_cast<double>(receipts);
        if (rate < s.min_delivery_rate)
            return fmt::format("delivery rate {} ({}/{}) {} below {}", percent(rate), delivered, receipts,
                               recent15 ? "since the last transition" : "over 15m", percent(s.min_delivery_rate));
    }
    if (s.min_receipt_ratio > 0 && !recent15) {
        const std::uint64_t accepted = o.m15->submits[static_cast<std::size_t>(SubmitClass::ok)];
        const std::uint64_t finals = o.m15->receipt_total();
        if (accepted >= s.min_submits) {
            const double ratio = static_cast<double>(finals) / static_cast<double>(accepted);
            if (ratio < s.min_receipt_ratio)
                return fmt::format("receipt loss: receipts for {} ({}/{}) of accepted submits over 15m, below {}",
                                   percent(ratio), finals, accepted, percent(s.min_receipt_ratio));
        }
    }
    if (!recent && o.receipt_p50_m5_ms >= 0 && o.receipt_p50_baseline_ms > 0 &&
        o.m5->receipt_total() >= s.min_receipts && o.baseline_receipts >= s.min_baseline_receipts &&
        o.receipt_p50_m5_ms >= static_cast<double>(s.receipt_latency_floor.count()) &&
        o.receipt_p50_m5_ms >= s.receipt_latency_factor * o.receipt_p50_baseline_ms)
        return fmt::format("early warning: receipt latency p50 {:.1f}s over 5m against a 1h baseline of {:.1f}s",
                           o.receipt_p50_m5_ms / 1000, o.receipt_p50_baseline_ms / 1000);
    return {};
}

void Circuit::evaluate(time_point now, const CircuitSettings& s, const Observed& o, std::vector<Transition>& out) {
    tick(now, s, out);
    switch (state()) {
    case CircuitState::open: return;
    case CircuitState::closed: {
        auto why = closed_trip(now, s, o);
        if (!why.empty()) reopen(now, s, std::move(why), out);
        return;
    }
    case CircuitState::half_open:
        if (since_errors_ > 0)
            return reopen(now, s,
                          fmt::format("probe failed ({} of {} probes in error)", since_errors_, since_submits_), out);
        if (since_submits_ - since_errors_ >= s.probe_successes) {
            if (s.ramp_permille.empty()) {
                reopens_ = 0;
                return go(CircuitState::closed, 1000, now, fmt::format("{} probes ok", since_submits_), out);
            }
            step_ = 0;
            return go(CircuitState::ramping, s.ramp_permille[0], now,
                      fmt::format("{} probes ok: ramp to {}", since_submits_, percent(s.ramp_permille[0] / 1000.0)),
                      out);
        }
        return;
    case CircuitState::ramping: {
        const double share = permille() / 1000.0;
        if (since_submits_ >= s.ramp_min_submits && since_submits_ > 0) {
            const double rate = static_cast<double>(since_errors_) / static_cast<double>(since_submits_);
            if (rate > s.max_error_rate)
                return reopen(now, s,
                              fmt::format("ramp step {} failed: error rate {} ({}/{}) above {}", percent(share),
                                          percent(rate), since_errors_, since_submits_, percent(s.max_error_rate)),
                              out);
        }
        if (now - since_ < s.ramp_hold) return;
        if (step_ + 1 < s.ramp_permille.size()) {
            ++step_;
            return go(CircuitState::ramping, s.ramp_permille[step_], now,
                      fmt::format("held {} healthy at {} ({} submits): ramp to {}", seconds(s.ramp_hold),
                                  percent(share), since_submits_, percent(s.ramp_permille[step_] / 1000.0)),
                      out);
        }
        reopens_ = 0;
        return go(CircuitState::closed, 1000, now,
                  fmt::format("held {} healthy at {} ({} submits): closed (100%)", seconds(s.ramp_hold),
                              percent(share), since_submits_),
                  out);
    }
    }
}

void Circuit::hold_open(time_point now, std::string reason, std::vector<Transition>& out) {
    held_ = true;
    open_until_.store(held_forever, std::memory_order_relaxed);
    if (state() == CircuitState::open) {
        reason_ = reason;  // it stays open for the new reason too
        return;
    }
    go(CircuitState::open, 0, now, std::move(reason), out);
}

void Circuit::release(time_point now, const CircuitSettings& s, std::vector<Transition>& out) {
    if (!held_) return;
    held_ = false;
    open_until_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    go(CircuitState::half_open, s.probe_permille, now, "binds back up: probing", out);
}

}  // namespace smpp::routing::health
