#pragma once
// Checks upstream binds against the accounts and counts live binds per
// system_id. Password verification is slow on purpose (Argon2id), so it
// runs on the authenticator's own worker thread, never on a network
// thread; the verdict comes back through a callback on that worker, and the
// caller hops to its own executor (a session's strand) from there.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "smpp/protocol/command_status.hpp"
#include "smpp/session/session_handler.hpp"
#include "smpp/upstream/account.hpp"

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
    // Verifications waiting beyond `max_pending` are refused at once with
    // ESME_RBINDFAIL, so a flood of binds cannot queue unbounded work.
    explicit Authenticator(AccountSettings accounts, std::size_t max_pending = 256);
    // Finishes the verifications already queued, then joins the worker.
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    // SMPP 3.4 section 5.1.3 statuses: unknown system_id ESME_RINVSYSID,
    // wrong password ESME_RINVPASWD, bind type not allowed or max_binds
    // reached ESME_RBINDFAIL. `done` runs exactly once, on the worker thread.
    void authenticate(const session::BindRequest& request, AuthVerdict done);

    // Live binds of a system_id (thread-safe).
    std::uint32_t live_binds(std::string_view system_id) const;
    const AccountSettings& accounts() const noexcept { return accounts_; }

private:
    struct Worker;
    AccountSettings accounts_;
    std::size_t max_pending_;
    std::shared_ptr<detail::BindCounts> counts_;
    std::unique_ptr<Worker> worker_;
};

}  // namespace smpp::upstream
