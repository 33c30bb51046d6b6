#pragma once
// A seeded generator for every random choice a simulated carrier makes
// (which submit_sm fails, which receipt is dropped): a run with the same
// seed and the same traffic makes the same choices, so tests can assert on
// the outcome. splitmix64: tiny, fast, good enough for fault fractions.
#include <cstdint>

namespace smpp::sim {

class SimRandom {
public:
    explicit SimRandom(std::uint64_t seed = 1) noexcept : state_(seed) {}

    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1).
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // True with probability p; 0 and 1 draw nothing, so switching a fault
    // off does not shift the choices of the others.
    bool chance(double p) noexcept { return p > 0 && (p >= 1 || uniform() < p); }

private:
    std::uint64_t state_;
};

}  // namespace smpp::sim
