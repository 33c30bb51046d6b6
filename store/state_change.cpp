#include "store/state_change.hpp"

#include <algorithm>
#include <string>

namespace smpp::store {
namespace {

Status final_record(const MessageRecord& r) {
    return Status(StatusCode::failed_precondition,
                  "message " + r.id.to_string() + " is final (" + std::string(name(r.status)) + ")");
}

}  // namespace

Status apply(MessageRecord& r, const StateChange& change) {
    if (is_final(r.status)) return final_record(r);
    if (change.status == MessageStatus::accepted)
        return Status(StatusCode::invalid_argument, "a record cannot go back to accepted");
    if (!change.only_from.empty() &&
        std::find(change.only_from.begin(), change.only_from.end(), r.status) == change.only_from.end())
        return Status(StatusCode::failed_precondition,
                      "message " + r.id.to_string() + " is " + std::string(name(r.status)));
    if (change.only_revision && *change.only_revision != r.revision)
        return Status(StatusCode::aborted, "message " + r.id.to_string() + " was replaced (revision " +
                                               std::to_string(r.revision) + ")");
    if (change.late_refusal) {
        const auto& late = *change.late_refusal;
        auto doubt = std::find_if(r.attempts.rbegin(), r.attempts.rend(), [&](const Attempt& a) {
            return a.carrier == late.carrier && a.status == MessageStatus::in_doubt;
        });
        if (doubt == r.attempts.rend())
            return Status(StatusCode::failed_precondition,
                          "message " + r.id.to_string() + " has no attempt in doubt at " + late.carrier);
        if (!late.only_attempt && doubt != r.attempts.rbegin())
            return Status(StatusCode::failed_precondition,
                          "message " + r.id.to_string() + " was sent again since its attempt at " + late.carrier);
        doubt->status = late.attempt_status;
        doubt->command_status = late.command_status;
        if (!late.bind.empty()) doubt->bind = late.bind;
        if (late.only_attempt) {
            r.updated_at = change.at;
            return {};
        }
    }
    if (change.replacement) {
        // The status and the hold stay (SMPP 3.4 4.10.1: an empty
        // schedule_delivery_time or validity_period keeps the old one).
        const auto& n = *change.replacement;
        r.payload = n.payload;
        r.segment_count = n.segment_count;
        r.registered_delivery = n.registered_delivery;
        if (n.deliver_at) r.retry_at = *n.deliver_at;
        if (n.expires_at) r.expires_at = *n.expires_at;
        r.updated_at = change.at;
        ++r.revision;
        if (change.duplicate_risk) r.duplicate_risk = true;
        return {};
    }
    r.status = change.status;
    r.updated_at = change.at;
    if (is_final(change.status)) r.final_at = change.at;
    r.retry_at = Timestamp{};
    if (change.duplicate_risk) r.duplicate_risk = true;
    if (change.last_attempt_refused)
        for (auto it = r.attempts.rbegin(); it != r.attempts.rend(); ++it)
            if (it->status == MessageStatus::sending && it->carrier_message_id.empty()) {
                it->status = MessageStatus::failed;
                it->command_status = *change.last_attempt_refused;
                if (!change.last_attempt_bind.empty()) it->bind = change.last_attempt_bind;
                break;
            }
    if (change.attempt) r.attempts.push_back(*change.attempt);
    if (change.route) r.route = *change.route;
    if (change.passed_over) {
        if (const auto at = r.route.reason.find(passed_over_note); at != std::string::npos) r.route.reason.resize(at);
        if (!change.passed_over->empty()) r.route.reason.append(passed_over_note).append(*change.passed_over);
    }
    if (change.error_code) r.error_code = *change.error_code;
    if (change.cost_micros) r.cost_micros = *change.cost_micros;
    return {};
}

Status apply_sent(MessageRecord& r, std::string_view carrier, std::string_view carrier_message_id, Timestamp at,
                  std::string_view bind) {
    // An empty carrier_message_id is a carrier's ESME_ROK without one: the
    // message is sent all the same (the ledger indexes nothing for it).
    if (carrier.empty()) return Status(StatusCode::invalid_argument, "sent needs a carrier");
    if (auto s = check_key_part("carrier", carrier); !s.ok()) return s;
    if (is_final(r.status)) return final_record(r);
    Attempt* waiting = nullptr;
    for (auto it = r.attempts.rbegin(); it != r.attempts.rend(); ++it) {
        if (it->carrier == carrier && !carrier_took(*it)) {
            waiting = &*it;
            break;
        }
    }
    if (!waiting) {
        r.attempts.push_back(Attempt{.carrier = std::string(carrier), .at = at});
        waiting = &r.attempts.back();
    }
    waiting->status = MessageStatus::sent;
    waiting->command_status = 0;
    waiting->carrier_message_id = std::string(carrier_message_id);
    if (!bind.empty()) waiting->bind = std::string(bind);
    r.status = MessageStatus::sent;
    r.updated_at = at;
    r.retry_at = Timestamp{};
    return {};
}

Status apply_retry(MessageRecord& r, Timestamp when) {
    if (is_final(r.status)) return final_record(r);
    if (when == Timestamp{}) return Status(StatusCode::invalid_argument, "retry time must not be the epoch");
    r.status = MessageStatus::queued;
    r.retry_at = when;
    return {};
}

Status check_key_part(std::string_view field, std::string_view value) {
    if (value.find('\0') != std::string_view::npos)
        return Status(StatusCode::invalid_argument, std::string(field) + " contains NUL");
    return {};
}

Status check_acceptable(const MessageRecord& r) {
    if (!r.id.valid()) return Status(StatusCode::invalid_argument, "record has no message id");
    return check_key_part("account", r.account);
}

}  // namespace smpp::store
