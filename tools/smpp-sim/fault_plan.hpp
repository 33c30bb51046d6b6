#pragma once
// What a simulated carrier does wrong, on purpose. One plan per carrier,
// set from the config at start and changed at runtime through the control
// port; both speak the same words ("submit_status 0x58 0.1"), parsed here.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "smpp/protocol/command_status.hpp"

namespace smpp::sim {

struct ReceiptFaults {
    double drop = 0;        // fraction of receipts never sent
    double duplicate = 0;   // fraction of receipts sent twice
    bool reorder = false;   // receipts leave out of submission order
    bool before_resp = false;  // the receipt goes out before the submit_sm_resp
    friend bool operator==(const ReceiptFaults&, const ReceiptFaults&) = default;
};

struct FaultPlan {
    // A fraction of submit_sm answered with this status instead of ESME_ROK.
    protocol::command_status submit_status = protocol::command_status::ESME_ROK;
    double submit_status_fraction = 0;
    std::chrono::milliseconds latency{0};  // added before every submit_sm_resp
    double no_response = 0;                // fraction of submit_sm never answered
    // A bind is closed when its submit_sm number N+1 arrives (that one is
    // not answered), so exactly N are answered; 0 never.
    std::uint64_t disconnect_after = 0;
    bool refuse_binds = false;  // every bind gets ESME_RBINDFAIL
    ReceiptFaults receipts;
    friend bool operator==(const FaultPlan&, const FaultPlan&) = default;
};

// Applies one setting given as words, e.g. {"submit_status", "0x58", "0.1"},
// {"latency_ms", "50"}, {"no_response", "0.05"}, {"disconnect_after", "1000"},
// {"refuse_binds", "on"}, {"receipts", "drop", "0.1"}, {"receipts",
// "reorder", "on"}. Empty on success, else why (and the plan is unchanged).
std::string apply_fault(FaultPlan& plan, std::span<const std::string_view> words);

// One line: the settings that differ from a clean plan ("none" if none).
std::string describe(const FaultPlan& plan);

}  // namespace smpp::sim
