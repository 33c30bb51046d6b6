#include "smpp/protocol/pdu.hpp"

#include <utility>

namespace smpp::protocol {
namespace {

template <std::size_t... I>
PduBody make_body_impl(command_id id, std::index_sequence<I...>) {
    PduBody out;
    // Exactly one alternative has this id; assign it.
    (void)((std::variant_alternative_t<I, PduBody>::id == id ? (out = std::variant_alternative_t<I, PduBody>{}, true)
                                                              : false) ||
           ...);
    return out;
}

}  // namespace

PduBody make_body(command_id id) {
    return make_body_impl(id, std::make_index_sequence<std::variant_size_v<PduBody>>{});
}

Pdu make_response(command_id request, std::uint32_t sequence_number, command_status status) {
    Pdu out{status, sequence_number, GenericNack{}};
    if (is_response(request) || request == command_id::outbind || request == command_id::alert_notification ||
        !is_known(static_cast<std::uint32_t>(request)))
        return out;
    out.body = make_body(response_id(request));
    return out;
}

}  // namespace smpp::protocol
