#pragma once
// ESME role: a bind out to an SMSC that stays up. It connects to the
// endpoints in turn, binds, and after an unplanned close rebinds with
// exponential backoff and jitter; stop() unbinds and does not come back.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "smpp/session/backoff.hpp"
#include "smpp/session/session.hpp"
#include "smpp/session/tls_context.hpp"

namespace smpp::session {

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
};

struct ClientSettings {
    std::vector<Endpoint> endpoints;  // tried in turn
    BindRequest bind;                 // type and credentials
    SessionSettings session;
    BackoffSettings backoff;
    // Also bounds the TLS handshake when tls.enabled.
    std::chrono::milliseconds connect_timeout{5'000};
    // TLS to the SMSC: the handshake (with our client certificate, if any)
    // runs before bind_*; a failed handshake is a failed attempt (backoff, no
    // hold-off: no bind was sent).
    TlsClientSettings tls;
    // After this many binds refused by the SMSC for our credentials
    // (ESME_RINVPASWD, ESME_RINVSYSID, ESME_RINVSYSTYP) since the last good
    // one, the client waits hold_off, less up to a tenth at random, instead
    // of the backoff before trying again: carriers lock accounts that hammer
    // them with a wrong password. Refused connections, timeouts and other
    // refusals (ESME_RALYBND, ESME_RBINDFAIL: an SMSC still holding our
    // sessions after a blip) only back off. 0 never holds off.
    std::uint32_t max_failed_binds = 0;
    std::chrono::milliseconds hold_off{600'000};
    std::string validate() const;
};

class Client : public std::enable_shared_from_this<Client> {
public:
    // `handler` receives the session callbacks of every session this client
    // opens (on_bound after each successful bind, on_closed after each close).
    static std::shared_ptr<Client> create(boost::asio::any_io_executor ex, ClientSettings settings,
                                          std::shared_ptr<SessionHandler> handler);
    ~Client();

    void start();
    // Unbinds gracefully, stops rebinding, then runs `done`.
    void stop(std::function<void()> done = {});

    // The bound session, or null while connecting/backing off. Thread-safe.
    std::shared_ptr<Session> session() const;
    // Connect+bind attempts that failed since the last successful bind.
    std::uint32_t consecutive_failures() const noexcept;
    // True while waiting out hold_off after max_failed_binds credential refusals.
    bool holding_off() const noexcept;
    // For operators (thread-safe): the endpoint being tried or bound
    // ("host:port"), and why the last attempt or session failed ("connect
    // failed: Connection refused", "bind rejected: ESME_RINVPASWD",
    // "closed: peer_closed"); empty until something failed.
    std::string endpoint() const;
    std::string last_error() const;

private:
    Client(boost::asio::any_io_executor ex, ClientSettings settings, std::shared_ptr<SessionHandler> handler);
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::session
