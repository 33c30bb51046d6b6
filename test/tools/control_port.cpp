#include "tools/smpp-sim/control_port.hpp"

#include <catch2/catch.hpp>

#include "test/tools/sim_fixture.hpp"

using namespace smpp::sim;
using namespace smpp::sim::test;

TEST_CASE("control_port: commands answer ok, garbage answers error", "[tools][smpp-sim]") {
    SimFixture f(sim_settings("c1"));
    Carriers all{f.carrier};
    auto run = [&](std::string_view line) { return execute_control_line(all, line).text; };
    CHECK(run("") == "error empty command\n");
    CHECK(run("   ") == "error empty command\n");
    CHECK(run("launch c1") == "error unknown command 'launch' (fault, clear, faults, chaos, mo, stats, received, list, quit)\n");
    CHECK(run("fault") == "error missing carrier name\n");
    CHECK(run("fault nope latency_ms 5") == "error unknown carrier 'nope'\n");
    CHECK(run("fault c1") == "error missing fault name\n");
    CHECK(run("fault c1 latency_ms soon") == "error latency_ms must be between 0 and 600000\n");
    CHECK(run("fault c1 submit_status 0x58 0.1") == "ok submit_status=0x58@0.1\n");
    CHECK(run("fault c1 latency_ms 50\r") == "ok submit_status=0x58@0.1 latency_ms=50\n");
    CHECK(run("faults c1") == "ok submit_status=0x58@0.1 latency_ms=50\n");
    CHECK(run("fault * receipts drop 0.5") == "ok submit_status=0x58@0.1 latency_ms=50 receipts.drop=0.5\n");
    CHECK(run("clear *") == "ok\n");
    CHECK(run("faults c1") == "ok none\n");
    CHECK(run("clear c1 extra") == "error usage: clear <carrier|*>\n");
    CHECK(run("stats *") == "error unknown carrier '*'\n");
    CHECK(run("received c1 many") == "error n must be a non-negative integer\n");
    CHECK(run("received c1") == "ok 0\n");
    CHECK(run("mo c1 123") == "error usage: mo <carrier> <from> <to> <text>\n");
    CHECK(run("list") == "ok c1=" + std::to_string(f.carrier->port()) + "\n");
    CHECK(run("stats c1") ==
          "ok {\"carrier\":\"c1\",\"binds\":0,\"binds_total\":0,\"binds_refused\":0,\"submits\":0,\"no_response\":0,"
          "\"disconnects\":0,\"resps\":{},\"receipts_sent\":0,\"receipts_dropped\":0,\"receipts_duplicated\":0,"
          "\"receipts_pending\":0,\"receipts_failed\":0,\"mo_sent\":0}\n");
    auto quit = execute_control_line(all, "quit");
    CHECK(quit.text == "ok bye\n");
    CHECK(quit.quit);
}

TEST_CASE("control_port: over TCP, one answer per line", "[tools][smpp-sim]") {
    SimFixture f(sim_settings("c1"));
    bool quit = false;
    auto port = ControlPort::create(f.loop.ioc.get_executor(),
                                    {boost::asio::ip::address_v4::loopback(), 0}, Carriers{f.carrier},
                                    [&] { quit = true; });
    port->start();
    auto peer = RawPeer::connect(port->local_endpoint().port());
    auto send = [&](const std::string& s) { peer.send(Bytes(s.begin(), s.end())); };
    std::string got;
    auto read_lines = [&](std::size_t lines) {
        got.clear();
        f.loop.run_until([&] {
            auto more = peer.drain_for(f.loop, 1ms);
            got.append(more.begin(), more.end());
            return static_cast<std::size_t>(std::count(got.begin(), got.end(), '\n')) >= lines;
        });
        return got;
    };
    send("fault c1 no_response 0.25\nbogus\n");
    CHECK(read_lines(2) == "ok no_response=0.25\nerror unknown command 'bogus' (fault, clear, faults, chaos, mo, stats, "
                           "received, list, quit)\n");
    send("quit\n");
    CHECK(read_lines(1) == "ok bye\n");
    CHECK(f.loop.run_until([&] { return quit; }));
    CHECK(peer.wait_eof(f.loop));
    port->stop();
}
