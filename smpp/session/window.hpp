#pragma once
// The window of requests we sent and await responses for, keyed by
// sequence_number, with a deadline each. A pure data structure: time comes
// in as an argument, so its tests need no clock.
#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <vector>

#include "smpp/protocol/command_id.hpp"

namespace smpp::session {

template <class Waiter>
class Window {
public:
    using clock = std::chrono::steady_clock;

    explicit Window(std::uint32_t capacity) : capacity_(capacity) {}

    std::uint32_t capacity() const noexcept { return capacity_; }
    std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(entries_.size()); }
    bool full() const noexcept { return entries_.size() >= capacity_; }
    std::uint32_t room() const noexcept { return full() ? 0 : capacity_ - size(); }

    // False when full or the sequence number is already outstanding.
    bool insert(std::uint32_t sequence_number, protocol::command_id id, clock::time_point deadline, Waiter w) {
        if (full()) return false;
        auto [it, inserted] = entries_.try_emplace(sequence_number, Entry{id, deadline, std::move(w)});
        if (!inserted) return false;
        // Kept sorted so expire() and next_deadline() look only at the front.
        // Requests share one timeout, so this is a push_back; bind and unbind
        // have their own timeouts and may land further forward.
        auto pos = deadlines_.end();
        while (pos != deadlines_.begin() && std::prev(pos)->first > deadline) --pos;
        deadlines_.insert(pos, {deadline, sequence_number});
        return true;
    }

    bool contains(std::uint32_t sequence_number) const { return entries_.count(sequence_number) != 0; }

    // The waiter for a response, or nullopt (unexpected: late, duplicate,
    // bogus). A response's command_id must be the request's response id or
    // generic_nack; anything else is unexpected and leaves the entry alone.
    std::optional<Waiter> complete(std::uint32_t sequence_number, protocol::command_id response) {
        auto it = entries_.find(sequence_number);
        if (it == entries_.end()) return std::nullopt;
        if (response != protocol::command_id::generic_nack && response != protocol::response_id(it->second.id))
            return std::nullopt;
        Waiter w = std::move(it->second.waiter);
        entries_.erase(it);
        return w;
    }

    // Removes and returns every entry whose deadline is <= now.
    std::vector<Waiter> expire(clock::time_point now) {
        std::vector<Waiter> out;
        while (!deadlines_.empty() && deadlines_.front().first <= now) {
            auto seq = deadlines_.front().second;
            deadlines_.pop_front();
            auto it = entries_.find(seq);
            // A later entry may reuse a sequence number after wrap-around;
            // only expire it if its own deadline has passed.
            if (it != entries_.end() && it->second.deadline <= now) {
                out.push_back(std::move(it->second.waiter));
                entries_.erase(it);
            }
        }
        // Completed entries leave stale deadlines behind; drop them lazily so
        // the deque stays bounded by a small multiple of the window.
        if (deadlines_.size() > 4 * static_cast<std::size_t>(capacity_) + 64) compact();
        return out;
    }

    // The earliest deadline still outstanding, for arming one timer.
    std::optional<clock::time_point> next_deadline() const {
        for (const auto& [deadline, seq] : deadlines_) {
            auto it = entries_.find(seq);
            if (it != entries_.end() && it->second.deadline == deadline) return deadline;
        }
        return std::nullopt;
    }

    // Removes and returns every waiter (the session closed).
    std::vector<Waiter> drain() {
        std::vector<Waiter> out;
        out.reserve(entries_.size());
        for (auto& [seq, e] : entries_) out.push_back(std::move(e.waiter));
        entries_.clear();
        deadlines_.clear();
        return out;
    }

private:
    struct Entry {
        protocol::command_id id;
        clock::time_point deadline;
        Waiter waiter;
    };
    void compact() {
        std::deque<std::pair<clock::time_point, std::uint32_t>> kept;
        for (const auto& d : deadlines_) {
            auto it = entries_.find(d.second);
            if (it != entries_.end() && it->second.deadline == d.first) kept.push_back(d);
        }
        deadlines_.swap(kept);
    }

    std::uint32_t capacity_;
    std::unordered_map<std::uint32_t, Entry> entries_;
    std::deque<std::pair<clock::time_point, std::uint32_t>> deadlines_;
};

}  // namespace smpp::session
