// TLS binds: a Client with a client certificate against a Listener that
// requires one, over 127.0.0.1, with certificates made for the test.
#include <atomic>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ssl/context.hpp>
#include <catch2/catch.hpp>

#include "smpp/session/client.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/session/tls_context.hpp"
#include "test/smpp/session/loopback.hpp"
#include "test/smpp/session/tls_certs.hpp"

using namespace smpp::session;
using namespace smpp::session::test;
using smpp::protocol::command_status;

namespace {

std::shared_ptr<Listener> tls_listener(Loop& loop, const TlsCerts& certs, std::shared_ptr<Recorder> h,
                                       bool require_client_cert = true) {
    auto ctx = make_server_context({certs.server_cert, certs.server_key, certs.ca, require_client_cert});
    REQUIRE(ctx.error == "");
    auto l = Listener::create(loop.ioc.get_executor(), tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                              fast_settings("smsc"), [h](const tcp::endpoint&) { return h; });
    l->set_tls(ctx.context);
    l->start();
    return l;
}

ClientSettings tls_client(std::uint16_t port, const TlsCerts& certs) {
    ClientSettings s;
    s.endpoints = {{"127.0.0.1", port}};
    s.bind = bind_request(bind_type::transceiver);
    s.session = fast_settings("esme");
    s.backoff = {20ms, 200ms, 0.0};
    s.connect_timeout = 1s;
    s.tls.enabled = true;
    s.tls.ca_file = certs.ca;
    s.tls.cert_file = certs.client_cert;
    s.tls.key_file = certs.client_key;
    return s;
}

void stop(Loop& loop, const std::shared_ptr<Client>& c) {
    bool done = false;
    c->stop([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done; }));
}

void stop(Loop& loop, const std::shared_ptr<Listener>& l) {
    bool done = false;
    l->stop([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done; }));
}

}  // namespace

TEST_CASE("tls: a client certificate binds over TLS and exchanges submit_sm", "[tls]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    auto server = std::make_shared<Recorder>();
    server->message_id = "tls-1";
    auto listener = tls_listener(loop, certs, server);
    auto h = std::make_shared<Recorder>();
    auto client = Client::create(loop.ioc.get_executor(), tls_client(listener->local_endpoint().port(), certs), h);
    client->start();
    REQUIRE(loop.run_until([&] { return client->session() != nullptr; }));
    CHECK(client->session()->is_tls());
    REQUIRE(listener->sessions().size() == 1);
    CHECK(listener->sessions().front()->is_tls());
    CHECK(client->last_error() == "");

    // Enough to take several TLS records each way.
    for (int round = 0; round < 3; ++round) {
        std::vector<Outcome> outs(50);
        for (auto& o : outs) client->session()->send_request(submit_sm(std::string(150, 'x')), o.handler());
        REQUIRE(loop.run_until([&] { return std::all_of(outs.begin(), outs.end(), [](auto& o) { return o.done; }); }));
        for (const auto& o : outs) {
            CHECK(!o.ec);
            CHECK(o.pdu.status == command_status::ESME_ROK);
            REQUIRE(o.pdu.as<smpp::protocol::SubmitSmResp>());
            CHECK(o.pdu.as<smpp::protocol::SubmitSmResp>()->message_id == "tls-1");
        }
    }
    CHECK(server->requests.size() == 150);
    CHECK(server->requests.front().as<smpp::protocol::SubmitSm>()->short_message == std::string(150, 'x'));
    stop(loop, client);
    REQUIRE(h->closed);
    CHECK(*h->closed == close_reason::unbind_by_us);
    stop(loop, listener);
}

TEST_CASE("tls: a server certificate from the wrong CA fails the handshake, with backoff", "[tls]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = tls_listener(loop, certs, server);
    auto settings = tls_client(listener->local_endpoint().port(), certs);
    settings.tls.ca_file = certs.other_ca;
    settings.backoff = {100ms, 100ms, 0.0};
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 1; }));
    // OpenSSL's verify result follows in parentheses ("self-signed
    // certificate in certificate chain": the server sends its CA along).
    CHECK(client->last_error().starts_with("tls handshake failed: certificate verify failed ("));
    loop.run_for(450ms);
    // 100 ms between attempts: about four more, not a tight loop.
    CHECK(client->consecutive_failures() >= 3);
    CHECK(client->consecutive_failures() <= 7);
    CHECK(client->session() == nullptr);
    CHECK(server->bound == 0);
    CHECK(server->bind_requests.empty());
    stop(loop, client);
    stop(loop, listener);
}

TEST_CASE("tls: a server that requires a client certificate refuses a client without one", "[tls]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = tls_listener(loop, certs, server);
    auto settings = tls_client(listener->local_endpoint().port(), certs);
    settings.tls.cert_file.clear();
    settings.tls.key_file.clear();
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    // TLS 1.3 lets the client finish its handshake before the server's
    // verdict arrives: the refusal then shows when the bind goes unanswered.
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 1; }));
    CHECK(!client->last_error().empty());
    CHECK(client->session() == nullptr);
    CHECK(server->bound == 0);
    stop(loop, client);
    stop(loop, listener);
}

TEST_CASE("tls: a plain client against a TLS listener never binds", "[tls]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = tls_listener(loop, certs, server);
    auto settings = tls_client(listener->local_endpoint().port(), certs);
    settings.tls.enabled = false;
    auto client = Client::create(loop.ioc.get_executor(), settings, std::make_shared<Recorder>());
    client->start();
    REQUIRE(loop.run_until([&] { return client->consecutive_failures() >= 1; }));
    CHECK(client->session() == nullptr);
    CHECK(server->bound == 0);
    stop(loop, client);
    stop(loop, listener);
}

TEST_CASE("tls: contexts report a missing or bad file by name", "[tls]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    auto r = make_client_context({true, "/nonexistent/ca.pem", "", "", true, ""});
    CHECK(!r.context);
    CHECK(r.error.starts_with("ca_file /nonexistent/ca.pem: "));
    r = make_client_context({true, certs.ca, certs.client_cert, "", true, ""});
    CHECK(r.error == "key_file: required with cert_file");
    r = make_client_context({true, certs.ca, certs.client_cert, certs.server_key, true, ""});  // key of another cert
    CHECK(r.error.starts_with("key_file " + certs.server_key + ": "));
    r = make_server_context({certs.server_cert, certs.server_key, "", true});
    CHECK(r.error == "ca_file: required with require_client_cert");
    r = make_server_context({certs.ca, certs.server_key, "", false});
    CHECK(!r.context);
    r = make_client_context({true, certs.ca, certs.client_cert, certs.client_key, true, ""});
    CHECK(r.error == "");
    CHECK(r.context);
}

TEST_CASE("tls: a client whose context cannot be built says why and never connects", "[tls]") {
    Loop loop;
    auto server = std::make_shared<Recorder>();
    auto listener = Listener::create(loop.ioc.get_executor(), tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                                     fast_settings("smsc"), [server](const tcp::endpoint&) { return server; });
    listener->start();
    ClientSettings s;
    s.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
    s.bind = bind_request(bind_type::transceiver);
    s.session = fast_settings("esme");
    s.tls.enabled = true;
    s.tls.ca_file = "/nonexistent/ca.pem";
    auto client = Client::create(loop.ioc.get_executor(), s, std::make_shared<Recorder>());
    client->start();
    REQUIRE(loop.run_until([&] { return !client->last_error().empty(); }));
    CHECK(client->last_error().starts_with("tls: ca_file /nonexistent/ca.pem"));
    loop.run_for(50ms);
    CHECK(listener->sessions().empty());
    stop(loop, client);
    stop(loop, listener);
}

TEST_CASE("tls: client and server on an io_context run by two threads, submits from two more", "[tls][tsan]") {
    TlsCerts certs;
    REQUIRE(certs.ok);
    boost::asio::io_context ioc;
    auto guard = boost::asio::make_work_guard(ioc);
    // A handler shared across threads: it only answers, and counts atomically.
    struct Answer : SessionHandler {
        std::atomic<int> requests{0};
        void on_bind_request(Session&, const BindRequest&, BindVerdict v) override { v(command_status::ESME_ROK); }
        void on_request(Session& s, smpp::protocol::Pdu&& p) override {
            ++requests;
            s.respond(smpp::protocol::make_response(p.id(), p.sequence_number));
        }
    };
    auto server = std::make_shared<Answer>();
    auto ctx = make_server_context({certs.server_cert, certs.server_key, certs.ca, true});
    REQUIRE(ctx.context);
    auto listener = Listener::create(ioc.get_executor(), tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                                     fast_settings("smsc"), [server](const tcp::endpoint&) { return server; });
    listener->set_tls(ctx.context);
    listener->start();
    auto settings = tls_client(listener->local_endpoint().port(), certs);
    settings.session.response_timeout = 5s;
    settings.session.window = 400;  // room for all: this test is about threads, not the window
    auto client = Client::create(ioc.get_executor(), settings, std::make_shared<SessionHandler>());
    client->start();
    std::thread r1([&] { ioc.run(); });
    std::thread r2([&] { ioc.run(); });

    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!client->session() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    auto session = client->session();
    CHECK(session);  // not REQUIRE: the threads must be joined either way
    std::atomic<int> ok{0}, failed{0};
    auto produce = [&] {
        for (int i = 0; i < 200 && session; ++i) {
            while (session->window_room() == 0 && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(100us);
            session->send_request(submit_sm("t"), [&](std::error_code ec, smpp::protocol::Pdu) { ++(ec ? failed : ok); });
        }
    };
    std::thread p1(produce), p2(produce);
    p1.join();
    p2.join();
    while (ok + failed < 400 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);

    std::atomic<bool> client_stopped{false}, listener_stopped{false};
    client->stop([&] { client_stopped = true; });
    while (!client_stopped && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    listener->stop([&] { listener_stopped = true; });
    while (!listener_stopped && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    guard.reset();
    ioc.stop();
    r1.join();
    r2.join();
    CHECK(ok == 400);
    CHECK(server->requests == ok);
    CHECK(client_stopped);
    CHECK(listener_stopped);
}
