#include "store/pending_receipt.hpp"

#include "store/encoding.hpp"

namespace smpp::store {

namespace {

void put_address(std::string& out, const Address& a) {
    encoding::put_u8(out, a.ton);
    encoding::put_u8(out, a.npi);
    encoding::put_string(out, a.address);
}

bool get_address(encoding::Reader& in, Address& a) {
    return in.get_u8(a.ton) && in.get_u8(a.npi) && in.get_string(a.address);
}

}  // namespace

ReceiptEnvelope envelope_of(const MessageRecord& r) {
    return ReceiptEnvelope{.source = r.source,
                           .destination = r.destination,
                           .registered_delivery = r.registered_delivery,
                           .data_coding = r.data_coding,
                           .accepted_at = r.accepted_at,
                           .updated_at = r.updated_at,
                           .text = std::string(text_of(r).substr(0, 20)),
                           .synthetic_receipt = r.synthetic_receipt,
                           .upstream_id = r.upstream_id};
}

std::string encode_receipt_value(const PendingReceipt& r) {
    std::string out;
    out.reserve(r.envelope ? 96 + r.detail.size() + r.envelope->source.address.size() +
                                 r.envelope->destination.address.size() + r.envelope->text.size()
                           : 32 + r.detail.size());
    // Version 1: one message's receipt; 2: one that aggregates parts; 3:
    // either, with its envelope.
    const bool reported = r.envelope && r.reported_state != 0;
    encoding::put_u8(out, reported ? 4 : r.envelope ? 3 : r.parts == 0 ? 1 : 2);
    encoding::put_u8(out, static_cast<std::uint8_t>(r.status));
    encoding::put_varint(out, r.error_code);
    encoding::put_time(out, r.done_at);
    if (r.parts != 0 || r.envelope) {
        encoding::put_u8(out, r.parts);
        encoding::put_u8(out, r.parts_delivered);
        encoding::put_string(out, r.detail);
    }
    if (const auto* e = r.envelope ? &*r.envelope : nullptr) {
        put_address(out, e->source);
        put_address(out, e->destination);
        encoding::put_u8(out, e->registered_delivery);
        encoding::put_u8(out, e->data_coding);
        encoding::put_time(out, e->accepted_at);
        encoding::put_time(out, e->updated_at);
        encoding::put_string(out, e->text);
        encoding::put_u8(out, e->synthetic_receipt ? 1 : 0);
        encoding::put_varint(out, e->upstream_id.value());
    }
    if (reported) encoding::put_u8(out, r.reported_state);
    return out;
}

Status decode_receipt_value(std::string_view bytes, PendingReceipt& r) {
    encoding::Reader in(bytes);
    std::uint8_t version = 0, status = 0;
    auto bad = [] { return Status(StatusCode::corruption, "pending receipt: bad encoding"); };
    if (!in.get_u8(version) || version < 1 || version > 4 || !in.get_u8(status) ||
        status >= message_status_count || !in.get_uint(r.error_code) || !in.get_time(r.done_at))
        return bad();
    if (version >= 2 && (!in.get_u8(r.parts) || !in.get_u8(r.parts_delivered) || !in.get_string(r.detail)))
        return bad();
    if (version >= 3) {
        auto& e = r.envelope.emplace();
        std::uint8_t synthetic = 0;
        std::uint64_t upstream = 0;
        if (!get_address(in, e.source) || !get_address(in, e.destination) || !in.get_u8(e.registered_delivery) ||
            !in.get_u8(e.data_coding) || !in.get_time(e.accepted_at) || !in.get_time(e.updated_at) ||
            !in.get_string(e.text) || !in.get_u8(synthetic) || synthetic > 1 || !in.get_varint(upstream))
            return bad();
        e.synthetic_receipt = synthetic == 1;
        e.upstream_id = MessageId(upstream);
    }
    if (version == 4 && (!in.get_u8(r.reported_state) || r.reported_state == 0)) return bad();
    if (!in.done()) return bad();
    r.status = static_cast<MessageStatus>(status);
    return {};
}

}  // namespace smpp::store
