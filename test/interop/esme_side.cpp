#include "esme_side.hpp"

#include <charconv>
#include <future>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "peer_line.hpp"
#include "scenario.hpp"
#include "short_message_checks.hpp"
#include "smpp/session/client.hpp"
#include "smpp/session/session.hpp"

namespace smpp::interop {

namespace {

using namespace std::chrono_literals;
using protocol::command_status;
using protocol::Pdu;

class ScenarioEsme : public session::SessionHandler {
public:
    ScenarioEsme(EsmeSideReport& report, std::promise<void>& stopped) : report_(report), stopped_(stopped) {}

    void set_client(std::weak_ptr<session::Client> c) { client_ = std::move(c); }

    void on_bound(session::Session& s) override {
        if (report_.bound++ > 0) return;  // a rebind must not resend the scenario
        auto submits = scenario::submits();
        report_.submits.resize(submits.size());
        for (std::size_t k = 0; k < submits.size(); ++k) {
            s.send_request(std::move(submits[k]), [this, k](std::error_code ec, Pdu response) {
                report_.submits[k] = SubmitOutcome{ec, std::move(response)};
                maybe_unbind();
            });
        }
    }

    void on_request(session::Session& s, Pdu&& request) override {
        if (!request.as<protocol::DeliverSm>()) {
            report_.others.push_back(request);
            s.respond(protocol::make_response(request.id(), request.sequence_number,
                                              command_status::ESME_RINVCMDID));
            return;
        }
        report_.delivers.push_back(request);
        s.respond(Pdu{command_status::ESME_ROK, request.sequence_number, protocol::DeliverSmResp{}});
        maybe_unbind();
    }

    void on_closed(session::Session&, session::close_reason reason) override { report_.closes.push_back(reason); }

private:
    // The scenario ends when every submit_sm has its response and the
    // receipt has been answered: then we unbind, and stop rebinding.
    void maybe_unbind() {
        if (unbinding_ || report_.delivers.empty()) return;
        for (const auto& s : report_.submits)
            if (!s) return;
        unbinding_ = true;
        if (auto c = client_.lock()) {
            c->stop([this] {
                report_.stopped = true;
                stopped_.set_value();
            });
        }
    }

    EsmeSideReport& report_;
    std::promise<void>& stopped_;
    std::weak_ptr<session::Client> client_;
    bool unbinding_ = false;
};

std::optional<std::uint16_t> parse_port(const std::string& line) {
    constexpr std::string_view prefix = "PORT ";
    if (line.rfind(prefix, 0) != 0) return std::nullopt;
    unsigned value = 0;
    auto digits = std::string_view(line).substr(prefix.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

}  // namespace

EsmeSideRun run_esme_side(const std::vector<std::string>& peer_argv) {
    EsmeSideRun run;
    auto peer = PeerProcess::start(peer_argv);
    auto hard_deadline = Clock::now() + 30s;

    if (auto line = peer.read_line(Clock::now() + 10s)) run.ours.peer_port = parse_port(*line);
    if (!run.ours.peer_port) {
        run.peer = peer.finish(Clock::now());  // kills it
        return run;
    }

    std::promise<void> stopped;
    auto stopped_future = stopped.get_future();
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);

    session::ClientSettings settings;
    settings.endpoints = {{"127.0.0.1", *run.ours.peer_port}};
    settings.bind.type = session::bind_type::transceiver;
    settings.bind.system_id = std::string(scenario::system_id);
    settings.bind.password = std::string(scenario::password);
    settings.session.response_timeout = 5s;
    settings.session.bind_timeout = 5s;
    settings.session.unbind_timeout = 2s;
    settings.backoff.base = 200ms;
    settings.backoff.max = 1s;
    settings.connect_timeout = 2s;

    auto handler = std::make_shared<ScenarioEsme>(run.ours, stopped);
    auto client = session::Client::create(io.get_executor(), settings, handler);
    handler->set_client(client);
    client->start();
    std::thread io_thread([&] { io.run(); });

    // The peer exits after answering our unbind; Client::stop completes then.
    run.peer = peer.finish(hard_deadline);
    if (stopped_future.wait_for(5s) != std::future_status::ready) {
        // The scenario did not reach its end (the checks will say where):
        // stop the client anyway so nothing outlives the test.
        std::promise<void> forced;
        auto forced_future = forced.get_future();
        client->stop([&] { forced.set_value(); });
        forced_future.wait_for(5s);
        io.stop();
    }
    work.reset();
    io_thread.join();
    return run;
}

void check_esme_side(const EsmeSideRun& run, const std::string& id_prefix) {
    const auto& ours = run.ours;
    const auto& lines = run.peer.lines;
    INFO("peer stdout:\n" << [&] {
        std::string all;
        for (const auto& l : lines) all += l + "\n";
        return all;
    }());
    REQUIRE(ours.peer_port.has_value());

    // Their side: the script asserted what it received and said so.
    CHECK(run.peer.exited);
    CHECK(run.peer.exit_code == 0);
    CHECK(peer_result(lines) == "ok");

    auto binds = received(lines, "bind_transceiver");
    REQUIRE(binds.size() == 1);
    CHECK(binds[0]["system_id"] == scenario::system_id);
    CHECK(binds[0]["password"] == scenario::password);
    CHECK(binds[0]["system_type"] == "");
    CHECK(binds[0]["interface_version"] == std::to_string(protocol::interface_version_34));

    // The enquire_link it sent after our bind: the session answers it itself.
    auto enquire_resps = received(lines, "enquire_link_resp");
    REQUIRE(enquire_resps.size() == 1);
    CHECK(enquire_resps[0]["status"] == "0");

    auto want = scenario::submits();
    auto submits = received(lines, "submit_sm");
    REQUIRE(submits.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        for (const auto& [key, value] : scenario::peer_fields(want[k])) {
            INFO("submit_sm " << k + 1 << " field " << key);
            CHECK(submits[k][key] == value);
        }
    }
    auto deliver_resps = received(lines, "deliver_sm_resp");
    REQUIRE(deliver_resps.size() == 1);
    CHECK(deliver_resps[0]["status"] == "0");
    CHECK(received(lines, "unbind").size() == 1);

    // Our side: bound once, three submit_sm_resp with the peer's ids, its
    // receipt byte for byte, and a clean unbind of our own.
    CHECK(ours.bound == 1);
    REQUIRE(ours.submits.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        INFO("submit_sm " << k + 1);
        REQUIRE(ours.submits[k].has_value());
        CHECK(ours.submits[k]->error.message() == std::error_code{}.message());
        const auto& resp = ours.submits[k]->response;
        CHECK(resp.status == command_status::ESME_ROK);
        const auto* body = resp.as<protocol::SubmitSmResp>();
        REQUIRE(body != nullptr);
        CHECK(body->message_id == id_prefix + std::to_string(k + 1));
    }

    REQUIRE(ours.delivers.size() == 1);
    CHECK(ours.delivers[0].status == command_status::ESME_ROK);
    const auto* receipt = ours.delivers[0].as<protocol::DeliverSm>();
    REQUIRE(receipt != nullptr);
    check_short_message(*receipt, scenario::receipt_for(id_prefix + "1"));
    CHECK(std::string(receipt->tlvs.receipted_message_id().value_or("<absent>")) == id_prefix + "1");
    CHECK(ours.others.empty());

    CHECK(ours.stopped);
    REQUIRE(ours.closes.size() == 1);
    CHECK(session::name(ours.closes[0]) == session::name(session::close_reason::unbind_by_us));
}

}  // namespace smpp::interop
