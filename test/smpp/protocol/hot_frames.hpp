#pragma once
// Test helper: named frames for the hot PDUs, valid and malformed, each with
// the status a decoder must give it. The fast codec test checks every one;
// test/fuzz/make_corpus writes them out as the fuzzer's seed corpus.
#include <cstdint>
#include <string>
#include <vector>

#include "test/smpp/protocol/frame_builder.hpp"

namespace smpp::test {

struct HotFrame {
    std::string name;
    std::vector<std::uint8_t> bytes;
    protocol::command_status expect = protocol::command_status::ESME_ROK;
};

inline std::vector<HotFrame> hot_frames() {
    using protocol::command_id;
    using protocol::command_status;
    using protocol::tlv_tag;
    using S = command_status;
    const std::string text = "Hello";
    const std::string s20(20, '4'), s64(64, '9'), s65(65, 'x');

    // submit_sm up to (not including) sm_length, for the tests that vary the end.
    auto submit_head = [&](std::uint32_t seq = 1) {
        FrameBuilder b(command_id::submit_sm, seq);
        b.cstr("").address(1, 1, "447700900123").address(1, 1, "447700900456").u8(0).u8(0).u8(0);
        b.cstr("").cstr("").u8(0).u8(0).u8(0).u8(0);
        return b;
    };

    std::vector<HotFrame> v;
    auto add = [&](std::string name, std::vector<std::uint8_t> bytes, S expect = S::ESME_ROK) {
        v.push_back({std::move(name), std::move(bytes), expect});
    };

    // --- valid
    add("submit_sm_typical", typical_submit_sm_frame());
    add("submit_sm_empty_fields",
        FrameBuilder(command_id::submit_sm, 2).cstr("").address(0, 0, "").address(0, 0, "").u8(0).u8(0).u8(0)
            .cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).sm("").frame());
    add("submit_sm_max_fields",
        FrameBuilder(command_id::submit_sm, 3).cstr("CMT01").address(1, 1, s20).address(1, 1, s20).u8(3).u8(0x7F)
            .u8(3).cstr("261124101500000+").cstr("000002000000000R").u8(0x1F).u8(1).u8(0xF5).u8(0xFF)
            .sm(std::string(254, 'm')).frame());
    add("submit_sm_concatenated_sar",
        submit_head(4).sm(text).tlv(tlv_tag::sar_msg_ref_num, std::string("\x12\x34", 2))
            .tlv(tlv_tag::sar_total_segments, "\x02").tlv(tlv_tag::sar_segment_seqnum, "\x01").frame());
    add("submit_sm_udh_ucs2",
        FrameBuilder(command_id::submit_sm, 5).cstr("").address(5, 0, "MyBrand").address(1, 1, "4915112345678")
            .u8(0x40).u8(0).u8(1).cstr("").cstr("").u8(1).u8(0).u8(0x08).u8(0)
            .sm(std::string("\x05\x00\x03\x2A\x02\x01\x00H\x00i", 10)).frame());
    add("submit_sm_message_payload",
        submit_head(6).sm("").tlv(tlv_tag::message_payload, std::string(600, 'p')).frame());
    add("submit_sm_vendor_and_duplicate_tlvs",
        submit_head(7).sm(text).tlv(0x1401, "vendor").tlv(0x1401, "again").tlv(0x3FFF, "")
            .tlv(tlv_tag::user_message_reference, std::string("\x00\x07", 2)).frame());
    add("submit_sm_resp", FrameBuilder(command_id::submit_sm_resp, 8).cstr("7f3a9c21e4").frame());
    add("submit_sm_resp_max_id", FrameBuilder(command_id::submit_sm_resp, 9).cstr(s64).frame());
    add("submit_sm_resp_throttled_empty_body",
        FrameBuilder(command_id::submit_sm_resp, 10, S::ESME_RTHROTTLED).frame());
    add("submit_sm_resp_error_with_body",
        FrameBuilder(command_id::submit_sm_resp, 11, S::ESME_RINVDSTADR).cstr("").frame());
    // What SMSCs speaking SMPP 5.0 send on a 3.4 bind too.
    add("submit_sm_resp_smpp5_tlvs", FrameBuilder(command_id::submit_sm_resp, 12).cstr("7f3a9c21e5")
                                         .tlv(tlv_tag::additional_status_info_text, std::string("queued\0", 7))
                                         .tlv(tlv_tag::network_error_code, std::string("\x03\x00\x00", 3))
                                         .frame());
    add("submit_sm_resp_error_smpp5_tlvs", FrameBuilder(command_id::submit_sm_resp, 13, S::ESME_RSUBMITFAIL)
                                               .cstr("")
                                               .tlv(tlv_tag::network_error_code, std::string("\x03\x00\x22", 3))
                                               .tlv(tlv_tag::delivery_failure_reason, std::string(1, '\x01'))
                                               .frame());
    add("deliver_sm_receipt", typical_deliver_sm_receipt_frame());
    add("deliver_sm_mo",
        FrameBuilder(command_id::deliver_sm, 12).cstr("").address(1, 1, "447700900123").address(0, 0, "84433")
            .u8(0).u8(0).u8(0).cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).sm("STOP").frame());
    add("deliver_sm_receipt_network_error",
        FrameBuilder(command_id::deliver_sm, 13).cstr("").address(1, 1, "447700900123").address(5, 0, "MyBrand")
            .u8(4).u8(0).u8(0).cstr("").cstr("").u8(0).u8(0).u8(0).u8(0)
            .sm("id:abc sub:001 dlvrd:000 submit date:2611230410 done date:2611230412 stat:UNDELIV err:001 text:")
            .tlv(tlv_tag::receipted_message_id, std::string("abc\0", 4))
            .tlv(tlv_tag::message_state, "\x05").tlv(tlv_tag::network_error_code, std::string("\x03\x00\x01", 3))
            .frame());
    add("deliver_sm_resp", FrameBuilder(command_id::deliver_sm_resp, 14).cstr("").frame());
    add("deliver_sm_resp_error_empty_body",
        FrameBuilder(command_id::deliver_sm_resp, 15, S::ESME_RX_T_APPN).frame());
    add("data_sm",
        FrameBuilder(command_id::data_sm, 16).cstr("WAP").address(1, 1, "447700900123").address(1, 1, "447700900456")
            .u8(0).u8(1).u8(0).tlv(tlv_tag::message_payload, "data_sm payload").frame());
    add("data_sm_long_source",
        FrameBuilder(command_id::data_sm, 17).cstr("").address(5, 0, s64).address(1, 1, s64).u8(0).u8(0).u8(0)
            .frame());
    add("data_sm_resp",
        FrameBuilder(command_id::data_sm_resp, 18).cstr("ds-1").tlv(tlv_tag::delivery_failure_reason, std::string(1, '\0'))
            .tlv(tlv_tag::additional_status_info_text, std::string("ok\0", 3)).frame());
    add("data_sm_resp_error_empty_body", FrameBuilder(command_id::data_sm_resp, 19, S::ESME_RSYSERR).frame());
    add("enquire_link", FrameBuilder(command_id::enquire_link, 20).frame());
    add("enquire_link_resp", FrameBuilder(command_id::enquire_link_resp, 21).frame());
    add("generic_nack", FrameBuilder(command_id::generic_nack, 22, S::ESME_RINVCMDID).frame());

    // --- malformed
    {
        auto f = FrameBuilder(command_id::enquire_link, 30).frame();
        f.pop_back();
        add("bad_shorter_than_header", f, S::ESME_RINVCMDLEN);
    }
    add("bad_command_length_mismatch", FrameBuilder(command_id::enquire_link, 31).with_length(17),
        S::ESME_RINVCMDLEN);
    add("bad_unknown_command_id", FrameBuilder(0x00000200u, 32, 0).frame(), S::ESME_RINVCMDID);
    add("bad_enquire_link_with_body", FrameBuilder(command_id::enquire_link, 33).u8(0).frame(), S::ESME_RINVCMDLEN);
    add("bad_generic_nack_with_body", FrameBuilder(command_id::generic_nack, 34).u32(0).frame(), S::ESME_RINVCMDLEN);
    add("bad_submit_sm_resp_trailing", FrameBuilder(command_id::submit_sm_resp, 35).cstr("id").u8(7).frame(),
        S::ESME_RINVOPTPARSTREAM);
    add("bad_submit_sm_resp_ok_empty_body", FrameBuilder(command_id::submit_sm_resp, 36).frame(), S::ESME_RINVCMDLEN);
    add("bad_submit_sm_resp_id_unterminated", FrameBuilder(command_id::submit_sm_resp, 37).raw("abc").frame(),
        S::ESME_RINVCMDLEN);
    add("bad_submit_sm_resp_id_too_long", FrameBuilder(command_id::submit_sm_resp, 38).cstr(s65).frame(),
        S::ESME_RINVMSGID);
    add("bad_submit_sm_empty_body", FrameBuilder(command_id::submit_sm, 39).frame(), S::ESME_RINVCMDLEN);
    add("bad_submit_sm_cut_in_dest",
        FrameBuilder(command_id::submit_sm, 40).cstr("").address(1, 1, "4477").u8(1).u8(1).raw("4477").frame(),
        S::ESME_RINVCMDLEN);
    add("bad_submit_sm_no_sm_length", submit_head(41).frame(), S::ESME_RINVCMDLEN);
    add("bad_submit_sm_service_type_too_long",
        FrameBuilder(command_id::submit_sm, 42).cstr("CMTXYZ").address(1, 1, "1").address(1, 1, "2").frame(),
        S::ESME_RINVSERTYP);
    add("bad_submit_sm_source_too_long",
        FrameBuilder(command_id::submit_sm, 43).cstr("").address(1, 1, s20 + "5").address(1, 1, "2").frame(),
        S::ESME_RINVSRCADR);
    add("bad_submit_sm_dest_too_long",
        FrameBuilder(command_id::submit_sm, 44).cstr("").address(1, 1, "1").address(1, 1, s64).frame(),
        S::ESME_RINVDSTADR);
    add("bad_submit_sm_schedule_too_long",
        FrameBuilder(command_id::submit_sm, 45).cstr("").address(1, 1, "1").address(1, 1, "2").u8(0).u8(0).u8(0)
            .cstr("261124101500000+X").frame(),
        S::ESME_RINVSCHED);
    add("bad_submit_sm_validity_too_long",
        FrameBuilder(command_id::submit_sm, 46).cstr("").address(1, 1, "1").address(1, 1, "2").u8(0).u8(0).u8(0)
            .cstr("").cstr(std::string(17, '0')).frame(),
        S::ESME_RINVEXPIRY);
    add("bad_submit_sm_source_cut_before_capacity",
        FrameBuilder(command_id::submit_sm, 47).cstr("").u8(1).u8(1).raw("4477009").frame(), S::ESME_RINVCMDLEN);
    add("bad_submit_sm_sm_length_255", submit_head(48).u8(255).raw(std::string(255, 'a')).frame(),
        S::ESME_RINVMSGLEN);
    add("bad_submit_sm_sm_length_past_end", submit_head(49).u8(20).raw("short").frame(), S::ESME_RINVMSGLEN);
    add("bad_submit_sm_tlv_header_cut", submit_head(50).sm(text).u8(0x02).u8(0x0C).u8(0x00).frame(),
        S::ESME_RINVOPTPARSTREAM);
    add("bad_submit_sm_tlv_value_cut", submit_head(51).sm(text).u16(0x1401).u16(10).raw("abc").frame(),
        S::ESME_RINVOPTPARSTREAM);
    add("bad_submit_sm_tlv_fixed_length",
        submit_head(52).sm(text).tlv(tlv_tag::sar_total_segments, std::string("\x00\x02", 2)).frame(),
        S::ESME_RINVPARLEN);
    add("bad_deliver_sm_receipted_message_id_too_long",
        FrameBuilder(command_id::deliver_sm, 53).cstr("").address(1, 1, "1").address(1, 1, "2").u8(4).u8(0).u8(0)
            .cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).sm("")
            .tlv(tlv_tag::receipted_message_id, s65 + '\0').frame(),
        S::ESME_RINVPARLEN);
    add("bad_deliver_sm_message_state_length",
        FrameBuilder(command_id::deliver_sm, 54).cstr("").address(1, 1, "1").address(1, 1, "2").u8(4).u8(0).u8(0)
            .cstr("").cstr("").u8(0).u8(0).u8(0).u8(0).sm("")
            .tlv(tlv_tag::message_state, std::string("\x00\x02", 2)).frame(),
        S::ESME_RINVPARLEN);
    add("bad_data_sm_source_too_long",
        FrameBuilder(command_id::data_sm, 55).cstr("").address(1, 1, s65).address(1, 1, "2").u8(0).u8(0).u8(0)
            .frame(),
        S::ESME_RINVSRCADR);
    add("bad_data_sm_no_data_coding",
        FrameBuilder(command_id::data_sm, 56).cstr("").address(1, 1, "1").address(1, 1, "2").u8(0).u8(0).frame(),
        S::ESME_RINVCMDLEN);
    add("bad_data_sm_resp_id_too_long", FrameBuilder(command_id::data_sm_resp, 57).raw(s65).frame(),
        S::ESME_RINVMSGID);
    add("bad_deliver_sm_resp_trailing", FrameBuilder(command_id::deliver_sm_resp, 58).cstr("").u8(0).frame(),
        S::ESME_RINVOPTPARSTREAM);

    // --- submit_multi, submit_multi_resp, bind_*_resp (fast codec since
    // libsmpp34 cannot hold their larger forms); sizes both codecs take.
    auto multi_head = [&](std::uint32_t seq) {
        FrameBuilder b(command_id::submit_multi, seq);
        b.cstr("").address(5, 0, "ACME");
        return b;
    };
    auto multi_tail = [&](FrameBuilder b) {
        return b.u8(0).u8(0).u8(0).cstr("").cstr("").u8(1).u8(0).u8(0).u8(0).sm(text);
    };
    add("submit_multi_sme_and_dl",
        multi_tail(multi_head(60).u8(2).u8(1).address(1, 1, "447700900001").u8(2).cstr("friends"))
            .tlv(tlv_tag::user_message_reference, std::string("\x00\x01", 2))
            .frame());
    add("submit_multi_resp_one_unsuccess",
        FrameBuilder(command_id::submit_multi_resp, 61).cstr("m-1").u8(1).address(1, 1, "447700900002").u32(0x0B).frame());
    add("bind_transceiver_resp_sc_interface_version",
        FrameBuilder(command_id::bind_transceiver_resp, 62).cstr("SMSC").tlv(tlv_tag::sc_interface_version, "\x34").frame());
    add("bind_transmitter_resp_plain", FrameBuilder(command_id::bind_transmitter_resp, 63).cstr("SMSC").frame());
    add("bad_submit_multi_no_dests", multi_head(64).u8(0).frame(), S::ESME_RINVNUMDESTS);
    add("bad_submit_multi_dest_flag", multi_tail(multi_head(65).u8(1).u8(3).address(1, 1, "4")).frame(),
        S::ESME_RINVDESTFLAG);
    add("bad_submit_multi_dl_name_too_long", multi_head(66).u8(1).u8(2).fill(21, 'd').u8(0).frame(),
        S::ESME_RINVDLNAME);
    add("bad_submit_multi_resp_trailing", FrameBuilder(command_id::submit_multi_resp, 67).cstr("m").u8(0).u8(0).frame(),
        S::ESME_RINVCMDLEN);
    add("bad_bind_receiver_resp_system_id_too_long",
        FrameBuilder(command_id::bind_receiver_resp, 68).fill(16, 's').u8(0).frame(), S::ESME_RINVSYSID);
    return v;
}

}  // namespace smpp::test
