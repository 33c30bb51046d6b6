#include "smpp/protocol/fast_codec.hpp"

#include <map>

#include <catch2/catch.hpp>

#include "smpp/protocol/codec.hpp"

#include "smpp/protocol/libsmpp34_codec.hpp"
#include "test/smpp/protocol/codec_differential.hpp"
#include "test/smpp/protocol/frame_builder.hpp"
#include "test/smpp/protocol/hot_frames.hpp"

using namespace smpp::protocol;
using smpp::test::FrameBuilder;

namespace {

using Bytes = std::vector<std::uint8_t>;

Pdu decode_ok(const Bytes& frame) {
    auto r = fast_codec::decode(frame);
    if (const auto* e = std::get_if<DecodeError>(&r)) FAIL("decode failed: " << name(e->status) << " " << e->detail);
    return std::get<Pdu>(r);
}

command_status decode_status(const Bytes& frame) {
    auto r = fast_codec::decode(frame);
    if (const auto* e = std::get_if<DecodeError>(&r)) return e->status;
    return command_status::ESME_ROK;
}

Bytes encode_ok(const Pdu& pdu) {
    Bytes out;
    auto ec = fast_codec::encode(pdu, out);
    REQUIRE_FALSE(ec);
    return out;
}

std::string hex(const Bytes& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto o : b) s += {digits[o >> 4], digits[o & 15]};
    return s;
}

// Encoding must refuse with this status and leave the output untouched.
void require_refused(const Pdu& pdu, command_status expected) {
    Bytes out{0xAA, 0xBB};
    auto ec = fast_codec::encode(pdu, out);
    CHECK(ec == make_error_code(expected));
    CHECK(out == Bytes{0xAA, 0xBB});
}

}  // namespace

TEST_CASE("fast_codec handles exactly the hot PDUs and those libsmpp34 cannot hold large") {
    for (auto id : {command_id::submit_sm, command_id::submit_sm_resp, command_id::deliver_sm,
                    command_id::deliver_sm_resp, command_id::data_sm, command_id::data_sm_resp,
                    command_id::enquire_link, command_id::enquire_link_resp, command_id::generic_nack,
                    command_id::submit_multi, command_id::submit_multi_resp, command_id::bind_transmitter_resp,
                    command_id::bind_receiver_resp, command_id::bind_transceiver_resp})
        CHECK(fast_codec::handles(id));
    for (auto id : {command_id::bind_transmitter, command_id::unbind, command_id::query_sm,
                    command_id::alert_notification, command_id::outbind, command_id::cancel_sm_resp})
        CHECK_FALSE(fast_codec::handles(id));
}

TEST_CASE("fast_codec encodes and decodes a typical submit_sm") {
    const Pdu pdu = smpp::test::typical_submit_sm();
    const Bytes frame = smpp::test::typical_submit_sm_frame();
    CHECK(encode_ok(pdu) == frame);
    CHECK(decode_ok(frame) == pdu);
}

TEST_CASE("fast_codec encodes and decodes a delivery receipt with its TLVs") {
    const Pdu pdu = smpp::test::typical_deliver_sm_receipt();
    const Bytes frame = smpp::test::typical_deliver_sm_receipt_frame();
    CHECK(encode_ok(pdu) == frame);
    const Pdu back = decode_ok(frame);
    CHECK(back == pdu);
    const auto* sm = back.as<DeliverSm>();
    REQUIRE(sm);
    CHECK(sm->tlvs.receipted_message_id() == "7f3a9c21e4");
    CHECK(sm->tlvs.message_state() == message_state::delivered);
}

TEST_CASE("fast_codec round-trips every valid hot frame octet for octet") {
    for (const auto& f : smpp::test::hot_frames()) {
        if (f.expect != command_status::ESME_ROK) continue;
        INFO(f.name);
        const Pdu pdu = decode_ok(f.bytes);
        const bool bodiless_error = f.bytes.size() == header_size && pdu.status != command_status::ESME_ROK;
        if (!bodiless_error) CHECK(encode_ok(pdu) == f.bytes);
    }
}

TEST_CASE("fast_codec decodes each hot PDU's fields") {
    SECTION("submit_sm_resp") {
        const Pdu p = decode_ok(FrameBuilder(command_id::submit_sm_resp, 9).cstr("abc-1").frame());
        CHECK(p.sequence_number == 9);
        CHECK(p.as<SubmitSmResp>()->message_id == "abc-1");
    }
    SECTION("deliver_sm_resp") {
        const Pdu p = decode_ok(FrameBuilder(command_id::deliver_sm_resp, 10).cstr("").frame());
        CHECK(p.as<DeliverSmResp>());
    }
    SECTION("data_sm keeps 64-octet addresses and the payload") {
        const std::string long_addr(64, '7');
        const Pdu p = decode_ok(FrameBuilder(command_id::data_sm, 11).cstr("WAP").address(1, 1, long_addr)
                                    .address(2, 8, "123").u8(0x04).u8(1).u8(8)
                                    .tlv(tlv_tag::message_payload, "body").frame());
        const auto* d = p.as<DataSm>();
        REQUIRE(d);
        CHECK(d->service_type == "WAP");
        CHECK(d->source == Address{1, 1, long_addr});
        CHECK(d->dest == Address{2, 8, "123"});
        CHECK(d->esm_class == 4);
        CHECK(d->registered_delivery == 1);
        CHECK(d->data_coding == 8);
        CHECK(d->tlvs.message_payload() == "body");
    }
    SECTION("data_sm_resp") {
        const Pdu p = decode_ok(FrameBuilder(command_id::data_sm_resp, 12).cstr("m1")
                                    .tlv(tlv_tag::delivery_failure_reason, "\x01").frame());
        CHECK(p.as<DataSmResp>()->message_id == "m1");
        CHECK(p.as<DataSmResp>()->tlvs.u8(tlv_tag::delivery_failure_reason) == 1);
    }
    SECTION("header-only PDUs") {
        CHECK(decode_ok(FrameBuilder(command_id::enquire_link, 13).frame()).as<EnquireLink>());
        CHECK(decode_ok(FrameBuilder(command_id::enquire_link_resp, 14).frame()).as<EnquireLinkResp>());
        const Pdu nack =
            decode_ok(FrameBuilder(command_id::generic_nack, 15, command_status::ESME_RINVCMDLEN).frame());
        CHECK(nack.as<GenericNack>());
        CHECK(nack.status == command_status::ESME_RINVCMDLEN);
    }
}

TEST_CASE("fast_codec keeps TLVs raw, in wire order, duplicates and vendor tags included") {
    const Bytes frame = FrameBuilder(command_id::submit_sm, 1).cstr("").address(0, 0, "1").address(0, 0, "2")
                            .u8(0).u8(0).u8(0).cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).sm("x")
                            .tlv(0x1401, "v1").tlv(tlv_tag::sar_segment_seqnum, "\x02").tlv(0x1401, "v2")
                            .tlv(0x3FFF, "").frame();
    const Pdu p = decode_ok(frame);
    const auto& items = p.as<SubmitSm>()->tlvs.items();
    REQUIRE(items.size() == 4);
    CHECK(items[0] == Tlv{0x1401, "v1"});
    CHECK(items[1] == Tlv{0x020F, "\x02"});
    CHECK(items[2] == Tlv{0x1401, "v2"});
    CHECK(items[3] == Tlv{0x3FFF, ""});
    CHECK(encode_ok(p) == frame);
}

TEST_CASE("fast_codec keeps the TLVs an SMPP 5.0 SMSC appends to submit_sm_resp") {
    const std::string network_error("\x03\x00\x22", 3);
    SECTION("ESME_ROK: the message_id a receipt will name, then the TLVs") {
        const Bytes frame = FrameBuilder(command_id::submit_sm_resp, 9)
                                .cstr("abc-1")
                                .tlv(tlv_tag::additional_status_info_text, std::string("queued\0", 7))
                                .tlv(tlv_tag::network_error_code, network_error)
                                .tlv(0x1401, "vendor")
                                .frame();
        const Pdu p = decode_ok(frame);
        CHECK(p.status == command_status::ESME_ROK);
        CHECK(p.as<SubmitSmResp>()->message_id == "abc-1");
        const auto& items = p.as<SubmitSmResp>()->tlvs.items();
        REQUIRE(items.size() == 3);
        CHECK(items[0] == Tlv{0x001D, std::string("queued\0", 7)});
        CHECK(items[1] == Tlv{0x0423, network_error});
        CHECK(items[2] == Tlv{0x1401, "vendor"});
        CHECK(encode_ok(p) == frame);
    }
    SECTION("a refusal: status and TLVs after an empty message_id") {
        const Bytes frame = FrameBuilder(command_id::submit_sm_resp, 10, command_status::ESME_RSUBMITFAIL)
                                .cstr("")
                                .tlv(tlv_tag::delivery_failure_reason, "\x01")
                                .frame();
        const Pdu p = decode_ok(frame);
        CHECK(p.status == command_status::ESME_RSUBMITFAIL);
        CHECK(p.as<SubmitSmResp>()->tlvs.u8(tlv_tag::delivery_failure_reason) == 1);
        CHECK(encode_ok(p) == frame);
    }
    SECTION("a TLV breaking its length is refused on encode too") {
        SubmitSmResp r{"id"};
        r.tlvs.append(0x0423, "\x03");
        require_refused(Pdu{command_status::ESME_ROK, 1, r}, command_status::ESME_RINVPARLEN);
    }
}

TEST_CASE("fast_codec accepts a bodiless error response and re-encodes its mandatory fields") {
    const Pdu p = decode_ok(FrameBuilder(command_id::submit_sm_resp, 5, command_status::ESME_RTHROTTLED).frame());
    CHECK(p.status == command_status::ESME_RTHROTTLED);
    CHECK(p.as<SubmitSmResp>()->message_id.empty());
    CHECK(encode_ok(p) == FrameBuilder(command_id::submit_sm_resp, 5, command_status::ESME_RTHROTTLED).cstr("").frame());
    // With status 0 the message_id is mandatory.
    CHECK(decode_status(FrameBuilder(command_id::submit_sm_resp, 5).frame()) == command_status::ESME_RINVCMDLEN);
}

TEST_CASE("fast_codec refuses each malformed hot frame with the exact status") {
    for (const auto& f : smpp::test::hot_frames()) {
        if (f.expect == command_status::ESME_ROK) continue;
        INFO(f.name);
        CHECK(name(decode_status(f.bytes)) == name(f.expect));
    }
}

TEST_CASE("fast_codec reports the first failing field in wire order") {
    // source_addr overflows before the sm_length that would also be wrong.
    const Bytes frame = FrameBuilder(command_id::submit_sm, 1).cstr("").address(1, 1, std::string(30, '1'))
                            .address(1, 1, "2").u8(0).u8(0).u8(0).cstr("").cstr("").u8(0).u8(0).u8(0).u8(0)
                            .u8(255).frame();
    CHECK(decode_status(frame) == command_status::ESME_RINVSRCADR);
    // A bad TLV after a good one.
    const Bytes tlvs = FrameBuilder(command_id::data_sm_resp, 1).cstr("id").tlv(tlv_tag::message_state, "\x02")
                           .tlv(tlv_tag::message_state, "\x02\x02").u8(0).frame();
    CHECK(decode_status(tlvs) == command_status::ESME_RINVPARLEN);
}

TEST_CASE("fast_codec gives a readable reason with each refusal") {
    auto r = fast_codec::decode(FrameBuilder(command_id::submit_sm, 1).cstr("").address(1, 1, std::string(21, '1'))
                                    .frame());
    const auto* e = std::get_if<DecodeError>(&r);
    REQUIRE(e);
    CHECK(e->status == command_status::ESME_RINVSRCADR);
    CHECK(e->detail == "source_addr: no NUL within 21 octets");
}

TEST_CASE("fast_codec leaves PDUs it does not handle to the reference codec") {
    CHECK(decode_status(FrameBuilder(command_id::bind_transmitter, 1).cstr("sys").cstr("pw").cstr("").u8(0x34)
                            .u8(0).u8(0).cstr("").frame()) == command_status::ESME_RINVCMDID);
    Bytes out;
    CHECK(fast_codec::encode(Pdu{command_status::ESME_ROK, 1, Unbind{}}, out) ==
          make_error_code(command_status::ESME_RINVCMDID));
    CHECK(out.empty());
}

TEST_CASE("fast_codec appends to the output and writes the header from the Pdu") {
    Bytes out{1, 2, 3};
    REQUIRE_FALSE(fast_codec::encode(Pdu{command_status::ESME_ROK, 0x7FFFFFFF, EnquireLinkResp{}}, out));
    CHECK(out == Bytes{1, 2, 3, 0, 0, 0, 16, 0x80, 0, 0, 0x15, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("fast_codec refuses to encode fields that do not fit") {
    auto sm = [](auto edit) {
        Pdu p = smpp::test::typical_submit_sm();
        edit(*p.as<SubmitSm>());
        return p;
    };
    require_refused(sm([](SubmitSm& s) { s.service_type = "CMTXYZ"; }), command_status::ESME_RINVSERTYP);
    require_refused(sm([](SubmitSm& s) { s.source.addr = std::string(21, '1'); }), command_status::ESME_RINVSRCADR);
    require_refused(sm([](SubmitSm& s) { s.dest.addr = std::string(21, '1'); }), command_status::ESME_RINVDSTADR);
    require_refused(sm([](SubmitSm& s) { s.dest.addr = std::string("12\0" "34", 5); }),
                    command_status::ESME_RINVDSTADR);
    require_refused(sm([](SubmitSm& s) { s.schedule_delivery_time = std::string(17, '0'); }),
                    command_status::ESME_RINVSCHED);
    require_refused(sm([](SubmitSm& s) { s.validity_period = std::string(17, '0'); }),
                    command_status::ESME_RINVEXPIRY);
    require_refused(sm([](SubmitSm& s) { s.short_message = std::string(255, 'a'); }),
                    command_status::ESME_RINVMSGLEN);
    require_refused(sm([](SubmitSm& s) { s.tlvs.append(0x0427, std::string(2, '\1')); }),
                    command_status::ESME_RINVPARLEN);
    require_refused(sm([](SubmitSm& s) { s.tlvs.append(0x1401, std::string(65536, 'v')); }),
                    command_status::ESME_RINVPARLEN);
    // The first offending field in wire order decides.
    require_refused(sm([](SubmitSm& s) {
                        s.source.addr = std::string(21, '1');
                        s.short_message = std::string(255, 'a');
                    }),
                    command_status::ESME_RINVSRCADR);

    require_refused(Pdu{command_status::ESME_ROK, 1, SubmitSmResp{std::string(65, 'i')}},
                    command_status::ESME_RINVMSGID);
    DataSm data;
    data.source.addr = std::string(64, '1');
    Bytes out;
    CHECK_FALSE(fast_codec::encode(Pdu{command_status::ESME_ROK, 1, data}, out));
    data.source.addr = std::string(65, '1');
    require_refused(Pdu{command_status::ESME_ROK, 1, data}, command_status::ESME_RINVSRCADR);
    require_refused(Pdu{command_status::ESME_ROK, 1, DataSmResp{std::string(65, 'i'), {}}},
                    command_status::ESME_RINVMSGID);
    // The largest values that fit are written.
    CHECK_FALSE(fast_codec::encode(sm([](SubmitSm& s) {
                                       s.service_type = "CMT01";
                                       s.source.addr = std::string(20, '1');
                                       s.short_message = std::string(254, 'a');
                                       s.tlvs.append(0x1401, std::string(65535, 'v'));
                                   }),
                                   out));
}

TEST_CASE("fast_codec and libsmpp34_codec agree on the named hot frames") {
    for (const auto& f : smpp::test::hot_frames()) {
        INFO(f.name);
        const auto c = smpp::test::compare_codecs(f.bytes);
        INFO(c.why);
        CHECK(c.result != smpp::test::verdict::disagree);
    }
}

TEST_CASE("fast_codec and libsmpp34_codec agree on generated and mutated frames") {
    smpp::test::Rng rng(0x5EED'C0DEC);
    constexpr int cases = 4000;
    int decoded = 0, refused = 0, limits_hit = 0, disagreements = 0;
    for (int i = 0; i < cases; ++i) {
        auto frame = smpp::test::random_hot_frame(rng);
        if (i % 2) smpp::test::mutate(rng, frame);
        const auto c = smpp::test::compare_codecs(frame);
        if (c.result == smpp::test::verdict::libsmpp34_limit) {
            ++limits_hit;
            continue;
        }
        if (c.result == smpp::test::verdict::disagree) {
            if (++disagreements <= 10) {
                UNSCOPED_INFO("case " << i << ": " << c.why << "\n  frame " << hex(frame));
            }
            continue;
        }
        ok(fast_codec::decode(frame)) ? ++decoded : ++refused;
    }
    CHECK(disagreements == 0);
    // The generator must exercise both sides, not just one.
    CHECK(decoded > cases / 5);
    CHECK(refused > cases / 5);
    CHECK(limits_hit < cases / 10);
}

// ------------------------------------------------- beyond libsmpp34's limits

namespace {

// n destinations, every third a distribution list.
SubmitMulti multi_with(std::size_t n) {
    SubmitMulti m;
    m.service_type = "CMT";
    m.source = {5, 0, "ACME"};
    m.esm_class = 0x40;
    m.registered_delivery = 1;
    m.data_coding = 8;
    m.short_message = "\x05\x00\x03\x2A\x02\x01" "hi";
    m.tlvs.append(static_cast<std::uint16_t>(tlv_tag::user_message_reference), std::string("\x00\x07", 2));
    for (std::size_t i = 0; i < n; ++i) {
        MultiDest d;
        if (i % 3 == 2) {
            d.dest_flag = MultiDest::distribution_list;
            d.dl_name = "list" + std::to_string(i);
        } else {
            d.address = {1, 1, "4477009" + std::to_string(10000 + i)};
        }
        m.dests.push_back(d);
    }
    return m;
}

Bytes multi_frame(const SubmitMulti& m, std::uint32_t seq) {
    FrameBuilder b(command_id::submit_multi, seq);
    b.cstr("CMT").address(5, 0, "ACME").u8(static_cast<std::uint8_t>(m.dests.size()));
    for (const auto& d : m.dests) {
        b.u8(d.dest_flag);
        if (d.dest_flag == MultiDest::sme_address) b.address(d.address.ton, d.address.npi, d.address.addr);
        else b.cstr(d.dl_name);
    }
    b.u8(0x40).u8(0).u8(0).cstr("").cstr("").u8(1).u8(0).u8(8).u8(0).sm(m.short_message);
    b.tlv(tlv_tag::user_message_reference, std::string("\x00\x07", 2));
    return b.frame();
}

}  // namespace

TEST_CASE("fast_codec writes and reads submit_multi with 254 destinations, SME and distribution list") {
    const SubmitMulti m = multi_with(limits::dests);
    const Pdu pdu{command_status::ESME_ROK, 0x1234, m};
    const Bytes frame = multi_frame(m, 0x1234);
    CHECK(encode_ok(pdu) == frame);
    CHECK(decode_ok(frame) == pdu);
    // The codec facade takes the same path; libsmpp34 could not.
    Bytes via_facade;
    REQUIRE_FALSE(encode(pdu, via_facade));
    CHECK(via_facade == frame);
    const auto back = decode(frame);
    REQUIRE(std::holds_alternative<Pdu>(back));
    CHECK(std::get<Pdu>(back) == pdu);
    CHECK(std::holds_alternative<DecodeError>(libsmpp34_codec::decode(frame)));
}

TEST_CASE("fast_codec submit_multi: number_of_dests and dest_flag limits") {
    require_refused(Pdu{command_status::ESME_ROK, 1, multi_with(255)}, command_status::ESME_RINVNUMDESTS);
    require_refused(Pdu{command_status::ESME_ROK, 1, multi_with(0)}, command_status::ESME_RINVNUMDESTS);
    SubmitMulti bad_flag = multi_with(3);
    bad_flag.dests[1].dest_flag = 3;
    require_refused(Pdu{command_status::ESME_ROK, 1, bad_flag}, command_status::ESME_RINVDESTFLAG);
    SubmitMulti long_dl = multi_with(3);
    long_dl.dests[2].dl_name = std::string(21, 'd');
    require_refused(Pdu{command_status::ESME_ROK, 1, long_dl}, command_status::ESME_RINVDLNAME);
    SubmitMulti long_dest = multi_with(3);
    long_dest.dests[0].address.addr = std::string(21, '4');
    require_refused(Pdu{command_status::ESME_ROK, 1, long_dest}, command_status::ESME_RINVDSTADR);

    auto head = [] { return FrameBuilder(command_id::submit_multi).cstr("").address(1, 1, "44"); };
    CHECK(decode_status(head().u8(255).frame()) == command_status::ESME_RINVNUMDESTS);
    CHECK(decode_status(head().u8(0).frame()) == command_status::ESME_RINVNUMDESTS);
    CHECK(decode_status(head().u8(2).u8(1).address(1, 1, "1").u8(9).frame()) == command_status::ESME_RINVDESTFLAG);
    CHECK(decode_status(head().u8(1).u8(2).fill(21, 'd').u8(0).frame()) == command_status::ESME_RINVDLNAME);
    CHECK(decode_status(head().u8(2).u8(1).address(1, 1, "1").frame()) == command_status::ESME_RINVCMDLEN);
}

TEST_CASE("fast_codec writes and reads submit_multi_resp with 255 unsuccess_smes") {
    SubmitMultiResp r;
    r.message_id = "01JABCDEFGHJK";
    FrameBuilder b(command_id::submit_multi_resp, 77);
    b.cstr(r.message_id).u8(255);
    for (std::uint32_t i = 0; i < 255; ++i) {
        r.unsuccess_smes.push_back({{1, 1, "4477009" + std::to_string(10000 + i)}, 0x0B + i});
        b.address(1, 1, "4477009" + std::to_string(10000 + i)).u32(0x0B + i);
    }
    const Pdu pdu{command_status::ESME_ROK, 77, r};
    CHECK(encode_ok(pdu) == b.frame());
    CHECK(decode_ok(b.frame()) == pdu);
    r.unsuccess_smes.push_back({{1, 1, "1"}, 1});
    require_refused(Pdu{command_status::ESME_ROK, 77, r}, command_status::ESME_RINVNUMDESTS);
    // Nothing after the list: submit_multi_resp has no TLVs in SMPP 3.4.
    CHECK(decode_status(FrameBuilder(command_id::submit_multi_resp).cstr("x").u8(0).u8(0).frame()) ==
          command_status::ESME_RINVCMDLEN);
    CHECK(decode_status(FrameBuilder(command_id::submit_multi_resp).cstr("x").u8(1).address(1, 1, "4").u16(0).frame()) ==
          command_status::ESME_RINVCMDLEN);
}

TEST_CASE("fast_codec writes and reads bind_*_resp with many TLVs") {
    BindTransceiverResp r;
    r.system_id = "SMSC01";
    FrameBuilder b(command_id::bind_transceiver_resp, 5);
    b.cstr("SMSC01");
    r.tlvs.append(static_cast<std::uint16_t>(tlv_tag::sc_interface_version), "\x34");
    b.tlv(tlv_tag::sc_interface_version, "\x34");
    for (std::uint16_t i = 0; i < 60; ++i) {
        const std::string v = "vendor-" + std::to_string(i);
        r.tlvs.append(static_cast<std::uint16_t>(0x1400 + i), v);
        b.tlv(static_cast<std::uint16_t>(0x1400 + i), v);
    }
    const Pdu pdu{command_status::ESME_ROK, 5, r};
    CHECK(encode_ok(pdu) == b.frame());
    CHECK(decode_ok(b.frame()) == pdu);
    Bytes via_facade;
    REQUIRE_FALSE(encode(pdu, via_facade));
    CHECK(via_facade == b.frame());

    const Pdu rx{command_status::ESME_ROK, 6, BindReceiverResp{"S", {}}};
    CHECK(encode_ok(rx) == FrameBuilder(command_id::bind_receiver_resp, 6).cstr("S").frame());
    const Pdu tx{command_status::ESME_RBINDFAIL, 7, BindTransmitterResp{}};
    CHECK(decode_ok(FrameBuilder(command_id::bind_transmitter_resp, 7, command_status::ESME_RBINDFAIL).frame()) == tx);
    require_refused(Pdu{command_status::ESME_ROK, 1, BindReceiverResp{std::string(16, 's'), {}}},
                    command_status::ESME_RINVSYSID);
}

TEST_CASE("the differential generator reaches every PDU fast_codec handles, decoded and refused") {
    smpp::test::Rng rng(0xB1D5'0FF);
    std::map<command_id, int> decoded;
    for (int i = 0; i < 3000; ++i) {
        const auto frame = smpp::test::random_hot_frame(rng);
        const auto r = fast_codec::decode(frame);
        if (const auto* p = std::get_if<Pdu>(&r)) ++decoded[p->id()];
    }
    for (auto id : {command_id::submit_multi, command_id::submit_multi_resp, command_id::bind_transmitter_resp,
                    command_id::bind_receiver_resp, command_id::bind_transceiver_resp}) {
        INFO(name(id));
        CHECK(decoded[id] > 20);
    }
}
