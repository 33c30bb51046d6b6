#pragma once
// Test helper: runs one frame through the fast codec and the libsmpp34
// reference and says whether they agree. Shared by the differential unit
// test and the fuzz target, so both hold the codecs to the same rule:
//   - both decode, to equal Pdus, and both encoders then write identical
//     bytes (equal to the input frame unless the input was a bodiless error
//     response, whose mandatory fields the encoders always write); or
//   - both refuse with the same command_status;
//   - except where the reference says "libsmpp34 limit:" (something valid
//     that libsmpp34 cannot represent; listed at the top of
//     libsmpp34_codec.cpp), or its encoder refuses a 254-octet
//     short_message (the one limit it has only when encoding): skipped.
// Also the deterministic frame generator the differential test uses.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/protocol/fast_codec.hpp"
#include "smpp/protocol/framing.hpp"
#include "smpp/protocol/libsmpp34_codec.hpp"
#include "test/smpp/protocol/frame_builder.hpp"

namespace smpp::test {

enum class verdict { agree, libsmpp34_limit, disagree };

struct Comparison {
    verdict result = verdict::agree;
    std::string why;  // for disagree
};

inline std::string describe(const protocol::DecodeResult& r) {
    if (const auto* e = std::get_if<protocol::DecodeError>(&r))
        return protocol::name(e->status) + " (" + e->detail + ")";
    return "ok " + std::string(protocol::name(std::get<protocol::Pdu>(r).id()));
}

inline bool is_libsmpp34_limit(const protocol::DecodeResult& r) {
    const auto* e = std::get_if<protocol::DecodeError>(&r);
    return e && e->status == protocol::command_status::ESME_RSYSERR &&
           std::string_view(e->detail).starts_with("libsmpp34 limit:");
}

// libsmpp34's packer wants sm_length < 254 (its decoder takes 254).
inline bool has_254_octet_short_message(const protocol::Pdu& pdu) {
    return std::visit(
        [](const auto& b) {
            if constexpr (requires { b.short_message; })
                return b.short_message.size() == protocol::limits::short_message;
            else
                return false;
        },
        pdu.body);
}

inline Comparison compare_codecs(std::span<const std::uint8_t> frame) {
    namespace p = protocol;
    const p::DecodeResult fast = p::fast_codec::decode(frame);
    const p::DecodeResult ref = p::libsmpp34_codec::decode(frame);
    if (is_libsmpp34_limit(ref)) return {verdict::libsmpp34_limit, {}};

    const auto* fast_pdu = std::get_if<p::Pdu>(&fast);
    const auto* ref_pdu = std::get_if<p::Pdu>(&ref);
    if (!fast_pdu || !ref_pdu) {
        if (fast_pdu || ref_pdu ||
            std::get<p::DecodeError>(fast).status != std::get<p::DecodeError>(ref).status)
            return {verdict::disagree, "decode: fast " + describe(fast) + ", libsmpp34 " + describe(ref)};
        return {};
    }
    if (!(*fast_pdu == *ref_pdu)) return {verdict::disagree, "decode: the two Pdus differ"};

    std::vector<std::uint8_t> fast_bytes, ref_bytes;
    const auto fast_ec = p::fast_codec::encode(*fast_pdu, fast_bytes);
    const auto ref_ec = p::libsmpp34_codec::encode(*fast_pdu, ref_bytes);
    if (ref_ec == p::make_error_code(p::command_status::ESME_RSYSERR) && has_254_octet_short_message(*fast_pdu))
        return {verdict::libsmpp34_limit, {}};
    if (fast_ec || ref_ec)
        return {verdict::disagree, "encode of a decoded Pdu failed: fast " + fast_ec.message() + ", libsmpp34 " +
                                       ref_ec.message()};
    if (fast_bytes != ref_bytes) return {verdict::disagree, "encode: the two encoders wrote different bytes"};
    const bool bodiless_error_response = frame.size() == p::header_size &&
                                         fast_pdu->status != p::command_status::ESME_ROK;
    if (!bodiless_error_response && !std::equal(frame.begin(), frame.end(), fast_bytes.begin(), fast_bytes.end()))
        return {verdict::disagree, "round trip: encode(decode(frame)) != frame"};
    return {};
}

// splitmix64: the same sequence on every platform and standard library,
// unlike std::uniform_int_distribution.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n).
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
    bool chance(unsigned percent) { return below(100) < percent; }
    std::uint8_t octet() { return static_cast<std::uint8_t>(next()); }

private:
    std::uint64_t state_;
};

// A C-octet string's content for a field of the given capacity: mostly a
// fitting value, sometimes exactly full, sometimes one too long.
inline std::string random_field(Rng& rng, std::size_t capacity) {
    std::size_t n;
    const auto pick = rng.below(10);
    if (pick < 6) n = rng.below(std::min<std::size_t>(capacity, 14));
    else if (pick < 8) n = rng.below(capacity);
    else if (pick < 9) n = capacity - 1;
    else n = capacity;  // does not fit
    std::string s(n, '0');
    for (auto& c : s) c = rng.chance(90) ? static_cast<char>('0' + rng.below(75)) : static_cast<char>(1 + rng.below(255));
    return s;
}

inline std::string random_bytes(Rng& rng, std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng.octet());
    return s;
}

inline void random_tlvs(Rng& rng, FrameBuilder& b) {
    using protocol::tlv_tag;
    const auto count = rng.below(5);
    for (std::size_t i = 0; i < count; ++i) {
        switch (rng.below(12)) {
            case 0: b.tlv(tlv_tag::message_state, random_bytes(rng, 1)); break;
            case 1: b.tlv(tlv_tag::receipted_message_id, random_field(rng, 65) + '\0'); break;
            case 2: b.tlv(tlv_tag::sar_msg_ref_num, random_bytes(rng, 2)); break;
            case 3: b.tlv(tlv_tag::sar_total_segments, random_bytes(rng, 1)); break;
            case 4: b.tlv(tlv_tag::network_error_code, random_bytes(rng, 3)); break;
            case 5: b.tlv(tlv_tag::qos_time_to_live, random_bytes(rng, 4)); break;
            case 6:
                b.tlv(tlv_tag::message_payload,
                      random_bytes(rng, rng.chance(10) ? 1000 + rng.below(100) : rng.below(300)));
                break;
            case 7: b.tlv(tlv_tag::alert_on_message_delivery, ""); break;
            case 8: b.tlv(tlv_tag::user_message_reference, random_bytes(rng, 2)); break;
            case 9: b.tlv(static_cast<std::uint16_t>(0x1400 + rng.below(0x2C00)), random_bytes(rng, rng.below(40))); break;
            case 10: b.tlv(tlv_tag::additional_status_info_text, random_field(rng, 256) + '\0'); break;
            default:  // a standard tag with a length chosen at random
                b.tlv(static_cast<std::uint16_t>(rng.chance(50) ? 0x0427 : 0x020C), random_bytes(rng, rng.below(6)));
                break;
        }
    }
}

// A structurally plausible frame of one of the PDUs the fast codec handles.
// submit_multi, submit_multi_resp and bind_*_resp stay at sizes libsmpp34
// can take (a few destinations, a few TLVs), so the reference can answer.
inline std::vector<std::uint8_t> random_hot_frame(Rng& rng) {
    using protocol::command_id;
    static constexpr command_id ids[] = {command_id::submit_sm,         command_id::submit_sm_resp,
                                         command_id::deliver_sm,        command_id::deliver_sm_resp,
                                         command_id::data_sm,           command_id::data_sm_resp,
                                         command_id::enquire_link,      command_id::enquire_link_resp,
                                         command_id::generic_nack,      command_id::submit_multi,
                                         command_id::submit_multi_resp, command_id::bind_transmitter_resp,
                                         command_id::bind_receiver_resp, command_id::bind_transceiver_resp};
    const command_id id = ids[rng.below(std::size(ids))];
    const std::uint32_t status = rng.chance(80) ? 0 : static_cast<std::uint32_t>(rng.below(0x100));
    FrameBuilder b(static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(rng.next() & 0x7FFFFFFF), status);
    switch (id) {
        case command_id::submit_sm:
        case command_id::deliver_sm: {
            b.cstr(random_field(rng, 6));
            b.address(rng.octet(), rng.octet(), random_field(rng, 21));
            b.address(rng.octet(), rng.octet(), random_field(rng, 21));
            b.u8(rng.octet()).u8(rng.octet()).u8(rng.octet());
            // libsmpp34 keeps deliver_sm's time fields empty: mostly stay
            // inside what it can compare.
            const unsigned empty_time = id == command_id::deliver_sm ? 95 : 50;
            b.cstr(rng.chance(empty_time) ? std::string() : random_field(rng, 17));
            b.cstr(rng.chance(empty_time) ? std::string() : random_field(rng, 17));
            b.u8(rng.octet()).u8(rng.octet()).u8(rng.octet()).u8(rng.octet());
            const auto sm_len = rng.chance(95) ? rng.below(255) : 255;
            b.u8(static_cast<std::uint8_t>(sm_len)).raw(random_bytes(rng, sm_len));
            random_tlvs(rng, b);
            break;
        }
        case command_id::data_sm:
            b.cstr(random_field(rng, 6));
            b.address(rng.octet(), rng.octet(), random_field(rng, rng.chance(90) ? 21 : 65));  // libsmpp34: 21
            b.address(rng.octet(), rng.octet(), random_field(rng, 65));
            b.u8(rng.octet()).u8(rng.octet()).u8(rng.octet());
            random_tlvs(rng, b);
            break;
        case command_id::data_sm_resp:
            if (status == 0 || rng.chance(50)) {
                b.cstr(random_field(rng, 65));
                if (rng.chance(15)) random_tlvs(rng, b);  // libsmpp34 has none here
            }
            break;
        case command_id::submit_sm_resp:
            if (status == 0 || rng.chance(50)) {
                b.cstr(random_field(rng, 65));
                if (rng.chance(15)) random_tlvs(rng, b);  // SMPP 5.0 SMSCs; libsmpp34 has none here
            }
            break;
        case command_id::deliver_sm_resp:  // message_id is unused: libsmpp34 keeps it empty
            if (status == 0 || rng.chance(50)) b.cstr(rng.chance(90) ? std::string() : random_field(rng, 65));
            break;
        case command_id::submit_multi: {
            b.cstr(random_field(rng, 6));
            b.address(rng.octet(), rng.octet(), random_field(rng, 21));
            const auto n = rng.chance(95) ? 1 + rng.below(4) : (rng.chance(50) ? 0 : 255);
            b.u8(static_cast<std::uint8_t>(n));
            for (std::size_t i = 0; i < n && i < 4; ++i) {
                const auto flag = rng.chance(95) ? 1 + rng.below(2) : rng.octet();
                b.u8(static_cast<std::uint8_t>(flag));
                if (flag == 2) b.cstr(random_field(rng, 21));
                else b.address(rng.octet(), rng.octet(), random_field(rng, 21));
            }
            b.u8(rng.octet()).u8(rng.octet()).u8(rng.octet());
            b.cstr(rng.chance(50) ? std::string() : random_field(rng, 17));
            b.cstr(rng.chance(50) ? std::string() : random_field(rng, 17));
            b.u8(rng.octet()).u8(rng.octet()).u8(rng.octet()).u8(rng.octet());
            const auto sm_len = rng.chance(95) ? rng.below(254) : 255;
            b.u8(static_cast<std::uint8_t>(sm_len)).raw(random_bytes(rng, sm_len));
            if (rng.chance(50)) random_tlvs(rng, b);
            break;
        }
        case command_id::submit_multi_resp:
            if (status == 0 || rng.chance(50)) {
                b.cstr(random_field(rng, 65));
                const auto n = rng.below(4);
                b.u8(static_cast<std::uint8_t>(n));
                for (std::size_t i = 0; i < n; ++i)
                    b.address(rng.octet(), rng.octet(), random_field(rng, 21)).u32(static_cast<std::uint32_t>(rng.next()));
            }
            break;
        case command_id::bind_transmitter_resp:
        case command_id::bind_receiver_resp:
        case command_id::bind_transceiver_resp:
            if (status == 0 || rng.chance(50)) {
                b.cstr(random_field(rng, 16));
                if (rng.chance(50)) b.tlv(protocol::tlv_tag::sc_interface_version, "\x34");
                if (rng.chance(30)) random_tlvs(rng, b);
            }
            break;
        default:
            break;
    }
    return b.frame();
}

// A valid-looking frame bent in one of the ways broken peers bend them.
inline void mutate(Rng& rng, std::vector<std::uint8_t>& f) {
    constexpr std::size_t header = 16;
    const std::size_t body = f.size() - header;
    switch (rng.below(8)) {
        case 0:  // cut
            f.resize(header + rng.below(body + 1));
            break;
        case 1:  // overwrite body octets, sometimes with NUL
            for (auto n = 1 + rng.below(3); n && body; --n)
                f[header + rng.below(body)] = rng.chance(30) ? 0 : rng.octet();
            break;
        case 2: {  // insert
            const auto at = header + rng.below(body + 1);
            const auto s = random_bytes(rng, 1 + rng.below(8));
            f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), s.begin(), s.end());
            break;
        }
        case 3: {  // append
            const auto s = random_bytes(rng, 1 + rng.below(8));
            f.insert(f.end(), s.begin(), s.end());
            break;
        }
        case 4:  // erase a range
            if (body) {
                const auto at = header + rng.below(body);
                const auto n = 1 + rng.below(std::min<std::size_t>(8, f.size() - at));
                f.erase(f.begin() + static_cast<std::ptrdiff_t>(at), f.begin() + static_cast<std::ptrdiff_t>(at + n));
            }
            break;
        case 5: {  // read one PDU's body as another's
            static constexpr std::uint8_t ids[][4] = {{0, 0, 0, 4},       {0x80, 0, 0, 4}, {0, 0, 0, 5},
                                                      {0x80, 0, 0, 5},    {0, 0, 1, 3},    {0x80, 0, 1, 3},
                                                      {0, 0, 0, 0x15},    {0x80, 0, 0, 0x15}, {0x80, 0, 0, 0}};
            const auto& id = ids[rng.below(std::size(ids))];
            std::copy(std::begin(id), std::end(id), f.begin() + 4);
            break;
        }
        case 6:  // error status on a response, body gone
            f[8] = 0, f[9] = 0, f[10] = 0, f[11] = static_cast<std::uint8_t>(1 + rng.below(0xFF));
            if (rng.chance(70)) f.resize(header);
            break;
        default:  // command_length that lies (the only mutation that keeps it wrong)
            patch_length(f);
            f[3] = static_cast<std::uint8_t>(f[3] + 1 + rng.below(3));
            return;
    }
    patch_length(f);
}

}  // namespace smpp::test
