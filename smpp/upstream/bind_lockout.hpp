#pragma once
// Lockout of source addresses that keep failing to bind: after
// max_failures failed binds within `window`, further binds from that
// address are refused (ESME_RBINDFAIL) without looking at the password,
// until the oldest of those failures is older than the window. So a
// password guesser gets max_failures tries per window, and the Argon2id
// worker is not theirs to keep busy. Memory is bounded: at most
// max_tracked_addresses addresses are remembered; past that the address
// whose last failure is the oldest is forgotten first. An "address" is a
// session::PeerGroup: an IPv6 peer is counted and locked by its /64, else
// a guesser with a /64 would get max_failures tries per each of 2^64
// addresses. Thread-safe.
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "smpp/session/peer_group.hpp"
#include "smpp/upstream/field_error.hpp"

namespace smpp::upstream {

struct BindLockoutSettings {
    std::uint32_t max_failures = 5;
    std::chrono::seconds window{60};
    std::size_t max_tracked_addresses = 10'000;

    std::optional<FieldError> validate() const;
};

class BindLockout {
public:
    using clock = std::chrono::steady_clock;

    explicit BindLockout(BindLockoutSettings settings);

    bool locked(const boost::asio::ip::address& peer, clock::time_point now);
    void record_failure(const boost::asio::ip::address& peer, clock::time_point now);
    std::size_t tracked() const;

private:
    struct Entry {
        // Failure times within the window, oldest first; at most max_failures.
        std::vector<clock::time_point> failures;
        std::list<session::PeerGroup>::iterator lru;
    };
    void prune(Entry& e, clock::time_point now) const;

    BindLockoutSettings settings_;
    mutable std::mutex mutex_;
    std::map<session::PeerGroup, Entry> entries_;
    // Least recently failed first.
    std::list<session::PeerGroup> lru_;
};

}  // namespace smpp::upstream
