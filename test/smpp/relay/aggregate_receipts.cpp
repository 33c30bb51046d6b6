// Issue 5 item 4, the aggregate policy end to end: a concatenated message's
// last part that ends without a carrier receipt (the carrier refuses it)
// completes the aggregate, and the forward path's receipt_owed hook sends it
// upstream at once, not at the account's next receipt or bind.
#include <catch2/catch.hpp>

#include <map>

#include "../carrier/test_smsc.hpp"
#include "smpp/relay/carrier_id.hpp"
#include "smpp/relay/forward_path.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"

namespace {

using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using carrier::test::TestSmsc;
using protocol::command_status;
using store::MessageStatus;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

// The ESME's side: every deliver_sm it gets, answered ESME_ROK.
struct Inbox final : session::SessionHandler {
    std::vector<protocol::DeliverSm> got;
    void on_request(session::Session& s, protocol::Pdu&& request) override {
        if (auto* d = request.as<protocol::DeliverSm>()) got.push_back(*d);
        s.respond(protocol::make_response(request.id(), request.sequence_number, command_status::ESME_ROK));
    }
};

protocol::SubmitSm part(std::uint8_t n) {
    protocol::SubmitSm sm = carrier::test::submit_sm("part" + std::to_string(n));
    sm.dest = {1, 1, "447700900123"};
    sm.registered_delivery = 1;
    sm.tlvs.set_u16(protocol::tlv_tag::sar_msg_ref_num, 0x1234);
    sm.tlvs.set_u8(protocol::tlv_tag::sar_total_segments, 3);
    sm.tlvs.set_u8(protocol::tlv_tag::sar_segment_seqnum, n);
    return sm;
}

}  // namespace

TEST_CASE("aggregate receipts: a refused last part completes the aggregate, which goes upstream at once",
          "[relay][receipts]") {
    Loop loop;
    store::InMemoryLedger ledger(store::MultipartBook{{"acme", store::multipart_policy::aggregate}});
    TestSmsc smsc(loop);
    smsc.reject_if = [](const protocol::SubmitSm& sm) { return sm.short_message == "part3"; };

    auto forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger);
    auto settings = carrier::test::test_settings(smsc.port());
    settings.id = "carrier01";
    relay::ForwardPath::Carriers carriers;
    carriers.emplace("carrier01", carrier::Carrier::create(loop.ioc.get_executor(), settings));
    relay::ForwardSettings fs;
    std::vector<std::string> owed;
    fs.receipt_owed = [&](const std::string& account) {
        owed.push_back(account);
        forwarder->notify(account);
    };
    store::MessageIdGenerator ids{5};
    auto forward = relay::ForwardPath::create(loop.ioc.get_executor(), ledger, ids,
                                              relay::MessageRouter::of({{"44", std::vector<std::string>{"carrier01"}}}),
                                              carriers, fs);
    for (auto& [id, c] : carriers) c->start();

    upstream::Account a;
    a.system_id = "acme";
    a.password_hash = acme_hash();
    a.bind_types = {session::bind_type::transceiver};
    a.max_binds = 2;
    upstream::Authenticator authenticator{upstream::AccountSettings{{a}}};
    session::SessionSettings s;
    s.system_id = "smpp-connector";
    s.enquire_link_interval = 0ms;
    s.unbind_timeout = 200ms;
    auto listener = session::Listener::create(
        loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
        [&](const boost::asio::ip::tcp::endpoint&) {
            return std::make_shared<upstream::UpstreamSessionHandler>(authenticator, forward.get(), forwarder.get());
        });
    listener->start();
    session::ClientSettings cs;
    cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
    cs.bind.type = session::bind_type::transceiver;
    cs.bind.system_id = "acme";
    cs.bind.password = "acmepw";
    cs.session.system_id = "esme";
    cs.session.enquire_link_interval = 0ms;
    cs.session.unbind_timeout = 200ms;
    cs.backoff = {20ms, 100ms, 0.0};
    cs.connect_timeout = 1s;
    auto inbox = std::make_shared<Inbox>();
    auto client = session::Client::create(loop.ioc.get_executor(), cs, inbox);
    client->start();
    REQUIRE(loop.run_until(
        [&] {
            auto c = client->session();
            return c && c->state() == session::session_state::bound_trx &&
                   carrier::test::all_bound(*carriers.begin()->second);
        },
        10s));

    auto submit = [&](std::uint8_t n) {
        std::optional<protocol::Pdu> resp;
        client->session()->send_request(part(n), [&](std::error_code ec, protocol::Pdu r) {
            resp = ec ? protocol::make_response(protocol::command_id::submit_sm, 0, command_status::ESME_RUNKNOWNERR)
                      : std::move(r);
        });
        REQUIRE(loop.run_until([&] { return resp.has_value(); }, 10s));
        REQUIRE(resp->status == command_status::ESME_ROK);
        return *store::MessageId::parse(resp->as<protocol::SubmitSmResp>()->message_id);
    };
    auto status_is = [&](store::MessageId id, MessageStatus st) {
        auto r = ledger.find(id);
        return r.ok() && r->status == st;
    };

    // Parts 1 and 2 go out and their carrier receipts say delivered: the
    // group is open, nothing is owed yet.
    const auto p1 = submit(1);
    const auto p2 = submit(2);
    REQUIRE(loop.run_until([&] { return status_is(p1, MessageStatus::sent) && status_is(p2, MessageStatus::sent); },
                           10s));
    for (auto id : {p1, p2}) {
        const auto cmid = ledger.find(id)->attempts.back().carrier_message_id;
        const auto key = relay::index_key(cmid, relay::CarrierIdSettings{});
        REQUIRE(key);
        std::optional<store::StatusOr<store::ReceiptMatch>> m;
        ledger.apply_receipt(store::CarrierReceipt{.carrier = "carrier01",
                                                   .keys = {*key},
                                                   .carrier_message_id = cmid,
                                                   .status = MessageStatus::delivered},
                             [&](store::StatusOr<store::ReceiptMatch> r) { m = std::move(r); });
        REQUIRE(m);
        REQUIRE(m->ok());
        CHECK(m->value().outcome == store::receipt_outcome::matched);
        CHECK_FALSE(m->value().owes_upstream);
    }
    loop.run_for(50ms);
    CHECK(inbox->got.empty());
    CHECK(owed.empty());

    // Part 3: the carrier refuses it for good. That write completes the
    // group; the upstream gets the aggregate without anything else happening.
    const auto p3 = submit(3);
    REQUIRE(loop.run_until([&] { return !inbox->got.empty(); }, 10s));
    CHECK(status_is(p3, MessageStatus::rejected));
    {
        // The refusal's attempt names the carrier's bind that answered.
        auto r = ledger.find(p3);
        REQUIRE(r.ok());
        REQUIRE_FALSE(r->attempts.empty());
        CHECK(r->attempts.back().status == MessageStatus::rejected);
        CHECK(r->attempts.back().bind.starts_with("#"));
        CHECK(r->attempts.back().bind.find("@127.0.0.1:" + std::to_string(smsc.port())) != std::string::npos);
    }
    CHECK(owed == std::vector<std::string>{"acme"});
    const auto& d = inbox->got.front();
    CHECK(d.esm_class == 0x04);
    CHECK(d.tlvs.receipted_message_id() == p1.to_string());  // under part 1's id
    CHECK(d.tlvs.message_state() == protocol::message_state::rejected);
    CHECK(d.short_message.find("id:" + p1.to_string() + " sub:003 dlvrd:002 ") == 0);
    CHECK(d.short_message.find("stat:REJECTD err:") != std::string::npos);
    CHECK(d.short_message.find("text:parts:DDR") != std::string::npos);
    // Removed after the ESME's ESME_ROK; and exactly one went.
    CHECK(loop.run_until([&] { return ledger.pending_receipts("acme", 10)->empty(); }, 5s));
    loop.run_for(100ms);
    CHECK(inbox->got.size() == 1);
    CHECK(forwarder->counters().forwarded == 1);

    bool done = false;
    client->stop([&] { done = true; });
    loop.run_until([&] { return done; }, 3s);
    done = false;
    listener->stop([&] { done = true; });
    loop.run_until([&] { return done; }, 3s);
    forward->stop();
    forwarder->stop();
    for (auto& [id, c] : carriers) carrier::test::stop(loop, *c);
    smsc.stop();
    loop.run_for(20ms);
}
