#include "routing/route_table.hpp"

#include <catch2/catch.hpp>

using namespace smpp::routing;

namespace {

const CarrierSet carriers{"vodafone", "o2", "ee"};

std::string yaml_error(const std::string& text) {
    auto r = parse_yaml_routes(text, "routes.yaml", carriers);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

std::string csv_error(const std::string& text) {
    auto r = parse_csv_routes(text, "routes.csv", carriers);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("a YAML table loads every field") {
    auto r = parse_yaml_routes(R"(routes:
  - prefix: "4479"
    country: GB
    candidates:
      - carrier: vodafone
        priority: 1
        cost: 12000
        weight: 3
        classes: [otp, transactional]
        sender_types: [alphanumeric, long_code]
        data_codings: [8, 0, 8]
        profile: gold
        window: "08:00-20:00"
        utc_offset: "+01:00"
        zone: Europe/London
      - carrier: o2
  - prefix: ""
    candidates:
      - { carrier: ee, cost: 5 }
)",
                               "routes.yaml", carriers);
    REQUIRE(r.ok());
    REQUIRE(r->entries.size() == 2);
    const RouteEntry& e = r->entries[0];
    CHECK(e.prefix == "4479");
    CHECK(e.country == "GB");
    REQUIRE(e.candidates.size() == 2);
    const Candidate& c = e.candidates[0];
    CHECK(c.carrier == "vodafone");
    CHECK(c.priority == 1);
    CHECK(c.cost_micros == 12000);
    CHECK(c.weight == 3);
    CHECK(c.traffic_classes == (bit(TrafficClass::otp) | bit(TrafficClass::transactional)));
    CHECK(c.sender_types == (bit(SenderType::alphanumeric) | bit(SenderType::long_code)));
    CHECK(c.data_codings == std::vector<std::uint8_t>{0, 8});
    CHECK(c.profile == "gold");
    REQUIRE(c.window);
    CHECK(*c.window == TimeWindow{480, 1200, 60, "Europe/London"});
    CHECK(c.line == 5);
    const Candidate& d = e.candidates[1];
    CHECK(d.traffic_classes == all_traffic_classes);
    CHECK(d.sender_types == all_sender_types);
    CHECK(d.weight == 1);
    CHECK_FALSE(d.window);
    CHECK(r->entries[1].prefix.empty());
    CHECK(r->entries[1].candidates[0].cost_micros == 5);
}

TEST_CASE("YAML errors name file, line and field") {
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates: [{carrier: o2}]\n  - prefix: 44\n    candidates: "
                     "[{carrier: ee}]\n") ==
          "routes.yaml:4: routes[1].prefix: duplicate prefix '44' (first at line 2)");
    CHECK(yaml_error("routes:\n  - prefix: 4a\n    candidates: [{carrier: o2}]\n") ==
          "routes.yaml:2: routes[0].prefix: '4a' must be digits only (\"\" for the default route)");
    CHECK(yaml_error("routes:\n  - prefix: 1234567890123456\n    candidates: [{carrier: o2}]\n") ==
          "routes.yaml:2: routes[0].prefix: '1234567890123456' is longer than 15 digits");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: t-mobile\n") ==
          "routes.yaml:4: routes[0].candidates[0].carrier: unknown carrier 't-mobile'");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        cost: 1.5\n") ==
          "routes.yaml:5: routes[0].candidates[0].cost: '1.5' is not an integer between 0 and 1000000000000");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        priority: -1\n") ==
          "routes.yaml:5: routes[0].candidates[0].priority: '-1' is not an integer between 0 and 1000000");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        weight: x\n") ==
          "routes.yaml:5: routes[0].candidates[0].weight: 'x' is not an integer between 0 and 1000000");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        data_codings: [300]\n") ==
          "routes.yaml:5: routes[0].candidates[0].data_codings[0]: '300' is not an integer between 0 and 255");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        classes: [spam]\n") ==
          "routes.yaml:5: routes[0].candidates[0].classes[0]: 'spam' is not one of otp, transactional, bulk");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        sender_types: [x]\n") ==
          "routes.yaml:5: routes[0].candidates[0].sender_types[0]: 'x' is not one of alphanumeric, short_code, "
          "long_code");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        window: 8-20\n") ==
          "routes.yaml:5: routes[0].candidates[0].window: '8-20' is not HH:MM-HH:MM");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        window: 08:00-20:00\n") ==
          "routes.yaml:4: routes[0].candidates[0].utc_offset: is required with a window (this build has no "
          "time-zone database)");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        utc_offset: "
                     "'+15:00'\n        window: 08:00-09:00\n") ==
          "routes.yaml:5: routes[0].candidates[0].utc_offset: '+15:00' is not +HH:MM or -HH:MM (at most 14:00)");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n      - carrier: o2\n") ==
          "routes.yaml:5: routes[0].candidates[1].carrier: duplicate carrier 'o2' for prefix '44' (first at line 4)");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - carrier: o2\n        colour: red\n") ==
          "routes.yaml:5: routes[0].candidates[0].colour: unknown key");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates:\n      - priority: 1\n") ==
          "routes.yaml:4: routes[0].candidates[0].carrier: is required");
    CHECK(yaml_error("routes:\n  - prefix: 44\n") == "routes.yaml:2: routes[0].candidates: is required");
    CHECK(yaml_error("routes:\n  - prefix: 44\n    candidates: []\n") ==
          "routes.yaml:3: routes[0].candidates: must be a non-empty list");
    CHECK(yaml_error("route: []\n") == "routes.yaml:1: route: unknown key");
    CHECK(yaml_error("routes: [\n") .rfind("routes.yaml:2: ", 0) == 0);
}

TEST_CASE("an empty YAML table is an error on line 1, not line 0") {
    for (const char* empty : {"", "# nothing yet\n"}) {
        auto r = parse_yaml_routes(empty, "routes.yaml", carriers);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().line == 1);
        CHECK(r.error().message == "routes.yaml:1: the file must be a mapping with a 'routes' list");
    }
}

TEST_CASE("a second YAML document is an error at its line, not dropped") {
    auto r = parse_yaml_routes("routes:\n  - prefix: 44\n    candidates: [{carrier: o2}]\n---\nroutes:\n  - prefix: 33\n"
                               "    candidates: [{carrier: o2}]\n",
                               "routes.yaml", carriers);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "routes.yaml:5: a second YAML document (after a '---'): the file must hold one document");
}

TEST_CASE("a missing file is an error naming it") {
    auto r = load_yaml_routes("/nonexistent/routes.yaml", carriers);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "/nonexistent/routes.yaml: cannot open the file");
    auto c = load_csv_routes("/nonexistent/routes.csv", carriers);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message == "/nonexistent/routes.csv: cannot open the file");
}

TEST_CASE("a CSV table: one candidate per line, lines of a prefix form one entry") {
    auto r = parse_csv_routes("prefix,country,carrier,priority,cost,weight,classes,sender_types,data_codings,profile,"
                              "window,utc_offset,zone\n"
                              "# comment\n"
                              "4479,GB,vodafone,1,12000,3,otp|bulk,short_code,0|8,gold,22:00-06:00,-05:30,America/X\n"
                              "\n"
                              "4479,,o2,2,,,,,,,,,\n"
                              ",,ee,9,1,1,,,,,,,\n",
                              "routes.csv", carriers);
    REQUIRE(r.ok());
    REQUIRE(r->entries.size() == 2);
    const RouteEntry& e = r->entries[0];
    CHECK(e.prefix == "4479");
    CHECK(e.country == "GB");
    REQUIRE(e.candidates.size() == 2);
    CHECK(e.candidates[0].traffic_classes == (bit(TrafficClass::otp) | bit(TrafficClass::bulk)));
    CHECK(e.candidates[0].sender_types == bit(SenderType::short_code));
    CHECK(e.candidates[0].data_codings == std::vector<std::uint8_t>{0, 8});
    CHECK(*e.candidates[0].window == TimeWindow{1320, 360, -330, "America/X"});
    CHECK(e.candidates[0].line == 3);
    CHECK(e.candidates[1].carrier == "o2");
    CHECK(e.candidates[1].priority == 2);
    CHECK(e.candidates[1].line == 5);
    CHECK(r->entries[1].prefix.empty());
}

TEST_CASE("a CSV table saved with a UTF-8 byte order mark loads") {
    auto r = parse_csv_routes("\xEF\xBB\xBFprefix,carrier\n44,o2\n", "routes.csv", carriers);
    REQUIRE(r.ok());
    REQUIRE(r->entries.size() == 1);
    CHECK(r->entries[0].prefix == "44");
    CHECK(r->entries[0].candidates[0].line == 2);
    // Only at the very start: elsewhere it is still an unknown column.
    CHECK(csv_error("prefix,\xEF\xBB\xBF""carrier\n") ==
          "routes.csv:1: \xEF\xBB\xBF""carrier: unknown column");
}

TEST_CASE("CSV errors name file, line and column") {
    CHECK(csv_error("prefix,carrier\n44,o2\n44,o2\n") ==
          "routes.csv:3: carrier: duplicate carrier 'o2' for prefix '44' (first at line 2)");
    CHECK(csv_error("prefix,carrier\n+44,o2\n") ==
          "routes.csv:2: prefix: '+44' must be digits only (\"\" for the default route)");
    CHECK(csv_error("prefix,carrier\n44,sprint\n") == "routes.csv:2: carrier: unknown carrier 'sprint'");
    CHECK(csv_error("prefix,carrier,cost\n44,o2,12e3\n") ==
          "routes.csv:2: cost: '12e3' is not an integer between 0 and 1000000000000");
    CHECK(csv_error("prefix,carrier\n44,o2,1\n") == "routes.csv:2: expected 2 fields, found 3");
    CHECK(csv_error("prefix,carrier,price\n") == "routes.csv:1: price: unknown column");
    CHECK(csv_error("prefix,cost\n") == "routes.csv:1: carrier: column is required in the header");
    CHECK(csv_error("carrier\n") == "routes.csv:1: prefix: column is required in the header");
    CHECK(csv_error("prefix,carrier\n44,\n") == "routes.csv:2: carrier: must not be empty");
    CHECK(csv_error("prefix,carrier,country\n44,o2,GB\n44,ee,FR\n") ==
          "routes.csv:3: country: 'FR' differs from 'GB' given for prefix '44' at line 2");
    CHECK(csv_error("prefix,carrier,classes\n44,o2,otp|x\n") ==
          "routes.csv:2: classes: 'x' is not one of otp, transactional, bulk");
    CHECK(csv_error("prefix,carrier,window\n44,o2,10:00-10:00\n") == "routes.csv:2: window: '10:00-10:00' is an empty window");
    CHECK(csv_error("") == "routes.csv:1: missing header row");
}

TEST_CASE("time windows wrap midnight and shift by the UTC offset") {
    TimeWindow day{8 * 60, 20 * 60, 60, ""};
    CHECK(day.contains(7 * 60));       // 08:00 local
    CHECK_FALSE(day.contains(6 * 60 + 59));
    CHECK_FALSE(day.contains(19 * 60));  // 20:00 local
    TimeWindow night{22 * 60, 6 * 60, -60, "X"};
    CHECK(night.contains(23 * 60));  // 22:00 local
    CHECK(night.contains(0));        // 23:00 local
    CHECK(night.contains(6 * 60));   // 05:00 local
    CHECK_FALSE(night.contains(7 * 60));
    CHECK(night.to_string() == "22:00-06:00 UTC-01:00 (X)");
}

TEST_CASE("E.164 normalisation") {
    CHECK(normalise_e164("+447911123456") == "447911123456");
    CHECK(normalise_e164("00447911123456") == "447911123456");
    CHECK(normalise_e164("447911123456") == "447911123456");
    CHECK(normalise_e164("0791112345") == "0791112345");
    CHECK_FALSE(normalise_e164(""));
    CHECK_FALSE(normalise_e164("+"));
    CHECK_FALSE(normalise_e164("00"));
    CHECK_FALSE(normalise_e164("+44 7911"));
    CHECK_FALSE(normalise_e164("44-7911"));
    CHECK_FALSE(normalise_e164("++44"));
    CHECK_FALSE(normalise_e164("1234567890123456"));
    CHECK(normalise_e164("123456789012345") == "123456789012345");
}

TEST_CASE("the example tables load and agree") {
    CarrierSet known{"carrier-a", "carrier-b", "carrier-c"};
    auto y = load_routes(SMPP_SOURCE_DIR "/conf/routes.example.yaml", known);
    REQUIRE(y.ok());
    auto c = load_routes(SMPP_SOURCE_DIR "/conf/routes.example.csv", known);
    REQUIRE(c.ok());
    REQUIRE(y->entries.size() == c->entries.size());
    for (std::size_t i = 0; i < y->entries.size(); ++i) {
        const auto& a = y->entries[i];
        const auto& b = c->entries[i];
        CHECK(a.prefix == b.prefix);
        CHECK(a.country == b.country);
        REQUIRE(a.candidates.size() == b.candidates.size());
        for (std::size_t k = 0; k < a.candidates.size(); ++k) {
            const auto& x = a.candidates[k];
            const auto& z = b.candidates[k];
            CHECK(x.carrier == z.carrier);
            CHECK(x.priority == z.priority);
            CHECK(x.cost_micros == z.cost_micros);
            CHECK(x.weight == z.weight);
            CHECK(x.traffic_classes == z.traffic_classes);
            CHECK(x.sender_types == z.sender_types);
            CHECK(x.data_codings == z.data_codings);
            CHECK(x.profile == z.profile);
            CHECK(x.window == z.window);
        }
    }
}
