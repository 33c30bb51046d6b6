#include "store/message_record.hpp"

#include <array>

#include "store/encoding.hpp"

namespace smpp::store {
namespace {

constexpr std::array<std::string_view, message_status_count> status_names = {
    "accepted", "queued",    "sending", "sent",     "in_doubt",
    "delivered", "undeliverable", "expired", "rejected", "failed", "cancelled",
};

using encoding::put_string;
using encoding::put_time;
using encoding::put_u8;
using encoding::put_varint;

void put_address(std::string& out, const Address& a) {
    put_u8(out, a.ton);
    put_u8(out, a.npi);
    put_string(out, a.address);
}

Status corrupt(std::string_view field) {
    return Status(StatusCode::corruption, "message record: bad or truncated " + std::string(field));
}

bool get_status(encoding::Reader& in, MessageStatus& s) {
    std::uint8_t v = 0;
    if (!in.get_u8(v) || v >= message_status_count) return false;
    s = static_cast<MessageStatus>(v);
    return true;
}

bool get_address(encoding::Reader& in, Address& a) {
    return in.get_u8(a.ton) && in.get_u8(a.npi) && in.get_string(a.address);
}

}  // namespace

std::string_view name(MessageStatus s) noexcept {
    auto i = static_cast<std::size_t>(s);
    return i < status_names.size() ? status_names[i] : "unknown";
}

std::optional<MessageStatus> message_status_from_name(std::string_view n) noexcept {
    for (std::size_t i = 0; i < status_names.size(); ++i)
        if (status_names[i] == n) return static_cast<MessageStatus>(i);
    return std::nullopt;
}

bool is_final(MessageStatus s) noexcept { return s >= MessageStatus::delivered; }

std::string_view text_of(const MessageRecord& r) noexcept {
    std::string_view p = r.payload;
    if (!(r.esm_class & 0x40) || p.empty()) return p;  // 0x40: UDHI
    const std::size_t udh = static_cast<std::uint8_t>(p[0]) + std::size_t{1};
    return udh >= p.size() ? std::string_view{} : p.substr(udh);
}

std::string encode(const MessageRecord& r) {
    std::string out;
    out.reserve(96 + r.payload.size() + 48 * r.attempts.size());
    put_u8(out, message_record_version);
    put_varint(out, r.id.value());
    put_string(out, r.account);
    put_varint(out, r.upstream_sequence_number);
    put_u8(out, r.user_message_reference ? 1 : 0);
    if (r.user_message_reference) put_varint(out, *r.user_message_reference);
    put_address(out, r.source);
    put_address(out, r.destination);
    put_u8(out, r.esm_class);
    put_u8(out, r.data_coding);
    put_u8(out, r.registered_delivery);
    put_u8(out, r.priority_flag);
    put_string(out, r.payload);
    put_u8(out, r.segment_count);
    put_u8(out, r.concatenation ? 1 : 0);
    if (r.concatenation) {
        put_varint(out, r.concatenation->reference);
        put_u8(out, r.concatenation->total);
        put_u8(out, r.concatenation->number);
    }
    put_string(out, r.traffic_class);
    put_u8(out, static_cast<std::uint8_t>(r.status));
    put_varint(out, r.error_code);
    put_string(out, r.route.carrier);
    put_string(out, r.route.reason);
    put_varint(out, r.attempts.size());
    for (const auto& a : r.attempts) {
        put_string(out, a.carrier);
        put_string(out, a.bind);
        put_time(out, a.at);
        put_u8(out, static_cast<std::uint8_t>(a.status));
        put_varint(out, a.command_status);
        put_string(out, a.carrier_message_id);
    }
    put_time(out, r.accepted_at);
    put_time(out, r.updated_at);
    put_time(out, r.final_at);
    put_time(out, r.expires_at);
    put_time(out, r.retry_at);
    encoding::put_signed(out, r.cost_micros);
    put_string(out, r.currency);
    put_u8(out, r.synthetic_receipt ? 1 : 0);
    put_varint(out, r.upstream_id.value());
    put_string(out, r.service_type);
    put_varint(out, r.revision);
    put_u8(out, r.duplicate_risk ? 1 : 0);
    put_string(out, r.upstream_bind);
    put_u8(out, r.split_by_us ? 1 : 0);
    put_u8(out, r.protocol_id);
    put_u8(out, r.replace_if_present_flag);
    put_u8(out, r.sm_default_msg_id);
    put_varint(out, r.tlvs.size());
    for (const auto& t : r.tlvs) {
        put_varint(out, t.tag);
        put_string(out, t.value);
    }
    put_varint(out, r.intermediate_seen);
    return out;
}

StatusOr<MessageRecord> decode_message_record(std::string_view bytes) {
    encoding::Reader in(bytes);
    MessageRecord r;
    std::uint8_t version = 0;
    if (!in.get_u8(version)) return corrupt("version");
    if (version < 1 || version > message_record_version)
        return Status(StatusCode::corruption, "message record: unknown version " + std::to_string(version));
    std::uint64_t id = 0;
    if (!in.get_varint(id) || id == 0) return corrupt("id");
    r.id = MessageId(id);
    if (!in.get_string(r.account)) return corrupt("account");
    if (!in.get_uint(r.upstream_sequence_number)) return corrupt("upstream_sequence_number");
    std::uint8_t has = 0;
    if (!in.get_u8(has) || has > 1) return corrupt("user_message_reference");
    if (has) {
        std::uint16_t umr = 0;
        if (!in.get_uint(umr)) return corrupt("user_message_reference");
        r.user_message_reference = umr;
    }
    if (!get_address(in, r.source)) return corrupt("source");
    if (!get_address(in, r.destination)) return corrupt("destination");
    if (!in.get_u8(r.esm_class) || !in.get_u8(r.data_coding) || !in.get_u8(r.registered_delivery) ||
        !in.get_u8(r.priority_flag))
        return corrupt("flags");
    if (!in.get_string(r.payload)) return corrupt("payload");
    if (!in.get_u8(r.segment_count)) return corrupt("segment_count");
    if (!in.get_u8(has) || has > 1) return corrupt("concatenation");
    if (has) {
        Concatenation c;
        if (!in.get_uint(c.reference) || !in.get_u8(c.total) || !in.get_u8(c.number)) return corrupt("concatenation");
        r.concatenation = c;
    }
    if (!in.get_string(r.traffic_class)) return corrupt("traffic_class");
    if (!get_status(in, r.status)) return corrupt("status");
    if (!in.get_uint(r.error_code)) return corrupt("error_code");
    if (!in.get_string(r.route.carrier) || !in.get_string(r.route.reason)) return corrupt("route");
    std::uint64_t attempts = 0;
    // Each attempt takes at least 6 bytes, which bounds a hostile count.
    if (!in.get_varint(attempts) || attempts > bytes.size() / 6) return corrupt("attempts");
    r.attempts.resize(attempts);
    for (auto& a : r.attempts) {
        if (!in.get_string(a.carrier) || !in.get_string(a.bind) || !in.get_time(a.at) || !get_status(in, a.status) ||
            !in.get_uint(a.command_status) || !in.get_string(a.carrier_message_id))
            return corrupt("attempt");
    }
    if (!in.get_time(r.accepted_at) || !in.get_time(r.updated_at) || !in.get_time(r.final_at) ||
        !in.get_time(r.expires_at) || !in.get_time(r.retry_at))
        return corrupt("timestamps");
    if (!in.get_signed(r.cost_micros)) return corrupt("cost");
    if (!in.get_string(r.currency)) return corrupt("currency");
    if (version >= 2) {
        std::uint8_t synthetic = 0;
        if (!in.get_u8(synthetic) || synthetic > 1) return corrupt("synthetic_receipt");
        r.synthetic_receipt = synthetic == 1;
    }
    if (version >= 3) {
        std::uint64_t upstream = 0;
        if (!in.get_varint(upstream)) return corrupt("upstream_id");
        r.upstream_id = MessageId(upstream);
        if (!in.get_string(r.service_type)) return corrupt("service_type");
        if (!in.get_uint(r.revision)) return corrupt("revision");
        std::uint8_t risk = 0;
        if (!in.get_u8(risk) || risk > 1) return corrupt("duplicate_risk");
        r.duplicate_risk = risk == 1;
    }
    if (version >= 4 && !in.get_string(r.upstream_bind)) return corrupt("upstream_bind");
    if (version >= 5) {
        std::uint8_t split = 0;
        if (!in.get_u8(split) || split > 1) return corrupt("split_by_us");
        r.split_by_us = split == 1;
    }
    if (version >= 6) {
        if (!in.get_u8(r.protocol_id) || !in.get_u8(r.replace_if_present_flag) || !in.get_u8(r.sm_default_msg_id))
            return corrupt("protocol_id");
        std::uint64_t count = 0;
        // Each TLV takes at least 2 bytes, which bounds a hostile count.
        if (!in.get_varint(count) || count > bytes.size() / 2) return corrupt("tlvs");
        r.tlvs.resize(count);
        for (auto& t : r.tlvs)
            if (!in.get_uint(t.tag) || !in.get_string(t.value)) return corrupt("tlv");
    }
    if (version >= 7 && !in.get_varint(r.intermediate_seen)) return corrupt("intermediate_seen");
    if (!in.done()) return corrupt("trailing bytes");
    return r;
}

}  // namespace smpp::store
