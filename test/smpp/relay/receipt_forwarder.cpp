#include "smpp/relay/receipt_forwarder.hpp"

#include <deque>

#include <catch2/catch.hpp>

#include "../carrier/test_smsc.hpp"
#include "smpp/protocol/concatenation.hpp"
#include "smpp/protocol/delivery_receipt.hpp"
#include "smpp/session/client.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"

// In one process, every socket on 127.0.0.1: an upstream ESME (our Client)
// binds as receiver or transceiver to our Listener, whose handler is the
// upstream handler with the forwarder as its BindObserver; receipts parked
// in an InMemoryLedger reach the ESME as deliver_sm. One io_context, pumped
// by the test thread, so the ESME's handler needs no locks.

namespace {

using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using protocol::command_status;
using store::MessageId;
using store::MessageStatus;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

struct Seen {
    std::string receipted_message_id;
    protocol::DeliverSm pdu;
};

// The upstream's side: records every deliver_sm and answers it from a
// script (ESME_ROK once the script is empty), or holds the answers.
class Esme final : public session::SessionHandler {
public:
    std::vector<Seen> seen;
    std::deque<command_status> script;
    bool hold = false;
    std::vector<std::pair<std::shared_ptr<session::Session>, std::uint32_t>> held;
    std::uint32_t outstanding = 0, max_outstanding = 0;

    void on_request(session::Session& s, protocol::Pdu&& p) override {
        auto* d = p.as<protocol::DeliverSm>();
        if (!d) return SessionHandler::on_request(s, std::move(p));
        seen.push_back({std::string(d->tlvs.receipted_message_id().value_or("")), *d});
        max_outstanding = std::max(max_outstanding, ++outstanding);
        if (hold) {
            held.emplace_back(s.shared_from_this(), p.sequence_number);
            return;
        }
        answer(s, p.sequence_number);
    }
    void release() {
        auto h = std::move(held);
        held.clear();
        for (auto& [s, seq] : h) answer(*s, seq);
    }

private:
    void answer(session::Session& s, std::uint32_t seq) {
        --outstanding;
        auto status = command_status::ESME_ROK;
        if (!script.empty()) {
            status = script.front();
            script.pop_front();
        }
        s.respond(protocol::make_response(protocol::command_id::deliver_sm, seq, status));
    }
};

class Rig {
public:
    Loop& loop;
    store::InMemoryLedger ledger;
    store::MessageIdGenerator ids{3};
    upstream::Authenticator authenticator{upstream::AccountSettings{{upstream::Account{
        "acme", acme_hash(), {session::bind_type::receiver, session::bind_type::transceiver}, 2}}}};
    std::shared_ptr<relay::ReceiptForwarder> forwarder;
    std::shared_ptr<session::Listener> listener;
    std::vector<std::shared_ptr<session::Client>> clients;

    Rig(Loop& l, relay::ReceiptForwarderSettings fs = fast(), std::uint32_t upstream_window = 10) : loop(l) {
        forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger, fs);
        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.unbind_timeout = 200ms;
        s.response_timeout = 2s;
        s.window = upstream_window;
        listener = session::Listener::create(
            loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
            [this](const boost::asio::ip::tcp::endpoint&) {
                return std::make_shared<upstream::UpstreamSessionHandler>(authenticator, nullptr, forwarder.get());
            });
        listener->start();
    }

    ~Rig() {
        for (auto& c : clients) stop(c);
        bool listener_done = false;
        listener->stop([&] { listener_done = true; });
        loop.run_until([&] { return listener_done; }, 3s);
        forwarder->stop();
        loop.run_for(20ms);
    }

    static relay::ReceiptForwarderSettings fast() {
        relay::ReceiptForwarderSettings fs;
        fs.retry_base = 10ms;
        fs.retry_max = 40ms;
        return fs;
    }

    void stop(const std::shared_ptr<session::Client>& c) {
        bool done = false;
        c->stop([&] { done = true; });
        loop.run_until([&] { return done; }, 3s);
    }

    // Binds a new upstream ESME of acme and waits until it is bound.
    std::shared_ptr<session::Client> bind(std::shared_ptr<Esme> esme,
                                          session::bind_type type = session::bind_type::receiver) {
        session::ClientSettings cs;
        cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
        cs.bind.type = type;
        cs.bind.system_id = "acme";
        cs.bind.password = "acmepw";
        cs.session.system_id = "esme";
        cs.session.enquire_link_interval = 0ms;
        cs.session.unbind_timeout = 200ms;
        cs.backoff = {20ms, 100ms, 0.0};
        cs.connect_timeout = 1s;
        auto c = session::Client::create(loop.ioc.get_executor(), cs, esme);
        c->start();
        clients.push_back(c);
        REQUIRE(loop.run_until(
            [&] {
                auto s = c->session();
                return s && session::is_bound(s->state());
            },
            5s));
        return c;
    }

    // A record of acme and its receipt, parked durably.
    MessageId park(std::uint8_t registered_delivery, MessageStatus status = MessageStatus::delivered,
                   std::uint32_t error_code = 0, store::Timestamp done_at = store::MessageIdGenerator::system_clock_ms()) {
        store::MessageRecord r;
        r.id = ids.next();
        r.account = "acme";
        r.source = {5, 0, "ACME"};
        r.destination = {1, 1, "447700900123"};
        r.registered_delivery = registered_delivery;
        r.payload = "hello receipts, a long text";
        r.accepted_at = done_at;
        bool ok = false;
        ledger.accept(r, [&](store::Status st) { ok = st.ok(); });
        REQUIRE(ok);
        ledger.park_receipt({"acme", r.id, status, error_code, done_at}, [&](store::Status st) { ok = st.ok(); });
        REQUIRE(ok);
        forwarder->notify("acme");
        return r.id;
    }

    std::size_t parked() { return ledger.pending_receipts("acme", 1000)->size(); }
};

}  // namespace

TEST_CASE("receipt forwarder: registered_delivery decides what goes upstream") {
    using relay::decide;
    using relay::receipt_decision;
    CHECK(decide(0, MessageStatus::delivered) == receipt_decision::drop);
    CHECK(decide(0, MessageStatus::undeliverable) == receipt_decision::drop);
    CHECK(decide(1, MessageStatus::delivered) == receipt_decision::send);
    CHECK(decide(1, MessageStatus::expired) == receipt_decision::send);
    CHECK(decide(2, MessageStatus::delivered) == receipt_decision::drop);
    CHECK(decide(2, MessageStatus::undeliverable) == receipt_decision::send);
    CHECK(decide(2, MessageStatus::rejected) == receipt_decision::send);
    CHECK(decide(3, MessageStatus::delivered) == receipt_decision::send);
    CHECK(decide(1, MessageStatus::sent) == receipt_decision::drop);
    CHECK(decide(0x11, MessageStatus::sent) == receipt_decision::send_intermediate);
    CHECK(decide(0x10, MessageStatus::delivered) == receipt_decision::drop);
}

TEST_CASE("receipt forwarder: the upstream deliver_sm carries our id, swapped addresses and the TLVs") {
    store::MessageIdGenerator ids{1};
    store::MessageRecord rec;
    rec.id = ids.next();
    rec.source = {5, 0, "ACME"};
    rec.destination = {1, 1, "447700900123"};
    rec.payload = "hello receipts, a long text";
    rec.accepted_at = store::Timestamp{std::chrono::milliseconds{1'767'225'600'000}};  // 2026-01-01T00:00Z
    store::PendingReceipt r{"acme", rec.id, MessageStatus::undeliverable, 11,
                            rec.accepted_at + std::chrono::minutes{5}};

    auto d = relay::make_upstream_receipt(rec, r);
    CHECK(d.esm_class == protocol::esm_class::delivery_receipt);
    CHECK(d.data_coding == 0);
    CHECK(d.source == protocol::Address{1, 1, "447700900123"});
    CHECK(d.dest == protocol::Address{5, 0, "ACME"});
    CHECK(d.tlvs.cstring(protocol::tlv_tag::receipted_message_id) == rec.id.to_string());
    CHECK(d.tlvs.message_state() == protocol::message_state::undeliverable);
    CHECK(d.tlvs.network_error_code() == protocol::NetworkErrorCode{3, 11});
    CHECK(d.short_message == "id:" + rec.id.to_string() +
                                 " sub:001 dlvrd:000 submit date:2601010000 done date:2601010005 stat:UNDELIV "
                                 "err:011 text:hello receipts, a lo");

    r.status = MessageStatus::delivered;
    r.error_code = 0;
    d = relay::make_upstream_receipt(rec, r);
    CHECK(d.tlvs.message_state() == protocol::message_state::delivered);
    CHECK_FALSE(d.tlvs.network_error_code());
    auto back = protocol::parse_receipt_text(d.short_message);
    REQUIRE(std::holds_alternative<protocol::DeliveryReceipt>(back));
    CHECK(std::get<protocol::DeliveryReceipt>(back).id == rec.id.to_string());
    CHECK(std::get<protocol::DeliveryReceipt>(back).stat == protocol::message_state::delivered);

    r.status = MessageStatus::sent;
    d = relay::make_upstream_receipt(rec, r, true);
    CHECK(d.esm_class == protocol::esm_class::intermediate_notification);
    CHECK(d.tlvs.message_state() == protocol::message_state::enroute);

    // A part of a concatenated message: "text:" quotes its text, not the
    // UDH before it (binary, with a NUL that ends the receipt for a C reader).
    rec.esm_class = protocol::esm_class::udhi;
    rec.payload = protocol::make_udh(0x1f, 3, 1) + "hello receipts, a long text";
    r.status = MessageStatus::delivered;
    d = relay::make_upstream_receipt(rec, r);
    CHECK(d.short_message.ends_with(" text:hello receipts, a lo"));
    CHECK(d.short_message.find('\0') == std::string::npos);
}

TEST_CASE("receipt forwarder: the deliver_sm built from the envelope is the one built from the record") {
    // The forwarder sends what the envelope says without reading (or
    // building) the record: every field the record path reads must agree.
    store::MessageIdGenerator ids{1};
    store::MessageRecord rec;
    rec.id = ids.next();
    rec.source = {5, 0, "ACME"};
    rec.destination = {1, 1, "447700900123"};
    rec.payload = "hello receipts, a long text";
    rec.accepted_at = store::Timestamp{std::chrono::milliseconds{1'767'225'600'000}};
    rec.updated_at = rec.accepted_at + std::chrono::minutes{7};
    store::PendingReceipt r{"acme", rec.id, MessageStatus::undeliverable, 11, {}};
    auto same = [&](bool intermediate) {
        r.envelope = store::envelope_of(rec);
        CHECK(relay::make_upstream_receipt(r, intermediate) == relay::make_upstream_receipt(rec, r, intermediate));
    };
    same(false);  // done_at unset: updated_at is the done date
    CHECK(relay::make_upstream_receipt(r).short_message.find("done date:2601010007 ") != std::string::npos);
    r.done_at = rec.accepted_at + std::chrono::minutes{5};
    same(false);
    r.status = MessageStatus::sent;
    same(true);
    r.status = MessageStatus::delivered;
    r.error_code = 0;
    same(false);
    rec.synthetic_receipt = true;
    r.status = MessageStatus::undeliverable;
    same(false);
    rec.data_coding = 8;  // no text from a UCS-2 payload
    same(false);
    rec.data_coding = 0;
    rec.upstream_id = ids.next();
    same(false);
    rec.esm_class = protocol::esm_class::udhi;  // a part: the text after its UDH, both ways
    rec.payload = protocol::make_udh(0x1f, 3, 1) + "hello receipts, a long text";
    same(false);
    r.parts = 3;
    r.parts_delivered = 2;
    r.detail = "1:DELIVRD 2:DELIVRD 3:UNDELIV";
    same(false);
    CHECK(relay::make_upstream_receipt(r).short_message.find(" sub:003 dlvrd:002 ") != std::string::npos);
}

TEST_CASE("receipt forwarder: a submit_multi destination's receipt carries the submit_multi's id") {
    store::MessageIdGenerator ids{1};
    const auto multi = ids.next();
    store::MessageRecord rec;
    rec.id = ids.next();  // the second destination's own record
    rec.upstream_id = multi;
    rec.source = {5, 0, "ACME"};
    rec.destination = {1, 1, "447700900124"};
    rec.registered_delivery = 1;
    store::PendingReceipt r{"acme", rec.id, MessageStatus::delivered, 0, rec.id.time()};
    auto d = relay::make_upstream_receipt(rec, r);
    CHECK(d.tlvs.cstring(protocol::tlv_tag::receipted_message_id) == multi.to_string());
    CHECK(d.short_message.rfind("id:" + multi.to_string() + " ", 0) == 0);
    CHECK(d.source == protocol::Address{1, 1, "447700900124"});  // which destination it was

    // The envelope a receipt is parked with keeps it across a restart.
    r.envelope = store::envelope_of(rec);
    store::PendingReceipt back;
    REQUIRE(store::decode_receipt_value(store::encode_receipt_value(r), back).ok());
    REQUIRE(back.envelope);
    CHECK(back.envelope->upstream_id == multi);
}

TEST_CASE("receipt forwarder: receipts parked while no bind go FIFO once one binds") {
    Loop loop;
    Rig rig(loop);
    std::vector<MessageId> parked;
    for (int i = 0; i < 5; ++i) parked.push_back(rig.park(1));
    loop.run_for(50ms);
    CHECK(rig.parked() == 5);
    CHECK(rig.forwarder->counters().forwarded == 0);

    auto esme = std::make_shared<Esme>();
    rig.bind(esme, session::bind_type::receiver);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 5s));
    REQUIRE(esme->seen.size() == 5);
    for (std::size_t i = 0; i < parked.size(); ++i) CHECK(esme->seen[i].receipted_message_id == parked[i].to_string());
    CHECK(esme->seen[0].pdu.esm_class == protocol::esm_class::delivery_receipt);
    CHECK(esme->seen[0].pdu.short_message.rfind("id:" + parked[0].to_string() + " sub:001 dlvrd:001", 0) == 0);
    CHECK(rig.forwarder->counters().forwarded == 5);

    // Parked while bound: straight through.
    auto id = rig.park(1);
    REQUIRE(loop.run_until([&] { return esme->seen.size() == 6 && rig.parked() == 0; }, 5s));
    CHECK(esme->seen[5].receipted_message_id == id.to_string());
}

TEST_CASE("receipt forwarder: deliver_sm_resp errors are retried with backoff, removed on ESME_ROK") {
    Loop loop;
    Rig rig(loop);
    auto esme = std::make_shared<Esme>();
    esme->script = {command_status::ESME_RX_T_APPN, command_status::ESME_RX_T_APPN, command_status::ESME_RSYSERR};
    rig.bind(esme, session::bind_type::transceiver);
    auto id = rig.park(1);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 5s));
    REQUIRE(esme->seen.size() == 4);
    for (const auto& s : esme->seen) CHECK(s.receipted_message_id == id.to_string());
    const auto c = rig.forwarder->counters();
    CHECK(c.retried == 3);
    CHECK(c.forwarded == 1);
    loop.run_for(60ms);
    CHECK(esme->seen.size() == 4);  // nothing more once removed
}

TEST_CASE("receipt forwarder: ESME_RX_P_APPN and ESME_RX_R_APPN remove the receipt unsent, not retried") {
    Loop loop;
    Rig rig(loop);
    auto esme = std::make_shared<Esme>();
    // SMPP 3.4 5.1.3: permanent application error, reject message.
    esme->script = {command_status::ESME_RX_P_APPN, command_status::ESME_RX_R_APPN};
    rig.bind(esme, session::bind_type::transceiver);
    rig.park(1);
    rig.park(1);
    auto kept = rig.park(1);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0 && rig.forwarder->counters().refused == 2; }, 5s));
    loop.run_for(60ms);
    REQUIRE(esme->seen.size() == 3);  // each once: the refused ones are not sent again
    CHECK(esme->seen[2].receipted_message_id == kept.to_string());
    const auto c = rig.forwarder->counters();
    CHECK(c.refused == 2);
    CHECK(c.retried == 0);
    CHECK(c.forwarded == 1);
}

TEST_CASE("receipt forwarder: registered_delivery none / final / failure only, and expiry") {
    Loop loop;
    auto fs = Rig::fast();
    fs.max_age = std::chrono::hours{1};
    Rig rig(loop, fs);
    const auto now = store::MessageIdGenerator::system_clock_ms();
    rig.park(0, MessageStatus::delivered);
    auto final_delivered = rig.park(1, MessageStatus::delivered);
    rig.park(2, MessageStatus::delivered);
    auto failure_only = rig.park(2, MessageStatus::undeliverable, 0x0B);
    rig.park(1, MessageStatus::expired, 0, now - std::chrono::hours{2});  // too old to tell
    auto final_rejected = rig.park(1, MessageStatus::rejected, 0x45);

    auto esme = std::make_shared<Esme>();
    rig.bind(esme);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 5s));
    REQUIRE(esme->seen.size() == 3);
    CHECK(esme->seen[0].receipted_message_id == final_delivered.to_string());
    CHECK(esme->seen[1].receipted_message_id == failure_only.to_string());
    CHECK(esme->seen[1].pdu.tlvs.network_error_code() == protocol::NetworkErrorCode{3, 0x0B});
    CHECK(esme->seen[2].receipted_message_id == final_rejected.to_string());
    CHECK(esme->seen[2].pdu.tlvs.message_state() == protocol::message_state::rejected);
    const auto c = rig.forwarder->counters();
    CHECK(c.forwarded == 3);
    CHECK(c.dropped_by_registered_delivery == 2);
    CHECK(c.expired == 1);
}

TEST_CASE("receipt forwarder: max_age applies to an account with no receiver bind") {
    // No receiver bind (a transmitter-only client asking for receipts, or one
    // gone for days): before, its receipts were kept for ever, in the ledger
    // and in its memory.
    Loop loop;
    auto fs = Rig::fast();
    fs.max_age = std::chrono::hours{1};
    Rig rig(loop, fs);
    const auto now = store::MessageIdGenerator::system_clock_ms();
    rig.park(1, MessageStatus::delivered, 0, now - std::chrono::hours{3});
    rig.park(1, MessageStatus::delivered, 0, now - std::chrono::hours{2});
    const auto young = rig.park(1, MessageStatus::delivered);
    REQUIRE(loop.run_until([&] { return rig.parked() == 1; }, 5s));
    CHECK(rig.ledger.pending_receipts("acme", 10)->front().id == young);
    CHECK(rig.forwarder->counters().expired == 2);
    CHECK(rig.forwarder->counters().forwarded == 0);
}

TEST_CASE("receipt forwarder: what is owed to an account no longer configured expires after max_age, found at start") {
    // Parked before this start for `gone` (removed from the configuration
    // since: it can never bind again) and for acme (no bind yet): nothing
    // notifies the forwarder of either. Before, both stayed parked, reloaded
    // at every start, for ever.
    Loop loop;
    store::InMemoryLedger ledger;
    const auto now = store::MessageIdGenerator::system_clock_ms();
    store::MessageIdGenerator ids{3};
    auto park = [&](std::string account, store::Timestamp done_at) {
        const auto id = ids.next();
        ledger.park_receipt({std::move(account), id, MessageStatus::delivered, 0, done_at},
                            [](store::Status st) { REQUIRE(st.ok()); });
        return id;
    };
    park("gone", now - 3h);
    park("gone", now - 2h);
    const auto young = park("gone", now);
    ledger.park_mo(store::MobileOriginated{.id = ids.next(), .account = "gone", .received_at = now - 2h},
                   [](store::Status st) { REQUIRE(st.ok()); });
    park("acme", now - 2h);
    auto fs = Rig::fast();
    fs.max_age = 1h;
    fs.accounts.emplace();
    fs.accounts->insert("acme");
    auto forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger, fs);
    forwarder->start();
    const bool drained = loop.run_until(
        [&] {
            return ledger.pending_receipts("gone", 10)->size() == 1 && ledger.pending_mo("gone", 10)->empty() &&
                   ledger.pending_receipts("acme", 10)->empty();
        },
        5s);
    CHECK(drained);
    CHECK(ledger.pending_receipts("gone", 10)->front().id == young);  // not old enough yet
    CHECK(forwarder->counters().expired == 3);
    CHECK(forwarder->counters().mo_expired == 1);
    CHECK(forwarder->counters().forwarded == 0);
    forwarder->stop();
    loop.run_for(20ms);
}

TEST_CASE("receipt forwarder: a deliver_sm_resp ESME_ROK after the timeout is taken; the receipt is not sent again") {
    Loop loop;
    auto fs = Rig::fast();
    fs.retry_base = 5s;  // the retry after the 2 s timeout waits this long
    fs.retry_max = 5s;
    Rig rig(loop, fs);
    rig.park(1, MessageStatus::delivered);
    auto esme = std::make_shared<Esme>();
    esme->hold = true;
    rig.bind(esme);
    REQUIRE(loop.run_until([&] { return rig.forwarder->counters().retried == 1; }, 5s));  // timed out
    esme->release();  // the answer, late
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 3s));
    CHECK(esme->seen.size() == 1);
    CHECK(rig.forwarder->counters().forwarded == 1);
}

TEST_CASE("receipt forwarder: an unbind mid-flight loses nothing; the next bind gets them") {
    Loop loop;
    Rig rig(loop);
    auto first = std::make_shared<Esme>();
    first->hold = true;
    auto c1 = rig.bind(first);
    std::vector<MessageId> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(rig.park(1));
    REQUIRE(loop.run_until([&] { return first->seen.size() == 3; }, 5s));
    rig.stop(c1);  // unbinds with three deliver_sm unanswered
    loop.run_for(50ms);
    CHECK(rig.parked() == 3);
    CHECK(rig.forwarder->counters().forwarded == 0);

    auto second = std::make_shared<Esme>();
    rig.bind(second, session::bind_type::transceiver);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 5s));
    REQUIRE(second->seen.size() == 3);
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(second->seen[i].receipted_message_id == ids[i].to_string());
    CHECK(rig.forwarder->counters().forwarded == 3);
    CHECK(rig.forwarder->counters().retried == 0);
}

TEST_CASE("receipt forwarder: the upstream window is never exceeded, two binds share the load") {
    Loop loop;
    Rig rig(loop, Rig::fast(), 2);  // our sessions may have 2 deliver_sm outstanding each
    auto a = std::make_shared<Esme>();
    auto b = std::make_shared<Esme>();
    a->hold = b->hold = true;
    rig.bind(a);
    rig.bind(b);
    for (int i = 0; i < 12; ++i) rig.park(1);
    REQUIRE(loop.run_until([&] { return a->seen.size() + b->seen.size() == 4; }, 5s));
    loop.run_for(50ms);
    CHECK(a->seen.size() == 2);
    CHECK(b->seen.size() == 2);
    REQUIRE(loop.run_until(
        [&] {
            a->release();
            b->release();
            return rig.parked() == 0;
        },
        5s));
    CHECK(a->seen.size() + b->seen.size() == 12);
    CHECK(a->max_outstanding == 2);
    CHECK(b->max_outstanding == 2);
    CHECK(rig.forwarder->counters().forwarded == 12);
}

TEST_CASE("receipt forwarder: a final receipt parked while its intermediate is with the upstream is forwarded too") {
    Loop loop;
    Rig rig(loop);
    auto esme = std::make_shared<Esme>();
    esme->hold = true;
    rig.bind(esme);
    // ENROUTE, wanted as an intermediate notification (0x11): on the wire,
    // its answer held by the upstream.
    const auto id = rig.park(0x11, MessageStatus::sent);
    REQUIRE(loop.run_until([&] { return esme->seen.size() == 1; }, 3s));
    CHECK(esme->seen[0].pdu.tlvs.message_state() == protocol::message_state::enroute);
    // Meanwhile the carrier's DELIVRD replaces it under the same id.
    bool ok = false;
    rig.ledger.park_receipt({"acme", id, MessageStatus::delivered, 0, store::MessageIdGenerator::system_clock_ms()},
                            [&](store::Status st) { ok = st.ok(); });
    REQUIRE(ok);
    rig.forwarder->notify("acme");
    loop.run_for(50ms);
    CHECK(esme->seen.size() == 1);  // one deliver_sm per message at a time
    // The upstream acknowledges ENROUTE: DELIVRD is not removed with it.
    esme->hold = false;
    esme->release();
    REQUIRE(loop.run_until([&] { return esme->seen.size() == 2; }, 3s));
    CHECK(esme->seen[1].receipted_message_id == id.to_string());
    CHECK(esme->seen[1].pdu.tlvs.message_state() == protocol::message_state::delivered);
    REQUIRE(loop.run_until([&] { return rig.parked() == 0; }, 3s));
    loop.run_for(100ms);
    CHECK(esme->seen.size() == 2);
}
