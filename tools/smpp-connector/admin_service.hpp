#pragma once
// The connector's admin commands (the protocol behind its admin socket and
// `smppctl binds|health|reload|message`), apart from any socket so tests
// call it directly. One request line in, one reply out:
//
//   binds                        every carrier and each of its binds
//   stats                        the forward path's and the ledger's counters, each account's backlog
//   health [carrier] [country]   circuits per carrier x country (routing/health)
//   reload                       the route table again, as SIGHUP does
//   message <id>                 one message's ledger record (message_text.hpp)
//   message <carrier> <their id> the same, found by the carrier's message id
//   receipts replay|unmatched|raw ...
//                                the receipts the ledger keeps: listed, or
//                                replayed through the matcher (receipts_command.hpp)
//   help
//
// The reply's first line is "ok[ <summary>]" or "error <why>"; the body
// lines follow, every line ends in '\n'. Text, not JSON: operators read it,
// and tests match whole lines.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/health/health_monitor.hpp"
#include "smpp/carrier/carrier.hpp"
#include "smpp/relay/carrier_credits.hpp"
#include "tools/smpp-connector/message_lookup.hpp"
#include "tools/smpp-connector/receipts_command.hpp"
#include "tools/smpp-connector/route_command.hpp"

namespace smpp::admin {

struct ReloadResult {
    bool ok = false;
    std::string message;  // "generation 3 published (12 prefixes from conf/routes.yaml)" or "file:line: why"
};

// What `stats` reports: the forward path's counters since start, the
// ledger writer's, and each account's messages not yet with a carrier.
struct StatsView {
    struct Forward {
        std::uint64_t accepted = 0, refused = 0, sent = 0, retries = 0, rejected = 0, in_doubt = 0, failed = 0,
                      expired = 0, cancelled = 0, replaced = 0, ledger_errors = 0, split = 0, late_sent = 0;
    };
    struct Ledger {
        std::uint64_t writes = 0, groups = 0, overlapped = 0, journal_records = 0, journal_switches = 0,
                      journal_waits = 0, journal_replayed = 0;
        std::string failure{};  // RocksDbLedger::WriterStats::failure
    };
    struct Account {
        std::string system_id;
        std::uint32_t backlog = 0;  // accepted, no carrier has it yet (max_backlog counts these)
        std::size_t held = 0;       // of which in the list cancel_sm / replace_sm search (ForwardPath::held)
    };
    // Carrier receipts matched to messages, and what went upstream
    // (ReceiptMatcher and ReceiptForwarder counters, since start).
    struct Receipts {
        std::uint64_t matched = 0, parked = 0, late_matched = 0, duplicates = 0, unparsed = 0, forwarded = 0,
                      retried = 0, expired = 0, refused = 0, not_requested = 0, orphaned = 0;
        std::uint64_t mo_parked = 0, mo_forwarded = 0, mo_retried = 0, mo_expired = 0, mo_refused = 0;
        // ReceiptTimeouts: messages given a synthetic receipt for want of
        // the carrier's, of which sent once more, and concatenated
        // messages reported without all their parts.
        std::uint64_t timed_out = 0, timeout_resent = 0, parts_given_up = 0;
    };
    Forward forward;
    std::optional<Receipts> receipts;  // none without a RocksDB ledger
    // Now, not since start: messages sleeping until a carrier of their
    // route is back, and concatenated messages pinned to a carrier.
    std::size_t outage_waiting = 0;
    std::size_t concat_pinned = 0;
    std::optional<Ledger> ledger;  // RocksDB's writer (none for another ledger)
    std::vector<Account> accounts;
};

// "ok stats" and one line each: "forward accepted=..", "waiting outage=..
// concat_pinned=..", "receipts matched=..", "mo parked=..", "ledger writes=..",
// "account acme backlog=12 held=3".
std::string stats_text(const StatsView& v);

// Where the answers come from; a null function means "not configured here"
// (a connector without carriers has no binds, no health, no route table).
struct AdminSources {
    std::function<std::vector<carrier::CarrierSnapshot>()> binds{};
    // What the forward path holds back for a carrier (relay/carrier_credits.hpp);
    // `binds` shows it under the carrier's line.
    std::function<std::optional<relay::CreditCounts>(std::string_view carrier)> credits{};
    std::function<std::vector<routing::health::HealthEntry>()> health{};
    std::function<ReloadResult()> reload{};
    // The same reload, off the caller's thread (reload_worker.hpp): it calls
    // back, from any thread, once done. Preferred over `reload` when set.
    std::function<void(std::function<void(const ReloadResult&)>)> reload_async{};
    // One record from the ledger (find_message in message_lookup.hpp); a
    // point read, fine on the caller's thread.
    std::function<store::StatusOr<FoundMessage>(const MessageQuery&)> message{};
    // `stats`: counters since start (thread-safe reads).
    std::function<StatsView()> stats{};
    // `receipts replay|unmatched|raw` (receipts_command.hpp).
    ReceiptsSources receipts{};
    // `route lookup|explain` (route_command.hpp): the forward path's own
    // selector, policies and circuits.
    RouteSelect route{};
};

// "c1 running queued=3 (otp=0 transactional=3 bulk=0) in_flight=2 rate=100/s",
// with `credits`: "  forward sending=150/150 waiting=5631 (otp=0 transactional=5631 bulk=0)"
// (and " stalled", and " outage_waiting=N" while messages wait for the
// carrier to take submits again), and per bind "  #0 transceiver bound since 2024-05-01T12:00:00Z
// 127.0.0.1:2775 window=2/10 ...".
std::string binds_text(const std::vector<carrier::CarrierSnapshot>& carriers,
                       const std::function<std::optional<relay::CreditCounts>(std::string_view)>& credits = {});

class AdminService {
public:
    explicit AdminService(AdminSources sources) : sources_(std::move(sources)) {}
    // Runs one request line (a trailing '\r' or '\n' is ignored).
    std::string execute(std::string_view line) const;
    // (`receipts replay` waits here for the ledger: tests only, the socket
    // uses the form below.)
    // The same, answering through `reply` (any thread, once): at once,
    // except for `reload` with reload_async and `receipts replay`, which
    // answer when they are done, so the caller's thread keeps serving
    // meanwhile.
    void execute(std::string_view line, std::function<void(std::string)> reply) const;

private:
    AdminSources sources_;
};

}  // namespace smpp::admin
