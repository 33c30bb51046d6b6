#include "smpp/relay/route.hpp"

#include <catch2/catch.hpp>

using smpp::relay::valid_prefix;

TEST_CASE("route prefixes are digits only; the empty prefix is the default route", "[relay][routing]") {
    CHECK(valid_prefix(""));
    CHECK(valid_prefix("0044"));
    CHECK(valid_prefix("4477009"));
    CHECK_FALSE(valid_prefix("+44"));
    CHECK_FALSE(valid_prefix("4x"));
    CHECK_FALSE(valid_prefix("44 77"));
}
