#include "smpp/protocol/delivery_receipt.hpp"

#include <catch2/catch.hpp>
#include <array>
#include <string>

using namespace smpp::protocol;
using namespace std::string_literals;
using namespace std::chrono;

namespace {

DeliveryReceipt parsed(std::string_view text) {
    auto r = parse_receipt_text(text);
    REQUIRE(std::holds_alternative<DeliveryReceipt>(r));
    return std::get<DeliveryReceipt>(r);
}

DeliveryReceipt extracted(const Pdu& p) {
    auto r = extract_receipt(p);
    REQUIRE(std::holds_alternative<DeliveryReceipt>(r));
    return std::get<DeliveryReceipt>(r);
}

Pdu deliver(std::string short_message, std::uint8_t esm = esm_class::delivery_receipt, TlvList tlvs = {}) {
    DeliverSm d;
    d.esm_class = esm;
    d.short_message = std::move(short_message);
    d.tlvs = std::move(tlvs);
    return Pdu{command_status::ESME_ROK, 7, d};
}

}  // namespace

// Samples in the shapes different SMSCs and gateways send; the ids and
// texts are made up.
TEST_CASE("receipt 1: Appendix B as written") {
    const std::string t =
        "id:0123456789 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 "
        "text:Hello world";
    const auto r = parsed(t);
    CHECK(r.id == "0123456789");
    CHECK(r.sub == "001");
    CHECK(r.dlvrd == "001");
    CHECK(r.submit_date == "2503141530");
    CHECK(r.done_date == "2503141531");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.stat_text == "DELIVRD");
    CHECK(r.err == "000");
    CHECK(r.text == "Hello world");
    CHECK(r.raw == t);
}

TEST_CASE("receipt 2: Kannel-style with a hex id and capitalised Text") {
    const auto r = parsed(
        "id:c449ab9744f47b6af1879e49e75e4f40 sub:001 dlvrd:0 submit date:0610191018 done date:0610191018 "
        "stat:ACCEPTD err:0 Text:This is an Acti");
    CHECK(r.id == "c449ab9744f47b6af1879e49e75e4f40");
    CHECK(r.dlvrd == "0");
    CHECK(r.stat == message_state::accepted);
    CHECK(r.err == "0");
    CHECK(r.text == "This is an Acti");
}

TEST_CASE("receipt 3: Jasmin-style UUID id and dates with seconds") {
    const auto r = parsed(
        "id:4f7a2c1e-9b3d-4e8a-a1f2-0c9d8e7b6a5f sub:001 dlvrd:001 submit date:250314153012 "
        "done date:250314153109 stat:DELIVRD err:000 text:");
    CHECK(r.id == "4f7a2c1e-9b3d-4e8a-a1f2-0c9d8e7b6a5f");
    CHECK(r.submit_date == "250314153012");
    CHECK(r.done_date == "250314153109");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.text.empty());
}

TEST_CASE("receipt 4: all upper-case keys") {
    const auto r = parsed(
        "ID:A1B2C3 SUB:001 DLVRD:000 SUBMIT DATE:2501010000 DONE DATE:2501010100 STAT:UNDELIV ERR:001 TEXT:x");
    CHECK(r.id == "A1B2C3");
    CHECK(r.submit_date == "2501010000");
    CHECK(r.done_date == "2501010100");
    CHECK(r.stat == message_state::undeliverable);
    CHECK(r.err == "001");
    CHECK(r.text == "x");
}

TEST_CASE("receipt 5: id with leading zeros is kept as written") {
    const auto r = parsed("id:0000012345 sub:001 dlvrd:001 submit date:2503141530 done date:2503141530 stat:DELIVRD err:000 text:");
    CHECK(r.id == "0000012345");
}

TEST_CASE("receipt 6: missing text and missing err") {
    const auto r = parsed("id:77 sub:001 dlvrd:000 submit date:2503141530 done date:2503141630 stat:EXPIRED");
    CHECK(r.id == "77");
    CHECK(r.stat == message_state::expired);
    CHECK(r.err.empty());
    CHECK(r.text.empty());
}

TEST_CASE("receipt 7: only id and stat") {
    const auto r = parsed("id:9f8e7d stat:REJECTD");
    CHECK(r.id == "9f8e7d");
    CHECK(r.stat == message_state::rejected);
    CHECK(r.sub.empty());
    CHECK(r.submit_date.empty());
}

TEST_CASE("receipt 8: fields in another order") {
    const auto r = parsed("stat:DELIVRD err:000 id:5511 done date:2503141531 submit date:2503141530 dlvrd:001 sub:001 text:hi");
    CHECK(r.id == "5511");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.done_date == "2503141531");
    CHECK(r.submit_date == "2503141530");
    CHECK(r.text == "hi");
}

TEST_CASE("receipt 9: extra vendor fields are skipped") {
    const auto r = parsed(
        "id:100200300 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 "
        "mcc:310 mnc:260 price:0.0045 text:Your code is 1234");
    CHECK(r.id == "100200300");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.text == "Your code is 1234");
}

TEST_CASE("receipt 10: text with colons and key-like words") {
    const auto r = parsed(
        "id:abc sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 "
        "text:Meet at 10:30 id:ignored stat:UNDELIV");
    CHECK(r.id == "abc");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.text == "Meet at 10:30 id:ignored stat:UNDELIV");
}

TEST_CASE("receipt 11: spelled-out stat variants") {
    CHECK(parsed("id:1 stat:DELIVERED").stat == message_state::delivered);
    CHECK(parsed("id:1 stat:Delivered").stat == message_state::delivered);
    CHECK(parsed("id:1 stat:UNDELIVERABLE").stat == message_state::undeliverable);
    CHECK(parsed("id:1 stat:undelivered").stat == message_state::undeliverable);
    CHECK(parsed("id:1 stat:FAILED").stat == message_state::undeliverable);
    CHECK(parsed("id:1 stat:REJECTED").stat == message_state::rejected);
    CHECK(parsed("id:1 stat:ACKED").stat == message_state::accepted);
    CHECK(parsed("id:1 stat:ACCEPTED").stat == message_state::accepted);
    CHECK(parsed("id:1 stat:ENROUTE").stat == message_state::enroute);
    CHECK(parsed("id:1 stat:BUFFRED").stat == message_state::enroute);
    CHECK(parsed("id:1 stat:DELETED").stat == message_state::deleted);
    CHECK(parsed("id:1 stat:UNKNOWN").stat == message_state::unknown);
    CHECK(parsed("id:1 stat:EXPIRD").stat == message_state::expired);
    CHECK(parsed("id:1 stat:2").stat == message_state::delivered);
    // Unrecognised: no state, but the text is kept for the log.
    const auto odd = parsed("id:1 stat:WEIRD");
    CHECK_FALSE(odd.stat);
    CHECK(odd.stat_text == "WEIRD");
}

TEST_CASE("receipt 12: space after the colon") {
    const auto r = parsed("id: 12345 sub: 001 dlvrd: 001 submit date: 2503141530 done date: 2503141531 stat: DELIVRD err: 0 text: ok");
    CHECK(r.id == "12345");
    CHECK(r.sub == "001");
    CHECK(r.submit_date == "2503141530");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.err == "0");
    CHECK(r.text == "ok");
}

TEST_CASE("receipt 13: empty err value followed by text") {
    const auto r = parsed("id:42 stat:UNDELIV err: text:");
    CHECK(r.err.empty());
    CHECK(r.text.empty());
    CHECK(r.stat == message_state::undeliverable);
}

TEST_CASE("receipt 14: underscore keys and trailing CR LF") {
    const auto r = parsed("id:XYZ-1 sub:001 dlvrd:001 submit_date:2503141530 done_date:2503141531 stat:DELIVRD err:000 text:bye\r\n");
    CHECK(r.submit_date == "2503141530");
    CHECK(r.done_date == "2503141531");
    CHECK(r.text == "bye");
}

TEST_CASE("receipt 15: text before the status fields") {
    const auto r = parsed("id:555 text:hello there stat:DELIVRD err:000");
    CHECK(r.id == "555");
    CHECK(r.text == "hello there");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.err == "000");
}

TEST_CASE("receipt 16: network error code in err, UNDELIV") {
    const auto r = parsed("id:1A2B3C4D sub:001 dlvrd:000 submit date:2503141530 done date:2503141545 stat:UNDELIV err:0x1B text:");
    CHECK(r.id == "1A2B3C4D");
    CHECK(r.err == "0x1B");
}

TEST_CASE("receipt 17: leading garbage and double spaces") {
    const auto r = parsed("  DLR  id:987654321   sub:001  dlvrd:001 stat:DELIVRD  err:000  text:  padded  ");
    CHECK(r.id == "987654321");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.text == "padded");
}

TEST_CASE("receipt 17b: a word right before a key") {
    const auto r = parsed("DLR id:123 SMS stat:DELIVRD Done err:000");
    CHECK(r.id == "123");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.err == "000");
}

TEST_CASE("receipt 18: a duplicated field keeps the first value") {
    const auto r = parsed("id:first sub:001 id:second stat:DELIVRD stat:UNDELIV");
    CHECK(r.id == "first");
    CHECK(r.stat == message_state::delivered);
}

TEST_CASE("receipt 19: no id is an error") {
    CHECK(std::get<ReceiptError>(parse_receipt_text("sub:001 stat:DELIVRD")).code == receipt_errc::no_id);
    CHECK(std::get<ReceiptError>(parse_receipt_text("")).code == receipt_errc::no_id);
    CHECK(std::get<ReceiptError>(parse_receipt_text("Hello, this is an MO message")).code == receipt_errc::no_id);
    CHECK(std::get<ReceiptError>(parse_receipt_text("id: stat:DELIVRD")).code == receipt_errc::no_id);
    // "valid:" contains "id:" but is not at a word start.
    CHECK(std::get<ReceiptError>(parse_receipt_text("valid:1 stat:DELIVRD")).code == receipt_errc::no_id);
}

TEST_CASE("receipt 20: msgid alias and status key") {
    const auto r = parsed("msgid:88 status:REJECTED err:11");
    CHECK(r.id == "88");
    CHECK(r.stat == message_state::rejected);
    CHECK(r.err == "11");
}

TEST_CASE("receipt: esm_class classification") {
    CHECK(classify_esm_class(0x00) == deliver_kind::mobile_originated);
    CHECK(classify_esm_class(0x04) == deliver_kind::delivery_receipt);
    CHECK(classify_esm_class(0x08) == deliver_kind::sme_delivery_ack);
    CHECK(classify_esm_class(0x10) == deliver_kind::sme_manual_ack);
    CHECK(classify_esm_class(0x18) == deliver_kind::conversation_abort);
    CHECK(classify_esm_class(0x20) == deliver_kind::intermediate_notification);
    CHECK(classify_esm_class(0x44) == deliver_kind::delivery_receipt);  // with UDHI
    CHECK(classify_esm_class(0x83) == deliver_kind::mobile_originated); // reply path, mode bits
    CHECK(classify_esm_class(0x40) == deliver_kind::mobile_originated);
}

TEST_CASE("receipt: extract from a deliver_sm, text only") {
    const auto r = extracted(deliver("id:123 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 text:x"));
    CHECK(r.kind == deliver_kind::delivery_receipt);
    CHECK(r.id == "123");
    CHECK(r.stat == message_state::delivered);
    CHECK_FALSE(r.network_error_code);
}

TEST_CASE("receipt: TLVs win over the text") {
    TlvList t;
    t.set_cstring(tlv_tag::receipted_message_id, "7B");  // hex of 123
    t.set_message_state(message_state::undeliverable);
    t.set_network_error_code({3, 27});
    const auto r = extracted(deliver("id:123 stat:DELIVRD err:000 text:x", esm_class::delivery_receipt, t));
    CHECK(r.id == "7B");
    CHECK(r.stat == message_state::undeliverable);
    CHECK(r.stat_text == "DELIVRD");  // what the text said, for the log
    CHECK(r.err == "027");
    CHECK(r.network_error_code == NetworkErrorCode{3, 27});
    CHECK(r.text == "x");
}

TEST_CASE("receipt: TLVs alone make a receipt") {
    TlvList t;
    t.set_cstring(tlv_tag::receipted_message_id, "abc");
    t.set_message_state(message_state::delivered);
    const auto r = extracted(deliver("", esm_class::delivery_receipt, t));
    CHECK(r.id == "abc");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.stat_text == "DELIVRD");
    // The text's other fields still count when only the TLV has the id.
    TlvList only_id;
    only_id.set_cstring(tlv_tag::receipted_message_id, "tlv-1");
    const auto mixed = extracted(deliver("stat:EXPIRED err:005 text:hi", esm_class::delivery_receipt, only_id));
    CHECK(mixed.id == "tlv-1");
    CHECK(mixed.stat == message_state::expired);
    CHECK(mixed.err == "005");
    CHECK(mixed.text == "hi");
    // A receipted_message_id without its NUL works as well.
    TlvList bare;
    bare.set_bytes(tlv_tag::receipted_message_id, "xyz");
    CHECK(extracted(deliver("garbage", esm_class::delivery_receipt, bare)).id == "xyz");
}

TEST_CASE("receipt: intermediate notification and SME acks are receipts of their kind") {
    CHECK(extracted(deliver("id:1 stat:ENROUTE", 0x20)).kind == deliver_kind::intermediate_notification);
    CHECK(extracted(deliver("id:1 stat:DELIVRD", 0x08)).kind == deliver_kind::sme_delivery_ack);
    CHECK(extracted(deliver("id:1 stat:DELIVRD", 0x10)).kind == deliver_kind::sme_manual_ack);
}

TEST_CASE("receipt: extract rejects MO messages and other PDUs") {
    CHECK(std::get<ReceiptError>(extract_receipt(deliver("id:1 stat:DELIVRD", 0x00))).code == receipt_errc::not_a_receipt);
    CHECK(std::get<ReceiptError>(extract_receipt(Pdu{command_status::ESME_ROK, 1, SubmitSm{}})).code ==
          receipt_errc::not_a_deliver);
    CHECK(std::get<ReceiptError>(extract_receipt(deliver("no receipt here"))).code == receipt_errc::no_id);
}

TEST_CASE("receipt: text in message_payload, and data_sm") {
    TlvList t;
    t.set_bytes(tlv_tag::message_payload, "id:mp1 stat:EXPIRED err:000");
    CHECK(extracted(deliver("", esm_class::delivery_receipt, t)).id == "mp1");
    DataSm d;
    d.esm_class = esm_class::delivery_receipt;
    d.tlvs = t;
    const auto r = extracted(Pdu{command_status::ESME_ROK, 2, d});
    CHECK(r.id == "mp1");
    CHECK(r.stat == message_state::expired);
}

TEST_CASE("receipt: UCS-2 receipt text is decoded") {
    std::string ucs2;
    for (char c : std::string("id:u1 stat:DELIVRD text:")) ucs2 += {'\0', c};
    ucs2 += "\x00\xE9"s;  // é
    Pdu p = deliver(ucs2);
    p.as<DeliverSm>()->data_coding = 8;
    const auto r = extracted(p);
    CHECK(r.id == "u1");
    CHECK(r.stat == message_state::delivered);
    CHECK(r.text == "é");
}

TEST_CASE("receipt: data_coding 8 with an ASCII receipt text is read as written") {
    Pdu p = deliver("id:99 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 text:");
    p.as<DeliverSm>()->data_coding = 8;
    const auto r = extracted(p);
    CHECK(r.id == "99");
    CHECK(r.stat == message_state::delivered);
}

TEST_CASE("receipt: a text that comes first cannot stand in for the carrier's own fields") {
    // The text is the sender's first 20 characters: key-like words in it
    // must not win over the carrier's fields after it.
    auto r = parsed("text:code id:999 id:123 stat:DELIVRD");
    CHECK(r.id == "123");
    CHECK(r.stat == message_state::delivered);
    r = parsed("text:Hi stat:DELIVRD id:1 sub:001 dlvrd:000 stat:UNDELIV err:001");
    CHECK(r.id == "1");
    CHECK(r.stat == message_state::undeliverable);
    CHECK(r.err == "001");
    // Fields before the text keep the first value, as before.
    r = parsed("id:555 text:id:666 stat:DELIVRD");
    CHECK(r.id == "555");
    CHECK(r.stat == message_state::delivered);
}

TEST_CASE("receipt: stat names and parse_stat round trip") {
    for (int s = 1; s <= 8; ++s) {
        const auto st = static_cast<message_state>(s);
        CHECK(parse_stat(stat_name(st)) == st);
    }
    CHECK(stat_name(message_state::delivered) == "DELIVRD");
    CHECK(stat_name(message_state::undeliverable) == "UNDELIV");
    CHECK(stat_name(message_state::accepted) == "ACCEPTD");
    CHECK(stat_name(message_state::rejected) == "REJECTD");
    CHECK_FALSE(parse_stat(""));
    CHECK_FALSE(parse_stat("9"));
}

TEST_CASE("receipt: dates") {
    CHECK(parse_receipt_date("2503141530") == sys_days{2025y / 3 / 14} + hours{15} + minutes{30});
    CHECK(parse_receipt_date("250314153045") == sys_days{2025y / 3 / 14} + hours{15} + minutes{30} + seconds{45});
    CHECK_FALSE(parse_receipt_date("25031415"));
    CHECK_FALSE(parse_receipt_date("2513141530"));
    CHECK_FALSE(parse_receipt_date("2502301530"));
    CHECK_FALSE(parse_receipt_date("2503142430"));
    CHECK_FALSE(parse_receipt_date("25031415a0"));
    CHECK(format_receipt_date(sys_days{2025y / 3 / 14} + hours{15} + minutes{30} + seconds{59}) == "2503141530");
    // Every field zero-padded, and the century dropped.
    CHECK(format_receipt_date(sys_days{2001y / 1 / 2} + hours{3} + minutes{4}) == "0101020304");
    CHECK(format_receipt_date(sys_days{1999y / 12 / 31} + hours{23} + minutes{59} + seconds{59}) == "9912312359");
    CHECK(format_receipt_date(sys_days{2100y / 10 / 9}) == "0010090000");
    CHECK(format_receipt_date(system_clock::time_point{}) == "7001010000");
    // Every date it writes reads back (minutes precision).
    for (auto day = sys_days{2024y / 1 / 1}; day < sys_days{2025y / 1 / 1}; day += days{37}) {
        const auto tp = day + hours{day.time_since_epoch().count() % 24} + minutes{day.time_since_epoch().count() % 60};
        CHECK(parse_receipt_date(format_receipt_date(tp)) == tp);
    }
}

TEST_CASE("receipt: numbers are written with at least three digits") {
    CHECK(format_receipt_number(0) == "000");
    CHECK(format_receipt_number(7) == "007");
    CHECK(format_receipt_number(27) == "027");
    CHECK(format_receipt_number(100) == "100");
    CHECK(format_receipt_number(1234) == "1234");
    CHECK(format_receipt_number(4294967295u) == "4294967295");
}

TEST_CASE("receipt: raw keeps the whole text the fields were cut from") {
    // The text is parsed where raw keeps it: every field survives the move.
    const std::string text =
        "id:0123456789abcdef0123 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD "
        "err:000 text:a text long enough to be on the heap";
    const auto r = parsed(text);
    CHECK(r.raw == text);
    CHECK(r.id == "0123456789abcdef0123");
    CHECK(r.done_date == "2503141531");
    CHECK(r.stat_text == "DELIVRD");
    CHECK(r.text == "a text long enough to be on the heap");
    const auto e = extracted(deliver(text));
    CHECK(e.raw == text);
    CHECK(e.text == r.text);
    CHECK(e.id == r.id);
    // A key as long as the scan looks (24 characters) is no key.
    CHECK(parsed("id:1 abcdefghijklmnopqrstuvwx:2 stat:DELIVRD").stat == message_state::delivered);
    CHECK(parsed("id:1 abcdefghijklmnopqrstuvwxyz:2 stat:DELIVRD").stat == message_state::delivered);
}

TEST_CASE("receipt: format writes Appendix B and parses back") {
    DeliveryReceipt r;
    r.id = "OUR-0001";
    r.submit_date = "2503141530";
    r.done_date = "2503141531";
    r.stat = message_state::delivered;
    r.text = "A text longer than twenty characters";
    const auto text = format_receipt_text(r);
    CHECK(text ==
          "id:OUR-0001 sub:001 dlvrd:001 submit date:2503141530 done date:2503141531 stat:DELIVRD err:000 "
          "text:A text longer than t");
    const auto back = parsed(text);
    CHECK(back.id == r.id);
    CHECK(back.stat == message_state::delivered);
    CHECK(back.submit_date == r.submit_date);

    DeliveryReceipt u;
    u.id = "9";
    u.stat = message_state::undeliverable;
    u.err = "027";
    u.text = "ééééééééééééééééééééé";  // 21 two-octet characters: cut at 20 characters
    CHECK(format_receipt_text(u) ==
          "id:9 sub:001 dlvrd:000 submit date: done date: stat:UNDELIV err:027 text:éééééééééééééééééééé");
    DeliveryReceipt none;
    none.id = "1";
    none.stat_text = "WEIRD";
    CHECK(format_receipt_text(none).find("stat:WEIRD ") != std::string::npos);
}

TEST_CASE("receipt: make_receipt_deliver_sm carries text and TLVs") {
    DeliveryReceipt r;
    r.id = "OUR-42";
    r.stat = message_state::undeliverable;
    r.network_error_code = NetworkErrorCode{3, 27};
    r.err = "027";
    const auto d = make_receipt_deliver_sm(r, Address{1, 1, "15551234567"}, Address{5, 0, "ACME"});
    CHECK(d.esm_class == esm_class::delivery_receipt);
    CHECK(d.source.addr == "15551234567");
    CHECK(d.dest.addr == "ACME");
    CHECK(d.tlvs.receipted_message_id() == "OUR-42");
    CHECK(d.tlvs.message_state() == message_state::undeliverable);
    CHECK(d.tlvs.network_error_code() == NetworkErrorCode{3, 27});
    const auto back = extracted(Pdu{command_status::ESME_ROK, 3, d});
    CHECK(back.id == "OUR-42");
    CHECK(back.stat == message_state::undeliverable);
    CHECK(back.err == "027");

    DeliveryReceipt i;
    i.id = "x";
    i.kind = deliver_kind::intermediate_notification;
    i.stat = message_state::enroute;
    CHECK(make_receipt_deliver_sm(i, {}, {}).esm_class == esm_class::intermediate_notification);
}

TEST_CASE("receipt: random text made of receipt words parses without surprises") {
    const std::array<std::string_view, 14> words = {"id:", "ID:7", "stat:", "DELIVRD", "text:", " ", "  ",
                                                    "err:", "submit date:", "done", "date:", ":", "x", "\t"};
    std::uint32_t x = 4242;
    auto next = [&] { return x = x * 1664525u + 1013904223u; };
    for (int round = 0; round < 20000; ++round) {
        std::string t;
        for (std::uint32_t n = next() % 12; n > 0; --n) t += words[(next() >> 8) % words.size()];
        const auto r = parse_receipt_text(t);
        if (const auto* d = std::get_if<DeliveryReceipt>(&r)) {
            CHECK_FALSE(d->id.empty());
            CHECK(d->raw == t);
            CHECK(d->id.find(' ') == std::string::npos);
        }
    }
}
