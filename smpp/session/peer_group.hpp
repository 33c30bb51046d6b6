#pragma once
// The unit that per-address limits count a peer by: one IPv4 address, or
// one IPv6 /64. Every ISP hands an IPv6 customer at least a /64, and any
// host on it may source each connection from a different address in it;
// counted per /128 such a host has 2^64 fresh addresses and no limit at
// all. A /64 is what one subscriber (or one server's interface) holds, so
// it is the IPv6 counterpart of one IPv4 address. An IPv4 peer reached over
// a dual-stack socket (::ffff:192.0.2.7) is the IPv4 address, so the
// limits do not depend on how the listener was opened.
#include <string>

#include <boost/asio/ip/address.hpp>

namespace smpp::session {

class PeerGroup {
public:
    static constexpr unsigned ipv6_prefix_length = 64;

    explicit PeerGroup(const boost::asio::ip::address& peer) noexcept;

    // "192.0.2.7", or "2001:db8:1:2::/64": log lines name the group, so an
    // operator reading them sees that the whole /64 is counted or locked.
    std::string to_string() const;

    // The IPv4 address, or the IPv6 network with its host bits cleared.
    const boost::asio::ip::address& network() const noexcept { return network_; }
    unsigned prefix_length() const noexcept { return network_.is_v4() ? 32 : ipv6_prefix_length; }

    friend bool operator==(const PeerGroup& a, const PeerGroup& b) noexcept { return a.network_ == b.network_; }
    friend bool operator<(const PeerGroup& a, const PeerGroup& b) noexcept { return a.network_ < b.network_; }

private:
    boost::asio::ip::address network_;
};

}  // namespace smpp::session
