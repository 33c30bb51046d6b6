#include "smpp/session/client.hpp"

#include <catch2/catch.hpp>

#include "smpp/session/listener.hpp"
#include "test/smpp/session/loopback.hpp"

using namespace smpp::session;
using namespace smpp::session::test;
using smpp::protocol::command_status;

namespace {

std::shared_ptr<Listener> start_listener(Loop& loop, std::shared_ptr<Recorder> h) {
    auto l = Listener::create(loop.ioc.get_executor(), tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                              fast_settings("smsc"), [h](const tcp::endpoint&) { return h; });
    l->start();
    return l;
}

ClientSettings client_settings(std::uint16_t port, bind_type t = bind_type::transceiver) {
    ClientSettings s;
    s.endpoints = {{"127.0.0.1", port}};
    s.bind = bind_request(t);
    s.session = fast_settings("esme");
    s.backoff = {20ms, 200ms, 0.5};
    s.connect_timeout = 500ms;
    return s;
}

void stop(Loop& loop, const std::shared_ptr<Client>& c) {
    bool done = false;
    c->stop([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done; }));
}

}  // namespace

TEST_CASE("client: connects, binds and sends") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = start_listener(loop, server);
    auto h = std::make_shared<Recorder>();
    auto client = Client::create(loop.ioc.get_executor(), client_settings(listener->local_endpoint().port()), h);
    client->start();
    REQUIRE(loop.run_until([&] { return client->session() != nullptr; }));
    CHECK(client->session()->state() == session_state::bound_trx);
    CHECK(h->bound == 1);
    CHECK(client->consecutive_failures() == 0);
    Outcome out;
    client->session()->send_request(submit_sm(), out.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    CHECK(out.pdu.status == command_status::ESME_ROK);
    stop(loop, client);
    CHECK(client->session() == nullptr);
    REQUIRE(h->closed);
    CHECK(*h->closed == close_reason::unbind_by_us);
}

TEST_CASE("client: rebinds after the server drops the connection, and not after stop()") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = start_listener(loop, server);
    auto h = std::make_shared<Recorder>();
    auto client = Client::create(loop.ioc.get_executor(), client_settings(listener->local_endpoint().port()), h);
    client->start();
    REQUIRE(loop.run_until([&] { return server->bound == 1 && client->session(); }));
    auto first = client->session();

    listener->sessions().front()->close();  // the SMSC drops us without unbind
    REQUIRE(loop.run_until([&] { return server->bound == 2 && client->session() && client->session() != first; }));
    CHECK(h->bound == 2);
    CHECK(client->session()->state() == session_state::bound_trx);

    stop(loop, client);
    loop.run_for(200ms);  // several backoff periods
    CHECK(server->bound == 2);
    CHECK(listener->sessions().empty());
    CHECK(client->session() == nullptr);
}

TEST_CASE("client: a refused bind is retried with backoff and counted") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    server->bind_verdict = command_status::ESME_RINVPASWD;
    auto listener = start_listener(loop, server);
    auto h = std::make_shared<Recorder>();
    auto client = Client::create(loop.ioc.get_executor(), client_settings(listener->local_endpoint().port()), h);
    client->start();
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 3; }));
    CHECK(server->bind_requests.size() >= 3);
    CHECK(client->session() == nullptr);
    server->bind_verdict = command_status::ESME_ROK;
    REQUIRE(loop.run_until([&] { return client->session() != nullptr; }));
    CHECK(client->consecutive_failures() == 0);
    stop(loop, client);
}

TEST_CASE("client: refused connections back off but never hold off; only refused binds do") {
    // An SMSC restarting refuses connections for a while: that locks no
    // account, so it must not cost the ten-minute hold-off.
    Loop loop;
    std::uint16_t dead_port;
    {
        RawServer probe;
        dead_port = probe.port();
    }
    auto settings = client_settings(dead_port);
    settings.backoff = {5ms, 10ms, 0.0};
    settings.max_failed_binds = 2;
    settings.hold_off = 60s;
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 8; }));
    CHECK_FALSE(client->holding_off());
    stop(loop, client);

    // Two refused binds do hold off.
    auto server = std::make_shared<Recorder>();
    server->bind_verdict = command_status::ESME_RINVPASWD;
    auto listener = start_listener(loop, server);
    settings.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
    auto refused = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    refused->start();
    REQUIRE(loop.run_until([&] { return refused->holding_off(); }));
    loop.run_for(100ms);  // ten backoff periods
    CHECK(server->bind_requests.size() == 2);
    stop(loop, refused);
}

TEST_CASE("client: only credential refusals hold off; ESME_RALYBND and ESME_RBINDFAIL only back off") {
    // After a network blip the SMSC still holds our old sessions for a
    // minute or two and refuses new binds as already bound or over its
    // session limit: that locks no account, so it must not cost the
    // ten-minute hold-off.
    for (const auto status : {command_status::ESME_RALYBND, command_status::ESME_RBINDFAIL}) {
        INFO(smpp::protocol::name(status));
        Loop loop;
        auto server = std::make_shared<Recorder>();
        server->bind_verdict = status;
        auto listener = start_listener(loop, server);
        auto settings = client_settings(listener->local_endpoint().port());
        settings.backoff = {5ms, 10ms, 0.0};
        settings.max_failed_binds = 2;
        settings.hold_off = 60s;
        auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
        client->start();
        REQUIRE(loop.run_until([&] { return server->bind_requests.size() >= 6; }));
        CHECK_FALSE(client->holding_off());
        // The old sessions are gone: the next attempt binds.
        server->bind_verdict = command_status::ESME_ROK;
        REQUIRE(loop.run_until([&] { return client->session() != nullptr; }));
        stop(loop, client);
    }
    for (const auto status : {command_status::ESME_RINVSYSID, command_status::ESME_RINVSYSTYP}) {
        INFO(smpp::protocol::name(status));
        Loop loop;
        auto server = std::make_shared<Recorder>();
        server->bind_verdict = status;
        auto listener = start_listener(loop, server);
        auto settings = client_settings(listener->local_endpoint().port());
        settings.backoff = {5ms, 10ms, 0.0};
        settings.max_failed_binds = 2;
        settings.hold_off = 60s;
        auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
        client->start();
        REQUIRE(loop.run_until([&] { return client->holding_off(); }));
        loop.run_for(100ms);  // ten backoff periods
        CHECK(server->bind_requests.size() == 2);
        stop(loop, client);
    }
}

TEST_CASE("client: an SMSC that drops every session right after the bind sees the backoff grow") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = start_listener(loop, server);
    auto settings = client_settings(listener->local_endpoint().port());
    settings.backoff = {20ms, 400ms, 0.0};
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    std::vector<std::chrono::steady_clock::time_point> bound_at;
    for (int n = 1; n <= 5; ++n) {
        REQUIRE(loop.run_until([&] { return server->bound == n; }, 5s));
        bound_at.push_back(std::chrono::steady_clock::now());
        for (auto& s : listener->sessions())
            if (s->state() == session_state::bound_trx) s->close();
    }
    // 20, 40, 80, 160 ms apart (no jitter); before, every rebind came after
    // the base 20 ms, for ever.
    CHECK(bound_at[4] - bound_at[3] >= 140ms);
    CHECK(bound_at[4] - bound_at[0] >= 280ms);
    stop(loop, client);
}

TEST_CASE("client: tries the endpoints in turn") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = start_listener(loop, server);
    // A port nobody listens on: bind a socket, note its port, close it.
    std::uint16_t dead_port;
    {
        RawServer probe;
        dead_port = probe.port();
    }
    auto settings = client_settings(listener->local_endpoint().port());
    settings.endpoints.insert(settings.endpoints.begin(), Endpoint{"127.0.0.1", dead_port});
    auto h = std::make_shared<Recorder>();
    auto client = Client::create(loop.ioc.get_executor(), settings, h);
    client->start();
    REQUIRE(loop.run_until([&] { return client->session() != nullptr; }));
    CHECK(server->bound == 1);
    stop(loop, client);
}

TEST_CASE("client: stop while backing off ends at once") {
    Loop loop;
    std::uint16_t dead_port;
    {
        RawServer probe;
        dead_port = probe.port();
    }
    auto settings = client_settings(dead_port);
    settings.backoff = {5'000ms, 10'000ms, 0.0};
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 1; }));
    stop(loop, client);
}

TEST_CASE("client: settings are validated") {
    ClientSettings s;
    CHECK(s.validate() == "at least one endpoint is required");
    s = client_settings(2775);
    CHECK(s.validate().empty());
    s.bind.password = "far-too-long";
    CHECK(s.validate() == "bind password must be at most 8 characters");
}
