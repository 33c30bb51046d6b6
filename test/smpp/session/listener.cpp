#include "smpp/session/listener.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test/smpp/session/loopback.hpp"

using namespace smpp::session;
using namespace smpp::session::test;
using smpp::protocol::command_id;
using smpp::protocol::command_status;

namespace {
tcp::endpoint any_loopback() { return tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0); }
}  // namespace

TEST_CASE("listener: a factory returning null closes the connection at once") {
    Loop loop;
    int asked = 0;
    auto l = Listener::create(loop.ioc.get_executor(), any_loopback(), fast_settings("smsc"),
                              [&](const tcp::endpoint& peer) -> std::shared_ptr<SessionHandler> {
                                  ++asked;
                                  CHECK(peer.address().is_loopback());
                                  return nullptr;
                              });
    l->start();
    auto raw = RawPeer::connect(l->local_endpoint().port());
    CHECK(raw.wait_eof(loop));
    CHECK(asked == 1);
    CHECK(l->sessions().empty());
}

TEST_CASE("listener: sessions() lists live sessions; stop() unbinds them all and then completes") {
    Loop loop;
    auto h = std::make_shared<Recorder>();
    auto l = Listener::create(loop.ioc.get_executor(), any_loopback(), fast_settings("smsc"),
                              [h](const tcp::endpoint&) { return h; });
    l->start();
    const auto port = l->local_endpoint().port();
    CHECK(port != 0);

    auto e1 = std::make_shared<Recorder>();
    auto e2 = std::make_shared<Recorder>();
    auto s1 = connect_esme(loop, port, e1);
    auto s2 = connect_esme(loop, port, e2);
    Outcome b1, b2;
    s1->bind(bind_request(bind_type::transceiver), b1.handler());
    s2->bind(bind_request(bind_type::receiver), b2.handler());
    auto raw = RawPeer::connect(port);  // connected, never binds
    REQUIRE(loop.run_until([&] { return b1.done && b2.done && l->sessions().size() == 3; }));

    bool stopped = false;
    l->stop([&] { stopped = true; });
    REQUIRE(loop.run_until([&] { return stopped; }));
    CHECK(l->sessions().empty());
    REQUIRE(e1->closed);
    REQUIRE(e2->closed);
    CHECK(*e1->closed == close_reason::unbind_by_peer);
    CHECK(*e2->closed == close_reason::unbind_by_peer);
    CHECK(raw.wait_eof(loop));
    // No longer accepting.
    CHECK_THROWS(RawPeer::connect(port));
}

TEST_CASE("listener: stop with no sessions completes at once") {
    Loop loop;
    auto l = Listener::create(loop.ioc.get_executor(), any_loopback(), fast_settings("smsc"),
                              [](const tcp::endpoint&) { return std::make_shared<Recorder>(); });
    l->start();
    bool stopped = false;
    l->stop([&] { stopped = true; });
    REQUIRE(loop.run_until([&] { return stopped; }));
}

TEST_CASE("listener: an address in use throws") {
    Loop loop;
    auto a = Listener::create(loop.ioc.get_executor(), any_loopback(), fast_settings("smsc"), {});
    CHECK_THROWS_AS(Listener::create(loop.ioc.get_executor(), a->local_endpoint(), fast_settings("smsc"), {}),
                    boost::system::system_error);
}

TEST_CASE("listener: out of file descriptors, accepting pauses instead of spinning; the connection waits its turn") {
    Loop loop;
    auto h = std::make_shared<Recorder>();
    auto l = Listener::create(loop.ioc.get_executor(), any_loopback(), fast_settings("smsc"),
                              [&](const tcp::endpoint&) { return h; });
    l->start();
    loop.run_for(20ms);
    auto raw = RawPeer::connect(l->local_endpoint().port());  // in the backlog until accept() gets an fd
    // No descriptor left for accept(): the soft limit at the lowest free one.
    rlimit before{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
    const int lowest_free = ::dup(0);
    REQUIRE(lowest_free >= 0);
    ::close(lowest_free);
    rlimit tight = before;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    loop.run_for(300ms);
    const auto failures = l->accept_failures();
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &before) == 0);
    // Paused 10, 20, 40, 80, 160 ms: a handful of tries, not a busy loop
    // (before: hundreds of thousands, each logged).
    CHECK(failures >= 1);
    CHECK(failures <= 8);
    // Descriptors again: the waiting connection gets its session.
    CHECK(loop.run_until([&] { return l->sessions().size() == 1; }, 3s));
    bool stopped = false;
    l->stop([&] { stopped = true; });
    CHECK(loop.run_until([&] { return stopped; }, 3s));
}
