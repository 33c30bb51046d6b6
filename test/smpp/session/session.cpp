#include "smpp/session/session.hpp"

#include <algorithm>
#include <thread>

#include <catch2/catch.hpp>

#include "smpp/session/listener.hpp"
#include "test/smpp/session/loopback.hpp"

using namespace smpp::session;
using namespace smpp::session::test;
using smpp::protocol::command_id;
using smpp::protocol::command_status;
using smpp::protocol::Pdu;

namespace {

// An SMSC-role listener whose every connection reports to one Recorder.
struct Smsc {
    Loop& loop;
    std::shared_ptr<Recorder> handler = std::make_shared<Recorder>();
    std::shared_ptr<Listener> listener;
    explicit Smsc(Loop& l, SessionSettings s = fast_settings("smsc")) : loop(l) {
        listener = Listener::create(loop.ioc.get_executor(), tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
                                    std::move(s), [h = handler](const tcp::endpoint&) { return h; });
        listener->start();
    }
    ~Smsc() {
        bool stopped = false;
        listener->stop([&] { stopped = true; });
        loop.run_until([&] { return stopped; }, 1s);
    }
    std::uint16_t port() const { return listener->local_endpoint().port(); }
    std::shared_ptr<Session> session() {
        auto all = listener->sessions();
        return all.empty() ? nullptr : all.front();
    }
};

// An ESME session bound to the Smsc with the given type.
std::shared_ptr<Session> bound_esme(Loop& loop, Smsc& smsc, const std::shared_ptr<Recorder>& h, bind_type t,
                                    SessionSettings settings = fast_settings("esme")) {
    auto s = connect_esme(loop, smsc.port(), h, std::move(settings));
    Outcome bound;
    s->bind(bind_request(t), bound.handler());
    REQUIRE(loop.run_until([&] { return bound.done; }));
    REQUIRE_FALSE(bound.ec);
    REQUIRE(bound.pdu.status == command_status::ESME_ROK);
    REQUIRE(loop.run_until([&] { return smsc.handler->bound == 1; }));
    return s;
}

// A raw ESME bound as transceiver (or `t`) to the Smsc.
RawPeer raw_bound(Loop& loop, Smsc& smsc, command_id bind = command_id::bind_transceiver) {
    auto raw = RawPeer::connect(smsc.port());
    raw.send(frame(bind, command_status::ESME_ROK, 1, bind_body("raw", "pw")));
    auto resp = raw.read_frame(loop);
    REQUIRE(resp);
    REQUIRE(*resp == frame(smpp::protocol::response_id(bind), command_status::ESME_ROK, 1, bind_resp_body("smsc")));
    return raw;
}

}  // namespace

TEST_CASE("session: every bind type is accepted and carries system_id and sc_interface_version") {
    for (auto t : {bind_type::transmitter, bind_type::receiver, bind_type::transceiver}) {
        Loop loop;
        Smsc smsc(loop);
        auto h = std::make_shared<Recorder>();
        auto s = connect_esme(loop, smsc.port(), h);
        Outcome bound;
        s->bind(bind_request(t, "esme1", "secret"), bound.handler());
        REQUIRE(loop.run_until([&] { return bound.done; }));
        REQUIRE_FALSE(bound.ec);
        CHECK(bound.pdu.status == command_status::ESME_ROK);
        CHECK(bound.pdu.id() == smpp::protocol::response_id(bind_command(t)));
        bool has_body = false;
        std::visit(
            [&](const auto& b) {
                if constexpr (requires { b.tlvs; b.system_id; }) {
                    has_body = true;
                    CHECK(b.system_id == "smsc");
                    CHECK(b.tlvs.u8(smpp::protocol::tlv_tag::sc_interface_version) == 0x34);
                }
            },
            bound.pdu.body);
        CHECK(has_body);
        CHECK(s->state() == bound_state(t));
        CHECK(h->bound == 1);
        CHECK(s->peer_system_id() == "smsc");
        REQUIRE(loop.run_until([&] { return smsc.handler->bound == 1; }));
        REQUIRE(smsc.handler->bind_requests.size() == 1);
        CHECK(smsc.handler->bind_requests[0].type == t);
        CHECK(smsc.handler->bind_requests[0].system_id == "esme1");
        CHECK(smsc.handler->bind_requests[0].password == "secret");
        CHECK(smsc.session()->state() == bound_state(t));
        CHECK(smsc.session()->peer_system_id() == "esme1");
    }
}

TEST_CASE("session: a refused bind returns the verdict's status and the ESME closes bind_rejected") {
    for (auto t : {bind_type::transmitter, bind_type::receiver, bind_type::transceiver}) {
        Loop loop;
        Smsc smsc(loop);
        smsc.handler->bind_verdict = command_status::ESME_RINVPASWD;
        auto h = std::make_shared<Recorder>();
        auto s = connect_esme(loop, smsc.port(), h);
        Outcome bound;
        s->bind(bind_request(t), bound.handler());
        REQUIRE(loop.run_until([&] { return bound.done && h->closed; }));
        CHECK_FALSE(bound.ec);
        CHECK(bound.pdu.status == command_status::ESME_RINVPASWD);
        CHECK(bound.pdu.id() == smpp::protocol::response_id(bind_command(t)));
        CHECK(*h->closed == close_reason::bind_rejected);
        CHECK(h->bound == 0);
        CHECK(smsc.handler->bound == 0);
    }
}

TEST_CASE("session: a refused bind leaves the SMSC session open for another try") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->bind_verdict = command_status::ESME_RBINDFAIL;
    auto raw = RawPeer::connect(smsc.port());
    raw.send(frame(command_id::bind_transmitter, command_status::ESME_ROK, 1, bind_body("raw", "bad")));
    CHECK(raw.read_frame(loop) ==
          frame(command_id::bind_transmitter_resp, command_status::ESME_RBINDFAIL, 1, bind_resp_body("smsc")));
    smsc.handler->bind_verdict = command_status::ESME_ROK;
    raw.send(frame(command_id::bind_transmitter, command_status::ESME_ROK, 2, bind_body("raw", "good")));
    CHECK(raw.read_frame(loop) ==
          frame(command_id::bind_transmitter_resp, command_status::ESME_ROK, 2, bind_resp_body("smsc")));
    CHECK(smsc.handler->bound == 1);
}

TEST_CASE("session: an SMSC closes a connection that sends more requests than a binding ESME would, unbound") {
    Loop loop;
    auto settings = fast_settings("smsc");
    settings.bind_timeout = 10s;  // not what closes it here
    Smsc smsc(loop, settings);
    smsc.handler->bind_verdict = command_status::ESME_RBINDFAIL;
    auto raw = RawPeer::connect(smsc.port());
    // A refused bind, its retries and enquire_links: answered, up to 8.
    for (std::uint32_t seq = 1; seq <= 8; ++seq) {
        if (seq % 2)
            raw.send(frame(command_id::bind_transmitter, command_status::ESME_ROK, seq, bind_body("raw", "bad")));
        else
            raw.send(frame(command_id::enquire_link, command_status::ESME_ROK, seq, {}));
        REQUIRE(raw.read_frame(loop));
    }
    // The ninth is not: the session closes (each bind would cost a password hash).
    raw.send(frame(command_id::enquire_link, command_status::ESME_ROK, 9, {}));
    CHECK(raw.wait_eof(loop, 1s));
    // Bound, requests are what the session is for: no such limit.
    smsc.handler->bind_verdict = command_status::ESME_ROK;
    auto bound = raw_bound(loop, smsc);
    for (std::uint32_t seq = 2; seq <= 30; ++seq) {
        bound.send(frame(command_id::enquire_link, command_status::ESME_ROK, seq, {}));
        REQUIRE(bound.read_frame(loop));
    }
}

TEST_CASE("session: a bound peer still sending while our unbind waits for its answers is not cut off") {
    Loop loop;
    auto settings = fast_settings("smsc");
    settings.unbind_timeout = 5s;
    Smsc smsc(loop, settings);
    smsc.handler->answer_requests = false;
    auto raw = raw_bound(loop, smsc);
    for (std::uint32_t seq = 2; seq <= 4; ++seq)
        raw.send(encode(Pdu{command_status::ESME_ROK, seq, submit_sm("x")}));
    REQUIRE(loop.run_until([&] { return smsc.handler->requests.size() == 3; }));
    // Our unbind waits for the 3 answers we owe (unbinding, not bound).
    smsc.session()->unbind();
    loop.run_for(50ms);
    // The peer does not know yet and goes on: more than the 8 an unbound
    // peer may send, every one answered, the session not closed.
    for (std::uint32_t seq = 5; seq <= 16; ++seq) {
        raw.send(frame(command_id::enquire_link, command_status::ESME_ROK, seq, {}));
        auto resp = raw.read_frame(loop);
        REQUIRE(resp);
    }
    CHECK_FALSE(smsc.handler->closed);
}

TEST_CASE("session: a peer far beyond its window is not read from until its requests are answered") {
    Loop loop;
    auto smsc_settings = fast_settings("smsc");
    smsc_settings.window = 5;  // reads pause at 10 unanswered, resume at 5
    Smsc smsc(loop, smsc_settings);
    smsc.handler->answer_requests = false;
    auto h = std::make_shared<Recorder>();
    auto esme_settings = fast_settings("esme");
    esme_settings.window = 100;  // ignores the SMSC's window
    esme_settings.response_timeout = 5s;
    auto s = bound_esme(loop, smsc, h, bind_type::transmitter, esme_settings);
    std::vector<Outcome> outs(30);
    for (auto& o : outs) s->send_request(submit_sm("x"), o.handler());
    REQUIRE(loop.run_until([&] { return smsc.handler->requests.size() >= 10; }));
    loop.run_for(100ms);
    CHECK(smsc.handler->requests.size() == 10);  // the other 20 wait in TCP, not in our memory
    // Answered: it reads again, a batch at a time, until all 30 came.
    std::size_t answered = 0;
    CHECK(loop.run_until(
        [&] {
            auto srv = smsc.session();
            while (srv && answered < smsc.handler->requests.size()) {
                const auto& req = smsc.handler->requests[answered++];
                auto resp = smpp::protocol::make_response(req.id(), req.sequence_number);
                resp.as<smpp::protocol::SubmitSmResp>()->message_id = "m";
                srv->respond(std::move(resp));
            }
            return answered == 30;
        },
        3s));
    CHECK(loop.run_until([&] {
        return std::all_of(outs.begin(), outs.end(), [](const Outcome& o) { return o.done; });
    }));
    for (const auto& o : outs) CHECK_FALSE(o.ec);
}

TEST_CASE("session: submit_sm goes to the handler and its submit_sm_resp comes back") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->message_id = "msg-42";
    auto h = std::make_shared<Recorder>();
    auto s = bound_esme(loop, smsc, h, bind_type::transmitter);
    Outcome out;
    s->send_request(submit_sm("hi there"), out.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    REQUIRE_FALSE(out.ec);
    CHECK(out.pdu.status == command_status::ESME_ROK);
    REQUIRE(out.pdu.as<smpp::protocol::SubmitSmResp>());
    CHECK(out.pdu.as<smpp::protocol::SubmitSmResp>()->message_id == "msg-42");
    REQUIRE(smsc.handler->requests.size() == 1);
    CHECK(smsc.handler->requests[0].as<smpp::protocol::SubmitSm>()->short_message == "hi there");
    CHECK(s->outstanding() == 0);
    auto c = s->counters();
    CHECK(c.requests_sent == 2);  // bind + submit_sm
    CHECK(c.responses_matched == 2);
}

TEST_CASE("session: deliver_sm from the SMSC reaches the ESME on rx and trx binds") {
    for (auto t : {bind_type::receiver, bind_type::transceiver}) {
        Loop loop;
        Smsc smsc(loop);
        auto h = std::make_shared<Recorder>();
        auto s = bound_esme(loop, smsc, h, t);
        smpp::protocol::DeliverSm d;
        d.source = {1, 1, "4915112345678"};
        d.dest = {1, 1, "12345"};
        d.short_message = "mo text";
        Outcome out;
        smsc.session()->send_request(d, out.handler());
        REQUIRE(loop.run_until([&] { return out.done; }));
        REQUIRE_FALSE(out.ec);
        CHECK(out.pdu.id() == command_id::deliver_sm_resp);
        CHECK(out.pdu.status == command_status::ESME_ROK);
        REQUIRE(h->requests.size() == 1);
        CHECK(h->requests[0].as<smpp::protocol::DeliverSm>()->short_message == "mo text");
    }
}

TEST_CASE("session: a request the bind does not allow is refused locally with not_bound") {
    Loop loop;
    Smsc smsc(loop);
    auto h = std::make_shared<Recorder>();
    auto s = bound_esme(loop, smsc, h, bind_type::transmitter);
    Outcome deliver;
    smsc.session()->send_request(smpp::protocol::DeliverSm{}, deliver.handler());
    REQUIRE(loop.run_until([&] { return deliver.done; }));
    CHECK(deliver.ec == make_error_code(session_errc::not_bound));

    auto h2 = std::make_shared<Recorder>();
    auto unbound = connect_esme(loop, smsc.port(), h2);
    Outcome submit;
    unbound->send_request(submit_sm(), submit.handler());
    REQUIRE(loop.run_until([&] { return submit.done; }));
    CHECK(submit.ec == make_error_code(session_errc::not_bound));
}

TEST_CASE("session: requests in the wrong state get ESME_RINVBNDSTS") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = RawPeer::connect(smsc.port());
    // submit_sm before bind.
    auto submit = encode(Pdu{command_status::ESME_ROK, 3, submit_sm()});
    raw.send(submit);
    CHECK(raw.read_frame(loop) == frame(command_id::submit_sm_resp, command_status::ESME_RINVBNDSTS, 3));
    // unbind before bind.
    raw.send(frame(command_id::unbind, command_status::ESME_ROK, 4));
    CHECK(raw.read_frame(loop) == frame(command_id::unbind_resp, command_status::ESME_RINVBNDSTS, 4));
    // enquire_link is fine while open.
    raw.send(frame(command_id::enquire_link, command_status::ESME_ROK, 5));
    CHECK(raw.read_frame(loop) == frame(command_id::enquire_link_resp, command_status::ESME_ROK, 5));
    // Bound as receiver: no submit_sm; an ESME never sends deliver_sm; outbind has no resp.
    raw.send(frame(command_id::bind_receiver, command_status::ESME_ROK, 6, bind_body("raw", "pw")));
    CHECK(raw.read_frame(loop) ==
          frame(command_id::bind_receiver_resp, command_status::ESME_ROK, 6, bind_resp_body("smsc")));
    auto submit7 = encode(Pdu{command_status::ESME_ROK, 7, submit_sm()});
    raw.send(submit7);
    CHECK(raw.read_frame(loop) == frame(command_id::submit_sm_resp, command_status::ESME_RINVBNDSTS, 7));
    smpp::protocol::DeliverSm d;
    raw.send(encode(Pdu{command_status::ESME_ROK, 8, d}));
    CHECK(raw.read_frame(loop) == frame(command_id::deliver_sm_resp, command_status::ESME_RINVBNDSTS, 8));
    raw.send(frame(command_id::outbind, command_status::ESME_ROK, 9, concat({cstr("x"), cstr("y")})));
    CHECK(raw.read_frame(loop) == frame(command_id::generic_nack, command_status::ESME_RINVBNDSTS, 9));
    CHECK(smsc.handler->requests.empty());
}

TEST_CASE("session: a second bind on a bound session gets ESME_RALYBND") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = raw_bound(loop, smsc);
    raw.send(frame(command_id::bind_transmitter, command_status::ESME_ROK, 2, bind_body("raw", "pw")));
    CHECK(raw.read_frame(loop) ==
          frame(command_id::bind_transmitter_resp, command_status::ESME_RALYBND, 2));
    CHECK(smsc.session()->state() == session_state::bound_trx);
}

TEST_CASE("session: a full window refuses with window_full and the bind stays up") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.window = 2;
    settings.response_timeout = 2s;
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver, settings);
    Outcome a, b, c;
    s->send_request(submit_sm("1"), a.handler());
    s->send_request(submit_sm("2"), b.handler());
    s->send_request(submit_sm("3"), c.handler());
    REQUIRE(loop.run_until([&] { return c.done; }));
    CHECK_FALSE(a.done);
    CHECK_FALSE(b.done);
    CHECK(c.ec == make_error_code(session_errc::window_full));
    CHECK(s->outstanding() == 2);
    CHECK(s->window_room() == 0);
    CHECK(s->counters().window_full == 1);
    REQUIRE(loop.run_until([&] { return smsc.handler->requests.size() == 2; }));
    CHECK(s->state() == session_state::bound_trx);
    auto server = smsc.session();
    for (const auto& req : smsc.handler->requests)
        server->respond(smpp::protocol::make_response(req.id(), req.sequence_number));
    REQUIRE(loop.run_until([&] { return a.done && b.done; }));
    CHECK_FALSE(a.ec);
    CHECK_FALSE(b.ec);
    CHECK(s->window_room() == 2);
    Outcome d;
    s->send_request(submit_sm("4"), d.handler());
    CHECK_FALSE(d.done);
    CHECK(s->state() == session_state::bound_trx);
}

TEST_CASE("session: an unanswered request expires; its late response is unexpected") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.response_timeout = 100ms;
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver, settings);
    Outcome out;
    const auto sent_at = std::chrono::steady_clock::now();
    s->send_request(submit_sm(), out.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    CHECK(std::chrono::steady_clock::now() - sent_at >= 100ms);
    CHECK(out.ec == make_error_code(session_errc::response_timeout));
    CHECK(s->outstanding() == 0);
    CHECK(s->counters().requests_expired == 1);
    REQUIRE(smsc.handler->requests.size() == 1);
    const auto& req = smsc.handler->requests[0];
    smsc.session()->respond(smpp::protocol::make_response(req.id(), req.sequence_number));
    REQUIRE(loop.run_until([&] { return !h->unexpected.empty(); }));
    CHECK(h->unexpected[0].id() == command_id::submit_sm_resp);
    CHECK(h->unexpected[0].sequence_number == req.sequence_number);
    CHECK(s->counters().responses_unexpected == 1);
    CHECK(s->state() == session_state::bound_trx);
}

TEST_CASE("session: a late response goes to the request's late handler, once") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.response_timeout = 50ms;
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver, settings);
    Outcome out, late;
    s->send_request(submit_sm(), out.handler(), late.handler());
    REQUIRE(loop.run_until([&] { return out.done; }));
    CHECK(out.ec == make_error_code(session_errc::response_timeout));
    REQUIRE(smsc.handler->requests.size() == 1);
    const auto req = smsc.handler->requests[0];
    auto resp = smpp::protocol::make_response(req.id(), req.sequence_number);
    resp.as<smpp::protocol::SubmitSmResp>()->message_id = "late-1";
    smsc.session()->respond(resp);
    REQUIRE(loop.run_until([&] { return late.done; }));
    CHECK_FALSE(late.ec);
    CHECK(late.pdu.as<smpp::protocol::SubmitSmResp>()->message_id == "late-1");
    CHECK(s->counters().responses_late == 1);
    // The same answer again is unexpected: the late handler ran once.
    smsc.session()->respond(resp);
    REQUIRE(loop.run_until([&] { return !h->unexpected.empty(); }));
    CHECK(s->counters().responses_unexpected == 1);

    // A request answered in time never calls its late handler.
    smsc.handler->answer_requests = true;
    Outcome in_time, never;
    s->send_request(submit_sm(), in_time.handler(), never.handler());
    REQUIRE(loop.run_until([&] { return in_time.done; }));
    CHECK_FALSE(in_time.ec);
    loop.run_for(100ms);
    CHECK_FALSE(never.done);
}

TEST_CASE("session: enquire_link keepalive is sent when idle and answered") {
    Loop loop;
    Smsc smsc(loop);
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.enquire_link_interval = 30ms;
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver, settings);
    REQUIRE(loop.run_until([&] { return s->counters().responses_matched >= 4; }));  // bind + 3 enquire_links
    CHECK(s->state() == session_state::bound_trx);
    CHECK(s->counters().requests_sent >= 4);
    CHECK(h->requests.empty());
    CHECK(smsc.handler->requests.empty());  // the session answers enquire_link itself
}

TEST_CASE("session: no enquire_link_resp from a dead peer closes enquire_link_timeout") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.enquire_link_interval = 50ms;
    settings.response_timeout = 100ms;
    auto s = connect_esme(loop, server.port(), h, settings);
    auto raw = server.accept(loop);
    REQUIRE(raw.valid());
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    CHECK(bind->id() == command_id::bind_transceiver);
    raw.send(frame(command_id::bind_transceiver_resp, command_status::ESME_ROK, bind->sequence_number,
                   cstr("rawsmsc")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    REQUIRE(s->state() == session_state::bound_trx);
    auto enquire = raw.read_frame(loop);
    REQUIRE(enquire);
    CHECK(*enquire == frame(command_id::enquire_link, command_status::ESME_ROK, bind->sequence_number + 1));
    REQUIRE(loop.run_until([&] { return h->closed.has_value(); }));
    CHECK(*h->closed == close_reason::enquire_link_timeout);
    CHECK(raw.wait_eof(loop));
}

TEST_CASE("session: a submit expiring in the tick whose enquire_link timeout closes the session still completes") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.enquire_link_interval = 50ms;
    settings.response_timeout = 100ms;
    auto s = connect_esme(loop, server.port(), h, settings);
    auto raw = server.accept(loop);
    REQUIRE(raw.valid());
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    raw.send(frame(command_id::bind_transceiver_resp, command_status::ESME_ROK, bind->sequence_number,
                   cstr("rawsmsc")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    auto enquire = raw.read_pdu(loop);
    REQUIRE(enquire);
    REQUIRE(enquire->id() == command_id::enquire_link);
    // A submit right behind the enquire_link; neither is answered.
    Outcome submit;
    s->send_request(submit_sm(), submit.handler());
    auto sent = raw.read_pdu(loop);
    REQUIRE(sent);
    REQUIRE(sent->id() == command_id::submit_sm);
    // The loop sleeps past both deadlines, so one window tick expires both,
    // the enquire_link first (its deadline is earlier) and its timeout
    // closes the session before the submit's waiter is called.
    std::this_thread::sleep_for(200ms);
    REQUIRE(loop.run_until([&] { return h->closed.has_value(); }));
    CHECK(*h->closed == close_reason::enquire_link_timeout);
    REQUIRE(loop.run_until([&] { return submit.done; }, 500ms));
    CHECK(submit.ec == make_error_code(session_errc::response_timeout));
}

TEST_CASE("session: alert_notification gets no response and leaves the requests owed alone") {
    // A handler that answers every request it is handed, as a carrier bind
    // does (ESME_RINVCMDID for what it does not take), except deliver_sm,
    // which waits for its receipt to be stored.
    struct Handler : Recorder {
        void on_request(Session& s, Pdu&& p) override {
            requests.push_back(p);
            if (p.id() != command_id::deliver_sm)
                s.respond(smpp::protocol::make_response(p.id(), p.sequence_number, command_status::ESME_RINVCMDID));
        }
    };
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Handler>();
    auto s = connect_esme(loop, server.port(), h);
    auto raw = server.accept(loop);
    REQUIRE(raw.valid());
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    raw.send(frame(command_id::bind_transceiver_resp, command_status::ESME_ROK, bind->sequence_number,
                   cstr("rawsmsc")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    smpp::protocol::DeliverSm receipt;
    receipt.source = {1, 1, "4915112345678"};
    receipt.dest = {1, 1, "12345"};
    receipt.esm_class = 0x04;
    receipt.short_message = "id:1 stat:DELIVRD";
    raw.send(encode(Pdu{command_status::ESME_ROK, 7, receipt}));
    smpp::protocol::AlertNotification alert;
    alert.source = {1, 1, "4915112345678"};
    alert.esme = {1, 1, "12345"};
    raw.send(encode(Pdu{command_status::ESME_ROK, 8, alert}));
    // SMPP 3.4 4.12: alert_notification has no response; before, it got a
    // generic_nack.
    CHECK(raw.drain_for(loop, 100ms).empty());
    // Our unbind still waits for the deliver_sm_resp we owe; before, the
    // answer to the alert_notification had taken the deliver_sm's count and
    // the unbind went at once.
    s->unbind();
    CHECK(raw.drain_for(loop, 100ms).empty());
    auto pending = std::find_if(h->requests.begin(), h->requests.end(),
                                [](const Pdu& p) { return p.id() == command_id::deliver_sm; });
    REQUIRE(pending != h->requests.end());
    s->respond(smpp::protocol::make_response(command_id::deliver_sm, pending->sequence_number));
    auto resp = raw.read_pdu(loop);
    REQUIRE(resp);
    CHECK(resp->id() == command_id::deliver_sm_resp);
    CHECK(resp->sequence_number == 7);
    auto unbind = raw.read_pdu(loop);
    REQUIRE(unbind);
    CHECK(unbind->id() == command_id::unbind);
}

TEST_CASE("session: unbind from the ESME side closes both gracefully") {
    Loop loop;
    Smsc smsc(loop);
    auto h = std::make_shared<Recorder>();
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver);
    bool done = false;
    s->unbind([&] { done = true; });
    Outcome refused;
    s->send_request(submit_sm(), refused.handler());
    REQUIRE(loop.run_until([&] { return refused.done; }));
    CHECK(refused.ec == make_error_code(session_errc::not_bound));
    REQUIRE(loop.run_until([&] { return done && smsc.handler->closed; }));
    CHECK(*h->closed == close_reason::unbind_by_us);
    CHECK(*smsc.handler->closed == close_reason::unbind_by_peer);
    CHECK(s->state() == session_state::closed);
}

TEST_CASE("session: unbind from the SMSC side closes both gracefully") {
    Loop loop;
    Smsc smsc(loop);
    auto h = std::make_shared<Recorder>();
    auto s = bound_esme(loop, smsc, h, bind_type::receiver);
    bool done = false;
    smsc.session()->unbind([&] { done = true; });
    REQUIRE(loop.run_until([&] { return done && h->closed; }));
    CHECK(*smsc.handler->closed == close_reason::unbind_by_us);
    CHECK(*h->closed == close_reason::unbind_by_peer);
}

TEST_CASE("session: an unbind from the peer is answered after the requests it is owed") {
    // An ESME that submits and unbinds at once: its submit_sm is being stored
    // when the unbind comes. Answering unbind first closed the session before
    // the submit_sm_resp, so a message was stored and sent that the ESME
    // never saw acknowledged, and would submit again.
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto raw = raw_bound(loop, smsc);
    raw.send(concat({encode(Pdu{command_status::ESME_ROK, 2, submit_sm()}),
                     frame(command_id::unbind, command_status::ESME_ROK, 3)}));
    REQUIRE(loop.run_until([&] { return smsc.handler->requests.size() == 1; }));
    loop.run_for(30ms);  // the ledger's group commit
    REQUIRE_FALSE(smsc.handler->closed);
    auto resp = smpp::protocol::make_response(command_id::submit_sm, 2);
    resp.as<smpp::protocol::SubmitSmResp>()->message_id = "stored";
    smsc.handler->session->respond(std::move(resp));
    auto first = raw.read_pdu(loop);
    REQUIRE(first);
    CHECK(first->id() == command_id::submit_sm_resp);
    CHECK(first->sequence_number == 2);
    CHECK(raw.read_frame(loop) == frame(command_id::unbind_resp, command_status::ESME_ROK, 3));
    REQUIRE(loop.run_until([&] { return smsc.handler->closed.has_value(); }));
    CHECK(*smsc.handler->closed == close_reason::unbind_by_peer);
}

TEST_CASE("session: a request never answered holds the peer's unbind only unbind_timeout") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto raw = raw_bound(loop, smsc);
    raw.send(concat({encode(Pdu{command_status::ESME_ROK, 2, submit_sm()}),
                     frame(command_id::unbind, command_status::ESME_ROK, 3)}));
    const auto sent = std::chrono::steady_clock::now();
    CHECK(raw.read_frame(loop) == frame(command_id::unbind_resp, command_status::ESME_ROK, 3));
    CHECK(std::chrono::steady_clock::now() - sent >= 150ms);  // unbind_timeout is 200 ms
    REQUIRE(loop.run_until([&] { return smsc.handler->closed.has_value(); }));
}

TEST_CASE("session: our unbind waits for the answers we owe; the peer's for the answers it owes us") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto raw = raw_bound(loop, smsc);
    raw.send(encode(Pdu{command_status::ESME_ROK, 2, submit_sm()}));
    REQUIRE(loop.run_until([&] { return smsc.handler->requests.size() == 1; }));
    auto ours = smsc.session();
    bool unbound = false;
    ours->unbind([&] { unbound = true; });
    loop.run_for(30ms);
    ours->respond(smpp::protocol::make_response(command_id::submit_sm, 2));
    auto first = raw.read_pdu(loop);
    REQUIRE(first);
    CHECK(first->id() == command_id::submit_sm_resp);
    auto unbind = raw.read_pdu(loop);
    REQUIRE(unbind);
    CHECK(unbind->id() == command_id::unbind);
    raw.send(frame(command_id::unbind_resp, command_status::ESME_ROK, unbind->sequence_number));
    REQUIRE(loop.run_until([&] { return unbound; }));

    // ESME side: the SMSC unbinds while our submit_sm waits for its answer,
    // then answers it. The answer is read (before, reading stopped at the
    // unbind and the submit ended session_closed: in doubt).
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto esme = connect_esme(loop, server.port(), h);
    auto peer = server.accept(loop);
    Outcome bound;
    esme->bind(bind_request(bind_type::transmitter), bound.handler());
    auto bind = peer.read_pdu(loop);
    REQUIRE(bind);
    peer.send(frame(command_id::bind_transmitter_resp, command_status::ESME_ROK, bind->sequence_number, cstr("x")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    Outcome submitted;
    esme->send_request(submit_sm(), submitted.handler());
    auto submit = peer.read_pdu(loop);
    REQUIRE(submit);
    peer.send(concat({frame(command_id::unbind, command_status::ESME_ROK, 77),
                      frame(command_id::submit_sm_resp, command_status::ESME_ROK, submit->sequence_number, cstr("c-1"))}));
    REQUIRE(loop.run_until([&] { return submitted.done; }));
    CHECK_FALSE(submitted.ec);
    CHECK(submitted.pdu.status == command_status::ESME_ROK);
    CHECK(peer.read_frame(loop) == frame(command_id::unbind_resp, command_status::ESME_ROK, 77));
    REQUIRE(loop.run_until([&] { return h->closed.has_value(); }));
    CHECK(*h->closed == close_reason::unbind_by_peer);
}

TEST_CASE("session: an unbind without unbind_resp closes unbind_timeout") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto s = connect_esme(loop, server.port(), h);
    auto raw = server.accept(loop);
    Outcome bound;
    s->bind(bind_request(bind_type::transmitter), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    raw.send(frame(command_id::bind_transmitter_resp, command_status::ESME_ROK, bind->sequence_number, cstr("x")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    s->unbind();
    CHECK(raw.read_frame(loop) == frame(command_id::unbind, command_status::ESME_ROK, bind->sequence_number + 1));
    REQUIRE(loop.run_until([&] { return h->closed.has_value(); }));
    CHECK(*h->closed == close_reason::unbind_timeout);
}

TEST_CASE("session: command_length above the maximum gets generic_nack ESME_RINVCMDLEN, then close") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = RawPeer::connect(smsc.port());
    Bytes header;
    put32(header, 0x00100000);  // 1 MiB > 64 KiB
    put32(header, static_cast<std::uint32_t>(command_id::submit_sm));
    put32(header, 0);
    put32(header, 7);
    raw.send(header);
    CHECK(raw.read_frame(loop) == frame(command_id::generic_nack, command_status::ESME_RINVCMDLEN, 7));
    CHECK(raw.wait_eof(loop));
    REQUIRE(loop.run_until([&] { return smsc.handler->closed.has_value(); }));
    CHECK(*smsc.handler->closed == close_reason::frame_too_long);
}

TEST_CASE("session: command_length 8 gets generic_nack ESME_RINVCMDLEN, then close") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = RawPeer::connect(smsc.port());
    Bytes header;
    put32(header, 8);
    put32(header, static_cast<std::uint32_t>(command_id::enquire_link));
    put32(header, 0);
    put32(header, 9);
    raw.send(header);
    CHECK(raw.read_frame(loop) == frame(command_id::generic_nack, command_status::ESME_RINVCMDLEN, 9));
    CHECK(raw.wait_eof(loop));
    REQUIRE(loop.run_until([&] { return smsc.handler->closed.has_value(); }));
    CHECK(*smsc.handler->closed == close_reason::frame_too_short);
}

TEST_CASE("session: an unknown command_id gets generic_nack ESME_RINVCMDID and the session goes on") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = raw_bound(loop, smsc);
    raw.send(frame(0x00000099, 0, 11, Bytes{1, 2, 3}));
    CHECK(raw.read_frame(loop) == frame(command_id::generic_nack, command_status::ESME_RINVCMDID, 11));
    raw.send(encode(Pdu{command_status::ESME_ROK, 12, submit_sm()}));
    CHECK(raw.read_frame(loop) == frame(command_id::submit_sm_resp, command_status::ESME_ROK, 12, cstr("id-1")));
    CHECK(smsc.session()->state() == session_state::bound_trx);
    CHECK(smsc.session()->counters().generic_nacks_sent == 1);
}

TEST_CASE("session: a malformed submit_sm gets submit_sm_resp with the decoder's status and the session goes on") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = raw_bound(loop, smsc);
    // source_addr runs past its 21 octets without a NUL.
    const Bytes body = concat({cstr(""), Bytes{1, 1}, Bytes(30, '9'), Bytes{0}});
    const auto bad = frame(command_id::submit_sm, command_status::ESME_ROK, 21, body);
    auto verdict = smpp::protocol::decode(bad);
    REQUIRE(std::holds_alternative<smpp::protocol::DecodeError>(verdict));
    const auto status = std::get<smpp::protocol::DecodeError>(verdict).status;
    CHECK(status == command_status::ESME_RINVSRCADR);
    raw.send(bad);
    CHECK(raw.read_frame(loop) == frame(command_id::submit_sm_resp, status, 21));
    raw.send(encode(Pdu{command_status::ESME_ROK, 22, submit_sm()}));
    CHECK(raw.read_frame(loop) == frame(command_id::submit_sm_resp, command_status::ESME_ROK, 22, cstr("id-1")));
    CHECK(smsc.session()->counters().decode_errors == 1);
    CHECK(smsc.handler->requests.size() == 1);
}

TEST_CASE("session: a response that cannot be decoded completes its request with the decoder's status") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto s = connect_esme(loop, server.port(), h);
    auto raw = server.accept(loop);
    Outcome bound;
    s->bind(bind_request(bind_type::transmitter), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    raw.send(frame(command_id::bind_transmitter_resp, command_status::ESME_ROK, bind->sequence_number, cstr("x")));
    REQUIRE(loop.run_until([&] { return bound.done; }));
    Outcome out;
    s->send_request(submit_sm(), out.handler());
    auto req = raw.read_pdu(loop);
    REQUIRE(req);
    // message_id of 70 octets without a NUL.
    const auto bad = frame(command_id::submit_sm_resp, command_status::ESME_ROK, req->sequence_number, Bytes(70, 'a'));
    auto verdict = smpp::protocol::decode(bad);
    REQUIRE(std::holds_alternative<smpp::protocol::DecodeError>(verdict));
    raw.send(bad);
    REQUIRE(loop.run_until([&] { return out.done; }));
    CHECK(out.ec == make_error_code(std::get<smpp::protocol::DecodeError>(verdict).status));
    CHECK(s->state() == session_state::bound_tx);
}

TEST_CASE("session: a connection that does not bind in time is closed bind_timeout") {
    Loop loop;
    auto settings = fast_settings("smsc");
    settings.bind_timeout = 100ms;
    Smsc smsc(loop, settings);
    auto raw = RawPeer::connect(smsc.port());
    CHECK(raw.wait_eof(loop));
    REQUIRE(loop.run_until([&] { return smsc.handler->closed.has_value(); }));
    CHECK(*smsc.handler->closed == close_reason::bind_timeout);
}

TEST_CASE("session: outbind makes the ESME bind as receiver with the handler's credentials") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    h->outbind_credentials = bind_request(bind_type::transmitter, "outuser", "outpw");  // type forced to receiver
    auto s = connect_esme(loop, server.port(), h);
    auto raw = server.accept(loop);
    raw.send(frame(command_id::outbind, command_status::ESME_ROK, 1, concat({cstr("smscid"), cstr("pw")})));
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    REQUIRE(bind->as<smpp::protocol::BindReceiver>());
    CHECK(bind->as<smpp::protocol::BindReceiver>()->system_id == "outuser");
    CHECK(bind->as<smpp::protocol::BindReceiver>()->password == "outpw");
    CHECK(s->state() == session_state::outbound);
    raw.send(frame(command_id::bind_receiver_resp, command_status::ESME_ROK, bind->sequence_number, cstr("smscid")));
    REQUIRE(loop.run_until([&] { return h->bound == 1; }));
    CHECK(s->state() == session_state::bound_rx);
    CHECK(s->peer_system_id() == "smscid");
}

TEST_CASE("session: an outbind the handler refuses closes the session") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto s = connect_esme(loop, server.port(), h);
    auto raw = server.accept(loop);
    raw.send(frame(command_id::outbind, command_status::ESME_ROK, 1, concat({cstr("smscid"), cstr("pw")})));
    CHECK(raw.wait_eof(loop));
    REQUIRE(h->closed);
    CHECK(*h->closed == close_reason::bind_rejected);
}

TEST_CASE("session: close fails requests on the wire with session_closed, those never written with not_bound, "
          "before on_closed") {
    Loop loop;
    Smsc smsc(loop);
    smsc.handler->answer_requests = false;
    auto h = std::make_shared<Recorder>();
    auto s = bound_esme(loop, smsc, h, bind_type::transceiver);
    Outcome a, b;
    bool closed_seen_by_waiter = true;
    s->send_request(submit_sm(), [&](std::error_code ec, Pdu) {
        a.done = true;
        a.ec = ec;
        closed_seen_by_waiter = h->closed.has_value();
    });
    s->send_request(submit_sm(), b.handler());
    s->close();
    REQUIRE(loop.run_until([&] { return a.done && b.done && h->closed; }));
    // `a` was being written when it closed: the peer may have it (in doubt).
    // `b` waited behind that write and never left: a carrier sends it
    // elsewhere instead of calling it in doubt.
    CHECK(a.ec == make_error_code(session_errc::session_closed));
    CHECK(b.ec == make_error_code(session_errc::not_bound));
    CHECK_FALSE(closed_seen_by_waiter);
    REQUIRE(h->closed);
    CHECK(*h->closed == close_reason::local_close);
    Outcome after;
    s->send_request(submit_sm(), after.handler());
    REQUIRE(loop.run_until([&] { return after.done; }));
    CHECK(after.ec == make_error_code(session_errc::not_bound));
}

TEST_CASE("session: many pipelined requests in one read are all answered in order") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = raw_bound(loop, smsc);
    Bytes burst;
    for (std::uint32_t seq = 100; seq < 600; ++seq) {
        auto f = encode(Pdu{command_status::ESME_ROK, seq, submit_sm(std::string(100, 'x'))});
        burst.insert(burst.end(), f.begin(), f.end());
    }
    raw.send(burst);
    for (std::uint32_t seq = 100; seq < 600; ++seq) {
        auto f = raw.read_frame(loop);
        REQUIRE(f);
        REQUIRE(*f == frame(command_id::submit_sm_resp, command_status::ESME_ROK, seq, cstr("id-1")));
    }
}

TEST_CASE("session: a fresh connection's read buffer is small; a PDU longer than it is read whole") {
    Loop loop;
    Smsc smsc(loop);
    auto raw = RawPeer::connect(smsc.port());
    REQUIRE(loop.run_until([&] { return smsc.session() != nullptr; }));
    auto s = smsc.session();
    // Every connection holds one before it has bound: thousands of idle
    // ones must not take 64 KiB each.
    CHECK(s->read_buffer_capacity() <= 4 * 1024);
    raw.send(frame(command_id::bind_transceiver, command_status::ESME_ROK, 1, bind_body("raw", "pw")));
    REQUIRE(raw.read_frame(loop));

    auto big = submit_sm("");
    std::string payload(30'000, 'p');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
    big.tlvs.set_bytes(smpp::protocol::tlv_tag::message_payload, payload);
    // The long one and a short one right behind it, in one send.
    raw.send(concat({encode(Pdu{command_status::ESME_ROK, 2, big}),
                     encode(Pdu{command_status::ESME_ROK, 3, submit_sm("after")})}));
    for (std::uint32_t seq = 2; seq <= 3; ++seq) {
        auto f = raw.read_frame(loop);
        REQUIRE(f);
        CHECK(*f == frame(command_id::submit_sm_resp, command_status::ESME_ROK, seq, cstr("id-1")));
    }
    REQUIRE(smsc.handler->requests.size() == 2);
    const auto* got = smsc.handler->requests[0].as<smpp::protocol::SubmitSm>();
    REQUIRE(got);
    const auto* tlv = got->tlvs.find(smpp::protocol::tlv_tag::message_payload);
    REQUIRE(tlv);
    CHECK(tlv->value == payload);
    CHECK(smsc.handler->requests[1].as<smpp::protocol::SubmitSm>()->short_message == "after");
    CHECK(s->read_buffer_capacity() >= 30'000);
    CHECK(s->read_buffer_capacity() <= s->settings().max_command_length);
}

TEST_CASE("session: no bind_*_resp in time fails the bind and closes bind_timeout") {
    Loop loop;
    RawServer server;
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.bind_timeout = 100ms;
    auto s = connect_esme(loop, server.port(), h, settings);
    auto raw = server.accept(loop);
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    REQUIRE(loop.run_until([&] { return bound.done && h->closed; }));
    CHECK(bound.ec == make_error_code(session_errc::response_timeout));
    CHECK(*h->closed == close_reason::bind_timeout);
    CHECK(raw.wait_eof(loop));
}

TEST_CASE("session: a peer that does not read pauses our reading and refuses requests with write_queue_full") {
    Loop loop;
    RawServer server(16 * 1024);
    auto h = std::make_shared<Recorder>();
    auto settings = fast_settings("esme");
    settings.window = 200'000;
    settings.response_timeout = 10s;
    settings.write_queue_limit = 64 * 1024;
    auto s = connect_esme(loop, server.port(), h, settings, 16 * 1024);
    auto raw = server.accept(loop);
    Outcome bound;
    s->bind(bind_request(bind_type::transceiver), bound.handler());
    auto bind = raw.read_pdu(loop);
    REQUIRE(bind);
    raw.send(frame(command_id::bind_transceiver_resp, command_status::ESME_ROK, bind->sequence_number, cstr("x")));
    REQUIRE(loop.run_until([&] { return bound.done; }));

    // Fill the socket buffers and our queue; the raw peer reads nothing.
    int queue_full = 0, sent = 0;
    auto keep_sending = [&] {
        for (int i = 0; i < 200 && sent < 150'000; ++i, ++sent)
            s->send_request(submit_sm(std::string(200, 'q')), [&](std::error_code ec, Pdu) {
                if (ec == make_error_code(session_errc::write_queue_full)) ++queue_full;
            });
    };
    REQUIRE(loop.run_until(
        [&] {
            keep_sending();
            return queue_full > 0;
        },
        5s));
    CHECK(s->state() == session_state::bound_trx);

    // Once a read completes with the queue above its limit, no read follows
    // until the peer drains the queue: of ten enquire_links, the last ones
    // stay unread. Requests keep coming so the queue stays full.
    for (std::uint32_t i = 0; i < 10; ++i) {
        raw.send(frame(command_id::enquire_link, command_status::ESME_ROK, 0x7000 + i));
        loop.run_until([&] { return keep_sending(), false; }, 20ms);
    }
    CHECK(s->counters().pdus_in < 11);
    // Draining makes it read again and answer every one.
    std::uint32_t last_answered = 0;
    for (int i = 0; i < 200'000 && last_answered != 0x7009; ++i) {
        auto f = raw.read_frame(loop, 2s);
        REQUIRE(f);
        const auto h2 = smpp::protocol::read_header(std::span<const std::uint8_t, 16>(f->data(), 16));
        if (h2.command_id == static_cast<std::uint32_t>(command_id::enquire_link_resp)) last_answered = h2.sequence_number;
    }
    CHECK(last_answered == 0x7009);
    CHECK(s->counters().pdus_in == 11);
}
