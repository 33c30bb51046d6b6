// The reference codec: every PDU body goes through Debian's libsmpp34
// (1.14.1) smpp34_pack / smpp34_unpack. Our own code only pre-validates the
// frame (so statuses follow the table in codec.hpp exactly and libsmpp34
// never reads past the frame) and maps values to and from its structs.
//
// Where libsmpp34 deviates from SMPP 3.4 we either work around it or report
// a DecodeError / encode error ESME_RSYSERR whose detail starts with
// "libsmpp34 limit:". The differential test against fast_codec whitelists
// exactly these limits:
//   1. Any TLV value over 1024 octets (tlv_t keeps values in octet[1024]);
//      message_payload and vendor TLVs are allowed up to 65535 by the spec.
//   2. data_sm source_addr: libsmpp34 holds 21 octets, the spec 65.
//   3. deliver_sm schedule_delivery_time / validity_period: libsmpp34 holds
//      1 octet (only ""), we accept up to 17 like every time field.
//   4. deliver_sm_resp message_id: libsmpp34 holds 1 octet (only ""), we
//      accept up to 65 like every message_id.
//   5. data_sm_resp, submit_sm_resp and deliver_sm_resp TLVs: their structs
//      have no TLV list, so any TLV (SMSCs speaking SMPP 5.0 send them).
//   6. ussd_service_op in submit_sm / submit_multi longer than 1 octet.
//   7. Encode only: a short_message of exactly 254 octets (its packer wants
//      sm_length < 254); decoding one works.
//   8. A PDU whose field log could overflow libsmpp34's smpp34_strerror[2048]
//      (see LogBudget): past 19 TLVs on a submit_sm with long fields, or 6
//      submit_multi destinations (so submit_multi, submit_multi_resp and
//      bind_*_resp go through fast_codec in the codec facade). Found by
//      fuzzing: past 2048 octets its PUTLOG keeps writing over the globals
//      that follow, so such a PDU must never reach it.
// Worked around, so not limits:
//   - its packer/unpacker reject "invalid" TON, NPI, interface_version (bind
//     transmitter/transceiver only accept 0x34), command_status values
//     outside its list (vendor statuses) and sequence_number 0: these are
//     semantic checks the intake layer owns. We hand libsmpp34 neutral values
//     (0, 0x34, ROK, 1) and put the real octets back afterwards; the offsets
//     come from our own frame scanner.
//   - submit_sm_resp message_id is skipped by libsmpp34 when command_status
//     is not 0 (same neutral-status trick).
//   - it builds TLV, dest and unsuccess_sme lists in reverse wire order on
//     unpack; we reverse them back.
//   - its C-octet unpack runs strlen before checking bounds: it gets a
//     NUL-padded copy of the frame (and the frame was already scanned).
#include "smpp/protocol/libsmpp34_codec.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "smpp/protocol/framing.hpp"

namespace smpp::protocol::libsmpp34_codec {
namespace {

// ---------------------------------------------------------------------------
// Part 1: everything that names our command_status values. It comes before
// the libsmpp34 headers, which #define ESME_ROK & co. as macros.
// ---------------------------------------------------------------------------

using st = command_status;

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

constexpr std::size_t tlv_octet_capacity = 1024;  // libsmpp34 MAX_TLV_SIZE

// libsmpp34 logs every field of every pack and unpack, successful or not,
// into the global smpp34_strerror[2048], advancing by snprintf's would-be
// length: once the log passes 2048 octets the remaining size goes negative
// and it writes over whatever follows in memory. So any PDU whose log could
// come near that size is refused as a limit before libsmpp34 sees it. Each
// constant bounds the entries "[name:value(OK)]" (names up to 26
// characters, integers as up to 8 hex digits, TLV values as "<bin>"). The
// estimate uses the same counts on decode and encode, so the two
// directions always agree on what is refused.
struct LogBudget {
    static constexpr std::size_t fixed = 832;          // header + the fixed fields of the largest body
    static constexpr std::size_t per_tlv = 60;         // tag, length and value entries
    static constexpr std::size_t per_dest = 160;       // dest_flag, ton, npi, address entries
    static constexpr std::size_t per_unsuccess = 160;  // ton, npi, address, error_status_code entries
    static constexpr std::size_t limit = 2000;         // of 2048, with the NUL and a margin

    std::size_t string_octets = 0;  // characters of C-octet strings, logged verbatim
    std::size_t tlvs = 0;
    std::size_t dests = 0;
    std::size_t unsuccess = 0;

    bool exceeded() const noexcept {
        return fixed + string_octets + per_tlv * tlvs + per_dest * dests + per_unsuccess * unsuccess > limit;
    }
};
constexpr const char* log_budget_limit = "PDU would overflow libsmpp34's 2048-octet field log";

// An octet libsmpp34 would validate semantically: where it is in the frame
// and the value libsmpp34 is shown instead.
struct Mask {
    std::size_t offset;
    std::uint8_t neutral;
};

constexpr std::uint8_t neutral_ton_npi = 0;
constexpr std::uint8_t neutral_interface_version = 0x34;

bool has_tlvs(command_id id) noexcept {
    switch (id) {
        case command_id::bind_transmitter_resp:
        case command_id::bind_receiver_resp:
        case command_id::bind_transceiver_resp:
        case command_id::submit_sm:
        case command_id::submit_sm_resp:
        case command_id::deliver_sm:
        case command_id::deliver_sm_resp:
        case command_id::submit_multi:
        case command_id::data_sm:
        case command_id::data_sm_resp:
        case command_id::alert_notification: return true;
        default: return false;
    }
}

// Of the PDUs with TLVs, those whose libsmpp34 struct has a list to hold them.
bool holds_tlvs(command_id id) noexcept {
    return has_tlvs(id) && id != command_id::data_sm_resp && id != command_id::submit_sm_resp &&
           id != command_id::deliver_sm_resp;
}

// Walks a frame the way both codecs must (codec.hpp): the first structural
// fault becomes `error`; a libsmpp34 limit is only reported when the frame is
// otherwise sound, so the two codecs agree on every structural fault.
class Scanner {
public:
    explicit Scanner(std::span<const std::uint8_t> frame) : f_(frame), pos_(header_size) {}

    std::optional<DecodeError> error;
    std::optional<std::string> limit;
    std::vector<Mask> masks;
    LogBudget log;

    bool failed() const noexcept { return error.has_value(); }

    void u8(std::uint8_t* out = nullptr) {
        if (failed()) return;
        if (pos_ + 1 > f_.size()) return fail(st::ESME_RINVCMDLEN, "mandatory field past the end of the body");
        if (out) *out = f_[pos_];
        ++pos_;
    }
    void masked(std::uint8_t neutral) {
        if (failed()) return;
        masks.push_back({pos_, neutral});
        u8();
    }
    void ton_npi() {
        masked(neutral_ton_npi);
        masked(neutral_ton_npi);
    }
    void u32() {
        if (failed()) return;
        if (pos_ + 4 > f_.size()) return fail(st::ESME_RINVCMDLEN, "mandatory field past the end of the body");
        pos_ += 4;
    }
    void cstr(std::size_t cap, command_status status, const char* name, std::size_t lib_cap = 0) {
        if (failed()) return;
        std::size_t left = f_.size() - pos_;
        std::size_t window = std::min(left, cap);
        const auto* begin = f_.data() + pos_;
        const auto* nul = static_cast<const std::uint8_t*>(std::memchr(begin, 0, window));
        if (!nul) {
            if (left < cap)
                return fail(st::ESME_RINVCMDLEN, std::string(name) + ": body ends before its NUL");
            return fail(status, std::string(name) + ": no NUL within " + std::to_string(cap) + " octets");
        }
        std::size_t len = static_cast<std::size_t>(nul - begin) + 1;
        log.string_octets += len - 1;
        if (lib_cap != 0 && len > lib_cap)
            note_limit(std::string(name) + " holds " + std::to_string(lib_cap - 1) + " characters in libsmpp34");
        pos_ += len;
    }
    void short_message(bool) {
        if (failed()) return;
        std::uint8_t sm_length = 0;
        u8(&sm_length);
        if (failed()) return;
        if (sm_length > limits::short_message) return fail(st::ESME_RINVMSGLEN, "sm_length over 254");
        if (pos_ + sm_length > f_.size()) return fail(st::ESME_RINVMSGLEN, "sm_length past the end of the body");
        pos_ += sm_length;
    }
    void dests() {
        if (failed()) return;
        std::uint8_t n = 0;
        u8(&n);
        if (failed()) return;
        if (n == 0 || n > limits::dests)
            return fail(st::ESME_RINVNUMDESTS, "number_of_dests " + std::to_string(n));
        log.dests = n;
        for (int i = 0; i < n && !failed(); ++i) {
            std::uint8_t flag = 0;
            u8(&flag);
            if (failed()) return;
            if (flag == MultiDest::sme_address) {
                ton_npi();
                cstr(limits::address, st::ESME_RINVDSTADR, "destination_addr");
            } else if (flag == MultiDest::distribution_list) {
                cstr(limits::address, st::ESME_RINVDLNAME, "dl_name");
            } else {
                return fail(st::ESME_RINVDESTFLAG, "dest_flag " + std::to_string(flag));
            }
        }
    }
    void unsuccess_smes() {
        if (failed()) return;
        std::uint8_t n = 0;
        u8(&n);
        log.unsuccess = n;
        for (int i = 0; i < n && !failed(); ++i) {
            ton_npi();
            cstr(limits::address, st::ESME_RINVDSTADR, "destination_addr");
            u32();
        }
    }
    // The optional part, or nothing at all for a PDU without one.
    void rest(command_id id) {
        if (failed()) return;
        if (!has_tlvs(id)) {
            if (pos_ != f_.size())
                fail(st::ESME_RINVCMDLEN, std::to_string(f_.size() - pos_) + " octets after the mandatory fields");
            return;
        }
        while (pos_ < f_.size()) {
            if (f_.size() - pos_ < 4) return fail(st::ESME_RINVOPTPARSTREAM, "truncated TLV header");
            std::uint16_t tag = be16(f_.data() + pos_);
            std::size_t len = be16(f_.data() + pos_ + 2);
            if (pos_ + 4 + len > f_.size()) return fail(st::ESME_RINVOPTPARSTREAM, "TLV value past the end");
            auto fixed = fixed_length(static_cast<tlv_tag>(tag));
            auto max = max_length(static_cast<tlv_tag>(tag));
            if ((fixed && len != *fixed) || (max && len > *max))
                return fail(st::ESME_RINVPARLEN, "TLV 0x" + hex16(tag) + " length " + std::to_string(len));
            if (!holds_tlvs(id)) note_limit(std::string(name(id)) + " TLVs are not supported");
            if (len > tlv_octet_capacity) note_limit("TLV value over 1024 octets");
            if ((id == command_id::submit_sm || id == command_id::submit_multi) &&
                tag == static_cast<std::uint16_t>(tlv_tag::ussd_service_op) && len > 1)
                note_limit("ussd_service_op over 1 octet");
            ++log.tlvs;
            pos_ += 4 + len;
        }
    }
    void check_log_budget() {
        if (!failed() && log.exceeded()) note_limit(log_budget_limit);
    }

private:
    static std::string hex16(std::uint16_t v) {
        static constexpr char digits[] = "0123456789ABCDEF";
        return {digits[v >> 12], digits[(v >> 8) & 15], digits[(v >> 4) & 15], digits[v & 15]};
    }
    void fail(command_status s, std::string detail) { error = DecodeError{s, std::move(detail)}; }
    void note_limit(std::string what) {
        if (!limit) limit = "libsmpp34 limit: " + std::move(what);
    }

    std::span<const std::uint8_t> f_;
    std::size_t pos_;
};

void scan_body(command_id id, Scanner& s) {
    switch (id) {
        case command_id::bind_transmitter:
        case command_id::bind_receiver:
        case command_id::bind_transceiver:
            s.cstr(limits::system_id, st::ESME_RINVSYSID, "system_id");
            s.cstr(limits::password, st::ESME_RINVPASWD, "password");
            s.cstr(limits::system_type, st::ESME_RINVSYSTYP, "system_type");
            s.masked(neutral_interface_version);
            s.ton_npi();
            s.cstr(limits::address_range, st::ESME_RINVPARLEN, "address_range");
            break;
        case command_id::bind_transmitter_resp:
        case command_id::bind_receiver_resp:
        case command_id::bind_transceiver_resp:
            s.cstr(limits::system_id, st::ESME_RINVSYSID, "system_id");
            break;
        case command_id::outbind:
            s.cstr(limits::system_id, st::ESME_RINVSYSID, "system_id");
            s.cstr(limits::password, st::ESME_RINVPASWD, "password");
            break;
        case command_id::submit_sm:
        case command_id::deliver_sm: {
            std::size_t time_lib_cap = id == command_id::deliver_sm ? 1 : 0;
            s.cstr(limits::service_type, st::ESME_RINVSERTYP, "service_type");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVSRCADR, "source_addr");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVDSTADR, "destination_addr");
            s.u8();
            s.u8();
            s.u8();
            s.cstr(limits::time, st::ESME_RINVSCHED, "schedule_delivery_time", time_lib_cap);
            s.cstr(limits::time, st::ESME_RINVEXPIRY, "validity_period", time_lib_cap);
            s.u8();
            s.u8();
            s.u8();
            s.u8();
            s.short_message(true);
            break;
        }
        case command_id::submit_sm_resp:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            break;
        case command_id::deliver_sm_resp:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id", 1);
            break;
        case command_id::submit_multi:
            s.cstr(limits::service_type, st::ESME_RINVSERTYP, "service_type");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVSRCADR, "source_addr");
            s.dests();
            s.u8();
            s.u8();
            s.u8();
            s.cstr(limits::time, st::ESME_RINVSCHED, "schedule_delivery_time");
            s.cstr(limits::time, st::ESME_RINVEXPIRY, "validity_period");
            s.u8();
            s.u8();
            s.u8();
            s.u8();
            s.short_message(true);
            break;
        case command_id::submit_multi_resp:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            s.unsuccess_smes();
            break;
        case command_id::data_sm:
            s.cstr(limits::service_type, st::ESME_RINVSERTYP, "service_type");
            s.ton_npi();
            s.cstr(limits::address_long, st::ESME_RINVSRCADR, "source_addr", limits::address);
            s.ton_npi();
            s.cstr(limits::address_long, st::ESME_RINVDSTADR, "destination_addr");
            s.u8();
            s.u8();
            s.u8();
            break;
        case command_id::data_sm_resp:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            break;
        case command_id::query_sm:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVSRCADR, "source_addr");
            break;
        case command_id::query_sm_resp:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            s.cstr(limits::time, st::ESME_RINVPARLEN, "final_date");
            s.u8();
            s.u8();
            break;
        case command_id::cancel_sm:
            s.cstr(limits::service_type, st::ESME_RINVSERTYP, "service_type");
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVSRCADR, "source_addr");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVDSTADR, "destination_addr");
            break;
        case command_id::replace_sm:
            s.cstr(limits::message_id, st::ESME_RINVMSGID, "message_id");
            s.ton_npi();
            s.cstr(limits::address, st::ESME_RINVSRCADR, "source_addr");
            s.cstr(limits::time, st::ESME_RINVSCHED, "schedule_delivery_time");
            s.cstr(limits::time, st::ESME_RINVEXPIRY, "validity_period");
            s.u8();
            s.u8();
            s.short_message(false);
            break;
        case command_id::alert_notification:
            s.ton_npi();
            s.cstr(limits::address_long, st::ESME_RINVSRCADR, "source_addr");
            s.ton_npi();
            s.cstr(limits::address_long, st::ESME_RINVDSTADR, "esme_addr");
            break;
        default:  // header-only PDUs
            break;
    }
    s.rest(id);
}

// Header checks, then the body; nullopt and the masks when the frame is fine.
std::optional<DecodeError> scan_frame(std::span<const std::uint8_t> frame, std::vector<Mask>& masks) {
    if (frame.size() < header_size)
        return DecodeError{st::ESME_RINVCMDLEN, "frame shorter than the 16-octet header"};
    auto h = read_header(frame.first<header_size>());
    if (h.command_length != frame.size())
        return DecodeError{st::ESME_RINVCMDLEN, "command_length does not match the frame size"};
    if (!is_known(h.command_id)) return DecodeError{st::ESME_RINVCMDID, "unknown command_id"};
    auto id = static_cast<command_id>(h.command_id);
    if (is_response(id) && h.command_status != 0 && frame.size() == header_size) return std::nullopt;
    Scanner s(frame);
    scan_body(id, s);
    s.check_log_budget();
    if (s.error) return s.error;
    if (s.limit) return DecodeError{st::ESME_RSYSERR, *s.limit};
    masks = std::move(s.masks);
    return std::nullopt;
}

// The value-side twin of scan_body: the octets libsmpp34 must not see, in
// wire order, so decode can put the real ones back and encode can hide them.
struct MaskedField {
    std::uint8_t* field;
    std::uint8_t neutral;
};

void add_address(std::vector<MaskedField>& v, Address& a) {
    v.push_back({&a.ton, neutral_ton_npi});
    v.push_back({&a.npi, neutral_ton_npi});
}

template <class Body>
std::vector<MaskedField> masked_fields(Body& b) {
    std::vector<MaskedField> v;
    if constexpr (requires { b.interface_version; }) {
        v.push_back({&b.interface_version, neutral_interface_version});
        v.push_back({&b.addr_ton, neutral_ton_npi});
        v.push_back({&b.addr_npi, neutral_ton_npi});
    } else if constexpr (requires { b.dests; }) {
        add_address(v, b.source);
        for (auto& d : b.dests)
            if (d.dest_flag == MultiDest::sme_address) add_address(v, d.address);
    } else if constexpr (requires { b.unsuccess_smes; }) {
        for (auto& u : b.unsuccess_smes) add_address(v, u.address);
    } else if constexpr (requires { b.esme; }) {
        add_address(v, b.source);
        add_address(v, b.esme);
    } else if constexpr (requires { b.source; b.dest; }) {
        add_address(v, b.source);
        add_address(v, b.dest);
    } else if constexpr (requires { b.source; }) {
        add_address(v, b.source);
    }
    return v;
}

// Encode-side checks on a value, mirroring the decode table; the first
// failure wins. limit collects what libsmpp34 cannot pack.
struct ValueCheck {
    std::optional<command_status> error;
    std::optional<std::string> limit;
    LogBudget log;

    void str(const std::string& s, std::size_t cap, command_status status, std::size_t lib_cap = 0) {
        if (error) return;
        if (s.size() + 1 > cap || s.find('\0') != std::string::npos) {
            error = status;
            return;
        }
        log.string_octets += s.size();
        if (lib_cap != 0 && s.size() + 1 > lib_cap) note("string over libsmpp34's field size");
    }
    void sm(const std::string& s) {
        if (error) return;
        if (s.size() > limits::short_message) error = st::ESME_RINVMSGLEN;
        else if (s.size() == limits::short_message) note("254-octet short_message");
    }
    void tlvs(const TlvList& list, command_id id) {
        if (error) return;
        log.tlvs += list.size();
        for (const auto& t : list.items()) {
            auto fixed = fixed_length(static_cast<tlv_tag>(t.tag));
            auto max = max_length(static_cast<tlv_tag>(t.tag));
            if ((fixed && t.value.size() != *fixed) || (max && t.value.size() > *max) || t.value.size() > 0xFFFF) {
                error = st::ESME_RINVPARLEN;
                return;
            }
            if (!holds_tlvs(id)) note("TLVs on a response whose struct has no TLV list");
            if (t.value.size() > tlv_octet_capacity) note("TLV value over 1024 octets");
            if ((id == command_id::submit_sm || id == command_id::submit_multi) &&
                t.tag == static_cast<std::uint16_t>(tlv_tag::ussd_service_op) && t.value.size() > 1)
                note("ussd_service_op over 1 octet");
        }
    }
    void note(const char* what) {
        if (!limit) limit = std::string("libsmpp34 limit: ") + what;
    }
};

template <class Body>
void check_value(const Body& b, ValueCheck& c) {
    constexpr command_id id = Body::id;
    if constexpr (requires { b.interface_version; }) {
        c.str(b.system_id, limits::system_id, st::ESME_RINVSYSID);
        c.str(b.password, limits::password, st::ESME_RINVPASWD);
        c.str(b.system_type, limits::system_type, st::ESME_RINVSYSTYP);
        c.str(b.address_range, limits::address_range, st::ESME_RINVPARLEN);
    } else if constexpr (std::is_same_v<Body, Outbind>) {
        c.str(b.system_id, limits::system_id, st::ESME_RINVSYSID);
        c.str(b.password, limits::password, st::ESME_RINVPASWD);
    } else if constexpr (requires { b.system_id; }) {  // bind_*_resp
        c.str(b.system_id, limits::system_id, st::ESME_RINVSYSID);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, SubmitSm> || std::is_same_v<Body, DeliverSm>) {
        std::size_t time_lib_cap = id == command_id::deliver_sm ? 1 : 0;
        c.str(b.service_type, limits::service_type, st::ESME_RINVSERTYP);
        c.str(b.source.addr, limits::address, st::ESME_RINVSRCADR);
        c.str(b.dest.addr, limits::address, st::ESME_RINVDSTADR);
        c.str(b.schedule_delivery_time, limits::time, st::ESME_RINVSCHED, time_lib_cap);
        c.str(b.validity_period, limits::time, st::ESME_RINVEXPIRY, time_lib_cap);
        c.sm(b.short_message);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, SubmitSmResp>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, DeliverSmResp>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID, 1);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, SubmitMulti>) {
        c.str(b.service_type, limits::service_type, st::ESME_RINVSERTYP);
        c.str(b.source.addr, limits::address, st::ESME_RINVSRCADR);
        if (!c.error && (b.dests.empty() || b.dests.size() > limits::dests)) c.error = st::ESME_RINVNUMDESTS;
        c.log.dests = b.dests.size();
        for (const auto& d : b.dests) {
            if (c.error) break;
            if (d.dest_flag == MultiDest::sme_address)
                c.str(d.address.addr, limits::address, st::ESME_RINVDSTADR);
            else if (d.dest_flag == MultiDest::distribution_list)
                c.str(d.dl_name, limits::address, st::ESME_RINVDLNAME);
            else
                c.error = st::ESME_RINVDESTFLAG;
        }
        c.str(b.schedule_delivery_time, limits::time, st::ESME_RINVSCHED);
        c.str(b.validity_period, limits::time, st::ESME_RINVEXPIRY);
        c.sm(b.short_message);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, SubmitMultiResp>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        if (!c.error && b.unsuccess_smes.size() > 255) c.error = st::ESME_RINVNUMDESTS;
        c.log.unsuccess = b.unsuccess_smes.size();
        for (const auto& u : b.unsuccess_smes) c.str(u.address.addr, limits::address, st::ESME_RINVDSTADR);
    } else if constexpr (std::is_same_v<Body, DataSm>) {
        c.str(b.service_type, limits::service_type, st::ESME_RINVSERTYP);
        c.str(b.source.addr, limits::address_long, st::ESME_RINVSRCADR, limits::address);
        c.str(b.dest.addr, limits::address_long, st::ESME_RINVDSTADR);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, DataSmResp>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.tlvs(b.tlvs, id);
    } else if constexpr (std::is_same_v<Body, QuerySm>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.str(b.source.addr, limits::address, st::ESME_RINVSRCADR);
    } else if constexpr (std::is_same_v<Body, QuerySmResp>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.str(b.final_date, limits::time, st::ESME_RINVPARLEN);
    } else if constexpr (std::is_same_v<Body, CancelSm>) {
        c.str(b.service_type, limits::service_type, st::ESME_RINVSERTYP);
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.str(b.source.addr, limits::address, st::ESME_RINVSRCADR);
        c.str(b.dest.addr, limits::address, st::ESME_RINVDSTADR);
    } else if constexpr (std::is_same_v<Body, ReplaceSm>) {
        c.str(b.message_id, limits::message_id, st::ESME_RINVMSGID);
        c.str(b.source.addr, limits::address, st::ESME_RINVSRCADR);
        c.str(b.schedule_delivery_time, limits::time, st::ESME_RINVSCHED);
        c.str(b.validity_period, limits::time, st::ESME_RINVEXPIRY);
        c.sm(b.short_message);
    } else if constexpr (std::is_same_v<Body, AlertNotification>) {
        c.str(b.source.addr, limits::address_long, st::ESME_RINVSRCADR);
        c.str(b.esme.addr, limits::address_long, st::ESME_RINVDSTADR);
        c.tlvs(b.tlvs, id);
    }
}

DecodeError libsmpp34_failure(const char* what) {
    return DecodeError{st::ESME_RSYSERR, std::string("libsmpp34 limit: ") + what};
}

std::error_code system_error() { return make_error_code(st::ESME_RSYSERR); }

}  // namespace
}  // namespace smpp::protocol::libsmpp34_codec

// ---------------------------------------------------------------------------
// Part 2: libsmpp34 itself. From here on ESME_* are its macros, so this part
// never names a command_status value.
// ---------------------------------------------------------------------------
extern "C" {
#include <stdint.h>
// clang-format off
#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>
#include <smpp34_heap.h>
// clang-format on
}
#undef Reserved

namespace smpp::protocol::libsmpp34_codec {
namespace {

// libsmpp34 is not thread-safe: every pack/unpack rewrites the process
// globals smpp34_strerror / ptrerror, and smpp34_malloc sets a global flag.
// This one lock, held for the whole of each libsmpp34 interaction (list
// building, pack/unpack, list destruction), is the only global mutable state
// in the codec; TSan proves it in test/smpp/protocol/libsmpp34_codec.cpp.
// The mutex lives in a plain function, not in the template below: a
// function-local static in a template is one object per instantiation, i.e.
// one lock per call site, which TSan caught.
std::mutex& libsmpp34_mutex() {
    static std::mutex lock;
    return lock;
}

template <class F>
decltype(auto) with_libsmpp34(F&& f) {
    std::lock_guard guard(libsmpp34_mutex());
    return std::forward<F>(f)();
}

// Owns a libsmpp34 linked list (tlv_t, dad_t, udad_t) so it is freed on
// every path, errors included. Only constructed inside with_libsmpp34.
template <class T, int (*Destroy)(T*)>
class CList {
public:
    explicit CList(T*& head) : head_(head) {}
    CList(const CList&) = delete;
    CList& operator=(const CList&) = delete;
    ~CList() {
        Destroy(head_);
        head_ = nullptr;
    }
    // Appends a zeroed node at the tail (wire order for pack).
    T* append() {
        auto* node = static_cast<T*>(smpp34_malloc(sizeof(T)));
        if (!node) return nullptr;
        std::memset(node, 0, sizeof(T));
        T** slot = &head_;
        while (*slot) slot = &(*slot)->next;
        *slot = node;
        return node;
    }
    // Nodes in wire order: libsmpp34's unpack prepends, so reverse.
    std::vector<const T*> wire_order() const {
        std::vector<const T*> v;
        for (const T* p = head_; p; p = p->next) v.push_back(p);
        std::reverse(v.begin(), v.end());
        return v;
    }

private:
    T*& head_;
};

using TlvChain = CList<tlv_t, destroy_tlv>;
using DadChain = CList<dad_t, destroy_dad>;
using UdadChain = CList<udad_t, destroy_udad>;

// How libsmpp34's per-PDU .tlv tables read a tag's value: as an integer of
// this width (host order in val08/val16/val32), or 0 for raw octets.
int tlv_int_width(command_id id, std::uint16_t raw) {
    using enum tlv_tag;
    auto tag = static_cast<tlv_tag>(raw);
    auto in = [tag](std::initializer_list<tlv_tag> l) { return std::find(l.begin(), l.end(), tag) != l.end(); };
    bool integer = false;
    switch (id) {
        case command_id::bind_transmitter_resp:
        case command_id::bind_receiver_resp:
        case command_id::bind_transceiver_resp: integer = tag == sc_interface_version; break;
        case command_id::alert_notification: integer = tag == ms_availability_status; break;
        case command_id::submit_sm:
        case command_id::submit_multi:
            integer = in({user_message_reference, source_port, source_addr_subunit, destination_port,
                          dest_addr_subunit, sar_msg_ref_num, sar_total_segments, sar_segment_seqnum,
                          more_messages_to_send, payload_type, privacy_indicator, callback_num_pres_ind,
                          user_response_code, display_time, sms_signal, ms_validity, ms_msg_wait_facilities,
                          number_of_messages, language_indicator, its_reply_type, its_session_info});
            break;
        case command_id::deliver_sm:
            integer = in({user_message_reference, source_port, destination_port, sar_msg_ref_num,
                          sar_total_segments, sar_segment_seqnum, user_response_code, privacy_indicator,
                          payload_type, language_indicator, its_session_info, message_state, set_dpf,
                          source_network_type});
            break;
        case command_id::data_sm:
            integer = in({source_port, source_addr_subunit, source_network_type, source_bearer_type,
                          source_telematics_id, destination_port, dest_addr_subunit, dest_network_type,
                          dest_bearer_type, dest_telematics_id, sar_msg_ref_num, sar_total_segments,
                          sar_segment_seqnum, more_messages_to_send, qos_time_to_live, payload_type, set_dpf,
                          message_state, user_message_reference, privacy_indicator, callback_num_pres_ind,
                          user_response_code, display_time, sms_signal, ms_validity, ms_msg_wait_facilities,
                          number_of_messages, language_indicator, its_reply_type, its_session_info});
            break;
        default: break;
    }
    if (!integer) return 0;
    return static_cast<int>(fixed_length(tag).value_or(0));
}

bool put_tlvs(command_id id, const TlvList& list, TlvChain& chain) {
    for (const auto& t : list.items()) {
        tlv_t* node = chain.append();
        if (!node) return false;
        node->tag = t.tag;
        node->length = static_cast<std::uint16_t>(t.value.size());
        const auto* v = reinterpret_cast<const std::uint8_t*>(t.value.data());
        switch (tlv_int_width(id, t.tag)) {
            case 1: node->value.val08 = v[0]; break;
            case 2: node->value.val16 = be16(v); break;
            case 4: node->value.val32 = be32(v); break;
            default: std::memcpy(node->value.octet, v, std::min(t.value.size(), sizeof node->value.octet)); break;
        }
    }
    return true;
}

TlvList get_tlvs(command_id id, const TlvChain& chain) {
    TlvList out;
    for (const tlv_t* n : chain.wire_order()) {
        std::string v;
        switch (tlv_int_width(id, n->tag)) {
            case 1: v.push_back(static_cast<char>(n->value.val08)); break;
            case 2:
                v = {static_cast<char>(n->value.val16 >> 8), static_cast<char>(n->value.val16)};
                break;
            case 4:
                v = {static_cast<char>(n->value.val32 >> 24), static_cast<char>(n->value.val32 >> 16),
                     static_cast<char>(n->value.val32 >> 8), static_cast<char>(n->value.val32)};
                break;
            default:
                v.assign(reinterpret_cast<const char*>(n->value.octet),
                         std::min<std::size_t>(n->length, sizeof n->value.octet));
                break;
        }
        out.append(n->tag, std::move(v));
    }
    return out;
}

// C-octet fields: sizes were checked before, the min() only keeps a bug
// from turning into an overflow.
template <std::size_t N>
void put(std::uint8_t (&dst)[N], const std::string& s) {
    std::size_t n = std::min(s.size(), N - 1);
    std::memcpy(dst, s.data(), n);
    dst[n] = 0;
}
template <std::size_t N>
std::string get(const std::uint8_t (&src)[N]) {
    const auto* p = reinterpret_cast<const char*>(src);
    return std::string(p, strnlen(p, N));
}
template <std::size_t N>
void put_sm(std::uint8_t& len, std::uint8_t (&dst)[N], const std::string& s) {
    std::size_t n = std::min(s.size(), N);
    len = static_cast<std::uint8_t>(n);
    std::memcpy(dst, s.data(), n);
}
template <std::size_t N>
std::string get_sm(std::uint8_t len, const std::uint8_t (&src)[N]) {
    return std::string(reinterpret_cast<const char*>(src), std::min<std::size_t>(len, N));
}

// Our body type -> libsmpp34 struct type.
template <class Body> struct CStruct { using type = generic_nack_t; };  // header-only PDUs
template <> struct CStruct<BindTransmitter> { using type = bind_transmitter_t; };
template <> struct CStruct<BindReceiver> { using type = bind_receiver_t; };
template <> struct CStruct<BindTransceiver> { using type = bind_transceiver_t; };
template <> struct CStruct<BindTransmitterResp> { using type = bind_transmitter_resp_t; };
template <> struct CStruct<BindReceiverResp> { using type = bind_receiver_resp_t; };
template <> struct CStruct<BindTransceiverResp> { using type = bind_transceiver_resp_t; };
template <> struct CStruct<Outbind> { using type = outbind_t; };
template <> struct CStruct<SubmitSm> { using type = submit_sm_t; };
template <> struct CStruct<DeliverSm> { using type = deliver_sm_t; };
template <> struct CStruct<SubmitSmResp> { using type = submit_sm_resp_t; };
template <> struct CStruct<DeliverSmResp> { using type = deliver_sm_resp_t; };
template <> struct CStruct<SubmitMulti> { using type = submit_multi_t; };
template <> struct CStruct<SubmitMultiResp> { using type = submit_multi_resp_t; };
template <> struct CStruct<DataSm> { using type = data_sm_t; };
template <> struct CStruct<DataSmResp> { using type = data_sm_resp_t; };
template <> struct CStruct<QuerySm> { using type = query_sm_t; };
template <> struct CStruct<QuerySmResp> { using type = query_sm_resp_t; };
template <> struct CStruct<CancelSm> { using type = cancel_sm_t; };
template <> struct CStruct<ReplaceSm> { using type = replace_sm_t; };
template <> struct CStruct<AlertNotification> { using type = alert_notification_t; };

// The lists a struct owns while it is packed or after it was unpacked.
template <class C>
struct Lists {
    explicit Lists(C&) {}
};
template <class C>
    requires requires(C c) { c.tlv; }
struct Lists<C> {
    explicit Lists(C& c) : tlvs(c.tlv) {}
    TlvChain tlvs;
};
template <>
struct Lists<submit_multi_t> {
    explicit Lists(submit_multi_t& c) : dads(c.dest_addr_def), tlvs(c.tlv) {}
    DadChain dads;
    TlvChain tlvs;
};
template <>
struct Lists<submit_multi_resp_t> {
    explicit Lists(submit_multi_resp_t& c) : udads(c.unsuccess_smes) {}
    UdadChain udads;
};

// value -> struct (lists appended to `lists`); false on allocation failure.
template <class Body, class C>
bool to_c(const Body& b, C& c, Lists<C>& lists) {
    constexpr command_id id = Body::id;
    if constexpr (requires { b.interface_version; }) {
        put(c.system_id, b.system_id);
        put(c.password, b.password);
        put(c.system_type, b.system_type);
        c.interface_version = b.interface_version;
        c.addr_ton = b.addr_ton;
        c.addr_npi = b.addr_npi;
        put(c.address_range, b.address_range);
    } else if constexpr (std::is_same_v<Body, Outbind>) {
        put(c.system_id, b.system_id);
        put(c.password, b.password);
    } else if constexpr (requires { b.system_id; }) {
        put(c.system_id, b.system_id);
        return put_tlvs(id, b.tlvs, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitSm> || std::is_same_v<Body, DeliverSm>) {
        put(c.service_type, b.service_type);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        c.dest_addr_ton = b.dest.ton;
        c.dest_addr_npi = b.dest.npi;
        put(c.destination_addr, b.dest.addr);
        c.esm_class = b.esm_class;
        c.protocol_id = b.protocol_id;
        c.priority_flag = b.priority_flag;
        put(c.schedule_delivery_time, b.schedule_delivery_time);
        put(c.validity_period, b.validity_period);
        c.registered_delivery = b.registered_delivery;
        c.replace_if_present_flag = b.replace_if_present_flag;
        c.data_coding = b.data_coding;
        c.sm_default_msg_id = b.sm_default_msg_id;
        put_sm(c.sm_length, c.short_message, b.short_message);
        return put_tlvs(id, b.tlvs, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitSmResp> || std::is_same_v<Body, DeliverSmResp>) {
        put(c.message_id, b.message_id);  // TLVs: refused before (limit 5)
    } else if constexpr (std::is_same_v<Body, SubmitMulti>) {
        put(c.service_type, b.service_type);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        c.number_of_dests = static_cast<std::uint8_t>(b.dests.size());
        for (const auto& d : b.dests) {
            dad_t* node = lists.dads.append();
            if (!node) return false;
            node->dest_flag = d.dest_flag;
            if (d.dest_flag == MultiDest::sme_address) {
                node->value.sme.dest_addr_ton = d.address.ton;
                node->value.sme.dest_addr_npi = d.address.npi;
                put(node->value.sme.destination_addr, d.address.addr);
            } else {
                put(node->value.dl_name, d.dl_name);
            }
        }
        c.esm_class = b.esm_class;
        c.protocol_id = b.protocol_id;
        c.priority_flag = b.priority_flag;
        put(c.schedule_delivery_time, b.schedule_delivery_time);
        put(c.validity_period, b.validity_period);
        c.registered_delivery = b.registered_delivery;
        c.replace_if_present_flag = b.replace_if_present_flag;
        c.data_coding = b.data_coding;
        c.sm_default_msg_id = b.sm_default_msg_id;
        put_sm(c.sm_length, c.short_message, b.short_message);
        return put_tlvs(id, b.tlvs, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitMultiResp>) {
        put(c.message_id, b.message_id);
        c.no_unsuccess = static_cast<std::uint8_t>(b.unsuccess_smes.size());
        for (const auto& u : b.unsuccess_smes) {
            udad_t* node = lists.udads.append();
            if (!node) return false;
            node->dest_addr_ton = u.address.ton;
            node->dest_addr_npi = u.address.npi;
            put(node->destination_addr, u.address.addr);
            node->error_status_code = u.error_status_code;
        }
    } else if constexpr (std::is_same_v<Body, DataSm>) {
        put(c.service_type, b.service_type);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        c.dest_addr_ton = b.dest.ton;
        c.dest_addr_npi = b.dest.npi;
        put(c.destination_addr, b.dest.addr);
        c.esm_class = b.esm_class;
        c.registered_delivery = b.registered_delivery;
        c.data_coding = b.data_coding;
        return put_tlvs(id, b.tlvs, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, DataSmResp>) {
        put(c.message_id, b.message_id);  // TLVs: refused before (limit 5)
    } else if constexpr (std::is_same_v<Body, QuerySm>) {
        put(c.message_id, b.message_id);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
    } else if constexpr (std::is_same_v<Body, QuerySmResp>) {
        put(c.message_id, b.message_id);
        put(c.final_date, b.final_date);
        c.message_state = b.message_state;
        c.error_code = b.error_code;
    } else if constexpr (std::is_same_v<Body, CancelSm>) {
        put(c.service_type, b.service_type);
        put(c.message_id, b.message_id);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        c.dest_addr_ton = b.dest.ton;
        c.dest_addr_npi = b.dest.npi;
        put(c.destination_addr, b.dest.addr);
    } else if constexpr (std::is_same_v<Body, ReplaceSm>) {
        put(c.message_id, b.message_id);
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        put(c.schedule_delivery_time, b.schedule_delivery_time);
        put(c.validity_period, b.validity_period);
        c.registered_delivery = b.registered_delivery;
        c.sm_default_msg_id = b.sm_default_msg_id;
        put_sm(c.sm_length, c.short_message, b.short_message);
    } else if constexpr (std::is_same_v<Body, AlertNotification>) {
        c.source_addr_ton = b.source.ton;
        c.source_addr_npi = b.source.npi;
        put(c.source_addr, b.source.addr);
        c.esme_addr_ton = b.esme.ton;
        c.esme_addr_npi = b.esme.npi;
        put(c.esme_addr, b.esme.addr);
        return put_tlvs(id, b.tlvs, lists.tlvs);
    } else {
        (void)c;
    }
    (void)lists;
    return true;
}

// struct -> value.
template <class Body, class C>
void from_c(const C& c, const Lists<C>& lists, Body& b) {
    constexpr command_id id = Body::id;
    if constexpr (requires { b.interface_version; }) {
        b.system_id = get(c.system_id);
        b.password = get(c.password);
        b.system_type = get(c.system_type);
        b.interface_version = c.interface_version;
        b.addr_ton = c.addr_ton;
        b.addr_npi = c.addr_npi;
        b.address_range = get(c.address_range);
    } else if constexpr (std::is_same_v<Body, Outbind>) {
        b.system_id = get(c.system_id);
        b.password = get(c.password);
    } else if constexpr (requires { b.system_id; }) {
        b.system_id = get(c.system_id);
        b.tlvs = get_tlvs(id, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitSm> || std::is_same_v<Body, DeliverSm>) {
        b.service_type = get(c.service_type);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        b.dest = {c.dest_addr_ton, c.dest_addr_npi, get(c.destination_addr)};
        b.esm_class = c.esm_class;
        b.protocol_id = c.protocol_id;
        b.priority_flag = c.priority_flag;
        b.schedule_delivery_time = get(c.schedule_delivery_time);
        b.validity_period = get(c.validity_period);
        b.registered_delivery = c.registered_delivery;
        b.replace_if_present_flag = c.replace_if_present_flag;
        b.data_coding = c.data_coding;
        b.sm_default_msg_id = c.sm_default_msg_id;
        b.short_message = get_sm(c.sm_length, c.short_message);
        b.tlvs = get_tlvs(id, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitSmResp> || std::is_same_v<Body, DeliverSmResp> ||
                         std::is_same_v<Body, DataSmResp>) {
        b.message_id = get(c.message_id);
    } else if constexpr (std::is_same_v<Body, SubmitMulti>) {
        b.service_type = get(c.service_type);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        for (const dad_t* d : lists.dads.wire_order()) {
            MultiDest m;
            m.dest_flag = d->dest_flag;
            if (d->dest_flag == MultiDest::sme_address)
                m.address = {d->value.sme.dest_addr_ton, d->value.sme.dest_addr_npi,
                             get(d->value.sme.destination_addr)};
            else
                m.dl_name = get(d->value.dl_name);
            b.dests.push_back(std::move(m));
        }
        b.esm_class = c.esm_class;
        b.protocol_id = c.protocol_id;
        b.priority_flag = c.priority_flag;
        b.schedule_delivery_time = get(c.schedule_delivery_time);
        b.validity_period = get(c.validity_period);
        b.registered_delivery = c.registered_delivery;
        b.replace_if_present_flag = c.replace_if_present_flag;
        b.data_coding = c.data_coding;
        b.sm_default_msg_id = c.sm_default_msg_id;
        b.short_message = get_sm(c.sm_length, c.short_message);
        b.tlvs = get_tlvs(id, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, SubmitMultiResp>) {
        b.message_id = get(c.message_id);
        for (const udad_t* u : lists.udads.wire_order())
            b.unsuccess_smes.push_back(
                {{u->dest_addr_ton, u->dest_addr_npi, get(u->destination_addr)}, u->error_status_code});
    } else if constexpr (std::is_same_v<Body, DataSm>) {
        b.service_type = get(c.service_type);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        b.dest = {c.dest_addr_ton, c.dest_addr_npi, get(c.destination_addr)};
        b.esm_class = c.esm_class;
        b.registered_delivery = c.registered_delivery;
        b.data_coding = c.data_coding;
        b.tlvs = get_tlvs(id, lists.tlvs);
    } else if constexpr (std::is_same_v<Body, QuerySm>) {
        b.message_id = get(c.message_id);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
    } else if constexpr (std::is_same_v<Body, QuerySmResp>) {
        b.message_id = get(c.message_id);
        b.final_date = get(c.final_date);
        b.message_state = c.message_state;
        b.error_code = c.error_code;
    } else if constexpr (std::is_same_v<Body, CancelSm>) {
        b.service_type = get(c.service_type);
        b.message_id = get(c.message_id);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        b.dest = {c.dest_addr_ton, c.dest_addr_npi, get(c.destination_addr)};
    } else if constexpr (std::is_same_v<Body, ReplaceSm>) {
        b.message_id = get(c.message_id);
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        b.schedule_delivery_time = get(c.schedule_delivery_time);
        b.validity_period = get(c.validity_period);
        b.registered_delivery = c.registered_delivery;
        b.sm_default_msg_id = c.sm_default_msg_id;
        b.short_message = get_sm(c.sm_length, c.short_message);
    } else if constexpr (std::is_same_v<Body, AlertNotification>) {
        b.source = {c.source_addr_ton, c.source_addr_npi, get(c.source_addr)};
        b.esme = {c.esme_addr_ton, c.esme_addr_npi, get(c.esme_addr)};
        b.tlvs = get_tlvs(id, lists.tlvs);
    } else {
        (void)c;
        (void)lists;
        (void)b;
    }
}

// Octets of zero after the frame, so libsmpp34's strlen-first C-octet
// unpack always stops inside our buffer.
constexpr std::size_t nul_padding = 16;

constexpr std::size_t status_offset = 8;
constexpr std::size_t sequence_offset = 12;

void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

// Neutral header values libsmpp34 accepts (see the top of the file).
void neutralise_header(std::uint8_t* frame) {
    put_be32(frame + status_offset, 0);
    put_be32(frame + sequence_offset, 1);
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> frame) {
    std::vector<Mask> masks;
    if (auto err = scan_frame(frame, masks)) return *err;
    auto h = read_header(frame.first<header_size>());
    auto id = static_cast<command_id>(h.command_id);
    Pdu out{static_cast<command_status>(h.command_status), h.sequence_number, make_body(id)};
    if (frame.size() == header_size && is_response(id) && h.command_status != 0) return out;

    std::vector<std::uint8_t> copy(frame.begin(), frame.end());
    copy.resize(frame.size() + nul_padding, 0);
    neutralise_header(copy.data());
    for (const Mask& m : masks) copy[m.offset] = m.neutral;

    std::optional<DecodeError> failure;
    std::visit(
        [&](auto& body) {
            using Body = std::decay_t<decltype(body)>;
            using C = typename CStruct<Body>::type;
            C c;
            std::memset(&c, 0, sizeof c);
            with_libsmpp34([&] {
                Lists<C> lists(c);
                int rc = smpp34_unpack(h.command_id, &c, copy.data(), static_cast<int>(frame.size()));
                if (rc != 0)
                    failure = libsmpp34_failure(smpp34_strerror);
                else
                    from_c(c, lists, body);
            });
        },
        out.body);
    if (failure) return *failure;

    std::vector<MaskedField> fields = std::visit([](auto& b) { return masked_fields(b); }, out.body);
    if (fields.size() != masks.size()) return libsmpp34_failure("masked field count mismatch");
    for (std::size_t i = 0; i < masks.size(); ++i) *fields[i].field = frame[masks[i].offset];
    return out;
}

std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out) {
    ValueCheck check;
    std::visit([&](const auto& b) { check_value(b, check); }, pdu.body);
    if (!check.error && check.log.exceeded()) check.note(log_budget_limit);
    if (check.error) return make_error_code(*check.error);
    if (check.limit) return system_error();

    Pdu masked = pdu;
    std::vector<MaskedField> fields = std::visit([](auto& b) { return masked_fields(b); }, masked.body);
    std::vector<std::uint8_t> originals;
    for (auto& f : fields) {
        originals.push_back(*f.field);
        *f.field = f.neutral;
    }

    std::size_t bound = 2048;
    std::visit(
        [&](const auto& b) {
            if constexpr (requires { b.tlvs; }) bound += b.tlvs.encoded_size();
            if constexpr (requires { b.dests; }) bound += b.dests.size() * 32;
            if constexpr (requires { b.unsuccess_smes; }) bound += b.unsuccess_smes.size() * 32;
        },
        masked.body);
    std::vector<std::uint8_t> buf(bound, 0);
    int len = 0;
    bool packed = false;
    const auto raw_id = static_cast<std::uint32_t>(masked.id());
    std::visit(
        [&](const auto& body) {
            using Body = std::decay_t<decltype(body)>;
            using C = typename CStruct<Body>::type;
            C c;
            std::memset(&c, 0, sizeof c);
            c.command_id = raw_id;
            c.command_status = 0;
            c.sequence_number = 1;
            with_libsmpp34([&] {
                Lists<C> lists(c);
                if (!to_c(body, c, lists)) return;
                packed = smpp34_pack(raw_id, buf.data(), static_cast<int>(buf.size()), &len, &c) == 0;
            });
        },
        masked.body);
    if (!packed || len < static_cast<int>(header_size)) return system_error();
    buf.resize(static_cast<std::size_t>(len));

    // Our scanner finds where the neutral octets landed; it also proves the
    // packed frame is one decode accepts.
    std::vector<Mask> masks;
    if (scan_frame(buf, masks) || masks.size() != originals.size()) return system_error();
    for (std::size_t i = 0; i < masks.size(); ++i) buf[masks[i].offset] = originals[i];
    put_be32(buf.data() + status_offset, static_cast<std::uint32_t>(pdu.status));
    put_be32(buf.data() + sequence_offset, pdu.sequence_number);
    out.insert(out.end(), buf.begin(), buf.end());
    return {};
}

}  // namespace smpp::protocol::libsmpp34_codec
