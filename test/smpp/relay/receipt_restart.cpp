// Receipts across a restart of the connector, on the real RocksDB ledger:
// receipts parked before their submit_sm_resp, receipts owed to an upstream
// that is not bound, an upstream answering deliver_sm_resp with errors, and
// the whole path (ESME -> forward path -> carrier -> smpp-sim -> receipts
// back) with the simulator's receipt faults. None lost, none doubled.
//
// A "restart" destroys the ledger (it commits what is queued and closes,
// as a process exit would) and everything holding it, and opens it again
// from the same directory with new matcher / forwarder / listener objects.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "../../store/ledger_fixtures.hpp"
#include "../carrier/test_smsc.hpp"
#include "smpp/protocol/delivery_receipt.hpp"
#include "smpp/relay/carrier_id.hpp"
#include "smpp/relay/forward_path.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "store/rocksdb_ledger.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace {

using namespace smpp;
using namespace std::chrono_literals;
using carrier::test::Loop;
using protocol::command_status;
using protocol::message_state;
using relay::ReceiptMatcher;
using store::MessageId;
using store::MessageStatus;
using store::test::TempDir;
using store::test::wait_for;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

upstream::AccountSettings acme_account() {
    upstream::Account a;
    a.system_id = "acme";
    a.password_hash = acme_hash();
    a.bind_types = {session::bind_type::transceiver, session::bind_type::transmitter, session::bind_type::receiver};
    a.max_binds = 4;
    upstream::AccountSettings s;
    s.accounts.push_back(a);
    return s;
}

std::unique_ptr<store::RocksDbLedger> open_ledger(const std::string& path, bool sync = true,
                                                   std::size_t max_queued_writes = 100'000) {
    store::LedgerSettings settings;
    settings.path = path;
    settings.sync = sync;
    settings.max_group_size = std::min<std::size_t>(settings.max_group_size, max_queued_writes);
    settings.max_queued_writes = max_queued_writes;
    auto opened = store::RocksDbLedger::open(settings);
    REQUIRE(opened.ok());
    return std::move(opened).value();
}

store::Timestamp now_ms() { return store::MessageIdGenerator::system_clock_ms(); }

store::MessageRecord record(MessageId id, std::uint8_t registered_delivery = 1) {
    store::MessageRecord r;
    r.id = id;
    r.account = "acme";
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.payload = "hello receipts";
    r.registered_delivery = registered_delivery;
    r.accepted_at = r.updated_at = id.time();
    return r;
}

// How the carrier of these tests writes ids: hex in submit_sm_resp,
// decimal in its receipts (the classic mismatch), wider than 32 bits.
std::uint64_t carrier_number(std::size_t i) { return 5'000'000'000ULL + 7 * i; }
std::string resp_id(std::size_t i) { return fmt::format("{:012X}", carrier_number(i)); }
std::string receipt_id(std::size_t i) { return std::to_string(carrier_number(i)); }

protocol::Pdu receipt_pdu(const std::string& carrier_id, message_state stat = message_state::delivered) {
    protocol::DeliveryReceipt r;
    r.id = carrier_id;
    r.sub = "001";
    r.dlvrd = "001";
    r.stat = stat;
    r.err = "000";
    r.submit_date = "2611230101";
    r.done_date = "2611230102";
    auto d = protocol::make_receipt_deliver_sm(r, protocol::Address{1, 1, "447700900123"},
                                               protocol::Address{5, 0, "ACME"});
    return protocol::Pdu{command_status::ESME_ROK, 9, std::move(d)};
}

// One carrier deliver_sm through the matcher; its deliver_sm_resp status
// (the RocksDB ledger answers from its writer thread).
command_status deliver(ReceiptMatcher& m, const std::string& carrier, protocol::Pdu pdu) {
    auto answer = std::make_shared<std::promise<command_status>>();
    auto result = answer->get_future();
    m.on_deliver(carrier, std::move(pdu), [answer](command_status s) { answer->set_value(s); });
    REQUIRE(result.wait_for(5s) == std::future_status::ready);
    return result.get();
}

void accept(store::Ledger& l, const store::MessageRecord& r) {
    REQUIRE(wait_for([&](store::Completion done) { l.accept(r, std::move(done)); }).ok());
}

void sent(store::Ledger& l, MessageId id, const std::string& carrier_id) {
    const auto key = relay::index_key(carrier_id, {}).value();
    REQUIRE(wait_for([&](store::Completion done) {
                l.sent(id, "carrier01", carrier_id, key, now_ms(), std::move(done));
            }).ok());
}

// The accounts owed a receipt, as the matcher reports them (any thread).
struct Owed {
    std::mutex mutex;
    std::vector<std::string> accounts;
    ReceiptMatcher::Owed callback() {
        return [this](const std::string& a) {
            std::lock_guard lock(mutex);
            accounts.push_back(a);
        };
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return accounts.size();
    }
    // The matcher tells after its deliver_sm_resp: wait for it.
    bool reaches(std::size_t n) {
        for (int i = 0; i < 2000 && count() < n; ++i) std::this_thread::sleep_for(1ms);
        return count() == n;
    }
};

std::vector<MessageId> pending_ids(const store::Ledger& l) {
    auto p = l.pending_receipts("acme", 100'000);
    REQUIRE(p.ok());
    std::vector<MessageId> out;
    for (const auto& r : *p) out.push_back(r.id);
    return out;
}

// The upstream's side: records every deliver_sm and answers it from a
// script (ESME_ROK once the script is empty). One io_context pumped by
// the test thread, so no locks.
class Esme final : public session::SessionHandler {
public:
    std::vector<std::string> seen;                  // receipted_message_id of every deliver_sm, in order
    std::map<std::string, int> acknowledged;        // ... answered ESME_ROK
    std::deque<command_status> script;
    bool hold = false;  // keep the answers until release()

    void on_request(session::Session& s, protocol::Pdu&& p) override {
        auto* d = p.as<protocol::DeliverSm>();
        if (!d) return SessionHandler::on_request(s, std::move(p));
        const std::string id(d->tlvs.receipted_message_id().value_or(""));
        seen.push_back(id);
        if (hold) {
            held.push_back({s.shared_from_this(), p.sequence_number, id});
            return;
        }
        answer(s, p.sequence_number, id);
    }
    void release() {
        auto h = std::move(held);
        held.clear();
        for (auto& [s, seq, id] : h) answer(*s, seq, id);
    }

private:
    struct Held {
        std::shared_ptr<session::Session> session;
        std::uint32_t sequence_number;
        std::string id;
    };
    std::vector<Held> held;

    void answer(session::Session& s, std::uint32_t sequence_number, const std::string& id) {
        auto status = command_status::ESME_ROK;
        if (!script.empty()) {
            status = script.front();
            script.pop_front();
        }
        if (status == command_status::ESME_ROK) ++acknowledged[id];
        s.respond(protocol::make_response(protocol::command_id::deliver_sm, sequence_number, status));
    }
};

session::ClientSettings esme_settings(std::uint16_t port, session::bind_type type) {
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

void stop_client(Loop& loop, const std::shared_ptr<session::Client>& c) {
    bool done = false;
    c->stop([&] { done = true; });
    loop.run_until([&] { return done; }, 3s);
}

relay::ReceiptForwarderSettings fast_retries() {
    relay::ReceiptForwarderSettings fs;
    fs.retry_base = 10ms;
    fs.retry_max = 40ms;
    return fs;
}

// The upstream face of one connector process: a ReceiptForwarder on the
// ledger, and a Listener whose upstream handler has it as BindObserver.
class Upstream {
public:
    Loop& loop;
    upstream::Authenticator authenticator{acme_account()};
    std::shared_ptr<relay::ReceiptForwarder> forwarder;
    std::shared_ptr<session::Listener> listener;
    std::vector<std::shared_ptr<session::Client>> clients;

    Upstream(Loop& l, store::Ledger& ledger, relay::ReceiptForwarderSettings fs = fast_retries()) : loop(l) {
        forwarder = relay::ReceiptForwarder::create(loop.ioc.get_executor(), ledger, fs);
        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.unbind_timeout = 200ms;
        s.response_timeout = 2s;
        listener = session::Listener::create(
            loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
            [this](const boost::asio::ip::tcp::endpoint&) {
                return std::make_shared<upstream::UpstreamSessionHandler>(authenticator, nullptr, forwarder.get());
            });
        listener->start();
    }

    // The process stops: sessions closed, the forwarder stopped, every
    // handler already queued run, before the ledger may go.
    ~Upstream() {
        for (auto& c : clients) stop_client(loop, c);
        bool listener_done = false;
        listener->stop([&] { listener_done = true; });
        loop.run_until([&] { return listener_done; }, 3s);
        forwarder->stop();
        loop.run_for(30ms);
    }

    std::shared_ptr<session::Client> bind(std::shared_ptr<Esme> esme,
                                          session::bind_type type = session::bind_type::receiver) {
        auto c = session::Client::create(loop.ioc.get_executor(),
                                         esme_settings(listener->local_endpoint().port(), type), esme);
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
};

// Accepted, sent to carrier01 (hex id) and its receipt matched: a receipt
// owed to acme, parked durably. Returns the ids, oldest first.
std::vector<MessageId> owe_receipts(store::Ledger& ledger, store::MessageIdGenerator& ids, std::size_t n,
                                    std::size_t first = 0) {
    Owed owed;
    auto m = ReceiptMatcher::create(ledger, {}, owed.callback());
    std::vector<MessageId> out;
    for (std::size_t i = first; i < first + n; ++i) {
        auto r = record(ids.next());
        accept(ledger, r);
        sent(ledger, r.id, resp_id(i));
        REQUIRE(deliver(*m, "carrier01", receipt_pdu(receipt_id(i))) == command_status::ESME_ROK);
        out.push_back(r.id);
    }
    REQUIRE(m->counters().matched == n);
    REQUIRE(owed.reaches(n));
    return out;
}

}  // namespace

TEST_CASE("receipt restart: receipts parked before submit_sm_resp are matched after a restart, once",
          "[relay][receipts][restart]") {
    TempDir dir;
    store::MessageIdGenerator ids{5};
    constexpr std::size_t n = 20;
    std::vector<store::MessageRecord> records;

    // First life: n messages accepted, every receipt beats its submit_sm_resp
    // (and the first three come twice); half the resps land before the stop.
    {
        auto ledger = open_ledger(dir.path);
        Owed owed;
        auto m = ReceiptMatcher::create(*ledger, {}, owed.callback());
        for (std::size_t i = 0; i < n; ++i) {
            records.push_back(record(ids.next()));
            accept(*ledger, records.back());
        }
        for (std::size_t i = 0; i < n; ++i)
            CHECK(deliver(*m, "carrier01", receipt_pdu(receipt_id(i))) == command_status::ESME_ROK);
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(deliver(*m, "carrier01", receipt_pdu(receipt_id(i))) == command_status::ESME_ROK);
        CHECK(m->counters().parked == n + 3);
        CHECK(owed.count() == 0);
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->size() == n);

        for (std::size_t i = 0; i < n / 2; ++i) sent(*ledger, records[i].id, resp_id(i));
        CHECK(m->counters().late_matched == n / 2);
        CHECK(owed.count() == n / 2);
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->size() == n - n / 2);
        CHECK(pending_ids(*ledger).size() == n / 2);
    }

    // Second life: the other half of the resps (recovered records resent or
    // answered late) take the receipts parked in the first life.
    {
        auto ledger = open_ledger(dir.path);
        Owed owed;
        auto m = ReceiptMatcher::create(*ledger, {}, owed.callback());
        auto recovered = ledger->recover(now_ms(), store::Timestamp{});
        REQUIRE(recovered.ok());
        CHECK(recovered->resume.size() == n - n / 2);  // still `accepted`: their resp never came
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->size() == n - n / 2);
        CHECK(pending_ids(*ledger).size() == n / 2);

        for (std::size_t i = n / 2; i < n; ++i) sent(*ledger, records[i].id, resp_id(i));
        CHECK(m->counters().late_matched == n - n / 2);
        CHECK(owed.count() == n - n / 2);
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->empty());

        std::vector<MessageId> expected;
        for (const auto& r : records) {
            expected.push_back(r.id);
            auto found = ledger->find(r.id);
            REQUIRE(found.ok());
            CHECK(found->status == MessageStatus::delivered);
        }
        CHECK(pending_ids(*ledger) == expected);  // one per message, oldest first
        // Every receipt as received, duplicates too, for replay.
        CHECK(ledger->raw_receipts(store::Timestamp{}, 1000)->size() == n + 3);

        // The carrier offers one again after the restart: owes nothing. Only
        // an alternate reading of its id (decimal for the hex resp) finds the
        // message, which is done, so it is kept parked, not absorbed: an
        // alternate reading may as well be another message's id.
        CHECK(deliver(*m, "carrier01", receipt_pdu(receipt_id(4))) == command_status::ESME_ROK);
        CHECK(m->counters().parked == 1);
        CHECK(owed.count() == n - n / 2);
    }

    // Third life: nothing to match, nothing owed twice.
    {
        auto ledger = open_ledger(dir.path);
        Owed owed;
        auto m = ReceiptMatcher::create(*ledger, {}, owed.callback());
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->size() == 1);  // the copy
        CHECK(pending_ids(*ledger).size() == n);
        // A resp repeated for a delivered record is refused and takes nothing.
        auto again = wait_for([&](store::Completion done) {
            ledger->sent(records[0].id, "carrier01", resp_id(0), relay::index_key(resp_id(0), {}).value(), now_ms(),
                         std::move(done));
        });
        CHECK(again.code() == store::StatusCode::failed_precondition);
        CHECK(m->counters().late_matched == 0);
        CHECK(owed.count() == 0);
        CHECK(pending_ids(*ledger).size() == n);
    }
}

TEST_CASE("receipt restart: receipts owed to an unbound upstream survive a restart, delivered once on bind",
          "[relay][receipts][restart]") {
    TempDir dir;
    store::MessageIdGenerator ids{5};
    constexpr std::size_t n = 25;
    std::vector<MessageId> owed;

    // First life: a forwarder is running, but acme never binds.
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        {
            Upstream up(loop, *ledger);
            owed = owe_receipts(*ledger, ids, n);
            up.forwarder->notify("acme");
            loop.run_for(50ms);
            CHECK(up.forwarder->counters().forwarded == 0);
        }
        CHECK(pending_ids(*ledger) == owed);
    }

    // Second life: acme binds a receiver after the restart and gets each
    // receipt once, oldest first; the ledger forgets them once acknowledged.
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        {
            Upstream up(loop, *ledger);
            CHECK(pending_ids(*ledger) == owed);
            auto esme = std::make_shared<Esme>();
            up.bind(esme);
            REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 10s));
            loop.run_for(100ms);
            REQUIRE(esme->seen.size() == n);
            for (std::size_t i = 0; i < n; ++i) CHECK(esme->seen[i] == owed[i].to_string());
            CHECK(up.forwarder->counters().forwarded == n);
            CHECK(up.forwarder->counters().retried == 0);
        }
    }

    // Third life: a new bind gets nothing again.
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        Upstream up(loop, *ledger);
        CHECK(pending_ids(*ledger).empty());
        auto esme = std::make_shared<Esme>();
        up.bind(esme, session::bind_type::transceiver);
        loop.run_for(200ms);
        CHECK(esme->seen.empty());
    }
}

TEST_CASE("receipt restart: deliver_sm_resp errors are retried until ESME_ROK, then removed for good",
          "[relay][receipts][restart]") {
    TempDir dir;
    store::MessageIdGenerator ids{5};
    MessageId id;
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        {
            Upstream up(loop, *ledger);
            auto esme = std::make_shared<Esme>();
            esme->script = {command_status::ESME_RX_T_APPN, command_status::ESME_RX_T_APPN,
                            command_status::ESME_RX_T_APPN};
            up.bind(esme, session::bind_type::transceiver);
            id = owe_receipts(*ledger, ids, 1).front();
            up.forwarder->notify("acme");
            REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 5s));
            loop.run_for(100ms);
            CHECK(esme->seen == std::vector<std::string>(4, id.to_string()));
            CHECK(esme->acknowledged == std::map<std::string, int>{{id.to_string(), 1}});
            CHECK(up.forwarder->counters().retried == 3);
            CHECK(up.forwarder->counters().forwarded == 1);
        }
    }
    // The removal was durable: the next life has nothing to send.
    Loop loop;
    auto ledger = open_ledger(dir.path);
    Upstream up(loop, *ledger);
    auto esme = std::make_shared<Esme>();
    up.bind(esme);
    loop.run_for(150ms);
    CHECK(esme->seen.empty());
}

TEST_CASE("receipt restart: a restart between deliver_sm_resp errors still delivers the receipt",
          "[relay][receipts][restart]") {
    TempDir dir;
    store::MessageIdGenerator ids{5};
    MessageId id;
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        Upstream up(loop, *ledger);
        auto esme = std::make_shared<Esme>();
        esme->script.assign(1000, command_status::ESME_RX_T_APPN);  // never ESME_ROK in this life
        up.bind(esme);
        id = owe_receipts(*ledger, ids, 1).front();
        up.forwarder->notify("acme");
        REQUIRE(loop.run_until([&] { return esme->seen.size() >= 2; }, 5s));
        CHECK(esme->acknowledged.empty());
    }  // stops mid-backoff
    Loop loop;
    auto ledger = open_ledger(dir.path);
    CHECK(pending_ids(*ledger) == std::vector<MessageId>{id});
    Upstream up(loop, *ledger);
    auto esme = std::make_shared<Esme>();
    esme->script = {command_status::ESME_RX_T_APPN};
    up.bind(esme);
    REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 5s));
    loop.run_for(100ms);
    CHECK(esme->seen == std::vector<std::string>(2, id.to_string()));
    CHECK(esme->acknowledged == std::map<std::string, int>{{id.to_string(), 1}});
}

// At least once, not exactly once, is the upstream contract: the ESME's
// ESME_ROK and the durable removal of the parked receipt are two events on
// two machines, and no order of them survives a crash in between. Removing
// first would lose the receipt when the deliver_sm_resp never comes (or
// says an error); so we remove after the ESME_ROK, and a crash in that
// window sends the receipt once more after the restart - never zero times,
// never more than once per crash. The ESME de-duplicates by
// receipted_message_id if it must.
//
// The crash: the ledger's files copied while the ESME holds its ESME_ROKs
// (the writer is idle: nothing else writes) are what kill -9 at that moment
// would leave behind; the connector restarts from that copy.
TEST_CASE("receipt restart: a crash between the upstream's ESME_ROK and the removal resends it once",
          "[relay][receipts][restart]") {
    TempDir dir, crashed;
    store::MessageIdGenerator ids{5};
    std::vector<MessageId> owed;
    constexpr std::size_t n = 5;
    {
        Loop loop;
        auto ledger = open_ledger(dir.path);
        owed = owe_receipts(*ledger, ids, n);
        Upstream up(loop, *ledger);
        auto esme = std::make_shared<Esme>();
        esme->hold = true;
        up.bind(esme);
        REQUIRE(loop.run_until([&] { return esme->seen.size() == n; }, 5s));
        std::filesystem::copy(dir.path, crashed.path, std::filesystem::copy_options::recursive |
                                                          std::filesystem::copy_options::overwrite_existing);
        esme->release();
        REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 5s));
        CHECK(esme->acknowledged.size() == n);
        CHECK(up.forwarder->counters().forwarded == n);
    }
    // Without the crash the receipts are gone for good...
    {
        auto ledger = open_ledger(dir.path);
        CHECK(pending_ids(*ledger).empty());
    }
    // ...after it, each is sent once more.
    Loop loop;
    auto ledger = open_ledger(crashed.path);
    CHECK(pending_ids(*ledger) == owed);
    Upstream up(loop, *ledger);
    auto esme = std::make_shared<Esme>();
    up.bind(esme);
    REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 5s));
    loop.run_for(100ms);
    REQUIRE(esme->seen.size() == n);  // once more each, not twice more
    for (std::size_t i = 0; i < n; ++i) CHECK(esme->seen[i] == owed[i].to_string());
}

// Found while writing these: when the removal after the ESME's ESME_ROK
// failed (the ledger's write queue full: StatusCode::busy), the forwarder
// forgot that the receipt was acknowledged and its next drain sent it
// again - a second deliver_sm without any crash. Now only the removal is
// retried; and a full queue no longer refuses it at all (only new
// messages are refused busy), it waits its turn.
TEST_CASE("receipt restart: a removal after ESME_ROK behind a full write queue waits, the receipt not sent again",
          "[relay][receipts][restart]") {
    TempDir dir;
    store::MessageIdGenerator ids{5};
    Loop loop;
    auto ledger = open_ledger(dir.path, false, 2);
    // Holds the ledger's writer inside a Completion; always let go before the ledger closes.
    struct Gate {
        std::promise<void> open;
        std::shared_future<void> opened = open.get_future().share();
        std::promise<void> entered;
        bool released = false;
        void release() {
            if (!released) open.set_value();
            released = true;
        }
        ~Gate() { release(); }
    };
    Gate gate;
    const auto id = owe_receipts(*ledger, ids, 1).front();
    {
        Upstream up(loop, *ledger);
        auto esme = std::make_shared<Esme>();
        esme->hold = true;
        up.bind(esme);
        up.forwarder->notify("acme");
        REQUIRE(loop.run_until([&] { return esme->seen.size() == 1; }, 5s));

        // The writer stuck in a Completion, two writes queued behind it: the queue is full.
        ledger->add_opt_out("other", "447700900001", [&](store::Status) {
            gate.entered.set_value();
            gate.opened.wait();
        });
        gate.entered.get_future().wait();
        ledger->add_opt_out("other", "447700900002", [](store::Status) {});
        ledger->add_opt_out("other", "447700900003", [](store::Status) {});

        esme->hold = false;
        esme->release();  // ESME_ROK; the removal queues behind the stuck writer
        loop.run_for(200ms);
        CHECK(up.forwarder->counters().ledger_errors == 0);
        CHECK(pending_ids(*ledger).size() == 1);
        gate.release();
        REQUIRE(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 5s));
        loop.run_for(100ms);
        CHECK(esme->acknowledged == std::map<std::string, int>{{id.to_string(), 1}});
        CHECK(esme->seen == std::vector<std::string>{id.to_string()});
    }
}

namespace {

// The whole path of receipt_path.cpp, on the RocksDB ledger.
class FullPath {
public:
    Loop& loop;
    store::Ledger& ledger;
    std::shared_ptr<sim::SimCarrier> smsc;
    store::MessageIdGenerator ids{3};
    relay::ForwardPath::Carriers carriers;
    std::shared_ptr<relay::ForwardPath> forward;
    std::shared_ptr<relay::ReceiptForwarder> forwarder;
    std::shared_ptr<relay::ReceiptMatcher> matcher;
    upstream::Authenticator authenticator{acme_account()};
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> sender;
    std::shared_ptr<session::Client> receiver;
    std::shared_ptr<Esme> inbox = std::make_shared<Esme>();
    std::vector<std::string> acked;

    FullPath(Loop& l, store::Ledger& led, sim::CarrierSettings sim_settings) : loop(l), ledger(led) {
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
        const auto port = listener->local_endpoint().port();
        sender = session::Client::create(loop.ioc.get_executor(), esme_settings(port, session::bind_type::transmitter),
                                         std::make_shared<session::SessionHandler>());
        sender->start();
        receiver = session::Client::create(loop.ioc.get_executor(), esme_settings(port, session::bind_type::receiver),
                                           inbox);
        receiver->start();
    }

    ~FullPath() {
        for (auto* c : {&sender, &receiver}) stop_client(loop, *c);
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

    bool ready() {
        return loop.run_until(
            [&] {
                auto s = sender->session();
                auto r = receiver->session();
                return s && s->state() == session::session_state::bound_tx && r &&
                       r->state() == session::session_state::bound_rx &&
                       carrier::test::all_bound(*carriers.begin()->second);
            },
            5s);
    }

    // n submit_sm asking for a receipt, at most `batch` outstanding; true
    // when every one got ESME_ROK.
    bool submit(std::size_t n, std::size_t batch = 50) {
        std::size_t got = 0, ok = 0;
        auto s = sender->session();
        for (std::size_t i = 0; i < n; ++i) {
            if (!loop.run_until([&] { return i - got < batch; }, 10s)) return false;
            protocol::SubmitSm sm = carrier::test::submit_sm(fmt::format("r{}", i));
            sm.dest = {1, 1, fmt::format("4477009001{}", 10 + i % 80)};
            sm.registered_delivery = 1;
            s->send_request(sm, [&](std::error_code ec, protocol::Pdu resp) {
                ++got;
                if (ec || resp.status != command_status::ESME_ROK) return;
                ++ok;
                acked.push_back(resp.as<protocol::SubmitSmResp>()->message_id);
            });
        }
        return loop.run_until([&] { return got == n; }, 20s) && ok == n;
    }

    bool all_receipts_in(std::chrono::milliseconds timeout = 20s) {
        return loop.run_until(
            [&] {
                for (const auto& id : acked)
                    if (!inbox->acknowledged.count(id)) return false;
                return true;
            },
            timeout);
    }
};

}  // namespace

TEST_CASE("receipt restart: the whole path on RocksDB, receipts before resp and duplicated, each upstream once",
          "[relay][receipts][restart]") {
    TempDir dir;
    Loop loop;
    auto ledger = open_ledger(dir.path, false);
    sim::CarrierSettings s;
    s.message_id = {sim::id_base::hex, 10, sim::id_case::upper};
    s.receipt_message_id = {sim::id_base::decimal, 0, sim::id_case::lower};
    s.receipts = sim::receipt_mode::both;
    s.receipt_delay = 5ms;
    s.first_message_id = 4'000'000'000ULL;
    s.faults.receipts.before_resp = true;
    s.faults.receipts.duplicate = 1.0;
    s.seed = 11;
    constexpr std::size_t n = 200;
    {
        FullPath rig(loop, *ledger, s);
        REQUIRE(rig.ready());
        REQUIRE(rig.submit(n));
        REQUIRE(rig.acked.size() == n);
        REQUIRE(rig.all_receipts_in());
        loop.run_for(300ms);  // the duplicates arrive too
        CHECK(rig.inbox->seen.size() == n);
        CHECK(rig.inbox->acknowledged.size() == n);
        for (const auto& id : rig.acked) {
            CHECK(rig.inbox->acknowledged[id] == 1);
            auto r = ledger->find(*MessageId::parse(id));
            REQUIRE(r.ok());
            CHECK(r->status == MessageStatus::delivered);
        }
        CHECK(loop.run_until([&] { return pending_ids(*ledger).empty(); }, 3s));
        const auto m = rig.matcher->counters();
        CHECK(m.matched + m.late_matched == n);
        CHECK(m.parked >= 1);  // some beat their submit_sm_resp
        // Every receipt came twice; the second copy was absorbed (or parked
        // over the first while its resp was still on the way).
        CHECK(rig.smsc->stats().receipts_duplicated == n);
        CHECK(m.matched + m.parked + m.duplicates == 2 * n);
        CHECK(m.refused == 0);
        CHECK(ledger->unmatched_receipts("carrier01", 1000)->empty());
    }
    // And after a restart nothing of it comes back.
    ledger.reset();
    ledger = open_ledger(dir.path, false);
    CHECK(pending_ids(*ledger).empty());
    CHECK(ledger->unmatched_receipts("carrier01", 1000)->empty());
}
