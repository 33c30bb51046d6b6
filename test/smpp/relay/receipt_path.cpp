// The whole receipt path in one process: upstream ESME -> forward path ->
// carrier actors -> smpp-sim (its real ID formats and receipt faults) ->
// deliver_sm -> ReceiptMatcher -> ledger -> ReceiptForwarder -> the ESME's
// receiver, under our message id.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "../carrier/test_smsc.hpp"
#include "smpp/relay/forward_path.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/relay/receipt_timeouts.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/in_memory_ledger.hpp"
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

// The ESME's receiving side: records every receipt and answers ESME_ROK.
struct ReceiptInbox final : session::SessionHandler {
    std::map<std::string, int> by_id;  // receipted_message_id -> deliver_sm count
    std::vector<std::string> order;
    std::vector<std::string> texts;
    void on_request(session::Session& s, protocol::Pdu&& request) override {
        if (auto* d = request.as<protocol::DeliverSm>()) {
            auto id = d->tlvs.receipted_message_id();
            const std::string key = id ? std::string(*id) : std::string("?");
            ++by_id[key];
            order.push_back(key);
            texts.push_back(d->short_message);
        }
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
    upstream::AccountSettings s;
    s.accounts.push_back(a);
    return s;
}

class ReceiptRig {
public:
    Loop& loop;
    store::Ledger& ledger;
    std::shared_ptr<sim::SimCarrier> smsc;
    store::MessageIdGenerator ids{3};
    relay::ForwardPath::Carriers carriers;
    std::shared_ptr<relay::ForwardPath> forward;
    std::shared_ptr<relay::ReceiptForwarder> forwarder;
    std::shared_ptr<relay::ReceiptMatcher> matcher;
    upstream::Authenticator authenticator{accounts()};
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> sender;    // transmitter
    std::shared_ptr<session::Client> receiver;  // receiver, started by bind_receiver()
    std::shared_ptr<ReceiptInbox> inbox = std::make_shared<ReceiptInbox>();
    std::vector<std::string> acked;  // our ids from submit_sm_resp

    ReceiptRig(Loop& l, store::Ledger& led, sim::CarrierSettings sim_settings) : loop(l), ledger(led) {
        sim_settings.name = "carrier01";
        sim_settings.system_id = "c01";
        sim_settings.password = "pw01";
        sim_settings.session.system_id = "sim";
        sim_settings.session.enquire_link_interval = 0ms;
        smsc = sim::SimCarrier::create(loop.ioc.get_executor(), sim_settings);
        smsc->start();

        auto settings = carrier::test::test_settings(smsc->port());
        settings.id = "carrier01";
        settings.binds = 2;
        settings.window = 50;
        forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger);
        matcher = relay::ReceiptMatcher::create(ledger, {}, [this](const std::string& account) {
            forwarder->notify(account);
        });
        carriers.emplace("carrier01", carrier::Carrier::create(loop.ioc.get_executor(), settings,
                                                               matcher->handler_for("carrier01")));
        forward = relay::ForwardPath::create(loop.ioc.get_executor(), ledger, ids,
                                             relay::MessageRouter::of({{"44", std::vector<std::string>{"carrier01"}}}), carriers);
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

    ~ReceiptRig() {
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
        loop.run_for(20ms);
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

    // n submit_sm asking for a receipt (or as `registered_delivery` says);
    // true when every one got ESME_ROK.
    bool submit(std::size_t n, std::uint8_t registered_delivery = 1) {
        std::size_t got = 0, ok = 0;
        auto s = sender->session();
        for (std::size_t i = 0; i < n; ++i) {
            protocol::SubmitSm sm = carrier::test::submit_sm("r" + std::to_string(i));
            sm.dest = {1, 1, "4477009001" + std::to_string(10 + i % 80)};
            sm.registered_delivery = registered_delivery;
            s->send_request(sm, [&](std::error_code ec, protocol::Pdu resp) {
                ++got;
                if (ec || resp.status != command_status::ESME_ROK) return;
                ++ok;
                acked.push_back(resp.as<protocol::SubmitSmResp>()->message_id);
            });
        }
        return loop.run_until([&] { return got == n; }, 10s) && ok == n;
    }

    // Every acked message's receipt reached the ESME exactly once.
    bool all_receipts_in(std::chrono::milliseconds timeout = 10s) {
        return loop.run_until(
            [&] {
                for (const auto& id : acked) {
                    auto it = inbox->by_id.find(id);
                    if (it == inbox->by_id.end()) return false;
                }
                return true;
            },
            timeout);
    }

    void check_exactly_once_and_delivered() {
        CHECK(inbox->by_id.size() == acked.size());
        for (const auto& id : acked) {
            CHECK(inbox->by_id[id] == 1);
            auto r = ledger.find(*store::MessageId::parse(id));
            REQUIRE(r.ok());
            CHECK(r->status == store::MessageStatus::delivered);
        }
        // Removed once the ESME's deliver_sm_resp is back at the forwarder.
        CHECK(loop.run_until([&] { return ledger.pending_receipts("acme", 10)->empty(); }, 3s));
    }
};

sim::CarrierSettings sim_with(sim::MessageIdFormat resp, sim::MessageIdFormat receipt,
                              sim::receipt_mode mode = sim::receipt_mode::both) {
    sim::CarrierSettings s;
    s.message_id = resp;
    s.receipt_message_id = receipt;
    s.receipts = mode;
    s.receipt_delay = 5ms;
    s.first_message_id = 4'000'000'000ULL;  // ids wider than 32 bits
    return s;
}

}  // namespace

TEST_CASE("receipt path: every ID format pair smpp-sim writes is matched and forwarded under our id",
          "[relay][receipts]") {
    using sim::id_base;
    using sim::id_case;
    struct Pair {
        sim::MessageIdFormat resp, receipt;
        sim::receipt_mode mode;
    };
    const Pair pairs[] = {
        {{id_base::hex, 0, id_case::lower}, {id_base::decimal, 10, id_case::lower}, sim::receipt_mode::text},
        {{id_base::decimal, 0, id_case::lower}, {id_base::hex, 12, id_case::upper}, sim::receipt_mode::tlv},
        {{id_base::hex, 16, id_case::upper}, {id_base::hex, 0, id_case::lower}, sim::receipt_mode::both},
        {{id_base::decimal, 20, id_case::lower}, {id_base::decimal, 0, id_case::lower}, sim::receipt_mode::text},
        {{id_base::uuid, 0, id_case::upper}, {id_base::uuid, 0, id_case::lower}, sim::receipt_mode::both},
    };
    for (const auto& p : pairs) {
        CAPTURE(sim::name(p.resp.base), p.resp.width, sim::name(p.receipt.base), p.receipt.width);
        Loop loop;
        store::InMemoryLedger ledger;
        ReceiptRig rig(loop, ledger, sim_with(p.resp, p.receipt, p.mode));
        rig.bind_receiver();
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(40));
        REQUIRE(rig.all_receipts_in());
        rig.check_exactly_once_and_delivered();
        const auto m = rig.matcher->counters();
        CHECK(m.matched + m.late_matched == 40);
        // Appendix B text upstream names our id, not the carrier's.
        for (const auto& text : rig.inbox->texts) CHECK(text.starts_with("id:"));
        CHECK(rig.inbox->texts.front().substr(3, rig.acked.front().size()).size() == rig.acked.front().size());
    }
}

TEST_CASE("receipt path: receipts on the other bind, before submit_sm_resp, duplicated and reordered",
          "[relay][receipts]") {
    Loop loop;
    store::InMemoryLedger ledger;
    auto s = sim_with({sim::id_base::hex, 8, sim::id_case::upper}, {sim::id_base::decimal, 0, sim::id_case::lower});
    s.receipt_on = sim::receipt_route::other;
    s.faults.receipts.before_resp = true;
    s.faults.receipts.duplicate = 1.0;
    s.faults.receipts.reorder = true;
    s.seed = 7;
    ReceiptRig rig(loop, ledger, s);
    rig.bind_receiver();
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(60));
    REQUIRE(rig.all_receipts_in());
    // Let the duplicates arrive too, then check none went upstream twice.
    loop.run_for(200ms);
    rig.check_exactly_once_and_delivered();
    const auto m = rig.matcher->counters();
    CHECK(m.parked >= 1);  // some beat their submit_sm_resp
    CHECK(m.matched + m.late_matched == 60);
    // Every copy absorbed or (found only by an alternate reading of its id,
    // hex resp and decimal receipt, on a message already done) kept parked.
    CHECK(m.matched + m.duplicates + m.parked >= 120);
    CHECK(m.refused == 0);
}

TEST_CASE("receipt path: receipts wait for the upstream to bind, then arrive oldest first", "[relay][receipts]") {
    Loop loop;
    store::InMemoryLedger ledger;
    ReceiptRig rig(loop, ledger,
                   sim_with({sim::id_base::decimal, 0, sim::id_case::lower},
                            {sim::id_base::decimal, 0, sim::id_case::lower}));
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(30));
    // Every record delivered and its receipt parked for acme, nobody to take it.
    REQUIRE(loop.run_until([&] { return ledger.pending_receipts("acme", 100)->size() == 30; }, 10s));
    CHECK(rig.inbox->by_id.empty());
    rig.bind_receiver();
    REQUIRE(rig.all_receipts_in());
    rig.check_exactly_once_and_delivered();
    std::vector<std::string> sorted = rig.inbox->order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(rig.inbox->order == sorted);  // our ids are time-ordered: FIFO
}

TEST_CASE("receipt path: messages asking for no receipt, or for failures only, still learn their outcome from the "
          "carrier; the upstream gets only what it asked for, and the timeout finds nothing to act on",
          "[relay][receipts]") {
    // Before, registered_delivery 0 and 2 went to the carrier unchanged: a
    // carrier (smpp-sim as real SMSCs) sent no receipt for rd 0 nor for a
    // delivered rd 2 message, those records stayed `sent`, and the receipt
    // timeout later re-sent them (otp) or reported them stat UNKNOWN.
    Loop loop;
    store::InMemoryLedger ledger;
    auto s = sim_with({sim::id_base::hex, 0, sim::id_case::lower}, {sim::id_base::hex, 0, sim::id_case::lower});
    s.final_status = {{protocol::message_state::delivered, 0.5}, {protocol::message_state::undeliverable, 0.5}};
    s.seed = 11;
    ReceiptRig rig(loop, ledger, s);
    rig.bind_receiver();
    REQUIRE(rig.ready());
    REQUIRE(rig.submit(20, 0x00));
    const std::vector<std::string> none(rig.acked.begin(), rig.acked.end());
    REQUIRE(rig.submit(20, 0x02));
    const std::vector<std::string> failures_only(rig.acked.begin() + 20, rig.acked.end());
    auto status_of = [&](const std::string& id) { return ledger.find(*store::MessageId::parse(id))->status; };
    REQUIRE(loop.run_until(
        [&] {
            for (const auto& id : rig.acked)
                if (!store::is_final(status_of(id))) return false;
            return true;
        },
        10s));
    loop.run_for(300ms);  // whatever goes upstream has gone
    std::size_t delivered = 0, failed = 0;
    for (const auto& id : none) {
        CAPTURE(id);
        CHECK(rig.inbox->by_id.count(id) == 0);
        delivered += status_of(id) == store::MessageStatus::delivered;
    }
    for (const auto& id : failures_only) {
        CAPTURE(id);
        if (status_of(id) == store::MessageStatus::delivered) {
            ++delivered;
            CHECK(rig.inbox->by_id.count(id) == 0);
        } else {
            ++failed;
            CHECK(status_of(id) == store::MessageStatus::undeliverable);
            CHECK(rig.inbox->by_id[id] == 1);
        }
    }
    CHECK(delivered > 0);
    CHECK(failed > 0);
    CHECK(rig.inbox->by_id.size() == failed);
    for (const auto& id : rig.acked) CHECK_FALSE(ledger.find(*store::MessageId::parse(id))->synthetic_receipt);

    // Long after every account's timeout, re-sending on: nothing is waiting.
    relay::ReceiptTimeoutSettings ts;
    ts.shortest = std::chrono::minutes(1);
    ts.clock = [] {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
               std::chrono::hours(1000);
    };
    ts.policy = [](const std::string&) { return relay::ReceiptTimeoutPolicy{std::chrono::minutes(1)}; };
    ts.resend_classes = {"otp", "transactional", "bulk"};
    std::size_t resent = 0;
    ts.resend = [&](store::MessageRecord, std::string) { return ++resent, true; };
    auto timeouts = relay::ReceiptTimeouts::create(loop.ioc.get_executor(), ledger, ts, {});
    bool swept = false;
    timeouts->sweep([&] { swept = true; });
    REQUIRE(loop.run_until([&] { return swept; }, 3s));
    CHECK(resent == 0);
    CHECK(timeouts->timed_out() == 0);
}
