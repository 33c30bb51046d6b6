#include "tools/smpp-connector/route_reload.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace smpp;
namespace fs = std::filesystem;

namespace {

const std::string hash =
    "$argon2id$v=19$m=65536,t=2,p=1$K+M+6Epv5bhakPek+8dY4A$p3t96ZsoUrFTyDw7NvAOMv6o9y4wNVQtK/R8GXwIbXs";

struct Files {
    fs::path dir = fs::temp_directory_path() / ("route-reload-" + std::to_string(::getpid()));
    fs::path config = dir / "connector.yaml";
    fs::path carriers = dir / "carriers.yaml";
    Files() {
        fs::create_directories(dir);
        fs::copy_file(std::string(SMPP_SOURCE_DIR) + "/conf/carriers.example.yaml", carriers,
                      fs::copy_options::overwrite_existing);
    }
    ~Files() { fs::remove_all(dir); }
    void write(const std::string& routes, const std::string& tps = "100") const {
        std::ofstream(config) << "listener: {host: 127.0.0.1, port: 2799}\n"
                                 "accounts:\n"
                                 "  - system_id: acme\n"
                                 "    password_hash: \"" + hash + "\"\n"
                                 "    bind_types: [transceiver]\n"
                                 "    tps: " + tps + "\n"
                                 "carriers_file: carriers.yaml\n"
                              << routes;
    }
};

}  // namespace

TEST_CASE("route reload: publishes the routes, refuses an empty table, names the changes it does not apply",
          "[tools][admin][routing]") {
    Files files;
    files.write("routes:\n  - prefix: \"44\"\n    carriers: [carrier01]\n");
    const auto started = admin::config_snapshot(files.config);
    REQUIRE(started.contains("accounts"));
    REQUIRE(started.contains("carriers_file"));
    const std::string ns = "route-reload-test-" + std::to_string(::getpid());
    auto opened = routing::ShmPublisher::open(ns);
    REQUIRE(opened);
    std::optional<routing::ShmPublisher> publisher(std::move(opened).value());
    const std::set<std::string, std::less<>> running{"carrier01", "carrier02"};

    files.write("routes:\n  - prefix: \"44\"\n    carriers: [carrier01]\n  - prefix: \"33\"\n"
                "    carriers: [carrier02]\n");
    auto r = admin::reload_routes(files.config, publisher, running, started, "test");
    CHECK(r.ok);
    CHECK(r.message == "route table generation 1 published (2 prefixes from " + files.config.string() + ")");

    // Deleted routes, or an empty list: refused, the table serving stays.
    for (const std::string routes : {"", "routes: []\n"}) {
        files.write(routes);
        r = admin::reload_routes(files.config, publisher, running, started, "test");
        CHECK_FALSE(r.ok);
        CHECK(r.message == files.config.string() +
                               ": no routes (routes: or routes_file); a table without any would refuse every "
                               "submit_sm");
        CHECK(publisher->generation() == 1);
    }

    // Routes published; an account's TPS and the carriers file changed too:
    // said, since only a restart applies them.
    files.write("routes:\n  - prefix: \"44\"\n    carriers: [carrier02]\n", "200");
    std::ofstream(files.carriers, std::ios::app) << "# edited\n";
    r = admin::reload_routes(files.config, publisher, running, started, "test");
    CHECK(r.ok);
    CHECK(r.message == "route table generation 2 published (1 prefixes from " + files.config.string() +
                           "); changed since the start but applied only by a restart: accounts, carriers_file");
    publisher->remove();
}

TEST_CASE("route reload: unapplied_changes ignores routes, counts added and removed sections", "[tools][admin]") {
    const admin::ConfigSnapshot a{{"routes", "x"}, {"health", "h"}, {"mo", "m"}};
    const admin::ConfigSnapshot b{{"routes", "y"}, {"routes_file", "f"}, {"health", "h2"}, {"forward", "f"}};
    CHECK(admin::unapplied_changes(a, a).empty());
    CHECK(admin::unapplied_changes(a, b) == std::vector<std::string>{"forward", "health", "mo"});
}
