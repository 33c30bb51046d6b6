#pragma once
// Checks upstream binds against the accounts and counts live binds per
// system_id; keeps the per-account TPS buckets the sessions draw from (one
// for submissions, one for query_sm, cancel_sm and replace_sm), and
// the lockout of source addresses that keep failing to bind. Password verification is slow on purpose (Argon2id), so it
// runs on the authenticator's own worker thread, never on a network
// thread, taking the waiting verifications in turn per peer address so a
// flood of binds from one address cannot hold everyone else's past their
// bind_timeout; the verdict comes back through a callback on that worker,
// and the caller hops to its own executor (a session's strand) from there.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "smpp/protocol/command_status.hpp"
#include "smpp/session/session_handler.hpp"
#include <boost/asio/ip/address.hpp>

#include "smpp/upstream/account.hpp"
#include "smpp/upstream/bind_lockout.hpp"
#include "smpp/upstream/token_bucket.hpp"

namespace smpp::upstream {

namespace detail {
struct BindCounts;
}

// One live bind of a system_id, counted against its max_binds until this
// lease is destroyed (when the session closes). Move-only; empty after a
// refused bind.
class BindLease {
public:
    BindLease() = default;
    BindLease(BindLease&&) noexcept = default;
    BindLease& operator=(BindLease&& other) noexcept;
    BindLease(const BindLease&) = delete;
    BindLease& operator=(const BindLease&) = delete;
    ~BindLease();

    explicit operator bool() const noexcept { return counts_ != nullptr; }
    const std::string& system_id() const noexcept { return system_id_; }
    void release() noexcept;

private:
    friend class Authenticator;
    BindLease(std::shared_ptr<detail::BindCounts> counts, std::string system_id)
        : counts_(std::move(counts)), system_id_(std::move(system_id)) {}
    std::shared_ptr<detail::BindCounts> counts_;
    std::string system_id_;
};

// ESME_ROK comes with a lease; any other status with an empty one.
using AuthVerdict = std::function<void(protocol::command_status, BindLease)>;

class Authenticator {
public:
    using clock = std::chrono::steady_clock;
    using Clock = std::function<clock::time_point()>;

    // Verifications waiting beyond `max_pending` are refused at once with
    // ESME_RBINDFAIL, so a flood of binds cannot queue unbounded work; so
    // are those beyond `max_queued_per_address` waiting from one peer
    // address (a session::PeerGroup), so one flood cannot take every place.
    // The worker takes the waiting ones in turn per address (round robin):
    // a bind waits for at most one verification of each other address
    // ahead of it, never for a whole flood. `now` drives the lockout
    // windows and TPS buckets (tests freeze it).
    explicit Authenticator(AccountSettings accounts, std::size_t max_pending = 256, Clock now = clock::now,
                           std::size_t max_queued_per_address = 32);
    // Finishes the verifications already queued, then joins the worker.
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    // SMPP 3.4 section 5.1.3 statuses: unknown system_id ESME_RINVSYSID,
    // wrong password ESME_RINVPASWD; ESME_RBINDFAIL for a `peer` locked out
    // (checked first, so a locked-out guesser learns nothing), a peer not in
    // the account's allowed_addresses (checked before the password, so it
    // costs no hash), a bind type not allowed, or max_binds reached. The
    // first three count as failures of `peer` for the lockout. `done` runs
    // exactly once, on the worker thread.
    void authenticate(const session::BindRequest& request, const boost::asio::ip::address& peer,
                      AuthVerdict done);

    // The TPS bucket all binds of system_id share; nullptr when the account
    // has no limit (or does not exist). Valid while the authenticator lives.
    TokenBucket* tps_bucket(std::string_view system_id) const noexcept;
    // The bucket of query_sm, cancel_sm and replace_sm (Account::query_tps),
    // the same way.
    TokenBucket* query_bucket(std::string_view system_id) const noexcept;
    clock::time_point now() const { return now_(); }
    const BindLockout& lockout() const noexcept { return lockout_; }

    // Live binds of a system_id (thread-safe).
    std::uint32_t live_binds(std::string_view system_id) const;
    const AccountSettings& accounts() const noexcept { return accounts_; }

private:
    struct Worker;
    // A refusal decided without the worker's hash, still delivered on it.
    void refuse(AuthVerdict done, protocol::command_status status);

    // Queues `verify` in its address's turn on the worker; false when there
    // is no place for it.
    bool enqueue(const boost::asio::ip::address& peer, std::function<void()> verify);

    AccountSettings accounts_;
    std::size_t max_pending_;
    std::size_t max_queued_per_address_;
    Clock now_;
    BindLockout lockout_;
    std::map<std::string, std::unique_ptr<TokenBucket>, std::less<>> buckets_;
    std::map<std::string, std::unique_ptr<TokenBucket>, std::less<>> query_buckets_;
    std::shared_ptr<detail::BindCounts> counts_;
    std::unique_ptr<Worker> worker_;
};

}  // namespace smpp::upstream
