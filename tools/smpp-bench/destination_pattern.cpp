#include "tools/smpp-bench/destination_pattern.hpp"

#include <algorithm>

namespace smpp::bench {

DestinationPattern::DestinationPattern(DestinationSettings s, std::uint64_t seed)
    : settings_(std::move(s)), modulus_(1), counter_(0), rng_(seed) {
    settings_.digits = std::min(settings_.digits, 18u);
    for (unsigned i = 0; i < settings_.digits; ++i) modulus_ *= 10;
    // Sequential binds start apart so they do not all count the same numbers.
    counter_ = seed % modulus_;
}

namespace {

// splitmix64's finaliser: consecutive keys land far apart.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

std::string DestinationPattern::of(std::uint64_t key) const {
    return format(settings_.sequential ? key % modulus_ : mix(key) % modulus_);
}

std::string DestinationPattern::next() {
    return format(settings_.sequential ? counter_++ % modulus_ : rng_() % modulus_);
}

std::string DestinationPattern::format(std::uint64_t n) const {
    std::string out = settings_.prefix;
    const auto start = out.size();
    out.resize(start + settings_.digits, '0');
    std::uint64_t v = n;
    for (std::size_t i = out.size(); i > start; --i, v /= 10) out[i - 1] = static_cast<char>('0' + v % 10);
    return out;
}

}  // namespace smpp::bench
