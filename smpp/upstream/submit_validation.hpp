#pragma once
// Everything a submit_sm (or submit_multi) says about itself that can be
// checked before it is stored, with the SMPP 3.4 status for each fault.
// Pure: no ledger, no routes, no clock but `now`. The forward path adds
// what needs state (opt-out, route, backlog, TPS).
//
// Checked in PDU field order, first fault wins:
//   source_addr        TON 7+ or 4                      ESME_RINVSRCTON
//                      NPI not 0/1 (0/1/9 short codes)   ESME_RINVSRCNPI
//                      not a possible number, short code
//                      or 1..11 GSM characters           ESME_RINVSRCADR
//   destination_addr   TON 5 (alphanumeric), 4, 7+       ESME_RINVDSTTON
//                      NPI as for the source             ESME_RINVDSTNPI
//                      empty, not a possible number      ESME_RINVDSTADR
//                      (valid, under require_valid), no
//                      default_region for a national one
//   esm_class          message type not default (0x00),
//                      delivery ack (0x08) or user ack
//                      (0x10); UDHI with a UDH that runs
//                      past the payload, an IE past the
//                      UDH, a concatenation IE of the
//                      wrong length, total 0, seqnum 0 or
//                      seqnum > total                    ESME_RINVESMCLASS
//   priority_flag      > 3                               ESME_RINVPRTFLG
//   schedule_delivery_time  not SMPP time, more than
//                      schedule_past_tolerance ago, more
//                      than max_schedule_ahead ahead     ESME_RINVSCHED
//   validity_period    not SMPP time, already past, or
//                      not after the schedule            ESME_RINVEXPIRY
//   registered_delivery  reserved bits (5-7), or receipt
//                      value 3                           ESME_RINVREGDLVFLG
//   data_coding        reserved (0x0B, 0x0C, 0x0F,
//                      0x80-0xBF, a 23.038 group with
//                      alphabet bits 11)                 ESME_RSUBMITFAIL
//                      SMPP 3.4 has no data_coding status; RSUBMITFAIL is
//                      its generic permanent refusal (RSYSERR would say
//                      the fault is ours, and ESMEs retry it)
//   short_message      and message_payload both set;
//                      more than 255 segments; a part
//                      (UDHI or sar_*) longer than one SMS  ESME_RINVMSGLEN
//   sar_*              some but not all three            ESME_RMISSINGOPTPARAM
//                      total 0, seqnum 0, seqnum > total ESME_RINVOPTPARAMVAL
// With UDHI the UDH decides the concatenation and sar_* are ignored.
//
// submit_multi: the same for the message; each destination gets its own
// status (for unsuccess_smes); distribution lists (dest_flag 2) are not
// supported (ESME_RINVDLNAME); 0 or more than 254 destinations
// ESME_RINVNUMDESTS.
#include <chrono>
#include <cstddef>
#include <optional>
#include <variant>
#include <vector>

#include "smpp/protocol/command_status.hpp"
#include "smpp/protocol/concatenation.hpp"
#include "smpp/protocol/pdu.hpp"
#include "smpp/upstream/account.hpp"
#include "smpp/upstream/number_normaliser.hpp"

namespace smpp::upstream {

struct SubmitPolicy {
    NumberPolicy numbers{};  // the account's default_region, require_valid_numbers
    // The account's schedule.max_ahead (ScheduleLimits in account.hpp).
    std::chrono::seconds max_schedule_ahead{ScheduleLimits{}.max_ahead};
    // The account's schedule.past_tolerance.
    std::chrono::seconds schedule_past_tolerance{ScheduleLimits{}.past_tolerance};
};

// The account's number settings and schedule limits.
SubmitPolicy submit_policy_of(const Account& account);

struct ValidSubmit {
    NormalisedAddress destination;  // e164 or short_code
    NormalisedAddress source;       // none, e164, short_code or alphanumeric
    // Empty: deliver now (no schedule, or one at or before `now`).
    std::optional<std::chrono::system_clock::time_point> deliver_at;
    // Empty: the SMSC's default validity.
    std::optional<std::chrono::system_clock::time_point> expires_at;
    // This PDU is one part of a concatenated message (UDH or sar_*).
    std::optional<protocol::Concatenation> concatenation;
    // SMS the message costs: 1 for a part the upstream split.
    std::size_t segments = 1;
    friend bool operator==(const ValidSubmit&, const ValidSubmit&) = default;
};

std::variant<ValidSubmit, protocol::command_status> validate_submit(const protocol::SubmitSm& sm,
                                                                    const SubmitPolicy& account_policy,
                                                                    std::chrono::system_clock::time_point now,
                                                                    const NumberNormaliser& numbers);

struct ValidSubmitMulti {
    // destination unset (kind none); the rest as for submit_sm.
    ValidSubmit message;
    // One per dests entry, in order: the address, or its error_status_code.
    std::vector<std::variant<NormalisedAddress, protocol::command_status>> destinations;
};

std::variant<ValidSubmitMulti, protocol::command_status> validate_submit_multi(
    const protocol::SubmitMulti& sm, const SubmitPolicy& account_policy, std::chrono::system_clock::time_point now,
    const NumberNormaliser& numbers);

// One destination_addr on its own (ESME_RINVDSTTON/NPI/ADR or the address).
std::variant<NormalisedAddress, protocol::command_status> validate_destination(const protocol::Address& dest,
                                                                               const SubmitPolicy& account_policy,
                                                                               const NumberNormaliser& numbers);

// True for data_coding values SMPP 3.4 and 3GPP TS 23.038 both leave reserved.
bool reserved_data_coding(std::uint8_t data_coding) noexcept;

}  // namespace smpp::upstream
