#pragma once
// The forward path's test rig, shared by forward_path.cpp and
// forward_requests.cpp: everything between an ESME and a test SMSC in one
// process, every socket on 127.0.0.1, one io_context pumped by the test.
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../carrier/test_smsc.hpp"
#include "smpp/relay/forward_path.hpp"
#include "smpp/session/client.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"

namespace smpp::relay::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using carrier::test::Loop;
using carrier::test::TestSmsc;
using protocol::command_status;

inline const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");  // slow on purpose: once per program
    return h;
}

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
// `router` replaces the inline 44 route (priced_route() below).
class Rig {
public:
    Loop& loop;
    store::Ledger& ledger;
    TestSmsc smsc;
    store::MessageIdGenerator ids{7};
    relay::ForwardPath::Carriers carriers;
    std::shared_ptr<relay::ForwardPath> forward;
    upstream::Authenticator authenticator;
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> client;
    std::vector<Answer> answers;

    // `tune` may change each carrier's settings before it is created.
    using Tune = std::function<void(carrier::CarrierSettings&)>;

    Rig(Loop& l, store::Ledger& led, bool extra_carrier = false, relay::ForwardSettings fs = {},
        std::shared_ptr<relay::MessageRouter> router = nullptr, Tune tune = {})
        : loop(l), ledger(led), smsc(l), authenticator(bind_accounts(fs)) {
        auto settings = carrier::test::test_settings(smsc.port());
        settings.id = "carrier01";
        settings.binds = 2;
        settings.window = 20;
        auto tuned = [&](carrier::CarrierSettings s) {
            if (tune) tune(s);
            return s;
        };
        carriers.emplace("carrier01", carrier::Carrier::create(loop.ioc.get_executor(), tuned(settings)));
        std::vector<std::string> route44{"carrier01"};
        if (extra_carrier) {
            settings.id = "carrier00";
            settings.binds = 1;
            carriers.emplace("carrier00", carrier::Carrier::create(loop.ioc.get_executor(), tuned(settings)));
            route44.insert(route44.begin(), "carrier00");
        }
        if (!router) router = relay::MessageRouter::of({{"44", route44}});
        forward = relay::ForwardPath::create(loop.ioc.get_executor(), ledger, ids, std::move(router), carriers, fs);
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

    // acme may bind, at the TPS `fs` gives it (none when not listed).
    static upstream::AccountSettings bind_accounts(const relay::ForwardSettings& fs) {
        upstream::Account acme{"acme", acme_hash(), {session::bind_type::transceiver}, 2};
        if (const auto* a = fs.accounts.find("acme")) acme.tps = a->tps;
        return upstream::AccountSettings{{acme}};
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

    // The ESME and every carrier but `not_carrier` bound.
    bool ready(std::string_view not_carrier = {}) {
        return loop.run_until(
            [&] {
                auto s = client->session();
                if (!s || s->state() != session::session_state::bound_trx) return false;
                for (auto& [id, c] : carriers)
                    if (id != not_carrier && !carrier::test::all_bound(*c)) return false;
                return true;
            },
            5s);
    }

    // One request, its response (nullopt: no answer within 3 s).
    template <class Body>
    std::optional<protocol::Pdu> call(const Body& body) {
        std::optional<protocol::Pdu> got;
        client->session()->send_request(body, [&](std::error_code ec, protocol::Pdu resp) {
            if (!ec) got = std::move(resp);
            else got = protocol::make_response(Body::id, 0, command_status::ESME_RUNKNOWNERR);
        });
        if (!loop.run_until([&] { return got.has_value(); }, 3s)) return std::nullopt;
        return got;
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

// A 44 route through carrier00 then carrier01 (priority order) at these
// prices per message part.
inline std::shared_ptr<relay::MessageRouter> priced_route(std::uint64_t carrier00_cost, std::uint64_t carrier01_cost) {
    routing::RouteTable table;
    routing::RouteEntry e;
    e.prefix = "44";
    e.country = "GB";
    std::uint32_t priority = 0;
    for (auto [carrier, cost] : {std::pair{"carrier00", carrier00_cost}, std::pair{"carrier01", carrier01_cost}}) {
        routing::Candidate c;
        c.carrier = carrier;
        c.priority = priority++;
        c.cost_micros = cost;
        e.candidates.push_back(std::move(c));
    }
    table.entries.push_back(std::move(e));
    auto r = relay::MessageRouter::from_table(table);
    REQUIRE(r);
    return std::move(r).value();
}

inline protocol::SubmitSm to(std::string dest) {
    protocol::SubmitSm s = carrier::test::submit_sm("hello");
    s.dest = {1, 1, std::move(dest)};
    return s;
}

}  // namespace smpp::relay::test
