// The codec facade: header checks, dispatch, and the decode strictness table
// of codec.hpp. Every malformed frame is checked through the facade and
// through libsmpp34_codec, so the table holds whichever codec runs.
#include "smpp/protocol/codec.hpp"

#include <catch2/catch.hpp>

#include "smpp/protocol/libsmpp34_codec.hpp"
#include "test/smpp/protocol/sample_pdus.hpp"

using namespace smpp::protocol;
using smpp::protocol::test::FrameBuilder;
using st = command_status;

namespace {

command_status status_of(const DecodeResult& r) {
    if (const auto* e = std::get_if<DecodeError>(&r)) return e->status;
    return st::ESME_ROK;
}

void expect_status(const std::vector<std::uint8_t>& frame, command_status expected) {
    INFO("expected " << name(expected));
    auto via_facade = decode(frame);
    CHECK(name(status_of(via_facade)) == name(expected));
    auto via_ref = libsmpp34_codec::decode(frame);
    CHECK(name(status_of(via_ref)) == name(expected));
}

// A submit_sm body up to (not including) the field under test.
FrameBuilder submit_sm_prefix() {
    FrameBuilder f(command_id::submit_sm);
    f.cstr("CMT").u8(1).u8(1).cstr("4477").u8(1).u8(1).cstr("4478").u8(0).u8(0).u8(0);
    return f;
}

FrameBuilder bind_prefix() { return FrameBuilder(command_id::bind_transmitter); }

}  // namespace

TEST_CASE("facade round trip of every PDU type, bytes stable") {
    for (const Pdu& pdu : smpp::protocol::test::sample_pdus()) {
        INFO(name(pdu.id()));
        std::vector<std::uint8_t> bytes;
        REQUIRE_FALSE(encode(pdu, bytes));
        auto decoded = decode(bytes);
        REQUIRE(ok(decoded));
        CHECK(std::get<Pdu>(decoded) == pdu);
        std::vector<std::uint8_t> again;
        REQUIRE_FALSE(encode(std::get<Pdu>(decoded), again));
        CHECK(again == bytes);
    }
}

TEST_CASE("facade: header checks") {
    SECTION("shorter than a header") {
        std::vector<std::uint8_t> f(15, 0);
        expect_status(f, st::ESME_RINVCMDLEN);
    }
    SECTION("command_length differs from the frame size") {
        auto f = FrameBuilder(command_id::enquire_link).frame();
        f[3] = 17;
        expect_status(f, st::ESME_RINVCMDLEN);
    }
    SECTION("unknown command_id") {
        expect_status(FrameBuilder(0x00000099u).frame(), st::ESME_RINVCMDID);
        expect_status(FrameBuilder(0x8000000Au).frame(), st::ESME_RINVCMDID);
    }
    SECTION("exact header bytes of enquire_link") {
        std::vector<std::uint8_t> out;
        REQUIRE_FALSE(encode(Pdu{st::ESME_ROK, 0x01020304, EnquireLink{}}, out));
        CHECK(out == std::vector<std::uint8_t>{0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 1, 2, 3, 4});
    }
}

TEST_CASE("decode table: truncated bodies are ESME_RINVCMDLEN") {
    expect_status(submit_sm_prefix().frame(), st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::bind_transmitter).cstr("id").cstr("pw").cstr("").u8(0x34).u8(0).u8(0).frame(),
                  st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::query_sm_resp).cstr("id").cstr("").u8(1).frame(), st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::submit_multi_resp).cstr("id").u8(1).u8(1).u8(1).cstr("44").u16(0).frame(),
                  st::ESME_RINVCMDLEN);
    SECTION("a string the body ends inside, before its capacity") {
        expect_status(FrameBuilder(command_id::submit_sm_resp).raw("abc").frame(), st::ESME_RINVCMDLEN);
        expect_status(FrameBuilder(command_id::bind_transmitter_resp).raw("SMSC").frame(), st::ESME_RINVCMDLEN);
    }
    SECTION("an OK response needs its body") {
        expect_status(FrameBuilder(command_id::submit_sm_resp).frame(), st::ESME_RINVCMDLEN);
    }
}

TEST_CASE("decode table: C-octet strings without a NUL within capacity") {
    SECTION("bind fields") {
        expect_status(bind_prefix().fill(16, 's').u8(0).cstr("pw").cstr("").u8(0x34).u8(0).u8(0).cstr("").frame(),
                      st::ESME_RINVSYSID);
        expect_status(bind_prefix().cstr("id").fill(9, 'p').u8(0).cstr("").u8(0x34).u8(0).u8(0).cstr("").frame(),
                      st::ESME_RINVPASWD);
        expect_status(bind_prefix().cstr("id").cstr("pw").fill(13, 't').u8(0).u8(0x34).u8(0).u8(0).cstr("").frame(),
                      st::ESME_RINVSYSTYP);
        expect_status(bind_prefix().cstr("id").cstr("pw").cstr("").u8(0x34).u8(0).u8(0).fill(41, 'r').u8(0).frame(),
                      st::ESME_RINVPARLEN);
    }
    SECTION("the capacity is exceeded before the body ends: the field's status wins over truncation") {
        expect_status(FrameBuilder(command_id::submit_sm_resp).fill(70, 'm').frame(), st::ESME_RINVMSGID);
        expect_status(FrameBuilder(command_id::bind_receiver_resp).fill(16, 's').frame(), st::ESME_RINVSYSID);
    }
    SECTION("submit_sm fields") {
        FrameBuilder st_f(command_id::submit_sm);
        st_f.fill(6, 'c').u8(0);
        expect_status(st_f.frame(), st::ESME_RINVSERTYP);
        FrameBuilder src(command_id::submit_sm);
        src.cstr("").u8(1).u8(1).fill(21, '4').u8(0);
        expect_status(src.frame(), st::ESME_RINVSRCADR);
        FrameBuilder dst(command_id::submit_sm);
        dst.cstr("").u8(1).u8(1).cstr("44").u8(1).u8(1).fill(21, '4').u8(0);
        expect_status(dst.frame(), st::ESME_RINVDSTADR);
        expect_status(submit_sm_prefix().fill(17, '0').u8(0).cstr("").u8(0).u8(0).u8(0).u8(0).u8(0).frame(),
                      st::ESME_RINVSCHED);
        expect_status(submit_sm_prefix().cstr("").fill(17, '0').u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).frame(),
                      st::ESME_RINVEXPIRY);
    }
    SECTION("message_id, final_date, dl_name, esme_addr") {
        expect_status(FrameBuilder(command_id::query_sm).fill(65, 'm').u8(0).u8(0).u8(0).cstr("").frame(),
                      st::ESME_RINVMSGID);
        expect_status(FrameBuilder(command_id::query_sm_resp).cstr("id").fill(17, '0').u8(0).u8(1).u8(0).frame(),
                      st::ESME_RINVPARLEN);
        expect_status(FrameBuilder(command_id::submit_multi).cstr("").u8(0).u8(0).cstr("44").u8(1).u8(2)
                          .fill(21, 'l').u8(0).frame(),
                      st::ESME_RINVDLNAME);
        expect_status(FrameBuilder(command_id::submit_multi).cstr("").u8(0).u8(0).cstr("44").u8(1).u8(1).u8(1).u8(1)
                          .fill(21, '4').u8(0).frame(),
                      st::ESME_RINVDSTADR);
        expect_status(FrameBuilder(command_id::alert_notification).u8(1).u8(1).cstr("44").u8(0).u8(0)
                          .fill(65, 'e').u8(0).frame(),
                      st::ESME_RINVDSTADR);
        expect_status(FrameBuilder(command_id::alert_notification).u8(1).u8(1).fill(65, '4').u8(0).frame(),
                      st::ESME_RINVSRCADR);
        expect_status(FrameBuilder(command_id::outbind).cstr("id").fill(9, 'p').u8(0).frame(), st::ESME_RINVPASWD);
    }
    SECTION("65-octet addresses are fine in data_sm destination and alert_notification") {
        auto f = FrameBuilder(command_id::alert_notification).u8(1).u8(1).fill(64, '4').u8(0).u8(0).u8(0)
                     .fill(64, 'e').u8(0).frame();
        expect_status(f, st::ESME_ROK);
    }
}

TEST_CASE("decode table: sm_length") {
    auto tail = [](FrameBuilder f) {
        f.cstr("").cstr("").u8(0).u8(0).u8(0).u8(0);
        return f;
    };
    SECTION("past the end of the body") {
        expect_status(tail(submit_sm_prefix()).u8(5).raw("abc").frame(), st::ESME_RINVMSGLEN);
    }
    SECTION("over 254") {
        expect_status(tail(submit_sm_prefix()).u8(255).fill(255, 'x').frame(), st::ESME_RINVMSGLEN);
    }
    SECTION("254 decodes") {
        expect_status(tail(submit_sm_prefix()).u8(254).fill(254, 'x').frame(), st::ESME_ROK);
    }
    SECTION("replace_sm too") {
        expect_status(FrameBuilder(command_id::replace_sm).cstr("id").u8(0).u8(0).cstr("").cstr("").cstr("").u8(0)
                          .u8(0).u8(9).raw("short").frame(),
                      st::ESME_RINVMSGLEN);
    }
}

TEST_CASE("decode table: submit_multi destinations") {
    auto head = [] { return FrameBuilder(command_id::submit_multi).cstr("").u8(0).u8(0).cstr("44"); };
    expect_status(head().u8(0).frame(), st::ESME_RINVNUMDESTS);
    expect_status(head().u8(255).frame(), st::ESME_RINVNUMDESTS);
    expect_status(head().u8(1).u8(3).cstr("x").frame(), st::ESME_RINVDESTFLAG);
    expect_status(head().u8(1).u8(0).frame(), st::ESME_RINVDESTFLAG);
}

TEST_CASE("decode table: bodies on PDUs without one") {
    expect_status(FrameBuilder(command_id::enquire_link).u8(0).frame(), st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::cancel_sm_resp).u32(0).frame(), st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::generic_nack, 1, st::ESME_RINVCMDID).u8(0).frame(), st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::query_sm_resp).cstr("id").cstr("").u8(0).u8(0).u8(0).frame(),
                  st::ESME_RINVCMDLEN);
    expect_status(FrameBuilder(command_id::query_sm).cstr("id").u8(0).u8(0).cstr("44").tlv(0x1400, "x").frame(),
                  st::ESME_RINVCMDLEN);
}

TEST_CASE("decode table: TLV area") {
    auto resp = [] { return FrameBuilder(command_id::bind_transceiver_resp).cstr("SMSC"); };
    SECTION("fewer than 4 octets for a header") {
        expect_status(resp().u8(2).u8(0x10).u8(0).frame(), st::ESME_RINVOPTPARSTREAM);
        expect_status(resp().tlv(0x0210, "\x34").u8(0).frame(), st::ESME_RINVOPTPARSTREAM);
    }
    SECTION("a length past the end") {
        expect_status(resp().u16(0x1400).u16(5).raw("abc").frame(), st::ESME_RINVOPTPARSTREAM);
    }
    SECTION("a fixed-length tag with the wrong length") {
        expect_status(resp().tlv(0x0210, std::string("\x34\x00", 2)).frame(), st::ESME_RINVPARLEN);
        expect_status(resp().tlv(0x0210, "").frame(), st::ESME_RINVPARLEN);
    }
    SECTION("a variable-length tag over its maximum") {
        FrameBuilder d(command_id::data_sm);
        d.cstr("").u8(0).u8(0).cstr("44").u8(0).u8(0).cstr("45").u8(0).u8(0).u8(0);
        d.tlv(0x001E, std::string(66, 'r'));
        expect_status(d.frame(), st::ESME_RINVPARLEN);
    }
    SECTION("vendor TLVs of any length pass") {
        expect_status(resp().tlv(0x1400, "").tlv(0x1401, "abc").frame(), st::ESME_ROK);
    }
}

TEST_CASE("decode table: submit_sm_resp and deliver_sm_resp take TLVs after message_id") {
    // As SMSCs speaking SMPP 5.0 send them on 3.4 binds (GSM, MAP error 34).
    const std::string network_error("\x03\x00\x22", 3);
    SECTION("ESME_ROK keeps its message_id and the TLVs, and re-encodes to the same octets") {
        const auto f = FrameBuilder(command_id::submit_sm_resp, 4)
                           .cstr("c-77")
                           .tlv(0x001D, std::string("queued\0", 7))
                           .tlv(0x0423, network_error)
                           .tlv(0x0425, std::string(1, '\0'))
                           .frame();
        const auto r = decode(f);
        REQUIRE(ok(r));
        const Pdu& p = std::get<Pdu>(r);
        REQUIRE(p.as<SubmitSmResp>());
        CHECK(p.as<SubmitSmResp>()->message_id == "c-77");
        const auto& tlvs = p.as<SubmitSmResp>()->tlvs;
        CHECK(tlvs.size() == 3);
        CHECK(tlvs.cstring(tlv_tag::additional_status_info_text) == "queued");
        CHECK(tlvs.network_error_code() == NetworkErrorCode{3, 34});
        CHECK(tlvs.u8(tlv_tag::delivery_failure_reason) == 0);
        std::vector<std::uint8_t> out;
        CHECK_FALSE(encode(p, out));
        CHECK(out == f);
    }
    SECTION("a refusal with TLVs keeps its status") {
        const auto r = decode(FrameBuilder(command_id::submit_sm_resp, 5, st::ESME_RSUBMITFAIL)
                                  .cstr("")
                                  .tlv(0x0423, network_error)
                                  .frame());
        REQUIRE(ok(r));
        CHECK(std::get<Pdu>(r).status == st::ESME_RSUBMITFAIL);
        CHECK(std::get<Pdu>(r).as<SubmitSmResp>()->tlvs.network_error_code() == NetworkErrorCode{3, 34});
    }
    SECTION("deliver_sm_resp alike") {
        const auto r = decode(FrameBuilder(command_id::deliver_sm_resp, 6).cstr("").tlv(0x0425, "\x02").frame());
        REQUIRE(ok(r));
        CHECK(std::get<Pdu>(r).as<DeliverSmResp>()->tlvs.u8(tlv_tag::delivery_failure_reason) == 2);
    }
    SECTION("a broken TLV area is refused by both codecs like any other") {
        expect_status(FrameBuilder(command_id::submit_sm_resp).cstr("id").u8(0).frame(), st::ESME_RINVOPTPARSTREAM);
        expect_status(FrameBuilder(command_id::submit_sm_resp).cstr("id").tlv(0x0423, "\x03").frame(),
                      st::ESME_RINVPARLEN);
        expect_status(FrameBuilder(command_id::deliver_sm_resp).cstr("").u16(0x0425).u16(2).u8(1).frame(),
                      st::ESME_RINVOPTPARSTREAM);
    }
}

TEST_CASE("decode table: error responses may omit the body") {
    for (auto id : {command_id::submit_sm_resp, command_id::bind_transmitter_resp, command_id::query_sm_resp,
                    command_id::submit_multi_resp, command_id::data_sm_resp, command_id::deliver_sm_resp}) {
        INFO(name(id));
        auto frame = FrameBuilder(id, 9, st::ESME_RSUBMITFAIL).frame();
        for (const auto& r : {decode(frame), libsmpp34_codec::decode(frame)}) {
            REQUIRE(ok(r));
            const Pdu& p = std::get<Pdu>(r);
            CHECK(p.status == st::ESME_RSUBMITFAIL);
            CHECK(p.sequence_number == 9);
            CHECK(p.id() == id);
            CHECK(p.body == make_body(id));
        }
    }
    SECTION("and a body they do send is decoded") {
        auto r = decode(FrameBuilder(command_id::submit_sm_resp, 1, st::ESME_RSUBMITFAIL).cstr("m-1").frame());
        REQUIRE(ok(r));
        CHECK(std::get<Pdu>(r).as<SubmitSmResp>()->message_id == "m-1");
    }
}

TEST_CASE("facade encode refuses oversize fields and appends nothing") {
    std::vector<std::uint8_t> out{0xAA};
    auto bind = smpp::protocol::test::sample_bind<BindTransmitter>();
    bind.system_id = std::string(16, 's');
    CHECK(encode(Pdu{st::ESME_ROK, 1, bind}, out) == make_error_code(st::ESME_RINVSYSID));
    SubmitSm sm;
    sm.short_message = std::string(255, 'x');
    CHECK(encode(Pdu{st::ESME_ROK, 1, sm}, out) == make_error_code(st::ESME_RINVMSGLEN));
    sm.short_message = "";
    sm.source.addr = std::string(21, '4');
    CHECK(encode(Pdu{st::ESME_ROK, 1, sm}, out) == make_error_code(st::ESME_RINVSRCADR));
    CHECK(out == std::vector<std::uint8_t>{0xAA});
}
