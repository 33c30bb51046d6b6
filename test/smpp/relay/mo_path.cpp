// Mobile-originated messages end to end: smpp-sim sends an MO -> carrier
// actor -> ReceiptMatcher (owner, opt-out, park) -> ledger ->
// ReceiptForwarder -> the owning account's receiver, once.
#include <catch2/catch.hpp>

#include <map>

#include "../../store/ledger_fixtures.hpp"
#include "../carrier/test_smsc.hpp"
#include "smpp/relay/forward_path.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"
#include "store/rocksdb_ledger.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace {

using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using protocol::command_status;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

// The ESME's receiving side: keeps every deliver_sm, answers ESME_ROK.
struct Inbox final : session::SessionHandler {
    std::vector<protocol::DeliverSm> got;
    void on_request(session::Session& s, protocol::Pdu&& request) override {
        if (auto* d = request.as<protocol::DeliverSm>()) got.push_back(*d);
        s.respond(protocol::make_response(request.id(), request.sequence_number, command_status::ESME_ROK));
    }
};

session::ClientSettings esme(std::uint16_t port, session::bind_type type) {
    session::ClientSettings cs;
    cs.endpoints = {{"127.0.0.1", port}};
    cs.bind.type = type;
    cs.bind.system_id = "acme";
    cs.bind.password = "acmepw";
    cs.session.system_id = "esme";
    cs.session.window = 100;
    cs.session.enquire_link_interval = 0ms;
    cs.session.unbind_timeout = 200ms;
    cs.backoff = {20ms, 100ms, 0.0};
    cs.connect_timeout = 1s;
    return cs;
}

upstream::AccountSettings accounts() {
    upstream::Account a;
    a.system_id = "acme";
    a.password_hash = acme_hash();
    a.bind_types = {session::bind_type::transceiver, session::bind_type::transmitter, session::bind_type::receiver};
    a.max_binds = 4;
    a.mo_numbers = {"12345", "4477009001*"};
    upstream::AccountSettings s;
    s.accounts.push_back(a);
    return s;
}

class MoRig {
public:
    Loop& loop;
    store::Ledger& ledger;
    std::shared_ptr<sim::SimCarrier> smsc;
    store::MessageIdGenerator ids{4};
    relay::ForwardPath::Carriers carriers;
    std::shared_ptr<relay::ForwardPath> forward;
    std::shared_ptr<relay::ReceiptForwarder> forwarder;
    std::shared_ptr<relay::ReceiptMatcher> matcher;
    upstream::Authenticator authenticator{accounts()};
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> sender;    // transmitter
    std::shared_ptr<session::Client> receiver;  // started by bind_receiver()
    std::shared_ptr<Inbox> inbox = std::make_shared<Inbox>();

    MoRig(Loop& l, store::Ledger& led) : loop(l), ledger(led) {
        sim::CarrierSettings sim_settings;
        sim_settings.name = "carrier01";
        sim_settings.system_id = "c01";
        sim_settings.password = "pw01";
        sim_settings.session.system_id = "sim";
        sim_settings.session.enquire_link_interval = 0ms;
        smsc = sim::SimCarrier::create(loop.ioc.get_executor(), sim_settings);
        smsc->start();

        auto settings = carrier::test::test_settings(smsc->port());
        settings.id = "carrier01";
        settings.binds = 1;
        forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger);
        relay::MoPath mo;
        mo.directory = relay::MoDirectory::of(accounts());
        mo.next_id = [this] { return ids.next(); };
        matcher = relay::ReceiptMatcher::create(
            ledger, {}, [this](const std::string& account) { forwarder->notify(account); }, mo);
        carriers.emplace("carrier01", carrier::Carrier::create(loop.ioc.get_executor(), settings,
                                                               matcher->handler_for("carrier01")));
        forward = relay::ForwardPath::create(loop.ioc.get_executor(), ledger, ids,
                                             relay::MessageRouter::of({{"44", std::vector<std::string>{"carrier01"}}}),
                                             carriers);
        for (auto& [id, c] : carriers) c->start();

        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.unbind_timeout = 200ms;
        listener = session::Listener::create(
            loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
            [this](const boost::asio::ip::tcp::endpoint&) {
                return std::make_shared<upstream::UpstreamSessionHandler>(authenticator, forward.get(),
                                                                          forwarder.get());
            });
        listener->start();
        sender = session::Client::create(loop.ioc.get_executor(),
                                         esme(listener->local_endpoint().port(), session::bind_type::transmitter),
                                         std::make_shared<session::SessionHandler>());
        sender->start();
    }

    ~MoRig() {
        for (auto* c : {&sender, &receiver}) {
            if (!*c) continue;
            bool done = false;
            (*c)->stop([&] { done = true; });
            loop.run_until([&] { return done; }, 3s);
        }
        bool listener_done = false;
        listener->stop([&] { listener_done = true; });
        loop.run_until([&] { return listener_done; }, 3s);
        forward->stop();
        forwarder->stop();
        for (auto& [id, c] : carriers) carrier::test::stop(loop, *c);
        bool sim_done = false;
        smsc->stop([&] { sim_done = true; });
        loop.run_until([&] { return sim_done; }, 3s);
        loop.run_for(30ms);
    }

    void bind_receiver() {
        receiver = session::Client::create(loop.ioc.get_executor(),
                                           esme(listener->local_endpoint().port(), session::bind_type::receiver),
                                           inbox);
        receiver->start();
    }

    bool ready() {
        return loop.run_until(
            [&] {
                auto s = sender->session();
                if (!s || s->state() != session::session_state::bound_tx) return false;
                if (receiver) {
                    auto r = receiver->session();
                    if (!r || r->state() != session::session_state::bound_rx) return false;
                }
                return carrier::test::all_bound(*carriers.begin()->second);
            },
            5s);
    }

    bool send_mo(const std::string& from, const std::string& to, std::string text, std::uint8_t data_coding = 0) {
        return smsc->send_mo({1, 1, from}, {to.size() > 6 ? std::uint8_t{1} : std::uint8_t{3}, 1, to},
                             std::move(text), data_coding);
    }

    command_status submit_to(const std::string& dest) {
        std::optional<command_status> answer;
        protocol::SubmitSm sm = carrier::test::submit_sm("hello again");
        sm.dest = {1, 1, dest};
        sender->session()->send_request(sm, [&](std::error_code ec, protocol::Pdu resp) {
            answer = ec ? command_status::ESME_RUNKNOWNERR : resp.status;
        });
        loop.run_until([&] { return answer.has_value(); }, 5s);
        return answer.value_or(command_status::ESME_RUNKNOWNERR);
    }

    bool settled() {
        return loop.run_until([&] { return ledger.pending_mo("acme", 100)->empty(); }, 5s);
    }
};

std::unique_ptr<store::RocksDbLedger> open_ledger(const std::string& path) {
    store::LedgerSettings settings;
    settings.path = path;
    auto opened = store::RocksDbLedger::open(settings);
    REQUIRE(opened.ok());
    return std::move(opened).value();
}

}  // namespace

TEST_CASE("mo path: an MO from smpp-sim reaches the owning account's receiver exactly once", "[relay][mo]") {
    Loop loop;
    store::InMemoryLedger ledger;
    MoRig rig(loop, ledger);
    rig.bind_receiver();
    REQUIRE(rig.ready());
    const std::string ucs2("\0h\0i\x20\xAC", 6);
    REQUIRE(rig.send_mo("447700900123", "12345", ucs2, 8));
    REQUIRE(loop.run_until([&] { return rig.inbox->got.size() == 1; }, 5s));
    REQUIRE(rig.settled());
    loop.run_for(100ms);
    REQUIRE(rig.inbox->got.size() == 1);
    const auto& d = rig.inbox->got[0];
    CHECK(d.source == protocol::Address{1, 1, "447700900123"});
    CHECK(d.dest == protocol::Address{3, 1, "12345"});
    CHECK(d.esm_class == 0);
    CHECK(d.registered_delivery == 0);
    CHECK(d.data_coding == 8);
    CHECK(d.short_message == ucs2);
    CHECK(rig.matcher->counters().mo_parked == 1);
    CHECK(rig.forwarder->counters().mo_forwarded == 1);
    CHECK(rig.forwarder->counters().forwarded == 0);
    CHECK(rig.smsc->stats().mo_sent == 1);
}

TEST_CASE("mo path: an MO to nobody's number is refused ESME_RX_P_APPN and goes nowhere", "[relay][mo]") {
    Loop loop;
    store::InMemoryLedger ledger;
    MoRig rig(loop, ledger);
    rig.bind_receiver();
    REQUIRE(rig.ready());
    REQUIRE(rig.send_mo("447700900123", "55555", "hello"));
    REQUIRE(loop.run_until([&] { return rig.matcher->counters().mo_unowned == 1; }, 5s));
    // The status the carrier got, exactly: straight through the matcher.
    std::optional<command_status> answer;
    protocol::DeliverSm d;
    d.source = {1, 1, "447700900123"};
    d.dest = {3, 1, "55555"};
    d.short_message = "hello";
    rig.matcher->on_deliver("carrier01", protocol::Pdu{command_status::ESME_ROK, 1, d},
                            [&](command_status s) { answer = s; });
    CHECK(answer == command_status::ESME_RX_P_APPN);
    loop.run_for(100ms);
    CHECK(rig.inbox->got.empty());
    CHECK(ledger.pending_mo("acme", 10)->empty());
    CHECK(rig.matcher->counters().mo_parked == 0);
}

TEST_CASE("mo path: STOP from a handset opts it out; the account's next submit_sm to it is refused",
          "[relay][mo]") {
    Loop loop;
    store::InMemoryLedger ledger;
    MoRig rig(loop, ledger);
    rig.bind_receiver();
    REQUIRE(rig.ready());
    // Before: the number takes messages.
    CHECK(rig.submit_to("447700900123") == command_status::ESME_ROK);
    REQUIRE(rig.send_mo("+447700900123", "12345", "stop"));
    REQUIRE(loop.run_until([&] { return rig.inbox->got.size() == 1; }, 5s));
    CHECK(ledger.is_opted_out("acme", "447700900123").value());
    CHECK(rig.inbox->got[0].short_message == "stop");  // the account still sees the MO
    CHECK(rig.matcher->counters().mo_opt_outs == 1);
    CHECK(rig.submit_to("447700900123") == command_status::ESME_RX_P_APPN);
    CHECK(rig.submit_to("+447700900123") == command_status::ESME_RX_P_APPN);
    CHECK(rig.submit_to("447700900124") == command_status::ESME_ROK);  // others are not affected
}

TEST_CASE("mo path: MOs parked while no bind is up arrive after a bind, in order", "[relay][mo]") {
    Loop loop;
    store::InMemoryLedger ledger;
    MoRig rig(loop, ledger);
    REQUIRE(rig.ready());
    constexpr int n = 12;
    for (int i = 0; i < n; ++i) REQUIRE(rig.send_mo("4477009005" + std::to_string(10 + i), "12345", "m" + std::to_string(i)));
    REQUIRE(loop.run_until([&] { return ledger.pending_mo("acme", 100)->size() == n; }, 5s));
    loop.run_for(50ms);
    CHECK(rig.inbox->got.empty());
    rig.bind_receiver();
    REQUIRE(loop.run_until([&] { return rig.inbox->got.size() == n; }, 5s));
    REQUIRE(rig.settled());
    loop.run_for(100ms);
    REQUIRE(rig.inbox->got.size() == n);
    for (int i = 0; i < n; ++i) CHECK(rig.inbox->got[i].short_message == "m" + std::to_string(i));
}

TEST_CASE("mo path: parked MOs survive a RocksDB restart and are delivered once after it", "[relay][mo][restart]") {
    store::test::TempDir dir;
    constexpr int n = 8;
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        {
            MoRig rig(loop, *ledger);
            REQUIRE(rig.ready());
            for (int i = 0; i < n; ++i) REQUIRE(rig.send_mo("447700900600", "4477009001" + std::to_string(i), "r" + std::to_string(i)));
            REQUIRE(loop.run_until([&] { return ledger->pending_mo("acme", 100)->size() == n; }, 5s));
            CHECK(rig.inbox->got.empty());
        }
    }
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        REQUIRE(ledger->pending_mo("acme", 100)->size() == n);
        {
            MoRig rig(loop, *ledger);
            rig.bind_receiver();
            REQUIRE(rig.ready());
            REQUIRE(loop.run_until([&] { return rig.inbox->got.size() == n; }, 5s));
            REQUIRE(rig.settled());
            loop.run_for(100ms);
            REQUIRE(rig.inbox->got.size() == n);
            for (int i = 0; i < n; ++i) {
                CHECK(rig.inbox->got[i].short_message == "r" + std::to_string(i));
                CHECK(rig.inbox->got[i].dest.addr == "4477009001" + std::to_string(i));
            }
        }
    }
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        CHECK(ledger->pending_mo("acme", 100)->empty());
    }
}
