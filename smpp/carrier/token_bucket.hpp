#pragma once
// The carrier's TPS throttle: a token bucket shared by all of its binds.
// Pure: time comes in as an argument, so its tests need no clock, and the
// carrier asks next_token_at() to arm one timer instead of polling.
#include <chrono>

namespace smpp::carrier {

class TokenBucket {
public:
    using clock = std::chrono::steady_clock;

    // `rate` tokens per second; at most `burst` saved up (>= 1). It starts
    // with one token: a carrier that just bound gets no saved-up burst.
    TokenBucket(double rate, double burst, clock::time_point now);

    // Takes one token if there is one.
    bool try_take(clock::time_point now);
    // When the next whole token will be there (now if there is one already).
    clock::time_point next_token_at(clock::time_point now);
    // Tokens earned so far are kept at the old rate; later ones at the new.
    void set_rate(double rate, clock::time_point now);
    // Drops the tokens saved up: after a throttling answer the next submit
    // waits a whole interval at the new rate instead of spending the burst.
    void empty(clock::time_point now);

    double rate() const noexcept { return rate_; }
    double tokens(clock::time_point now);

private:
    void refill(clock::time_point now);
    double rate_;
    double burst_;
    double tokens_ = 1;
    clock::time_point last_;
};

}  // namespace smpp::carrier
