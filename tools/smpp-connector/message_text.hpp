#pragma once
// One ledger record as operators read it (`smppctl message`): everything
// the record holds about a message's life, one fact per line, so a carrier
// dispute ("you charged us for 3 parts", "we never got it") is answered from
// the record and not from the logs.
//
//   account acme sequence_number=7 user_message_reference=42 service_type=- upstream_id=-
//   source ton=5 npi=0 ACME
//   destination ton=1 npi=1 447700900123
//   data_coding=0x08 esm_class=0x40 registered_delivery=0x01 priority_flag=0 payload=320 octets
//   segments 3 (upstream part 1 of 3, reference 17)
//   class otp
//   cost 0.012000 EUR (12000 micros, 3 segments)
//   route c1: route 44 (priority): c1; skipped c2 (circuit open)
//   attempt #1 c1 bind=- at=2025-05-01T12:00:00.123Z sending command_status=- carrier_message_id=-
//   attempt #2 c2 bind=- at=2025-05-01T12:00:00.140Z sent command_status=0x00000000 (ESME_ROK) carrier_message_id=4d2
//   receipt requested=yes error_code=0 (0x00000000) synthetic=no
//   accepted 2025-05-01T12:00:00.120Z
//   ...
//
// The message text itself is never printed, only its size: it may be a
// one-time password, and an operator's terminal is not where it belongs.
#include <cstdint>
#include <string>

#include "store/message_record.hpp"

namespace smpp::admin {

// "2025-05-01T12:00:00.123Z"; "-" for the epoch (a field not set).
std::string utc_millis(store::Timestamp t);

// Micro-units as currency units with all six decimals: 12000 -> "0.012000".
std::string units_of_micros(std::int64_t micros);

// The body lines (every line ends in '\n'), without the "ok" line.
std::string message_text(const store::MessageRecord& r);

}  // namespace smpp::admin
