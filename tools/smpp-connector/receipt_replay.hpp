#pragma once
// `smppctl receipts replay`: the raw receipt copies the ledger kept
// (Ledger::raw_receipts), from a time on, replayed through the receipt
// matcher (ReceiptMatcher::replay). After a parser fix or a corrected
// id_translation, the receipts that found no message find it; the ones
// already applied are absorbed as duplicates, so a replay is safe to run
// twice and never sends an upstream a second receipt.
//
// One command reads about `limit` copies (oldest first; at most
// replay_limit_max, plus the rest of the millisecond it stops in), so it
// answers within smppctl's timeout; the reply says where to go on from
// when there may be more.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "smpp/relay/receipt_matcher.hpp"
#include "store/ledger.hpp"

namespace smpp::admin {

inline constexpr std::size_t replay_limit_default = 10'000;
inline constexpr std::size_t replay_limit_max = 100'000;

struct ReplayRequest {
    store::Timestamp since{};
    std::string carrier{};  // empty: every carrier
    std::size_t limit = replay_limit_default;
};

struct ReplayResult {
    std::size_t read = 0;      // raw copies read from `since` on
    std::size_t replayed = 0;  // of those, the carrier's (all with no carrier given)
    std::size_t matched = 0;   // changed their record now
    std::size_t duplicate = 0; // already applied: absorbed
    std::size_t parked = 0;    // an id, but no message has it (yet)
    std::size_t no_id = 0;     // the text still names no message
    std::size_t failed = 0;    // the ledger refused the write (busy, closing, I/O)
    store::Timestamp first{}, last{};  // received_at of the first and last copy read
    bool more = false;         // the limit stopped it: more may follow `last`
    std::string error{};       // the copies could not be read at all
};

// Reads the copies a page at a time on `executor` (a scan of 100,000
// would otherwise hold that thread for a few hundred ms) and replays each
// page with at most `window` ledger writes outstanding; `done` runs once,
// from any thread. `ledger` and `matcher` must outlive the replay.
struct ReplayPacing {
    std::size_t page = 1'000;
    std::size_t window = 256;
};
void replay_receipts(const store::Ledger& ledger, std::shared_ptr<relay::ReceiptMatcher> matcher,
                     boost::asio::any_io_executor executor, const ReplayRequest& request,
                     std::function<void(const ReplayResult&)> done, ReplayPacing pacing = {});

// The admin reply: "ok replayed ..." and, when there may be more, a line
// saying where to go on from; "error ..." when the ledger could not be read.
std::string replay_text(const ReplayRequest& request, const ReplayResult& result);

// "30s", "90m", "2h", "7d" (back from `now`) or UTC "2026-11-23T10:00:00Z"
// (optionally with ".mmm"); nullopt for anything else.
std::optional<store::Timestamp> parse_since(std::string_view text, store::Timestamp now);

}  // namespace smpp::admin
