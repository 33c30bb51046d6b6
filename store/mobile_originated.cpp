#include "store/mobile_originated.hpp"

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

std::string encode_mo_value(const MobileOriginated& m) {
    std::string out;
    encoding::put_u8(out, 2);  // 2: sar and carrier_message_id at the end
    encoding::put_string(out, m.carrier);
    put_address(out, m.source);
    put_address(out, m.destination);
    encoding::put_u8(out, m.esm_class);
    encoding::put_u8(out, m.data_coding);
    encoding::put_string(out, m.payload);
    encoding::put_time(out, m.received_at);
    encoding::put_u8(out, m.sar ? 1 : 0);
    if (m.sar) {
        encoding::put_varint(out, m.sar->reference);
        encoding::put_u8(out, m.sar->total);
        encoding::put_u8(out, m.sar->number);
    }
    encoding::put_string(out, m.carrier_message_id);
    return out;
}

Status decode_mo_value(std::string_view bytes, MobileOriginated& m) {
    encoding::Reader in(bytes);
    std::uint8_t version = 0;
    auto bad = [] { return Status(StatusCode::corruption, "mobile-originated message: bad encoding"); };
    if (!in.get_u8(version) || (version != 1 && version != 2) || !in.get_string(m.carrier) ||
        !get_address(in, m.source) || !get_address(in, m.destination) || !in.get_u8(m.esm_class) ||
        !in.get_u8(m.data_coding) || !in.get_string(m.payload) || !in.get_time(m.received_at))
        return bad();
    m.sar.reset();
    m.carrier_message_id.clear();
    if (version == 2) {  // version 1 (older parks) has neither
        std::uint8_t has_sar = 0;
        if (!in.get_u8(has_sar) || has_sar > 1) return bad();
        if (has_sar) {
            std::uint64_t reference = 0;
            Concatenation c;
            if (!in.get_varint(reference) || reference > 0xFFFF || !in.get_u8(c.total) || !in.get_u8(c.number))
                return bad();
            c.reference = static_cast<std::uint16_t>(reference);
            m.sar = c;
        }
        if (!in.get_string(m.carrier_message_id)) return bad();
    }
    if (!in.done()) return bad();
    return {};
}

}  // namespace smpp::store
