#pragma once
// The carrier's queue of submits waiting for a token and window room: otp
// before transactional before bulk, FIFO within a class, bounded. A message
// that has to go again (the carrier answered ESME_RTHROTTLED) goes back to
// its place by arrival order, so throttling never reorders a class.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

namespace smpp::carrier {

enum class message_class : std::uint8_t { otp = 0, transactional = 1, bulk = 2 };
inline constexpr std::size_t message_classes = 3;

inline std::string_view name(message_class c) noexcept {
    switch (c) {
        case message_class::otp: return "otp";
        case message_class::transactional: return "transactional";
        case message_class::bulk: return "bulk";
    }
    return "?";
}

enum class push_result { queued, full };

template <class T>
class SubmitQueue {
public:
    struct Entry {
        message_class cls;
        std::uint64_t order;  // arrival number, for requeue()
        T item;
    };

    explicit SubmitQueue(std::size_t capacity) : capacity_(capacity) {}

    // Refuses when `capacity` entries are queued: the caller hears it at once
    // and may route elsewhere (backpressure, not an unbounded heap).
    push_result push(message_class c, T item) {
        if (size_ >= capacity_) return push_result::full;
        queues_[index(c)].push_back(Entry{c, next_order_++, std::move(item)});
        ++size_;
        return push_result::queued;
    }

    // Puts a popped entry back at its place in its class. Never refused: the
    // entry held a slot before it was popped.
    void requeue(Entry e) {
        auto& q = queues_[index(e.cls)];
        auto pos = q.begin();
        while (pos != q.end() && pos->order < e.order) ++pos;
        q.insert(pos, std::move(e));
        ++size_;
    }

    std::optional<Entry> pop() {
        for (auto& q : queues_) {
            if (q.empty()) continue;
            Entry e = std::move(q.front());
            q.pop_front();
            --size_;
            return e;
        }
        return std::nullopt;
    }

    // Everything, highest class first (for a stop that must answer each one).
    std::vector<Entry> take_all() {
        std::vector<Entry> out;
        out.reserve(size_);
        for (auto& q : queues_) {
            for (auto& e : q) out.push_back(std::move(e));
            q.clear();
        }
        size_ = 0;
        return out;
    }

    std::size_t size() const noexcept { return size_; }
    std::size_t size(message_class c) const noexcept { return queues_[index(c)].size(); }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    static std::size_t index(message_class c) noexcept { return static_cast<std::size_t>(c); }
    std::size_t capacity_;
    std::size_t size_ = 0;
    std::uint64_t next_order_ = 0;
    std::array<std::deque<Entry>, message_classes> queues_;
};

}  // namespace smpp::carrier
