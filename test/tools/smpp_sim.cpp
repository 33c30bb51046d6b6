// smpp-sim's carriers in-process, driven by our own ESME sessions over
// 127.0.0.1: binds, message IDs, receipts, faults, MO and recording.
#include <regex>

#include <catch2/catch.hpp>

#include "smpp/session/session_error.hpp"
#include "test/tools/sim_fixture.hpp"
#include "tools/smpp-sim/control_port.hpp"

using namespace smpp::sim;
using namespace smpp::sim::test;
using smpp::protocol::message_state;
using smpp::protocol::tlv_tag;
using smpp::session::bind_type;
using smpp::session::session_errc;

namespace {

smpp::protocol::SubmitSm wants_receipt(std::string text = "hello") {
    auto sm = submit_sm(std::move(text));
    sm.registered_delivery = 1;
    return sm;
}

const std::regex appendix_b(
    "id:(\\S+) sub:001 dlvrd:(\\d{3}) submit date:\\d{10} done date:\\d{10} stat:([A-Z]{7}) err:(\\d{3}) text:(.*)");

}  // namespace

TEST_CASE("smpp_sim: binds are checked against the configured credentials", "[tools][smpp-sim]") {
    SimFixture f(sim_settings());
    struct Case {
        std::string system_id, password;
        command_status want;
    };
    for (const auto& c : {Case{"esme1", "wrong", command_status::ESME_RINVPASWD},
                          Case{"nobody", "secret", command_status::ESME_RINVSYSID},
                          Case{"esme1", "secret", command_status::ESME_ROK}}) {
        INFO(c.system_id << "/" << c.password);
        auto s = connect_esme(f.loop, f.carrier->port(), std::make_shared<Recorder>());
        Outcome out;
        s->bind(bind_request(bind_type::transceiver, c.system_id, c.password), out.handler());
        REQUIRE(f.loop.run_until([&] { return out.done; }));
        CHECK(out.pdu.status == c.want);
        s->close();
    }
    f.loop.run_for(20ms);
    auto st = f.carrier->stats();
    CHECK(st.binds_refused == 2);
    CHECK(st.binds_total == 1);
}

TEST_CASE("smpp_sim: submit_sm_resp carries the sim's ID, the receipt follows after the delay",
          "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.message_id = {id_base::hex, 10, id_case::upper};
    settings.receipt_message_id = {id_base::decimal, 0, id_case::lower};
    settings.first_message_id = 3054;
    settings.receipt_delay = 80ms;
    SimFixture f(settings);
    auto esme = std::make_shared<Recorder>();
    auto s = f.bind(esme);

    const auto sent_at = std::chrono::steady_clock::now();
    Outcome out;
    s->send_request(wants_receipt("Hello from the simulator, longer than twenty"), out.handler());
    REQUIRE(f.loop.run_until([&] { return out.done; }));
    REQUIRE(out.pdu.status == command_status::ESME_ROK);
    CHECK(out.pdu.as<smpp::protocol::SubmitSmResp>()->message_id == "0000000BEE");

    REQUIRE(f.loop.run_until([&] { return !SimFixture::deliver_sms(*esme).empty(); }));
    CHECK(std::chrono::steady_clock::now() - sent_at >= 80ms);
    auto d = SimFixture::deliver_sms(*esme).front();
    CHECK(d.esm_class == smpp::protocol::esm_class::delivery_receipt);
    CHECK(d.source == submit_sm().dest);  // from the handset back to the sender
    CHECK(d.dest == submit_sm().source);
    std::smatch m;
    REQUIRE(std::regex_match(d.short_message, m, appendix_b));
    CHECK(m[1] == "3054");
    CHECK(m[2] == "001");
    CHECK(m[3] == "DELIVRD");
    CHECK(m[4] == "000");
    CHECK(m[5] == "Hello from the simul");
    CHECK(d.tlvs.receipted_message_id() == "3054");
    CHECK(d.tlvs.message_state() == message_state::delivered);
    // The ESME answered it.
    f.loop.run_until([&] { return f.carrier->stats().receipts_sent == 1; });
    CHECK(f.carrier->stats().receipts_failed == 0);
    s->close();
}

TEST_CASE("smpp_sim: receipt modes text and tlv, and no receipt unless asked", "[tools][smpp-sim]") {
    for (auto mode : {receipt_mode::text, receipt_mode::tlv}) {
        auto settings = sim_settings();
        settings.receipts = mode;
        settings.final_status = {{message_state::undeliverable, 1.0}};
        SimFixture f(settings);
        auto esme = std::make_shared<Recorder>();
        auto s = f.bind(esme);
        f.submit_many(s, 1, submit_sm("no receipt wanted"));
        f.submit_many(s, 1, wants_receipt());
        REQUIRE(f.loop.run_until([&] { return !SimFixture::deliver_sms(*esme).empty(); }));
        f.loop.run_for(100ms);
        auto ds = SimFixture::deliver_sms(*esme);
        REQUIRE(ds.size() == 1);
        if (mode == receipt_mode::text) {
            std::smatch m;
            REQUIRE(std::regex_match(ds[0].short_message, m, appendix_b));
            CHECK(m[1] == "2");  // hex of message number 2
            CHECK(m[3] == "UNDELIV");
            CHECK(m[2] == "000");
            CHECK(ds[0].tlvs.empty());
        } else {
            CHECK(ds[0].short_message.empty());
            CHECK(ds[0].tlvs.receipted_message_id() == "2");
            CHECK(ds[0].tlvs.message_state() == message_state::undeliverable);
        }
        s->close();
    }
}

TEST_CASE("smpp_sim: receipt on the other bind (transmitter + receiver)", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.receipt_on = receipt_route::other;
    SimFixture f(settings);
    auto tx_h = std::make_shared<Recorder>();
    auto rx_h = std::make_shared<Recorder>();
    auto tx = f.client(tx_h, bind_type::transmitter);
    auto rx = f.client(rx_h, bind_type::receiver);
    CHECK(f.carrier->stats().binds == 2);

    auto outs = f.submit_many(tx->session(), 3, wants_receipt());
    for (const auto& o : outs) CHECK(o.pdu.status == command_status::ESME_ROK);
    REQUIRE(f.loop.run_until([&] { return SimFixture::deliver_sms(*rx_h).size() == 3; }));
    CHECK(SimFixture::deliver_sms(*tx_h).empty());
    std::vector<std::string> ids;
    for (const auto& d : SimFixture::deliver_sms(*rx_h)) ids.emplace_back(*d.tlvs.receipted_message_id());
    CHECK(ids == std::vector<std::string>{"1", "2", "3"});
    f.stop(tx);
    f.stop(rx);
}

TEST_CASE("smpp_sim: receipt 'other' skips the submitting transceiver", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.receipt_on = receipt_route::other;
    SimFixture f(settings);
    auto trx_h = std::make_shared<Recorder>();
    auto rx_h = std::make_shared<Recorder>();
    auto trx = f.bind(trx_h);
    auto rx = f.bind(rx_h, bind_type::receiver);
    f.submit_many(trx, 2, wants_receipt());
    REQUIRE(f.loop.run_until([&] { return SimFixture::deliver_sms(*rx_h).size() == 2; }));
    f.loop.run_for(50ms);
    CHECK(SimFixture::deliver_sms(*trx_h).empty());
    trx->close();
    rx->close();
}

TEST_CASE("smpp_sim: submit_status fraction is deterministic for a seed", "[tools][smpp-sim]") {
    auto count_throttled = [](std::uint64_t seed) {
        auto settings = sim_settings();
        settings.seed = seed;
        settings.faults.submit_status = command_status::ESME_RTHROTTLED;
        settings.faults.submit_status_fraction = 0.1;
        SimFixture f(settings);
        auto s = f.bind(std::make_shared<Recorder>());
        auto outs = f.submit_many(s, 1000);
        std::size_t throttled = 0;
        for (const auto& o : outs) {
            REQUIRE(!o.ec);
            if (o.pdu.status == command_status::ESME_RTHROTTLED) {
                ++throttled;
                CHECK(o.pdu.as<smpp::protocol::SubmitSmResp>()->message_id.empty());
            } else {
                CHECK(o.pdu.status == command_status::ESME_ROK);
            }
        }
        auto st = f.carrier->stats();
        CHECK(st.submits == 1000);
        CHECK(st.resps[0x58] == throttled);
        CHECK(st.resps[0] == 1000 - throttled);
        s->close();
        return throttled;
    };
    const auto first = count_throttled(7);
    CHECK(first >= 70);
    CHECK(first <= 130);
    CHECK(count_throttled(7) == first);  // same seed, same choices
}

TEST_CASE("smpp_sim: no_response leaves a fraction unanswered", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.faults.no_response = 0.5;
    SimFixture f(settings);
    auto s = f.bind(std::make_shared<Recorder>());
    auto outs = f.submit_many(s, 20);
    std::size_t timeouts = 0;
    for (const auto& o : outs) {
        if (o.ec == session_errc::response_timeout) ++timeouts;
        else CHECK(o.pdu.status == command_status::ESME_ROK);
    }
    auto st = f.carrier->stats();
    CHECK(st.no_response == timeouts);
    CHECK(timeouts > 0);
    CHECK(timeouts < 20);
    std::size_t unanswered = 0;
    for (const auto& r : f.carrier->received(100)) unanswered += r.answered ? 0 : 1;
    CHECK(unanswered == timeouts);
    s->close();
}

TEST_CASE("smpp_sim: latency delays every submit_sm_resp", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.faults.latency = 60ms;
    SimFixture f(settings);
    auto s = f.bind(std::make_shared<Recorder>());
    const auto t0 = std::chrono::steady_clock::now();
    auto outs = f.submit_many(s, 5);
    CHECK(std::chrono::steady_clock::now() - t0 >= 60ms);
    for (const auto& o : outs) CHECK(o.pdu.status == command_status::ESME_ROK);
    s->close();
}

TEST_CASE("smpp_sim: disconnect_after N answers N and closes on the next", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.faults.disconnect_after = 3;
    SimFixture f(settings);
    auto h = std::make_shared<Recorder>();
    auto s = f.bind(h);
    std::vector<Outcome> outs(5);
    for (auto& o : outs) {
        s->send_request(submit_sm(), o.handler());
        REQUIRE(f.loop.run_until([&] { return o.done; }));
    }
    for (int k = 0; k < 3; ++k) CHECK(outs[k].pdu.status == command_status::ESME_ROK);
    CHECK(outs[3].ec == session_errc::session_closed);
    REQUIRE(h->closed);
    CHECK(*h->closed == smpp::session::close_reason::peer_closed);
    CHECK(f.carrier->stats().disconnects == 1);
    // A fresh bind starts counting again.
    auto again = f.bind(std::make_shared<Recorder>());
    CHECK(f.submit_many(again, 3)[2].pdu.status == command_status::ESME_ROK);
    again->close();
}

TEST_CASE("smpp_sim: refuse_binds, and the control port switches it", "[tools][smpp-sim]") {
    SimFixture f(sim_settings("c1"));
    Carriers all{f.carrier};
    CHECK(execute_control_line(all, "fault c1 refuse_binds on").text == "ok refuse_binds=on\n");
    auto s = connect_esme(f.loop, f.carrier->port(), std::make_shared<Recorder>());
    Outcome out;
    s->bind(bind_request(bind_type::transceiver), out.handler());
    REQUIRE(f.loop.run_until([&] { return out.done; }));
    CHECK(out.pdu.status == command_status::ESME_RBINDFAIL);
    s->close();
    CHECK(execute_control_line(all, "clear c1").text == "ok\n");
    f.bind(std::make_shared<Recorder>())->close();
}

TEST_CASE("smpp_sim: receipts duplicated, dropped, or before the submit_sm_resp", "[tools][smpp-sim]") {
    SECTION("duplicate") {
        auto settings = sim_settings();
        settings.faults.receipts.duplicate = 1;
        SimFixture f(settings);
        auto h = std::make_shared<Recorder>();
        auto s = f.bind(h);
        f.submit_many(s, 2, wants_receipt());
        REQUIRE(f.loop.run_until([&] { return SimFixture::deliver_sms(*h).size() == 4; }));
        f.loop.run_for(100ms);
        std::vector<std::string> ids;
        for (const auto& d : SimFixture::deliver_sms(*h)) ids.emplace_back(*d.tlvs.receipted_message_id());
        CHECK(ids == std::vector<std::string>{"1", "1", "2", "2"});
        CHECK(f.carrier->stats().receipts_duplicated == 2);
        s->close();
    }
    SECTION("drop") {
        auto settings = sim_settings();
        settings.faults.receipts.drop = 1;
        SimFixture f(settings);
        auto h = std::make_shared<Recorder>();
        auto s = f.bind(h);
        f.submit_many(s, 3, wants_receipt());
        f.loop.run_for(250ms);  // five receipt delays
        CHECK(SimFixture::deliver_sms(*h).empty());
        auto st = f.carrier->stats();
        CHECK(st.receipts_dropped == 3);
        CHECK(st.receipts_sent == 0);
        CHECK(st.receipts_pending == 0);
        s->close();
    }
    SECTION("before_resp") {
        auto settings = sim_settings();
        settings.faults.receipts.before_resp = true;
        SimFixture f(settings);
        struct Ordered : Recorder {
            std::vector<std::string>* events = nullptr;
            void on_request(smpp::session::Session& s, Pdu&& p) override {
                events->push_back("deliver_sm");
                Recorder::on_request(s, std::move(p));
            }
        };
        std::vector<std::string> events;
        auto h = std::make_shared<Ordered>();
        h->events = &events;
        auto s = f.bind(h);
        bool done = false;
        s->send_request(wants_receipt(), [&](std::error_code, Pdu p) {
            events.push_back("submit_sm_resp " + p.as<smpp::protocol::SubmitSmResp>()->message_id);
            done = true;
        });
        REQUIRE(f.loop.run_until([&] { return done; }));
        CHECK(events == std::vector<std::string>{"deliver_sm", "submit_sm_resp 1"});
        s->close();
    }
}

TEST_CASE("smpp_sim: reorder lets later receipts overtake earlier ones", "[tools][smpp-sim]") {
    auto settings = sim_settings();
    settings.faults.receipts.reorder = true;
    settings.receipt_delay = 20ms;
    settings.receipt_message_id = {id_base::decimal, 0, id_case::lower};
    SimFixture f(settings);
    auto h = std::make_shared<Recorder>();
    auto s = f.bind(h);
    f.submit_many(s, 20, wants_receipt());
    REQUIRE(f.loop.run_until([&] { return SimFixture::deliver_sms(*h).size() == 20; }));
    std::vector<std::string> ids, sorted;
    for (const auto& d : SimFixture::deliver_sms(*h)) ids.emplace_back(*d.tlvs.receipted_message_id());
    for (int k = 1; k <= 20; ++k) sorted.push_back(std::to_string(k));
    CHECK(ids != sorted);
    std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return std::stoi(a) < std::stoi(b); });
    CHECK(ids == sorted);  // all there, none twice
    s->close();
}

TEST_CASE("smpp_sim: mobile-originated deliver_sm", "[tools][smpp-sim]") {
    SimFixture f(sim_settings("c1"));
    Carriers all{f.carrier};
    CHECK(execute_control_line(all, "mo c1 4915112345678 12345 STOP please").text == "error no receiver bind on c1\n");
    auto rx_h = std::make_shared<Recorder>();
    auto rx = f.client(rx_h, bind_type::receiver);
    CHECK(execute_control_line(all, "mo c1 4915112345678 12345 STOP please").text == "ok\n");
    REQUIRE(f.loop.run_until([&] { return SimFixture::deliver_sms(*rx_h).size() == 1; }));
    auto d = SimFixture::deliver_sms(*rx_h).front();
    CHECK(d.esm_class == 0);
    CHECK(d.source.addr == "4915112345678");
    CHECK(d.dest.addr == "12345");
    CHECK(d.short_message == "STOP please");
    CHECK(f.carrier->stats().mo_sent == 1);
    f.stop(rx);
}

TEST_CASE("smpp_sim: records what it received", "[tools][smpp-sim]") {
    auto settings = sim_settings("c1");
    settings.record_limit = 3;
    SimFixture f(settings);
    auto s = f.bind(std::make_shared<Recorder>());
    for (int k = 1; k <= 5; ++k) {
        auto sm = submit_sm("m" + std::to_string(k));
        sm.data_coding = 8;
        sm.tlvs.set_u16(tlv_tag::user_message_reference, static_cast<std::uint16_t>(k));
        f.submit_many(s, 1, sm);
    }
    auto recs = f.carrier->received(10);
    REQUIRE(recs.size() == 3);  // the ring keeps the last three
    CHECK(recs[0].short_message == "m3");
    CHECK(recs[2].short_message == "m5");
    CHECK(recs[2].message_id == "5");
    CHECK(recs[2].data_coding == 8);
    CHECK(recs[2].dest.addr == "4915112345678");
    CHECK(recs[2].tlv_tags == std::vector<std::uint16_t>{0x0204});

    Carriers all{f.carrier};
    auto a = execute_control_line(all, "received c1 1").text;
    CHECK(a.rfind("ok 1\n", 0) == 0);
    const auto json = a.substr(5);
    CHECK(json.find("\"source\":{\"ton\":1,\"npi\":1,\"addr\":\"12345\"}") != std::string::npos);
    CHECK(json.find("\"data_coding\":8") != std::string::npos);
    CHECK(json.find("\"short_message\":\"6d35\"") != std::string::npos);
    CHECK(json.find("\"tlv_tags\":[\"0x0204\"]") != std::string::npos);
    CHECK(json.find("\"message_id\":\"5\"") != std::string::npos);
    CHECK(json.back() == '\n');
    s->close();
}
