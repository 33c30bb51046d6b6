#include "routing/router.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace smpp::routing;

TEST_CASE("the router selects on the published table and follows reloads") {
    std::string ns = std::string("t").append(std::to_string(::getpid())) + "-router";
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    auto table = parse_yaml_routes("routes:\n  - prefix: 44\n    candidates:\n      - {carrier: a, priority: 1}\n"
                                   "      - {carrier: b, priority: 2}\n",
                                   "routes.yaml", CarrierSet{"a", "b"});
    REQUIRE(table.ok());
    REQUIRE(pub->publish(*table).ok());

    NoHealth health;
    auto router = Router::open(ns, {}, health);
    REQUIRE(router.ok());
    SelectRequest r;
    r.destination = "447911";
    Decision d = router->select(r);
    CHECK(d.carriers == std::vector<std::string>{"a", "b"});
    CHECK(d.route_id == "44@1");

    table->entries[0].candidates[0].priority = 3;
    REQUIRE(pub->publish(*table).ok());
    d = router->select(r);
    CHECK(d.carriers == std::vector<std::string>{"b", "a"});
    CHECK(d.route_id == "44@2");
    pub->remove();
}
