#pragma once
// Messages whose last round met only refusals (every carrier of their route
// down, unbound or disabled) sleep until their next round, at most
// forward.outage_retry_max (30 s) away. An operator expects a carrier's
// backlog to go the moment its bind is back, as Kannel's per-SMSC queues
// and Jasmin's per-connector queues do: so they are listed here under the
// carriers that refused them, and the forward path wakes them when one of
// those carriers takes submits again (ForwardPath::watch_outage()).
//
// Thread-safe: the forward path adds from ledger completions and removes
// from whichever thread resumes a message.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/message_id.hpp"

namespace smpp::relay {

class OutageWaiters {
public:
    // Ends the message's sleep (the forward path's; called without a lock
    // held).
    using Waker = std::function<void()>;
    // `id` waits for one of `carriers` (replacing an earlier entry of it).
    void add(store::MessageId id, const std::vector<std::string>& carriers, Waker wake);
    // It woke on its own, or it is gone. False when it was not listed.
    bool remove(store::MessageId id);
    // `carrier` takes submits again: up to `max` of its waiters, no longer
    // listed anywhere, in the order they came; the rest stay for the next
    // call.
    std::vector<Waker> back(std::string_view carrier, std::size_t max);
    // The carriers someone waits for.
    std::vector<std::string> awaited() const;
    // How many wait for `carrier` (one waiting for two counts at both).
    std::size_t waiting_for(std::string_view carrier) const;
    std::size_t size() const;

private:
    struct Entry {
        Waker wake;
        std::vector<std::string> carriers;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> entries_;
    // Per carrier its waiters by id: ids rise with time, so this is the
    // order they came in.
    std::map<std::string, std::set<std::uint64_t>, std::less<>> by_carrier_;
};

}  // namespace smpp::relay
