#pragma once
// What became of one submit handed to a carrier. Every submit gets exactly
// one outcome, also when the carrier drains, is disabled or stops.
//
// in_doubt is never resent by the carrier: the SMSC may have taken the
// message (a response_timeout, or the bind closed with the submit_sm on the
// wire), and a resend could deliver it twice. The caller decides (query_sm,
// wait for a receipt, or resend knowingly).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "smpp/protocol/command_status.hpp"

namespace smpp::carrier {

// The carrier accepted it: submit_sm_resp / data_sm_resp ESME_ROK.
struct Sent {
    std::string carrier_message_id;
    std::string bind{};  // which of the carrier's binds answered: "#<index>@<host:port>" (bind_label)
};
// The carrier refused it for now (ESME_RTHROTTLED after our own retries,
// ESME_RSYSERR, ...): trying again later or elsewhere is reasonable.
struct Transient {
    protocol::command_status status;
    std::string bind{};  // empty when no bind answered (requeued, then given up)
};
// The carrier will never take it (ESME_RINVDSTADR, ...).
struct Permanent {
    protocol::command_status status;
    std::string bind{};
};

enum class in_doubt_reason {
    response_timeout,      // no response within response_timeout
    session_closed,        // the bind closed after the submit_sm was handed to it
    undecodable_response,  // a response came but could not be decoded: the message_id is lost
};
struct InDoubt {
    in_doubt_reason reason;
    std::string bind{};  // the bind it was on the wire to
};

// It never left us: nothing was written to a carrier, so routing it
// elsewhere is always safe.
enum class refusal {
    queue_full,       // SubmitQueue at its limit
    disabled,         // the carrier is disabled, draining or a backup
    stopped,          // the carrier stopped (or is stopping) before it was sent
    invalid_request,  // not a submit_sm / data_sm, or a field does not fit its SMPP size
    unbound,          // no bind could take submits for unbound_timeout
};
struct Refused {
    refusal reason;
};

using SubmitOutcome = std::variant<Sent, Transient, Permanent, InDoubt, Refused>;

enum class status_class { transient, permanent };

// How a carrier's non-zero command_status in submit_sm_resp reads: see the
// table in submit_outcome.cpp. Unknown and vendor-specific values are
// permanent: resending an unexplained rejection forever helps nobody.
status_class classify(protocol::command_status s) noexcept;

// ESME_RTHROTTLED and ESME_RMSGQFUL: the carrier asks us to slow down.
bool is_throttling(protocol::command_status s) noexcept;

SubmitOutcome outcome_for(protocol::command_status s);

// How a bind is named on the record's attempts: "#<index>@<host:port>", the
// index as `smppctl binds` lists it (no spaces: `smppctl message` prints
// it as bind=<label>). The endpoint may be empty (never connected).
std::string bind_label(std::size_t index, std::string_view endpoint);
// Stamps `bind` on an outcome that came from a bind (not on Refused).
void set_bind(SubmitOutcome& o, std::string bind);

std::string_view name(in_doubt_reason r) noexcept;
std::string_view name(refusal r) noexcept;
std::string describe(const SubmitOutcome& o);

}  // namespace smpp::carrier
