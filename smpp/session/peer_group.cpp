#include "smpp/session/peer_group.hpp"

#include <algorithm>

namespace smpp::session {

namespace {

boost::asio::ip::address group_network(const boost::asio::ip::address& a) noexcept {
    if (a.is_v4()) return a;
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + PeerGroup::ipv6_prefix_length / 8, bytes.end(), 0);
    // The scope id (fe80::1%eth0) goes with the host bits: all link-local
    // peers are one fe80::/64. SMPP peers do not bind over link-local
    // addresses in practice, and one key per network keeps the maps simple.
    return boost::asio::ip::address_v6(bytes);
}

}  // namespace

PeerGroup::PeerGroup(const boost::asio::ip::address& peer) noexcept : network_(group_network(peer)) {}

std::string PeerGroup::to_string() const {
    if (network_.is_v4()) return network_.to_string();
    return network_.to_string() + "/" + std::to_string(ipv6_prefix_length);
}

}  // namespace smpp::session
