#include "smpp/relay/receipt_timeouts.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace smpp::relay {

std::shared_ptr<ReceiptTimeouts> ReceiptTimeouts::create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                         ReceiptTimeoutSettings settings, Owed owed) {
    return std::shared_ptr<ReceiptTimeouts>(new ReceiptTimeouts(std::move(ex), ledger, std::move(settings),
                                                                std::move(owed)));
}

ReceiptTimeouts::ReceiptTimeouts(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                 ReceiptTimeoutSettings settings, Owed owed)
    : strand_(boost::asio::make_strand(ex)),
      timer_(strand_),
      ledger_(ledger),
      settings_(std::move(settings)),
      owed_(std::move(owed)) {}

store::Timestamp ReceiptTimeouts::now() const {
    if (settings_.clock) return settings_.clock();
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void ReceiptTimeouts::start() {
    boost::asio::post(strand_, [self = shared_from_this()] { self->arm(); });
}

void ReceiptTimeouts::stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
    });
}

void ReceiptTimeouts::arm() {
    if (stopped_) return;
    timer_.expires_after(settings_.interval);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->stopped_) return;
        self->sweep([self] { self->arm(); });
    });
}

void ReceiptTimeouts::sweep(std::function<void()> done) {
    boost::asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
        const auto now = self->now();
        // The timeouts first: a part overdue now completes its group the
        // ordinary way before the group could be given up on.
        self->batch(store::MessageId{}, now, [self, now, done = std::move(done)]() mutable {
            if (self->part_groups_at_ && now < *self->part_groups_at_ + self->settings_.part_groups_every)
                return done ? done() : void();
            self->part_groups_at_ = now;
            self->give_up_part_groups(now, std::move(done));
        });
    });
}

void ReceiptTimeouts::give_up_part_groups(store::Timestamp now, std::function<void()> done) {
    if (stopped_) return done ? done() : void();
    // Called on the ledger's thread: it reads copies only.
    auto cutoff = [policy = settings_.policy, grace = settings_.part_group_grace, now](std::string_view account) {
        const auto p = policy ? policy(std::string(account)) : ReceiptTimeoutPolicy{};
        return now - p.timeout - grace;
    };
    const auto limit = std::max<std::size_t>(settings_.batch, 1);  // 0 would ask again for ever
    ledger_.expire_part_groups(
        std::move(cutoff), now, limit,
        [self = shared_from_this(), now, limit, done = std::move(done)](store::StatusOr<store::ExpiredPartGroups> e) mutable {
            boost::asio::post(self->strand_, [self, now, limit, done = std::move(done), e = std::move(e)]() mutable {
                if (!e.ok()) {
                    spdlog::error("receipt timeouts: giving up on incomplete concatenated messages failed: {}",
                                  e.status().to_string());
                    return done ? done() : void();
                }
                if (e->groups > 0) {
                    self->given_up_.fetch_add(e->groups, std::memory_order_relaxed);
                    spdlog::warn("receipt timeouts: {} concatenated message(s) never got all their parts within their "
                                 "account's receipt timeout; {} aggregate receipt(s) owed with the parts they had",
                                 e->groups, e->reported);
                    if (self->owed_)
                        for (const auto& account : e->accounts) self->owed_(account);
                }
                // A full answer may have more behind it.
                if (e->unreadable > 0)
                    spdlog::error("receipt timeouts: {} concatenated message group(s) in the ledger do not decode; "
                                  "skipped",
                                  e->unreadable);
                if (e->groups + e->dropped == limit) return self->give_up_part_groups(now, std::move(done));
                if (done) done();
            });
        });
}

bool ReceiptTimeouts::try_resend(const store::MessageRecord& r) {
    if (!settings_.resend || r.duplicate_risk || !settings_.resend_classes.contains(r.traffic_class)) return false;
    // In doubt: the carrier that may have it gave no id to avoid; reported.
    if (r.status != store::MessageStatus::sent) return false;
    // One part of a concatenated message through another carrier would not
    // join its siblings on the handset (part_affinity.hpp): reported instead.
    if (r.concatenation && r.concatenation->total > 1) return false;
    // The carrier that has it: the last attempt it gave an id for.
    std::string carrier;
    for (auto a = r.attempts.rbegin(); a != r.attempts.rend() && carrier.empty(); ++a)
        if (store::carrier_took(*a)) carrier = a->carrier;
    if (carrier.empty() || !settings_.resend(r, carrier)) return false;
    resent_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("message {}: no receipt from {} in time; re-sent through another carrier (it may arrive twice)",
                 r.id.to_string(), carrier);
    return true;
}

void ReceiptTimeouts::batch(store::MessageId after, store::Timestamp now, std::function<void()> done) {
    auto finish = [&] {
        if (done) done();
    };
    if (stopped_) return finish();
    auto records = ledger_.awaiting_receipt(now - settings_.shortest, settings_.batch, after);
    if (!records.ok()) {
        spdlog::error("receipt timeouts: cannot read the ledger: {}", records.status().to_string());
        return finish();
    }
    if (records->empty()) return finish();
    auto left = std::make_shared<std::size_t>(records->size());
    const auto last = records->back().id;
    const bool full = records->size() == settings_.batch;
    // Continues with the next batch once every write of this one completed,
    // so a sweep never queues more than one batch of writes.
    auto next = [self = shared_from_this(), left, last, now, full, done]() mutable {
        if (--*left != 0) return;
        if (full) return self->batch(last, now, std::move(done));
        if (done) done();
    };
    for (const auto& r : *records) {
        const auto policy = settings_.policy ? settings_.policy(r.account) : ReceiptTimeoutPolicy{};
        if (r.updated_at >= now - policy.timeout) {
            next();
            continue;
        }
        if (try_resend(r)) {
            next();
            continue;
        }
        const bool in_doubt = r.status == store::MessageStatus::in_doubt;
        if (in_doubt)
            spdlog::warn("message {}: still in doubt after its account's receipt timeout; reported as stat UNKNOWN",
                         r.id.to_string());
        ledger_.time_out(r.id, in_doubt ? store::MessageStatus::undeliverable : policy.reported, now,
                         [self = shared_from_this(), next, id = r.id](store::StatusOr<store::ReceiptMatch> m) mutable {
                             // Possibly on the ledger's writer thread.
                             boost::asio::post(self->strand_, [self, next = std::move(next), id,
                                                               m = std::move(m)]() mutable {
                                 if (!m.ok()) {
                                     spdlog::error("receipt timeout of {} not stored: {}", id.to_string(),
                                                   m.status().to_string());
                                 } else if (m->outcome == store::receipt_outcome::matched) {
                                     self->timed_out_.fetch_add(1, std::memory_order_relaxed);
                                     spdlog::info("message {}: no receipt in time, final state set by the timeout{}",
                                                  id.to_string(), m->owes_upstream ? "; receipt owed upstream" : "");
                                     if (m->owes_upstream && self->owed_) self->owed_(m->account);
                                 }
                                 next();
                             });
                         });
    }
}

}  // namespace smpp::relay
