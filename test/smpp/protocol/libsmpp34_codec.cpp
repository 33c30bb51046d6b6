// The reference codec through libsmpp34: round trips, exact bytes, the
// semantic octets libsmpp34 would refuse (TON, NPI, interface_version,
// vendor statuses), its documented limits, and thread safety under TSan.
#include "smpp/protocol/libsmpp34_codec.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "test/smpp/protocol/sample_pdus.hpp"

using namespace smpp::protocol;
using smpp::protocol::test::FrameBuilder;
using smpp::protocol::test::octets;
using st = command_status;

// libsmpp34's field log and its write cursor (see LogBudget in
// libsmpp34_codec.cpp): the log-budget test checks the cursor stays inside.
extern "C" {
extern char smpp34_strerror[2048];
extern unsigned char* ptrerror;
}

namespace {

std::ptrdiff_t libsmpp34_log_used() {
    return ptrerror - reinterpret_cast<unsigned char*>(smpp34_strerror);
}

std::vector<std::uint8_t> must_encode(const Pdu& pdu) {
    std::vector<std::uint8_t> out;
    auto ec = libsmpp34_codec::encode(pdu, out);
    INFO(ec.message());
    REQUIRE_FALSE(ec);
    return out;
}

Pdu must_decode(const std::vector<std::uint8_t>& frame) {
    auto r = libsmpp34_codec::decode(frame);
    if (const auto* e = std::get_if<DecodeError>(&r)) FAIL(name(e->status) << ": " << e->detail);
    return std::get<Pdu>(r);
}

DecodeError must_fail(const std::vector<std::uint8_t>& frame) {
    auto r = libsmpp34_codec::decode(frame);
    REQUIRE_FALSE(ok(r));
    return std::get<DecodeError>(r);
}

}  // namespace

TEST_CASE("libsmpp34_codec round trip of every PDU type") {
    auto samples = smpp::protocol::test::sample_pdus();
    REQUIRE(samples.size() == std::variant_size_v<PduBody>);
    for (const Pdu& pdu : samples) {
        INFO(name(pdu.id()));
        auto bytes = must_encode(pdu);
        Pdu back = must_decode(bytes);
        CHECK(back == pdu);
        CHECK(must_encode(back) == bytes);
    }
}

TEST_CASE("libsmpp34_codec encodes submit_sm to the exact octets") {
    SubmitSm sm;
    sm.service_type = "CMT";
    sm.source = {1, 1, "44"};
    sm.dest = {1, 1, "45"};
    sm.registered_delivery = 1;
    sm.short_message = "Hi";
    sm.tlvs.set_u16(tlv_tag::user_message_reference, 0x0102);
    sm.tlvs.append(0x1400, "v");
    auto expected = FrameBuilder(command_id::submit_sm, 0x2A)
                        .cstr("CMT").u8(1).u8(1).cstr("44").u8(1).u8(1).cstr("45").u8(0).u8(0).u8(0)
                        .cstr("").cstr("").u8(1).u8(0).u8(0).u8(0).u8(2).raw("Hi")
                        .tlv(0x0204, octets({1, 2})).tlv(0x1400, "v").frame();
    CHECK(must_encode(Pdu{st::ESME_ROK, 0x2A, sm}) == expected);
    CHECK(must_decode(expected) == Pdu{st::ESME_ROK, 0x2A, sm});
}

TEST_CASE("libsmpp34_codec keeps TLVs in wire order with duplicates and typed accessors work") {
    auto frame = FrameBuilder(command_id::deliver_sm)
                     .cstr("").u8(1).u8(1).cstr("44").u8(5).u8(0).cstr("Brand").u8(4).u8(0).u8(0).cstr("").cstr("")
                     .u8(0).u8(0).u8(0).u8(0).u8(0)
                     .tlv(0x1400, "first").tlv(0x0427, octets({2})).tlv(0x001E, std::string("abc\0", 4))
                     .tlv(0x0423, octets({3, 0x01, 0x02})).tlv(0x1400, "second").tlv(0x020A, octets({0x0B, 0x84}))
                     .frame();
    Pdu p = must_decode(frame);
    const auto& t = p.as<DeliverSm>()->tlvs;
    REQUIRE(t.size() == 6);
    CHECK(t.items()[0] == Tlv{0x1400, "first"});
    CHECK(t.items()[4] == Tlv{0x1400, "second"});
    CHECK(t.message_state() == message_state::delivered);
    CHECK(t.receipted_message_id() == "abc");
    CHECK(t.network_error_code() == NetworkErrorCode{3, 0x0102});
    CHECK(t.source_port() == 0x0B84);
    CHECK(must_encode(p) == frame);
}

TEST_CASE("libsmpp34_codec passes the octets libsmpp34 would reject semantically") {
    SECTION("TON, NPI and interface_version outside libsmpp34's lists") {
        auto bind = smpp::protocol::test::sample_bind<BindTransmitter>();
        bind.interface_version = 0x50;
        bind.addr_ton = 7;
        bind.addr_npi = 0x55;
        Pdu pdu{st::ESME_ROK, 5, bind};
        CHECK(must_decode(must_encode(pdu)) == pdu);

        auto sm = smpp::protocol::test::sample_short_message<SubmitSm>();
        sm.source.ton = 0xFF;
        sm.dest.npi = 0x77;
        Pdu spdu{st::ESME_ROK, 6, sm};
        CHECK(must_decode(must_encode(spdu)) == spdu);
    }
    SECTION("vendor command_status, sequence_number 0 and the top one") {
        Pdu resp{static_cast<command_status>(0x400), 0, QuerySmResp{"id", "", 5, 1}};
        auto bytes = must_encode(resp);
        CHECK(bytes[8] == 0);
        CHECK(bytes[10] == 4);
        CHECK(must_decode(bytes) == resp);
        Pdu top{st::ESME_ROK, max_sequence_number, CancelSmResp{}};
        CHECK(must_decode(must_encode(top)) == top);
    }
    SECTION("submit_sm_resp with an error keeps its message_id") {
        Pdu resp{st::ESME_RTHROTTLED, 3, SubmitSmResp{"m-9"}};
        auto bytes = must_encode(resp);
        CHECK(bytes.size() == 16 + 4);
        CHECK(must_decode(bytes) == resp);
    }
    SECTION("an error response decoded from an empty body re-encodes with its default fields") {
        auto frame = FrameBuilder(command_id::submit_sm_resp, 1, st::ESME_RTHROTTLED).frame();
        auto bytes = must_encode(must_decode(frame));
        CHECK(bytes.size() == 17);
    }
}

TEST_CASE("libsmpp34_codec reports libsmpp34's limits as ESME_RSYSERR") {
    auto is_limit = [](const DecodeError& e) {
        CHECK(e.status == st::ESME_RSYSERR);
        CHECK(e.detail.rfind("libsmpp34 limit:", 0) == 0);
    };
    SECTION("TLV values over 1024 octets") {
        auto f = FrameBuilder(command_id::bind_receiver_resp).cstr("S").tlv(0x1400, std::string(1025, 'v')).frame();
        is_limit(must_fail(f));
        DataSm d;
        d.tlvs.set_bytes(tlv_tag::message_payload, std::string(1025, 'p'));
        std::vector<std::uint8_t> out;
        CHECK(libsmpp34_codec::encode(Pdu{st::ESME_ROK, 1, d}, out) == make_error_code(st::ESME_RSYSERR));
        CHECK(out.empty());
        d.tlvs.set_bytes(tlv_tag::message_payload, std::string(1024, 'p'));
        Pdu ok_pdu{st::ESME_ROK, 1, d};
        CHECK(must_decode(must_encode(ok_pdu)) == ok_pdu);
    }
    SECTION("data_sm source_addr over 20 characters") {
        auto f = FrameBuilder(command_id::data_sm).cstr("").u8(0).u8(0).fill(21, '4').u8(0).u8(0).u8(0).cstr("45")
                     .u8(0).u8(0).u8(0).frame();
        is_limit(must_fail(f));
    }
    SECTION("deliver_sm times and deliver_sm_resp message_id must be empty") {
        auto f = FrameBuilder(command_id::deliver_sm).cstr("").u8(0).u8(0).cstr("44").u8(0).u8(0).cstr("45").u8(0)
                     .u8(0).u8(0).cstr("").cstr("000001000000000R").u8(0).u8(0).u8(0).u8(0).u8(0).frame();
        is_limit(must_fail(f));
        is_limit(must_fail(FrameBuilder(command_id::deliver_sm_resp).cstr("x").frame()));
    }
    SECTION("data_sm_resp, submit_sm_resp and deliver_sm_resp with TLVs") {
        is_limit(must_fail(FrameBuilder(command_id::data_sm_resp).cstr("id").tlv(0x0425, octets({1})).frame()));
        is_limit(must_fail(FrameBuilder(command_id::submit_sm_resp).cstr("id").tlv(0x0425, octets({1})).frame()));
        is_limit(must_fail(FrameBuilder(command_id::deliver_sm_resp).cstr("").tlv(0x0425, octets({1})).frame()));
        SubmitSmResp r{"id"};
        r.tlvs.set_u8(tlv_tag::delivery_failure_reason, 1);
        std::vector<std::uint8_t> out;
        CHECK(libsmpp34_codec::encode(Pdu{st::ESME_ROK, 1, r}, out) == make_error_code(st::ESME_RSYSERR));
        CHECK(out.empty());
    }
    SECTION("ussd_service_op over 1 octet in submit_sm") {
        auto f = FrameBuilder(command_id::submit_sm).cstr("").u8(0).u8(0).cstr("44").u8(0).u8(0).cstr("45").u8(0)
                     .u8(0).u8(0).cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).u8(0).tlv(0x0501, "ab").frame();
        is_limit(must_fail(f));
    }
    SECTION("encoding a 254-octet short_message (decoding one works)") {
        SubmitSm sm;
        sm.short_message = std::string(254, 'x');
        std::vector<std::uint8_t> out;
        CHECK(libsmpp34_codec::encode(Pdu{st::ESME_ROK, 1, sm}, out) == make_error_code(st::ESME_RSYSERR));
    }
    SECTION("a structural fault after a limit still gets its own status") {
        auto f = FrameBuilder(command_id::data_sm).cstr("").u8(0).u8(0).fill(21, '4').u8(0).u8(0).u8(0).cstr("45")
                     .u8(0).u8(0).frame();
        CHECK(must_fail(f).status == st::ESME_RINVCMDLEN);
    }
}

TEST_CASE("libsmpp34_codec encode refuses what decode would refuse") {
    auto refuse = [](PduBody body, command_status expected) {
        std::vector<std::uint8_t> out;
        CHECK(libsmpp34_codec::encode(Pdu{st::ESME_ROK, 1, std::move(body)}, out) == make_error_code(expected));
        CHECK(out.empty());
    };
    refuse(Outbind{"id", std::string(9, 'p')}, st::ESME_RINVPASWD);
    refuse(Outbind{std::string("a\0b", 3), ""}, st::ESME_RINVSYSID);
    refuse(QuerySmResp{"id", std::string(17, '0'), 0, 0}, st::ESME_RINVPARLEN);
    refuse(SubmitMulti{}, st::ESME_RINVNUMDESTS);
    SubmitMulti bad_flag;
    bad_flag.dests.resize(1);
    bad_flag.dests[0].dest_flag = 3;
    refuse(bad_flag, st::ESME_RINVDESTFLAG);
    SubmitMulti long_dl;
    long_dl.dests.resize(1);
    long_dl.dests[0].dest_flag = MultiDest::distribution_list;
    long_dl.dests[0].dl_name = std::string(21, 'd');
    refuse(long_dl, st::ESME_RINVDLNAME);
    DeliverSm d;
    d.tlvs.append(0x0427, "ab");
    refuse(d, st::ESME_RINVPARLEN);
    AlertNotification a;
    a.esme.addr = std::string(65, 'e');
    refuse(a, st::ESME_RINVDSTADR);
    CancelSm c;
    c.service_type = "TOOLONG";
    refuse(c, st::ESME_RINVSERTYP);
    ReplaceSm r;
    r.schedule_delivery_time = std::string(17, '1');
    refuse(r, st::ESME_RINVSCHED);
    r.schedule_delivery_time.clear();
    r.validity_period = std::string(17, '1');
    refuse(r, st::ESME_RINVEXPIRY);
    BindReceiver b;
    b.system_type = std::string(13, 't');
    refuse(b, st::ESME_RINVSYSTYP);
    SubmitSmResp m{std::string(65, 'm')};
    refuse(m, st::ESME_RINVMSGID);
}

// Run under ThreadSanitizer (SMPP_SANITIZE=thread): libsmpp34 writes process
// globals, so without the codec's lock this reports data races.
TEST_CASE("libsmpp34_codec is safe from many threads", "[tsan]") {
    const auto samples = smpp::protocol::test::sample_pdus();
    constexpr int threads = 4;
    constexpr int iterations = 2000;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < iterations; ++i) {
                const Pdu& pdu = samples[static_cast<std::size_t>(i + t) % samples.size()];
                std::vector<std::uint8_t> bytes;
                if (libsmpp34_codec::encode(pdu, bytes)) {
                    ++failures;
                    continue;
                }
                auto back = libsmpp34_codec::decode(bytes);
                if (!ok(back) || std::get<Pdu>(back) != pdu) ++failures;
                // A malformed frame takes the error path too.
                bytes.push_back(0);
                bytes[3] = static_cast<std::uint8_t>(bytes.size());
                (void)libsmpp34_codec::decode(bytes);
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(failures == 0);
}

TEST_CASE("libsmpp34_codec never lets libsmpp34's field log overflow") {
    // Grow a PDU one TLV / destination at a time: every size the codec hands
    // to libsmpp34 must keep its log inside smpp34_strerror[2048], and the
    // sizes past the budget are refused as a limit on both directions.
    auto check = [](const Pdu& pdu) {
        std::vector<std::uint8_t> frame;
        auto ec = libsmpp34_codec::encode(pdu, frame);
        CHECK(libsmpp34_log_used() < 2048);
        if (ec) {
            CHECK(ec == make_error_code(st::ESME_RSYSERR));
            return false;
        }
        auto r = libsmpp34_codec::decode(frame);
        CHECK(libsmpp34_log_used() < 2048);
        REQUIRE(ok(r));
        CHECK(std::get<Pdu>(r) == pdu);
        return true;
    };

    SubmitSm sm;
    sm.service_type = "CMT";
    sm.source = {5, 0, "LongSenderName123456"};
    sm.dest = {1, 1, "4479000000000000000"};
    sm.schedule_delivery_time = "261123120000000+";
    sm.validity_period = "261124120000000+";
    sm.short_message = "hello";
    int accepted = 0;
    for (int n = 0; n < 60; ++n) {
        if (!check(Pdu{st::ESME_ROK, 7, sm})) break;
        ++accepted;
        sm.tlvs.append(0x1400 + n, "vendor value");
    }
    CHECK(accepted >= 15);  // realistic PDUs carry far fewer TLVs
    CHECK(accepted < 60);

    SubmitMulti multi;
    multi.source = {1, 1, "447700900000"};
    multi.short_message = "hi";
    int dests = 0;
    for (int n = 0; n < 60; ++n) {
        multi.dests.push_back({MultiDest::sme_address, {1, 1, "4479000000" + std::to_string(10 + n)}, {}});
        if (!check(Pdu{st::ESME_ROK, 8, multi})) break;
        ++dests;
    }
    CHECK(dests >= 5);
    CHECK(dests < 60);

    // The fuzzer's reproducer: a bind_transmitter_resp a carrier could send.
    BindTransmitterResp resp;
    resp.system_id = "SMSC";
    for (int n = 0; n < 40; ++n) resp.tlvs.append(0x1400 + n, "x");
    std::vector<std::uint8_t> frame;
    CHECK(libsmpp34_codec::encode(Pdu{st::ESME_ROK, 9, resp}, frame) == make_error_code(st::ESME_RSYSERR));
    CHECK(frame.empty());
}
