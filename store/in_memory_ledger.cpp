#include "store/in_memory_ledger.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace smpp::store {
namespace {

Status unknown(MessageId id) { return Status(StatusCode::not_found, "message " + id.to_string()); }

}  // namespace

void InMemoryLedger::store(const MessageRecord* previous, MessageRecord next) {
    if (previous && previous->retry_at != Timestamp{}) retries_.erase({previous->retry_at, previous->id});
    if (next.retry_at != Timestamp{}) retries_.insert({next.retry_at, next.id});
    auto id = next.id;
    highest_ = std::max(highest_, id);
    messages_.insert_or_assign(id, std::move(next));
}

bool InMemoryLedger::settle(const MessageRecord& previous, const MessageRecord& next,
                            std::optional<PendingReceipt> own) {
    const auto policy = policy_for(multipart_, next);
    std::optional<PartGroup> stored;
    if (needs_part_group(policy, previous, next))
        if (auto it = parts_.find(part_group_key(next, *part_of(next))); it != parts_.end()) stored = it->second;
    auto step = apply_multipart(policy, previous, next, std::move(own), stored);
    if (step.group_changed) {
        if (step.group) parts_.insert_or_assign(step.group_key, *step.group);
        else parts_.erase(step.group_key);
    }
    for (auto& r : step.owed) {
        auto key = std::make_pair(r.account, r.id);
        receipts_.insert_or_assign(std::move(key), std::move(r));
    }
    return !step.owed.empty();
}

void InMemoryLedger::store_change(std::map<MessageId, MessageRecord>::iterator it, MessageRecord next) {
    const MessageRecord previous = it->second;
    store(&it->second, next);
    // A part made final without a receipt (refused, failed, cancelled)
    // still counts for its aggregate.
    // Final without a carrier receipt (refused, failed, expired): the
    // upstream may be owed a failure receipt too.
    if (is_final(next.status) && !is_final(previous.status)) settle(previous, next, owed_on_final(previous, next));
}

void InMemoryLedger::accept(MessageRecord record, Completion done) {
    Status s = check_acceptable(record);
    if (s.ok()) {
        std::lock_guard lock(mutex_);
        if (messages_.count(record.id)) {
            s = Status(StatusCode::already_exists, "message " + record.id.to_string());
        } else {
            store(nullptr, std::move(record));
        }
    }
    done(std::move(s));
}

void InMemoryLedger::accept_all(std::vector<MessageRecord> records, Completion done) {
    Status s;
    {
        std::lock_guard lock(mutex_);
        std::set<MessageId> ids;
        for (const auto& record : records) {
            if (s = check_acceptable(record); !s.ok()) break;
            if (messages_.count(record.id) || !ids.insert(record.id).second) {
                s = Status(StatusCode::already_exists, "message " + record.id.to_string());
                break;
            }
        }
        if (s.ok())
            for (auto& record : records) store(nullptr, std::move(record));
    }
    done(std::move(s));
}

void InMemoryLedger::update(MessageId id, StateChange change, Completion done) {
    Status s;
    {
        std::lock_guard lock(mutex_);
        auto it = messages_.find(id);
        if (it == messages_.end()) {
            s = unknown(id);
        } else {
            MessageRecord next = it->second;
            s = apply(next, change);
            if (s.ok()) store_change(it, std::move(next));
        }
    }
    done(std::move(s));
}

void InMemoryLedger::update_all(std::vector<std::pair<MessageId, StateChange>> changes, Completion done) {
    Status s;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, change] : changes) {
            auto it = messages_.find(id);
            if (it == messages_.end()) {
                s = unknown(id);
                break;
            }
            MessageRecord next = it->second;
            if (s = apply(next, change); !s.ok()) break;
        }
        if (s.ok())
            for (const auto& [id, change] : changes) {
                auto it = messages_.find(id);
                MessageRecord next = it->second;
                if (apply(next, change).ok()) store_change(it, std::move(next));
            }
    }
    done(std::move(s));
}

void InMemoryLedger::sent(MessageId id, std::string carrier, std::string bind, std::string carrier_message_id,
                          std::string index_key, Timestamp at, Completion done) {
    if (index_key.empty()) index_key = carrier_message_id;
    Status s;
    std::optional<ReceiptMatch> late;
    {
        std::lock_guard lock(mutex_);
        auto it = messages_.find(id);
        if (it == messages_.end()) {
            s = unknown(id);
        } else {
            MessageRecord next = it->second;
            const Timestamp submitted = submitted_at(it->second, carrier);
            s = apply_sent(next, carrier, carrier_message_id, at, bind);
            if (s.ok() && index_key.empty()) {
                store(&it->second, std::move(next));  // no message_id: nothing to match receipts by
            } else if (s.ok()) {
                store(&it->second, std::move(next));
                carrier_ids_.insert_or_assign({carrier, index_key}, id);
                // A receipt parked before this submit_sm left is another
                // message's: it stays parked (and expires).
                if (auto parked = unmatched_.find(std::make_pair(carrier, index_key));
                    parked != unmatched_.end() && may_report_on(parked->second, submitted)) {
                    CarrierReceipt c = parked->second;
                    for (const auto& k : c.keys) {
                        auto there = unmatched_.find(std::make_pair(c.carrier, k));
                        if (there != unmatched_.end() && same_receipt(there->second, c)) unmatched_.erase(there);
                    }
                    auto m = apply_receipt_locked(id, c);
                    if (m.ok()) late = *m;
                    else s = m.status();
                }
            }
        }
    }
    if (late && receipt_listener_) receipt_listener_(*late);
    done(std::move(s));
}

void InMemoryLedger::set_receipt_listener(ReceiptListener listener) { receipt_listener_ = std::move(listener); }

StatusOr<ReceiptMatch> InMemoryLedger::apply_receipt_locked(MessageId id, const CarrierReceipt& c) {
    auto it = messages_.find(id);
    if (it == messages_.end()) return unknown(id);
    const MessageRecord previous = it->second;
    MessageRecord next = previous;
    std::optional<PendingReceipt> owed;
    ReceiptMatch m = match_of(store::apply_receipt(next, c, owed), next, c);
    if (m.outcome != receipt_outcome::matched) return m;
    store(&it->second, next);
    m.owes_upstream = settle(previous, next, std::move(owed));
    return m;
}

void InMemoryLedger::apply_receipt(CarrierReceipt receipt, ReceiptCompletion done) {
    if (auto s = check_key_part("carrier", receipt.carrier); !s.ok()) return done(std::move(s));
    if (receipt.keys.empty()) return done(Status(StatusCode::invalid_argument, "a receipt needs an index key"));
    StatusOr<ReceiptMatch> result = ReceiptMatch{.outcome = receipt_outcome::parked};
    {
        std::lock_guard lock(mutex_);
        if (receipt.keep_raw) raw_receipts_.emplace(receipt.received_at, receipt);
        bool matched = false;
        for (std::size_t i = 0; i < receipt.keys.size(); ++i) {
            auto it = carrier_ids_.find(std::make_pair(receipt.carrier, receipt.keys[i]));
            if (it == carrier_ids_.end()) continue;
            auto record = messages_.find(it->second);
            // An index entry can outlive its record (retention): then it is
            // as good as no entry.
            if (record == messages_.end() || !reports_on(record->second, receipt, i == 0)) continue;
            auto m = apply_receipt_locked(it->second, receipt);
            if (!m.ok() && m.status().code() == StatusCode::not_found) continue;
            result = std::move(m);
            matched = true;
            if (!result.ok()) break;
            for (const auto& k : receipt.parked_under) {
                auto parked = unmatched_.find(std::make_pair(receipt.carrier, k));
                if (parked != unmatched_.end() && parked->second.received_at == receipt.received_at &&
                    parked->second.raw == receipt.raw)
                    unmatched_.erase(parked);
            }
            break;
        }
        if (!matched) {
            for (const auto& key : receipt.keys) {
                auto existing = unmatched_.find(std::make_pair(receipt.carrier, key));
                if (existing == unmatched_.end()) unmatched_.emplace(std::make_pair(receipt.carrier, key), receipt);
                else if (parks_over(existing->second, receipt, key)) existing->second = receipt;
            }
        }
    }
    done(std::move(result));
}

void InMemoryLedger::time_out(MessageId id, MessageStatus reported, Timestamp at, ReceiptCompletion done) {
    StatusOr<ReceiptMatch> result = Status(StatusCode::not_found, "message " + id.to_string());
    {
        std::lock_guard lock(mutex_);
        auto it = messages_.find(id);
        if (it != messages_.end()) {
            const MessageRecord previous = it->second;
            MessageRecord next = previous;
            std::optional<PendingReceipt> owed;
            ReceiptMatch m{.outcome = apply_timeout(next, reported, at, owed), .id = id, .account = next.account};
            if (m.outcome == receipt_outcome::matched) {
                store(&it->second, next);
                m.owes_upstream = settle(previous, next, std::move(owed));
            }
            result = std::move(m);
        }
    }
    done(std::move(result));
}

void InMemoryLedger::expire_unmatched(Timestamp cutoff, Timestamp alternate_cutoff, Completion done) {
    {
        std::lock_guard lock(mutex_);
        std::erase_if(unmatched_, [&](const auto& entry) {
            return parking_expires(entry.second, entry.first.second, cutoff, alternate_cutoff);
        });
    }
    done({});
}

void InMemoryLedger::expire_part_groups(PartGroupCutoff cutoff, Timestamp at, std::size_t limit,
                                        ExpiredPartGroupsCompletion done) {
    ExpiredPartGroups out;
    {
        std::lock_guard lock(mutex_);
        for (auto it = parts_.begin(); it != parts_.end() && out.groups + out.dropped < limit;) {
            const std::string_view account = part_group_account(it->first);
            if (!(it->second.updated_at < cutoff(account))) {
                ++it;
                continue;
            }
            if (it->second.given_up) {  // reported long ago, no late part since
                it = parts_.erase(it);
                ++out.dropped;
                continue;
            }
            // Any of its parts' records carries the envelope (they share it).
            const MessageRecord* part = nullptr;
            for (const auto& p : it->second.parts)
                if (auto r = messages_.find(p.id); r != messages_.end() && !part) part = &r->second;
            if (auto owed = part ? abandon_part_group(*part, it->second, at) : std::nullopt) {
                if (std::find(out.accounts.begin(), out.accounts.end(), owed->account) == out.accounts.end())
                    out.accounts.push_back(owed->account);
                auto key = std::make_pair(owed->account, owed->id);
                receipts_.insert_or_assign(std::move(key), std::move(*owed));
                ++out.reported;
            }
            it->second.given_up = true;
            it->second.given_up_at = at;
            it->second.updated_at = at;
            ++it;
            ++out.groups;
        }
    }
    done(std::move(out));
}

StatusOr<std::vector<MessageRecord>> InMemoryLedger::awaiting_receipt(Timestamp cutoff, std::size_t limit,
                                                                      MessageId after) const {
    std::lock_guard lock(mutex_);
    std::vector<MessageRecord> out;
    for (auto it = messages_.upper_bound(after); it != messages_.end() && out.size() < limit && it->first.time() <= cutoff; ++it)
        if ((it->second.status == MessageStatus::sent || it->second.status == MessageStatus::in_doubt) &&
            it->second.updated_at < cutoff)
            out.push_back(it->second);
    return out;
}

StatusOr<std::vector<CarrierReceipt>> InMemoryLedger::unmatched_receipts(std::string_view carrier,
                                                                          std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<CarrierReceipt> out;
    for (auto it = unmatched_.lower_bound(std::make_pair(std::string(carrier), std::string()));
         it != unmatched_.end() && it->first.first == carrier && out.size() < limit; ++it)
        if (!it->second.keys.empty() && it->first.second == it->second.keys.front()) out.push_back(it->second);
    return out;
}

StatusOr<std::vector<CarrierReceipt>> InMemoryLedger::raw_receipts(Timestamp from, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<CarrierReceipt> out;
    for (auto it = raw_receipts_.lower_bound(from); it != raw_receipts_.end() && out.size() < limit; ++it)
        out.push_back(it->second);
    return out;
}

void InMemoryLedger::schedule_retry(MessageId id, Timestamp when, Completion done) {
    Status s;
    {
        std::lock_guard lock(mutex_);
        auto it = messages_.find(id);
        if (it == messages_.end()) {
            s = unknown(id);
        } else {
            MessageRecord next = it->second;
            s = apply_retry(next, when);
            if (s.ok()) store(&it->second, std::move(next));
        }
    }
    done(std::move(s));
}

void InMemoryLedger::park_receipt(PendingReceipt receipt, Completion done) {
    if (auto s = check_key_part("account", receipt.account); !s.ok()) return done(std::move(s));
    {
        std::lock_guard lock(mutex_);
        highest_ = std::max(highest_, receipt.id);
        auto key = std::make_pair(receipt.account, receipt.id);
        receipts_.insert_or_assign(std::move(key), std::move(receipt));
    }
    done({});
}

void InMemoryLedger::remove_receipt(std::string account, MessageId id, Completion done) {
    {
        std::lock_guard lock(mutex_);
        receipts_.erase({std::move(account), id});
    }
    done({});
}

void InMemoryLedger::remove_receipts(std::string account, std::vector<MessageId> ids, Completion done) {
    {
        std::lock_guard lock(mutex_);
        for (auto id : ids) receipts_.erase({account, id});
    }
    done({});
}

void InMemoryLedger::remove_forwarded_receipts(std::string account, std::vector<ReceiptStamp> forwarded,
                                               Completion done) {
    {
        std::lock_guard lock(mutex_);
        for (const auto& r : forwarded)
            if (auto it = receipts_.find({account, r.id}); it != receipts_.end() && stamp_of(it->second) == r)
                receipts_.erase(it);
    }
    done({});
}

void InMemoryLedger::park_mo(MobileOriginated mo, Completion done) {
    if (auto s = check_key_part("account", mo.account); !s.ok()) return done(std::move(s));
    if (!mo.id.valid()) return done(Status(StatusCode::invalid_argument, "a mobile-originated message needs an id"));
    {
        std::lock_guard lock(mutex_);
        highest_ = std::max(highest_, mo.id);
        mo_seen_.emplace(mo.received_at, mo_seen_key(mo));
        auto key = std::make_pair(mo.account, mo.id);
        mos_.insert_or_assign(std::move(key), std::move(mo));
    }
    done({});
}

void InMemoryLedger::remove_mo(std::string account, MessageId id, Completion done) {
    {
        std::lock_guard lock(mutex_);
        mos_.erase({std::move(account), id});
    }
    done({});
}

StatusOr<std::vector<MoSighting>> InMemoryLedger::mo_sightings(Timestamp from, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<MoSighting> out;
    for (auto it = mo_seen_.lower_bound({from, std::string{}}); it != mo_seen_.end() && out.size() < limit; ++it)
        out.push_back({it->second, it->first});
    return out;
}

void InMemoryLedger::drop_mo_sightings_before(Timestamp cutoff, Completion done) {
    {
        std::lock_guard lock(mutex_);
        mo_seen_.erase(mo_seen_.begin(), mo_seen_.lower_bound({cutoff, std::string{}}));
    }
    done({});
}

StatusOr<std::vector<MobileOriginated>> InMemoryLedger::pending_mo(std::string_view account, std::size_t limit,
                                                                   const IdFilter& skip) const {
    std::lock_guard lock(mutex_);
    std::vector<MobileOriginated> out;
    for (auto it = mos_.lower_bound(std::make_pair(std::string(account), MessageId{}));
         it != mos_.end() && it->first.first == account && out.size() < limit; ++it)
        if (!skip || !skip(it->second.id)) out.push_back(it->second);
    return out;
}

void InMemoryLedger::add_opt_out(std::string account, std::string msisdn, Completion done) {
    if (auto s = check_key_part("account", account); !s.ok()) return done(std::move(s));
    {
        std::lock_guard lock(mutex_);
        opt_outs_.insert({std::move(account), std::move(msisdn)});
    }
    done({});
}

void InMemoryLedger::remove_opt_out(std::string account, std::string msisdn, Completion done) {
    {
        std::lock_guard lock(mutex_);
        opt_outs_.erase({std::move(account), std::move(msisdn)});
    }
    done({});
}

void InMemoryLedger::drop_final_older_than(Timestamp cutoff, Completion done) {
    {
        std::lock_guard lock(mutex_);
        auto end = messages_.lower_bound(MessageId::first_at(cutoff));
        for (auto it = messages_.begin(); it != end;)
            it = is_final(it->second.status) ? messages_.erase(it) : std::next(it);
        std::erase_if(carrier_ids_, [&](const auto& entry) { return !messages_.count(entry.second); });
        raw_receipts_.erase(raw_receipts_.begin(), raw_receipts_.lower_bound(cutoff));
    }
    done({});
}

StatusOr<MessageRecord> InMemoryLedger::find(MessageId id) const {
    std::lock_guard lock(mutex_);
    auto it = messages_.find(id);
    if (it == messages_.end()) return unknown(id);
    return it->second;
}

StatusOr<MessageId> InMemoryLedger::find_by_carrier_id(std::string_view carrier,
                                                       std::string_view carrier_message_id) const {
    std::lock_guard lock(mutex_);
    auto it = carrier_ids_.find(std::make_pair(std::string(carrier), std::string(carrier_message_id)));
    if (it == carrier_ids_.end())
        return Status(StatusCode::not_found, std::string(carrier) + "/" + std::string(carrier_message_id));
    return it->second;
}

StatusOr<std::vector<MessageId>> InMemoryLedger::due_retries(Timestamp now, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<MessageId> due;
    for (auto it = retries_.begin(); it != retries_.end() && it->first <= now && due.size() < limit; ++it)
        due.push_back(it->second);
    return due;
}

StatusOr<std::vector<PendingReceipt>> InMemoryLedger::pending_receipts(std::string_view account, std::size_t limit,
                                                                       const IdFilter& skip) const {
    std::lock_guard lock(mutex_);
    std::vector<PendingReceipt> out;
    for (auto it = receipts_.lower_bound(std::make_pair(std::string(account), MessageId{}));
         it != receipts_.end() && it->first.first == account && out.size() < limit; ++it)
        if (!skip || !skip(it->second.id)) out.push_back(it->second);
    return out;
}

StatusOr<std::vector<std::string>> InMemoryLedger::owed_accounts() const {
    std::lock_guard lock(mutex_);
    std::set<std::string, std::less<>> names;
    for (const auto& [key, r] : receipts_) names.insert(key.first);
    for (const auto& [key, m] : mos_) names.insert(key.first);
    return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<bool> InMemoryLedger::is_opted_out(std::string_view account, std::string_view msisdn) const {
    std::lock_guard lock(mutex_);
    return opt_outs_.count(std::make_pair(std::string(account), std::string(msisdn))) > 0;
}

MessageId InMemoryLedger::highest_id() const {
    std::lock_guard lock(mutex_);
    return highest_;
}

StatusOr<Recovery> InMemoryLedger::recover(Timestamp now, Timestamp parts_since) {
    std::lock_guard lock(mutex_);
    Recovery out;
    for (auto& [id, record] : messages_) {
        if (record.status == MessageStatus::sent)
            if (auto t = taken_part(record, parts_since)) out.taken_parts.push_back(std::move(*t));
        switch (record.status) {
            case MessageStatus::accepted:
            case MessageStatus::queued: out.resume.push_back(record); break;
            case MessageStatus::sending: {
                MessageRecord next = record;
                Status s = apply(next, StateChange{.status = MessageStatus::in_doubt, .at = now});
                if (!s.ok()) return s;
                store(&record, next);
                if (auto t = taken_part(next, parts_since)) out.taken_parts.push_back(std::move(*t));
                out.in_doubt.push_back(std::move(next));
                break;
            }
            case MessageStatus::in_doubt:
                if (auto t = taken_part(record, parts_since)) out.taken_parts.push_back(std::move(*t));
                out.in_doubt.push_back(record);
                break;
            default: break;
        }
    }
    return out;
}

}  // namespace smpp::store
