#pragma once
// In-process simulated carriers for the smpp-sim tests: one io_context
// pumped by the test thread (see test/smpp/session/loopback.hpp), a carrier
// on 127.0.0.1 port 0, and our own ESME sessions and Clients against it.
#include <memory>
#include <string>
#include <vector>

#include "smpp/session/client.hpp"
#include "test/smpp/session/loopback.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace smpp::sim::test {

using namespace smpp::session::test;
using smpp::protocol::command_status;
using smpp::protocol::Pdu;

inline CarrierSettings sim_settings(std::string name = "c1") {
    CarrierSettings s;
    s.name = name;
    s.system_id = "esme1";  // what bind_request() in loopback.hpp presents
    s.password = "secret";
    s.receipt_delay = 50ms;
    s.session = fast_settings(name);
    s.session.window = 1000;
    s.seed = 7;
    return s;
}

struct SimFixture {
    Loop loop;
    std::shared_ptr<SimCarrier> carrier;

    explicit SimFixture(CarrierSettings s) {
        carrier = SimCarrier::create(loop.ioc.get_executor(), std::move(s));
        carrier->start();
    }
    ~SimFixture() {
        bool done = false;
        carrier->stop([&] { done = true; });
        loop.run_until([&] { return done; });
    }

    // A bound ESME session of the given type (REQUIREs the bind succeeded).
    std::shared_ptr<session::Session> bind(std::shared_ptr<Recorder> h,
                                           session::bind_type t = session::bind_type::transceiver) {
        auto s = connect_esme(loop, carrier->port(), h);
        Outcome out;
        s->bind(bind_request(t), out.handler());
        REQUIRE(loop.run_until([&] { return out.done; }));
        REQUIRE(!out.ec);
        REQUIRE(out.pdu.status == command_status::ESME_ROK);
        return s;
    }

    // A Client (our ESME with rebind) of the given type, bound.
    std::shared_ptr<session::Client> client(std::shared_ptr<Recorder> h,
                                            session::bind_type t = session::bind_type::transceiver) {
        session::ClientSettings cs;
        cs.endpoints = {{"127.0.0.1", carrier->port()}};
        cs.bind = bind_request(t);
        cs.session = fast_settings("esme");
        cs.backoff = {20ms, 200ms, 0.5};
        cs.connect_timeout = 500ms;
        auto c = session::Client::create(loop.ioc.get_executor(), cs, std::move(h));
        c->start();
        REQUIRE(loop.run_until([&] { return c->session() != nullptr; }));
        return c;
    }

    void stop(const std::shared_ptr<session::Client>& c) {
        bool done = false;
        c->stop([&] { done = true; });
        REQUIRE(loop.run_until([&] { return done; }));
    }

    // Sends n submit_sm with at most `in_flight` outstanding; the outcomes
    // in submission order.
    std::vector<Outcome> submit_many(const std::shared_ptr<session::Session>& s, std::size_t n,
                                     protocol::SubmitSm sm = submit_sm(), std::size_t in_flight = 50,
                                     std::chrono::milliseconds timeout = 10s) {
        std::vector<Outcome> outs(n);
        std::size_t sent = 0, done = 0;
        REQUIRE(loop.run_until(
            [&] {
                done = 0;
                for (std::size_t k = 0; k < sent; ++k) done += outs[k].done ? 1 : 0;
                while (sent < n && sent - done < in_flight) s->send_request(sm, outs[sent++].handler());
                return done == n;
            },
            timeout));
        return outs;
    }

    // The deliver_sm a recorder got.
    static std::vector<protocol::DeliverSm> deliver_sms(const Recorder& h) {
        std::vector<protocol::DeliverSm> out;
        for (const auto& p : h.requests)
            if (auto* d = p.as<protocol::DeliverSm>()) out.push_back(*d);
        return out;
    }
};

}  // namespace smpp::sim::test
