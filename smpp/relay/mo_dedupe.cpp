#include "smpp/relay/mo_dedupe.hpp"

#include <algorithm>

#include "smpp/protocol/tlv.hpp"

namespace smpp::relay {
std::string mo_dedupe_key(const store::MobileOriginated& m) { return store::mo_seen_key(m); }

void take_mo_identity(const protocol::Pdu& pdu, store::MobileOriginated& m) {
    auto take = [&](const auto& b) {
        const auto ref = b.tlvs.sar_msg_ref_num();
        const auto total = b.tlvs.sar_total_segments();
        const auto part = b.tlvs.sar_segment_seqnum();
        if (ref && total && part) m.sar = store::Concatenation{*ref, *total, *part};
        if (auto id = b.tlvs.receipted_message_id()) m.carrier_message_id = std::string(*id);
    };
    if (auto* d = pdu.as<protocol::DeliverSm>()) take(*d);
    else if (auto* d = pdu.as<protocol::DataSm>()) take(*d);
}

std::string mo_dedupe_key(std::string_view carrier, const protocol::Pdu& pdu) {
    store::MobileOriginated m;
    m.carrier = std::string(carrier);
    auto take = [&](const auto& b) {
        m.source.address = b.source.addr;
        m.destination.address = b.dest.addr;
        m.data_coding = b.data_coding;
        if constexpr (requires { b.short_message; }) m.payload = b.short_message;
        if (m.payload.empty())
            if (auto p = b.tlvs.message_payload()) m.payload = std::string(*p);
    };
    if (auto* d = pdu.as<protocol::DeliverSm>()) take(*d);
    else if (auto* d = pdu.as<protocol::DataSm>()) take(*d);
    take_mo_identity(pdu, m);
    return mo_dedupe_key(m);
}

MoDedupe::sighting MoDedupe::see(const std::string& key, clock::time_point now) {
    if (window_.count() <= 0) return sighting::fresh;
    std::lock_guard lock(mutex_);
    prune(now);
    // prune() dropped every sighting older than the window.
    if (auto it = seen_.find(key); it != seen_.end()) return it->second.stored ? sighting::duplicate : sighting::in_flight;
    seen_.emplace(key, Seen{now, false});
    by_time_.emplace(now, key);
    while (seen_.size() > max_keys_ && !by_time_.empty()) {
        seen_.erase(by_time_.begin()->second);
        by_time_.erase(by_time_.begin());
    }
    return sighting::fresh;
}

void MoDedupe::seed(const std::string& key, clock::time_point at) {
    if (window_.count() <= 0) return;
    std::lock_guard lock(mutex_);
    if (seen_.count(key)) return;
    seen_.emplace(key, Seen{at, true});
    by_time_.emplace(at, key);
}

void MoDedupe::stored(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (auto it = seen_.find(key); it != seen_.end()) it->second.stored = true;
}

void MoDedupe::forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = seen_.find(key);
    if (it == seen_.end()) return;
    auto [lo, hi] = by_time_.equal_range(it->second.at);
    for (auto t = lo; t != hi; ++t)
        if (t->second == key) {
            by_time_.erase(t);
            break;
        }
    seen_.erase(it);
}

std::size_t MoDedupe::size() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
}

void MoDedupe::prune(clock::time_point now) {
    while (!by_time_.empty() && now - by_time_.begin()->first >= window_) {
        seen_.erase(by_time_.begin()->second);
        by_time_.erase(by_time_.begin());
    }
}

store::StatusOr<std::size_t> seed_parked_mos(MoDedupe& d, const store::Ledger& ledger,
                                             const std::vector<std::string>& accounts, store::Timestamp now,
                                             std::size_t limit) {
    std::size_t seeded = 0;
    const auto steady_now = d.now();
    for (const auto& account : accounts) {
        auto parked = ledger.pending_mo(account, limit);
        if (!parked.ok()) return parked.status();
        for (const auto& m : *parked) {
            const auto age = now - m.received_at;
            if (age >= d.window()) continue;
            d.seed(mo_dedupe_key(m), steady_now - std::max(age, std::chrono::milliseconds{0}));
            ++seeded;
        }
    }
    return seeded;
}

store::StatusOr<std::size_t> seed_seen_mos(MoDedupe& d, const store::Ledger& ledger, store::Timestamp now,
                                           std::size_t limit) {
    if (d.window().count() <= 0) return std::size_t{0};
    // Strictly within the window, as see() counts it.
    auto seen = ledger.mo_sightings(now - d.window() + std::chrono::milliseconds{1}, limit);
    if (!seen.ok()) return seen.status();
    const auto steady_now = d.now();
    for (const auto& s : *seen) d.seed(s.key, steady_now - std::max(now - s.at, std::chrono::milliseconds{0}));
    return seen->size();
}

}  // namespace smpp::relay
