#include "routing/health/delivery_quality.hpp"

#include <cmath>

namespace smpp::routing::health {

namespace {

std::int64_t ms_of(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

int utc_hour(std::int64_t ms) {
    constexpr std::int64_t hour = 3600 * 1000;
    std::int64_t h = ms / hour;
    if (ms % hour < 0) --h;  // floor, for times before 1970
    return static_cast<int>(((h % 24) + 24) % 24);
}

// "carrier\x1fcountry": the unit separator is in neither.
std::string key_of(std::string_view carrier, std::string_view country) {
    std::string k;
    k.reserve(carrier.size() + country.size() + 1);
    k.append(carrier).push_back('\x1f');
    k.append(country);
    return k;
}

}  // namespace

DeliveryQuality::Counts DeliveryQuality::decayed(const Counts& c, std::int64_t t_ms) const noexcept {
    if (t_ms <= c.at_ms || settings_.half_life.count() <= 0) return c;
    const double f =
        std::exp2(-static_cast<double>(t_ms - c.at_ms) / static_cast<double>(settings_.half_life.count()));
    return Counts{c.delivered * f, c.failed * f, t_ms};
}

void DeliveryQuality::add(Counts& c, bool delivered, std::int64_t t_ms) const noexcept {
    double weight = 1;
    if (t_ms >= c.at_ms) {
        c = decayed(c, t_ms);
    } else if (settings_.half_life.count() > 0) {
        // Receipts arrive out of send order: an older outcome enters already faded.
        weight = std::exp2(-static_cast<double>(c.at_ms - t_ms) / static_cast<double>(settings_.half_life.count()));
    }
    (delivered ? c.delivered : c.failed) += weight;
}

void DeliveryQuality::record(std::string_view carrier, std::string_view country, ReceiptState s, wall_time sent_at) {
    if (s == ReceiptState::unknown) return;
    const bool delivered = s == ReceiptState::delivered;
    const std::int64_t t = ms_of(sent_at);
    std::string key = key_of(carrier, country);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= settings_.max_entries) {
            untracked_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        it = entries_.emplace(std::move(key), Entry{}).first;
        it->second.day.at_ms = t;
        for (auto& h : it->second.hours) h.at_ms = t;
    }
    add(it->second.day, delivered, t);
    add(it->second.hours[static_cast<std::size_t>(utc_hour(t))], delivered, t);
}

QualityEstimate DeliveryQuality::estimate(std::string_view carrier, std::string_view country, wall_time at) const {
    const std::int64_t t = ms_of(at);
    QualityEstimate e;
    e.hour = utc_hour(t);
    Counts day, hour;
    {
        std::string key = key_of(carrier, country);
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            day = decayed(it->second.day, t);
            hour = decayed(it->second.hours[static_cast<std::size_t>(e.hour)], t);
        }
    }
    const double m = settings_.prior_success, w = settings_.prior_weight, wh = settings_.hour_weight;
    e.day_delivered = day.delivered;
    e.day_receipts = day.delivered + day.failed;
    e.hour_delivered = hour.delivered;
    e.hour_receipts = hour.delivered + hour.failed;
    e.day_success = e.day_receipts + w > 0 ? (e.day_delivered + m * w) / (e.day_receipts + w) : m;
    e.success = e.hour_receipts + wh > 0 ? (e.hour_delivered + e.day_success * wh) / (e.hour_receipts + wh)
                                         : e.day_success;
    return e;
}

std::size_t DeliveryQuality::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace smpp::routing::health
