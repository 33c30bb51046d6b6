#include "smpp/upstream/authenticator.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "smpp/upstream/password_hash.hpp"

using namespace smpp::upstream;
using smpp::protocol::command_status;
using smpp::session::bind_type;
using smpp::session::BindRequest;

namespace {

struct Outcome {
    command_status status;
    BindLease lease;
    std::thread::id thread;
};

const boost::asio::ip::address loopback = boost::asio::ip::make_address("127.0.0.1");

Outcome run(Authenticator& auth, bind_type type, std::string system_id, std::string password,
            const boost::asio::ip::address& peer = loopback) {
    std::promise<Outcome> p;
    auto f = p.get_future();
    BindRequest r;
    r.type = type;
    r.system_id = std::move(system_id);
    r.password = std::move(password);
    auth.authenticate(r, peer, [&p](command_status s, BindLease lease) {
        p.set_value(Outcome{s, std::move(lease), std::this_thread::get_id()});
    });
    REQUIRE(f.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    return f.get();
}

AccountSettings accounts() {
    // Hashing is slow on purpose: make each hash once for the whole file.
    static const std::string acme = *hash_password("acmepw");
    static const std::string bulk = *hash_password("bulkpw");
    return AccountSettings{{
        Account{"acme", acme, {bind_type::transceiver}, 2},
        Account{"bulkco", bulk, {bind_type::transmitter, bind_type::receiver}, 1},
    }};
}

}  // namespace

TEST_CASE("a known system_id with its password binds, off the calling thread", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    auto o = run(auth, bind_type::transceiver, "acme", "acmepw");
    CHECK(o.status == command_status::ESME_ROK);
    CHECK(static_cast<bool>(o.lease));
    CHECK(o.lease.system_id() == "acme");
    CHECK(o.thread != std::this_thread::get_id());
    CHECK(auth.live_binds("acme") == 1);
}

TEST_CASE("an unknown system_id gets ESME_RINVSYSID", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    auto o = run(auth, bind_type::transceiver, "nobody", "acmepw");
    CHECK(o.status == command_status::ESME_RINVSYSID);
    CHECK_FALSE(o.lease);
}

TEST_CASE("a wrong password gets ESME_RINVPASWD", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepW").status == command_status::ESME_RINVPASWD);
    CHECK(run(auth, bind_type::transceiver, "acme", "").status == command_status::ESME_RINVPASWD);
    CHECK(auth.live_binds("acme") == 0);
}

TEST_CASE("a bind type the account does not allow gets ESME_RBINDFAIL", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    CHECK(run(auth, bind_type::transceiver, "bulkco", "bulkpw").status == command_status::ESME_RBINDFAIL);
    CHECK(run(auth, bind_type::transmitter, "acme", "acmepw").status == command_status::ESME_RBINDFAIL);
    auto rx = run(auth, bind_type::receiver, "bulkco", "bulkpw");
    CHECK(rx.status == command_status::ESME_ROK);
}

TEST_CASE("max_binds caps concurrent binds until a lease is released", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    auto first = run(auth, bind_type::transceiver, "acme", "acmepw");
    auto second = run(auth, bind_type::transceiver, "acme", "acmepw");
    REQUIRE(first.status == command_status::ESME_ROK);
    REQUIRE(second.status == command_status::ESME_ROK);
    auto third = run(auth, bind_type::transceiver, "acme", "acmepw");
    CHECK(third.status == command_status::ESME_RBINDFAIL);
    CHECK_FALSE(third.lease);
    CHECK(auth.live_binds("acme") == 2);

    first.lease.release();
    CHECK(auth.live_binds("acme") == 1);
    auto again = run(auth, bind_type::transceiver, "acme", "acmepw");
    CHECK(again.status == command_status::ESME_ROK);

    // Full: refused before the password is hashed, so a wrong one is not
    // even looked at (ESME_RBINDFAIL, not ESME_RINVPASWD) and no failure is
    // recorded against the address.
    auto full = run(auth, bind_type::transceiver, "acme", "wrong");
    CHECK(full.status == command_status::ESME_RBINDFAIL);
    CHECK(auth.live_binds("acme") == 2);

    // max_binds counts binds of any type: bulkco allows one in all.
    auto tx = run(auth, bind_type::transmitter, "bulkco", "bulkpw");
    REQUIRE(tx.status == command_status::ESME_ROK);
    CHECK(run(auth, bind_type::receiver, "bulkco", "bulkpw").status == command_status::ESME_RBINDFAIL);
}

TEST_CASE("a lease releases its bind when destroyed or moved over", "[upstream][authenticator]") {
    Authenticator auth(accounts());
    {
        auto o = run(auth, bind_type::transceiver, "acme", "acmepw");
        REQUIRE(o.status == command_status::ESME_ROK);
        BindLease moved = std::move(o.lease);
        CHECK(auth.live_binds("acme") == 1);
        moved = BindLease{};
        CHECK(auth.live_binds("acme") == 0);
        auto p = run(auth, bind_type::transceiver, "acme", "acmepw");
        REQUIRE(p.status == command_status::ESME_ROK);
        CHECK(auth.live_binds("acme") == 1);
    }
    CHECK(auth.live_binds("acme") == 0);
}

TEST_CASE("a lease may outlive its authenticator", "[upstream][authenticator]") {
    BindLease lease;
    {
        Authenticator auth(accounts());
        auto o = run(auth, bind_type::transceiver, "acme", "acmepw");
        REQUIRE(o.status == command_status::ESME_ROK);
        lease = std::move(o.lease);
    }
    CHECK(static_cast<bool>(lease));
    lease.release();
    CHECK_FALSE(lease);
}

TEST_CASE("verifications beyond max_pending are refused at once", "[upstream][authenticator]") {
    Authenticator auth(accounts(), 1);
    std::promise<command_status> first, second;
    BindRequest r;
    r.system_id = "acme";
    r.password = "acmepw";
    auth.authenticate(r, loopback, [&](command_status s, BindLease) { first.set_value(s); });
    auth.authenticate(r, loopback, [&](command_status s, BindLease) { second.set_value(s); });
    auto f1 = first.get_future();
    auto f2 = second.get_future();
    REQUIRE(f1.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    REQUIRE(f2.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(f1.get() == command_status::ESME_ROK);
    CHECK(f2.get() == command_status::ESME_RBINDFAIL);
}

namespace {

// A clock the test moves by hand; read from the worker thread too.
struct ManualClock {
    std::atomic<std::int64_t> ms{0};
    Authenticator::Clock fn() {
        return [this] { return Authenticator::clock::time_point(std::chrono::milliseconds(ms.load())); };
    }
};

AccountSettings restricted(BindLockoutSettings lockout = {}) {
    auto s = accounts();
    s.accounts[0].allowed_addresses = {*Cidr::parse("192.0.2.0/24"), *Cidr::parse("2001:db8::/32")};
    s.accounts[0].tps = 3;
    s.lockout = lockout;
    return s;
}

}  // namespace

TEST_CASE("a bind from outside allowed_addresses gets ESME_RBINDFAIL, inside binds", "[upstream][authenticator]") {
    Authenticator auth(restricted());
    using boost::asio::ip::make_address;
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", make_address("198.51.100.1")).status ==
          command_status::ESME_RBINDFAIL);
    // Refused before the password is looked at: a wrong one gets the same.
    CHECK(run(auth, bind_type::transceiver, "acme", "wrong", make_address("198.51.100.2")).status ==
          command_status::ESME_RBINDFAIL);
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", make_address("192.0.2.200")).status ==
          command_status::ESME_ROK);
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", make_address("::ffff:192.0.2.9")).status ==
          command_status::ESME_ROK);
    // bulkco has no list: any address.
    CHECK(run(auth, bind_type::transmitter, "bulkco", "bulkpw", make_address("2001:db9::1")).status ==
          command_status::ESME_ROK);
}

TEST_CASE("after max_failures failed binds in the window an address is locked out until it passes",
          "[upstream][authenticator]") {
    ManualClock clock;
    Authenticator auth(restricted({.max_failures = 3, .window = std::chrono::seconds(60)}), 256, clock.fn());
    using boost::asio::ip::make_address;
    const auto guesser = make_address("192.0.2.66");
    const auto other = make_address("192.0.2.67");
    CHECK(run(auth, bind_type::transceiver, "acme", "guess1", guesser).status == command_status::ESME_RINVPASWD);
    clock.ms += 1000;
    CHECK(run(auth, bind_type::transceiver, "nobody", "x", guesser).status == command_status::ESME_RINVSYSID);
    clock.ms += 1000;
    CHECK(run(auth, bind_type::transceiver, "acme", "guess3", guesser).status == command_status::ESME_RINVPASWD);
    // Locked: even the right password is not checked.
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", guesser).status == command_status::ESME_RBINDFAIL);
    CHECK(run(auth, bind_type::transceiver, "nobody", "x", guesser).status == command_status::ESME_RBINDFAIL);
    // Other addresses are not affected.
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", other).status == command_status::ESME_ROK);
    // The refusals while locked do not extend it: 60 s after the first failure it lifts.
    clock.ms = 59'999;
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", guesser).status == command_status::ESME_RBINDFAIL);
    clock.ms = 60'000;
    CHECK(run(auth, bind_type::transceiver, "acme", "acmepw", guesser).status == command_status::ESME_ROK);
}

TEST_CASE("the TPS bucket is per account and shared by its binds", "[upstream][authenticator]") {
    ManualClock clock;
    Authenticator auth(restricted(), 256, clock.fn());
    TokenBucket* acme = auth.tps_bucket("acme");
    REQUIRE(acme != nullptr);
    CHECK(acme->rate() == 3);
    CHECK(auth.tps_bucket("bulkco") == nullptr);  // no limit
    CHECK(auth.tps_bucket("nobody") == nullptr);
    CHECK(auth.tps_bucket("acme") == acme);
    // Queries have their own, at the tps when query_tps is not set.
    TokenBucket* acme_queries = auth.query_bucket("acme");
    REQUIRE(acme_queries != nullptr);
    CHECK(acme_queries != acme);
    CHECK(acme_queries->rate() == 3);
    CHECK(auth.query_bucket("bulkco") == nullptr);
    CHECK(auth.query_bucket("nobody") == nullptr);
}

TEST_CASE("binds sent side by side from one address get at most max_failures passwords checked",
          "[upstream][authenticator]") {
    ManualClock clock;
    Authenticator auth(restricted({.max_failures = 3, .window = std::chrono::seconds(60)}), 256, clock.fn());
    const auto guesser = boost::asio::ip::make_address("192.0.2.66");
    constexpr int binds = 12;
    std::vector<std::promise<command_status>> got(binds);
    BindRequest r;
    r.type = bind_type::transceiver;
    r.system_id = "acme";
    for (int i = 0; i < binds; ++i) {
        r.password = "guess" + std::to_string(i);
        auth.authenticate(r, guesser, [&got, i](command_status s, BindLease) { got[i].set_value(s); });
    }
    int checked = 0, locked = 0;
    for (auto& p : got) {
        auto f = p.get_future();
        REQUIRE(f.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
        const auto s = f.get();
        if (s == command_status::ESME_RINVPASWD) ++checked;
        if (s == command_status::ESME_RBINDFAIL) ++locked;
    }
    CHECK(checked == 3);
    CHECK(locked == binds - 3);
}

TEST_CASE("verifications are taken in turn per address: a flood from one waits behind, not ahead of, others",
          "[upstream][authenticator]") {
    // A client re-binding in parallel with its right password costs a hash
    // per bind (max_binds refuses it only after). Served first come first
    // served, twelve of them kept another account's bind waiting twelve
    // hashes, past its bind_timeout under a real flood.
    Authenticator auth(accounts(), 256, Authenticator::clock::now, 16);
    const auto flooder = boost::asio::ip::make_address("2001:db8:1:1::1");
    const auto other = boost::asio::ip::make_address("192.0.2.9");
    std::atomic<int> finished{0};
    constexpr int flood = 12;
    std::vector<std::promise<int>> flood_done(flood);
    BindRequest r;
    r.type = bind_type::transceiver;
    r.system_id = "acme";
    r.password = "acmepw";
    for (int i = 0; i < flood; ++i)
        auth.authenticate(r, flooder, [&, i](command_status, BindLease) { flood_done[i].set_value(finished++); });
    std::promise<int> other_done;
    BindRequest b;
    b.type = bind_type::transmitter;
    b.system_id = "bulkco";
    b.password = "bulkpw";
    command_status other_status{};
    auth.authenticate(b, other, [&](command_status s, BindLease) {
        other_status = s;
        other_done.set_value(finished++);
    });
    auto f = other_done.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    // At most the flood's verification in progress and the one whose turn
    // came before it were done first.
    CHECK(f.get() <= 2);
    CHECK(other_status == command_status::ESME_ROK);
    for (auto& p : flood_done) REQUIRE(p.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
}

TEST_CASE("verifications queued from one address are capped; others still get a place", "[upstream][authenticator]") {
    // Without a cap per address one flood took all max_pending places and
    // every other bind was refused at once.
    Authenticator auth(accounts(), 8, Authenticator::clock::now, 2);
    const auto flooder = boost::asio::ip::make_address("192.0.2.66");
    constexpr int flood = 8;
    std::vector<std::promise<command_status>> got(flood);
    BindRequest r;
    r.type = bind_type::transceiver;
    r.system_id = "acme";
    r.password = "acmepw";
    for (int i = 0; i < flood; ++i)
        auth.authenticate(r, flooder, [&got, i](command_status s, BindLease) { got[i].set_value(s); });
    const auto other = run(auth, bind_type::transmitter, "bulkco", "bulkpw", boost::asio::ip::make_address("192.0.2.9"));
    CHECK(other.status == command_status::ESME_ROK);
    int refused = 0;
    for (auto& p : got) {
        auto f = p.get_future();
        REQUIRE(f.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
        if (f.get() == command_status::ESME_RBINDFAIL) ++refused;
    }
    // Two queued and one in progress at most, when the flood came faster
    // than one hash (tens of ms).
    CHECK(refused >= flood - 3);
}
