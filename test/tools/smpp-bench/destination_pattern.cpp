#include "tools/smpp-bench/destination_pattern.hpp"

#include <catch2/catch.hpp>

using smpp::bench::DestinationPattern;

TEST_CASE("DestinationPattern: of(key) is one number per key, whichever pattern asks", "[smpp-bench]") {
    const DestinationPattern a({"4477", 9, false}, 1);
    const DestinationPattern b({"4477", 9, false}, 99);
    CHECK(a.of(12) == b.of(12));
    CHECK(a.of(12) != a.of(13));
    CHECK(a.of(12).size() == 13);
    CHECK(a.of(12).rfind("4477", 0) == 0);
    CHECK(DestinationPattern({"33", 3, true}, 5).of(1042) == "33042");
}

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
