// smppctl against a table published the way smpp-connector publishes it.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "routing/health/health_monitor.hpp"
#include "routing/shm_table.hpp"
#include "smpp/relay/message_router.hpp"
#include "store/in_memory_ledger.hpp"
#include "tools/smpp-connector/admin_service.hpp"
#include "tools/smpp-connector/admin_socket.hpp"
#include "tools/smpp-connector/receipt_replay.hpp"

namespace {

namespace fs = std::filesystem;
using namespace smpp;

const std::string smppctl = std::string(SMPP_BINARY_DIR) + "/bin/smppctl";

struct Run {
    int status = -1;
    std::string out;  // stdout and stderr
};

Run run(const std::string& args) {
    Run r;
    FILE* p = ::popen((smppctl + " " + args + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    const int rc = ::pclose(p);
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return r;
}

routing::RouteTable table(std::string first_carrier) {
    routing::RouteTable t;
    routing::RouteEntry uk;
    uk.prefix = "44";
    uk.country = "GB";
    routing::Candidate a;
    a.carrier = std::move(first_carrier);
    a.priority = 1;
    a.sender_types = routing::bit(routing::SenderType::long_code);
    routing::Candidate b;
    b.carrier = "carrier-b";
    b.priority = 2;
    uk.candidates = {a, b};
    t.entries.push_back(uk);
    return t;
}

}  // namespace

TEST_CASE("smppctl route lookup and explain read the published table", "[tools][smppctl]") {
    const std::string ns = "smppctl-test-" + std::to_string(::getpid());
    auto publisher = routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    REQUIRE(publisher->publish(table("carrier-a")).ok());

    auto r = run("route lookup +447700900123 --ns " + ns + " --source 447700900999 --ton 1");
    CHECK(r.status == 0);
    CHECK(r.out == "carrier-a carrier-b\n");

    // An alphanumeric sender: carrier-a only takes long codes.
    r = run("route explain 00447700900123 --ns " + ns + " --source ACME --ton 5");
    CHECK(r.status == 0);
    CHECK(r.out.find("chosen: carrier-b") != std::string::npos);
    CHECK(r.out.find("carrier-a") != std::string::npos);

    // A reload is seen by the next invocation.
    REQUIRE(publisher->publish(table("carrier-c")).ok());
    r = run("route lookup 447700900123 --ns " + ns + " --source 447700900999 --ton 1");
    CHECK(r.out == "carrier-c carrier-b\n");

    // With the connector's carriers file, its carriers' capabilities apply:
    // carrier-c takes no message_payload (the default), carrier-b does.
    const fs::path dir = fs::temp_directory_path() / ("smppctl-carriers-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto carriers = (dir / "carriers.yaml").string();
    std::ofstream(carriers) << "carriers:\n"
                               "  - {id: carrier-c, endpoints: [\"127.0.0.1:2775\"], system_id: c, password: p}\n"
                               "  - {id: carrier-b, endpoints: [\"127.0.0.1:2776\"], system_id: b, password: p,\n"
                               "     accepts_message_payload: true, max_message_parts: 4}\n";
    r = run("route explain 447700900123 --ns " + ns + " --source 447700900999 --ton 1 --payload --carriers " +
            carriers);
    CHECK(r.status == 0);
    CHECK(r.out.find("chosen: carrier-b") != std::string::npos);
    CHECK(r.out.find("does not accept message_payload") != std::string::npos);
    r = run("route lookup 447700900123 --ns " + ns + " --source 447700900999 --ton 1 --segments 12 --carriers " +
            carriers);
    CHECK(r.status == 3);  // 12 parts: carrier-c takes 10 (the default), carrier-b 4
    r = run("route lookup 447700900123 --ns " + ns + " --source 447700900999 --ton 1 --payload");
    CHECK(r.out == "carrier-c carrier-b\n");  // without it, as before
    std::ofstream(carriers) << "carriers:\n  - {id: carrier-c}\n";
    r = run("route lookup 447700900123 --ns " + ns + " --carriers " + carriers);
    CHECK(r.status == 2);
    CHECK(r.out.find(carriers + ":2") != std::string::npos);
    fs::remove_all(dir);

    r = run("route lookup 33123 --ns " + ns);
    CHECK(r.status == 3);
    CHECK(r.out.starts_with("no route"));
    r = run("route lookup not-a-number --ns " + ns);
    CHECK(r.status == 2);
    CHECK(r.out.find("is not a phone number") != std::string::npos);
    publisher->remove();

    r = run("route lookup 4477 --ns " + ns);
    CHECK(r.status == 1);
    CHECK(r.out.find("no route table published under '" + ns + "'") != std::string::npos);
}

// The table alone cannot know the connector's routing_policies or which
// circuits are open: explain asks the connector when its socket answers.
TEST_CASE("smppctl route explain asks the connector: its policies and open circuits apply", "[tools][smppctl]") {
    namespace asio = boost::asio;
    const fs::path dir = fs::temp_directory_path() / ("smppctl-route-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto path = (dir / "admin.sock").string();
    routing::RouteTable t;
    routing::RouteEntry uk;
    uk.prefix = "44";
    uk.country = "GB";
    routing::Candidate dear;
    dear.carrier = "dear";
    dear.priority = 1;
    dear.cost_micros = 9'000;
    routing::Candidate cheap;
    cheap.carrier = "cheap";
    cheap.priority = 2;
    cheap.cost_micros = 1'000;
    uk.candidates = {dear, cheap};
    t.entries.push_back(uk);
    routing::SelectorSettings settings;
    settings.policy[static_cast<int>(routing::TrafficClass::transactional)] = routing::Policy::lcr;
    auto health = std::make_shared<routing::health::HealthMonitor>();
    auto router = relay::MessageRouter::from_table(t, settings, health);
    REQUIRE(router.ok());
    std::shared_ptr<relay::MessageRouter> shared = std::move(router).value();

    asio::io_context io;
    std::string why;
    auto socket = admin::AdminSocket::open(
        io.get_executor(), {.path = path},
        admin::AdminSocket::Handler(
            [service = admin::AdminService({.route = [shared](const routing::SelectRequest& r) {
                 return shared->select(r);
             }})](std::string_view line) { return service.execute(line); }),
        why);
    REQUIRE(socket);
    socket->start();
    std::thread thread([&io] { io.run(); });

    auto r = run("route explain 447700900123 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.find("lcr") != std::string::npos);
    CHECK(r.out.find("chosen: cheap") != std::string::npos);
    r = run("route lookup 447700900123 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out == "cheap dear\n");
    // The cheap carrier's binds go down: its circuits open, and explain says so.
    health->carrier_down("cheap");
    r = run("route explain 447700900123 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.find("chosen: dear") != std::string::npos);
    CHECK(r.out.find("circuit open") != std::string::npos);
    health->carrier_down("dear");
    r = run("route lookup 447700900123 --socket " + path);
    CHECK(r.status == 3);
    CHECK(r.out.starts_with("no route: "));
    r = run("route lookup 447700900123 --class nonsense --socket " + path);
    CHECK(r.status == 1);
    CHECK(r.out == "smppctl: smpp-connector: route: bad class 'nonsense'\n");

    asio::post(io, [&] { socket->stop(); });
    asio::post(io, [&] { io.stop(); });
    thread.join();

    // Nobody answers: the table is read here, and the answer says what it lacks.
    const std::string ns = "smppctl-route-test-" + std::to_string(::getpid());
    auto publisher = routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    REQUIRE(publisher->publish(t).ok());
    r = run("route lookup 447700900123 --ns " + ns + " --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.find("smppctl: warning: ") != std::string::npos);
    CHECK(r.out.find("default policies") != std::string::npos);
    CHECK(r.out.ends_with("dear cheap\n"));  // priority, as the default policy has it
    publisher->remove();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_CASE("smppctl route lookup refuses a --ton or --coding that is not one octet", "[tools][smppctl]") {
    const std::string ns = "smppctl-octets-" + std::to_string(::getpid());
    auto publisher = routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    REQUIRE(publisher->publish(table("carrier-a")).ok());
    const std::string lookup = "route lookup 447700900123 --ns " + ns + " --source 447700900999";

    auto r = run(lookup + " --ton 255 --coding 255");
    CHECK(r.status == 0);
    // 300 and 264 used to wrap to 44 and 8 and answer for those.
    for (const char* bad : {"--ton 300", "--ton 256", "--ton -1", "--coding 264", "--coding 256"}) {
        INFO(bad);
        r = run(lookup + " " + bad);
        CHECK(r.status == 2);
        CHECK(r.out.find(std::string(bad).substr(0, std::string(bad).find(' '))) != std::string::npos);
        CHECK(r.out.find("255") != std::string::npos);
    }
    r = run("route explain 447700900123 --ns " + ns + " --coding 264");
    CHECK(r.status == 2);
    publisher->remove();
}

TEST_CASE("smppctl route check names the line of a bad table", "[tools][smppctl]") {
    const fs::path dir = fs::temp_directory_path() / ("smppctl-check-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto good = (dir / "good.yaml").string();
    const auto bad = (dir / "bad.yaml").string();
    std::ofstream(good) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - {carrier: a, priority: 1}\n";
    std::ofstream(bad) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - {carrier: zz, priority: 1}\n";
    auto r = run("route check " + good + " --carrier a");
    CHECK(r.status == 0);
    CHECK(r.out == good + ": OK (1 prefixes, 1 candidates)\n");
    r = run("route check " + bad + " --carrier a");
    CHECK(r.status == 1);
    CHECK(r.out == bad + ":4: routes[0].candidates[0].carrier: unknown carrier 'zz'\n");
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_CASE("smppctl binds/health/reload/chaos say clearly when there is nobody to ask", "[tools][smppctl]") {
    const fs::path dir = fs::temp_directory_path() / ("smppctl-admin-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto missing = (dir / "none.sock").string();
    auto r = run("binds --socket " + missing);
    CHECK(r.status == 4);
    CHECK(r.out == "smppctl: no admin socket at " + missing +
                       " (is smpp-connector running with that listener port? else give --socket)\n");
    // --port names the socket the way the connector does.
    r = run("health c1 GB --port 1");
    CHECK(r.status == 4);
    CHECK(r.out.find("no admin socket at var/smpp-connector-1.sock") != std::string::npos);
    // A socket file nobody listens on (left by a crash).
    {
        const auto stale = (dir / "stale.sock").string();
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", stale.c_str());
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
        ::close(fd);
        r = run("reload --socket " + stale);
        CHECK(r.status == 4);
        CHECK(r.out == "smppctl: nothing answers on " + stale + " (smpp-connector is not running: a stale socket)\n");
    }
    r = run("chaos c1 --sim 1 --for 5s --error-rate 0.5");
    CHECK(r.status == 4);
    CHECK(r.out.starts_with("smppctl: cannot reach smpp-sim's control port at 127.0.0.1:1: "));
    r = run("chaos c1 --sim 1");
    CHECK(r.status == 2);
    r = run("chaos c1 --sim 1 --error-rate 1.5");
    CHECK(r.status == 2);
    r = run("message 0ABCDEFGHJKMN --socket " + missing);
    CHECK(r.status == 4);
    r = run("message");
    CHECK(r.status == 2);
    r = run("message 'a b' --socket " + missing);
    CHECK(r.status == 2);
    CHECK(r.out == "smppctl: message ids and carrier names cannot be empty or hold spaces\n");
    r = run("message 1234 --carrier '' --socket " + missing);
    CHECK(r.status == 2);
    r = run("binds --bogus");
    CHECK(r.status == 2);
    r = run("--help");
    CHECK(r.status == 0);
    CHECK(r.out.find("Exit codes: 0 ok; 1 ") != std::string::npos);
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_CASE("smppctl message prints one ledger record from the connector's admin socket", "[tools][smppctl][message]") {
    namespace asio = boost::asio;
    using namespace std::chrono_literals;
    const fs::path dir = fs::temp_directory_path() / ("smppctl-message-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto path = (dir / "admin.sock").string();

    // The connector's admin socket as main.cpp wires it, over an in-memory ledger.
    const store::Timestamp noon = std::chrono::sys_days{std::chrono::year{2025} / 5 / 1} + 12h;
    store::InMemoryLedger ledger;
    auto ok = [](store::Status st) { REQUIRE(st.ok()); };
    store::MessageRecord m;
    m.id = store::MessageId::make(noon, 0, 1);
    m.account = "acme";
    m.status = store::MessageStatus::sending;
    m.segment_count = 3;
    m.route = {"c1", "route 44 (priority): c1"};
    m.attempts.push_back({.carrier = "c1", .at = noon, .status = store::MessageStatus::sending});
    m.accepted_at = m.updated_at = noon;
    m.cost_micros = 12'000;
    ledger.accept(m, ok);
    ledger.sent(m.id, "c1", "77", "77", noon + 5ms, ok);
    const relay::CarrierIdBook book{{"c1", {}}};
    asio::io_context io;
    std::string why;
    auto socket = admin::AdminSocket::open(
        io.get_executor(), {.path = path},
        admin::AdminSocket::Handler([service = admin::AdminService(
                                         {.message = [&](const admin::MessageQuery& q) {
                                             return admin::find_message(ledger, book, q);
                                         }})](std::string_view line) { return service.execute(line); }),
        why);
    REQUIRE(socket);
    socket->start();
    std::thread thread([&io] { io.run(); });

    const auto id = m.id.to_string();
    auto r = run("message " + id + " --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.starts_with(id + " sent\naccount acme "));
    CHECK(r.out.find("\ncost 0.012000 (12000 micros, 3 segments)\n") != std::string::npos);
    CHECK(r.out.find("\nroute c1: route 44 (priority): c1\n") != std::string::npos);
    CHECK(r.out.find(" sent command_status=0x00000000 (ESME_ROK) carrier_message_id=77\n") != std::string::npos);
    // The carrier's id: 77 decimal, and its hex (0x4d) as a receipt might quote it.
    r = run("message --carrier c1 77 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.starts_with(id + " sent\nfound by carrier c1 id '77' (index key 77)\naccount acme "));
    r = run("message --carrier c1 4D --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.starts_with(id + " sent\nfound by carrier c1 id '4D' (index key 77)\n"));
    // Refusals: exit 1 with the connector's reason.
    const auto other = store::MessageId::make(noon, 0, 2).to_string();
    r = run("message " + other + " --socket " + path);
    CHECK(r.status == 1);
    CHECK(r.out == "smppctl: smpp-connector: no message " + other + "\n");
    r = run("message --carrier c1 999999 --socket " + path);
    CHECK(r.status == 1);
    CHECK(r.out.starts_with("smppctl: smpp-connector: no message for carrier c1 id '999999' (keys tried: "));
    r = run("message 12345 --socket " + path);
    CHECK(r.status == 1);
    CHECK(r.out.starts_with("smppctl: smpp-connector: '12345' is not a message id ("));

    asio::post(io, [&] { socket->stop(); });
    asio::post(io, [&] { io.stop(); });
    thread.join();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_CASE("smppctl receipts replay runs the connector's kept receipts through its matcher", "[tools][smppctl][replay]") {
    namespace asio = boost::asio;
    using namespace std::chrono_literals;
    const fs::path dir = fs::temp_directory_path() / ("smppctl-replay-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto path = (dir / "admin.sock").string();

    // A receipt that came as MSG-7A3F for a message whose submit_sm_resp
    // said 7A3F: kept raw and parked, until the carrier's settings learn
    // to strip the MSG-.
    store::InMemoryLedger ledger;
    const store::Timestamp t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 10h;
    store::MessageRecord m;
    m.id = store::MessageId::make(t0, 0, 1);
    m.account = "acme";
    m.registered_delivery = 1;
    m.accepted_at = m.updated_at = t0;
    ledger.accept(m, [](store::Status s) { REQUIRE(s.ok()); });
    ledger.sent(m.id, "c1", "7A3F", "7a3f", t0, [](store::Status s) { REQUIRE(s.ok()); });
    store::CarrierReceipt kept;
    kept.carrier = "c1";
    kept.keys = {"msg-7a3f"};
    kept.carrier_message_id = "MSG-7A3F";
    kept.received_at = t0 + 1s;
    kept.raw = "id:MSG-7A3F sub:001 dlvrd:001 submit date:2611231000 done date:2611231001 stat:DELIVRD err:000 text:";
    ledger.apply_receipt(kept, [](store::StatusOr<store::ReceiptMatch> r) {
        REQUIRE(r.ok());
        CHECK(r->outcome == store::receipt_outcome::parked);
    });
    relay::CarrierIdBook fixed;
    fixed["c1"].strip_prefixes = {"MSG-"};
    auto matcher = relay::ReceiptMatcher::create(ledger, fixed, {});

    // The admin socket as main.cpp wires it: pages read on the io thread.
    asio::io_context io;
    std::string why;
    admin::AdminSources sources;
    sources.receipts.unmatched = [&](const std::string& carrier, std::size_t limit) {
        return ledger.unmatched_receipts(carrier, limit);
    };
    sources.receipts.raw = [&](store::Timestamp since, std::size_t limit) { return ledger.raw_receipts(since, limit); };
    sources.receipts.replay = [&](const admin::ReplayRequest& request,
                                  std::function<void(const admin::ReplayResult&)> done) {
        admin::replay_receipts(ledger, matcher, io.get_executor(), request, std::move(done));
    };
    auto socket = admin::AdminSocket::open(
        io.get_executor(), {.path = path},
        admin::AdminSocket::AsyncHandler([service = admin::AdminService(std::move(sources))](
                                             std::string line, admin::AdminSocket::Reply reply) {
            service.execute(line, std::move(reply));
        }),
        why);
    REQUIRE(socket);
    socket->start();
    std::thread thread([&io] { io.run(); });

    // What an operator sees first: the receipt parked, and kept raw.
    auto r = run("receipts unmatched --carrier c1 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out == "1 unmatched receipts of carrier c1\n2026-11-23T10:00:01.000Z c1 id=MSG-7A3F stat=delivered err=0 "
                   "keys=msg-7a3f text=\"" + kept.raw + "\"\n");
    r = run("receipts raw --since 2026-11-23T10:00:00Z --carrier c1 --limit 10 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("1 raw receipts of carrier c1 since 2026-11-23T10:00:00.000Z (1 read)\n"));
    CHECK(run("receipts unmatched --socket " + path).status == 2);
    CHECK(run("receipts raw --carrier c1 --socket " + path).status == 2);
    CHECK(run("receipts raw --since 2h --limit 1001 --socket " + path).status == 2);

    r = run("receipts replay --since 2026-11-23T10:00:00Z --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out == "replayed 1 raw receipts (of 1 read, received 2026-11-23T10:00:01.000Z .. "
                   "2026-11-23T10:00:01.000Z): 1 matched, 0 duplicate, 0 parked, 0 without an id, 0 failed\n");
    CHECK(ledger.find(m.id)->status == store::MessageStatus::delivered);
    CHECK(ledger.pending_receipts("acme", 10)->size() == 1);
    r = run("receipts unmatched --carrier c1 --socket " + path);
    CHECK(r.out == "0 unmatched receipts of carrier c1\n");
    // Again: absorbed, still one receipt owed upstream.
    r = run("receipts replay --since 2026-11-23T10:00:00Z --carrier c1 --limit 5 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.find("1 duplicate") != std::string::npos);
    CHECK(ledger.pending_receipts("acme", 10)->size() == 1);
    r = run("receipts replay --since 1h --carrier c2 --socket " + path);
    CHECK(r.status == 0);
    CHECK(r.out.starts_with("replayed 0 raw receipts"));
    // Refusals and bad arguments.
    r = run("receipts replay --since yesterday --socket " + path);
    CHECK(r.status == 1);
    CHECK(r.out == "smppctl: smpp-connector: bad since 'yesterday': 2h, 90m, 7d or 2026-11-23T10:00:00Z (UTC)\n");
    CHECK(run("receipts replay --socket " + path).status == 2);
    CHECK(run("receipts replay --since 2h --limit 0 --socket " + path).status == 2);
    CHECK(run("receipts --socket " + path).status == 2);
    r = run("receipts replay --since '2 h' --socket " + path);
    CHECK(r.status == 2);
    CHECK(r.out == "smppctl: --since and --carrier cannot be empty or hold spaces\n");

    asio::post(io, [&] { socket->stop(); });
    asio::post(io, [&] { io.stop(); });
    thread.join();
    std::error_code ec;
    fs::remove_all(dir, ec);
}
