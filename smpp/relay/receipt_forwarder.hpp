#pragma once
// Delivers the receipts parked in the ledger to the upstream that owns them
// (ARCHITECTURE.md, the last arrow): deliver_sm with esm_class 0x04 under
// our message_id, on one of the account's bound receiver or transceiver
// sessions, removed from the ledger only after the upstream's
// deliver_sm_resp ESME_ROK. Everything not acknowledged stays parked, so a
// restart, an unbind or a crash loses none (a crash between the upstream's
// ESME_ROK and the durable removal resends one: at least once, never zero).
//
// Per account, oldest message first (MessageId order is time order):
//   - registered_delivery of the record decides (bits 0-1): 0 none -> the
//     receipt is removed unsent; 1 final; 2 failure only -> a delivered one
//     is removed unsent; 3 (reserved) as 1. A non-final status (an
//     intermediate notification) goes only when bit 4 asks for it, as
//     esm_class 0x20.
//   - receipts older than max_age (from done_at, or the id's time when
//     done_at is unset) are removed unsent, with a warning and a counter,
//     also for an account with no receiver bind (checked when a receipt
//     comes for it, at start(), at most once a minute, and on a timer),
//     and for one the configuration no longer has (`accounts`), which can
//     never bind again: one warning names it;
//   - the deliver_sm is built from the envelope the receipt was parked with
//     (store/pending_receipt.hpp), without reading the record; one parked
//     without (an older version) reads it, and is removed when the record
//     is gone (retention dropped it).
//   - the session with the most window room takes the next receipt, round
//     robin among equals, at most max_in_flight_per_session at once each.
//   - an error deliver_sm_resp, a response_timeout or a full write queue
//     retries that receipt after retry_base * 2^(failures-1) (up to
//     retry_max); later receipts do not wait for it. A closed session puts
//     its receipts back for the next bind, without a failure. The two
//     statuses SMPP 3.4 (5.1.3) defines as final, ESME_RX_P_APPN
//     (permanent application error) and ESME_RX_R_APPN (reject message),
//     remove it unsent with a warning: retried, it would be refused every
//     minute until max_age.
//
// Mobile-originated messages parked for the account (Ledger::pending_mo)
// travel the same way, interleaved with receipts in id (arrival) order: the
// same links, window, retries and removal after ESME_ROK (remove_mo), and
// max_age from their received_at. They go as make_upstream_mo builds them.
//
// Threads: everything runs on one strand (make_strand of create()'s
// executor); BindObserver calls, session completions and ledger
// completions only post onto it. Ledger reads (pending_receipts, find) are
// synchronous point reads made on the strand.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include "smpp/protocol/pdu.hpp"
#include "smpp/upstream/bind_observer.hpp"
#include "store/ledger.hpp"

namespace smpp::relay {

struct ReceiptForwarderSettings {
    // 0: as many as the session's window allows.
    std::uint32_t max_in_flight_per_session = 0;
    std::chrono::milliseconds retry_base{1'000};
    std::chrono::milliseconds retry_max{60'000};
    // 0: receipts never expire.
    std::chrono::milliseconds max_age{std::chrono::hours{72}};
    // The clock max_age is measured with; empty = the system clock.
    std::function<store::Timestamp()> clock{};
    // The configured accounts' system_ids. What is parked for another one
    // (removed from the configuration since it was parked) can never be
    // delivered: it only waits for max_age. nullopt: every account counts
    // as configured.
    std::optional<std::set<std::string, std::less<>>> accounts{};
};

struct ReceiptForwarderCounters {
    std::uint64_t forwarded = 0;  // deliver_sm_resp ESME_ROK
    std::uint64_t retried = 0;    // error status or timeout: backing off
    std::uint64_t expired = 0;    // older than max_age: removed unsent
    std::uint64_t refused = 0;    // ESME_RX_P_APPN / ESME_RX_R_APPN: removed unsent
    std::uint64_t dropped_by_registered_delivery = 0;
    std::uint64_t orphaned = 0;       // the record was gone: removed unsent
    std::uint64_t ledger_errors = 0;  // a read or a removal failed (logged)
    std::uint64_t mo_forwarded = 0;   // MOs: deliver_sm_resp ESME_ROK
    std::uint64_t mo_retried = 0;     // MOs: error status or timeout, backing off
    std::uint64_t mo_expired = 0;     // MOs older than max_age: removed unsent
    std::uint64_t mo_refused = 0;     // MOs answered ESME_RX_P_APPN / ESME_RX_R_APPN: removed unsent
};

// What registered_delivery says about a receipt in `status`.
enum class receipt_decision { send, send_intermediate, drop };
receipt_decision decide(std::uint8_t registered_delivery, store::MessageStatus status) noexcept;

// The deliver_sm an upstream gets for `r` of `record`: esm_class 0x04 (0x20
// when intermediate), source and destination swapped, Appendix B text and
// the receipted_message_id / message_state (+ network_error_code when
// error_code != 0) TLVs under our id, data_coding 0. An aggregated receipt
// of a concatenated message (r.parts != 0) has sub/dlvrd = parts/delivered
// parts and r.detail as its text.
protocol::DeliverSm make_upstream_receipt(const store::MessageRecord& record, const store::PendingReceipt& r,
                                          bool intermediate = false);
// The same from the envelope `r` was parked with (r.envelope must be set):
// what the forwarder sends without reading the record.
protocol::DeliverSm make_upstream_receipt(const store::PendingReceipt& r, bool intermediate = false);

// The deliver_sm an upstream gets for a mobile-originated message: the
// handset's source and the account's destination as received (not
// swapped), esm_class 0 (keeping only the UDHI bit 0x40 when the payload
// carries a user data header), registered_delivery 0, data_coding and the
// payload as received: short_message up to 254 octets, else message_payload.
protocol::DeliverSm make_upstream_mo(const store::MobileOriginated& m);

class ReceiptForwarder final : public upstream::BindObserver,
                               public std::enable_shared_from_this<ReceiptForwarder> {
public:
    // `ledger` must outlive every callback: destroy it only after stop() and
    // after the sessions closed.
    static std::shared_ptr<ReceiptForwarder> create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                    ReceiptForwarderSettings settings = {});

    // Looks once at every account the ledger owes receipts or MOs
    // (Ledger::owed_accounts), as if each had been notified: nothing else
    // would for an account removed from the configuration, or one that
    // never binds again, and what they are owed, reloaded at every start,
    // would never reach max_age. Call once, after create().
    void start();

    // A receipt or an MO of `account` was parked durably (call it from the
    // park Completion, any thread). Cheap: drains are coalesced.
    void notify(std::string account);

    // BindObserver: a bound receiver/transceiver joins its account's pool
    // and drains the account's backlog; transmitters are ignored.
    void on_upstream_bound(std::shared_ptr<session::Session> s, const std::string& account,
                           session::bind_type type) override;
    void on_upstream_closed(const session::Session& s, const std::string& account) override;

    // Sends nothing new and forgets the sessions; receipts in flight that the
    // upstream acknowledges are still removed. Thread-safe.
    void stop();

    ReceiptForwarderCounters counters() const;

    struct Account;
    // A receipt or an MO, by our id: what busy/waiting track.
    struct Item {
        bool mo = false;
        store::MessageId id{};
        friend auto operator<=>(const Item&, const Item&) = default;
    };

private:
    ReceiptForwarder(boost::asio::any_io_executor ex, store::Ledger& ledger, ReceiptForwarderSettings settings);

    void schedule_drain(const std::string& account);
    void drain(const std::string& account);
    // drain() for an account with no receiver bind: only max_age.
    // `unconfigured`: nor can it ever have one (not in settings_.accounts).
    void expire_unbound(Account& a, const std::string& account, bool unconfigured);
    // `stamp`: a receipt's, as read (its removal goes by it); none for an MO.
    void send(Account& a, const std::string& account, std::size_t link, Item item,
              std::optional<store::ReceiptStamp> stamp, protocol::DeliverSm pdu);
    void on_response(const std::string& account, Item item, std::optional<store::ReceiptStamp> stamp,
                     const session::Session* s, std::error_code ec, protocol::command_status status);
    // The upstream's deliver_sm_resp after its response_timeout.
    void on_late_response(const std::string& account, Item item, std::optional<store::ReceiptStamp> stamp,
                          protocol::command_status status);
    // `stamp`: a receipt's, as read (removed only if still parked with it);
    // none for an MO.
    void remove(const std::string& account, Item item, std::atomic<std::uint64_t>* counter,
                std::optional<store::ReceiptStamp> stamp);
    void flush_removals(const std::string& account);
    void retry_later(Account& a, const std::string& account, Item item);
    void arm_timer(Account& a, const std::string& account, std::chrono::steady_clock::time_point at);
    store::Timestamp now() const;

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    store::Ledger& ledger_;
    const ReceiptForwarderSettings settings_;
    bool stopped_ = false;  // strand only
    std::map<std::string, std::unique_ptr<Account>, std::less<>> accounts_;  // strand only
    // notify() comes from the ledger's thread once per owed receipt: the
    // accounts are gathered here and handed to the strand in one post per
    // burst (a post each woke the network thread once per receipt).
    std::mutex notified_mutex_;
    std::set<std::string, std::less<>> notified_;
    bool notify_posted_ = false;  // under notified_mutex_

    struct AtomicCounters {
        std::atomic<std::uint64_t> forwarded{0}, retried{0}, expired{0}, refused{0}, dropped_by_registered_delivery{0},
            orphaned{0}, ledger_errors{0}, mo_forwarded{0}, mo_retried{0}, mo_expired{0}, mo_refused{0};
    };
    AtomicCounters counters_;
};

}  // namespace smpp::relay
