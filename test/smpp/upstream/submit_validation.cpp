#include "smpp/upstream/submit_validation.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "smpp/protocol/concatenation.hpp"
#include "smpp/protocol/tlv.hpp"

using namespace smpp;
using namespace smpp::upstream;
using protocol::command_status;
using protocol::tlv_tag;
using std::chrono::system_clock;
using namespace std::chrono_literals;

namespace {

const NumberNormaliser& numbers() {
    static const NumberNormaliser n;
    return n;
}

// 2026-11-23 12:00:00 UTC.
const system_clock::time_point now =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(12);

std::uint16_t tag(tlv_tag t) { return static_cast<std::uint16_t>(t); }

protocol::SubmitSm good() {
    protocol::SubmitSm sm;
    sm.source = {ton::alphanumeric, npi::unknown, "ACME"};
    sm.dest = {ton::international, npi::isdn, "447400123456"};
    sm.short_message = "Your code is 123456";
    return sm;
}

SubmitPolicy policy(std::string region = {}) {
    SubmitPolicy p;
    p.numbers.default_region = std::move(region);
    return p;
}

std::variant<ValidSubmit, command_status> validate(const protocol::SubmitSm& sm, const SubmitPolicy& p = policy()) {
    return validate_submit(sm, p, now, numbers());
}

command_status status_of(const protocol::SubmitSm& sm, const SubmitPolicy& p = policy()) {
    auto r = validate(sm, p);
    if (auto* s = std::get_if<command_status>(&r)) return *s;
    return command_status::ESME_ROK;
}

ValidSubmit valid(const protocol::SubmitSm& sm, const SubmitPolicy& p = policy()) {
    auto r = validate(sm, p);
    if (auto* s = std::get_if<command_status>(&r)) FAIL("refused: " << protocol::name(*s));
    return std::get<ValidSubmit>(r);
}

command_status multi_status(const protocol::SubmitMulti& m) {
    auto r = validate_submit_multi(m, policy(), now, numbers());
    if (auto* s = std::get_if<command_status>(&r)) return *s;
    return command_status::ESME_ROK;
}

}  // namespace

TEST_CASE("a plain submit_sm is valid", "[upstream][submit_validation]") {
    const auto v = valid(good());
    CHECK(v.destination == NormalisedAddress{address_kind::e164, "447400123456", "GB"});
    CHECK(v.source == NormalisedAddress{address_kind::alphanumeric, "ACME", {}});
    CHECK_FALSE(v.deliver_at);
    CHECK_FALSE(v.expires_at);
    CHECK_FALSE(v.concatenation);
    CHECK(v.segments == 1);
}

TEST_CASE("addresses: statuses by field", "[upstream][submit_validation]") {
    auto sm = good();
    SECTION("source TON") {
        sm.source.ton = 7;
        CHECK(status_of(sm) == command_status::ESME_RINVSRCTON);
        sm.source.ton = ton::subscriber_number;
        CHECK(status_of(sm) == command_status::ESME_RINVSRCTON);
    }
    SECTION("source NPI") {
        sm.source = {ton::international, 8, "447400123456"};
        CHECK(status_of(sm) == command_status::ESME_RINVSRCNPI);
        sm.source = {ton::alphanumeric, 9, "ACME"};
        CHECK(status_of(sm) == command_status::ESME_RINVSRCNPI);
    }
    SECTION("source address") {
        sm.source.addr = "ACME TELECOM";  // 12 characters
        CHECK(status_of(sm) == command_status::ESME_RINVSRCADR);
        sm.source = {ton::international, npi::isdn, "4474001234"};
        CHECK(status_of(sm) == command_status::ESME_RINVSRCADR);
        sm.source = {ton::national, npi::isdn, "07400123456"};  // no default region
        CHECK(status_of(sm) == command_status::ESME_RINVSRCADR);
        CHECK(status_of(sm, policy("GB")) == command_status::ESME_ROK);
        CHECK(valid(sm, policy("GB")).source == NormalisedAddress{address_kind::e164, "447400123456", "GB"});
    }
    SECTION("source short code and empty source") {
        sm.source = {ton::unknown, npi::unknown, "80800"};
        CHECK(valid(sm).source == NormalisedAddress{address_kind::short_code, "80800", {}});
        sm.source = {ton::unknown, npi::unknown, ""};
        CHECK(valid(sm).source == NormalisedAddress{});
    }
    SECTION("destination TON") {
        sm.dest.ton = ton::alphanumeric;
        CHECK(status_of(sm) == command_status::ESME_RINVDSTTON);
        sm.dest.ton = 7;
        CHECK(status_of(sm) == command_status::ESME_RINVDSTTON);
    }
    SECTION("destination NPI") {
        sm.dest.npi = 9;
        CHECK(status_of(sm) == command_status::ESME_RINVDSTNPI);
    }
    SECTION("destination address") {
        for (const char* a : {"", "+", "44740012345x", "999123456", "4412", "4474001234", "44740012345678"}) {
            sm.dest.addr = a;
            INFO(a);
            CHECK(status_of(sm) == command_status::ESME_RINVDSTADR);
        }
        sm.dest = {ton::national, npi::isdn, "07400123456"};
        CHECK(status_of(sm) == command_status::ESME_RINVDSTADR);  // no default region
    }
    SECTION("national destinations in the account's region") {
        sm.dest = {ton::national, npi::isdn, "2025550143"};
        CHECK(valid(sm, policy("US")).destination == NormalisedAddress{address_kind::e164, "12025550143", "US"});
        sm.dest = {ton::unknown, npi::unknown, "015112345678"};
        CHECK(valid(sm, policy("DE")).destination == NormalisedAddress{address_kind::e164, "4915112345678", "DE"});
        sm.dest = {ton::unknown, npi::unknown, "09876543210"};
        CHECK(valid(sm, policy("IN")).destination == NormalisedAddress{address_kind::e164, "919876543210", "IN"});
        sm.dest = {ton::unknown, npi::unknown, "00447400123456"};
        CHECK(valid(sm, policy("US")).destination == NormalisedAddress{address_kind::e164, "447400123456", "GB"});
    }
    SECTION("require_valid_numbers") {
        sm.dest.addr = "447700900123";  // drama range: possible, not valid
        CHECK(status_of(sm) == command_status::ESME_ROK);
        auto p = policy();
        p.numbers.require_valid = true;
        CHECK(status_of(sm, p) == command_status::ESME_RINVDSTADR);
    }
    SECTION("destination short code") {
        sm.dest = {ton::abbreviated, npi::unknown, "80800"};
        CHECK(valid(sm).destination == NormalisedAddress{address_kind::short_code, "80800", {}});
    }
    SECTION("the source is checked first") {
        sm.source.ton = 7;
        sm.dest.ton = 7;
        CHECK(status_of(sm) == command_status::ESME_RINVSRCTON);
    }
}

TEST_CASE("esm_class: message type and UDH", "[upstream][submit_validation]") {
    auto sm = good();
    SECTION("message types") {
        sm.esm_class = 0x08;
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.esm_class = 0x10;
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.esm_class = 0x03;  // messaging mode bits: any
        CHECK(status_of(sm) == command_status::ESME_ROK);
        for (std::uint8_t type : {0x04, 0x18, 0x20, 0x3C}) {
            sm.esm_class = type;
            CHECK(status_of(sm) == command_status::ESME_RINVESMCLASS);
        }
    }
    SECTION("a well-formed concatenation UDH makes the PDU one part") {
        sm.esm_class = protocol::esm_class::udhi;
        sm.short_message = protocol::make_udh(7, 3, 2) + "part two";
        const auto v = valid(sm);
        CHECK(v.concatenation == protocol::Concatenation{7, 3, 2, false});
        CHECK(v.segments == 1);
        sm.short_message = protocol::make_udh16(0x1234, 2, 1) + "part one";
        CHECK(valid(sm).concatenation == protocol::Concatenation{0x1234, 2, 1, true});
        // Another IE only (a port address): no concatenation, still one SMS.
        sm.short_message = std::string("\x06\x05\x04\x0B\x84\x23\xF0", 7) + "wap";
        CHECK_FALSE(valid(sm).concatenation);
    }
    SECTION("a UDH in message_payload") {
        sm.esm_class = protocol::esm_class::udhi;
        sm.short_message.clear();
        sm.tlvs.set_bytes(tlv_tag::message_payload, protocol::make_udh(9, 2, 2) + "tail");
        CHECK(valid(sm).concatenation == protocol::Concatenation{9, 2, 2, false});
    }
    SECTION("malformed UDHs") {
        sm.esm_class = protocol::esm_class::udhi;
        for (const std::string& m : {std::string{},                                   // empty
                                     std::string("\x05\x00\x03\x01", 4),              // UDHL past the end
                                     std::string("\x03\x00\x05\x01", 4) + "xx",       // IE past the UDH
                                     std::string("\x04\x00\x02\x01\x02", 5) + "xx",   // 8-bit IE of 2
                                     std::string("\x05\x00\x03\x01\x00\x01", 6),      // total 0
                                     std::string("\x05\x00\x03\x01\x02\x00", 6),      // seqnum 0
                                     std::string("\x05\x00\x03\x01\x02\x03", 6)}) {   // seqnum > total
            sm.short_message = m;
            INFO(m.size());
            CHECK(status_of(sm) == command_status::ESME_RINVESMCLASS);
        }
    }
    SECTION("a part longer than one SMS") {
        sm.esm_class = protocol::esm_class::udhi;
        sm.short_message = protocol::make_udh(1, 2, 1) + std::string(153, 'a');
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.short_message = protocol::make_udh(1, 2, 1) + std::string(154, 'a');
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
        sm.data_coding = 8;
        sm.short_message = protocol::make_udh(1, 2, 1) + std::string(134, 'a');
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.short_message = protocol::make_udh(1, 2, 1) + std::string(136, 'a');
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
    }
    SECTION("a UDH longer than one SMS, with no text after it") {
        sm.esm_class = protocol::esm_class::udhi;
        for (const std::size_t udhl : {139u, 149u}) {
            // One unknown IE filling the UDH: IEI 0x70, its length, its data.
            std::string udh(1, static_cast<char>(udhl));
            udh += '\x70';
            udh += static_cast<char>(udhl - 2);
            udh += std::string(udhl - 2, 'u');
            sm.short_message.clear();
            sm.tlvs.set_bytes(tlv_tag::message_payload, udh);
            INFO(udhl);
            CHECK(status_of(sm) == (udhl + 1 <= 140 ? command_status::ESME_ROK : command_status::ESME_RINVMSGLEN));
        }
    }
}

TEST_CASE("priority_flag", "[upstream][submit_validation]") {
    auto sm = good();
    sm.priority_flag = 3;
    CHECK(status_of(sm) == command_status::ESME_ROK);
    sm.priority_flag = 4;
    CHECK(status_of(sm) == command_status::ESME_RINVPRTFLG);
}

TEST_CASE("schedule_delivery_time", "[upstream][submit_validation]") {
    auto sm = good();
    SECTION("absolute, in UTC and with an offset") {
        sm.schedule_delivery_time = "261123130000000+";
        CHECK(valid(sm).deliver_at == now + 1h);
        sm.schedule_delivery_time = "261123150000004+";  // 15:00 at UTC+1 = 14:00 UTC
        CHECK(valid(sm).deliver_at == now + 2h);
    }
    SECTION("relative") {
        sm.schedule_delivery_time = "000001020000000R";
        CHECK(valid(sm).deliver_at == now + 26h);
        sm.schedule_delivery_time = "000000000000000R";  // now: deliver now
        CHECK_FALSE(valid(sm).deliver_at);
    }
    SECTION("slightly past means now; far past is refused") {
        sm.schedule_delivery_time = "261123113000000+";  // 30 min ago
        CHECK_FALSE(valid(sm).deliver_at);
        sm.schedule_delivery_time = "261123105900000+";  // 61 min ago
        CHECK(status_of(sm) == command_status::ESME_RINVSCHED);
    }
    SECTION("beyond the horizon") {
        sm.schedule_delivery_time = "000030000000000R";  // 30 days: the limit
        CHECK(valid(sm).deliver_at == now + 24h * 30);
        sm.schedule_delivery_time = "000030000001000R";
        CHECK(status_of(sm) == command_status::ESME_RINVSCHED);
        auto p = policy();
        p.max_schedule_ahead = 24h * 60;
        CHECK(status_of(sm, p) == command_status::ESME_ROK);
    }
    SECTION("malformed") {
        for (const char* t : {"2611231300", "26112313000000+0", "261323130000000+", "261123130000000X",
                              "261123130000049+", "26112313000000A+"}) {
            sm.schedule_delivery_time = t;
            INFO(t);
            CHECK(status_of(sm) == command_status::ESME_RINVSCHED);
        }
    }
}

TEST_CASE("validity_period", "[upstream][submit_validation]") {
    auto sm = good();
    SECTION("absolute and relative") {
        sm.validity_period = "261124120000000+";
        CHECK(valid(sm).expires_at == now + 24h);
        sm.validity_period = "000000010000000R";
        CHECK(valid(sm).expires_at == now + 1h);
    }
    SECTION("already past or now") {
        sm.validity_period = "261123115959000+";
        CHECK(status_of(sm) == command_status::ESME_RINVEXPIRY);
        sm.validity_period = "000000000000000R";
        CHECK(status_of(sm) == command_status::ESME_RINVEXPIRY);
    }
    SECTION("not after the schedule") {
        sm.schedule_delivery_time = "000000020000000R";
        sm.validity_period = "000000020000000R";
        CHECK(status_of(sm) == command_status::ESME_RINVEXPIRY);
        sm.validity_period = "000000030000000R";
        const auto v = valid(sm);
        CHECK(v.deliver_at == now + 2h);
        CHECK(v.expires_at == now + 3h);
    }
    SECTION("malformed") {
        sm.validity_period = "0000000100000R";
        CHECK(status_of(sm) == command_status::ESME_RINVEXPIRY);
    }
    SECTION("the schedule is checked first") {
        sm.schedule_delivery_time = "bad";
        sm.validity_period = "bad";
        CHECK(status_of(sm) == command_status::ESME_RINVSCHED);
    }
}

TEST_CASE("registered_delivery", "[upstream][submit_validation]") {
    auto sm = good();
    for (std::uint8_t r : {0x00, 0x01, 0x02, 0x1D}) {
        sm.registered_delivery = r;
        CHECK(status_of(sm) == command_status::ESME_ROK);
    }
    for (std::uint8_t r : {0x03, 0x20, 0x80}) {
        sm.registered_delivery = r;
        CHECK(status_of(sm) == command_status::ESME_RINVREGDLVFLG);
    }
}

TEST_CASE("data_coding: reserved values are refused", "[upstream][submit_validation]") {
    auto sm = good();
    for (int dc = 0; dc < 256; ++dc) {
        sm.data_coding = static_cast<std::uint8_t>(dc);
        sm.short_message = dc == 8 ? std::string("\0A", 2) : "A";
        const bool reserved = dc == 0x0B || dc == 0x0C || dc == 0x0F || (dc >= 0x80 && dc <= 0xBF) ||
                              (dc >= 0x10 && dc <= 0x7F && (dc & 0x0C) == 0x0C);
        INFO(dc);
        CHECK(reserved_data_coding(sm.data_coding) == reserved);
        CHECK(status_of(sm) == (reserved ? command_status::ESME_RSUBMITFAIL : command_status::ESME_ROK));
    }
}

TEST_CASE("short_message and message_payload", "[upstream][submit_validation]") {
    auto sm = good();
    SECTION("both set") {
        sm.tlvs.set_bytes(tlv_tag::message_payload, "more");
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
    }
    SECTION("message_payload alone is counted") {
        sm.short_message.clear();
        sm.tlvs.set_bytes(tlv_tag::message_payload, std::string(161, 'a'));
        CHECK(valid(sm).segments == 2);
    }
    SECTION("an empty message costs one SMS") {
        sm.short_message.clear();
        CHECK(valid(sm).segments == 1);
    }
    SECTION("more than 255 segments") {
        sm.short_message.clear();
        sm.tlvs.set_bytes(tlv_tag::message_payload, std::string(153 * 255, 'a'));
        CHECK(valid(sm).segments == 255);
        sm.tlvs.set_bytes(tlv_tag::message_payload, std::string(153 * 255 + 1, 'a'));
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
    }
}

TEST_CASE("segments for billing", "[upstream][submit_validation]") {
    auto sm = good();
    sm.short_message = std::string(160, 'a');
    CHECK(valid(sm).segments == 1);
    sm.short_message = std::string(161, 'a');
    CHECK(valid(sm).segments == 2);
    // GSM extension characters count twice (escape + code, unpacked).
    sm.short_message.clear();
    for (int i = 0; i < 80; ++i) sm.short_message += "\x1B\x65";  // 80 euro signs: 160 septets
    CHECK(valid(sm).segments == 1);
    sm.short_message.clear();
    for (int i = 0; i < 81; ++i) sm.short_message += "\x1B\x65";  // 81 euro signs: 162 septets
    CHECK(valid(sm).segments == 2);
    // IA5: ^ { } \ [ ] ~ | count twice after the SMSC's conversion.
    sm.data_coding = 1;
    sm.short_message = std::string(80, '{');
    CHECK(valid(sm).segments == 1);
    sm.short_message = std::string(81, '{');
    CHECK(valid(sm).segments == 2);
    // UCS-2: 70 / 67.
    sm.data_coding = 8;
    sm.short_message = std::string(140, 'a');
    CHECK(valid(sm).segments == 1);
    sm.short_message = std::string(142, 'a');
    CHECK(valid(sm).segments == 2);
    // Outside the alphabet: billed as octets (140/134), never undercounted.
    sm.data_coding = 0;
    sm.short_message = std::string(141, '\xE9');
    CHECK(valid(sm).segments == 2);
}

TEST_CASE("sar_* TLVs", "[upstream][submit_validation]") {
    auto sm = good();
    auto sar = [&sm](std::string ref, std::string total, std::string seq) {
        sm.tlvs = {};
        if (!ref.empty()) sm.tlvs.append(tag(tlv_tag::sar_msg_ref_num), ref);
        if (!total.empty()) sm.tlvs.append(tag(tlv_tag::sar_total_segments), total);
        if (!seq.empty()) sm.tlvs.append(tag(tlv_tag::sar_segment_seqnum), seq);
    };
    SECTION("complete") {
        sar(std::string("\x01\x02", 2), "\x03", "\x02");
        const auto v = valid(sm);
        CHECK(v.concatenation == protocol::Concatenation{0x0102, 3, 2, true});
        CHECK(v.segments == 1);
    }
    SECTION("incomplete") {
        sar(std::string("\x01\x02", 2), "\x03", "");
        CHECK(status_of(sm) == command_status::ESME_RMISSINGOPTPARAM);
        sar("", "\x03", "\x01");
        CHECK(status_of(sm) == command_status::ESME_RMISSINGOPTPARAM);
    }
    SECTION("inconsistent") {
        sar(std::string("\x01\x02", 2), std::string("\x00", 1), "\x01");
        CHECK(status_of(sm) == command_status::ESME_RINVOPTPARAMVAL);
        sar(std::string("\x01\x02", 2), "\x03", std::string("\x00", 1));
        CHECK(status_of(sm) == command_status::ESME_RINVOPTPARAMVAL);
        sar(std::string("\x01\x02", 2), "\x03", "\x04");
        CHECK(status_of(sm) == command_status::ESME_RINVOPTPARAMVAL);
    }
    SECTION("a part longer than one SMS") {
        sar(std::string("\x01\x02", 2), "\x02", "\x01");
        sm.short_message = std::string(153, 'a');
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.short_message = std::string(154, 'a');
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
    }
    SECTION("a UDH without a concatenation element leaves it to sar_*") {
        // An application port only (WAP push): the parts are joined by sar_*.
        const std::string port("\x06\x05\x04\x0B\x84\x23\xF0", 7);
        sm.esm_class = protocol::esm_class::udhi;
        sar(std::string("\x01\x02", 2), "\x02", "\x01");
        sm.short_message = port + "part";
        const auto v = valid(sm);
        CHECK(v.concatenation == protocol::Concatenation{0x0102, 2, 1, true});
        CHECK(v.segments == 1);
        // The SMSC adds its concatenation element to the port's UDH: 7 + 6
        // octets leave 145 septets.
        sm.short_message = port + std::string(145, 'a');
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.short_message = port + std::string(146, 'a');
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
        // Incomplete sar_* is reported as without a UDH.
        sm.short_message = port + "part";
        sar(std::string("\x01\x02", 2), "\x02", "");
        CHECK(status_of(sm) == command_status::ESME_RMISSINGOPTPARAM);
        // No sar_* at all: one part with its port UDH.
        sm.tlvs = {};
        CHECK_FALSE(valid(sm).concatenation);
        sm.short_message = port + std::string(152, 'a');
        CHECK(status_of(sm) == command_status::ESME_ROK);
        sm.short_message = port + std::string(153, 'a');
        CHECK(status_of(sm) == command_status::ESME_RINVMSGLEN);
    }
    SECTION("with UDHI the UDH decides") {
        sar(std::string("\x01\x02", 2), "\x03", "");
        sm.esm_class = protocol::esm_class::udhi;
        sm.short_message = protocol::make_udh(5, 2, 1) + "x";
        CHECK(valid(sm).concatenation == protocol::Concatenation{5, 2, 1, false});
    }
}

TEST_CASE("submit_multi: the message once, each destination on its own", "[upstream][submit_validation]") {
    protocol::SubmitMulti m;
    m.source = {ton::alphanumeric, npi::unknown, "ACME"};
    m.short_message = std::string(200, 'a');
    auto dest = [](std::uint8_t t, std::string a) {
        protocol::MultiDest d;
        d.address = {t, npi::isdn, std::move(a)};
        return d;
    };
    m.dests = {dest(ton::international, "447400123456"), dest(ton::alphanumeric, "X"),
               dest(ton::international, "4412"), dest(ton::national, "2025550143")};
    protocol::MultiDest list;
    list.dest_flag = protocol::MultiDest::distribution_list;
    list.dl_name = "friends";
    m.dests.push_back(list);
    protocol::MultiDest odd;
    odd.dest_flag = 3;
    m.dests.push_back(odd);

    auto r = validate_submit_multi(m, policy("US"), now, numbers());
    REQUIRE(std::holds_alternative<ValidSubmitMulti>(r));
    const auto& v = std::get<ValidSubmitMulti>(r);
    CHECK(v.message.source == NormalisedAddress{address_kind::alphanumeric, "ACME", {}});
    CHECK(v.message.segments == 2);
    REQUIRE(v.destinations.size() == 6);
    using D = std::variant<NormalisedAddress, command_status>;
    CHECK(v.destinations[0] == D{NormalisedAddress{address_kind::e164, "447400123456", "GB"}});
    CHECK(v.destinations[1] == D{command_status::ESME_RINVDSTTON});
    CHECK(v.destinations[2] == D{command_status::ESME_RINVDSTADR});
    CHECK(v.destinations[3] == D{NormalisedAddress{address_kind::e164, "12025550143", "US"}});
    CHECK(v.destinations[4] == D{command_status::ESME_RINVDLNAME});
    CHECK(v.destinations[5] == D{command_status::ESME_RINVDESTFLAG});

    SECTION("the message's own faults refuse the whole PDU") {
        m.priority_flag = 9;
        CHECK(multi_status(m) == command_status::ESME_RINVPRTFLG);
        m.priority_flag = 0;
        m.source.ton = 7;
        CHECK(multi_status(m) == command_status::ESME_RINVSRCTON);
    }
    SECTION("number of destinations") {
        m.dests.clear();
        CHECK(multi_status(m) == command_status::ESME_RINVNUMDESTS);
        m.dests.assign(254, dest(ton::international, "447400123456"));
        CHECK(multi_status(m) == command_status::ESME_ROK);
        m.dests.assign(255, dest(ton::international, "447400123456"));
        CHECK(multi_status(m) == command_status::ESME_RINVNUMDESTS);
    }
}

TEST_CASE("validate_destination on its own", "[upstream][submit_validation]") {
    using D = std::variant<NormalisedAddress, command_status>;
    CHECK(validate_destination({ton::international, npi::isdn, "919876543210"}, policy(), numbers()) ==
          D{NormalisedAddress{address_kind::e164, "919876543210", "IN"}});
    CHECK(validate_destination({ton::international, 4, "919876543210"}, policy(), numbers()) ==
          D{command_status::ESME_RINVDSTNPI});
}

TEST_CASE("an account's number settings become its policy", "[upstream][submit_validation]") {
    Account a;
    a.default_region = "IN";
    a.require_valid_numbers = true;
    const auto p = submit_policy_of(a);
    CHECK(p.numbers.default_region == "IN");
    CHECK(p.numbers.require_valid);
    CHECK(p.max_schedule_ahead == std::chrono::hours(24 * 30));
    CHECK(p.schedule_past_tolerance == std::chrono::hours(1));
}

TEST_CASE("an account's schedule limits become its policy and bound schedule_delivery_time",
          "[upstream][submit_validation]") {
    Account a;
    a.schedule = {2h, 5min};
    const auto p = submit_policy_of(a);
    CHECK(p.max_schedule_ahead == 2h);
    CHECK(p.schedule_past_tolerance == 5min);
    auto sm = good();
    sm.schedule_delivery_time = "000000020000000R";  // 2 h: the limit
    CHECK(status_of(sm, p) == command_status::ESME_ROK);
    sm.schedule_delivery_time = "000000020001000R";
    CHECK(status_of(sm, p) == command_status::ESME_RINVSCHED);
    sm.schedule_delivery_time = "261123115500000+";  // 5 min ago: the tolerance, so now
    CHECK(status_of(sm, p) == command_status::ESME_ROK);
    CHECK_FALSE(std::get<ValidSubmit>(validate_submit(sm, p, now, numbers())).deliver_at);
    sm.schedule_delivery_time = "261123115459000+";  // 5 min 1 s ago
    CHECK(status_of(sm, p) == command_status::ESME_RINVSCHED);
    // No tolerance: a second late is refused.
    a.schedule = {2h, 0s};
    sm.schedule_delivery_time = "261123115959000+";
    CHECK(status_of(sm, submit_policy_of(a)) == command_status::ESME_RINVSCHED);
    sm.schedule_delivery_time = "261123120000000+";  // exactly now
    CHECK(status_of(sm, submit_policy_of(a)) == command_status::ESME_ROK);
}
