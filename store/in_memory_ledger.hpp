#pragma once
// The Ledger test double: same semantics as RocksDbLedger, kept in maps.
// Thread-safe; every Completion runs synchronously on the calling thread
// before the call returns (outside the lock, so it may call back in).
// Nothing survives the object; recover() applies the same state rules.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "store/ledger.hpp"
#include "store/multipart_receipts.hpp"

namespace smpp::store {

class InMemoryLedger final : public Ledger {
public:
    // `multipart`: each account's receipts.multipart (LedgerSettings::multipart).
    explicit InMemoryLedger(MultipartBook multipart = {}) : multipart_(std::move(multipart)) {}

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

private:
    // Stores `next` over the record it replaces, keeping the retry schedule in step.
    void store(const MessageRecord* previous, MessageRecord next);

    // Under the lock: applies `c` to `id`'s record (and parks what the account is owed).
    StatusOr<ReceiptMatch> apply_receipt_locked(MessageId id, const CarrierReceipt& c);
    // Under the lock: parks what `previous` -> `next` leaves owed (`own`
    // through the multipart policy). True when something was parked.
    bool settle(const MessageRecord& previous, const MessageRecord& next, std::optional<PendingReceipt> own);
    // Under the lock: stores `next` over `it`'s record, and settles a part made final.
    void store_change(std::map<MessageId, MessageRecord>::iterator it, MessageRecord next);

    const MultipartBook multipart_;

    mutable std::mutex mutex_;
    ReceiptListener receipt_listener_;
    std::map<std::pair<std::string, std::string>, CarrierReceipt, std::less<>> unmatched_;
    std::multimap<Timestamp, CarrierReceipt> raw_receipts_;
    std::map<MessageId, MessageRecord> messages_;
    std::map<std::pair<std::string, std::string>, MessageId, std::less<>> carrier_ids_;
    std::set<std::pair<Timestamp, MessageId>> retries_;
    std::map<std::pair<std::string, MessageId>, PendingReceipt, std::less<>> receipts_;
    std::set<std::pair<std::string, std::string>, std::less<>> opt_outs_;
    std::map<std::pair<std::string, MessageId>, MobileOriginated, std::less<>> mos_;
    std::set<std::pair<Timestamp, std::string>> mo_seen_;
    std::map<std::string, PartGroup, std::less<>> parts_;
    // highest_id(): raised by every record, receipt and MO stored.
    MessageId highest_;
};

}  // namespace smpp::store
