#pragma once
// How the ledger and the logs name one upstream bind: which of an
// account's connections submitted a message, `<bind type>@<address>:<port>`
// (transceiver@10.0.0.5:41234, receiver@[2001:db8::1]:2775). The address
// and port are the peer's, as the upstream's own logs show its side.
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "smpp/session/session.hpp"
#include "smpp/session/session_state.hpp"

namespace smpp::upstream {

// `<address>:<port>`, an IPv6 address in brackets.
std::string endpoint_label(const boost::asio::ip::tcp::endpoint& peer);

// The bind type of a bound state (transmitter, receiver, transceiver);
// any other state by its own name (a submit is only taken while bound).
std::string upstream_bind_label(session::session_state state, const boost::asio::ip::tcp::endpoint& peer);
std::string upstream_bind_label(const session::Session& s);

}  // namespace smpp::upstream
