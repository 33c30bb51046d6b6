// The hot-path codec. Decoding reads straight from the frame into the value
// types: each string is assigned once from the frame bytes (short fields fit
// the small-string buffer, so a typical submit_sm allocates only for its
// short_message), and the TLV area is scanned once to validate and count
// before the list is filled. Encoding computes the frame length first, grows
// the output once and writes in place. The strictness rules are the ones
// documented in codec.hpp; libsmpp34_codec is the reference and the
// differential test and fuzzer hold the two to the same answers.
#include "smpp/protocol/fast_codec.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "smpp/protocol/framing.hpp"

namespace smpp::protocol::fast_codec {
namespace {

using octet = std::uint8_t;

std::uint32_t get_be32(const octet* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

std::uint16_t get_be16(const octet* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

constexpr bool is_hot(command_id id) noexcept {
    switch (id) {
        case command_id::submit_sm:
        case command_id::submit_sm_resp:
        case command_id::deliver_sm:
        case command_id::deliver_sm_resp:
        case command_id::data_sm:
        case command_id::data_sm_resp:
        case command_id::enquire_link:
        case command_id::enquire_link_resp:
        case command_id::generic_nack:
        // Not hot, but libsmpp34 cannot hold their larger forms (its field
        // log overflows past a few destinations or a score of TLVs).
        case command_id::submit_multi:
        case command_id::submit_multi_resp:
        case command_id::bind_transmitter_resp:
        case command_id::bind_receiver_resp:
        case command_id::bind_transceiver_resp:
            return true;
        default:
            return false;
    }
}

// ---------------------------------------------------------------- decoding

// Walks one frame body. Every read either consumes its field or records why
// not in error and returns false, so a PDU reader is a chain of &&.
class BodyReader {
public:
    BodyReader(const octet* p, const octet* end) noexcept : p_(p), end_(end) {}

    std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }

    bool u8(std::uint8_t& v, std::string_view field) {
        if (p_ == end_) return truncated(field);
        v = *p_++;
        return true;
    }

    bool u32(std::uint32_t& v, std::string_view field) {
        if (left() < 4) return truncated(field);
        v = get_be32(p_);
        p_ += 4;
        return true;
    }

    // A C-octet string of at most capacity octets including its NUL.
    bool cstring(std::string& s, std::size_t capacity, command_status too_long, std::string_view field) {
        // A plain loop: these fields are a handful of octets, shorter than
        // the set-up of a memchr call.
        const octet* const stop = p_ + std::min(capacity, left());
        const octet* nul = p_;
        while (nul != stop && *nul != 0) ++nul;
        if (nul == stop) {
            if (left() < capacity) return truncated(field);
            return fail(too_long, std::string(field) + ": no NUL within " + std::to_string(capacity) + " octets");
        }
        const auto n = static_cast<std::size_t>(nul - p_);
        // The target is a freshly emplaced, empty body member; many fields
        // (service_type, the time fields) stay empty on the wire too.
        if (n) s.assign(reinterpret_cast<const char*>(p_), n);
        p_ += n + 1;
        return true;
    }

    bool address(Address& a, std::size_t capacity, command_status too_long, std::string_view prefix) {
        // Field names only matter on the error path; build them there.
        return u8(a.ton, prefix) && u8(a.npi, prefix) && cstring(a.addr, capacity, too_long, prefix);
    }

    bool short_message(std::string& s) {
        std::uint8_t sm_length = 0;
        if (!u8(sm_length, "sm_length")) return false;
        if (sm_length > limits::short_message)
            return fail(command_status::ESME_RINVMSGLEN, "sm_length " + std::to_string(sm_length) + " > 254");
        if (sm_length > left())
            return fail(command_status::ESME_RINVMSGLEN, "sm_length " + std::to_string(sm_length) +
                                                             " runs past the body (" + std::to_string(left()) +
                                                             " octets left)");
        s.assign(reinterpret_cast<const char*>(p_), sm_length);
        p_ += sm_length;
        return true;
    }

    // The rest of the body as TLVs, kept raw in wire order.
    bool tlvs(TlvList& list) {
        std::size_t count = 0;
        for (const octet* q = p_; q != end_; ++count) {
            const auto rest = static_cast<std::size_t>(end_ - q);
            if (rest < 4)
                return fail(command_status::ESME_RINVOPTPARSTREAM,
                            std::to_string(rest) + " octets left, too few for a TLV header");
            const std::uint16_t tag = get_be16(q);
            const std::uint16_t length = get_be16(q + 2);
            if (length > rest - 4)
                return fail(command_status::ESME_RINVOPTPARSTREAM, "TLV " + hex(tag) + " length " +
                                                                       std::to_string(length) +
                                                                       " runs past the body");
            if (!standard_length_ok(tag, length))
                return fail(command_status::ESME_RINVPARLEN,
                            "TLV " + hex(tag) + " has invalid length " + std::to_string(length));
            q += 4 + length;
        }
        if (count == 0) return true;
        list.reserve(count);
        while (p_ != end_) {
            const std::uint16_t tag = get_be16(p_);
            const std::uint16_t length = get_be16(p_ + 2);
            list.append(tag, std::string(reinterpret_cast<const char*>(p_ + 4), length));
            p_ += 4 + length;
        }
        return true;
    }

    // PDUs without TLVs end with their last mandatory field.
    bool finish() {
        if (p_ == end_) return true;
        return fail(command_status::ESME_RINVCMDLEN,
                    std::to_string(left()) + " octets after the last mandatory field");
    }

    static bool standard_length_ok(std::uint16_t raw_tag, std::size_t length) noexcept {
        const auto tag = static_cast<tlv_tag>(raw_tag);
        if (auto fixed = fixed_length(tag)) return length == *fixed;
        if (auto max = max_length(tag)) return length <= *max;
        return true;
    }

    bool fail(command_status s, std::string detail) {
        error.status = s;
        error.detail = std::move(detail);
        return false;
    }

    DecodeError error;

private:
    static std::string hex(std::uint16_t tag) {
        static constexpr char digits[] = "0123456789ABCDEF";
        std::string s = "0x0000";
        for (int i = 0; i < 4; ++i) s[5 - i] = digits[(tag >> (4 * i)) & 0xF];
        return s;
    }

    bool truncated(std::string_view field) {
        return fail(command_status::ESME_RINVCMDLEN, std::string(field) + ": body ends inside the field");
    }

    const octet* p_;
    const octet* end_;
};

template <command_id Id>
bool read_body(BodyReader& r, ShortMessage<Id>& m) {
    return r.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP, "service_type") &&
           r.address(m.source, limits::address, command_status::ESME_RINVSRCADR, "source_addr") &&
           r.address(m.dest, limits::address, command_status::ESME_RINVDSTADR, "destination_addr") &&
           r.u8(m.esm_class, "esm_class") && r.u8(m.protocol_id, "protocol_id") &&
           r.u8(m.priority_flag, "priority_flag") &&
           r.cstring(m.schedule_delivery_time, limits::time, command_status::ESME_RINVSCHED,
                     "schedule_delivery_time") &&
           r.cstring(m.validity_period, limits::time, command_status::ESME_RINVEXPIRY, "validity_period") &&
           r.u8(m.registered_delivery, "registered_delivery") &&
           r.u8(m.replace_if_present_flag, "replace_if_present_flag") && r.u8(m.data_coding, "data_coding") &&
           r.u8(m.sm_default_msg_id, "sm_default_msg_id") && r.short_message(m.short_message) && r.tlvs(m.tlvs);
}

template <command_id Id>
bool read_body(BodyReader& r, MessageIdResp<Id>& m) {
    return r.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID, "message_id") &&
           r.tlvs(m.tlvs);
}

bool read_body(BodyReader& r, DataSm& m) {
    return r.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP, "service_type") &&
           r.address(m.source, limits::address_long, command_status::ESME_RINVSRCADR, "source_addr") &&
           r.address(m.dest, limits::address_long, command_status::ESME_RINVDSTADR, "destination_addr") &&
           r.u8(m.esm_class, "esm_class") && r.u8(m.registered_delivery, "registered_delivery") &&
           r.u8(m.data_coding, "data_coding") && r.tlvs(m.tlvs);
}

bool read_body(BodyReader& r, DataSmResp& m) {
    return r.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID, "message_id") &&
           r.tlvs(m.tlvs);
}

template <command_id Id>
bool read_body(BodyReader& r, BindResp<Id>& m) {
    return r.cstring(m.system_id, limits::system_id, command_status::ESME_RINVSYSID, "system_id") && r.tlvs(m.tlvs);
}

bool read_dests(BodyReader& r, std::vector<MultiDest>& dests) {
    std::uint8_t n = 0;
    if (!r.u8(n, "number_of_dests")) return false;
    if (n == 0 || n > limits::dests) return r.fail(command_status::ESME_RINVNUMDESTS, "number_of_dests " + std::to_string(n));
    dests.resize(n);
    for (MultiDest& d : dests) {
        if (!r.u8(d.dest_flag, "dest_flag")) return false;
        if (d.dest_flag == MultiDest::sme_address) {
            if (!r.address(d.address, limits::address, command_status::ESME_RINVDSTADR, "destination_addr"))
                return false;
        } else if (d.dest_flag == MultiDest::distribution_list) {
            if (!r.cstring(d.dl_name, limits::address, command_status::ESME_RINVDLNAME, "dl_name")) return false;
        } else {
            return r.fail(command_status::ESME_RINVDESTFLAG, "dest_flag " + std::to_string(d.dest_flag));
        }
    }
    return true;
}

bool read_body(BodyReader& r, SubmitMulti& m) {
    return r.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP, "service_type") &&
           r.address(m.source, limits::address, command_status::ESME_RINVSRCADR, "source_addr") &&
           read_dests(r, m.dests) && r.u8(m.esm_class, "esm_class") && r.u8(m.protocol_id, "protocol_id") &&
           r.u8(m.priority_flag, "priority_flag") &&
           r.cstring(m.schedule_delivery_time, limits::time, command_status::ESME_RINVSCHED,
                     "schedule_delivery_time") &&
           r.cstring(m.validity_period, limits::time, command_status::ESME_RINVEXPIRY, "validity_period") &&
           r.u8(m.registered_delivery, "registered_delivery") &&
           r.u8(m.replace_if_present_flag, "replace_if_present_flag") && r.u8(m.data_coding, "data_coding") &&
           r.u8(m.sm_default_msg_id, "sm_default_msg_id") && r.short_message(m.short_message) && r.tlvs(m.tlvs);
}

bool read_body(BodyReader& r, SubmitMultiResp& m) {
    if (!r.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID, "message_id")) return false;
    std::uint8_t n = 0;
    if (!r.u8(n, "no_unsuccess")) return false;
    m.unsuccess_smes.resize(n);
    for (UnsuccessSme& u : m.unsuccess_smes)
        if (!r.address(u.address, limits::address, command_status::ESME_RINVDSTADR, "destination_addr") ||
            !r.u32(u.error_status_code, "error_status_code"))
            return false;
    return r.finish();
}

template <command_id Id>
bool read_body(BodyReader& r, HeaderOnly<Id>&) {
    return r.finish();
}

template <class Body>
bool read_into(BodyReader& r, Pdu& pdu) {
    Body& body = pdu.body.emplace<Body>();
    // A refusal may come back as a bare header (section 3.3: the body of a
    // response with an error status need not be sent).
    if (r.left() == 0 && pdu.status != command_status::ESME_ROK && is_response(Body::id)) return true;
    return read_body(r, body);
}

// ---------------------------------------------------------------- encoding

// Writes into space already reserved by the caller; lengths were checked.
class BodyWriter {
public:
    explicit BodyWriter(octet* p) noexcept : p_(p) {}

    void u8(std::uint8_t v) noexcept { *p_++ = v; }
    void be16(std::uint16_t v) noexcept {
        p_[0] = static_cast<octet>(v >> 8);
        p_[1] = static_cast<octet>(v);
        p_ += 2;
    }
    void be32(std::uint32_t v) noexcept {
        p_[0] = static_cast<octet>(v >> 24);
        p_[1] = static_cast<octet>(v >> 16);
        p_[2] = static_cast<octet>(v >> 8);
        p_[3] = static_cast<octet>(v);
        p_ += 4;
    }
    void raw(std::string_view s) noexcept {
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
    }
    void cstring(std::string_view s) noexcept {
        raw(s);
        *p_++ = 0;
    }
    void address(const Address& a) noexcept {
        u8(a.ton);
        u8(a.npi);
        cstring(a.addr);
    }
    void tlvs(const TlvList& list) noexcept {
        for (const Tlv& t : list.items()) {
            be16(t.tag);
            be16(static_cast<std::uint16_t>(t.value.size()));
            raw(t.value);
        }
    }

private:
    octet* p_;
};

// Sums the octets of a body while checking each field fits, so that nothing
// is appended to the output unless the whole PDU can be written.
class BodySizer {
public:
    void u8s(std::size_t n) noexcept { size_ += n; }

    void cstring(const std::string& s, std::size_t capacity, command_status too_long) noexcept {
        // A NUL inside would end the field early on the wire: the peer
        // would read a different PDU than the one we were given.
        if (s.size() >= capacity || std::memchr(s.data(), 0, s.size())) refuse(too_long);
        size_ += s.size() + 1;
    }
    void address(const Address& a, std::size_t capacity, command_status too_long) noexcept {
        size_ += 2;
        cstring(a.addr, capacity, too_long);
    }
    void short_message(const std::string& s) noexcept {
        if (s.size() > limits::short_message) refuse(command_status::ESME_RINVMSGLEN);
        size_ += 1 + s.size();
    }
    void tlvs(const TlvList& list) noexcept {
        for (const Tlv& t : list.items()) {
            if (t.value.size() > 0xFFFF || !BodyReader::standard_length_ok(t.tag, t.value.size()))
                refuse(command_status::ESME_RINVPARLEN);
            size_ += 4 + t.value.size();
        }
    }

    std::size_t size() const noexcept { return size_; }
    std::error_code error() const noexcept {
        return status_ == command_status::ESME_ROK ? std::error_code{} : make_error_code(status_);
    }

    // The first refusal wins, in wire order.
    void refuse(command_status s) noexcept {
        if (status_ == command_status::ESME_ROK) status_ = s;
    }

private:
    std::size_t size_ = 0;
    command_status status_ = command_status::ESME_ROK;
};

// Each body type is described once and walked twice: by the sizer, then by
// the writer.
template <command_id Id>
void size_body(BodySizer& s, const ShortMessage<Id>& m) {
    s.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP);
    s.address(m.source, limits::address, command_status::ESME_RINVSRCADR);
    s.address(m.dest, limits::address, command_status::ESME_RINVDSTADR);
    s.u8s(3);
    s.cstring(m.schedule_delivery_time, limits::time, command_status::ESME_RINVSCHED);
    s.cstring(m.validity_period, limits::time, command_status::ESME_RINVEXPIRY);
    s.u8s(4);
    s.short_message(m.short_message);
    s.tlvs(m.tlvs);
}

template <command_id Id>
void write_body(BodyWriter& w, const ShortMessage<Id>& m) noexcept {
    w.cstring(m.service_type);
    w.address(m.source);
    w.address(m.dest);
    w.u8(m.esm_class);
    w.u8(m.protocol_id);
    w.u8(m.priority_flag);
    w.cstring(m.schedule_delivery_time);
    w.cstring(m.validity_period);
    w.u8(m.registered_delivery);
    w.u8(m.replace_if_present_flag);
    w.u8(m.data_coding);
    w.u8(m.sm_default_msg_id);
    w.u8(static_cast<std::uint8_t>(m.short_message.size()));
    w.raw(m.short_message);
    w.tlvs(m.tlvs);
}

template <command_id Id>
void size_body(BodySizer& s, const MessageIdResp<Id>& m) {
    s.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID);
    s.tlvs(m.tlvs);
}

template <command_id Id>
void write_body(BodyWriter& w, const MessageIdResp<Id>& m) noexcept {
    w.cstring(m.message_id);
    w.tlvs(m.tlvs);
}

void size_body(BodySizer& s, const DataSm& m) {
    s.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP);
    s.address(m.source, limits::address_long, command_status::ESME_RINVSRCADR);
    s.address(m.dest, limits::address_long, command_status::ESME_RINVDSTADR);
    s.u8s(3);
    s.tlvs(m.tlvs);
}

void write_body(BodyWriter& w, const DataSm& m) noexcept {
    w.cstring(m.service_type);
    w.address(m.source);
    w.address(m.dest);
    w.u8(m.esm_class);
    w.u8(m.registered_delivery);
    w.u8(m.data_coding);
    w.tlvs(m.tlvs);
}

void size_body(BodySizer& s, const DataSmResp& m) {
    s.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID);
    s.tlvs(m.tlvs);
}

void write_body(BodyWriter& w, const DataSmResp& m) noexcept {
    w.cstring(m.message_id);
    w.tlvs(m.tlvs);
}

template <command_id Id>
void size_body(BodySizer& s, const BindResp<Id>& m) {
    s.cstring(m.system_id, limits::system_id, command_status::ESME_RINVSYSID);
    s.tlvs(m.tlvs);
}

template <command_id Id>
void write_body(BodyWriter& w, const BindResp<Id>& m) noexcept {
    w.cstring(m.system_id);
    w.tlvs(m.tlvs);
}

void size_body(BodySizer& s, const SubmitMulti& m) {
    s.cstring(m.service_type, limits::service_type, command_status::ESME_RINVSERTYP);
    s.address(m.source, limits::address, command_status::ESME_RINVSRCADR);
    if (m.dests.empty() || m.dests.size() > limits::dests) s.refuse(command_status::ESME_RINVNUMDESTS);
    s.u8s(1);
    for (const MultiDest& d : m.dests) {
        s.u8s(1);
        if (d.dest_flag == MultiDest::sme_address)
            s.address(d.address, limits::address, command_status::ESME_RINVDSTADR);
        else if (d.dest_flag == MultiDest::distribution_list)
            s.cstring(d.dl_name, limits::address, command_status::ESME_RINVDLNAME);
        else
            s.refuse(command_status::ESME_RINVDESTFLAG);
    }
    s.u8s(3);
    s.cstring(m.schedule_delivery_time, limits::time, command_status::ESME_RINVSCHED);
    s.cstring(m.validity_period, limits::time, command_status::ESME_RINVEXPIRY);
    s.u8s(4);
    s.short_message(m.short_message);
    s.tlvs(m.tlvs);
}

void write_body(BodyWriter& w, const SubmitMulti& m) noexcept {
    w.cstring(m.service_type);
    w.address(m.source);
    w.u8(static_cast<std::uint8_t>(m.dests.size()));
    for (const MultiDest& d : m.dests) {
        w.u8(d.dest_flag);
        if (d.dest_flag == MultiDest::sme_address)
            w.address(d.address);
        else
            w.cstring(d.dl_name);
    }
    w.u8(m.esm_class);
    w.u8(m.protocol_id);
    w.u8(m.priority_flag);
    w.cstring(m.schedule_delivery_time);
    w.cstring(m.validity_period);
    w.u8(m.registered_delivery);
    w.u8(m.replace_if_present_flag);
    w.u8(m.data_coding);
    w.u8(m.sm_default_msg_id);
    w.u8(static_cast<std::uint8_t>(m.short_message.size()));
    w.raw(m.short_message);
    w.tlvs(m.tlvs);
}

void size_body(BodySizer& s, const SubmitMultiResp& m) {
    s.cstring(m.message_id, limits::message_id, command_status::ESME_RINVMSGID);
    // no_unsuccess is one octet.
    if (m.unsuccess_smes.size() > 255) s.refuse(command_status::ESME_RINVNUMDESTS);
    s.u8s(1);
    for (const UnsuccessSme& u : m.unsuccess_smes) {
        s.address(u.address, limits::address, command_status::ESME_RINVDSTADR);
        s.u8s(4);
    }
}

void write_body(BodyWriter& w, const SubmitMultiResp& m) noexcept {
    w.cstring(m.message_id);
    w.u8(static_cast<std::uint8_t>(m.unsuccess_smes.size()));
    for (const UnsuccessSme& u : m.unsuccess_smes) {
        w.address(u.address);
        w.be32(u.error_status_code);
    }
}

template <command_id Id>
void size_body(BodySizer&, const HeaderOnly<Id>&) {}

template <command_id Id>
void write_body(BodyWriter&, const HeaderOnly<Id>&) noexcept {}

template <class Body>
std::error_code encode_body(const Pdu& pdu, const Body& body, std::vector<std::uint8_t>& out) {
    if constexpr (!is_hot(Body::id)) {
        return make_error_code(command_status::ESME_RINVCMDID);
    } else {
        BodySizer sizer;
        size_body(sizer, body);
        if (auto ec = sizer.error()) return ec;
        const std::size_t length = header_size + sizer.size();
        if (length > 0xFFFFFFFFu) return make_error_code(command_status::ESME_RINVCMDLEN);

        const std::size_t base = out.size();
        out.resize(base + length);
        BodyWriter w(out.data() + base);
        w.be32(static_cast<std::uint32_t>(length));
        w.be32(static_cast<std::uint32_t>(Body::id));
        w.be32(static_cast<std::uint32_t>(pdu.status));
        w.be32(pdu.sequence_number);
        write_body(w, body);
        return {};
    }
}

}  // namespace

bool handles(command_id id) noexcept { return is_hot(id); }

namespace {

bool decode_into(std::span<const std::uint8_t> frame, Pdu& pdu, DecodeError& error) {
    if (frame.size() < header_size) {
        error = {command_status::ESME_RINVCMDLEN, "frame shorter than the 16-octet header"};
        return false;
    }
    if (get_be32(frame.data()) != frame.size()) {
        error = {command_status::ESME_RINVCMDLEN, "command_length does not match the frame size"};
        return false;
    }
    pdu.status = static_cast<command_status>(get_be32(frame.data() + 8));
    pdu.sequence_number = get_be32(frame.data() + 12);

    BodyReader r(frame.data() + header_size, frame.data() + frame.size());
    bool done = false;
    switch (static_cast<command_id>(get_be32(frame.data() + 4))) {
        case command_id::submit_sm: done = read_into<SubmitSm>(r, pdu); break;
        case command_id::submit_sm_resp: done = read_into<SubmitSmResp>(r, pdu); break;
        case command_id::deliver_sm: done = read_into<DeliverSm>(r, pdu); break;
        case command_id::deliver_sm_resp: done = read_into<DeliverSmResp>(r, pdu); break;
        case command_id::data_sm: done = read_into<DataSm>(r, pdu); break;
        case command_id::data_sm_resp: done = read_into<DataSmResp>(r, pdu); break;
        case command_id::enquire_link: done = read_into<EnquireLink>(r, pdu); break;
        case command_id::enquire_link_resp: done = read_into<EnquireLinkResp>(r, pdu); break;
        case command_id::generic_nack: done = read_into<GenericNack>(r, pdu); break;
        case command_id::submit_multi: done = read_into<SubmitMulti>(r, pdu); break;
        case command_id::submit_multi_resp: done = read_into<SubmitMultiResp>(r, pdu); break;
        case command_id::bind_transmitter_resp: done = read_into<BindTransmitterResp>(r, pdu); break;
        case command_id::bind_receiver_resp: done = read_into<BindReceiverResp>(r, pdu); break;
        case command_id::bind_transceiver_resp: done = read_into<BindTransceiverResp>(r, pdu); break;
        default:
            r.error = {command_status::ESME_RINVCMDID, "command_id not handled by the fast codec"};
            break;
    }
    if (!done) error = std::move(r.error);
    return done;
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> frame) {
    // One named result and a single return (NRVO): the decoded body is
    // never moved. It starts from Pdu{...} (aggregate initialisation, then a
    // move of a bodiless Pdu) rather than in_place Pdu(), which is value
    // initialisation and zero-fills all 264 octets first.
    DecodeResult out{Pdu{command_status::ESME_ROK, 0, GenericNack{}}};
    DecodeError error;
    if (!decode_into(frame, *std::get_if<Pdu>(&out), error)) out = std::move(error);
    return out;
}

std::error_code encode(const Pdu& pdu, std::vector<std::uint8_t>& out) {
    return std::visit([&](const auto& body) { return encode_body(pdu, body, out); }, pdu.body);
}

}  // namespace smpp::protocol::fast_codec
