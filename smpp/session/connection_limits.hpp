#pragma once
// How many connections a listener keeps open at once, in all and per peer
// address (a PeerGroup: an IPv4 address or an IPv6 /64). Every connection costs a file descriptor and a read buffer
// before its peer has proved anything (bind_timeout closes it only after
// seconds, and the peer reconnects): without a cap one host opening
// thousands starves the process of descriptors and memory for everyone.
//
// admit() hands out a token that holds the connection's place until it is
// destroyed (the session's handler keeps it). Thread-safe.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include <boost/asio/ip/address.hpp>

#include "smpp/session/peer_group.hpp"

namespace smpp::session {

class ConnectionLimits : public std::enable_shared_from_this<ConnectionLimits> {
public:
    // 0: no limit of that kind.
    static std::shared_ptr<ConnectionLimits> create(std::size_t max_total, std::size_t max_per_address);

    // The connection's place, or null when taking it would pass a limit
    // (the caller refuses the connection; refusals are logged at most every
    // 10 seconds, with their count).
    std::shared_ptr<void> admit(const boost::asio::ip::address& peer);

    std::size_t open() const;
    // Open from the peer's group (its /64 for IPv6), not the one address.
    std::size_t open_from(const boost::asio::ip::address& peer) const;
    std::uint64_t refused() const;

private:
    ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}
    void release(const PeerGroup& group);

    const std::size_t max_total_;
    const std::size_t max_per_address_;
    mutable std::mutex mutex_;
    std::size_t open_ = 0;
    std::map<PeerGroup, std::size_t> per_address_;
    std::uint64_t refused_ = 0;
    std::uint64_t refused_logged_ = 0;
    std::chrono::steady_clock::time_point next_log_{};
};

}  // namespace smpp::session
