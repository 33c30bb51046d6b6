#pragma once
// `smppctl receipts unmatched|raw`: the carrier receipts the ledger keeps,
// as operators read them. Unmatched: parked until the carrier's
// submit_sm_resp id lands (or they expire); raw: every receipt as it came,
// kept after its parking expired, for `receipts replay`.
//
// One line per receipt:
//   2026-11-23T10:00:01.000Z c1 id=MSG-7A3F stat=delivered err=0 keys=msg-7a3f text="id:MSG-7A3F sub:001 ..."
// Text from carriers stays on its line (line breaks become spaces).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/carrier_receipt.hpp"

namespace smpp::admin {

inline constexpr std::size_t kept_receipts_limit_default = 100;
inline constexpr std::size_t kept_receipts_limit_max = 1'000;
// `receipts raw` with a carrier reads at most this many copies looking for
// its ones: the listing runs on the connector's io thread, and 20,000
// decoded copies hold it for tens of milliseconds, not hundreds.
inline constexpr std::size_t kept_receipts_scan_max = 20'000;

std::string kept_receipt_line(const store::CarrierReceipt& c);
std::string kept_receipts_text(const std::vector<store::CarrierReceipt>& receipts);

// Up to `limit` raw copies of `carrier` (all carriers when empty) from
// `since` on, read a page at a time through `read` (Ledger::raw_receipts),
// scanning at most kept_receipts_scan_max copies. `scanned` says how many
// were read; `more` whether the scan stopped before the end.
struct RawListing {
    std::vector<store::CarrierReceipt> receipts;
    std::size_t scanned = 0;
    store::Timestamp last_scanned{};  // received_at of the last copy read
    bool more = false;
};
using RawReader = std::function<store::StatusOr<std::vector<store::CarrierReceipt>>(store::Timestamp, std::size_t)>;
store::StatusOr<RawListing> list_raw_receipts(const RawReader& read, store::Timestamp since, std::string_view carrier,
                                              std::size_t limit);

}  // namespace smpp::admin
