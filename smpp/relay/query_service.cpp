#include "smpp/relay/query_service.hpp"

#include <spdlog/spdlog.h>

#include "smpp/protocol/smpp_time.hpp"

namespace smpp::relay {

using protocol::command_id;
using protocol::command_status;
using protocol::message_state;
using store::MessageStatus;

message_state message_state_of(MessageStatus s) noexcept {
    switch (s) {
        case MessageStatus::accepted:
        case MessageStatus::queued:
        case MessageStatus::sending:
        case MessageStatus::sent: return message_state::enroute;
        case MessageStatus::in_doubt: return message_state::unknown;
        case MessageStatus::delivered: return message_state::delivered;
        case MessageStatus::undeliverable:
        case MessageStatus::failed: return message_state::undeliverable;
        case MessageStatus::expired: return message_state::expired;
        case MessageStatus::rejected: return message_state::rejected;
        case MessageStatus::cancelled: return message_state::deleted;
    }
    return message_state::unknown;
}

protocol::Pdu answer_query_sm(const store::Ledger& ledger, std::string_view account, const protocol::Pdu& query_sm) {
    const auto* q = query_sm.as<protocol::QuerySm>();
    if (!q) return protocol::make_response(query_sm.id(), query_sm.sequence_number, command_status::ESME_RSYSERR);
    auto refuse = [&](command_status s) {
        return protocol::make_response(command_id::query_sm, query_sm.sequence_number, s);
    };

    const auto id = store::MessageId::parse(q->message_id);
    if (!id) return refuse(command_status::ESME_RINVMSGID);
    const auto found = ledger.find(*id);
    if (!found.ok()) {
        if (found.status().code() == store::StatusCode::not_found) return refuse(command_status::ESME_RINVMSGID);
        spdlog::error("query_sm {} from {}: ledger read failed: {}", q->message_id, account,
                      found.status().to_string());
        return refuse(command_status::ESME_RQUERYFAIL);
    }
    const store::MessageRecord& r = found.value();
    if (r.account != account) return refuse(command_status::ESME_RINVMSGID);

    protocol::QuerySmResp resp;
    resp.message_id = q->message_id;
    resp.message_state = static_cast<std::uint8_t>(message_state_of(r.status));
    resp.error_code = static_cast<std::uint8_t>(r.error_code > 0xFF ? 0xFF : r.error_code);
    if (store::is_final(r.status))
        resp.final_date = protocol::format_smpp_time(std::chrono::system_clock::time_point(r.final_at)).value_or("");
    return protocol::Pdu{command_status::ESME_ROK, query_sm.sequence_number, std::move(resp)};
}

}  // namespace smpp::relay
