#pragma once
// SMSC role: accepts TCP connections and runs a Session on each, with a
// handler made per connection by the factory (which may refuse by
// returning null: the connection is closed at once and logged).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "smpp/session/session.hpp"

namespace boost::asio::ssl {
class context;
}

namespace smpp::session {

using HandlerFactory = std::function<std::shared_ptr<SessionHandler>(const boost::asio::ip::tcp::endpoint& peer)>;

class Listener : public std::enable_shared_from_this<Listener> {
public:
    // Binds and listens at once (port 0 picks a free port: see local_endpoint());
    // throws boost::system::system_error if the address is taken.
    static std::shared_ptr<Listener> create(boost::asio::any_io_executor ex,
                                            const boost::asio::ip::tcp::endpoint& at, SessionSettings settings,
                                            HandlerFactory factory);
    ~Listener();

    // Call before start(): every connection then runs a TLS handshake
    // (bounded by SessionSettings::bind_timeout) before its Session starts;
    // a failed handshake closes the connection and is logged.
    void set_tls(std::shared_ptr<boost::asio::ssl::context> context);
    void start();
    // Stops accepting, unbinds every live session, runs `done` when all closed.
    void stop(std::function<void()> done = {});

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    // accept() calls that failed (EMFILE and the like), since start; each
    // pauses accepting, 10 ms doubling to 1 s, until one succeeds.
    std::uint64_t accept_failures() const;
    // Live sessions (a snapshot, thread-safe).
    std::vector<std::shared_ptr<Session>> sessions() const;

private:
    Listener(boost::asio::any_io_executor ex, const boost::asio::ip::tcp::endpoint& at, SessionSettings settings,
             HandlerFactory factory);
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::session
