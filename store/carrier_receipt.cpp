#include "store/carrier_receipt.hpp"

#include "store/encoding.hpp"

namespace smpp::store {

std::string_view name(receipt_outcome o) noexcept {
    switch (o) {
        case receipt_outcome::matched: return "matched";
        case receipt_outcome::duplicate: return "duplicate";
        case receipt_outcome::parked: return "parked";
    }
    return "?";
}

std::optional<PendingReceipt> owed_on_final(const MessageRecord& previous, const MessageRecord& next) {
    if (is_final(previous.status) || !is_final(next.status)) return std::nullopt;
    if (next.status != MessageStatus::rejected && next.status != MessageStatus::failed &&
        next.status != MessageStatus::expired)
        return std::nullopt;
    if (!wants_receipt(next.registered_delivery, next.status)) return std::nullopt;
    return PendingReceipt{.account = next.account,
                          .id = next.id,
                          .status = next.status,
                          .error_code = next.error_code,
                          .done_at = next.final_at,
                          .envelope = envelope_of(next)};
}

bool wants_receipt(std::uint8_t registered_delivery, MessageStatus reported) noexcept {
    if (!is_final(reported)) return (registered_delivery & 0x10) != 0;
    switch (registered_delivery & 0x03) {
        case 0x01: return true;
        case 0x02: return reported != MessageStatus::delivered;
        default: return false;
    }
}

std::uint64_t intermediate_fingerprint(const CarrierReceipt& c) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&](std::uint8_t octet) {
        h ^= octet;
        h *= 0x100000001b3ULL;
    };
    auto mix_u64 = [&](std::uint64_t v) {
        for (int i = 0; i < 8; ++i) mix(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    mix(static_cast<std::uint8_t>(c.status));
    mix(c.reported_state);
    mix_u64(c.error_code);
    mix_u64(static_cast<std::uint64_t>(c.done_at.time_since_epoch().count()));
    mix_u64(c.raw.size());
    for (char ch : c.raw) mix(static_cast<std::uint8_t>(ch));
    return h == 0 ? 1 : h;
}

receipt_outcome apply_receipt(MessageRecord& r, const CarrierReceipt& c, std::optional<PendingReceipt>& upstream) {
    upstream.reset();
    if (is_final(r.status)) return receipt_outcome::duplicate;
    const Timestamp at = c.received_at;
    if (!is_final(c.status)) {
        // The carrier offers it again when our deliver_sm_resp was lost:
        // stored (and owed upstream) once.
        const auto seen = intermediate_fingerprint(c);
        if (r.intermediate_seen == seen) return receipt_outcome::duplicate;
        r.intermediate_seen = seen;
    }
    if (is_final(c.status)) {
        r.status = c.status;
        r.error_code = c.error_code;
        r.updated_at = at;
        r.final_at = at;
        r.retry_at = Timestamp{};
    } else {
        r.updated_at = at;
    }
    if (wants_receipt(r.registered_delivery, c.status))
        upstream = PendingReceipt{.account = r.account,
                                  .id = r.id,
                                  .status = c.status,
                                  .error_code = c.error_code,
                                  .done_at = c.done_at == Timestamp{} ? at : c.done_at,
                                  .envelope = envelope_of(r),
                                  .reported_state = c.reported_state};
    return receipt_outcome::matched;
}

receipt_outcome apply_timeout(MessageRecord& r, MessageStatus reported, Timestamp at,
                              std::optional<PendingReceipt>& upstream) {
    upstream.reset();
    // In doubt too: no carrier id, so no receipt can ever match it; the
    // timeout is the only end it gets (else open, and owed nothing, forever).
    if ((r.status != MessageStatus::sent && r.status != MessageStatus::in_doubt) || !is_final(reported))
        return receipt_outcome::duplicate;
    CarrierReceipt c{.status = reported, .done_at = at, .received_at = at};
    const auto outcome = apply_receipt(r, c, upstream);
    if (outcome == receipt_outcome::matched) r.synthetic_receipt = true;
    if (upstream) upstream->envelope = envelope_of(r);
    return outcome;
}

ReceiptMatch match_of(receipt_outcome outcome, const MessageRecord& r, const CarrierReceipt& c) {
    ReceiptMatch m{.outcome = outcome, .id = r.id, .account = r.account};
    if (outcome != receipt_outcome::matched) return m;
    m.carrier = c.carrier;
    m.destination = r.destination.address;
    m.reported = c.status;
    m.sent_at = r.updated_at;
    for (auto it = r.attempts.rbegin(); it != r.attempts.rend(); ++it) {
        if (it->carrier == c.carrier && !it->carrier_message_id.empty()) {
            m.sent_at = it->at;
            break;
        }
    }
    return m;
}

Timestamp submitted_at(const MessageRecord& r, std::string_view carrier) noexcept {
    std::optional<Timestamp> first;
    for (const auto& a : r.attempts) {
        if (a.carrier != carrier) continue;
        // Refused (for now or for good): that submit_sm left nothing there.
        if (!carrier_took(a) && (a.status == MessageStatus::failed || a.status == MessageStatus::rejected)) continue;
        if (!first || a.at < *first) first = a.at;
    }
    return first.value_or(r.accepted_at);
}

bool may_report_on(const CarrierReceipt& c, Timestamp submitted) noexcept {
    if (c.received_at == Timestamp{}) return true;
    return c.received_at + receipt_clock_allowance >= submitted;
}

bool parking_expires(const CarrierReceipt& c, std::string_view key, Timestamp cutoff,
                     Timestamp alternate_cutoff) noexcept {
    if (c.received_at < cutoff) return true;
    const bool own = !c.keys.empty() && key == c.keys.front();
    return !own && c.received_at < alternate_cutoff;
}

bool reports_on(const MessageRecord& r, const CarrierReceipt& c, bool own_reading) noexcept {
    if (!may_report_on(c, submitted_at(r, c.carrier))) return false;
    return own_reading || !is_final(r.status);
}

bool parks_over(const CarrierReceipt& existing, const CarrierReceipt& incoming, std::string_view key) {
    if (existing.keys.empty() || incoming.keys.empty()) return true;
    if (existing.received_at + parking_takeable_for < incoming.received_at) return true;
    if (incoming.received_at + parking_takeable_for < existing.received_at) return false;
    if (existing.keys.front() == incoming.keys.front()) return !(is_final(existing.status) && !is_final(incoming.status));
    return key == incoming.keys.front();
}

bool same_receipt(const CarrierReceipt& parked, const CarrierReceipt& c) {
    return parked.keys == c.keys && parked.received_at == c.received_at && parked.raw == c.raw;
}

std::string encode(const CarrierReceipt& c) {
    std::string out;
    std::size_t keys = 0;
    for (const auto& k : c.keys) keys += 1 + k.size();
    out.reserve(40 + c.carrier.size() + keys + c.carrier_message_id.size() + c.raw.size());
    encoding::put_u8(out, c.reported_state != 0 ? 2 : 1);
    encoding::put_string(out, c.carrier);
    encoding::put_varint(out, c.keys.size());
    for (const auto& k : c.keys) encoding::put_string(out, k);
    encoding::put_string(out, c.carrier_message_id);
    encoding::put_u8(out, static_cast<std::uint8_t>(c.status));
    encoding::put_varint(out, c.error_code);
    encoding::put_time(out, c.done_at);
    encoding::put_time(out, c.received_at);
    encoding::put_string(out, c.raw);
    if (c.reported_state != 0) encoding::put_u8(out, c.reported_state);
    return out;
}

StatusOr<CarrierReceipt> decode_carrier_receipt(std::string_view bytes) {
    encoding::Reader in(bytes);
    CarrierReceipt c;
    std::uint8_t version = 0, status = 0;
    std::uint64_t keys = 0;
    auto bad = [] { return Status(StatusCode::corruption, "carrier receipt: bad encoding"); };
    if (!in.get_u8(version) || version < 1 || version > 2 || !in.get_string(c.carrier) || !in.get_varint(keys) ||
        keys > 64)
        return bad();
    c.keys.resize(keys);
    for (auto& k : c.keys)
        if (!in.get_string(k)) return bad();
    if (!in.get_string(c.carrier_message_id) || !in.get_u8(status) || status >= message_status_count ||
        !in.get_uint(c.error_code) || !in.get_time(c.done_at) || !in.get_time(c.received_at) ||
        !in.get_string(c.raw))
        return bad();
    if (version >= 2 && (!in.get_u8(c.reported_state) || c.reported_state == 0)) return bad();
    if (!in.done()) return bad();
    c.status = static_cast<MessageStatus>(status);
    return c;
}

}  // namespace smpp::store
