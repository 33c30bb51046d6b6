#pragma once
// Items due at a time, served earliest first (ties in insertion order): the
// delayed submit_sm_resp and receipts of one carrier wait here, and one
// timer armed for earliest() serves them all.
//
// A carrier's delays are mostly constant, so items usually arrive already in
// due order: those go to a FIFO (O(1), no comparisons, no moves); only an
// item due before the FIFO's last one (reorder fault, a changed latency)
// goes to a binary heap beside it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace smpp::sim {

template <class T>
class DueQueue {
public:
    using clock = std::chrono::steady_clock;

    void push(clock::time_point due, T value) {
        Entry e{due, order_++, std::move(value)};
        if (fifo_.empty() || fifo_.back().due <= due) {
            fifo_.push_back(std::move(e));
        } else {
            heap_.push_back(std::move(e));
            std::push_heap(heap_.begin(), heap_.end(), later);
        }
    }
    std::optional<clock::time_point> earliest() const {
        const Entry* e = front();
        if (!e) return std::nullopt;
        return e->due;
    }
    // The earliest item if it is due by `limit`, left in place (null if none).
    T* peek_due(clock::time_point limit) {
        const Entry* e = front();
        return e && e->due <= limit ? const_cast<T*>(&e->value) : nullptr;
    }
    // The earliest item if it is due by `limit`.
    std::optional<T> pop_due(clock::time_point limit) {
        const Entry* e = front();
        if (!e || e->due > limit) return std::nullopt;
        if (!fifo_.empty() && e == &fifo_.front()) {
            T value = std::move(fifo_.front().value);
            fifo_.pop_front();
            return value;
        }
        std::pop_heap(heap_.begin(), heap_.end(), later);
        T value = std::move(heap_.back().value);
        heap_.pop_back();
        return value;
    }
    std::size_t size() const noexcept { return fifo_.size() + heap_.size(); }
    bool empty() const noexcept { return fifo_.empty() && heap_.empty(); }
    void clear() noexcept {
        fifo_.clear();
        heap_.clear();
    }

private:
    struct Entry {
        clock::time_point due;
        std::uint64_t order;
        T value;
    };
    static bool later(const Entry& a, const Entry& b) {
        return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
    const Entry* front() const {
        const Entry* f = fifo_.empty() ? nullptr : &fifo_.front();
        const Entry* h = heap_.empty() ? nullptr : &heap_.front();
        if (!f) return h;
        if (!h) return f;
        return later(*f, *h) ? h : f;
    }
    std::deque<Entry> fifo_;
    std::vector<Entry> heap_;
    std::uint64_t order_ = 0;
};

}  // namespace smpp::sim
