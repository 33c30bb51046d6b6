#pragma once
// Settings of one SMPP session, for both roles. Plain data; conf/ fills it
// from YAML and validate() rejects nonsense before anything runs.
#include <chrono>
#include <cstdint>
#include <string>

#include "smpp/protocol/framing.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::session {

// The range validate() allows for max_command_length. The floor is the
// largest bind_* a peer may legally send (header 16, system_id 16, password
// 9, system_type 13, interface_version, addr_ton and addr_npi 1 each,
// address_range 41: 98 octets); a lower limit would refuse a legal bind
// with ESME_RINVCMDLEN. The ceiling matters because a session grows its
// read buffer to a peer's command_length before that peer has bound: the
// limit is what any client that can connect makes us allocate. 1 MiB is
// far above the largest legal PDU (framing.hpp: about 72 KiB).
inline constexpr std::uint32_t max_command_length_floor =
    protocol::header_size + protocol::limits::system_id + protocol::limits::password + protocol::limits::system_type +
    3 + protocol::limits::address_range;
inline constexpr std::uint32_t max_command_length_ceiling = 1 << 20;

struct SessionSettings {
    // Our name in bind_*_resp (SMSC role) and in logs.
    std::string system_id = "smpp-connector";
    // Requests we may have outstanding at once; a full window refuses the
    // next request with session_errc::window_full and never closes the bind.
    std::uint32_t window = 100;
    // A request without a response after this completes with
    // session_errc::response_timeout; a response arriving later goes to the
    // request's `late` handler if it has one (send_request) and came within
    // late_response_window, else it is reported as unexpected.
    std::chrono::milliseconds response_timeout{10'000};
    std::chrono::milliseconds late_response_window{300'000};
    // Idle time before we send enquire_link; zero disables keepalive.
    std::chrono::milliseconds enquire_link_interval{30'000};
    // SMSC role: time a fresh connection has to bind. ESME role: time the
    // bind_*_resp may take.
    std::chrono::milliseconds bind_timeout{10'000};
    std::chrono::milliseconds unbind_timeout{5'000};
    // Encoded bytes queued for the socket before we stop reading from the
    // peer (backpressure) and refuse new requests.
    std::size_t write_queue_limit = 1 << 20;
    // A longer command_length is answered generic_nack ESME_RINVCMDLEN and
    // closes the session; max_command_length_floor..max_command_length_ceiling.
    std::uint32_t max_command_length = protocol::default_max_command_length;

    // Empty when the settings are usable, else what is wrong ("window must be >= 1").
    std::string validate() const;
};

}  // namespace smpp::session
