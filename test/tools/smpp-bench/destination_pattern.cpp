#include "tools/smpp-bench/destination_pattern.hpp"

#include <catch2/catch.hpp>

using smpp::bench::DestinationPattern;

TEST_CASE("DestinationPattern: prefix plus digits, sequential wraps", "[smpp-bench]") {
    DestinationPattern seq({"4477", 2, true}, 98);
    CHECK(seq.next() == "447798");
    CHECK(seq.next() == "447799");
    CHECK(seq.next() == "447700");
    DestinationPattern rnd({"33", 9, false}, 1);
    for (int i = 0; i < 100; ++i) {
        const auto n = rnd.next();
        REQUIRE(n.size() == 11);
        CHECK(n.rfind("33", 0) == 0);
        CHECK(n.find_first_not_of("0123456789") == std::string::npos);
    }
}
