#pragma once
// What a run measured, summed over every bind; printed by main.cpp.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "tools/smpp-bench/latency_histogram.hpp"

namespace smpp::bench {

struct BenchReport {
    std::uint32_t binds_bound = 0;    // binds that reached bound at least once
    std::uint32_t bind_failures = 0;  // connect or bind attempts that failed
    std::uint32_t reconnects = 0;
    std::uint64_t sent = 0;       // submit_sm handed to a bound session
    std::uint64_t responses = 0;  // submit_sm_resp (or generic_nack) received
    std::uint64_t rok = 0;
    std::map<std::uint32_t, std::uint64_t> statuses;  // command_status -> count, ESME_ROK included
    std::map<std::string, std::uint64_t> errors;      // no response: session_closed, response_timeout, ...
    std::uint64_t receipts = 0;       // deliver_sm received (answered ESME_ROK)
    std::uint64_t missed_tokens = 0;  // open loop: sends the windows could not take in time
    bool timed_out = false;           // --timeout ended the run
    std::chrono::nanoseconds elapsed{0};  // first submit_sm to last response
    LatencyHistogram latency;

    double throughput() const noexcept;  // ESME_ROK per second
    double response_rate() const noexcept;
    void merge(const BenchReport& other);
};

}  // namespace smpp::bench
