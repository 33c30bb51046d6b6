#include "smpp/upstream/authenticator.hpp"

#include <atomic>
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
struct Authenticator::Worker {
    boost::asio::thread_pool pool{1};
    std::atomic<std::size_t> pending{0};
};

Authenticator::Authenticator(AccountSettings accounts, std::size_t max_pending, Clock now)
    : accounts_(std::move(accounts)),
      max_pending_(max_pending),
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
    if (worker_->pending.fetch_add(1) >= max_pending_) {
        worker_->pending.fetch_sub(1);
        return refuse(std::move(done), command_status::ESME_RBINDFAIL);
    }
    boost::asio::post(worker_->pool, [this, account, peer, password = request.password, type = request.type,
                                      done = std::move(done)] {
        struct Done {
            std::atomic<std::size_t>& pending;
            ~Done() { pending.fetch_sub(1); }
        } done_guard{worker_->pending};

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
}

std::uint32_t Authenticator::live_binds(std::string_view system_id) const {
    std::lock_guard lock(counts_->mutex);
    auto it = counts_->live.find(system_id);
    return it == counts_->live.end() ? 0 : it->second;
}

}  // namespace smpp::upstream
