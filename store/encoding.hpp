#pragma once
// The byte-level pieces of the ledger's own value encoding: varints,
// length-prefixed strings, zigzag times. A Reader never reads past its input;
// every get_* returns false instead, and the caller names the field.
#include <cstdint>
#include <string>
#include <string_view>

#include "store/message_id.hpp"

namespace smpp::store::encoding {

inline void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

inline void put_signed(std::string& out, std::int64_t v) {
    put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

inline void put_string(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

inline void put_time(std::string& out, Timestamp t) { put_signed(out, t.time_since_epoch().count()); }

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}

    bool done() const noexcept { return pos_ == in_.size(); }

    bool get_u8(std::uint8_t& v) noexcept {
        if (pos_ >= in_.size()) return false;
        v = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }

    bool get_varint(std::uint64_t& v) noexcept {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t b = 0;
            if (!get_u8(b)) return false;
            if (shift == 63 && b > 1) return false;  // more than 64 bits
            v |= std::uint64_t{b & 0x7Fu} << shift;
            if (!(b & 0x80)) return true;
        }
        return false;
    }

    template <class Int>
    bool get_uint(Int& v) noexcept {
        std::uint64_t raw = 0;
        if (!get_varint(raw) || raw > static_cast<std::uint64_t>(static_cast<Int>(~Int{0}))) return false;
        v = static_cast<Int>(raw);
        return true;
    }

    bool get_signed(std::int64_t& v) noexcept {
        std::uint64_t raw = 0;
        if (!get_varint(raw)) return false;
        v = static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
        return true;
    }

    bool get_string(std::string& s) {
        std::uint64_t n = 0;
        if (!get_varint(n) || n > in_.size() - pos_) return false;
        s.assign(in_.substr(pos_, n));
        pos_ += n;
        return true;
    }

    bool get_time(Timestamp& t) noexcept {
        std::int64_t ms = 0;
        if (!get_signed(ms)) return false;
        t = Timestamp(std::chrono::milliseconds(ms));
        return true;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace smpp::store::encoding
