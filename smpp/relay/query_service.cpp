#include "smpp/relay/query_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "smpp/protocol/smpp_time.hpp"
#include "store/multipart_receipts.hpp"

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

namespace {

struct PartsState {
    MessageStatus status;
    std::uint32_t error_code;
    store::Timestamp final_at;
};

// The whole of a message we split, from its parts (ids part 1's + 0..total-1,
// forward_split.cpp): while any part is on its way, en route (unknown if one
// is in doubt); once all are final, the worst part's state (the multipart
// receipts' ranking) and error, at the last part's final time.
PartsState split_state(const store::Ledger& ledger, const store::MessageRecord& first) {
    PartsState whole{first.status, first.error_code, first.final_at};
    if (!first.concatenation) return whole;
    bool open = !store::is_final(first.status), in_doubt = first.status == MessageStatus::in_doubt;
    for (std::uint64_t k = 1; k < first.concatenation->total; ++k) {
        const auto part = ledger.find(store::MessageId(first.id.value() + k));
        // Not there (retention dropped it) or not ours: what is known stands.
        if (!part.ok() || part->upstream_id != first.id || !part->split_by_us) continue;
        if (!store::is_final(part->status)) {
            open = true;
            in_doubt = in_doubt || part->status == MessageStatus::in_doubt;
            continue;
        }
        if (!store::is_final(whole.status) || store::worst(whole.status, part->status) != whole.status) {
            whole.status = part->status;
            whole.error_code = part->error_code;
        }
        whole.final_at = std::max(whole.final_at, part->final_at);
    }
    if (open) return {in_doubt ? MessageStatus::in_doubt : MessageStatus::sent, 0, {}};
    return whole;
}

}  // namespace

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
    // SMPP 3.4 section 4.8.1: source_addr is the originator of the message
    // asked about. Given, it must be that message's, as for cancel_sm and
    // replace_sm; empty (as many ESMEs send it), any of the account's.
    if (!q->source.addr.empty() && q->source.addr != r.source.address) return refuse(command_status::ESME_RQUERYFAIL);

    // A message we split: the upstream knows part 1's id, and asks about
    // the whole message (split_state).
    const auto whole = r.split_by_us && r.upstream_id == r.id ? split_state(ledger, r) : PartsState{r.status, r.error_code, r.final_at};
    protocol::QuerySmResp resp;
    resp.message_id = q->message_id;
    resp.message_state = static_cast<std::uint8_t>(message_state_of(whole.status));
    resp.error_code = static_cast<std::uint8_t>(whole.error_code > 0xFF ? 0xFF : whole.error_code);
    if (store::is_final(whole.status))
        resp.final_date = protocol::format_smpp_time(std::chrono::system_clock::time_point(whole.final_at)).value_or("");
    return protocol::Pdu{command_status::ESME_ROK, query_sm.sequence_number, std::move(resp)};
}

}  // namespace smpp::relay
