#include "store/recent_entries.hpp"

#include <optional>
#include <string>

#include <catch2/catch.hpp>

using smpp::store::RecentEntries;

TEST_CASE("recent entries: values are found until evicted, oldest key first, one per new key", "[store]") {
    RecentEntries<std::optional<std::string>> r(3);
    r.set("a", "1");
    r.set("b", std::nullopt);  // a deletion is remembered too
    r.set("c", "3");
    REQUIRE(r.size() == 3);
    REQUIRE(r.find("a"));
    CHECK(**r.find("a") == "1");
    REQUIRE(r.find("b"));
    CHECK_FALSE(r.find("b")->has_value());
    CHECK_FALSE(r.find("x"));

    // Updating a key keeps its place in line and evicts nothing.
    r.set("a", "1b");
    CHECK(r.size() == 3);
    CHECK(**r.find("a") == "1b");

    // A new key beyond the bound evicts exactly the oldest one.
    r.set("d", "4");
    CHECK(r.size() == 3);
    CHECK_FALSE(r.find("a"));
    CHECK(r.find("b"));
    CHECK(**r.find("d") == "4");
    r.set("e", "5");
    CHECK_FALSE(r.find("b"));
    CHECK(**r.find("c") == "3");
}

TEST_CASE("recent entries: many more keys than the bound keep exactly the newest ones", "[store]") {
    constexpr std::size_t bound = 1000;
    RecentEntries<int> r(bound);
    for (int i = 0; i < 25'000; ++i) r.set("key-" + std::to_string(i), i);
    CHECK(r.size() == bound);
    for (int i = 25'000 - static_cast<int>(bound); i < 25'000; ++i) {
        const int* v = r.find("key-" + std::to_string(i));
        REQUIRE(v);
        CHECK(*v == i);
    }
    CHECK_FALSE(r.find("key-" + std::to_string(25'000 - bound - 1)));
    CHECK_FALSE(r.find("key-0"));
}

TEST_CASE("recent entries: bound 0 remembers nothing; reset forgets and rebounds", "[store]") {
    RecentEntries<int> none;
    none.set("a", 1);
    CHECK(none.size() == 0);
    CHECK_FALSE(none.find("a"));

    RecentEntries<int> r(2);
    r.set("a", 1);
    r.set("b", 2);
    r.reset(1);
    CHECK(r.size() == 0);
    CHECK_FALSE(r.find("a"));
    r.set("c", 3);
    r.set("d", 4);
    CHECK(r.size() == 1);
    CHECK(*r.find("d") == 4);
}
