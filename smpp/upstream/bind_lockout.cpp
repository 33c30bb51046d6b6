#include "smpp/upstream/bind_lockout.hpp"

#include <algorithm>


namespace smpp::upstream {

std::optional<FieldError> BindLockoutSettings::validate() const {
    if (max_failures < 1 || max_failures > 1000) return FieldError{"max_failures", "must be between 1 and 1000"};
    if (window < std::chrono::seconds(1) || window > std::chrono::hours(24))
        return FieldError{"window", "must be between 1s and 24h"};
    if (max_tracked_addresses < 1 || max_tracked_addresses > 10'000'000)
        return FieldError{"max_tracked_addresses", "must be between 1 and 10000000"};
    return std::nullopt;
}

BindLockout::BindLockout(BindLockoutSettings settings) : settings_(settings) {}

void BindLockout::prune(Entry& e, clock::time_point now) const {
    const auto cutoff = now - settings_.window;
    auto keep = std::find_if(e.failures.begin(), e.failures.end(), [&](auto t) { return t > cutoff; });
    e.failures.erase(e.failures.begin(), keep);
}

bool BindLockout::locked(const boost::asio::ip::address& peer, clock::time_point now) {
    const session::PeerGroup group(peer);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(group);
    if (it == entries_.end()) return false;
    prune(it->second, now);
    if (it->second.failures.empty()) {
        lru_.erase(it->second.lru);
        entries_.erase(it);
        return false;
    }
    return it->second.failures.size() >= settings_.max_failures;
}

void BindLockout::record_failure(const boost::asio::ip::address& peer, clock::time_point now) {
    const session::PeerGroup group(peer);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(group);
    if (it == entries_.end()) {
        if (entries_.size() >= settings_.max_tracked_addresses) {
            entries_.erase(lru_.front());
            lru_.pop_front();
        }
        it = entries_.emplace(group, Entry{}).first;
        it->second.lru = lru_.insert(lru_.end(), group);
    } else {
        lru_.splice(lru_.end(), lru_, it->second.lru);
    }
    Entry& e = it->second;
    prune(e, now);
    if (e.failures.size() >= settings_.max_failures) e.failures.erase(e.failures.begin());
    e.failures.push_back(now);
}

std::size_t BindLockout::tracked() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace smpp::upstream
