// smppctl against a table published the way smpp-connector publishes it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "routing/shm_table.hpp"

namespace {

namespace fs = std::filesystem;
using namespace smpp;

const std::string smppctl = std::string(SMPP_BINARY_DIR) + "/bin/smppctl";

struct Run {
    int status = -1;
    std::string out;  // stdout and stderr
};

Run run(const std::string& args) {
    Run r;
    FILE* p = ::popen((smppctl + " " + args + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    const int rc = ::pclose(p);
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return r;
}

routing::RouteTable table(std::string first_carrier) {
    routing::RouteTable t;
    routing::RouteEntry uk;
    uk.prefix = "44";
    uk.country = "GB";
    routing::Candidate a;
    a.carrier = std::move(first_carrier);
    a.priority = 1;
    a.sender_types = routing::bit(routing::SenderType::long_code);
    routing::Candidate b;
    b.carrier = "carrier-b";
    b.priority = 2;
    uk.candidates = {a, b};
    t.entries.push_back(uk);
    return t;
}

}  // namespace

TEST_CASE("smppctl route lookup and explain read the published table", "[tools][smppctl]") {
    const std::string ns = "smppctl-test-" + std::to_string(::getpid());
    auto publisher = routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    REQUIRE(publisher->publish(table("carrier-a")).ok());

    auto r = run("route lookup +447700900123 --ns " + ns + " --source 447700900999 --ton 1");
    CHECK(r.status == 0);
    CHECK(r.out == "carrier-a carrier-b\n");

    // An alphanumeric sender: carrier-a only takes long codes.
    r = run("route explain 00447700900123 --ns " + ns + " --source ACME --ton 5");
    CHECK(r.status == 0);
    CHECK(r.out.find("chosen: carrier-b") != std::string::npos);
    CHECK(r.out.find("carrier-a") != std::string::npos);

    // A reload is seen by the next invocation.
    REQUIRE(publisher->publish(table("carrier-c")).ok());
    r = run("route lookup 447700900123 --ns " + ns + " --source 447700900999 --ton 1");
    CHECK(r.out == "carrier-c carrier-b\n");

    r = run("route lookup 33123 --ns " + ns);
    CHECK(r.status == 3);
    CHECK(r.out.starts_with("no route"));
    r = run("route lookup not-a-number --ns " + ns);
    CHECK(r.status == 2);
    CHECK(r.out.find("is not a phone number") != std::string::npos);
    publisher->remove();

    r = run("route lookup 4477 --ns " + ns);
    CHECK(r.status == 1);
    CHECK(r.out.find("no route table published under '" + ns + "'") != std::string::npos);
}

TEST_CASE("smppctl route check names the line of a bad table", "[tools][smppctl]") {
    const fs::path dir = fs::temp_directory_path() / ("smppctl-check-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto good = (dir / "good.yaml").string();
    const auto bad = (dir / "bad.yaml").string();
    std::ofstream(good) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - {carrier: a, priority: 1}\n";
    std::ofstream(bad) << "routes:\n  - prefix: \"44\"\n    candidates:\n      - {carrier: zz, priority: 1}\n";
    auto r = run("route check " + good + " --carrier a");
    CHECK(r.status == 0);
    CHECK(r.out == good + ": OK (1 prefixes, 1 candidates)\n");
    r = run("route check " + bad + " --carrier a");
    CHECK(r.status == 1);
    CHECK(r.out == bad + ":4: routes[0].candidates[0].carrier: unknown carrier 'zz'\n");
    std::error_code ec;
    fs::remove_all(dir, ec);
}
