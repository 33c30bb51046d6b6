#pragma once
// One entry of an account's IP allow-list: an IPv4 or IPv6 network in CIDR
// notation. A peer connecting over IPv6 with an IPv4-mapped address
// (::ffff:192.0.2.7, a dual-stack listener) matches the IPv4 networks, so
// the allow-list does not depend on how the listener was opened.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace smpp::upstream {

class Cidr {
public:
    // "192.0.2.0/24", "2001:db8::/32", or a bare address (one host: /32,
    // /128). Refuses host bits set under the mask ("10.0.0.1/8"): that is a
    // typo more often than an intent. An IPv4-mapped network or address
    // (::ffff:10.0.0.0/104) becomes the IPv4 one (10.0.0.0/8).
    static std::optional<Cidr> parse(std::string_view text);

    bool contains(const boost::asio::ip::address& peer) const noexcept;
    std::string to_string() const;

    const boost::asio::ip::address& network() const noexcept { return network_; }
    unsigned prefix_length() const noexcept { return prefix_; }

private:
    Cidr(boost::asio::ip::address network, unsigned prefix) : network_(network), prefix_(prefix) {}
    boost::asio::ip::address network_;
    unsigned prefix_ = 0;
};

// ::ffff:a.b.c.d -> a.b.c.d; any other address unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a) noexcept;

}  // namespace smpp::upstream
