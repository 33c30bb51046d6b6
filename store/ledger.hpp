#pragma once
// The ledger: where every accepted message lives until long after its final
// state. Implementations: RocksDbLedger (the real one, rocksdb_ledger.hpp)
// and InMemoryLedger (the test double, in_memory_ledger.hpp); both pass the
// same behavioural suite (test/store/ledger.cpp).
//
// Writes are asynchronous: the Completion runs once the change is durable
// (or failed), possibly on a thread of the ledger's own. The caller posts
// it to its executor before touching session state, and sends
// submit_sm_resp ESME_ROK only from accept()'s ok Completion.
//
// Reads are synchronous point lookups and short scans; they see every write
// whose Completion has run, and never a write that is not yet durable. A
// read from inside a Completion (on the ledger's thread) may not see that
// Completion's own write yet: post, then read.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/carrier_receipt.hpp"
#include "store/message_id.hpp"
#include "store/message_record.hpp"
#include "store/mo_seen.hpp"
#include "store/mobile_originated.hpp"
#include "store/pending_receipt.hpp"
#include "store/state_change.hpp"
#include "store/status.hpp"

namespace smpp::store {

using Completion = std::function<void(Status)>;
using ReceiptCompletion = std::function<void(StatusOr<ReceiptMatch>)>;
// Told (on the ledger's thread, once durable) when sent() took a receipt
// that was parked before the carrier's id was known.
using ReceiptListener = std::function<void(const ReceiptMatch&)>;

// A part of a concatenated message and the carrier that has it.
struct TakenPart {
    std::string account;
    std::string source;       // the record's source address
    std::string destination;  // the record's destination address
    Concatenation part;
    std::string carrier;
    Timestamp at;  // when it went to that carrier
    bool in_doubt = false;  // the carrier may have it (no answer): not one of the parts known taken
};
// `r` as a TakenPart if it is a part of a concatenated message that a
// carrier has or may have (sent or in doubt; the carrier of its last
// attempt), handed over at or after `since`.
std::optional<TakenPart> taken_part(const MessageRecord& r, Timestamp since);

// What a restart has to pick up again.
struct Recovery {
    // accepted or queued (including those waiting for a retry): route and send them.
    std::vector<MessageRecord> resume;
    // Were `sending` when we stopped (now marked in_doubt), or were already
    // in_doubt: the account's policy decides to resend or report upstream.
    std::vector<MessageRecord> in_doubt;
    // Parts of concatenated messages a carrier has (sent) or may have (in
    // doubt), handed to it since recover()'s `parts_since`: the forward path
    // keeps their siblings on that carrier across the restart, since which
    // parts it already took lived only in memory (part_affinity.hpp).
    std::vector<TakenPart> taken_parts;
};

// What one Ledger::expire_part_groups call did.
struct ExpiredPartGroups {
    std::size_t groups = 0;    // given up on (kept as tombstones: PartGroup::given_up)
    std::size_t reported = 0;  // of those, with an aggregate receipt parked
    std::size_t dropped = 0;   // tombstones quiet as long again: deleted
    std::size_t unreadable = 0;  // values that did not decode: skipped, left as they are
    // The accounts owed those receipts, each once.
    std::vector<std::string> accounts{};
};
using ExpiredPartGroupsCompletion = std::function<void(StatusOr<ExpiredPartGroups>)>;
// The newest change an open part group of `account` may have and still be
// waited for (Ledger::expire_part_groups).
using PartGroupCutoff = std::function<Timestamp(std::string_view account)>;

class Ledger {
public:
    virtual ~Ledger() = default;

    // Stores a new record (already_exists if the id is taken).
    virtual void accept(MessageRecord record, Completion done) = 0;
    // Stores all of them in one write, or none (the first refusal is the
    // status): the parts of a message we split must never exist apart.
    virtual void accept_all(std::vector<MessageRecord> records, Completion done) = 0;
    // One state change; not_found for an unknown id, failed_precondition
    // for a final record (see state_change.hpp).
    virtual void update(MessageId id, StateChange change, Completion done) = 0;
    // Several state changes in one write, or none (the first refusal is the
    // status): a message we split is cancelled whole or not at all.
    virtual void update_all(std::vector<std::pair<MessageId, StateChange>> changes, Completion done) = 0;
    // The carrier's submit_sm_resp: record (with the id as the carrier wrote
    // it) and carrier-ID index entry (under `index_key`, the normalised id;
    // empty: the id as written) in one write. A receipt parked under that
    // key is applied in the same write and reported to the ReceiptListener.
    // `bind`: which of the carrier's binds answered (carrier::bind_label),
    // kept on the attempt; empty when unknown.
    virtual void sent(MessageId id, std::string carrier, std::string bind, std::string carrier_message_id,
                      std::string index_key, Timestamp at, Completion done) = 0;
    void sent(MessageId id, std::string carrier, std::string carrier_message_id, std::string index_key, Timestamp at,
              Completion done) {
        sent(id, std::move(carrier), std::string(), std::move(carrier_message_id), std::move(index_key), at,
             std::move(done));
    }
    // Set once, before the first write.
    virtual void set_receipt_listener(ReceiptListener listener) = 0;

    // A carrier's delivery receipt (carrier_receipt.hpp): applied to the
    // record it matches (the first of its keys whose record it reports_on),
    // with the PendingReceipt the account is owed, in one write; or parked
    // as unmatched until sent() brings its key. Its raw
    // copy is kept either way (unless keep_raw is false: a replay of one).
    virtual void apply_receipt(CarrierReceipt receipt, ReceiptCompletion done) = 0;
    // The receipt timeout (carrier_receipt.hpp apply_timeout): the record
    // and what the account is owed, in one write.
    virtual void time_out(MessageId id, MessageStatus reported, Timestamp at, ReceiptCompletion done) = 0;
    // Forgets unmatched receipts received before `cutoff` (their raw copy
    // stays), and their parkings under alternate readings of their id
    // received before `alternate_cutoff` (carrier_receipt.hpp
    // parking_expires): after parking_takeable_for no sent() takes those,
    // and only the parking under its own reading is listed.
    virtual void expire_unmatched(Timestamp cutoff, Timestamp alternate_cutoff, Completion done) = 0;
    // Gives up on aggregate part groups (multipart_receipts.hpp) that stay
    // open: one whose newest change is before `cutoff(account)` is reported
    // with what it has, as of `at` (abandon_part_group; the envelope from
    // the record of one of its parts), and kept as a tombstone (given_up,
    // updated_at = `at`), in one write with the receipt it owes, so a crash
    // can neither lose nor double that receipt. A tombstone older than the
    // cutoff is deleted. A group none of whose records is left (retention)
    // goes unreported. A value that does not decode is skipped (counted).
    // At most `limit` groups given up on or dropped a call: a full answer
    // may have more behind it.
    virtual void expire_part_groups(PartGroupCutoff cutoff, Timestamp at, std::size_t limit,
                                    ExpiredPartGroupsCompletion done) = 0;
    virtual void schedule_retry(MessageId id, Timestamp when, Completion done) = 0;

    virtual void park_receipt(PendingReceipt receipt, Completion done) = 0;
    // Removing a receipt that is not parked is ok (it was delivered twice).
    virtual void remove_receipt(std::string account, MessageId id, Completion done) = 0;
    // Several of one account's receipts at once (the forwarder's ESME_ROKs
    // of one burst): one write where the ledger can. `done` runs once, with
    // the first failure if any. The default removes them one by one.
    virtual void remove_receipts(std::string account, std::vector<MessageId> ids, Completion done);
    // The forwarder's removal: each receipt is removed only if what is parked
    // under its id still has the stamp given (that of the receipt
    // pending_receipts() returned). A receipt parked since for the same
    // message (the final one after an intermediate the upstream just
    // acknowledged) stays, to be forwarded in its turn. One write; `done`
    // runs once.
    virtual void remove_forwarded_receipts(std::string account, std::vector<ReceiptStamp> forwarded,
                                           Completion done) = 0;

    // Mobile-originated messages owed to an account (mobile_originated.hpp):
    // parked before the carrier's ESME_ROK, removed after the account's.
    // Removing one that is not parked is ok (it was delivered twice).
    virtual void park_mo(MobileOriginated mo, Completion done) = 0;
    virtual void remove_mo(std::string account, MessageId id, Completion done) = 0;
    // park_mo also leaves the MO's sighting (mo_seen.hpp), in the same
    // write, which remove_mo keeps: the dedupe window survives a restart.
    // Sightings of MOs received at or after `from`, oldest first, at most
    // `limit`. The default (a ledger keeping none): empty.
    virtual StatusOr<std::vector<MoSighting>> mo_sightings(Timestamp from, std::size_t limit) const;
    // Forgets sightings received before `cutoff`. The default: nothing to do.
    virtual void drop_mo_sightings_before(Timestamp cutoff, Completion done);

    // MSISDNs as the caller normalised them; adding twice or removing a
    // missing one is ok.
    virtual void add_opt_out(std::string account, std::string msisdn, Completion done) = 0;
    virtual void remove_opt_out(std::string account, std::string msisdn, Completion done) = 0;

    // Forgets every final record minted before `cutoff` (and its carrier-ID
    // index entries) and raw receipts received before it. Records not yet
    // final are kept however old.
    virtual void drop_final_older_than(Timestamp cutoff, Completion done) = 0;

    virtual StatusOr<MessageRecord> find(MessageId id) const = 0;
    virtual StatusOr<MessageId> find_by_carrier_id(std::string_view carrier,
                                                   std::string_view carrier_message_id) const = 0;
    // Retries due at `now`, earliest first (ties by id), at most `limit`.
    // They stay scheduled until a state change (update/sent) takes them.
    virtual StatusOr<std::vector<MessageId>> due_retries(Timestamp now, std::size_t limit) const = 0;
    // Ids a reader of the owed receipts or MOs passes over: the forwarder's
    // own in flight, which sit at the head of the FIFO. Asked under the
    // ledger's lock, before anything is copied: keep it cheap.
    using IdFilter = std::function<bool(MessageId)>;
    // The account's parked receipts, oldest message first, at most `limit`
    // of those `skip` (if set) does not pass over.
    virtual StatusOr<std::vector<PendingReceipt>> pending_receipts(std::string_view account, std::size_t limit,
                                                                   const IdFilter& skip) const = 0;
    StatusOr<std::vector<PendingReceipt>> pending_receipts(std::string_view account, std::size_t limit) const {
        return pending_receipts(account, limit, {});
    }
    // The account's parked mobile-originated messages, the same way.
    virtual StatusOr<std::vector<MobileOriginated>> pending_mo(std::string_view account, std::size_t limit,
                                                               const IdFilter& skip) const = 0;
    StatusOr<std::vector<MobileOriginated>> pending_mo(std::string_view account, std::size_t limit) const {
        return pending_mo(account, limit, {});
    }
    // Every account with receipts or MOs parked, each once, in name order:
    // what a start owes, including to accounts the configuration no longer
    // has (nothing else would ever ask for theirs).
    virtual StatusOr<std::vector<std::string>> owed_accounts() const = 0;
    // Records still `sent` (no final receipt) or `in_doubt` whose last
    // change is before `cutoff`, oldest first from the id after `after`, at
    // most `limit`.
    virtual StatusOr<std::vector<MessageRecord>> awaiting_receipt(Timestamp cutoff, std::size_t limit,
                                                                  MessageId after = {}) const = 0;
    // Unmatched receipts of a carrier (each once), at most `limit`.
    virtual StatusOr<std::vector<CarrierReceipt>> unmatched_receipts(std::string_view carrier,
                                                                     std::size_t limit) const = 0;
    // Every receipt as received, oldest first from `from`, at most `limit`.
    virtual StatusOr<std::vector<CarrierReceipt>> raw_receipts(Timestamp from, std::size_t limit) const = 0;
    virtual StatusOr<bool> is_opted_out(std::string_view account, std::string_view msisdn) const = 0;

    // The highest id held under a key of ids we mint (records, receipts
    // owed, MOs): found at open, or written since (a removal does not lower
    // it); 0 for none. The server's id generator starts above it
    // (MessageIdGenerator::advance_past): with the clock behind it after a
    // restart, an id minted again would be refused by accept() as taken,
    // or written by park_mo over an MO still owed. The default (a ledger
    // keeping none): 0.
    virtual MessageId highest_id() const;

    // Call once on start, before serving: marks every `sending` record
    // in_doubt in one durable write and returns what to pick up, with the
    // concatenated parts carriers took since `parts_since`.
    virtual StatusOr<Recovery> recover(Timestamp now, Timestamp parts_since) = 0;
};

}  // namespace smpp::store
