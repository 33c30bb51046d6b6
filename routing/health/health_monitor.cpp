#include "routing/health/health_monitor.hpp"

#include <bit>
#include <iterator>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace smpp::routing::health {

struct HealthMonitor::Carrier {
    explicit Carrier(std::string_view n) : name(n) {}
    std::string name;
    std::mutex mutex;             // entries, down, down_reason
    std::vector<Entry*> entries;  // its countries
    bool down = false;
    std::string down_reason;
    std::atomic<bool> down_flag{false};
    std::atomic<std::uint32_t> countries{0};
    std::array<std::atomic<std::uint32_t>, traffic_class_count> open_countries{};
};

struct HealthMonitor::Entry {
    Entry(std::string_view carrier_name, std::string_view country_name, Carrier* c, time_point now)
        : carrier(carrier_name), country(country_name), owner(c), windows(now),
          circuits{Circuit(now), Circuit(now), Circuit(now)}, latency_checked(now) {}
    const std::string carrier;
    const std::string country;
    Carrier* const owner;
    std::mutex mutex;  // everything below but the circuits' atomics
    SlidingWindows windows;
    std::array<Circuit, traffic_class_count> circuits;
    time_point latency_checked;
    double receipt_p50_m5_ms = -1;
    double receipt_p50_baseline_ms = -1;
};

namespace {

std::size_t hash_of(std::string_view carrier, std::string_view country) noexcept {
    const std::size_t a = std::hash<std::string_view>{}(carrier);
    const std::size_t b = std::hash<std::string_view>{}(country);
    return a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
}

// Twice the capacity, so probes stay short when full.
std::size_t slots_for(std::size_t capacity) noexcept { return std::bit_ceil(std::max<std::size_t>(capacity, 8) * 2); }

std::string_view class_name(std::size_t c) noexcept { return name(static_cast<TrafficClass>(c)); }

std::string percent(double r) { return fmt::format("{:.1f}%", r * 100); }

std::string duration_text(double ms) {
    if (ms < 1000) return fmt::format("{:.0f}ms", ms);
    return fmt::format("{:.1f}s", ms / 1000);
}

}  // namespace

std::array<CircuitSettings, traffic_class_count> HealthSettings::default_classes() {
    CircuitSettings otp;
    CircuitSettings transactional;
    CircuitSettings bulk;
    bulk.max_error_rate = 0.10;
    bulk.cool_down = std::chrono::seconds(60);
    bulk.ramp_hold = std::chrono::seconds(60);
    return {otp, transactional, bulk};
}

HealthMonitor::HealthMonitor(HealthSettings settings, Clock clock, WallClock wall_clock)
    : settings_(std::move(settings)),
      clock_(std::move(clock)),
      wall_clock_(std::move(wall_clock)),
      quality_(settings_.quality),
      views_{ClassView(*this, TrafficClass::otp), ClassView(*this, TrafficClass::transactional),
             ClassView(*this, TrafficClass::bulk)},
      entry_mask_(slots_for(settings_.max_entries) - 1),
      entry_slots_(new std::atomic<Entry*>[entry_mask_ + 1]),
      carrier_mask_(slots_for(settings_.max_carriers) - 1),
      carrier_slots_(new std::atomic<Carrier*>[carrier_mask_ + 1]) {
    for (std::size_t i = 0; i <= entry_mask_; ++i) entry_slots_[i].store(nullptr, std::memory_order_relaxed);
    for (std::size_t i = 0; i <= carrier_mask_; ++i) carrier_slots_[i].store(nullptr, std::memory_order_relaxed);
    entries_.reserve(settings_.max_entries);
}

HealthMonitor::~HealthMonitor() = default;

HealthMonitor::Entry* HealthMonitor::find(std::string_view carrier, std::string_view country) const noexcept {
    for (std::size_t i = hash_of(carrier, country);; ++i) {
        Entry* e = entry_slots_[i & entry_mask_].load(std::memory_order_acquire);
        if (!e) return nullptr;
        if (e->carrier == carrier && e->country == country) return e;
    }
}

HealthMonitor::Carrier* HealthMonitor::find_carrier(std::string_view carrier) const noexcept {
    for (std::size_t i = std::hash<std::string_view>{}(carrier);; ++i) {
        Carrier* c = carrier_slots_[i & carrier_mask_].load(std::memory_order_acquire);
        if (!c) return nullptr;
        if (c->name == carrier) return c;
    }
}

HealthMonitor::Carrier* HealthMonitor::carrier_locked(std::string_view carrier) {
    if (Carrier* c = find_carrier(carrier)) return c;
    if (carriers_.size() >= settings_.max_carriers) return nullptr;
    carriers_.push_back(std::make_unique<Carrier>(carrier));
    Carrier* c = carriers_.back().get();
    std::size_t i = std::hash<std::string_view>{}(carrier);
    while (carrier_slots_[i & carrier_mask_].load(std::memory_order_relaxed)) ++i;
    carrier_slots_[i & carrier_mask_].store(c, std::memory_order_release);
    return c;
}

HealthMonitor::Entry* HealthMonitor::entry(std::string_view carrier, std::string_view country) {
    if (Entry* e = find(carrier, country)) return e;
    std::lock_guard insert(insert_mutex_);
    if (Entry* e = find(carrier, country)) return e;
    if (entries_.size() >= settings_.max_entries) return nullptr;
    Carrier* owner = carrier_locked(carrier);
    if (!owner) return nullptr;
    const time_point now = clock_();
    std::lock_guard carrier_lock(owner->mutex);
    entries_.push_back(std::make_unique<Entry>(carrier, country, owner, now));
    Entry* e = entries_.back().get();
    owner->entries.push_back(e);
    owner->countries.fetch_add(1, std::memory_order_relaxed);
    if (owner->down) {
        // A country first seen while the binds are down starts open.
        std::lock_guard lock(e->mutex);
        std::vector<Transition> out;
        for (std::size_t c = 0; c < traffic_class_count; ++c) {
            e->circuits[c].hold_open(now, owner->down_reason, out);
            report(*e, c, out);
        }
    }
    std::size_t i = hash_of(carrier, country);
    while (entry_slots_[i & entry_mask_].load(std::memory_order_relaxed)) ++i;
    entry_slots_[i & entry_mask_].store(e, std::memory_order_release);
    return e;
}

void HealthMonitor::report(const Entry& e, std::size_t cls, std::vector<Transition>& out) const {
    for (const auto& t : out) {
        auto& open_countries = e.owner->open_countries[cls];
        if (t.to == CircuitState::open && t.from != CircuitState::open) open_countries.fetch_add(1);
        if (t.from == CircuitState::open && t.to != CircuitState::open) open_countries.fetch_sub(1);
        switch (t.to) {
        case CircuitState::open: opened_.fetch_add(1, std::memory_order_relaxed); break;
        case CircuitState::half_open: half_opened_.fetch_add(1, std::memory_order_relaxed); break;
        case CircuitState::ramping: ramp_steps_.fetch_add(1, std::memory_order_relaxed); break;
        case CircuitState::closed: closed_.fetch_add(1, std::memory_order_relaxed); break;
        }
        const auto level = t.to == CircuitState::open ? spdlog::level::warn : spdlog::level::info;
        spdlog::log(level, "health: carrier {} country {} class {}: {} -> {} ({} passes): {}", e.carrier,
                    e.country.empty() ? "-" : e.country, class_name(cls), name(t.from), name(t.to),
                    percent(t.permille / 1000.0), t.reason);
    }
    out.clear();
}

Observed HealthMonitor::observe(Entry& e, time_point now, bool refresh_latency) const {
    const Counts& m5 = e.windows.total(Span::m5);
    const Counts& h1 = e.windows.total(Span::h1);
    Observed o;
    o.m1 = &e.windows.total(Span::m1);
    o.m5 = &m5;
    o.m15 = &e.windows.total(Span::m15);
    o.baseline_submits = h1.submit_total() - m5.submit_total();
    o.baseline_errors = h1.submit_errors() - m5.submit_errors();
    o.baseline_receipts = h1.receipt_total() - m5.receipt_total();
    if (refresh_latency && now - e.latency_checked >= settings_.latency_check_every) {
        e.latency_checked = now;
        e.receipt_p50_m5_ms = m5.receipt_latency.percentile_ms(0.5);
        LatencyHistogram<receipt_latency_buckets> base = h1.receipt_latency;
        for (std::size_t i = 0; i < receipt_latency_buckets; ++i) base.counts[i] -= m5.receipt_latency.counts[i];
        e.receipt_p50_baseline_ms = base.percentile_ms(0.5);
    }
    o.receipt_p50_m5_ms = e.receipt_p50_m5_ms;
    o.receipt_p50_baseline_ms = e.receipt_p50_baseline_ms;
    return o;
}

void HealthMonitor::on_submit(std::string_view carrier, std::string_view country, std::uint32_t command_status,
                              std::chrono::nanoseconds latency) {
    on_submit(carrier, country, classify_submit(command_status), latency);
}

void HealthMonitor::on_submit(std::string_view carrier, std::string_view country, SubmitClass cls,
                              std::chrono::nanoseconds latency) {
    Entry* e = entry(carrier, country);
    if (!e) {
        untracked_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const time_point now = clock_();
    std::vector<Transition> out;
    std::lock_guard lock(e->mutex);
    e->windows.add_submit(now, cls, latency);
    const Observed o = observe(*e, now, false);
    for (std::size_t c = 0; c < traffic_class_count; ++c) {
        // A cool-down that ended counts this event as a probe already.
        e->circuits[c].tick(now, settings_.classes[c], out);
        e->circuits[c].on_submit(cls);
        e->circuits[c].evaluate(now, settings_.classes[c], o, out);
        if (!out.empty()) report(*e, c, out);
    }
}

void HealthMonitor::on_receipt(std::string_view carrier, std::string_view country, ReceiptState s,
                               std::chrono::nanoseconds latency) {
    // The message was sent `latency` ago: its hour of day is the one it is learned for.
    quality_.record(carrier, country, s,
                    wall_clock_() - std::chrono::duration_cast<std::chrono::system_clock::duration>(latency));
    Entry* e = entry(carrier, country);
    if (!e) {
        untracked_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const time_point now = clock_();
    std::vector<Transition> out;
    std::lock_guard lock(e->mutex);
    e->windows.add_receipt(now, s, latency);
    const Observed o = observe(*e, now, true);
    for (std::size_t c = 0; c < traffic_class_count; ++c) {
        // A cool-down that ended counts this event as a probe already.
        e->circuits[c].tick(now, settings_.classes[c], out);
        e->circuits[c].on_receipt(s);
        e->circuits[c].evaluate(now, settings_.classes[c], o, out);
        if (!out.empty()) report(*e, c, out);
    }
}

void HealthMonitor::carrier_down(std::string_view carrier, std::string_view reason) {
    Carrier* k = nullptr;
    {
        std::lock_guard insert(insert_mutex_);
        k = carrier_locked(carrier);
    }
    if (!k) {
        untracked_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const time_point now = clock_();
    std::lock_guard carrier_lock(k->mutex);
    if (k->down) return;
    k->down = true;
    k->down_reason = fmt::format("carrier {}: {}", k->name, reason);
    k->down_flag.store(true, std::memory_order_release);
    spdlog::warn("health: carrier {} down ({}): all its countries cut", k->name, reason);
    std::vector<Transition> out;
    for (Entry* e : k->entries) {
        std::lock_guard lock(e->mutex);
        for (std::size_t c = 0; c < traffic_class_count; ++c) {
            e->circuits[c].hold_open(now, k->down_reason, out);
            report(*e, c, out);
        }
    }
}

void HealthMonitor::carrier_up(std::string_view carrier) {
    Carrier* k = find_carrier(carrier);
    if (!k) return;
    const time_point now = clock_();
    std::lock_guard carrier_lock(k->mutex);
    if (!k->down) return;
    k->down = false;
    k->down_flag.store(false, std::memory_order_release);
    spdlog::info("health: carrier {} up: probing its countries", k->name);
    std::vector<Transition> out;
    for (Entry* e : k->entries) {
        std::lock_guard lock(e->mutex);
        for (std::size_t c = 0; c < traffic_class_count; ++c) {
            e->circuits[c].release(now, settings_.classes[c], out);
            report(*e, c, out);
        }
    }
}

bool HealthMonitor::open(std::string_view carrier, std::string_view country) const {
    return open(carrier, country, settings_.default_class);
}

bool HealthMonitor::open(std::string_view carrier, std::string_view country, TrafficClass tc) const {
    const auto cls = static_cast<std::size_t>(tc);
    Entry* e = find(carrier, country);
    if (!e) return carrier_cut(carrier, tc);
    Circuit& circuit = e->circuits[cls];
    // Closed (nearly always): no clock, no lock. A closed circuit of a
    // carrier can't coexist with "all its countries open", and binds down
    // opens every circuit, so the carrier needs no look here.
    if (circuit.state() == CircuitState::closed) return false;
    const time_point now = clock_();
    auto v = circuit.verdict(now);
    if (v == Circuit::Verdict::cool_down_over) {
        {
            std::lock_guard lock(e->mutex);
            std::vector<Transition> out;
            circuit.tick(now, settings_.classes[cls], out);
            report(*e, cls, out);
        }
        v = circuit.verdict(now);
    }
    return v != Circuit::Verdict::pass;
}

bool HealthMonitor::carrier_cut(std::string_view carrier, TrafficClass tc) const {
    Carrier* k = find_carrier(carrier);
    if (!k) return false;
    if (k->down_flag.load(std::memory_order_acquire)) return true;
    const auto n = k->countries.load(std::memory_order_acquire);
    return n > 0 && k->open_countries[static_cast<std::size_t>(tc)].load(std::memory_order_acquire) >= n;
}

CircuitStatus HealthMonitor::circuit(std::string_view carrier, std::string_view country, TrafficClass tc) const {
    Entry* e = find(carrier, country);
    if (!e) return {};
    const auto cls = static_cast<std::size_t>(tc);
    std::lock_guard lock(e->mutex);
    const Circuit& c = e->circuits[cls];
    return {c.state(), c.permille(), c.reason(), c.transitions()};
}

std::vector<HealthEntry> HealthMonitor::snapshot() const {
    std::vector<Entry*> all;
    {
        std::lock_guard insert(insert_mutex_);
        all.reserve(entries_.size());
        for (const auto& e : entries_) all.push_back(e.get());
    }
    const time_point now = clock_();
    std::vector<HealthEntry> out;
    out.reserve(all.size());
    std::vector<Transition> transitions;
    for (Entry* e : all) {
        std::lock_guard lock(e->mutex);
        e->windows.advance(now);
        HealthEntry h;
        h.carrier = e->carrier;
        h.country = e->country;
        for (std::size_t c = 0; c < traffic_class_count; ++c) {
            Circuit& circuit = e->circuits[c];
            circuit.tick(now, settings_.classes[c], transitions);
            report(*e, c, transitions);
            h.circuits[c] = {circuit.state(), circuit.permille(), circuit.reason(), circuit.transitions()};
        }
        const Counts& m5 = e->windows.total(Span::m5);
        const Counts& m15 = e->windows.total(Span::m15);
        h.submits_1m = e->windows.total(Span::m1).submit_total();
        h.submits_5m = m5.submit_total();
        h.errors_5m = m5.submit_errors();
        h.error_rate_5m = m5.error_rate();
        h.submits_by_class_5m = m5.submits;
        h.receipts_15m = m15.receipt_total();
        h.delivered_15m = m15.delivered();
        h.delivery_rate_15m = m15.delivery_rate();
        h.submit_p50_ms_5m = m5.submit_latency.percentile_ms(0.5);
        h.submit_p99_ms_5m = m5.submit_latency.percentile_ms(0.99);
        h.receipt_p50_ms_15m = m15.receipt_latency.percentile_ms(0.5);
        h.error_rate_1h = e->windows.total(Span::h1).error_rate();
        out.push_back(std::move(h));
    }
    return out;
}

HealthCounters HealthMonitor::counters() const noexcept {
    auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(opened_), get(half_opened_), get(ramp_steps_), get(closed_), get(untracked_)};
}

std::string to_text(const HealthEntry& e) {
    // The reason shown is the worst circuit's: open, then half-open, ramping.
    auto severity = [](CircuitState s) {
        switch (s) {
        case CircuitState::open: return 3;
        case CircuitState::half_open: return 2;
        case CircuitState::ramping: return 1;
        case CircuitState::closed: return 0;
        }
        return 0;
    };
    fmt::memory_buffer out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{} {}", e.carrier, e.country.empty() ? std::string_view("-") : std::string_view(e.country));
    std::size_t worst = 0;
    for (std::size_t c = 0; c < traffic_class_count; ++c) {
        const auto& s = e.circuits[c];
        fmt::format_to(it, " {}={}", class_name(c), name(s.state));
        if (s.state == CircuitState::half_open || s.state == CircuitState::ramping)
            fmt::format_to(it, "/{}", percent(s.permille / 1000.0));
        if (severity(s.state) > severity(e.circuits[worst].state)) worst = c;
    }
    fmt::format_to(it, " err5m={} ({}/{})", percent(e.error_rate_5m), e.errors_5m, e.submits_5m);
    if (e.delivery_rate_15m < 0)
        fmt::format_to(it, " deliv15m=-");
    else
        fmt::format_to(it, " deliv15m={} ({}/{})", percent(e.delivery_rate_15m), e.delivered_15m, e.receipts_15m);
    fmt::format_to(it, " submit_p50={} submit_p99={}", duration_text(e.submit_p50_ms_5m),
                   duration_text(e.submit_p99_ms_5m));
    if (e.receipts_15m)
        fmt::format_to(it, " receipt_p50={}", duration_text(e.receipt_p50_ms_15m));
    else
        fmt::format_to(it, " receipt_p50=-");
    fmt::format_to(it, " err1h={}", percent(e.error_rate_1h));
    const auto& w = e.circuits[worst];
    if (w.state != CircuitState::closed || !w.reason.empty())
        fmt::format_to(it, " reason[{}]=\"{}\"", class_name(worst), w.reason);
    return fmt::to_string(out);
}

std::string to_text(const std::vector<HealthEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        out += to_text(e);
        out += '\n';
    }
    return out;
}

}  // namespace smpp::routing::health
