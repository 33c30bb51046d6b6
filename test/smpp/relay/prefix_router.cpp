#include "smpp/relay/prefix_router.hpp"

#include <catch2/catch.hpp>

using smpp::relay::PrefixRouter;
using smpp::relay::Route;

namespace {
std::string choice(const PrefixRouter& r, std::string_view digits) {
    auto m = r.select(digits);
    if (!m) return "none";
    std::string out = "[" + m->prefix + "]";
    for (const auto& c : *m->carriers) out += " " + c;
    return out;
}
}  // namespace

TEST_CASE("the longest matching prefix wins, the empty prefix is the default", "[relay][router]") {
    PrefixRouter r({{"44", {"a", "b"}}, {"447", {"c"}}, {"4477", {"d"}}, {"1", {"e"}}, {"", {"z"}}});
    CHECK(choice(r, "447700900123") == "[4477] d");
    CHECK(choice(r, "447600900123") == "[447] c");
    CHECK(choice(r, "441632960000") == "[44] a b");
    CHECK(choice(r, "44") == "[44] a b");
    CHECK(choice(r, "4") == "[] z");
    CHECK(choice(r, "12025550100") == "[1] e");
    CHECK(choice(r, "33123456789") == "[] z");
    CHECK(r.size() == 5);
}

TEST_CASE("without a default route an uncovered destination has no route", "[relay][router]") {
    PrefixRouter r({{"44", {"a"}}, {"33", {"b"}}});
    CHECK(choice(r, "4912345") == "none");
    CHECK(choice(r, "3") == "none");
    CHECK(choice(r, "") == "none");
    CHECK(choice(r, "33") == "[33] b");
    CHECK(choice(PrefixRouter{}, "44") == "none");
    CHECK(PrefixRouter{}.empty());
}

TEST_CASE("a route with no carriers is no route", "[relay][router]") {
    PrefixRouter r({{"44", {}}, {"4", {"a"}}});
    CHECK(choice(r, "447") == "[4] a");
}

TEST_CASE("destinations normalise to digits, one leading plus dropped", "[relay][router]") {
    CHECK(PrefixRouter::normalise("+447700900123") == "447700900123");
    CHECK(PrefixRouter::normalise("447700900123") == "447700900123");
    CHECK(PrefixRouter::normalise("++44") == std::nullopt);
    CHECK(PrefixRouter::normalise("+") == std::nullopt);
    CHECK(PrefixRouter::normalise("") == std::nullopt);
    CHECK(PrefixRouter::normalise("44 77") == std::nullopt);
    CHECK(PrefixRouter::normalise("ACME") == std::nullopt);
    CHECK(PrefixRouter::valid_prefix(""));
    CHECK(PrefixRouter::valid_prefix("0044"));
    CHECK_FALSE(PrefixRouter::valid_prefix("+44"));
    CHECK_FALSE(PrefixRouter::valid_prefix("4x"));
}
