// Interop with the npm package `smpp` (node-smpp): its ESME against our
// listener, and our client against its SMSC. The peer scripts are
// node/smpp_client.js and node/smpp_server.js; test/interop/node/install.sh
// installs the package (pinned by node/package-lock.json).
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "esme_side.hpp"
#include "smsc_side.hpp"

namespace {

std::string node_dir() { return std::string(SMPP_SOURCE_DIR) + "/test/interop/node"; }

// A missing install is a broken setup, not a reason to skip: fail loudly.
void require_node_smpp() {
    bool installed = std::filesystem::exists(node_dir() + "/node_modules/smpp/package.json");
    if (!installed) FAIL("npm smpp is not installed: run test/interop/node/install.sh");
}

}  // namespace

using namespace smpp::interop;

TEST_CASE("node-smpp ESME binds to our listener: submit_sm x3, deliver_sm receipt, unbind",
          "[interop][node_smpp]") {
    require_node_smpp();
    auto run = run_smsc_side([](std::uint16_t port) {
        return std::vector<std::string>{"node", node_dir() + "/smpp_client.js", std::to_string(port)};
    });
    // node-smpp binds with interface_version 0x50 (SMPP 5.0) unless told otherwise.
    check_smsc_side(run, 0x50);
}

TEST_CASE("our client binds to a node-smpp SMSC: submit_sm x3, deliver_sm receipt, unbind",
          "[interop][node_smpp]") {
    require_node_smpp();
    auto run = run_esme_side({"node", node_dir() + "/smpp_server.js", "N"});
    check_esme_side(run, "N");
}
