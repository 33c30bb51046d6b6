#pragma once
// The Ledger on RocksDB.
//
// Column families:
//   messages     id(8, big-endian)            -> MessageRecord   every record
//   open         id                           -> status byte     records not yet final
//   carrier_ids  carrier \0 carrier_msg_id    -> id              receipt matching
//   retries      retry_at ms(8) id(8)         -> ""              retry schedule
//   receipts     account \0 id                -> PendingReceipt  owed upstream
//   opt_outs     account \0 msisdn            -> ""
//   mo           account \0 id                -> MobileOriginated owed upstream
//   mo_seen      received_at ms(8) key(16)    -> ""              MOs parked (mo_seen.hpp),
//                dropped by time range once older than the dedupe window
//   parts        account \0 src \0 dst \0 ref total -> PartGroup  aggregate receipts
//                (multipart_receipts.hpp): the final parts of an open group,
//                deleted once complete, or once quiet as long again after it
//                was given up on (expire_part_groups: a tombstone till then)
//   raw_receipts, receipts and mo are never point-read: vector memtables
//   (an append per write, sorted at flush) instead of skiplists.
//
// Writes: one WriteBatch per state change, touching every family the change
// touches; a change that fails leaves nothing in it (a save point per
// change, rolled back with what the change put in the group's overlays).
// A dedicated writer thread takes everything queued (up to
// LedgerSettings::max_group_size) into one group and, with a short queue,
// writes it itself: with the journal (the default) the journal record and
// its fdatasync, then the Completions (on the writer thread, in queue
// order), then rocksdb::Write without sync; without it, one rocksdb::Write
// with the WAL fsync (or none with sync: false), then the Completions.
// With a backlog a committer thread writes each group instead, and the two
// overlap: while group N is written, the writer builds group N+1 from what
// queues meanwhile, reading through N's changes (N is not in RocksDB yet);
// once N is durable the writer runs its Completions and hands N+1 over. If
// N's write fails, N+1 fails with it: it was built on N. Changes within a
// group, and across the group in flight, see each other (two updates of one
// message chain correctly). Reads go to RocksDB directly; one on another
// thread first waits until RocksDB has every group whose Completions had
// run and which wrote a column family it reads (at most one is not applied
// yet), so it sees every acknowledged write.
// If RocksDB refuses a group already acknowledged from the journal, every
// later write and read fails until a restart replays the journal.
//
// Scans (open, recover, awaiting_receipt, the sweeps) skip an entry that
// does not decode: counted, told with its key (LedgerSettings::on_unreadable)
// and left where it is, so one bad value never stops a start or a sweep.
//
// Retention: ids are time-ordered, so "minted before the cutoff" is a key
// range of `messages`. The few records in that range that are not final are
// listed by a seek over `open` (small: it holds only live messages), and the
// range is deleted with one DeleteRange per gap between them: O(live
// stragglers) tombstones, not O(records). carrier_ids entries cannot be range
// deleted (they are keyed by the carrier's id); a compaction filter drops
// those pointing below the retention floor, and find_by_carrier_id checks the
// record still exists, so a stale entry is never returned.
#include <cstdint>
#include <memory>
#include <string>

#include "store/ledger.hpp"
#include "store/ledger_settings.hpp"

namespace rocksdb {
class Env;
}

namespace smpp::store {

class RocksDbLedger final : public Ledger {
public:
    // Opens (or creates) the database at settings.path and starts the writer.
    static StatusOr<std::unique_ptr<RocksDbLedger>> open(const LedgerSettings& settings);
    // The same with RocksDB's files and threads through `env` (tests inject
    // faults with it); it must outlive the ledger.
    static StatusOr<std::unique_ptr<RocksDbLedger>> open(const LedgerSettings& settings, rocksdb::Env* env);
    // Commits every write already queued, runs its Completion, then closes.
    // Writes queued after destruction began complete with StatusCode::closed.
    ~RocksDbLedger() override;

    void accept(MessageRecord record, Completion done) override;
    void accept_all(std::vector<MessageRecord> records, Completion done) override;
    void update(MessageId id, StateChange change, Completion done) override;
    void update_all(std::vector<std::pair<MessageId, StateChange>> changes, Completion done) override;
    void sent(MessageId id, std::string carrier, std::string bind, std::string carrier_message_id,
              std::string index_key, Timestamp at, Completion done) override;
    using Ledger::sent;
    void set_receipt_listener(ReceiptListener listener) override;
    void apply_receipt(CarrierReceipt receipt, ReceiptCompletion done) override;
    void expire_unmatched(Timestamp cutoff, Timestamp alternate_cutoff, Completion done) override;
    void expire_part_groups(PartGroupCutoff cutoff, Timestamp at, std::size_t limit,
                            ExpiredPartGroupsCompletion done) override;
    void time_out(MessageId id, MessageStatus reported, Timestamp at, ReceiptCompletion done) override;
    void schedule_retry(MessageId id, Timestamp when, Completion done) override;
    void park_receipt(PendingReceipt receipt, Completion done) override;
    void remove_receipt(std::string account, MessageId id, Completion done) override;
    void remove_receipts(std::string account, std::vector<MessageId> ids, Completion done) override;
    void remove_forwarded_receipts(std::string account, std::vector<ReceiptStamp> forwarded,
                                   Completion done) override;
    void park_mo(MobileOriginated mo, Completion done) override;
    void remove_mo(std::string account, MessageId id, Completion done) override;
    StatusOr<std::vector<MoSighting>> mo_sightings(Timestamp from, std::size_t limit) const override;
    void drop_mo_sightings_before(Timestamp cutoff, Completion done) override;
    void add_opt_out(std::string account, std::string msisdn, Completion done) override;
    void remove_opt_out(std::string account, std::string msisdn, Completion done) override;
    void drop_final_older_than(Timestamp cutoff, Completion done) override;

    StatusOr<MessageRecord> find(MessageId id) const override;
    StatusOr<MessageId> find_by_carrier_id(std::string_view carrier,
                                           std::string_view carrier_message_id) const override;
    StatusOr<std::vector<MessageId>> due_retries(Timestamp now, std::size_t limit) const override;
    using Ledger::pending_mo;
    using Ledger::pending_receipts;
    StatusOr<std::vector<PendingReceipt>> pending_receipts(std::string_view account, std::size_t limit,
                                                           const IdFilter& skip) const override;
    StatusOr<std::vector<MobileOriginated>> pending_mo(std::string_view account, std::size_t limit,
                                                       const IdFilter& skip) const override;
    StatusOr<std::vector<std::string>> owed_accounts() const override;
    StatusOr<std::vector<MessageRecord>> awaiting_receipt(Timestamp cutoff, std::size_t limit,
                                                                  MessageId after = {}) const override;
    StatusOr<std::vector<CarrierReceipt>> unmatched_receipts(std::string_view carrier,
                                                             std::size_t limit) const override;
    StatusOr<std::vector<CarrierReceipt>> raw_receipts(Timestamp from, std::size_t limit) const override;
    StatusOr<bool> is_opted_out(std::string_view account, std::string_view msisdn) const override;
    MessageId highest_id() const override;
    StatusOr<Recovery> recover(Timestamp now, Timestamp parts_since) override;

    // How well group commit is working: writes per group = writes / groups.
    struct WriterStats {
        std::uint64_t groups = 0;
        std::uint64_t writes = 0;
        std::uint64_t overlapped = 0;  // groups built while the one before was being written
        std::uint64_t journal_records = 0;   // groups whose fsync went to the journal
        std::uint64_t journal_switches = 0;  // journal segment switches
        std::uint64_t journal_waits = 0;     // switches that waited for RocksDB's WAL sync
        std::uint64_t journal_replayed = 0;  // journal records replayed at open
        // Entries scans skipped because they do not decode (LedgerSettings::on_unreadable).
        std::uint64_t unreadable = 0;
        // Why every write and read now fails until a restart replays the
        // journal (RocksDB refused an acknowledged group); empty while fine.
        std::string failure{};
    };
    WriterStats writer_stats() const;

    // Compacts carrier_ids so the retention floor takes effect now (tests).
    Status compact_carrier_ids();

    struct Impl;

    // expire_unmatched() scans this many parked receipts per writer task,
    // then queues the rest behind the writes that came meanwhile.
    static constexpr std::size_t unmatched_scan_batch = 10'000;

private:
    explicit RocksDbLedger(std::unique_ptr<Impl> impl);
    // expire_unmatched() from the key `from` on ("" = the first).
    void expire_unmatched_from(Timestamp cutoff, Timestamp alternate_cutoff, std::string from, Completion done);
    std::unique_ptr<Impl> impl_;
};

}  // namespace smpp::store
