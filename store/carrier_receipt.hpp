#pragma once
// A delivery receipt from a carrier, on its way to the record it reports
// on, and the rule for what it does to that record. The rule lives here so
// the RocksDB ledger and its in-memory double cannot disagree.
//
// Matching happens inside the ledger, in the same ordered stream of writes
// as sent(): a receipt either finds the carrier-ID index entry (written with
// the carrier's submit_sm_resp) or is parked as unmatched; a later sent()
// for that key takes the parked receipt in the same write. Whichever comes
// first, neither can miss the other, and nothing is acknowledged to the
// carrier before it is durable. A parked receipt received before the
// message's submit_sm left (may_report_on) is another message's that
// shared the id: sent() leaves it parked.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_id.hpp"
#include "store/message_record.hpp"
#include "store/pending_receipt.hpp"
#include "store/status.hpp"

namespace smpp::store {

struct CarrierReceipt {
    std::string carrier{};
    // Index keys to try, in order (smpp/relay/carrier_id.hpp turns the
    // carrier's id into these); the first one is where it parks.
    std::vector<std::string> keys{};
    std::string carrier_message_id{};  // as the carrier wrote it
    // The state it reports; a non-final one (`sent`) is an intermediate
    // notification (ENROUTE, ACCEPTD) and does not change the record.
    MessageStatus status = MessageStatus::delivered;
    // The SMPP message_state (5.2.28) the carrier wrote, when `status` does
    // not say it: DELETED or UNKNOWN (undeliverable), ACCEPTD (sent). 0:
    // `status` says it. Passed on in the receipt owed upstream, so an
    // UNKNOWN stays UNKNOWN there rather than becoming UNDELIV.
    std::uint8_t reported_state = 0;
    std::uint32_t error_code = 0;
    Timestamp done_at{};
    Timestamp received_at{};
    std::string raw{};  // the receipt text as received: replay after a parser fix
    // Write a raw copy (raw_receipts) with it. A replay of a kept copy does
    // not keep another one. Not encoded: a decoded receipt keeps its raw.
    bool keep_raw = true;
    // A replay: the keys the kept copy was parked under when it came. Once
    // it finds its record (matched or duplicate), that parking (the entry
    // holding this very receipt: same received_at and raw text) is dropped
    // in the same write, so it no longer shows as unmatched. Not encoded.
    std::vector<std::string> parked_under{};
    friend bool operator==(const CarrierReceipt&, const CarrierReceipt&) = default;
};

enum class receipt_outcome : std::uint8_t {
    matched,    // the record took it; maybe a receipt is owed upstream
    duplicate,  // the record already had this (or another final) state: absorbed
    parked,     // no record has this carrier id yet: kept until sent() brings it
};
std::string_view name(receipt_outcome o) noexcept;

struct ReceiptMatch {
    receipt_outcome outcome = receipt_outcome::parked;
    MessageId id{};               // matched / duplicate
    std::string account{};        // matched / duplicate
    bool owes_upstream = false;   // a PendingReceipt was parked for the account
    // For health per carrier x country (matched only): where the message
    // went, when the carrier took it, and what the receipt reported.
    std::string carrier{};
    std::string destination{};
    Timestamp sent_at{};
    MessageStatus reported = MessageStatus::sent;
    friend bool operator==(const ReceiptMatch&, const ReceiptMatch&) = default;
};

// The ReceiptMatch of `outcome` for record `r` (as changed) and receipt `c`.
ReceiptMatch match_of(receipt_outcome outcome, const MessageRecord& r, const CarrierReceipt& c);

// What the receipt does to `r` (changed in place when it returns matched):
// a final state moves a record that is not final yet to that state (a
// receipt resolves `in_doubt` as well: the carrier did have it); a record
// already final absorbs it as a duplicate (the first final state wins: a
// late UNDELIV after DELIVRD is logged by the caller, not applied). An
// intermediate notification leaves the status alone; the same one as the
// last the record took (intermediate_fingerprint) is a duplicate.
// `upstream` gets the receipt the account is owed, if its
// registered_delivery asks for one.
receipt_outcome apply_receipt(MessageRecord& r, const CarrierReceipt& c, std::optional<PendingReceipt>& upstream);

// What tells an intermediate notification from another: its state (and
// the carrier's own stat), err, done date and text, not when it came.
// Never 0. Stable across builds (FNV-1a over a fixed serialisation): it is
// stored in records (MessageRecord::intermediate_seen).
std::uint64_t intermediate_fingerprint(const CarrierReceipt& c) noexcept;

// No receipt came within the account's time: `reported` (expired, or
// undeliverable for stat UNKNOWN) is applied like a carrier receipt and the
// record is marked synthetic_receipt. Only a record still `sent` is timed
// out; any other is left alone (duplicate).
receipt_outcome apply_timeout(MessageRecord& r, MessageStatus reported, Timestamp at,
                              std::optional<PendingReceipt>& upstream);

// registered_delivery (SMPP 3.4 5.2.17) bits 1-0: 00 none, 01 on success
// or failure, 10 on failure only; bit 4: intermediate notifications.
bool wants_receipt(std::uint8_t registered_delivery, MessageStatus reported) noexcept;

// The receipt owed upstream when `next` became final without one from the
// carrier: rejected (the carrier's permanent answer), failed (retries
// exhausted) or expired (validity passed while it was with us), when the
// upstream's registered_delivery asks. A cancelled message owes none (the
// upstream asked for it).
std::optional<PendingReceipt> owed_on_final(const MessageRecord& previous, const MessageRecord& next);

// received_at and an attempt's `at` both come from this host's clock; a
// step back of that clock between the two can make a receipt look older
// than the submit_sm it reports on by up to this much.
inline constexpr std::chrono::milliseconds receipt_clock_allowance{5'000};

// The earliest the submit_sm to `carrier` whose receipts `r` takes can
// have left us: the first of r's attempts at that carrier that may have
// reached it (sending, in doubt or sent; not one it refused), written
// before its submit_sm went; the record's acceptance when it has none.
Timestamp submitted_at(const MessageRecord& r, std::string_view carrier) noexcept;

// Whether `c` may report on a message whose submit_sm left at `submitted`
// (submitted_at). A receipt can come before the submit_sm_resp, never
// before the submit_sm: one received earlier than that (less
// receipt_clock_allowance) is another message's that shared the carrier
// id, or one of its alternate readings (a parking left from days ago).
// A receipt without a received_at (epoch) is not judged.
bool may_report_on(const CarrierReceipt& c, Timestamp submitted) noexcept;

// How long after a receipt came a sent() may still take it: the
// submit_sm_resp of a submit_sm that left before the receipt comes within
// its carrier's response_timeout, or late within 5 minutes of it (the
// forward path takes no later ESME_ROK). An hour covers every carrier.
inline constexpr std::chrono::hours parking_takeable_for{1};

// Whether the parking of `c` under `key` goes in an expiry sweep: received
// before `cutoff`, or before `alternate_cutoff` when `key` is one of its
// alternate readings (not its first key).
bool parking_expires(const CarrierReceipt& c, std::string_view key, Timestamp cutoff,
                     Timestamp alternate_cutoff) noexcept;

// Whether `c`, found in the carrier-ID index under one of its keys, reports
// on the record `r` there (apply_receipt then says matched or duplicate),
// or `r` is another message that shares a reading of the id: look on under
// the next key, or park. `own_reading`: found under its first key (the id
// as the carrier wrote it), not an alternate reading (hex read as decimal
// or the reverse). Never `r` when its submit_sm left after `c` came
// (may_report_on). A final `r` absorbs `c` as a duplicate only under its
// own reading: under an alternate one it is some other message that is
// done (ids "64" and "100" read as each other), and the receipt is kept
// for the message still to come.
bool reports_on(const MessageRecord& r, const CarrierReceipt& c, bool own_reading) noexcept;

// Parking a receipt that came before its submit_sm_resp, under each of its
// keys: whether `incoming` takes `key` from `existing`, the receipt parked
// there now. A later copy of the same carrier id replaces the earlier one
// (except a final one by an intermediate). Between two carrier ids, a
// receipt always keeps its own first key, and another receipt's alternate
// reading never displaces it: "10" read as hex is "16", so without this a
// receipt for "16" parked after one for "10" took the "10" parking, and the
// submit_sm_resp "10" then matched the wrong receipt while the right one
// was lost. Between two alternate readings the one parked first stays.
// Before all that: a parking older than parking_takeable_for by the
// incoming receipt's time can no longer be taken by any sent()
// (may_report_on), so the incoming one takes the key, whatever it is; and
// an incoming receipt that old (a replay) never displaces a newer one.
// Else a receipt parked days ago under "64" kept a new receipt whose
// alternate reading is "64" out, the submit_sm_resp "64" then found only
// the old one (not taken, too old) and its message waited for its timeout.
bool parks_over(const CarrierReceipt& existing, const CarrierReceipt& incoming, std::string_view key);

// Whether `parked` (the entry under some key) is receipt `c` itself: only its
// own parkings go when it is taken or replayed, not another receipt's that
// share a key reading.
bool same_receipt(const CarrierReceipt& parked, const CarrierReceipt& c);

// The value stored for a parked (unmatched) receipt and a raw one. Version
// 2 adds reported_state, written only when it is set (a receipt without one
// is encoded as before); version 1 still decodes.
std::string encode(const CarrierReceipt& c);
StatusOr<CarrierReceipt> decode_carrier_receipt(std::string_view bytes);

}  // namespace smpp::store
