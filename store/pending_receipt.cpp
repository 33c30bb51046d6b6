#include "store/pending_receipt.hpp"

#include "store/encoding.hpp"

namespace smpp::store {

std::string encode_receipt_value(const PendingReceipt& r) {
    std::string out;
    encoding::put_u8(out, 1);
    encoding::put_u8(out, static_cast<std::uint8_t>(r.status));
    encoding::put_varint(out, r.error_code);
    encoding::put_time(out, r.done_at);
    return out;
}

Status decode_receipt_value(std::string_view bytes, PendingReceipt& r) {
    encoding::Reader in(bytes);
    std::uint8_t version = 0, status = 0;
    if (!in.get_u8(version) || version != 1 || !in.get_u8(status) || status >= message_status_count ||
        !in.get_uint(r.error_code) || !in.get_time(r.done_at) || !in.done())
        return Status(StatusCode::corruption, "pending receipt: bad encoding");
    r.status = static_cast<MessageStatus>(status);
    return {};
}

}  // namespace smpp::store
