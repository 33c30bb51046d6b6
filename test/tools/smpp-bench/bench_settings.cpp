// smpp-bench's settings: every combination it cannot run is refused with a
// message saying why, before anything connects.
#include "tools/smpp-bench/bench_settings.hpp"

#include <catch2/catch.hpp>

using smpp::bench::BenchSettings;

namespace {

BenchSettings runnable() {
    BenchSettings s;
    s.system_id = "bench";
    s.count = 10;
    return s;
}

}  // namespace

TEST_CASE("bench settings: a plain run, long texts in message_payload, parts", "[tools][bench]") {
    CHECK(runnable().validate().empty());
    auto payload = runnable();
    payload.payload = true;
    payload.length = 4000;
    CHECK(payload.validate().empty());
    auto parts = runnable();
    parts.parts = 3;
    parts.length = 248;
    CHECK(parts.validate().empty());
}

TEST_CASE("bench settings: lengths and parts it cannot send are refused with the reason", "[tools][bench]") {
    auto s = runnable();
    s.length = 255;
    CHECK(s.validate() == "length must be at most 254 (more with --payload)");
    s.payload = true;
    s.length = 4001;
    CHECK(s.validate() == "length must be at most 4000 with payload");
    s.length = 400;
    s.parts = 2;
    CHECK(s.validate() == "payload and parts do not go together");
    s.payload = false;
    s.length = 249;
    CHECK(s.validate() == "length must be at most 248 with parts (the UDH takes 6)");
    s.length = 10;
    s.parts = 256;
    CHECK(s.validate() == "parts must be between 1 and 255");
    auto none = runnable();
    none.system_id.clear();
    CHECK(none.validate() == "system_id is required");
}
