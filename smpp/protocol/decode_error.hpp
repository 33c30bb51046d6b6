#pragma once
// What a decoder says about a frame it cannot turn into a Pdu: the SMPP
// status the peer should get back and a human-readable reason for the log.
#include <cstdint>
#include <string>
#include <variant>

#include "smpp/protocol/command_status.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::protocol {

struct DecodeError {
    command_status status = command_status::ESME_RSYSERR;
    std::string detail;  // "source_addr: no NUL within 21 octets"
    friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

using DecodeResult = std::variant<Pdu, DecodeError>;

inline bool ok(const DecodeResult& r) noexcept { return std::holds_alternative<Pdu>(r); }

}  // namespace smpp::protocol
