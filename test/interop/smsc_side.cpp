#include "smsc_side.hpp"

#include <future>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "peer_line.hpp"
#include "scenario.hpp"
#include "short_message_checks.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/session/session.hpp"

namespace smpp::interop {

namespace {

using namespace std::chrono_literals;
using protocol::command_status;
using protocol::Pdu;

class ScenarioSmsc : public session::SessionHandler {
public:
    ScenarioSmsc(SmscSideReport& report, std::promise<void>& closed) : report_(report), closed_(closed) {}

    void on_bind_request(session::Session&, const session::BindRequest& request,
                         session::BindVerdict verdict) override {
        report_.bind = request;
        bool ok = request.system_id == scenario::system_id && request.password == scenario::password;
        verdict(ok ? command_status::ESME_ROK : command_status::ESME_RINVPASWD);
    }

    void on_bound(session::Session&) override { report_.bound = true; }

    void on_request(session::Session& s, Pdu&& request) override {
        if (!request.as<protocol::SubmitSm>()) {
            report_.others.push_back(request);
            s.respond(protocol::make_response(request.id(), request.sequence_number,
                                              command_status::ESME_RINVCMDID));
            return;
        }
        report_.submits.push_back(request);
        auto n = report_.submits.size();
        s.respond(Pdu{command_status::ESME_ROK, request.sequence_number,
                      protocol::SubmitSmResp{std::string(scenario::our_id_prefix) + std::to_string(n)}});
        if (n != scenario::submits().size()) return;

        auto receipt = scenario::receipt_for(std::string(scenario::our_id_prefix) + "1");
        s.send_request(std::move(receipt), [this](std::error_code ec, Pdu response) {
            report_.deliver_sm_error = ec;
            if (!ec) report_.deliver_sm_resp = std::move(response);
        });
    }

    void on_closed(session::Session&, session::close_reason reason) override {
        if (report_.closed) return;  // one session, one close: a second call is a bug the checks show
        report_.closed = reason;
        closed_.set_value();
    }

private:
    SmscSideReport& report_;
    std::promise<void>& closed_;
};

}  // namespace

SmscSideRun run_smsc_side(const std::function<std::vector<std::string>(std::uint16_t port)>& peer_argv) {
    SmscSideRun run;
    std::promise<void> closed;
    auto closed_future = closed.get_future();

    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);

    session::SessionSettings settings;
    settings.response_timeout = 5s;
    settings.bind_timeout = 5s;
    settings.unbind_timeout = 2s;
    run.our_system_id = settings.system_id;

    // One connection is expected; a second would share the report, so the
    // factory refuses it (and the count shows it happened).
    auto listener = session::Listener::create(
        io.get_executor(), {boost::asio::ip::make_address("127.0.0.1"), 0}, settings,
        [&](const boost::asio::ip::tcp::endpoint&) -> std::shared_ptr<session::SessionHandler> {
            if (run.ours.sessions++ > 0) return nullptr;
            return std::make_shared<ScenarioSmsc>(run.ours, closed);
        });
    listener->start();
    // The peer starts before the io thread: if it cannot start, the
    // exception leaves no thread behind. Its connect waits in the backlog.
    auto peer = PeerProcess::start(peer_argv(listener->local_endpoint().port()));
    std::thread io_thread([&] { io.run(); });

    run.peer = peer.finish(Clock::now() + 30s);
    // The peer exits after our unbind_resp; our on_closed follows at once.
    closed_future.wait_for(5s);

    std::promise<void> stopped;
    auto stopped_future = stopped.get_future();
    listener->stop([&] { stopped.set_value(); });
    stopped_future.wait_for(5s);
    work.reset();
    if (io_thread.joinable()) {
        // Anything still pending after stop() is a bug to report, not a hang.
        if (stopped_future.wait_for(0s) != std::future_status::ready) io.stop();
        io_thread.join();
    }
    listener.reset();
    return run;
}

void check_smsc_side(const SmscSideRun& run, std::uint8_t interface_version) {
    const auto& ours = run.ours;
    const auto& lines = run.peer.lines;
    INFO("peer stdout:\n" << [&] {
        std::string all;
        for (const auto& l : lines) all += l + "\n";
        return all;
    }());

    // Their side: the script asserted what it received and said so.
    CHECK(run.peer.exited);
    CHECK(run.peer.exit_code == 0);
    CHECK(peer_result(lines) == "ok");

    auto bind_resps = received(lines, "bind_transceiver_resp");
    REQUIRE(bind_resps.size() == 1);
    CHECK(bind_resps[0]["status"] == "0");
    CHECK(bind_resps[0]["system_id"] == run.our_system_id);

    // The enquire_link it sent after binding: the session answers it itself.
    auto enquire_resps = received(lines, "enquire_link_resp");
    REQUIRE(enquire_resps.size() == 1);
    CHECK(enquire_resps[0]["status"] == "0");

    auto submit_resps = received(lines, "submit_sm_resp");
    REQUIRE(submit_resps.size() == 3);
    for (std::size_t k = 0; k < submit_resps.size(); ++k) {
        CHECK(submit_resps[k]["status"] == "0");
        CHECK(submit_resps[k]["message_id"] == std::string(scenario::our_id_prefix) + std::to_string(k + 1));
    }

    auto delivers = received(lines, "deliver_sm");
    REQUIRE(delivers.size() == 1);
    auto want_receipt = scenario::peer_fields(scenario::receipt_for(std::string(scenario::our_id_prefix) + "1"));
    CHECK(delivers[0]["status"] == "0");
    for (const auto& [key, value] : want_receipt) {
        INFO("deliver_sm field " << key);
        CHECK(delivers[0][key] == value);
    }
    auto unbind_resps = received(lines, "unbind_resp");
    REQUIRE(unbind_resps.size() == 1);
    CHECK(unbind_resps[0]["status"] == "0");

    // Our side: the bind, the three submit_sm byte for byte, the receipt's
    // response, and the peer's unbind.
    CHECK(ours.sessions == 1);
    REQUIRE(ours.bind.has_value());
    CHECK(ours.bind->type == session::bind_type::transceiver);
    CHECK(ours.bind->system_id == scenario::system_id);
    CHECK(ours.bind->password == scenario::password);
    CHECK(ours.bind->system_type == "");
    CHECK(int(ours.bind->interface_version) == int(interface_version));
    CHECK(ours.bound);

    auto want = scenario::submits();
    REQUIRE(ours.submits.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        INFO("submit_sm " << k + 1);
        CHECK(ours.submits[k].status == command_status::ESME_ROK);
        const auto* got = ours.submits[k].as<protocol::SubmitSm>();
        REQUIRE(got != nullptr);
        check_short_message(*got, want[k]);
    }
    CHECK(ours.others.empty());

    REQUIRE(ours.deliver_sm_error.has_value());
    CHECK(ours.deliver_sm_error->message() == std::error_code{}.message());
    REQUIRE(ours.deliver_sm_resp.has_value());
    CHECK(ours.deliver_sm_resp->id() == protocol::command_id::deliver_sm_resp);
    CHECK(ours.deliver_sm_resp->status == command_status::ESME_ROK);

    REQUIRE(ours.closed.has_value());
    CHECK(session::name(*ours.closed) == session::name(session::close_reason::unbind_by_peer));
}

}  // namespace smpp::interop
