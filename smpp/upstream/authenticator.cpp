#include "smpp/upstream/authenticator.hpp"

#include <deque>
#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/peer_group.hpp"
#include "smpp/upstream/password_hash.hpp"

namespace smpp::upstream {

using protocol::command_status;

namespace detail {
// Shared by the authenticator and every lease, so a lease may outlive the
// authenticator (a session closing during shutdown) without dangling.
struct BindCounts {
    mutable std::mutex mutex;
    std::map<std::string, std::uint32_t, std::less<>> live;

    bool try_acquire(const std::string& system_id, std::uint32_t max) {
        std::lock_guard lock(mutex);
        auto& n = live[system_id];
        if (n >= max) return false;
        ++n;
        return true;
    }
    void release(const std::string& system_id) {
        std::lock_guard lock(mutex);
        auto it = live.find(system_id);
        if (it == live.end()) return;
        if (--it->second == 0) live.erase(it);
    }
};
}  // namespace detail

BindLease& BindLease::operator=(BindLease&& other) noexcept {
    if (this != &other) {
        release();
        counts_ = std::move(other.counts_);
        system_id_ = std::move(other.system_id_);
    }
    return *this;
}

BindLease::~BindLease() { release(); }

void BindLease::release() noexcept {
    if (counts_) {
        counts_->release(system_id_);
        counts_.reset();
    }
}

// One thread is enough: binds are rare next to submits, and Argon2id at the
// INTERACTIVE limits takes 64 MiB per verification in flight.
//
// The pool runs one take_turn() per verification queued, and each runs the
// next verification in round-robin order over the addresses that have some
// waiting, not necessarily the one it was posted for: so the pool's join()
// (in the destructor) still finishes them all, and an address with a
// hundred waiting gets one turn in each round like an address with one.
struct Authenticator::Worker {
    boost::asio::thread_pool pool{1};
    std::mutex mutex;
    std::map<session::PeerGroup, std::deque<std::function<void()>>> waiting;
    // Addresses with verifications waiting, the next to be served first.
    std::deque<session::PeerGroup> turns;
    // Waiting or in progress, all addresses.
    std::size_t pending = 0;

    void take_turn() {
        std::function<void()> verify;
        {
            std::lock_guard lock(mutex);
            const auto group = turns.front();
            turns.pop_front();
            auto it = waiting.find(group);
            verify = std::move(it->second.front());
            it->second.pop_front();
            if (it->second.empty())
                waiting.erase(it);
            else
                turns.push_back(group);
        }
        verify();
        std::lock_guard lock(mutex);
        --pending;
    }
};

Authenticator::Authenticator(AccountSettings accounts, std::size_t max_pending, Clock now,
                             std::size_t max_queued_per_address)
    : accounts_(std::move(accounts)),
      max_pending_(max_pending),
      max_queued_per_address_(max_queued_per_address),
      now_(std::move(now)),
      lockout_(accounts_.lockout),
      counts_(std::make_shared<detail::BindCounts>()),
      worker_(std::make_unique<Worker>()) {
    const auto start = now_();
    for (const auto& a : accounts_.accounts) {
        if (a.tps > 0) buckets_.emplace(a.system_id, std::make_unique<TokenBucket>(a.tps, start));
        if (a.query_rate() > 0)
            query_buckets_.emplace(a.system_id, std::make_unique<TokenBucket>(a.query_rate(), start));
    }
}

TokenBucket* Authenticator::tps_bucket(std::string_view system_id) const noexcept {
    auto it = buckets_.find(system_id);
    return it == buckets_.end() ? nullptr : it->second.get();
}

TokenBucket* Authenticator::query_bucket(std::string_view system_id) const noexcept {
    auto it = query_buckets_.find(system_id);
    return it == query_buckets_.end() ? nullptr : it->second.get();
}

void Authenticator::refuse(AuthVerdict done, command_status status) {
    boost::asio::post(worker_->pool, [done = std::move(done), status] { done(status, {}); });
}

Authenticator::~Authenticator() { worker_->pool.join(); }

bool Authenticator::enqueue(const boost::asio::ip::address& peer, std::function<void()> verify) {
    const session::PeerGroup group(peer);
    {
        std::lock_guard lock(worker_->mutex);
        if (worker_->pending >= max_pending_) return false;
        auto it = worker_->waiting.find(group);
        if (it == worker_->waiting.end()) {
            if (max_queued_per_address_ == 0) return false;
            it = worker_->waiting.emplace(group, std::deque<std::function<void()>>{}).first;
            worker_->turns.push_back(group);
        } else if (it->second.size() >= max_queued_per_address_) {
            return false;
        }
        it->second.push_back(std::move(verify));
        ++worker_->pending;
    }
    boost::asio::post(worker_->pool, [w = worker_.get()] { w->take_turn(); });
    return true;
}

void Authenticator::authenticate(const session::BindRequest& request, const boost::asio::ip::address& peer,
                                 AuthVerdict done) {
    // The cheap checks run here, on the caller's thread: none of them may
    // cost a password hash or a place in the worker's queue.
    if (lockout_.locked(peer, now_())) {
        // Names the group, not only the address: a peer locked out by its
        // /64's failures would otherwise look wrongly refused.
        spdlog::warn("bind from {} system_id={} refused: {} locked out after {} failed binds within {}s",
                     peer.to_string(), request.system_id, session::PeerGroup(peer).to_string(),
                     accounts_.lockout.max_failures, accounts_.lockout.window.count());
        return refuse(std::move(done), command_status::ESME_RBINDFAIL);
    }
    const Account* account = accounts_.find(request.system_id);
    if (!account) {
        lockout_.record_failure(peer, now_());
        return refuse(std::move(done), command_status::ESME_RINVSYSID);
    }
    if (!account->admits(peer)) {
        lockout_.record_failure(peer, now_());
        spdlog::warn("bind from {} system_id={} refused: address not in the account's allowed_addresses",
                     peer.to_string(), request.system_id);
        return refuse(std::move(done), command_status::ESME_RBINDFAIL);
    }
    // At max_binds already: refused before the hash (tens of ms of the one
    // worker). A client re-binding in a loop with the right password never
    // counts toward the lockout, and kept the worker from other accounts'
    // binds past their bind_timeout. Checked again after the hash (a race).
    if (live_binds(account->system_id) >= account->max_binds) {
        spdlog::info("bind from {} system_id={} refused: the account has its max_binds ({}) bound", peer.to_string(),
                     request.system_id, account->max_binds);
        return refuse(std::move(done), command_status::ESME_RBINDFAIL);
    }
    // `done` copied in: when there is no place for the verification the
    // copy is dropped unrun, and this one refuses.
    const bool queued = enqueue(peer, [this, account, peer, password = request.password, type = request.type,
                                       done] {
        // Again here: binds sent side by side all passed the check above
        // before the first of them failed. Without this a guesser opening
        // many connections at once got every password checked (up to
        // max_pending, not max_failures) and kept the worker from real binds.
        if (lockout_.locked(peer, now_())) return done(command_status::ESME_RBINDFAIL, {});
        if (!verify_password(account->password_hash, password)) {
            lockout_.record_failure(peer, now_());
            return done(command_status::ESME_RINVPASWD, {});
        }
        // Checked after the password, so the bind types of an account are
        // not disclosed to a peer that does not know its password.
        if (!account->allows(type)) return done(command_status::ESME_RBINDFAIL, {});
        if (!counts_->try_acquire(account->system_id, account->max_binds))
            return done(command_status::ESME_RBINDFAIL, {});
        done(command_status::ESME_ROK, BindLease(counts_, account->system_id));
    });
    if (!queued) {
        // Debug only: a flood is what fills the queue, and the lockout and
        // connection caps already log it.
        spdlog::debug("bind from {} system_id={} refused: too many password checks waiting", peer.to_string(),
                      request.system_id);
        refuse(std::move(done), command_status::ESME_RBINDFAIL);
    }
}

std::uint32_t Authenticator::live_binds(std::string_view system_id) const {
    std::lock_guard lock(counts_->mutex);
    auto it = counts_->live.find(system_id);
    return it == counts_->live.end() ? 0 : it->second;
}

}  // namespace smpp::upstream
