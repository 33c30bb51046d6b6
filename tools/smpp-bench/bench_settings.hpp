#pragma once
// What one smpp-bench run does. Plain data; main.cpp fills it from the
// command line and validate() rejects nonsense before anything connects.
#include <chrono>
#include <cstdint>
#include <string>

#include "smpp/session/session_state.hpp"
#include "tools/smpp-bench/destination_pattern.hpp"

namespace smpp::bench {

struct BenchSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 2775;
    std::string system_id;
    std::string password;
    session::bind_type bind = session::bind_type::transceiver;
    unsigned binds = 4;
    unsigned threads = 1;  // io threads; binds are dealt out to them

    // Stop issuing after `count` messages (0: no limit) or after `duration`
    // (0: no limit); at least one must be set. `timeout` bounds the whole
    // run, connecting and draining included.
    std::uint64_t count = 0;
    std::chrono::milliseconds duration{0};
    std::chrono::milliseconds timeout{120'000};

    // Messages per second over all binds, open loop (token bucket refilled
    // every millisecond, holding at most `burst` tokens); 0 = as fast as
    // the windows allow (closed loop).
    double rate = 0;
    double burst = 0;  // 0: 10 ms of traffic, at least 1
    std::uint32_t window = 100;  // outstanding submit_sm per bind

    DestinationSettings destination;
    std::string source = "BENCH";
    std::uint8_t source_ton = 5;  // alphanumeric
    std::uint8_t source_npi = 0;
    std::uint8_t dest_ton = 1;    // international
    std::uint8_t dest_npi = 1;    // E.164
    // short_message: a unique token "m<index>" then ' ' and `text`, repeated
    // or cut to `length` octets when length > 0 (the token is never cut).
    std::string text = "smpp-bench";
    std::size_t length = 0;
    // > 1: each message goes as this many concatenated parts (a UDH, IEI 00,
    // before the text; esm_class UDHI), to one destination; every part is
    // one submit_sm of the run's count and rate.
    unsigned parts = 1;
    // The text goes in the message_payload TLV (short_message empty); then
    // `length` may exceed 254 octets (a long message).
    bool payload = false;
    std::uint8_t registered_delivery = 0;

    std::chrono::milliseconds response_timeout{10'000};
    // A bind that closes before the end reconnects after this (0: it stays down).
    std::chrono::milliseconds reconnect{0};
    // One line per submit_sm outcome: "<index> <bind> <sequence_number> <status> <message_id>".
    std::string acks_file;
    std::string latency_log_file;  // "<ms into the run when sent> <latency us>" per answer
    std::uint64_t seed = 1;

    std::string validate() const;
};

}  // namespace smpp::bench
