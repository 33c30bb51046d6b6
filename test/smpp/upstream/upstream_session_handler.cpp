#include "smpp/upstream/upstream_session_handler.hpp"

#include <catch2/catch.hpp>

using smpp::protocol::command_id;
using smpp::protocol::command_status;
using smpp::upstream::UpstreamSessionHandler;

// Invariant 1 while no ledger exists: every message request gets an error
// status of its own kind, never ESME_ROK.
TEST_CASE("message requests are refused with their own failure status", "[upstream][handler]") {
    CHECK(UpstreamSessionHandler::refusal(command_id::submit_sm) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::submit_multi) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::data_sm) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::query_sm) == command_status::ESME_RQUERYFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::cancel_sm) == command_status::ESME_RCANCELFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::replace_sm) == command_status::ESME_RREPLACEFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::deliver_sm) == command_status::ESME_RSYSERR);
}

// ---------------------------------------------------------------------------
// Over loopback: a Client binds to a Listener whose handler is the upstream
// handler, with a frozen clock so the TPS bucket never refills mid-test.

#include <atomic>
#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "smpp/session/client.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/upstream/data_sm_intake.hpp"
#include "smpp/upstream/password_hash.hpp"

namespace {

using namespace smpp;
using namespace std::chrono_literals;

const std::string& acme_hash() {
    static const std::string h = *upstream::hash_password("acmepw");
    return h;
}

// Answers submit_sm with ESME_ROK and message_id "m<n>"; query_sm with a
// fixed state when `answer_queries`, else the MessageSink default.
class FakeSink : public upstream::MessageSink {
public:
    bool answer_queries = true;
    bool take_data_sm = true;
    std::vector<std::string> query_accounts;
    std::vector<protocol::SubmitSm> submitted;

    // How a sink takes data_sm: as the submit_sm it means, answered as data_sm_resp.
    void data_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override {
        if (!take_data_sm) return MessageSink::data_sm(std::move(s), std::move(account), std::move(request));
        auto sm = upstream::submit_sm_from(*request.as<protocol::DataSm>());
        if (auto* refused = std::get_if<protocol::command_status>(&sm))
            return s->respond(protocol::make_response(protocol::command_id::data_sm, request.sequence_number, *refused));
        submitted.push_back(std::get<protocol::SubmitSm>(sm));
        protocol::Pdu resp{protocol::command_status::ESME_ROK, request.sequence_number,
                           protocol::SubmitSmResp{"m" + std::to_string(++submits_)}};
        s->respond(upstream::data_sm_resp_from(std::move(resp)));
    }

    void submit_sm(std::shared_ptr<session::Session> s, std::string, protocol::Pdu&& request) override {
        protocol::Pdu resp{protocol::command_status::ESME_ROK, request.sequence_number,
                           protocol::SubmitSmResp{"m" + std::to_string(++submits_)}};
        s->respond(std::move(resp));
    }
    // Answers ESME_ROK and remembers how many destinations the TPS admitted.
    std::vector<std::size_t> multi_admitted;
    void submit_multi(std::shared_ptr<session::Session> s, std::string, protocol::Pdu&& request,
                      std::size_t admitted) override {
        multi_admitted.push_back(admitted);
        protocol::SubmitMultiResp body;
        body.message_id = "m" + std::to_string(++submits_);
        s->respond(protocol::Pdu{protocol::command_status::ESME_ROK, request.sequence_number, body});
    }
    void query_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) override {
        if (!answer_queries) return MessageSink::query_sm(std::move(s), std::move(account), std::move(request));
        query_accounts.push_back(account);
        protocol::QuerySmResp body;
        body.message_id = request.as<protocol::QuerySm>()->message_id;
        body.message_state = 2;
        s->respond(protocol::Pdu{protocol::command_status::ESME_ROK, request.sequence_number, body});
    }

private:
    int submits_ = 0;
};

struct HandlerRig {
    boost::asio::io_context ioc;
    upstream::Authenticator authenticator;
    FakeSink sink;
    std::shared_ptr<session::Listener> listener;
    std::shared_ptr<session::Client> client;

    explicit HandlerRig(std::uint32_t tps, std::optional<std::uint32_t> query_tps = std::nullopt)
        : authenticator(make_accounts(tps, query_tps), 16, [] { return upstream::Authenticator::clock::time_point{} + 1h; }) {
        session::SessionSettings s;
        s.system_id = "smpp-connector";
        s.enquire_link_interval = 0ms;
        s.unbind_timeout = 200ms;
        listener = session::Listener::create(ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
                                             [this](const boost::asio::ip::tcp::endpoint&) {
                                                 return std::make_shared<upstream::UpstreamSessionHandler>(
                                                     authenticator, &sink);
                                             });
        listener->start();
        session::ClientSettings cs;
        cs.endpoints = {{"127.0.0.1", listener->local_endpoint().port()}};
        cs.bind.type = session::bind_type::transceiver;
        cs.bind.system_id = "acme";
        cs.bind.password = "acmepw";
        cs.session.system_id = "esme";
        cs.session.enquire_link_interval = 0ms;
        cs.session.unbind_timeout = 200ms;
        cs.backoff = {20ms, 100ms, 0.0};
        cs.connect_timeout = 1s;
        client = session::Client::create(ioc.get_executor(), cs, std::make_shared<session::SessionHandler>());
        client->start();
    }
    ~HandlerRig() {
        bool done = false;
        client->stop([&] { done = true; });
        run_until([&] { return done; }, 3s);
        done = false;
        listener->stop([&] { done = true; });
        run_until([&] { return done; }, 3s);
    }

    static upstream::AccountSettings make_accounts(std::uint32_t tps, std::optional<std::uint32_t> query_tps) {
        upstream::Account a{"acme", acme_hash(), {session::bind_type::transceiver}, 2};
        a.tps = tps;
        a.query_tps = query_tps;
        return upstream::AccountSettings{{a}};
    }

    template <class Pred>
    bool run_until(Pred pred, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            ioc.run_for(1ms);
        }
        return true;
    }
    bool bound() {
        return run_until([&] {
            auto s = client->session();
            return s && s->state() == session::session_state::bound_trx;
        });
    }
    // Sends each request at once, waits for every answer; their statuses in order.
    std::vector<protocol::Pdu> exchange(std::vector<protocol::PduBody> requests) {
        std::vector<protocol::Pdu> answers(requests.size());
        std::size_t got = 0;
        auto s = client->session();
        for (std::size_t i = 0; i < requests.size(); ++i)
            s->send_request(std::move(requests[i]), [&, i](std::error_code ec, protocol::Pdu resp) {
                ++got;
                if (ec) resp.status = protocol::command_status::ESME_RUNKNOWNERR;
                answers[i] = std::move(resp);
            });
        REQUIRE(run_until([&] { return got == answers.size(); }));
        return answers;
    }
};

protocol::SubmitSm submit() {
    protocol::SubmitSm sm;
    sm.source = {1, 1, "ACME"};
    sm.dest = {1, 1, "447700900001"};
    sm.short_message = "hello";
    return sm;
}

}  // namespace

TEST_CASE("over the account's TPS limit submit_sm, data_sm and submit_multi get ESME_RTHROTTLED",
          "[upstream][handler]") {
    HandlerRig rig(3);
    REQUIRE(rig.bound());
    protocol::SubmitMulti multi;
    multi.dests = {protocol::MultiDest{protocol::MultiDest::sme_address, {1, 1, "447700900002"}, ""}};
    protocol::DataSm data;
    data.dest = {1, 1, "447700900003"};
    protocol::QuerySm query;
    query.message_id = "m1";
    auto answers = rig.exchange({submit(), submit(), submit(), submit(), data, multi, query});
    using protocol::command_status;
    CHECK(answers[0].status == command_status::ESME_ROK);
    CHECK(answers[1].status == command_status::ESME_ROK);
    CHECK(answers[2].status == command_status::ESME_ROK);
    CHECK(answers[3].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[3].id() == protocol::command_id::submit_sm_resp);
    CHECK(answers[4].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[4].id() == protocol::command_id::data_sm_resp);
    CHECK(rig.sink.submitted.empty());
    CHECK(answers[5].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[5].id() == protocol::command_id::submit_multi_resp);
    // query_sm is not a submission: the submissions' empty bucket does not
    // throttle it (it has one of its own), and it reaches the sink.
    CHECK(answers[6].status == command_status::ESME_ROK);
    REQUIRE(answers[6].as<protocol::QuerySmResp>());
    CHECK(answers[6].as<protocol::QuerySmResp>()->message_state == 2);
    CHECK(rig.sink.query_accounts == std::vector<std::string>{"acme"});
}

TEST_CASE("without a TPS limit nothing is throttled; a sink without query_sm or data_sm refuses them",
          "[upstream][handler]") {
    HandlerRig rig(0);
    rig.sink.answer_queries = false;
    rig.sink.take_data_sm = false;
    REQUIRE(rig.bound());
    protocol::QuerySm query;
    query.message_id = "m1";
    protocol::DataSm data;
    data.dest = {1, 1, "447700900003"};
    std::vector<protocol::PduBody> requests(20, protocol::PduBody{submit()});
    requests.push_back(query);
    requests.push_back(data);
    auto answers = rig.exchange(requests);
    for (std::size_t i = 0; i < 20; ++i) CHECK(answers[i].status == protocol::command_status::ESME_ROK);
    CHECK(answers[20].status == protocol::command_status::ESME_RQUERYFAIL);
    CHECK(answers[20].id() == protocol::command_id::query_sm_resp);
    CHECK(answers[21].status == protocol::command_status::ESME_RSUBMITFAIL);
    CHECK(answers[21].id() == protocol::command_id::data_sm_resp);
}

TEST_CASE("data_sm reaches the sink, which answers data_sm_resp with our message_id", "[upstream][handler]") {
    HandlerRig rig(0);
    REQUIRE(rig.bound());
    protocol::DataSm data;
    data.source = {5, 0, "ACME"};
    data.dest = {1, 1, "447700900003"};
    data.registered_delivery = 1;
    data.tlvs.append(static_cast<std::uint16_t>(protocol::tlv_tag::message_payload), "hello by data_sm");
    protocol::DataSm too_long = data;
    too_long.dest.addr = std::string(30, '4');
    auto answers = rig.exchange({data, too_long});
    CHECK(answers[0].status == protocol::command_status::ESME_ROK);
    REQUIRE(answers[0].as<protocol::DataSmResp>());
    CHECK(answers[0].as<protocol::DataSmResp>()->message_id == "m1");
    CHECK(answers[1].status == protocol::command_status::ESME_RINVDSTADR);
    CHECK(answers[1].id() == protocol::command_id::data_sm_resp);
    REQUIRE(rig.sink.submitted.size() == 1);
    CHECK(rig.sink.submitted[0].tlvs.message_payload() == "hello by data_sm");
    CHECK(rig.sink.submitted[0].registered_delivery == 1);
}

namespace {

protocol::SubmitMulti multi_to(std::size_t smes, std::size_t lists = 0) {
    protocol::SubmitMulti m;
    m.source = {1, 1, "ACME"};
    m.short_message = "to many";
    for (std::size_t i = 0; i < smes; ++i)
        m.dests.push_back(protocol::MultiDest{protocol::MultiDest::sme_address,
                                              {1, 1, "4477009000" + std::to_string(10 + i)}, ""});
    for (std::size_t i = 0; i < lists; ++i)
        m.dests.push_back(protocol::MultiDest{protocol::MultiDest::distribution_list, {}, "list" + std::to_string(i)});
    return m;
}

}  // namespace

TEST_CASE("a submit_multi takes one TPS token per SME destination", "[upstream][handler]") {
    CHECK(UpstreamSessionHandler::tokens_for(protocol::Pdu{command_status::ESME_ROK, 1, submit()}) == 1);
    CHECK(UpstreamSessionHandler::tokens_for(protocol::Pdu{command_status::ESME_ROK, 1, multi_to(7, 2)}) == 7);
    // Only lists (refused, never expanded): still one request.
    CHECK(UpstreamSessionHandler::tokens_for(protocol::Pdu{command_status::ESME_ROK, 1, multi_to(0, 2)}) == 1);

    HandlerRig rig(6);  // the clock is frozen: 6 tokens, no refill
    REQUIRE(rig.bound());
    // 1 + 3 tokens, then 2 of the next 4 destinations, then none left.
    auto answers = rig.exchange({submit(), multi_to(3, 1), multi_to(4, 1), multi_to(1), submit()});
    CHECK(answers[0].status == command_status::ESME_ROK);
    CHECK(answers[1].status == command_status::ESME_ROK);
    CHECK(answers[2].status == command_status::ESME_ROK);
    // Not even one token: the whole PDU is throttled, in the header.
    CHECK(answers[3].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[3].id() == protocol::command_id::submit_multi_resp);
    CHECK(answers[4].status == command_status::ESME_RTHROTTLED);
    CHECK(rig.sink.multi_admitted == std::vector<std::size_t>{3, 2});
}

TEST_CASE("without a TPS limit a submit_multi's destinations are all admitted", "[upstream][handler]") {
    HandlerRig rig(0);
    REQUIRE(rig.bound());
    auto answers = rig.exchange({multi_to(254)});
    CHECK(answers[0].status == command_status::ESME_ROK);
    CHECK(rig.sink.multi_admitted == std::vector<std::size_t>{upstream::MessageSink::no_tps_limit});
}

namespace {

protocol::QuerySm query(std::string id = "m1") {
    protocol::QuerySm q;
    q.message_id = std::move(id);
    return q;
}

protocol::CancelSm cancel(std::string id = "m1") {
    protocol::CancelSm c;
    c.message_id = std::move(id);
    return c;
}

protocol::ReplaceSm replace(std::string id = "m1") {
    protocol::ReplaceSm r;
    r.message_id = std::move(id);
    r.source = {1, 1, "ACME"};
    r.short_message = "new text";
    return r;
}

}  // namespace

TEST_CASE("query_sm, cancel_sm and replace_sm are throttled by a bucket of their own, the account's tps by default",
          "[upstream][handler]") {
    // Each reads or rewrites a ledger record: unlimited, one bound account
    // could keep the ledger busy for everyone with them.
    HandlerRig rig(3);  // the clock is frozen: 3 tokens in each bucket, no refill
    REQUIRE(rig.bound());
    auto answers = rig.exchange({query(), cancel(), replace(), query(), cancel(), replace(), submit()});
    using protocol::command_status;
    CHECK(answers[0].status == command_status::ESME_ROK);
    // The sink's defaults refuse these two: they were let through.
    CHECK(answers[1].status == command_status::ESME_RCANCELFAIL);
    CHECK(answers[2].status == command_status::ESME_RREPLACEFAIL);
    CHECK(answers[3].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[3].id() == protocol::command_id::query_sm_resp);
    CHECK(answers[4].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[4].id() == protocol::command_id::cancel_sm_resp);
    CHECK(answers[5].status == command_status::ESME_RTHROTTLED);
    CHECK(answers[5].id() == protocol::command_id::replace_sm_resp);
    CHECK(rig.sink.query_accounts.size() == 1);
    // Queries did not spend the submissions' tokens.
    CHECK(answers[6].status == command_status::ESME_ROK);
}

TEST_CASE("query_tps sets the queries' limit apart from tps; 0 is no limit", "[upstream][handler]") {
    using protocol::command_status;
    SECTION("limited queries, unlimited submissions") {
        HandlerRig rig(0, 1);
        REQUIRE(rig.bound());
        auto answers = rig.exchange({query(), query(), submit(), submit()});
        CHECK(answers[0].status == command_status::ESME_ROK);
        CHECK(answers[1].status == command_status::ESME_RTHROTTLED);
        CHECK(answers[2].status == command_status::ESME_ROK);
        CHECK(answers[3].status == command_status::ESME_ROK);
    }
    SECTION("unlimited queries, limited submissions") {
        HandlerRig rig(1, 0);
        REQUIRE(rig.bound());
        auto answers = rig.exchange({submit(), submit(), query(), query(), query()});
        CHECK(answers[0].status == command_status::ESME_ROK);
        CHECK(answers[1].status == command_status::ESME_RTHROTTLED);
        for (std::size_t i = 2; i < 5; ++i) CHECK(answers[i].status == command_status::ESME_ROK);
    }
}
