#pragma once
// The binds of one carrier and the state of each: a data structure the
// carrier actor keeps on its strand (not thread-safe by itself). Each bind
// is a session::Client (connect, bind, rebind with backoff, hold-off after
// max_failed_binds) plus what the carrier knows about it: the bound
// session, the submits it has in flight, and counters.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/session/client.hpp"

namespace smpp::carrier {

enum class bind_state {
    connecting,  // connecting or binding, or backing off between attempts
    bound,       // takes submits (transmitter and transceiver binds)
    draining,    // no new submits; waits for its window to empty, then unbinds
    backoff,     // max_failed_binds reached: holding off before the next attempt
    disabled,    // unbound on purpose (drain, disable, stop)
};

std::string_view name(bind_state s) noexcept;

struct BindCounters {
    std::uint64_t binds = 0;           // successful binds
    std::uint64_t closes = 0;          // bound sessions that closed
    std::uint64_t reconnects = 0;      // successful binds after a bound session closed
    std::uint64_t submits = 0;         // submit_sm / data_sm written
    std::uint64_t sent = 0;            // answered ESME_ROK
    std::uint64_t throttled = 0;       // answered ESME_RTHROTTLED / ESME_RMSGQFUL
    std::uint64_t transient = 0;
    std::uint64_t permanent = 0;
    std::uint64_t in_doubt = 0;
    std::uint64_t deliver_sm = 0;      // receipts and mobile-originated messages received
};

// What operations see of one bind (smppctl binds, the status page).
struct BindSnapshot {
    std::size_t index = 0;
    session::bind_type type = session::bind_type::transceiver;
    bind_state state = bind_state::connecting;
    // When the bind entered `state` (wall clock, for people). A hold-off
    // shows as backoff from when the carrier last saw the bind change.
    std::chrono::system_clock::time_point since{};
    std::string endpoint;    // host:port bound, or being tried
    std::string last_error;  // why the last connect, bind or session failed; empty if none did
    std::uint32_t in_flight = 0;
    std::uint32_t window = 0;
    std::uint32_t consecutive_failures = 0;
    BindCounters counters;
};

class BindPool {
public:
    struct Bind {
        session::bind_type type = session::bind_type::transceiver;
        std::shared_ptr<session::Client> client;
        std::uint64_t epoch = 0;  // which Client the session callbacks belong to
        std::shared_ptr<session::Session> session;  // while bound
        std::uint64_t session_number = 0;           // bumps on each bind: late completions compare
        bind_state state = bind_state::connecting;
        std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
        bool was_bound = false;  // a bind after this one counts as a reconnect
        std::uint32_t in_flight = 0;
        // Submits of this session that got response_timeout and may still be
        // answered late (by the carrier's token, until when we wait). The
        // SMSC still counts each against our window, so room() does too.
        std::map<std::uint64_t, std::chrono::steady_clock::time_point> timed_out;
        bool write_blocked = false;  // write_queue_full: skip until a response shows it drains
        // The SMSC answered ESME_RINVBNDSTS: it lost our bind. No new
        // submits; closed (and bound again) once its window is empty.
        bool stale = false;
        BindCounters counters;

        bool can_submit() const noexcept { return type != session::bind_type::receiver; }
        // Every state change goes through here, so `since` stays true.
        void enter(bind_state s) {
            if (s == state) return;
            state = s;
            since = std::chrono::system_clock::now();
        }
    };

    explicit BindPool(std::uint32_t window) : window_(window) {}

    std::vector<Bind>& binds() noexcept { return binds_; }
    const std::vector<Bind>& binds() const noexcept { return binds_; }
    Bind& operator[](std::size_t i) { return binds_[i]; }
    std::size_t size() const noexcept { return binds_.size(); }

    // Submits this bind may still put on the wire: our own count (in flight
    // and timed out unanswered) against the configured window, and the
    // session's own (which also holds responses it is still writing) —
    // whichever is tighter.
    std::uint32_t room(const Bind& b) const noexcept;
    // The bound, submit-capable bind with the most window room whose session
    // is still bound; null if none has room.
    Bind* pick() noexcept;
    std::uint32_t in_flight() const noexcept;
    bool any_bound() const noexcept;

    std::vector<BindSnapshot> snapshot() const;

private:
    std::uint32_t window_;
    std::vector<Bind> binds_;
};

}  // namespace smpp::carrier
