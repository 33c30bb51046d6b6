#include "smpp/relay/message_router.hpp"

#include <thread>

#include <catch2/catch.hpp>

#include <unistd.h>

#include "routing/shm_table.hpp"

using namespace smpp;
using relay::MessageRouter;

namespace {

routing::SelectRequest to(std::string_view digits) {
    routing::SelectRequest q;
    q.destination = digits;
    q.source_addr = "ACME";
    q.source_addr_ton = 5;
    q.now = std::chrono::system_clock::now();
    return q;
}

}  // namespace

TEST_CASE("message router: inline routes keep their order as failover priority", "[relay][routing]") {
    auto r = MessageRouter::of({{"44", {"b", "a"}}, {"447", {"c"}}, {"", {"z"}}});
    auto d = r->select(to("447700900123"));
    REQUIRE(d.routed());
    CHECK(d.carriers == std::vector<std::string>{"c"});
    CHECK(d.prefix == "447");
    d = r->select(to("441234"));
    CHECK(d.carriers == std::vector<std::string>{"b", "a"});
    CHECK(relay::route_reason(d) == "route 44@1 (priority): b");
    d = r->select(to("33123"));
    CHECK(d.carriers == std::vector<std::string>{"z"});

    CHECK(r->country_of("447700900123").empty());  // inline routes carry no country

    auto none = MessageRouter::of({{"44", {"a"}}});
    d = none->select(to("33123"));
    CHECK_FALSE(d.routed());
    CHECK(relay::route_reason(d).starts_with("no route: "));
}

TEST_CASE("message router: a skipped candidate is named in the reason", "[relay][routing]") {
    routing::RouteTable t;
    routing::RouteEntry e;
    e.prefix = "44";
    routing::Candidate a;
    a.carrier = "a";
    a.priority = 1;
    a.sender_types = routing::bit(routing::SenderType::long_code);
    routing::Candidate b;
    b.carrier = "b";
    b.priority = 2;
    e.candidates = {a, b};
    t.entries.push_back(e);
    t.entries.front().country = "GB";
    auto r = MessageRouter::from_table(t);
    REQUIRE(r.ok());
    CHECK((*r)->country_of("447700") == "GB");
    CHECK((*r)->country_of("33").empty());
    auto d = (*r)->select(to("4477"));  // an alphanumeric sender: a only takes long codes
    REQUIRE(d.routed());
    CHECK(d.carriers == std::vector<std::string>{"b"});
    REQUIRE(d.skipped.size() == 1);
    CHECK(relay::route_reason(d).starts_with("route 44@1 (priority): b; skipped a ("));
}

TEST_CASE("message router: the shared-memory table is followed across reloads", "[relay][routing]") {
    const std::string ns = "relay-test-" + std::to_string(::getpid());
    auto publisher = routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    REQUIRE(publisher->publish(MessageRouter::table_of({{"44", {"a"}}})).ok());
    auto r = MessageRouter::from_shm(ns);
    REQUIRE(r.ok());
    CHECK((*r)->select(to("4477")).carriers == std::vector<std::string>{"a"});
    REQUIRE(publisher->publish(MessageRouter::table_of({{"44", {"b"}}, {"33", {"c"}}})).ok());
    // The refresher's thread maps the new table (polls every 10 ms): bounded wait.
    for (int i = 0; i < 500 && (*r)->select(to("4477")).carriers != std::vector<std::string>{"b"}; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK((*r)->select(to("4477")).carriers == std::vector<std::string>{"b"});
    CHECK((*r)->select(to("3312")).carriers == std::vector<std::string>{"c"});
    CHECK((*r)->generation() == publisher->generation());
    publisher->remove();
    CHECK_FALSE(MessageRouter::from_shm("relay-test-none-" + std::to_string(::getpid())).ok());
}

TEST_CASE("message router: carriers' capabilities come from their settings (accepts_message_payload, "
          "max_message_parts)",
          "[relay][routing]") {
    smpp::carrier::CarrierSettings a;
    a.id = "carrier00";
    smpp::carrier::CarrierSettings b;
    b.id = "carrier01";
    b.accepts_message_payload = true;
    b.max_message_parts = 6;
    const auto caps = smpp::relay::capabilities_of({a, b});
    REQUIRE(caps.size() == 2);
    // The defaults: no message_payload, 10 parts.
    CHECK_FALSE(caps.at("carrier00").message_payload);
    CHECK(caps.at("carrier00").max_parts == 10);
    CHECK(caps.at("carrier01").message_payload);
    CHECK(caps.at("carrier01").max_parts == 6);
}
