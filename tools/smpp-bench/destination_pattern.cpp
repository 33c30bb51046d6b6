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

std::string DestinationPattern::next() {
    const std::uint64_t n = settings_.sequential ? counter_++ % modulus_ : rng_() % modulus_;
    std::string out = settings_.prefix;
    const auto start = out.size();
    out.resize(start + settings_.digits, '0');
    std::uint64_t v = n;
    for (std::size_t i = out.size(); i > start; --i, v /= 10) out[i - 1] = static_cast<char>('0' + v % 10);
    return out;
}

}  // namespace smpp::bench
