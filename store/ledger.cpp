#include "store/ledger.hpp"

#include <memory>
#include <mutex>

namespace smpp::store {

void Ledger::remove_receipts(std::string account, std::vector<MessageId> ids, Completion done) {
    if (ids.empty()) return done({});
    // Completions may run on any thread: the last one reports.
    struct Join {
        std::mutex mutex;
        std::size_t left;
        Status first;
        Completion done;
    };
    auto join = std::make_shared<Join>();
    join->left = ids.size();
    join->done = std::move(done);
    for (auto id : ids) {
        remove_receipt(account, id, [join](Status s) {
            std::unique_lock lock(join->mutex);
            if (!s.ok() && join->first.ok()) join->first = std::move(s);
            if (--join->left != 0) return;
            auto first = std::move(join->first);
            lock.unlock();
            join->done(std::move(first));
        });
    }
}

std::optional<TakenPart> taken_part(const MessageRecord& r, Timestamp since) {
    if (!r.concatenation || r.concatenation->total <= 1) return std::nullopt;
    if (r.status != MessageStatus::sent && r.status != MessageStatus::in_doubt) return std::nullopt;
    // Sent: the attempt that got the carrier's id. In doubt: the last one
    // (its submit_sm went out with no answer).
    const Attempt* a = nullptr;
    for (auto it = r.attempts.rbegin(); it != r.attempts.rend() && !a; ++it)
        if (r.status == MessageStatus::in_doubt || carrier_took(*it)) a = &*it;
    if (!a || a->carrier.empty() || a->at < since) return std::nullopt;
    return TakenPart{r.account,   r.source.address, r.destination.address,
                     *r.concatenation, a->carrier,     a->at,
                     r.status == MessageStatus::in_doubt};
}

StatusOr<std::vector<MoSighting>> Ledger::mo_sightings(Timestamp, std::size_t) const {
    return std::vector<MoSighting>{};
}

void Ledger::drop_mo_sightings_before(Timestamp, Completion done) { done({}); }

MessageId Ledger::highest_id() const { return {}; }

}  // namespace smpp::store
