#pragma once
// Scenario B, our side: smpp::session::Client in the ESME role bound to a
// third-party SMSC (a peer script). run_esme_side starts the peer, reads
// its "PORT <n>", binds to it as transceiver, pipelines the three
// submit_sm, answers the peer's delivery receipt with deliver_sm_resp and
// unbinds; check_esme_side asserts on both sides.
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "peer_process.hpp"
#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::interop {

struct SubmitOutcome {
    std::error_code error;
    protocol::Pdu response;
};

// What our client saw; written on the io thread, read after it joined.
struct EsmeSideReport {
    std::optional<std::uint16_t> peer_port;
    int bound = 0;                                       // on_bound calls
    std::vector<std::optional<SubmitOutcome>> submits;  // by scenario index
    std::vector<protocol::Pdu> delivers;                // deliver_sm as received
    std::vector<protocol::Pdu> others;                  // any other request
    std::vector<session::close_reason> closes;
    bool stopped = false;                               // Client::stop completed
};

struct EsmeSideRun {
    EsmeSideReport ours;
    PeerExit peer;
};

// `peer_argv` is the command line of the peer SMSC script.
EsmeSideRun run_esme_side(const std::vector<std::string>& peer_argv);

// Catch2 assertions on both sides; `id_prefix` is the peer's message id
// prefix ("P" for the Net::SMPP script, "N" for the node one).
void check_esme_side(const EsmeSideRun& run, const std::string& id_prefix);

}  // namespace smpp::interop
