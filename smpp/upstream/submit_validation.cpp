#include "smpp/upstream/submit_validation.hpp"

#include <string_view>

#include "smpp/protocol/segments.hpp"
#include "smpp/protocol/smpp_time.hpp"
#include "smpp/protocol/tlv.hpp"

namespace smpp::upstream {

using protocol::command_status;
using std::chrono::system_clock;

namespace {

// esm_class bits 2-5 of a submit_sm: default, ESME delivery ack, manual/user ack.
constexpr std::uint8_t esm_type_default = 0x00;
constexpr std::uint8_t esm_type_delivery_ack = 0x08;
constexpr std::uint8_t esm_type_user_ack = 0x10;
constexpr std::uint8_t max_priority = 3;
constexpr std::size_t max_segments = 255;
constexpr std::size_t sar_udh_octets = 6;  // what the SMSC adds to a sar_* part

command_status address_status(number_errc e, address_role role) noexcept {
    const bool src = role == address_role::source;
    switch (e) {
    case number_errc::bad_ton: return src ? command_status::ESME_RINVSRCTON : command_status::ESME_RINVDSTTON;
    case number_errc::bad_npi: return src ? command_status::ESME_RINVSRCNPI : command_status::ESME_RINVDSTNPI;
    default: break;
    }
    return src ? command_status::ESME_RINVSRCADR : command_status::ESME_RINVDSTADR;
}

std::variant<NormalisedAddress, command_status> address(const protocol::Address& a, address_role role,
                                                        const SubmitPolicy& p, const NumberNormaliser& numbers) {
    auto r = numbers.normalise(a.ton, a.npi, a.addr, role, p.numbers);
    if (auto* e = std::get_if<NumberError>(&r)) return address_status(e->code, role);
    return std::move(std::get<NormalisedAddress>(r));
}

// Units (septets, UTF-16 units, octets) of a payload and what one part with
// a UDH of udh_octets holds. A payload outside its coding's alphabet counts
// as octets, as the forward path bills it.
bool fits_one_part(std::uint8_t data_coding, std::string_view payload, std::size_t udh_octets) {
    // A UDH alone longer than one SMS's 140 octets: no text makes it fit.
    if (udh_octets > 140) return false;
    auto s = protocol::split(data_coding, payload, udh_octets);
    if (auto* seg = std::get_if<protocol::Segments>(&s))
        return seg->units <= protocol::segment_limits(seg->encoding, udh_octets).per_part;
    return payload.size() <= protocol::segment_limits(protocol::sm_encoding::octets, udh_octets).per_part;
}

std::size_t segments_of(std::uint8_t data_coding, std::string_view payload) {
    auto n = protocol::segment_count(data_coding, payload);
    if (auto* count = std::get_if<std::size_t>(&n)) return *count;
    return std::get<protocol::Segments>(protocol::split(protocol::sm_encoding::octets, payload)).count();
}

// The message fields submit_sm and submit_multi share.
template <class Pdu>
std::optional<command_status> check_message(const Pdu& sm, const SubmitPolicy& p, system_clock::time_point now,
                                            ValidSubmit& out) {
    const std::uint8_t type = sm.esm_class & protocol::esm_class::message_type_mask;
    if (type != esm_type_default && type != esm_type_delivery_ack && type != esm_type_user_ack)
        return command_status::ESME_RINVESMCLASS;

    const auto payload_tlv = sm.tlvs.message_payload();
    const bool has_payload_tlv = sm.tlvs.has(protocol::tlv_tag::message_payload);
    const std::string_view payload = payload_tlv ? *payload_tlv : std::string_view(sm.short_message);

    std::optional<protocol::UserDataHeader> udh;
    if (sm.esm_class & protocol::esm_class::udhi) {
        auto h = protocol::parse_udh(payload);
        if (std::holds_alternative<protocol::ConcatError>(h)) return command_status::ESME_RINVESMCLASS;
        udh = std::get<protocol::UserDataHeader>(h);
    }
    if (sm.priority_flag > max_priority) return command_status::ESME_RINVPRTFLG;

    if (!sm.schedule_delivery_time.empty()) {
        auto t = protocol::parse_smpp_time(sm.schedule_delivery_time, now);
        if (std::holds_alternative<protocol::TimeError>(t)) return command_status::ESME_RINVSCHED;
        const auto at = std::get<system_clock::time_point>(t);
        if (at < now - p.schedule_past_tolerance || at > now + p.max_schedule_ahead)
            return command_status::ESME_RINVSCHED;
        if (at > now) out.deliver_at = at;
    }
    if (!sm.validity_period.empty()) {
        auto t = protocol::parse_smpp_time(sm.validity_period, now);
        if (std::holds_alternative<protocol::TimeError>(t)) return command_status::ESME_RINVEXPIRY;
        const auto at = std::get<system_clock::time_point>(t);
        if (at <= now || (out.deliver_at && at <= *out.deliver_at)) return command_status::ESME_RINVEXPIRY;
        out.expires_at = at;
    }
    // Bits 0-1: receipt 0..2 (3 reserved); 2-3 SME acks; 4 intermediate; 5-7 reserved.
    if ((sm.registered_delivery & 0xE0) != 0 || (sm.registered_delivery & 0x03) == 0x03)
        return command_status::ESME_RINVREGDLVFLG;
    if (reserved_data_coding(sm.data_coding)) return command_status::ESME_RSUBMITFAIL;

    // SMPP 3.4 5.3.2.32: with message_payload, sm_length must be 0.
    if (has_payload_tlv && !sm.short_message.empty()) return command_status::ESME_RINVMSGLEN;
    // A UDH with a concatenation element decides; one without (a port
    // element only, say) leaves the concatenation to sar_*, and the SMSC
    // adds its element to the UDH the part already has.
    if (udh && udh->concatenation) {
        if (!fits_one_part(sm.data_coding, udh->payload, udh->udh.size())) return command_status::ESME_RINVMSGLEN;
        out.concatenation = udh->concatenation;
        out.segments = 1;
        return std::nullopt;
    }
    auto sar = protocol::concatenation_from_sar(sm.tlvs);
    if (auto* e = std::get_if<protocol::ConcatError>(&sar))
        return e->code == protocol::concat_errc::incomplete_sar ? command_status::ESME_RMISSINGOPTPARAM
                                                                : command_status::ESME_RINVOPTPARAMVAL;
    out.concatenation = std::get<std::optional<protocol::Concatenation>>(sar);
    const std::string_view text = udh ? std::string_view(udh->payload) : payload;
    const std::size_t header = udh ? udh->udh.size() : 0;
    if (out.concatenation) {
        if (!fits_one_part(sm.data_coding, text, header + sar_udh_octets)) return command_status::ESME_RINVMSGLEN;
        out.segments = 1;
        return std::nullopt;
    }
    if (udh) {
        if (!fits_one_part(sm.data_coding, text, header)) return command_status::ESME_RINVMSGLEN;
        out.segments = 1;
        return std::nullopt;
    }
    out.segments = segments_of(sm.data_coding, payload);
    if (out.segments > max_segments) return command_status::ESME_RINVMSGLEN;
    return std::nullopt;
}

}  // namespace

SubmitPolicy submit_policy_of(const Account& account) {
    SubmitPolicy p;
    p.numbers.default_region = account.default_region;
    p.numbers.require_valid = account.require_valid_numbers;
    p.max_schedule_ahead = account.schedule.max_ahead;
    p.schedule_past_tolerance = account.schedule.past_tolerance;
    return p;
}

bool reserved_data_coding(std::uint8_t dc) noexcept {
    if (dc == 0x0B || dc == 0x0C || dc == 0x0F) return true;
    if (dc >= 0x80 && dc <= 0xBF) return true;
    // 23.038 general and auto-deletion groups: alphabet bits 3-2 = 11.
    if (dc >= 0x10 && dc <= 0x7F && (dc & 0x0C) == 0x0C) return true;
    return false;
}

std::variant<NormalisedAddress, command_status> validate_destination(const protocol::Address& dest,
                                                                     const SubmitPolicy& p,
                                                                     const NumberNormaliser& numbers) {
    return address(dest, address_role::destination, p, numbers);
}

std::variant<ValidSubmit, command_status> validate_submit(const protocol::SubmitSm& sm, const SubmitPolicy& p,
                                                          system_clock::time_point now,
                                                          const NumberNormaliser& numbers) {
    ValidSubmit out;
    auto src = address(sm.source, address_role::source, p, numbers);
    if (auto* s = std::get_if<command_status>(&src)) return *s;
    out.source = std::move(std::get<NormalisedAddress>(src));
    auto dst = address(sm.dest, address_role::destination, p, numbers);
    if (auto* s = std::get_if<command_status>(&dst)) return *s;
    out.destination = std::move(std::get<NormalisedAddress>(dst));
    if (auto s = check_message(sm, p, now, out)) return *s;
    return out;
}

std::variant<ValidSubmitMulti, command_status> validate_submit_multi(const protocol::SubmitMulti& sm,
                                                                     const SubmitPolicy& p,
                                                                     system_clock::time_point now,
                                                                     const NumberNormaliser& numbers) {
    ValidSubmitMulti out;
    auto src = address(sm.source, address_role::source, p, numbers);
    if (auto* s = std::get_if<command_status>(&src)) return *s;
    out.message.source = std::move(std::get<NormalisedAddress>(src));
    if (sm.dests.empty() || sm.dests.size() > protocol::limits::dests) return command_status::ESME_RINVNUMDESTS;
    if (auto s = check_message(sm, p, now, out.message)) return *s;
    out.destinations.reserve(sm.dests.size());
    for (const auto& d : sm.dests) {
        if (d.dest_flag == protocol::MultiDest::distribution_list)
            out.destinations.emplace_back(command_status::ESME_RINVDLNAME);
        else if (d.dest_flag != protocol::MultiDest::sme_address)
            out.destinations.emplace_back(command_status::ESME_RINVDESTFLAG);
        else
            out.destinations.push_back(validate_destination(d.address, p, numbers));
    }
    return out;
}

}  // namespace smpp::upstream
