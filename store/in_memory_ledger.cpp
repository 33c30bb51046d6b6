#include "store/in_memory_ledger.hpp"

#include <iterator>

namespace smpp::store {
namespace {

Status unknown(MessageId id) { return Status(StatusCode::not_found, "message " + id.to_string()); }

}  // namespace

void InMemoryLedger::store(const MessageRecord* previous, MessageRecord next) {
    if (previous && previous->retry_at != Timestamp{}) retries_.erase({previous->retry_at, previous->id});
    if (next.retry_at != Timestamp{}) retries_.insert({next.retry_at, next.id});
    auto id = next.id;
    messages_.insert_or_assign(id, std::move(next));
}

void InMemoryLedger::accept(MessageRecord record, Completion done) {
    Status s = check_acceptable(record);
    if (s.ok()) {
        std::lock_guard lock(mutex_);
        if (messages_.count(record.id)) {
            s = Status(StatusCode::already_exists, "message " + record.id.to_string());
        } else {
            record.retry_at = Timestamp{};
            store(nullptr, std::move(record));
        }
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
            if (s.ok()) store(&it->second, std::move(next));
        }
    }
    done(std::move(s));
}

void InMemoryLedger::sent(MessageId id, std::string carrier, std::string carrier_message_id, Timestamp at,
                          Completion done) {
    Status s;
    {
        std::lock_guard lock(mutex_);
        auto it = messages_.find(id);
        if (it == messages_.end()) {
            s = unknown(id);
        } else {
            MessageRecord next = it->second;
            s = apply_sent(next, carrier, carrier_message_id, at);
            if (s.ok()) {
                store(&it->second, std::move(next));
                carrier_ids_.insert_or_assign({std::move(carrier), std::move(carrier_message_id)}, id);
            }
        }
    }
    done(std::move(s));
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

StatusOr<std::vector<PendingReceipt>> InMemoryLedger::pending_receipts(std::string_view account,
                                                                       std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<PendingReceipt> out;
    for (auto it = receipts_.lower_bound(std::make_pair(std::string(account), MessageId{}));
         it != receipts_.end() && it->first.first == account && out.size() < limit; ++it)
        out.push_back(it->second);
    return out;
}

StatusOr<bool> InMemoryLedger::is_opted_out(std::string_view account, std::string_view msisdn) const {
    std::lock_guard lock(mutex_);
    return opt_outs_.count(std::make_pair(std::string(account), std::string(msisdn))) > 0;
}

StatusOr<Recovery> InMemoryLedger::recover(Timestamp now) {
    std::lock_guard lock(mutex_);
    Recovery out;
    for (auto& [id, record] : messages_) {
        switch (record.status) {
            case MessageStatus::accepted:
            case MessageStatus::queued: out.resume.push_back(record); break;
            case MessageStatus::sending: {
                MessageRecord next = record;
                Status s = apply(next, StateChange{.status = MessageStatus::in_doubt, .at = now});
                if (!s.ok()) return s;
                store(&record, next);
                out.in_doubt.push_back(std::move(next));
                break;
            }
            case MessageStatus::in_doubt: out.in_doubt.push_back(record); break;
            default: break;
        }
    }
    return out;
}

}  // namespace smpp::store
