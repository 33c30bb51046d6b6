// cancel_sm, replace_sm, submit_multi, schedule_delivery_time and
// validity_period through the forward path (smpp/relay/forward_requests.cpp).
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "forward_rig.hpp"
#include "smpp/protocol/smpp_time.hpp"
#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"

namespace {

using namespace smpp;
using namespace smpp::relay::test;
using protocol::command_status;
using store::MessageStatus;

constexpr const char* in_one_hour = "000000010000000R";

protocol::SubmitSm scheduled(std::string dest, std::string text, std::string service_type = {}) {
    auto sm = to(std::move(dest));
    sm.short_message = std::move(text);
    sm.schedule_delivery_time = in_one_hour;
    sm.service_type = std::move(service_type);
    return sm;
}

std::string submit_one(Rig& rig, const protocol::SubmitSm& sm) {
    auto resp = rig.call(sm);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    return resp->as<protocol::SubmitSmResp>()->message_id;
}

store::MessageRecord record(store::Ledger& ledger, const std::string& id) {
    auto r = ledger.find(*store::MessageId::parse(id));
    REQUIRE(r.ok());
    return *r;
}

command_status cancel(Rig& rig, std::string message_id, std::string source = {}, std::string dest = {},
                      std::string service_type = {}) {
    protocol::CancelSm c;
    c.message_id = std::move(message_id);
    c.service_type = std::move(service_type);
    c.source = {1, 1, std::move(source)};
    c.dest = {1, 1, std::move(dest)};
    auto resp = rig.call(c);
    REQUIRE(resp);
    return resp->status;
}

command_status replace(Rig& rig, std::string message_id, std::string text, std::string schedule = {},
                       std::string validity = {}, std::uint8_t default_msg = 0) {
    protocol::ReplaceSm r;
    r.message_id = std::move(message_id);
    r.short_message = std::move(text);
    r.schedule_delivery_time = std::move(schedule);
    r.validity_period = std::move(validity);
    r.registered_delivery = 1;
    r.sm_default_msg_id = default_msg;
    auto resp = rig.call(r);
    REQUIRE(resp);
    return resp->status;
}

protocol::MultiDest sme(std::string addr) {
    protocol::MultiDest d;
    d.address = {1, 1, std::move(addr)};
    return d;
}

protocol::MultiDest distribution_list(std::string name) {
    protocol::MultiDest d;
    d.dest_flag = protocol::MultiDest::distribution_list;
    d.dl_name = std::move(name);
    return d;
}

// With acme configured, so the forward path keeps its backlog count.
relay::ForwardSettings with_acme(relay::ForwardSettings fs = {}) {
    upstream::Account acme;
    acme.system_id = "acme";
    fs.accounts.accounts.push_back(acme);
    return fs;
}

}  // namespace

TEST_CASE("forward requests: a scheduled message is held, durably, until its time", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, with_acme());
    REQUIRE(rig.ready());
    const auto before = std::chrono::system_clock::now();
    const auto id = submit_one(rig, scheduled("447700900123", "later"));
    auto r = record(ledger, id);
    CHECK(r.status == MessageStatus::accepted);
    CHECK(r.retry_at >= before + std::chrono::minutes(59));
    CHECK(r.retry_at <= std::chrono::system_clock::now() + std::chrono::minutes(61));
    loop.run_for(300ms);
    CHECK(rig.smsc.submits.empty());
    CHECK(rig.forward->held("acme") == 1);
    CHECK(rig.forward->backlog("acme") == 1);
}

TEST_CASE("forward requests: bad schedule_delivery_time and validity_period get their exact status",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    auto sm = to("447700900123");
    sm.schedule_delivery_time = "garbage";
    CHECK(rig.call(sm)->status == command_status::ESME_RINVSCHED);
    sm.schedule_delivery_time = "";
    sm.validity_period = "200101000000000+";  // 2020: past
    CHECK(rig.call(sm)->status == command_status::ESME_RINVEXPIRY);
    sm.validity_period = "00000000000100R";  // 15 characters
    CHECK(rig.call(sm)->status == command_status::ESME_RINVEXPIRY);
    sm.schedule_delivery_time = in_one_hour;
    sm.validity_period = "000000003000000R";  // 30 minutes: before the schedule
    CHECK(rig.call(sm)->status == command_status::ESME_RINVEXPIRY);
    CHECK(rig.forward->counters().accepted == 0);
}

TEST_CASE("forward requests: the carrier gets the validity as an absolute time and no schedule",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    auto sm = to("447700900123");
    sm.short_message = "soon";
    sm.schedule_delivery_time = "000000000000000R";  // now
    sm.validity_period = "000000010000000R";         // one hour
    const auto id = submit_one(rig, sm);
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 3s));
    const auto& seen = rig.smsc.submits[0].pdu;
    CHECK(seen.schedule_delivery_time.empty());
    REQUIRE(seen.validity_period.size() == 16);
    CHECK(seen.validity_period.back() == '+');
    const auto r = record(ledger, id);
    CHECK(protocol::format_smpp_time(r.expires_at) == seen.validity_period);
}

TEST_CASE("forward requests: a message whose validity passes while it waits for a carrier expires",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    fs.retry_base = 1500ms;
    Rig rig(loop, ledger, false, with_acme(fs));
    REQUIRE(rig.ready());
    rig.carriers.at("carrier01")->disable();
    REQUIRE(loop.run_until(
        [&] { return rig.carriers.at("carrier01")->snapshot().state == carrier::carrier_state::disabled; }));
    auto sm = to("447700900123");
    sm.validity_period = "000000000001000R";  // one second
    const auto id = submit_one(rig, sm);
    REQUIRE(loop.run_until([&] { return record(ledger, id).status == MessageStatus::expired; }, 5s));
    CHECK(rig.forward->counters().expired == 1);
    CHECK(rig.forward->backlog("acme") == 0);
    CHECK(rig.forward->held("acme") == 0);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward requests: cancel_sm by id cancels a held message, and nothing else", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, with_acme());
    REQUIRE(rig.ready());
    const auto sent = submit_one(rig, to("447700900123"));
    REQUIRE(loop.run_until([&] { return record(ledger, sent).status == MessageStatus::sent; }, 5s));
    const auto held = submit_one(rig, scheduled("447700900123", "later"));
    // Another account's record, straight into the ledger.
    auto others = record(ledger, held);
    others.id = rig.ids.next();
    others.account = "someone-else";
    ledger.accept(others, [](store::Status st) { REQUIRE(st.ok()); });

    CHECK(cancel(rig, held, "wrong-source") == command_status::ESME_RCANCELFAIL);
    CHECK(cancel(rig, held) == command_status::ESME_ROK);
    CHECK(record(ledger, held).status == MessageStatus::cancelled);
    // The sleeping flight lets go now, not in an hour.
    REQUIRE(loop.run_until([&] { return rig.forward->backlog("acme") == 0; }, 3s));
    CHECK(rig.forward->held("acme") == 0);
    CHECK(rig.forward->counters().cancelled == 1);
    CHECK(cancel(rig, held) == command_status::ESME_RCANCELFAIL);               // final already
    CHECK(cancel(rig, sent) == command_status::ESME_RCANCELFAIL);               // the carrier has it
    CHECK(cancel(rig, others.id.to_string()) == command_status::ESME_RINVMSGID);  // not acme's
    CHECK(cancel(rig, "NOT-AN-ID") == command_status::ESME_RINVMSGID);
    CHECK(cancel(rig, "") == command_status::ESME_RINVSRCADR);  // by addresses, without a source
    CHECK(ledger.find(others.id)->status == MessageStatus::accepted);
    CHECK(rig.smsc.submits.size() == 1);
}

TEST_CASE("forward requests: cancel_sm without an id cancels by addresses and service_type", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    const auto src = to("1").source.addr;
    const auto a1 = submit_one(rig, scheduled("447700900001", "a1", "A"));
    const auto a2 = submit_one(rig, scheduled("447700900001", "a2", "B"));
    const auto other = submit_one(rig, scheduled("447700900002", "b", "A"));
    CHECK(cancel(rig, "", src, "447700900001", "A") == command_status::ESME_ROK);
    CHECK(record(ledger, a1).status == MessageStatus::cancelled);
    CHECK(record(ledger, a2).status == MessageStatus::accepted);
    CHECK(cancel(rig, "", src, "447700900001") == command_status::ESME_ROK);  // any service_type
    CHECK(record(ledger, a2).status == MessageStatus::cancelled);
    CHECK(record(ledger, other).status == MessageStatus::accepted);
    CHECK(cancel(rig, "", src, "447700900001") == command_status::ESME_RCANCELFAIL);  // none left
    CHECK(cancel(rig, "", src, "") == command_status::ESME_RINVDSTADR);
    REQUIRE(loop.run_until([&] { return rig.forward->held("acme") == 1; }, 3s));
}

TEST_CASE("forward requests: replace_sm changes the text a held message goes out with", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    const auto id = submit_one(rig, scheduled("447700900123", "old text"));
    CHECK(replace(rig, id, "new text", {}, {}, 3) == command_status::ESME_RINVDFTMSGID);
    CHECK(replace(rig, id, "new text", "bad") == command_status::ESME_RINVSCHED);
    CHECK(replace(rig, id, "new text") == command_status::ESME_ROK);  // the schedule stays
    auto r = record(ledger, id);
    CHECK(r.payload == "new text");
    CHECK(r.revision == 1);
    CHECK(r.registered_delivery == 1);
    CHECK(r.status == MessageStatus::accepted);
    loop.run_for(200ms);
    CHECK(rig.smsc.submits.empty());
    // A schedule of "now" ends the hold: the new text goes out at once.
    CHECK(replace(rig, id, "newer text", "000000000000000R") == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return record(ledger, id).status == MessageStatus::sent; }, 3s));
    REQUIRE(rig.smsc.submits.size() == 1);
    CHECK(rig.smsc.submits[0].pdu.short_message == "newer text");
    CHECK(rig.smsc.submits[0].pdu.registered_delivery == 1);
    CHECK(record(ledger, id).revision == 2);
    CHECK(replace(rig, id, "too late") == command_status::ESME_RREPLACEFAIL);  // the carrier has it
    CHECK(replace(rig, "NOT-AN-ID", "x") == command_status::ESME_RINVMSGID);
    CHECK(replace(rig, rig.ids.next().to_string(), "x") == command_status::ESME_RINVMSGID);
    CHECK(rig.forward->counters().replaced == 2);
}

TEST_CASE("forward requests: submit_multi stores one record per destination and lists the ones refused",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "to many";
    m.registered_delivery = 1;
    m.dests.push_back(sme("447700900001"));
    m.dests.push_back(sme("33612345678"));  // no route
    m.dests.push_back(distribution_list("friends"));
    m.dests.push_back(sme("447700900002"));
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto* body = resp->as<protocol::SubmitMultiResp>();
    REQUIRE(body);
    REQUIRE(body->unsuccess_smes.size() == 2);
    CHECK(body->unsuccess_smes[0].address.addr == "33612345678");
    CHECK(body->unsuccess_smes[0].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR));
    CHECK(body->unsuccess_smes[1].address.addr == "friends");
    CHECK(body->unsuccess_smes[1].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RINVDLNAME));
    const auto multi = *store::MessageId::parse(body->message_id);
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 2; }, 5s));
    auto first = ledger.find(multi);
    REQUIRE(first.ok());
    CHECK(first->destination.address == "447700900001");
    CHECK(first->upstream_id == multi);
    // Every destination's record names the upstream bind the submit_multi came on.
    CHECK(std::regex_match(first->upstream_bind, std::regex(R"(transceiver@127\.0\.0\.1:\d+)")));
    // The second destination's record: the next id minted, under the same upstream id.
    std::set<std::string> dests;
    for (const auto& seen : rig.smsc.submits) dests.insert(seen.pdu.dest.addr);
    CHECK(dests == std::set<std::string>{"447700900001", "447700900002"});
    CHECK(rig.forward->counters().accepted == 2);

    // Nothing routable: the first destination's status, no body.
    protocol::SubmitMulti none = m;
    none.dests = {sme("33612345678")};
    CHECK(rig.call(none)->status == command_status::ESME_RINVDSTADR);
}

TEST_CASE("forward requests: cancel_sm with a submit_multi's id cancels all its held destinations",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "later, to two";
    m.schedule_delivery_time = in_one_hour;
    m.dests.push_back(sme("447700900001"));
    m.dests.push_back(sme("447700900002"));
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto multi = resp->as<protocol::SubmitMultiResp>()->message_id;
    REQUIRE(loop.run_until([&] { return rig.forward->held("acme") == 2; }, 3s));
    CHECK(cancel(rig, multi) == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.forward->held("acme") == 0; }, 3s));
    CHECK(rig.forward->counters().cancelled == 2);
    CHECK(record(ledger, multi).status == MessageStatus::cancelled);
    CHECK(rig.smsc.submits.empty());
}

TEST_CASE("forward requests: replace_sm by a submit_multi's id is refused, however many destinations are held",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "later, to two";
    m.schedule_delivery_time = in_one_hour;
    m.dests.push_back(sme("447700900001"));
    m.dests.push_back(sme("447700900002"));
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto multi = resp->as<protocol::SubmitMultiResp>()->message_id;
    REQUIRE(loop.run_until([&] { return rig.forward->held("acme") == 2; }, 3s));
    CHECK(replace(rig, multi, "new text") == command_status::ESME_RREPLACEFAIL);
    // One destination left held, either one: still not the whole message.
    CHECK(cancel(rig, "", m.source.addr, "447700900002") == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.forward->held("acme") == 1; }, 3s));
    CHECK(replace(rig, multi, "new text") == command_status::ESME_RREPLACEFAIL);
    CHECK(record(ledger, multi).payload == "later, to two");
    CHECK(rig.forward->counters().replaced == 0);
}

TEST_CASE("forward requests: a message its first carrier refused can be cancelled and replaced while it waits for "
          "its retry",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = with_acme();
    fs.retry_base = 2s;  // the wait the requests arrive in
    Rig rig(loop, ledger, false, fs);
    rig.smsc.reject_status = command_status::ESME_RSYSERR;  // transient: try again later
    rig.smsc.reject_if = [](const protocol::SubmitSm& sm) { return sm.short_message.starts_with("first"); };
    REQUIRE(rig.ready());
    // Both go straight to the carrier (born `sending`: it has a credit
    // free), which refuses them for now.
    auto sm = to("447700900123");
    sm.short_message = "first A";
    const auto a = submit_one(rig, sm);
    sm.short_message = "first B";
    const auto b = submit_one(rig, sm);
    REQUIRE(loop.run_until(
        [&] {
            return record(ledger, a).status == MessageStatus::queued && record(ledger, b).status == MessageStatus::queued;
        },
        2s));
    CHECK(record(ledger, a).attempts.size() == 1);
    CHECK(rig.forward->held("acme") == 2);

    CHECK(cancel(rig, a) == command_status::ESME_ROK);
    CHECK(record(ledger, a).status == MessageStatus::cancelled);
    CHECK(replace(rig, b, "second B") == command_status::ESME_ROK);
    // B goes with its new text at its retry; A never again.
    REQUIRE(loop.run_until([&] { return record(ledger, b).status == MessageStatus::sent; }, 5s));
    loop.run_for(100ms);
    CHECK(rig.smsc.accepted == std::vector<std::string>{"second B"});
    CHECK(record(ledger, a).status == MessageStatus::cancelled);
    CHECK(rig.forward->held("acme") == 0);
    CHECK(rig.forward->backlog("acme") == 0);
}

TEST_CASE("forward requests: replace_sm is checked as a submit_sm with its values would be", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = with_acme();
    fs.accounts.accounts.back().schedule.max_ahead = std::chrono::hours(96);
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    const auto id = submit_one(rig, scheduled("447700900123", "later"));  // in an hour
    const auto before = record(ledger, id);

    // Beyond the account's max_ahead, or long past: as for submit_sm.
    CHECK(replace(rig, id, "x", "001000000000000R") == command_status::ESME_RINVSCHED);  // ten days ahead
    CHECK(replace(rig, id, "x", "000001000000000R", "000002000000000R") == command_status::ESME_ROK);
    CHECK(replace(rig, id, "x", "100101000000000+") == command_status::ESME_RINVSCHED);  // 2010
    // A validity alone is checked against the schedule the message keeps
    // (now a day ahead), and a schedule alone against the validity it keeps
    // (two days ahead).
    CHECK(replace(rig, id, "x", {}, "000000020000000R") == command_status::ESME_RINVEXPIRY);
    CHECK(replace(rig, id, "x", "000003000000000R") == command_status::ESME_RINVEXPIRY);
    // Reserved receipt bits.
    protocol::ReplaceSm bad_flags;
    bad_flags.message_id = id;
    bad_flags.short_message = "x";
    bad_flags.registered_delivery = 0x20;
    auto resp = rig.call(bad_flags);
    REQUIRE(resp);
    CHECK(resp->status == command_status::ESME_RINVREGDLVFLG);
    // None of the refused ones changed anything; the accepted one did.
    const auto after = record(ledger, id);
    CHECK(after.payload == "x");
    CHECK(after.retry_at > before.retry_at + std::chrono::hours(22));
    CHECK(after.expires_at > after.retry_at + std::chrono::hours(23));
}

TEST_CASE("forward requests: a held message survives a restart and can still be replaced", "[relay][forward]") {
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    std::string id;
    {
        auto ledger = store::RocksDbLedger::open(settings);
        REQUIRE(ledger.ok());
        Loop loop;
        Rig rig(loop, **ledger);
        REQUIRE(rig.ready());
        id = submit_one(rig, scheduled("447700900123", "before restart"));
    }
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Loop loop;
    Rig rig(loop, **ledger);
    REQUIRE(rig.ready());
    auto recovered = (*ledger)->recover(store::Timestamp{}, store::Timestamp{});
    REQUIRE(recovered.ok());
    REQUIRE(recovered->resume.size() == 1);
    rig.forward->resume(recovered->resume[0]);
    CHECK(rig.forward->held("acme") == 1);
    loop.run_for(200ms);
    CHECK(rig.smsc.submits.empty());  // still waiting for its hour
    CHECK(replace(rig, id, "after restart", "000000000000000R") == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 3s));
    CHECK(rig.smsc.submits[0].pdu.short_message == "after restart");
}

TEST_CASE("forward requests: a message resumed after a restart goes out with its sar_* parameters, ports, protocol_id "
          "and vendor TLVs",
          "[relay][forward][restart]") {
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    auto sm = scheduled("447700900123", "part two of three");
    sm.protocol_id = 0x41;  // replace short message type 1
    sm.replace_if_present_flag = 1;
    sm.tlvs.set_u16(protocol::tlv_tag::sar_msg_ref_num, 0x1234);
    sm.tlvs.set_u8(protocol::tlv_tag::sar_total_segments, 3);
    sm.tlvs.set_u8(protocol::tlv_tag::sar_segment_seqnum, 2);
    sm.tlvs.set_u16(protocol::tlv_tag::source_port, 2948);
    sm.tlvs.set_u16(protocol::tlv_tag::destination_port, 2948);
    sm.tlvs.append(0x1400, std::string("\x01\x00vendor", 8));  // a vendor TLV, passed through as it came
    {
        auto ledger = store::RocksDbLedger::open(settings);
        REQUIRE(ledger.ok());
        Loop loop;
        Rig rig(loop, **ledger);
        REQUIRE(rig.ready());
        submit_one(rig, sm);
    }
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    Loop loop;
    Rig rig(loop, **ledger);
    REQUIRE(rig.ready());
    auto recovered = (*ledger)->recover(store::Timestamp{}, store::Timestamp{});
    REQUIRE(recovered.ok());
    REQUIRE(recovered->resume.size() == 1);
    auto record = recovered->resume[0];
    record.retry_at = store::Timestamp{};  // its hour has come
    rig.forward->resume(record);
    REQUIRE(loop.run_until([&] { return rig.smsc.submits.size() == 1; }, 3s));
    const auto& got = rig.smsc.submits[0].pdu;
    CHECK(got.short_message == "part two of three");
    CHECK(got.protocol_id == 0x41);
    CHECK(got.replace_if_present_flag == 1);
    CHECK(got.tlvs.u16(protocol::tlv_tag::sar_msg_ref_num) == 0x1234);
    CHECK(got.tlvs.u8(protocol::tlv_tag::sar_total_segments) == 3);
    CHECK(got.tlvs.u8(protocol::tlv_tag::sar_segment_seqnum) == 2);
    CHECK(got.tlvs.u16(protocol::tlv_tag::source_port) == 2948);
    CHECK(got.tlvs.u16(protocol::tlv_tag::destination_port) == 2948);
    const auto* vendor = got.tlvs.find(0x1400);
    REQUIRE(vendor);
    CHECK(vendor->value == std::string("\x01\x00vendor", 8));
    CHECK_FALSE(got.tlvs.has(protocol::tlv_tag::message_payload));
}

TEST_CASE("forward requests: submit_multi destinations beyond the account's TPS get ESME_RTHROTTLED",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = with_acme();
    fs.accounts.accounts.back().tps = 3;  // the bucket holds at most 3 tokens, however long the bind took
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "to many, slowly";
    m.dests.push_back(sme("447700900001"));
    m.dests.push_back(sme("33612345678"));            // a token spent on a destination with no route
    m.dests.push_back(distribution_list("friends"));  // refused, takes no token
    m.dests.push_back(sme("447700900002"));
    m.dests.push_back(sme("447700900003"));  // over the TPS
    m.dests.push_back(sme("447700900004"));  // over the TPS
    auto resp = rig.call(m);
    REQUIRE(resp);
    REQUIRE(resp->status == command_status::ESME_ROK);
    const auto* body = resp->as<protocol::SubmitMultiResp>();
    REQUIRE(body);
    REQUIRE(body->unsuccess_smes.size() == 4);
    CHECK(body->unsuccess_smes[0].address.addr == "33612345678");
    CHECK(body->unsuccess_smes[0].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR));
    CHECK(body->unsuccess_smes[1].address.addr == "friends");
    CHECK(body->unsuccess_smes[1].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RINVDLNAME));
    CHECK(body->unsuccess_smes[2].address.addr == "447700900003");
    CHECK(body->unsuccess_smes[2].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RTHROTTLED));
    CHECK(body->unsuccess_smes[3].address.addr == "447700900004");
    CHECK(body->unsuccess_smes[3].error_status_code == static_cast<std::uint32_t>(command_status::ESME_RTHROTTLED));
    REQUIRE(loop.run_until([&] { return rig.smsc.accepted.size() == 2; }, 5s));
    std::set<std::string> dests;
    for (const auto& seen : rig.smsc.submits) dests.insert(seen.pdu.dest.addr);
    CHECK(dests == std::set<std::string>{"447700900001", "447700900002"});
    const auto n = rig.forward->counters();
    CHECK(n.accepted == 2);
    CHECK(n.refused == 4);  // one per destination not stored
}

TEST_CASE("forward requests: a wholly refused submit_multi counts each destination refused", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, false, with_acme());
    REQUIRE(rig.ready());
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "nowhere";
    m.dests.push_back(sme("33612345678"));
    m.dests.push_back(distribution_list("friends"));
    m.dests.push_back(sme("33612345679"));
    auto resp = rig.call(m);
    REQUIRE(resp);
    CHECK(resp->status == command_status::ESME_RINVDSTADR);  // the first destination's
    CHECK(rig.forward->counters().refused == 3);
    CHECK(rig.forward->counters().accepted == 0);
}

TEST_CASE("forward requests: a wholly refused submit_multi with a destination refused only for now answers with that "
          "status",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    auto fs = with_acme();
    fs.accounts.accounts.back().tps = 1;  // one token: the first destination's
    Rig rig(loop, ledger, false, fs);
    REQUIRE(rig.ready());
    loop.run_for(1100ms);  // the bucket full again after the bind
    protocol::SubmitMulti m;
    m.source = to("1").source;
    m.short_message = "nowhere, then later";
    m.dests.push_back(sme("33612345678"));   // no route: refused for good
    m.dests.push_back(sme("447700900002"));  // over the TPS: refused for now
    auto resp = rig.call(m);
    REQUIRE(resp);
    // The response carries no unsuccess_smes: the ESME applies its status to
    // every destination, and must not drop the one it can send again.
    CHECK(resp->status == command_status::ESME_RTHROTTLED);
    CHECK(rig.forward->counters().refused == 2);
    CHECK(rig.forward->counters().accepted == 0);
}
