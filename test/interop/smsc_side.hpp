#pragma once
// Scenario A, our side: smpp::session::Listener in the SMSC role with a
// third-party ESME (a peer script) bound to it. run_smsc_side starts the
// listener on 127.0.0.1 port 0, starts the peer with that port, answers
// its three submit_sm with A1..A3, sends it the delivery receipt for A1,
// and records everything for the assertions in check_smsc_side.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "peer_process.hpp"
#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session_handler.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::interop {

// What our listener saw; written on the io thread, read after it joined.
struct SmscSideReport {
    std::optional<session::BindRequest> bind;
    bool bound = false;
    std::vector<protocol::Pdu> submits;    // submit_sm as received
    std::vector<protocol::Pdu> others;     // any other request
    std::optional<std::error_code> deliver_sm_error;  // set when the receipt completed
    std::optional<protocol::Pdu> deliver_sm_resp;
    std::optional<session::close_reason> closed;
    int sessions = 0;
};

struct SmscSideRun {
    SmscSideReport ours;
    PeerExit peer;
    std::string our_system_id;  // what our bind_transceiver_resp carried
};

// `peer_argv(port)` is the command line of the peer ESME script.
SmscSideRun run_smsc_side(const std::function<std::vector<std::string>(std::uint16_t port)>& peer_argv);

// Catch2 assertions on both sides. `interface_version` is what the peer's
// library puts in bind_transceiver (0x34 for Net::SMPP, 0x50 for node-smpp).
void check_smsc_side(const SmscSideRun& run, std::uint8_t interface_version);

}  // namespace smpp::interop
