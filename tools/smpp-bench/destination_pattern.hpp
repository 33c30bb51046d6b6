#pragma once
// Destination numbers for generated traffic: a fixed prefix (it picks the
// route) followed by `digits` digits, drawn at random or counted up, so a
// run spreads over as many numbers as the test wants.
#include <cstdint>
#include <random>
#include <string>

namespace smpp::bench {

struct DestinationSettings {
    std::string prefix = "4477009";
    unsigned digits = 5;
    bool sequential = false;  // else uniformly random
};

class DestinationPattern {
public:
    DestinationPattern(DestinationSettings s, std::uint64_t seed);
    // The next number; sequential numbers start at `start` and wrap at 10^digits.
    std::string next();
    // The number for `key` (a concatenated message's number, so every part
    // goes to the same destination), the same for every pattern and bind.
    std::string of(std::uint64_t key) const;

private:
    std::string format(std::uint64_t n) const;  // prefix, then n in `digits` digits

    DestinationSettings settings_;
    std::uint64_t modulus_;
    std::uint64_t counter_;
    std::mt19937_64 rng_;
};

}  // namespace smpp::bench
