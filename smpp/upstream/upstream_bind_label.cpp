#include "smpp/upstream/upstream_bind_label.hpp"

#include <fmt/format.h>

namespace smpp::upstream {

std::string endpoint_label(const boost::asio::ip::tcp::endpoint& peer) {
    const auto address = peer.address();
    if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), peer.port());
    return fmt::format("{}:{}", address.to_string(), peer.port());
}

std::string upstream_bind_label(session::session_state state, const boost::asio::ip::tcp::endpoint& peer) {
    std::string_view type = session::name(state);
    switch (state) {
        case session::session_state::bound_tx: type = session::name(session::bind_type::transmitter); break;
        case session::session_state::bound_rx: type = session::name(session::bind_type::receiver); break;
        case session::session_state::bound_trx: type = session::name(session::bind_type::transceiver); break;
        default: break;
    }
    return fmt::format("{}@{}", type, endpoint_label(peer));
}

std::string upstream_bind_label(const session::Session& s) {
    return upstream_bind_label(s.state(), s.remote_endpoint());
}

}  // namespace smpp::upstream
