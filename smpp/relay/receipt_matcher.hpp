#pragma once
// The carrier end of the receipt path: a deliver_sm (or data_sm) receipt
// from any bind of a carrier -> parsed (smpp/protocol/delivery_receipt) ->
// the carrier's id turned into index keys (carrier_id.hpp) -> the ledger
// matches it against the carrier-ID index, or parks it until the carrier's
// submit_sm_resp id lands (store/carrier_receipt.hpp) -> deliver_sm_resp to
// the carrier only once that is durable.
//
// Statuses a carrier gets for deliver_sm:
//   ESME_ROK        the receipt is durable: matched, absorbed as a
//                   duplicate, or parked (also one we could not parse: its
//                   raw copy is kept for replay after a parser fix)
//   ESME_RX_T_APPN  the ledger could not take it now (busy, closing, I/O):
//                   the SMSC keeps it and offers it again
//
// Mobile-originated messages (esm_class message type 0; MoPath):
//   ESME_ROK        parked durably for the account owning the destination
//                   (mo_directory.hpp); an opt-out keyword also put the
//                   sender on that account's opt-out list first
//   ESME_RX_P_APPN  no account owns the destination: none ever will, so
//                   the SMSC should not offer it again
//   ESME_RX_T_APPN  the ledger could not take it now; or no MO path is
//                   configured (MoPath::next_id empty): the SMSC keeps it;
//                   or a copy of one still being stored (it offers it
//                   again, and that copy is absorbed)
//   ESME_ROK        also for a copy of an MO stored within the dedupe
//                   window (mo_dedupe.hpp): dropped, the upstream got it
//
// Receipt state mapping (SMPP 3.4 5.2.28 message_state -> record):
//   DELIVRD -> delivered, UNDELIV/DELETED/UNKNOWN -> undeliverable,
//   EXPIRED -> expired, REJECTD -> rejected; ENROUTE, ACCEPTD and a
//   missing or unknown stat are intermediate: the record stays `sent`
//   (many SMSCs send ACCEPTD when they take a message, not as a final
//   state, and a final state we guessed could never be corrected).
//   DELETED, UNKNOWN and ACCEPTD are kept beside it (reported_state) and
//   go upstream as the carrier wrote them; query_sm, which reads the
//   record, says undeliverable (or en route) for them.
//
// When a receipt leaves a receipt owed to the upstream account (now, or
// later when sent() takes a parked one), or an MO was parked for it,
// `owed(account)` is called from any thread: the ReceiptForwarder's notify
// (which drains both).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "smpp/carrier/carrier.hpp"
#include "smpp/protocol/delivery_receipt.hpp"
#include "smpp/relay/carrier_id.hpp"
#include "smpp/relay/mo_dedupe.hpp"
#include "smpp/relay/mo_directory.hpp"
#include "store/ledger.hpp"

namespace smpp::relay {

using CarrierIdBook = std::map<std::string, CarrierIdSettings, std::less<>>;

struct ReceiptMatcherCounters {
    std::uint64_t matched = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t parked = 0;
    std::uint64_t late_matched = 0;   // parked ones sent() took
    std::uint64_t unparsed = 0;       // kept raw, never matchable as they are
    std::uint64_t mobile_originated = 0;
    std::uint64_t refused = 0;        // answered ESME_RX_T_APPN (ledger could not store)
    std::uint64_t mo_parked = 0;      // MOs parked for their account (ESME_ROK)
    std::uint64_t mo_unowned = 0;     // MOs to a number no account owns (ESME_RX_P_APPN)
    std::uint64_t mo_opt_outs = 0;    // opt-out keywords applied
    std::uint64_t mo_refused = 0;     // MOs answered ESME_RX_T_APPN (ledger could not store)
    std::uint64_t mo_duplicates = 0;  // a carrier's copies of an MO already stored (ESME_ROK, dropped)
    std::uint64_t replayed = 0;       // kept receipts run through replay()
    std::uint64_t replay_matched = 0; // ... that changed their record then (not counted in matched)
};

// What the matcher needs for mobile-originated messages.
struct MoPath {
    MoDirectory directory{};
    MoSettings settings{};
    // Mints the MOs' ids (the server's store::MessageIdGenerator); empty:
    // no MO path, every MO is answered ESME_RX_T_APPN.
    std::function<store::MessageId()> next_id{};
    // Absorbs a carrier's copies of an MO (mo_dedupe.hpp); null: none.
    std::shared_ptr<MoDedupe> dedupe{};
};

// The record state a receipt's message_state reports (`sent` = intermediate).
store::MessageStatus reported_status(std::optional<protocol::message_state> stat) noexcept;

// The message_state to keep beside that record state (CarrierReceipt::
// reported_state) when the state does not say it: DELETED, UNKNOWN and
// ACCEPTD; 0 for the others.
std::uint8_t reported_state(std::optional<protocol::message_state> stat) noexcept;

// The error code a receipt carries: network_error_code's error, else `err`
// as written (decimal, or hex with 0x), else 0.
std::uint32_t receipt_error_code(const protocol::DeliveryReceipt& r) noexcept;

class ReceiptMatcher : public std::enable_shared_from_this<ReceiptMatcher> {
public:
    using Owed = std::function<void(const std::string& account)>;

    // Sets itself as the ledger's ReceiptListener: create it before the
    // first ledger write. `ledger` must outlive every callback.
    static std::shared_ptr<ReceiptMatcher> create(store::Ledger& ledger, CarrierIdBook ids, Owed owed,
                                                  MoPath mo = {});

    // Told every receipt that changed a record (now or when sent() took a
    // parked one), from any thread: the health monitor's delivery windows.
    // Set before the carriers start.
    void set_on_matched(std::function<void(const store::ReceiptMatch&)> hook) { on_matched_ = std::move(hook); }

    // The DeliverHandler to give carrier `carrier_id`'s actor.
    carrier::DeliverHandler handler_for(std::string carrier_id);

    // One deliver_sm / data_sm from carrier `carrier_id`.
    void on_deliver(const std::string& carrier_id, protocol::Pdu&& pdu,
                    std::function<void(protocol::command_status)> respond);

    // Replays a receipt copy the ledger kept (Ledger::raw_receipts) through
    // today's parser and carrier-ID settings: after a parser fix, or a
    // corrected id_translation, a receipt that found no message finds it.
    // The replay only fills in what the first reading lacked: an id, a
    // final state for one read as intermediate, an error code, a done
    // date. What it read then stands (the TLVs, which win over the text,
    // are not kept). Keys come from today's settings. Applied like a new
    // receipt, without another raw copy: one already applied is absorbed as
    // a duplicate (no second receipt upstream); a match owes the upstream
    // its receipt as usual. Either way the parking it got when it came is
    // dropped, so it no longer lists as unmatched. `done` (any thread) gets
    // the ledger's outcome, or nullopt when the text still names no message
    // (nothing written).
    using ReplayDone = std::function<void(store::StatusOr<std::optional<store::ReceiptMatch>>)>;
    void replay(const store::CarrierReceipt& kept, ReplayDone done);

    ReceiptMatcherCounters counters() const;

private:
    ReceiptMatcher(store::Ledger& ledger, CarrierIdBook ids, Owed owed, MoPath mo);
    const CarrierIdSettings& settings_of(std::string_view carrier_id) const;
    void on_mobile_originated(const std::string& carrier_id, protocol::Pdu&& pdu,
                              std::function<void(protocol::command_status)> respond);

    store::Ledger& ledger_;
    const CarrierIdBook ids_;
    const CarrierIdSettings automatic_{};
    const Owed owed_;
    std::function<void(const store::ReceiptMatch&)> on_matched_;
    const MoPath mo_;
    struct AtomicCounters {
        std::atomic<std::uint64_t> matched{0}, duplicates{0}, parked{0}, late_matched{0}, unparsed{0},
            mobile_originated{0}, refused{0}, mo_parked{0}, mo_unowned{0}, mo_opt_outs{0}, mo_refused{0},
            mo_duplicates{0}, replayed{0}, replay_matched{0};
    };
    mutable AtomicCounters counters_;
};

}  // namespace smpp::relay
