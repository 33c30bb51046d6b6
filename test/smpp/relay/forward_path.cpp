#include "smpp/relay/forward_path.hpp"

#include <filesystem>
#include <random>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../carrier/test_smsc.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"

// End to end in one process, every socket on 127.0.0.1: an ESME (our
// Client) binds to our Listener whose handler is the upstream handler; its
// submit_sm go through the forward path into a ledger, then through a
// Carrier to a test SMSC. One io_context, pumped by the test thread.

namespace {

namespace fs = std::filesystem;
using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using carrier::test::TestSmsc;
using protocol::command_status;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

// A ledger that refuses every write as busy (its queue is full).
class BusyLedger final : public store::Ledger {
public:
    void accept(store::MessageRecord, store::Completion done) override { done(busy()); }
    void update(store::MessageId, store::StateChange, store::Completion done) override { done(busy()); }
    void sent(store::MessageId, std::string, std::string, std::string, store::Timestamp,
              store::Completion done) override {
        done(busy());
    }
    void set_receipt_listener(store::ReceiptListener) override {}
    void apply_receipt(store::CarrierReceipt, store::ReceiptCompletion done) override { done(busy()); }
    void expire_unmatched(store::Timestamp, store::Completion done) override { done(busy()); }
    void time_out(store::MessageId, store::MessageStatus, store::Timestamp, store::ReceiptCompletion done) override {
        done(busy());
    }
    store::StatusOr<std::vector<store::MessageRecord>> awaiting_receipt(store::Timestamp, std::size_t,
                                                                        store::MessageId) const override {
        return std::vector<store::MessageRecord>{};
    }
    void schedule_retry(store::MessageId, store::Timestamp, store::Completion done) override { done(busy()); }
    void park_receipt(store::PendingReceipt, store::Completion done) override { done(busy()); }
    void remove_receipt(std::string, store::MessageId, store::Completion done) override { done(busy()); }
    void park_mo(store::MobileOriginated, store::Completion done) override { done(busy()); }
    void remove_mo(std::string, store::MessageId, store::Completion done) override { done(busy()); }
    store::StatusOr<std::vector<store::MobileOriginated>> pending_mo(std::string_view, std::size_t) const override {
        return std::vector<store::MobileOriginated>{};
    }
    void add_opt_out(std::string, std::string, store::Completion done) override { done(busy()); }
    void remove_opt_out(std::string, std::string, store::Completion done) override { done(busy()); }
    void drop_final_older_than(store::Timestamp, store::Completion done) override { done(busy()); }
    store::StatusOr<store::MessageRecord> find(store::MessageId) const override { return missing(); }
    store::StatusOr<store::MessageId> find_by_carrier_id(std::string_view, std::string_view) const override {
        return missing();
    }
    store::StatusOr<std::vector<store::MessageId>> due_retries(store::Timestamp, std::size_t) const override {
        return std::vector<store::MessageId>{};
    }
    store::StatusOr<std::vector<store::PendingReceipt>> pending_receipts(std::string_view, std::size_t) const override {
        return std::vector<store::PendingReceipt>{};
    }
    store::StatusOr<std::vector<store::CarrierReceipt>> unmatched_receipts(std::string_view,
                                                                           std::size_t) const override {
        return std::vector<store::CarrierReceipt>{};
    }
    store::StatusOr<std::vector<store::CarrierReceipt>> raw_receipts(store::Timestamp, std::size_t) const override {
        return std::vector<store::CarrierReceipt>{};
    }
    store::StatusOr<bool> is_opted_out(std::string_view, std::string_view) const override { return false; }
    store::StatusOr<store::Recovery> recover(store::Timestamp) override { return store::Recovery{}; }

private:
    static store::Status busy() { return {store::StatusCode::busy, "write queue full"}; }
    static store::Status missing() { return {store::StatusCode::not_found, "nothing stored"}; }
};

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("smpp-relay-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

struct Answer {
    command_status status = command_status::ESME_ROK;
    std::string message_id;
};

// Everything between the ESME and the SMSC. `extra_carrier` adds a second
// carrier ("carrier00", to the same SMSC) tried first on the 44 route.
class Rig {
public:
    Loop& loop;
    store::Ledger& ledger;
    TestSmsc smsc;
    store::MessageIdGenerator ids{7};
    relay::ForwardPath::Carriers carriers;
    std::shared_ptr<relay::ForwardPath> forward;
    upstream::Authenticator authenticator{upstream::AccountSettings{
        {upstream::Account{"acme", acme_hash(), {session::bind_type::transceiver}, 2}}}};
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> client;
    std::vector<Answer> answers;

    Rig(Loop& l, store::Ledger& led, bool extra_carrier = false, relay::ForwardSettings fs = {})
        : loop(l), ledger(led), smsc(l) {
        auto settings = carrier::test::test_settings(smsc.port());
        settings.id = "carrier01";
        settings.binds = 2;
        settings.window = 20;
        carriers.emplace("carrier01", carrier::Carrier::create(loop.ioc.get_executor(), settings));
        std::vector<std::string> route44{"carrier01"};
        if (extra_carrier) {
            settings.id = "carrier00";
            settings.binds = 1;
            carriers.emplace("carrier00", carrier::Carrier::create(loop.ioc.get_executor(), settings));
            route44.insert(route44.begin(), "carrier00");
        }
        forward = relay::ForwardPath::create(loop.ioc.get_executor(), ledger, ids,
                                             relay::MessageRouter::of({{"44", route44}}), carriers, fs);
        for (auto& [id, c] : carriers) c->start();

        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.unbind_timeout = 200ms;
        listener = session::Listener::create(
            loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
            [this](const boost::asio::ip::tcp::endpoint&) {
                return std::make_shared<upstream::UpstreamSessionHandler>(authenticator, forward.get());
            });
        listener->start();

        session::ClientSettings cs;
        cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
        cs.bind.type = session::bind_type::transceiver;
        cs.bind.system_id = "acme";
        cs.bind.password = "acmepw";
        cs.session.system_id = "esme";
        cs.session.window = 100;
        cs.session.enquire_link_interval = 0ms;
        cs.session.unbind_timeout = 200ms;
        cs.backoff = {20ms, 100ms, 0.0};
        cs.connect_timeout = 1s;
        client = session::Client::create(loop.ioc.get_executor(), cs, std::make_shared<session::SessionHandler>());
        client->start();
    }

    ~Rig() {
        bool client_done = false;
        client->stop([&] { client_done = true; });
        loop.run_until([&] { return client_done; }, 3s);
        bool listener_done = false;
        listener->stop([&] { listener_done = true; });
        loop.run_until([&] { return listener_done; }, 3s);
        forward->stop();
        for (auto& [id, c] : carriers) carrier::test::stop(loop, *c);
        smsc.stop();
        loop.run_for(20ms);
    }

    bool ready() {
        return loop.run_until(
            [&] {
                auto s = client->session();
                if (!s || s->state() != session::session_state::bound_trx) return false;
                for (auto& [id, c] : carriers)
                    if (!carrier::test::all_bound(*c)) return false;
                return true;
            },
            5s);
    }

    // Sends `sm` n times (text "<prefix><i>" unless keep_text), at most
    // `in_flight` unanswered at once, and waits for every answer.
    bool submit(std::size_t n, const protocol::SubmitSm& sm, bool keep_text = false, std::uint32_t in_flight = 50) {
        std::size_t sent = 0;
        std::uint32_t outstanding = 0;
        const std::size_t first = answers.size();
        answers.resize(first + n);
        std::size_t got = 0;
        return loop.run_until(
            [&] {
                auto s = client->session();
                while (s && sent < n && outstanding < in_flight) {
                    auto copy = sm;
                    if (!keep_text) copy.short_message = fmt::format("m{}", first + sent);
                    ++outstanding;
                    s->send_request(copy, [&, slot = first + sent](std::error_code ec, protocol::Pdu resp) {
                        --outstanding;
                        ++got;
                        if (ec) {
                            answers[slot].status = command_status::ESME_RUNKNOWNERR;
                            return;
                        }
                        answers[slot].status = resp.status;
                        if (auto* r = resp.as<protocol::SubmitSmResp>()) answers[slot].message_id = r->message_id;
                    });
                    ++sent;
                }
                return got == n;
            },
            30s);
    }
};

protocol::SubmitSm to(std::string dest) {
    protocol::SubmitSm s = carrier::test::submit_sm("hello");
    s.dest = {1, 1, std::move(dest)};
    return s;
}

void thousand_reach_the_carrier(store::Ledger& ledger) {
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1000, to("447700900123")));

    std::set<std::string> ids;
    for (const auto& a : rig.answers) {
        REQUIRE(a.status == command_status::ESME_ROK);
        ids.insert(a.message_id);
    }
    CHECK(ids.size() == 1000);

    // Every record reaches sent with the carrier's id, and the carrier-ID
    // index leads back to it.
    auto all_sent = [&] {
        for (const auto& a : rig.answers) {
            auto r = ledger.find(*store::MessageId::parse(a.message_id));
            if (!r.ok() || r->status != store::MessageStatus::sent) return false;
        }
        return true;
    };
    REQUIRE(loop.run_until(all_sent, 10s));
    for (std::size_t i = 0; i < rig.answers.size(); ++i) {
        const auto id = *store::MessageId::parse(rig.answers[i].message_id);
        auto r = ledger.find(id);
        REQUIRE(r.ok());
        CHECK(r->account == "acme");
        CHECK(r->payload == "m" + std::to_string(i));
        CHECK(r->destination.address == "447700900123");
        CHECK(r->segment_count == 1);
        CHECK(r->route.carrier == "carrier01");
        REQUIRE(r->attempts.size() == 1);
        CHECK(r->attempts[0].carrier == "carrier01");
        CHECK(r->attempts[0].carrier_message_id == "id-m" + std::to_string(i));
        CHECK(r->attempts[0].status == store::MessageStatus::sent);  // the durable `sending` attempt, completed
        auto back = ledger.find_by_carrier_id("carrier01", "id-m" + std::to_string(i));
        REQUIRE(back.ok());
        CHECK(*back == id);
    }
    CHECK(rig.smsc.submits.size() == 1000);
    CHECK(rig.smsc.accepted.size() == 1000);
    const auto n = rig.forward->counters();
    CHECK(n.accepted == 1000);
    CHECK(n.sent == 1000);
    CHECK(n.refused == 0);
    CHECK(n.ledger_errors == 0);
}

}  // namespace

TEST_CASE("forward path: 1000 submit_sm through the in-memory ledger reach the carrier", "[relay][forward]") {
    store::InMemoryLedger ledger;
    thousand_reach_the_carrier(ledger);
}

TEST_CASE("forward path: 1000 submit_sm through the RocksDB ledger reach the carrier", "[relay][forward]") {
    TempDir dir;
    store::LedgerSettings settings;
    settings.path = dir.path() + "/ledger";
    settings.sync = false;
    auto ledger = store::RocksDbLedger::open(settings);
    REQUIRE(ledger.ok());
    thousand_reach_the_carrier(**ledger);
}

TEST_CASE("forward path: bad destinations and lengths get their exact status, nothing is stored or sent",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());

    REQUIRE(rig.submit(1, to("4915112345678"), true));  // no route covers 49
    REQUIRE(rig.submit(1, to(""), true));               // no destination
    REQUIRE(rig.submit(1, to("ACME"), true));           // not digits
    auto both = to("447700900123");
    both.tlvs.set_bytes(protocol::tlv_tag::message_payload, "also here");
    REQUIRE(rig.submit(1, both, true));                 // short_message and message_payload
    CHECK(rig.answers[0].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[1].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[2].status == command_status::ESME_RINVDSTADR);
    CHECK(rig.answers[3].status == command_status::ESME_RINVMSGLEN);
    for (const auto& a : rig.answers) CHECK(a.message_id.empty());

    // A leading '+' is fine, and message_payload alone too.
    auto payload_only = to("+447700900123");
    payload_only.short_message.clear();
    payload_only.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::string(200, 'x'));
    REQUIRE(rig.submit(1, payload_only, true));
    CHECK(rig.answers[4].status == command_status::ESME_ROK);
    auto r = ledger.find(*store::MessageId::parse(rig.answers[4].message_id));
    REQUIRE(r.ok());
    CHECK(r->payload == std::string(200, 'x'));
    CHECK(r->segment_count == 2);  // 200 GSM septets: 153 + 47

    const auto n = rig.forward->counters();
    CHECK(n.refused == 4);
    CHECK(n.accepted == 1);
}

TEST_CASE("forward path: a busy ledger gets ESME_RMSGQFUL and never ESME_ROK", "[relay][forward]") {
    BusyLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(20, to("447700900123")));
    for (const auto& a : rig.answers) {
        CHECK(a.status == command_status::ESME_RMSGQFUL);
        CHECK(a.message_id.empty());
    }
    loop.run_for(50ms);
    CHECK(rig.smsc.submits.empty());
    CHECK(rig.forward->counters().accepted == 0);
}

TEST_CASE("forward path: a carrier that refuses hands the message to the next on the route", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger, true);
    REQUIRE(rig.ready());
    rig.carriers.at("carrier00")->disable();
    loop.run_until([&] { return rig.carriers.at("carrier00")->snapshot().state == carrier::carrier_state::disabled; });
    REQUIRE(rig.submit(10, to("447700900123")));
    for (const auto& a : rig.answers) REQUIRE(a.status == command_status::ESME_ROK);
    auto all_sent = [&] {
        for (const auto& a : rig.answers) {
            auto r = ledger.find(*store::MessageId::parse(a.message_id));
            if (!r.ok() || r->status != store::MessageStatus::sent) return false;
        }
        return true;
    };
    REQUIRE(loop.run_until(all_sent, 5s));
    for (const auto& a : rig.answers) {
        auto r = ledger.find(*store::MessageId::parse(a.message_id));
        CHECK(r->route.carrier == "carrier00");  // the route's first choice...
        // ...refused it (its `sending` attempt was stored first), the next took it.
        REQUIRE(r->attempts.size() == 2);
        CHECK(r->attempts[0].carrier == "carrier00");
        CHECK(r->attempts[0].carrier_message_id.empty());
        CHECK(r->attempts[1].carrier == "carrier01");
        CHECK(r->attempts[1].status == store::MessageStatus::sent);
    }
    CHECK(rig.smsc.accepted.size() == 10);
}

TEST_CASE("forward path: a number on the account's opt-out list gets ESME_RX_P_APPN and is not stored",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    ledger.add_opt_out("acme", "447700900123", [](store::Status s) { REQUIRE(s.ok()); });
    ledger.add_opt_out("someone-else", "447700900999", [](store::Status s) { REQUIRE(s.ok()); });
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(1, to("+447700900123"), true));  // normalised before the look-up
    REQUIRE(rig.submit(1, to("447700900999"), true));   // another account's list
    CHECK(rig.answers[0].status == command_status::ESME_RX_P_APPN);
    CHECK(rig.answers[0].message_id.empty());
    CHECK(rig.answers[1].status == command_status::ESME_ROK);
    loop.run_for(50ms);
    CHECK(rig.smsc.submits.size() == 1);
    CHECK(rig.forward->counters().refused == 1);
}

TEST_CASE("forward path: an account's backlog is bounded; ESME_RMSGQFUL over it, room again once carriers answer",
          "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    relay::ForwardSettings fs;
    upstream::Account acme;
    acme.system_id = "acme";
    acme.max_backlog = 5;
    fs.accounts.accounts.push_back(acme);
    Rig rig(loop, ledger, false, fs);
    rig.smsc.answer = false;  // every submit waits for its response timeout (then in doubt)
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(8, to("447700900123"), false, 8));
    std::size_t ok = 0, full = 0;
    for (const auto& a : rig.answers) {
        if (a.status == command_status::ESME_ROK) ++ok;
        if (a.status == command_status::ESME_RMSGQFUL) ++full;
    }
    CHECK(ok == 5);
    CHECK(full == 3);
    CHECK(rig.forward->backlog("acme") == 5);
    // The carrier never answers: after the response timeout they are in doubt
    // (no longer waiting for a carrier), and the account has room again.
    REQUIRE(loop.run_until([&] { return rig.forward->backlog("acme") == 0; }, 5s));
    CHECK(rig.forward->counters().in_doubt == 5);
    rig.smsc.answer = true;
    REQUIRE(rig.submit(1, to("447700900123"), false));
    CHECK(rig.answers.back().status == command_status::ESME_ROK);
}

TEST_CASE("forward path: cancel_sm cancels a message no carrier has yet, and nothing else", "[relay][forward]") {
    store::InMemoryLedger ledger;
    Loop loop;
    Rig rig(loop, ledger);
    REQUIRE(rig.ready());
    // One message sent through to the carrier, one still waiting (stored
    // directly, as a retry would leave it), one of another account.
    REQUIRE(rig.submit(1, to("447700900123")));
    REQUIRE(rig.answers[0].status == command_status::ESME_ROK);
    REQUIRE(loop.run_until(
        [&] {
            return ledger.find(*store::MessageId::parse(rig.answers[0].message_id))->status ==
                   store::MessageStatus::sent;
        },
        5s));
    auto waiting = *ledger.find(*store::MessageId::parse(rig.answers[0].message_id));
    waiting.id = rig.ids.next();
    waiting.status = store::MessageStatus::accepted;
    waiting.attempts.clear();
    ledger.accept(waiting, [](store::Status st) { REQUIRE(st.ok()); });
    auto others = waiting;
    others.id = rig.ids.next();
    others.account = "someone-else";
    ledger.accept(others, [](store::Status st) { REQUIRE(st.ok()); });

    auto cancel = [&](std::string message_id) {
        std::optional<command_status> answer;
        protocol::CancelSm c;
        c.message_id = std::move(message_id);
        rig.client->session()->send_request(c, [&](std::error_code ec, protocol::Pdu resp) {
            answer = ec ? command_status::ESME_RUNKNOWNERR : resp.status;
        });
        REQUIRE(loop.run_until([&] { return answer.has_value(); }, 3s));
        return *answer;
    };
    CHECK(cancel(waiting.id.to_string()) == command_status::ESME_ROK);
    CHECK(ledger.find(waiting.id)->status == store::MessageStatus::cancelled);
    CHECK(cancel(waiting.id.to_string()) == command_status::ESME_RCANCELFAIL);     // final already
    CHECK(cancel(rig.answers[0].message_id) == command_status::ESME_RCANCELFAIL);  // the carrier has it
    CHECK(cancel(others.id.to_string()) == command_status::ESME_RINVMSGID);        // not acme's
    CHECK(cancel("") == command_status::ESME_RINVMSGID);
    CHECK(cancel("NOT-AN-ID") == command_status::ESME_RINVMSGID);
    CHECK(ledger.find(others.id)->status == store::MessageStatus::accepted);
}
