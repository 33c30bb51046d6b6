#include "tools/smpp-connector/admin_service.hpp"

#include <catch2/catch.hpp>

#include <cctype>

#include "store/in_memory_ledger.hpp"

using namespace smpp;
using namespace smpp::admin;
using namespace std::chrono_literals;

namespace {

std::vector<carrier::CarrierSnapshot> two_carriers() {
    carrier::CarrierSnapshot a;
    a.id = "c1";
    a.rate_tps = 200;
    a.queued = 3;
    a.queued_by_class = {1, 2, 0};
    a.in_flight = 2;
    carrier::BindSnapshot b;
    b.index = 0;
    b.type = session::bind_type::transceiver;
    b.state = carrier::bind_state::bound;
    b.since = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14T22:13:20Z
    b.endpoint = "127.0.0.1:2775";
    b.in_flight = 2;
    b.window = 10;
    b.counters.submits = 7;
    b.counters.sent = 5;
    a.binds.push_back(b);
    b.index = 1;
    b.state = carrier::bind_state::connecting;
    b.in_flight = 0;
    b.counters = {};
    b.consecutive_failures = 3;
    b.last_error = "connect: Connection refused\nsecond line";
    a.binds.push_back(b);
    carrier::CarrierSnapshot c;
    c.id = "c2";
    c.state = carrier::carrier_state::disabled;
    c.backup = true;
    return {a, c};
}

}  // namespace

TEST_CASE("admin_service: binds shows what the forward path holds for each carrier under its line",
          "[tools][admin]") {
    AdminSources sources{.binds = two_carriers};
    sources.credits = [](std::string_view id) -> std::optional<relay::CreditCounts> {
        if (id != "c1") return std::nullopt;  // c2: the forward path does not know it
        return relay::CreditCounts{.credits = 150, .in_use = 150, .waiting = {2, 5631, 7}, .stalled = true};
    };
    const auto text = AdminService(sources).execute("binds");
    CHECK(text.starts_with("ok 2 carriers, 2 binds\n"
                           "c1 running queued=3 (otp=1 transactional=2 bulk=0) in_flight=2 rate=200/s rate_cuts=0\n"
                           "  forward sending=150/150 waiting=5640 (otp=2 transactional=5631 bulk=7) stalled\n"
                           "  #0 transceiver bound "));
    CHECK(text.ends_with("\nc2 disabled backup queued=0 (otp=0 transactional=0 bulk=0) in_flight=0 rate=0/s "
                         "rate_cuts=0\n"));
    sources.credits = [](std::string_view) -> std::optional<relay::CreditCounts> {
        return relay::CreditCounts{.credits = 10, .in_use = 3};
    };
    CHECK(AdminService(sources).execute("binds").find("\n  forward sending=3/10 waiting=0 (otp=0 transactional=0 "
                                                      "bulk=0)\n  #0 ") != std::string::npos);
    // Messages waiting out the carrier's outage.
    sources.credits = [](std::string_view) -> std::optional<relay::CreditCounts> {
        return relay::CreditCounts{.credits = 10, .outage_waiting = 42};
    };
    CHECK(AdminService(sources).execute("binds").find("\n  forward sending=0/10 waiting=0 (otp=0 transactional=0 "
                                                      "bulk=0) outage_waiting=42\n") != std::string::npos);
}

TEST_CASE("admin_service: stats prints the forward path's and the ledger's counters and each account's backlog",
          "[tools][admin]") {
    AdminSources sources;
    CHECK(AdminService(sources).execute("stats") == "error no forward path (no carriers configured)\n");
    sources.stats = [] {
        StatsView v;
        v.forward = {.accepted = 100, .refused = 2, .sent = 90, .retries = 3, .rejected = 1, .in_doubt = 4,
                     .failed = 0, .expired = 1, .cancelled = 2, .replaced = 1, .ledger_errors = 0, .split = 5};
        v.ledger = StatsView::Ledger{.writes = 250, .groups = 40, .overlapped = 12, .journal_records = 40,
                                     .journal_switches = 1, .journal_waits = 0, .journal_replayed = 7};
        v.accounts = {{"acme", 5, 2}, {"bulk", 0, 0}};
        v.outage_waiting = 6;
        v.concat_pinned = 3;
        v.receipts = StatsView::Receipts{.matched = 80, .parked = 4, .late_matched = 3, .duplicates = 2,
                                         .unparsed = 1, .forwarded = 75, .retried = 6, .expired = 1, .refused = 2,
                                         .not_requested = 5, .orphaned = 0, .mo_parked = 9, .mo_forwarded = 8,
                                         .mo_retried = 1, .mo_expired = 0, .mo_refused = 1, .timed_out = 7,
                                         .timeout_resent = 2, .parts_given_up = 1};
        return v;
    };
    const AdminService service(sources);
    CHECK(service.execute("stats\n") ==
          "ok stats\n"
          "forward accepted=100 refused=2 sent=90 retries=3 rejected=1 in_doubt=4 failed=0 expired=1 cancelled=2 "
          "replaced=1 ledger_errors=0 split=5 late_sent=0\n"
          "waiting outage=6 concat_pinned=3\n"
          "receipts matched=80 parked=4 late_matched=3 duplicates=2 unparsed=1 forwarded=75 retried=6 expired=1 "
          "refused=2 not_requested=5 orphaned=0 timed_out=7 timeout_resent=2 parts_given_up=1\n"
          "mo parked=9 forwarded=8 retried=1 expired=0 refused=1\n"
          "ledger writes=250 groups=40 overlapped=12 journal_records=40 journal_switches=1 journal_waits=0 "
          "journal_replayed=7\n"
          "account acme backlog=5 held=2\n"
          "account bulk backlog=0 held=0\n");
    CHECK(service.execute("stats all") == "error usage: stats\n");
    // A ledger that stopped after RocksDB refused an acknowledged group says why.
    sources.stats = [] {
        StatsView v;
        v.ledger = StatsView::Ledger{.writes = 3, .failure = "ledger: RocksDB refused a group"};
        return v;
    };
    CHECK_THAT(AdminService(sources).execute("stats"),
               Catch::EndsWith("journal_replayed=0\nledger failed: ledger: RocksDB refused a group\n"));
    CHECK(service.execute("help").find("\nstats ") != std::string::npos);
    // Without a RocksDB ledger: no ledger line.
    sources.stats = [] { return StatsView{}; };
    CHECK(AdminService(sources).execute("stats").find("\nledger ") == std::string::npos);
    CHECK(AdminService(sources).execute("stats").find("\nreceipts ") == std::string::npos);
}

TEST_CASE("admin_service: binds lists every carrier and each bind on its own line", "[tools][admin]") {
    AdminService service({.binds = two_carriers});
    CHECK(service.execute("binds\n") ==
          "ok 2 carriers, 2 binds\n"
          "c1 running queued=3 (otp=1 transactional=2 bulk=0) in_flight=2 rate=200/s rate_cuts=0\n"
          "  #0 transceiver bound since 2023-11-14T22:13:20Z 127.0.0.1:2775 window=2/10 failures=0 submits=7 sent=5 "
          "transient=0 permanent=0 in_doubt=0 reconnects=0 last_error=-\n"
          "  #1 transceiver connecting since 2023-11-14T22:13:20Z 127.0.0.1:2775 window=0/10 failures=3 submits=0 "
          "sent=0 transient=0 permanent=0 in_doubt=0 reconnects=0 last_error=\"connect: Connection refused second "
          "line\"\n"
          "c2 disabled backup queued=0 (otp=0 transactional=0 bulk=0) in_flight=0 rate=0/s rate_cuts=0\n");
    CHECK(service.execute("binds c1") == "error usage: binds\n");
}

TEST_CASE("admin_service: health filters by carrier and country and shows the circuit", "[tools][admin]") {
    routing::health::HealthSettings settings;
    auto now = routing::health::time_point{} + 1h;
    auto monitor = std::make_shared<routing::health::HealthMonitor>(settings, [&now] { return now; });
    for (int i = 0; i < 30; ++i) {
        monitor->on_submit("c1", "GB", 0x08, 5ms);  // ESME_RSYSERR: transient
        monitor->on_submit("c2", "GB", 0x00, 5ms);
        monitor->on_submit("c1", "FR", 0x00, 5ms);
    }
    AdminService service({.health = [monitor] { return monitor->snapshot(); }});

    const auto all = service.execute("health");
    CHECK(all.starts_with("ok 3 entries\nc1 FR "));
    const auto gb = service.execute("health c1 gb");
    REQUIRE(gb.starts_with("ok 1 entries\nc1 GB otp=open transactional=open bulk=open err5m="));
    CHECK(std::count(gb.begin(), gb.end(), '\n') == 2);
    CHECK(service.execute("health c2").starts_with("ok 1 entries\nc2 GB otp=closed transactional=closed bulk=closed"));
    CHECK(service.execute("health c9") == "ok 0 entries\n");
    CHECK(service.execute("health a b c") == "error usage: health [carrier] [country]\n");
}

TEST_CASE("admin_service: reload says ok or the file:line, bad requests get an error line", "[tools][admin]") {
    bool good = true;
    AdminService service({.reload = [&good] {
        return good ? ReloadResult{true, "route table generation 2 published (3 prefixes from routes.yaml)"}
                    : ReloadResult{false, "routes.yaml:7: routes[1].prefix: must be digits only"};
    }});
    CHECK(service.execute("reload\r\n") == "ok route table generation 2 published (3 prefixes from routes.yaml)\n");
    good = false;
    CHECK(service.execute("reload") == "error routes.yaml:7: routes[1].prefix: must be digits only\n");
    CHECK(service.execute("reload now") == "error usage: reload\n");

    CHECK(service.execute("") == "error empty request (try: help)\n");
    CHECK(service.execute("  \t ") == "error empty request (try: help)\n");
    CHECK(service.execute("launch") ==
          "error unknown command 'launch' (binds, health, stats, reload, message, receipts, route, help)\n");
    CHECK(service.execute("help").starts_with("ok commands\nbinds "));
    CHECK(service.execute("chaos c1 20s").starts_with("error chaos acts in smpp-sim "));
    // Nothing configured: each command says so instead of answering empty.
    CHECK(service.execute("binds") == "error no carriers configured (carriers_file)\n");
    CHECK(service.execute("health") == "error no health monitor (no carriers configured)\n");
    AdminService none({});
    CHECK(none.execute("reload") == "error no route table to reload (no carriers configured)\n");
}

TEST_CASE("admin_service: message shows one record, by our id or by the carrier's", "[tools][admin][message]") {
    const store::Timestamp noon = std::chrono::sys_days{std::chrono::year{2025} / 5 / 1} + 12h;
    store::InMemoryLedger ledger;
    auto ok = [](store::Status st) { REQUIRE(st.ok()); };
    store::MessageRecord r;
    r.id = store::MessageId::make(noon, 0, 1);
    r.account = "acme";
    r.destination = {1, 1, "447700900123"};
    r.segment_count = 2;
    r.status = store::MessageStatus::sending;
    r.route = {"c1", "route 44 (lcr): c1; skipped c2 (circuit open)"};
    r.attempts.push_back({.carrier = "c1", .at = noon, .status = store::MessageStatus::sending});
    r.accepted_at = r.updated_at = noon;
    r.cost_micros = 2 * 6'000;
    ledger.accept(r, ok);
    ledger.sent(r.id, "c1", "4D2", "4d2", noon + 40ms, ok);
    ledger.update(r.id, {.status = store::MessageStatus::undeliverable, .at = noon + 3s, .error_code = 1}, ok);
    const relay::CarrierIdBook book{{"c1", {}}};
    AdminService service({.message = [&](const MessageQuery& q) { return find_message(ledger, book, q); }});

    const auto id = r.id.to_string();
    const auto text = service.execute("message " + id + "\n");
    INFO(text);
    REQUIRE(text.starts_with("ok " + id + " undeliverable\naccount acme "));
    CHECK(text.find("\ncost 0.012000 (12000 micros, 2 segments)\n") != std::string::npos);
    CHECK(text.find("\nroute c1: route 44 (lcr): c1; skipped c2 (circuit open)\n") != std::string::npos);
    CHECK(text.find("\nattempt #1 c1 bind=- at=2025-05-01T12:00:00.000Z sent command_status=0x00000000 (ESME_ROK) "
                    "carrier_message_id=4D2\n") != std::string::npos);
    CHECK(text.find("\nfinal 2025-05-01T12:00:03.000Z\n") != std::string::npos);
    // Lower case is the same id (Crockford base32).
    CHECK(service.execute("message " + [&] {
        std::string lower = id;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lower;
    }()) == text);

    // The carrier asks about their id: decimal 1234 is the 0x4D2 they answered with.
    const auto by_carrier = service.execute("message c1 1234");
    CHECK(by_carrier == "ok " + id + " undeliverable\nfound by carrier c1 id '1234' (index key 4d2)\n" +
                            text.substr(text.find('\n') + 1));

    const auto unknown = store::MessageId::make(noon, 0, 2).to_string();
    CHECK(service.execute("message " + unknown) == "error no message " + unknown + "\n");
    CHECK(service.execute("message c1 999") ==
          "error no message for carrier c1 id '999' (keys tried: 999, 2457, 3e7)\n");
    CHECK(service.execute("message 12345") ==
          "error '12345' is not a message id (13 characters of Crockford base32, as our submit_sm_resp gave it; "
          "for a carrier's id: message <carrier> <carrier-message-id>)\n");
    CHECK(service.execute("message 0000000000000").starts_with("error '0000000000000' is not a message id ("));
    CHECK(service.execute("message") == "error usage: message <id> | message <carrier> <carrier-message-id>\n");
    CHECK(service.execute("message a b c") == "error usage: message <id> | message <carrier> <carrier-message-id>\n");
    CHECK(service.execute("help").find("\nmessage <id> ") != std::string::npos);
    // No ledger (a connector without carriers).
    CHECK(AdminService({}).execute("message " + id) == "error no ledger here (no carriers configured)\n");
    // A ledger that fails to read says so, not "no message".
    AdminService broken({.message = [](const MessageQuery&) -> store::StatusOr<FoundMessage> {
        return store::Status(store::StatusCode::io_error, "disk gone");
    }});
    CHECK(broken.execute("message " + id).starts_with("error ledger: "));
    CHECK(broken.execute("message " + id).find("disk gone") != std::string::npos);
}
