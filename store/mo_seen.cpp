#include "store/mo_seen.hpp"

#include <cstdint>
#include <string_view>

namespace smpp::store {
namespace {

// FNV-1a, 128 bits: stable across builds and runs (the keys are stored).
struct Fnv128 {
    unsigned __int128 h = (static_cast<unsigned __int128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
    void bytes(std::string_view v) {
        constexpr unsigned __int128 prime = (static_cast<unsigned __int128>(1) << 88) | 0x13B;
        for (unsigned char c : v) {
            h ^= c;
            h *= prime;
        }
    }
    void field(std::string_view v) {
        bytes(std::to_string(v.size()));
        bytes(":");
        bytes(v);
    }
};

}  // namespace

std::string mo_seen_key(const MobileOriginated& m) {
    Fnv128 f;
    f.field(m.carrier);
    f.field(m.source.address);
    f.field(m.destination.address);
    const char coding = static_cast<char>(m.data_coding);
    f.bytes(std::string_view(&coding, 1));
    f.field(m.payload);
    f.field(m.sar ? std::to_string(m.sar->reference) + "/" + std::to_string(m.sar->total) + "/" +
                        std::to_string(m.sar->number)
                  : std::string{});
    f.field(m.carrier_message_id);
    std::string out(16, '\0');
    for (int i = 0; i < 16; ++i) out[i] = static_cast<char>(static_cast<std::uint8_t>(f.h >> (8 * (15 - i))));
    return out;
}

}  // namespace smpp::store
