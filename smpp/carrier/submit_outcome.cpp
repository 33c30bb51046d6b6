#include "smpp/carrier/submit_outcome.hpp"

namespace smpp::carrier {

using protocol::command_status;

namespace {

// Statuses that say "not now" rather than "never". Everything else a carrier
// answers to a submit is about the message itself (addresses, coding,
// parameters) or about our bind, and resending it unchanged would fail the
// same way.
constexpr command_status transient_statuses[] = {
    command_status::ESME_RTHROTTLED,       // over the carrier's rate
    command_status::ESME_RMSGQFUL,         // the carrier's queue is full
    command_status::ESME_RSYSERR,          // the SMSC failed internally
    command_status::ESME_RX_T_APPN,        // ESME receiver temporary app error
    command_status::ESME_RSUBMITFAIL,      // submit failed, no reason given: try again
    command_status::ESME_RDELIVERYFAILURE, // delivery failure (data_sm): the handset may come back
    command_status::ESME_RUNKNOWNERR,      // the SMSC does not know either
    command_status::ESME_RINVBNDSTS,       // our bind was not in a state to submit: another bind may be
};

}  // namespace

status_class classify(command_status s) noexcept {
    for (auto t : transient_statuses)
        if (s == t) return status_class::transient;
    return status_class::permanent;
}

bool is_throttling(command_status s) noexcept {
    return s == command_status::ESME_RTHROTTLED || s == command_status::ESME_RMSGQFUL;
}

std::string bind_label(std::size_t index, std::string_view endpoint) {
    // Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false
    // positive) on "literal" + std::string temporaries.
    std::string out;
    out.reserve(24 + endpoint.size());
    out += '#';
    out += std::to_string(index);
    if (!endpoint.empty()) {
        out += '@';
        out += endpoint;
    }
    return out;
}

void set_bind(SubmitOutcome& o, std::string bind) {
    std::visit(
        [&bind](auto& x) {
            if constexpr (requires { x.bind; }) x.bind = std::move(bind);
        },
        o);
}

SubmitOutcome outcome_for(command_status s) {
    if (classify(s) == status_class::transient) return Transient{s};
    return Permanent{s};
}

std::string_view name(in_doubt_reason r) noexcept {
    switch (r) {
        case in_doubt_reason::response_timeout: return "response_timeout";
        case in_doubt_reason::session_closed: return "session_closed";
        case in_doubt_reason::undecodable_response: return "undecodable_response";
    }
    return "?";
}

std::string_view name(refusal r) noexcept {
    switch (r) {
        case refusal::queue_full: return "queue_full";
        case refusal::disabled: return "disabled";
        case refusal::stopped: return "stopped";
        case refusal::invalid_request: return "invalid_request";
        case refusal::unbound: return "unbound";
    }
    return "?";
}

std::string describe(const SubmitOutcome& o) {
    struct V {
        std::string operator()(const Sent& s) const { return "sent " + s.carrier_message_id; }
        std::string operator()(const Transient& t) const { return "transient " + protocol::name(t.status); }
        std::string operator()(const Permanent& p) const { return "permanent " + protocol::name(p.status); }
        std::string operator()(const InDoubt& d) const { return "in_doubt " + std::string(name(d.reason)); }
        std::string operator()(const Refused& r) const { return "refused " + std::string(name(r.reason)); }
    };
    return std::visit(V{}, o);
}

}  // namespace smpp::carrier
