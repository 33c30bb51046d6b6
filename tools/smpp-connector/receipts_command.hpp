#pragma once
// The admin socket's `receipts` commands, behind `smppctl receipts`:
//
//   receipts replay <since> [limit] [carrier]   kept raw receipts through the
//                                               matcher again (receipt_replay.hpp)
//   receipts unmatched <carrier> [limit]        receipts parked for a carrier
//                                               id no message has (yet)
//   receipts raw <since> [limit] [carrier]      every receipt as it came
//                                               (kept_receipts.hpp)
//
// <since> is 2h, 90m, 7d (back from now) or UTC 2026-11-23T10:00:00Z. A
// bare number after it is the limit, anything else the carrier.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/smpp-connector/kept_receipts.hpp"
#include "tools/smpp-connector/receipt_replay.hpp"

namespace smpp::admin {

// Where the answers come from; null: "no receipt path here".
struct ReceiptsSources {
    // Answers through the callback once every receipt is through the
    // ledger, from any thread.
    std::function<void(const ReplayRequest&, std::function<void(const ReplayResult&)>)> replay{};
    // Ledger::unmatched_receipts and Ledger::raw_receipts: point reads and
    // short scans, fine on the caller's thread.
    std::function<store::StatusOr<std::vector<store::CarrierReceipt>>(const std::string& carrier, std::size_t limit)>
        unmatched{};
    RawReader raw{};
};

// Runs one `receipts ...` request (words[0] == "receipts"); `reply` gets
// the whole answer once: at once, except for replay (when it is done).
void receipts_command(const ReceiptsSources& sources, const std::vector<std::string_view>& words,
                      std::function<void(std::string)> reply);

}  // namespace smpp::admin
