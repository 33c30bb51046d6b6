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
    encoding::put_u8(out, 1);
    encoding::put_string(out, m.carrier);
    put_address(out, m.source);
    put_address(out, m.destination);
    encoding::put_u8(out, m.esm_class);
    encoding::put_u8(out, m.data_coding);
    encoding::put_string(out, m.payload);
    encoding::put_time(out, m.received_at);
    return out;
}

Status decode_mo_value(std::string_view bytes, MobileOriginated& m) {
    encoding::Reader in(bytes);
    std::uint8_t version = 0;
    if (!in.get_u8(version) || version != 1 || !in.get_string(m.carrier) || !get_address(in, m.source) ||
        !get_address(in, m.destination) || !in.get_u8(m.esm_class) || !in.get_u8(m.data_coding) ||
        !in.get_string(m.payload) || !in.get_time(m.received_at) || !in.done())
        return Status(StatusCode::corruption, "mobile-originated message: bad encoding");
    return {};
}

}  // namespace smpp::store
