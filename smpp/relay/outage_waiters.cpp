#include "smpp/relay/outage_waiters.hpp"

#include <algorithm>

namespace smpp::relay {

void OutageWaiters::add(store::MessageId id, const std::vector<std::string>& carriers, Waker wake) {
    std::lock_guard lock(mutex_);
    auto& e = entries_[id.value()];
    for (const auto& c : e.carriers)
        if (auto it = by_carrier_.find(c); it != by_carrier_.end()) it->second.erase(id.value());
    e.wake = std::move(wake);
    e.carriers.clear();
    for (const auto& c : carriers) {
        if (std::find(e.carriers.begin(), e.carriers.end(), c) != e.carriers.end()) continue;
        e.carriers.push_back(c);
        by_carrier_[c].insert(id.value());
    }
}

bool OutageWaiters::remove(store::MessageId id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id.value());
    if (it == entries_.end()) return false;
    for (const auto& c : it->second.carriers)
        if (auto w = by_carrier_.find(c); w != by_carrier_.end()) {
            w->second.erase(id.value());
            if (w->second.empty()) by_carrier_.erase(w);
        }
    entries_.erase(it);
    return true;
}

std::vector<OutageWaiters::Waker> OutageWaiters::back(std::string_view carrier, std::size_t max) {
    std::vector<Waker> out;
    std::lock_guard lock(mutex_);
    auto w = by_carrier_.find(carrier);
    if (w == by_carrier_.end()) return out;
    std::vector<std::uint64_t> ids;
    for (auto it = w->second.begin(); it != w->second.end() && ids.size() < max; ++it) ids.push_back(*it);
    for (const auto id : ids) {
        auto e = entries_.find(id);
        if (e == entries_.end()) continue;
        for (const auto& c : e->second.carriers)
            if (auto cw = by_carrier_.find(c); cw != by_carrier_.end()) {
                cw->second.erase(id);
                if (cw->second.empty()) by_carrier_.erase(cw);  // may be `w` itself: not used after this loop
            }
        out.push_back(std::move(e->second.wake));
        entries_.erase(e);
    }
    return out;
}

std::vector<std::string> OutageWaiters::awaited() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(by_carrier_.size());
    for (const auto& [c, ids] : by_carrier_) out.push_back(c);
    return out;
}

std::size_t OutageWaiters::waiting_for(std::string_view carrier) const {
    std::lock_guard lock(mutex_);
    auto it = by_carrier_.find(carrier);
    return it == by_carrier_.end() ? 0 : it->second.size();
}

std::size_t OutageWaiters::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace smpp::relay
