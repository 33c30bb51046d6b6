#pragma once
// A bounded map that forgets its oldest keys first, one at a time: the
// ledger writer's memory of recent carrier-ID index entries.
//
// Why not an unordered_map cleared when full: on the writer thread a
// rehash or a clear() of a few hundred thousand entries took 20-80 ms, and
// every submit_sm_resp waited behind it (the half-load latency tail,
// docs/PERFORMANCE.md "Wave 7"). Here the table is sized for the bound
// once, at construction, so it never rehashes (which also keeps the
// iterators in `order_` valid), and each insertion past the bound evicts
// exactly one old key.
//
// Not thread-safe (one writer thread owns it).
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace smpp::store {

template <class Value>
class RecentEntries {
public:
    // bound 0: remembers nothing.
    explicit RecentEntries(std::size_t bound = 0) { reset(bound); }
    RecentEntries(const RecentEntries&) = delete;  // `order_` points into `map_`
    RecentEntries& operator=(const RecentEntries&) = delete;

    // Forgets everything and takes a new bound (at start-up, not per write:
    // this is the one place that sizes the table).
    void reset(std::size_t bound) {
        order_.clear();
        map_.clear();
        bound_ = bound;
        map_.reserve(bound);
    }

    // Sets `key`'s value; a new key beyond the bound evicts the oldest key.
    void set(const std::string& key, Value value) {
        if (bound_ == 0) return;
        if (auto it = map_.find(key); it != map_.end()) {
            it->second = std::move(value);
            return;
        }
        if (map_.size() == bound_) {
            map_.erase(order_.front());
            order_.pop_front();
        }
        order_.push_back(map_.emplace(key, std::move(value)).first);
    }

    // The value last set for `key`, or null when it is not remembered.
    const Value* find(const std::string& key) const {
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : &it->second;
    }

    std::size_t size() const noexcept { return map_.size(); }
    std::size_t bound() const noexcept { return bound_; }

private:
    using Map = std::unordered_map<std::string, Value>;
    std::size_t bound_ = 0;
    Map map_;
    std::deque<typename Map::iterator> order_;  // oldest first; one per key in map_
};

}  // namespace smpp::store
