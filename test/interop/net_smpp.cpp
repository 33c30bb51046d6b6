// Interop with Perl Net::SMPP (Debian libnet-smpp-perl): its ESME against
// our listener, and our client against its SMSC. The peer scripts are
// net_smpp_client.pl and net_smpp_server.pl beside this file.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "esme_side.hpp"
#include "smsc_side.hpp"

namespace {

std::string script(const char* name) { return std::string(SMPP_SOURCE_DIR) + "/test/interop/" + name; }

}  // namespace

using namespace smpp::interop;

TEST_CASE("Net::SMPP ESME binds to our listener: submit_sm x3, deliver_sm receipt, unbind",
          "[interop][net_smpp]") {
    auto run = run_smsc_side([](std::uint16_t port) {
        return std::vector<std::string>{"perl", script("net_smpp_client.pl"), std::to_string(port)};
    });
    check_smsc_side(run, 0x34);
}

TEST_CASE("our client binds to a Net::SMPP SMSC: submit_sm x3, deliver_sm receipt, unbind",
          "[interop][net_smpp]") {
    auto run = run_esme_side({"perl", script("net_smpp_server.pl"), "P"});
    check_esme_side(run, "P");
}
