#pragma once
// How many messages the forward path lets be `sending` to one carrier at a
// time (its credits), and the messages that wait here for a credit, by class.
//
// Why: a record is `sending`, durably, before it enters the carrier's queue,
// and a restart after a crash turns every `sending` record into in_doubt
// (the carrier may have it). Without credits a carrier's whole throttled
// backlog sat in its queue as `sending`: a kill -9 four seconds into
// 2,000/s towards 500/s carriers left ~5,800 messages in doubt. With credits
// the backlog waits here as accepted/queued, which a restart resumes, and
// only what the carrier's windows and its next moments of tokens take is
// `sending`.
//
// Order: a credit given back goes straight to the oldest waiter of the most
// urgent class (otp, then transactional, then bulk), so otp never waits
// behind bulk here either, and a newcomer never overtakes a waiter: while
// anyone waits, no credit is free.
//
// Bounds, so no carrier holds messages it cannot send:
// - at most `max_waiting` wait; then take() answers `full` and the caller
//   tries the route's next carrier, as the carrier's own queue_limit
//   refusal did before;
// - a carrier that gave no credit back for `stall` while its credits were
//   all in use makes no progress (its binds are down, its SMSC stopped
//   answering): take() answers `stalled` at once, and overdue() hands back
//   the waiters that waited that long, for their next carrier.
//
// Thread-safe: one mutex, taken about twice per message, never held while
// anything else runs.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "smpp/carrier/submit_queue.hpp"

namespace smpp::relay {

// The credits a carrier gets when its settings name none: its windows, and
// a tenth of a second of its max_tps, which covers the ledger's write and
// the carrier's token wait at full rate.
inline std::uint32_t default_credits(std::uint32_t binds, std::uint32_t window, std::uint32_t max_tps) noexcept {
    const std::uint64_t n = std::uint64_t{binds} * window + std::max<std::uint32_t>(1, max_tps / 10);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
}

// What operations see of one carrier's credits.
struct CreditCounts {
    std::uint32_t credits = 0;  // the limit
    std::uint32_t in_use = 0;   // messages `sending` to the carrier
    std::array<std::size_t, carrier::message_classes> waiting{};  // by class: otp, transactional, bulk
    bool stalled = false;
    // Filled in by the forward path, not the credits: messages sleeping
    // until this carrier takes submits again (outage_waiters.hpp).
    std::size_t outage_waiting = 0;
};

template <class Waiter>
class CarrierCredits {
public:
    using clock = std::chrono::steady_clock;
    enum class taken {
        granted,  // the caller holds a credit: give_back() it once the carrier answered
        waiting,  // the waiter is queued; give_back() or overdue() hands it back later
        full,     // max_waiting wait already: try elsewhere
        stalled,  // no credit came back for `stall`: try elsewhere
    };

    using Counts = CreditCounts;

    CarrierCredits(std::uint32_t credits, std::size_t max_waiting, clock::duration stall)
        : credits_(std::max<std::uint32_t>(credits, 1)), max_waiting_(max_waiting), stall_(stall) {}

    // A credit when one is free; never queues.
    bool try_take(clock::time_point now) {
        std::lock_guard lock(m_);
        if (in_use_ >= credits_) return false;
        take_free(now);
        return true;
    }

    taken take(carrier::message_class cls, Waiter w, clock::time_point now) {
        std::lock_guard lock(m_);
        if (in_use_ < credits_) {
            take_free(now);
            return taken::granted;
        }
        if (now - last_progress_ >= stall_) return taken::stalled;
        if (waiting_ >= max_waiting_) return taken::full;
        queues_[index(cls)].push_back({std::move(w), now});
        ++waiting_;
        return taken::waiting;
    }

    // The carrier answered (or the credit went unused). The credit passes to
    // the waiter returned, if any: it now holds it. `hand_on` false (the
    // caller is stopping): it is only freed, and the waiters stay.
    std::optional<Waiter> give_back(clock::time_point now, bool hand_on = true) {
        std::lock_guard lock(m_);
        last_progress_ = now;
        for (auto& q : queues_) {
            if (!hand_on) break;
            if (q.empty()) continue;
            auto w = std::move(q.front().waiter);
            q.pop_front();
            --waiting_;
            return w;
        }
        if (in_use_ > 0) --in_use_;
        return std::nullopt;
    }

    // Waiters that waited `stall` or longer while no credit came back: they
    // leave the queue without a credit.
    std::vector<Waiter> overdue(clock::time_point now) {
        std::vector<Waiter> out;
        std::lock_guard lock(m_);
        if (waiting_ == 0 || now - last_progress_ < stall_) return out;
        for (auto& q : queues_) {
            while (!q.empty() && now - q.front().since >= stall_) {
                out.push_back(std::move(q.front().waiter));
                q.pop_front();
                --waiting_;
            }
        }
        return out;
    }

    Counts counts(clock::time_point now) const {
        std::lock_guard lock(m_);
        Counts c{.credits = credits_, .in_use = in_use_};
        for (std::size_t i = 0; i < queues_.size(); ++i) c.waiting[i] = queues_[i].size();
        c.stalled = in_use_ >= credits_ && now - last_progress_ >= stall_;
        return c;
    }

    std::size_t waiting() const {
        std::lock_guard lock(m_);
        return waiting_;
    }

private:
    struct Waiting {
        Waiter waiter;
        clock::time_point since;
    };

    static std::size_t index(carrier::message_class c) noexcept { return static_cast<std::size_t>(c); }

    // An idle carrier starts its stall clock at its first credit, not at
    // its last answer minutes ago.
    void take_free(clock::time_point now) {
        if (in_use_ == 0) last_progress_ = now;
        ++in_use_;
    }

    mutable std::mutex m_;
    const std::uint32_t credits_;
    const std::size_t max_waiting_;
    const clock::duration stall_;
    std::uint32_t in_use_ = 0;
    std::size_t waiting_ = 0;
    clock::time_point last_progress_{};
    std::array<std::deque<Waiting>, carrier::message_classes> queues_{};
};

}  // namespace smpp::relay
