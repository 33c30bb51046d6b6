#include "smpp/upstream/cidr.hpp"

#include <array>
#include <charconv>

namespace smpp::upstream {

namespace {

using boost::asio::ip::address;

// The address as big-endian octets (4 or 16).
struct Octets {
    std::array<unsigned char, 16> b{};
    std::size_t n = 0;
};

Octets octets(const address& a) noexcept {
    Octets o;
    if (a.is_v4()) {
        auto v = a.to_v4().to_bytes();
        std::copy(v.begin(), v.end(), o.b.begin());
        o.n = 4;
    } else {
        o.b = a.to_v6().to_bytes();
        o.n = 16;
    }
    return o;
}

// True when the first `bits` bits of a and b agree.
bool same_prefix(const Octets& a, const Octets& b, unsigned bits) noexcept {
    std::size_t i = 0;
    for (; bits >= 8; bits -= 8, ++i)
        if (a.b[i] != b.b[i]) return false;
    if (bits == 0) return true;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - bits));
    return (a.b[i] & mask) == (b.b[i] & mask);
}

}  // namespace

address unmapped(const address& a) noexcept {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
    return a;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const address net = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return std::nullopt;
    const unsigned max = net.is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const char* end = digits.data() + digits.size();
        auto [p, err] = std::from_chars(digits.data(), end, prefix);
        if (digits.empty() || err != std::errc{} || p != end || prefix > max) return std::nullopt;
    }
    // Host bits must be zero: the network compared with itself masked.
    const Octets o = octets(net);
    for (unsigned bit = prefix; bit < max; ++bit)
        if (o.b[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
    // contains() compares a peer unmapped, as IPv4, so an IPv4-mapped
    // network (::ffff:10.0.0.0/104) is kept as the IPv4 one it means
    // (10.0.0.0/8); as IPv6 it would never match. Its host-bit check above
    // leaves only prefixes of 96 and more (the ffff sits in bits 80-95).
    if (net.is_v6() && net.to_v6().is_v4_mapped() && prefix >= 96) return Cidr(unmapped(net), prefix - 96);
    return Cidr(net, prefix);
}

bool Cidr::contains(const address& peer) const noexcept {
    const address a = unmapped(peer);
    if (a.is_v4() != network_.is_v4()) return false;
    return same_prefix(octets(a), octets(network_), prefix_);
}

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_); }

}  // namespace smpp::upstream
