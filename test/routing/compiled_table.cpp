// GCC 12 reports a false -Wrestrict inside std::string assignment at -O3
// (GCC bug 105329); the strings here are plain short literals.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "routing/compiled_table.hpp"

#include <cstring>
#include <random>
#include <set>

#include <catch2/catch.hpp>

using namespace smpp::routing;

namespace {

RouteEntry entry(std::string prefix, std::vector<std::string> carriers, std::string country = "") {
    RouteEntry e{std::move(prefix), std::move(country), {}};
    for (auto& c : carriers) {
        Candidate cand;
        cand.carrier = c;
        e.candidates.push_back(cand);
    }
    return e;
}

std::string carrier_of(const TableView& v, std::string_view digits) {
    auto m = v.lookup(digits);
    if (!m) return "-";
    return std::string(v.carrier(m->candidates[0])) + "/" + std::string(digits.substr(0, m->prefix_digits));
}

}  // namespace

TEST_CASE("longest prefix wins, the empty prefix is the default route") {
    RouteTable t{{entry("44", {"uk"}), entry("4479", {"mobile"}, "GB"), entry("447", {"seven"}), entry("", {"any"}),
                  entry("1", {"nanp"})}};
    auto c = CompiledTable::compile(t, 7);
    REQUIRE(c.ok());
    TableView v = c->view();
    CHECK(v.generation() == 7);
    CHECK(v.entry_count() == 5);
    CHECK(carrier_of(v, "447911123456") == "mobile/4479");
    CHECK(carrier_of(v, "447811123456") == "seven/447");
    CHECK(carrier_of(v, "4420") == "uk/44");
    CHECK(carrier_of(v, "44") == "uk/44");
    CHECK(carrier_of(v, "4") == "any/");
    CHECK(carrier_of(v, "33123") == "any/");
    CHECK(carrier_of(v, "") == "any/");
    CHECK(carrier_of(v, "12025550100") == "nanp/1");
    CHECK(v.lookup("4479")->country == "GB");
    CHECK(v.lookup("44")->country == "");
    // A non-digit ends the walk at the longest prefix matched so far.
    CHECK(carrier_of(v, "447x9") == "seven/447");
}

TEST_CASE("without a default route an uncovered number has no match") {
    RouteTable t{{entry("44", {"uk"})}};
    auto c = CompiledTable::compile(t, 1);
    REQUIRE(c.ok());
    CHECK_FALSE(c->view().lookup("33"));
    CHECK_FALSE(c->view().lookup(""));
    RouteTable empty;
    auto e = CompiledTable::compile(empty, 1);
    REQUIRE(e.ok());
    CHECK_FALSE(e->view().lookup("44"));
}

TEST_CASE("candidates keep their fields and order in the image") {
    RouteEntry e = entry("44", {"a", "b"});
    e.candidates[0].priority = 5;
    e.candidates[0].cost_micros = 1234;
    e.candidates[0].weight = 9;
    e.candidates[0].data_codings = {0, 8, 255};
    e.candidates[0].profile = "gold";
    e.candidates[0].traffic_classes = bit(TrafficClass::bulk);
    e.candidates[1].window = TimeWindow{60, 120, -300, "America/New_York"};
    auto c = CompiledTable::compile(RouteTable{{e}}, 1);
    REQUIRE(c.ok());
    TableView v = c->view();
    auto m = v.lookup("44");
    REQUIRE(m);
    REQUIRE(m->candidates.size() == 2);
    const auto& a = m->candidates[0];
    CHECK(v.carrier(a) == "a");
    CHECK(a.priority == 5);
    CHECK(a.cost_micros == 1234);
    CHECK(a.weight == 9);
    CHECK(v.string(a.profile) == "gold");
    CHECK(a.traffic_classes == bit(TrafficClass::bulk));
    REQUIRE(v.coding_set(a));
    CHECK(v.coding_set(a)->contains(0));
    CHECK(v.coding_set(a)->contains(8));
    CHECK(v.coding_set(a)->contains(255));
    CHECK_FALSE(v.coding_set(a)->contains(3));
    CHECK_FALSE(v.window(a));
    const auto& b = m->candidates[1];
    CHECK(v.carrier(b) == "b");
    CHECK_FALSE(v.coding_set(b));
    REQUIRE(v.window(b));
    CHECK(v.window(b)->from_minute == 60);
    CHECK(v.window(b)->utc_offset_minutes == -300);
    CHECK(v.string(v.window(b)->zone) == "America/New_York");
}

TEST_CASE("compile rejects what the loaders would") {
    CHECK_FALSE(CompiledTable::compile(RouteTable{{entry("44", {"a"}), entry("44", {"b"})}}, 1).ok());
    CHECK(CompiledTable::compile(RouteTable{{entry("4x", {"a"})}}, 1).error().message ==
          "route image: prefix '4x' is not 0-15 digits");
    CHECK(CompiledTable::compile(RouteTable{{entry("44", {})}}, 1).error().message ==
          "route image: prefix '44' needs 1 to 65534 candidates");
}

TEST_CASE("the direct table: K digits sized to the trie, lookups through it agree with the walk") {
    // 3000 prefixes of 1-7 digits: about 9000 nodes, so K = 3 (10^3 x 4 <= nodes < 10^4 x 4).
    std::mt19937_64 rng(5);
    RouteTable t;
    std::set<std::string> prefixes{""};
    t.entries.push_back(entry("", {"default"}));
    while (prefixes.size() < 3000) {
        std::string p;
        auto len = 1 + rng() % 7;
        for (std::size_t i = 0; i < len; ++i) p += static_cast<char>('0' + rng() % 10);
        if (prefixes.insert(p).second) t.entries.push_back(entry(p, {"c"}));
    }
    auto c = CompiledTable::compile(t, 1);
    REQUIRE(c.ok());
    TableView v = c->view();
    CHECK(v.direct_digits() == 3);
    CHECK(v.node_count() >= 4000);
    CHECK(v.node_count() < 40000);
    // Every number of 0-9 characters, some with a non-digit inside the first K.
    for (int i = 0; i < 20000; ++i) {
        std::string n;
        for (std::size_t k = 0, len = rng() % 10; k < len; ++k) n += static_cast<char>('0' + rng() % 10);
        if (i % 7 == 0 && !n.empty()) n[rng() % n.size()] = 'x';
        std::size_t best = 0;
        for (std::size_t len = 1; len <= n.size() && n[len - 1] != 'x'; ++len)
            if (prefixes.count(n.substr(0, len))) best = len;
        auto m = v.lookup(n);
        REQUIRE(m);
        REQUIRE(m->prefix_digits == best);
    }
    // A tiny table has none.
    auto small = CompiledTable::compile(RouteTable{{entry("44", {"uk"})}}, 1);
    CHECK(small->view().direct_digits() == 0);
}

TEST_CASE("random tables: the trie agrees with a brute-force longest prefix") {
    std::mt19937_64 rng(42);
    RouteTable t;
    std::set<std::string> prefixes;
    while (prefixes.size() < 3000) {
        std::string p;
        auto len = 1 + rng() % 7;
        for (std::size_t i = 0; i < len; ++i) p += static_cast<char>('0' + rng() % 10);
        prefixes.insert(p);
    }
    for (const auto& p : prefixes) t.entries.push_back(entry(p, {std::string("c").append(std::to_string(rng() % 50))}));
    auto c = CompiledTable::compile(t, 1);
    REQUIRE(c.ok());
    TableView v = c->view();
    REQUIRE(TableView::attach(c->bytes()).ok());
    for (int i = 0; i < 20000; ++i) {
        std::string n;
        for (int k = 0; k < 10; ++k) n += static_cast<char>('0' + rng() % 10);
        std::size_t best = 0;
        bool found = false;
        for (std::size_t len = 1; len <= n.size(); ++len)
            if (prefixes.count(n.substr(0, len))) best = len, found = true;
        auto m = v.lookup(n);
        REQUIRE(found == m.has_value());
        if (found) REQUIRE(m->prefix_digits == best);
    }
}

TEST_CASE("attach refuses corrupt images") {
    RouteTable t{{entry("44", {"uk"}), entry("4479", {"mobile"}), entry("", {"any"})}};
    auto c = CompiledTable::compile(t, 3);
    REQUIRE(c.ok());
    auto bytes = c->bytes();
    REQUIRE(TableView::attach(bytes).ok());
    std::vector<std::uint64_t> copy(bytes.size() / 8);
    auto reset = [&] { std::memcpy(copy.data(), bytes.data(), bytes.size()); };
    auto data = [&] { return reinterpret_cast<std::byte*>(copy.data()); };
    auto attach = [&](std::size_t size) {
        return TableView::attach({reinterpret_cast<const std::byte*>(copy.data()), size});
    };
    auto header = [&] { return reinterpret_cast<image::Header*>(copy.data()); };
    auto reseal = [&] {
        header()->checksum = image_checksum({data(), bytes.size()}, offsetof(image::Header, checksum));
    };

    reset();
    CHECK(attach(bytes.size()).ok());

    SECTION("a flipped byte anywhere fails the checksum") {
        for (std::size_t at : {std::size_t{200}, bytes.size() - 1, std::size_t{100}}) {
            reset();
            data()[at] ^= std::byte{0x40};
            CHECK(attach(bytes.size()).error().message == "route image: checksum mismatch (corrupt image)");
        }
    }
    SECTION("magic, version, size") {
        header()->magic ^= 1;
        CHECK(attach(bytes.size()).error().message == "route image: bad magic (not a route image)");
        reset();
        header()->version = 1;  // the format before the direct table
        CHECK(attach(bytes.size()).error().message == "route image: version 1 (this build reads 2)");
        reset();
        CHECK(attach(bytes.size() - 8).error().message ==
              "route image: size " + std::to_string(bytes.size()) + " does not fit the " +
                  std::to_string(bytes.size() - 8) + " bytes mapped");
        CHECK(attach(16).error().message == "route image: smaller than its header");
    }
    SECTION("bad indices are caught even with a matching checksum") {
        auto* nodes = reinterpret_cast<image::Node*>(data() + header()->nodes_offset);
        nodes[0].first_child = 0;  // a loop back to the root
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: node 0 points outside the trie");
        reset();
        nodes[1].packed |= 100u << 10;
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: node 1 has a bad route index");
        reset();
        auto* routes = reinterpret_cast<image::Route*>(data() + header()->routes_offset);
        routes[1].candidate_count = 500;
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: route 1 has candidates outside the image");
        reset();
        auto* cands = reinterpret_cast<image::Candidate*>(data() + header()->candidates_offset);
        cands[0].carrier = 77;
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: candidate 0 has an index out of range");
        reset();
        header()->candidates_offset = bytes.size();
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: a section lies outside the image");
        reset();
        header()->direct_digits = 7;
        reseal();
        CHECK(attach(bytes.size()).error().message == "route image: a section lies outside the image");
    }
}

TEST_CASE("attach refuses a direct table pointing outside the trie") {
    std::vector<RouteEntry> entries;
    for (int i = 0; i < 100; ++i) entries.push_back(entry(std::to_string(1000 + i * 7), {"a"}));
    auto c = CompiledTable::compile(RouteTable{entries}, 1);
    REQUIRE(c.ok());
    REQUIRE(c->view().direct_digits() == 1);
    auto bytes = c->bytes();
    std::vector<std::uint64_t> copy(bytes.size() / 8);
    std::memcpy(copy.data(), bytes.data(), bytes.size());
    auto* data = reinterpret_cast<std::byte*>(copy.data());
    auto* header = reinterpret_cast<image::Header*>(data);
    auto* direct = reinterpret_cast<image::Direct*>(data + header->direct_offset);
    direct[1].first_child = header->node_count;
    header->checksum = image_checksum({data, bytes.size()}, offsetof(image::Header, checksum));
    CHECK(TableView::attach({data, bytes.size()}).error().message ==
          "route image: direct entry 1 points outside the trie");
}

TEST_CASE("an image corrupted behind a valid checksum is refused or still safe to walk") {
    std::mt19937_64 rng(99);
    RouteTable t;
    for (int i = 0; i < 200; ++i) {
        std::string country;
        if (i % 3) country = "GB";
        RouteEntry e = entry(std::to_string(rng() % 100000), {"a", "b"}, country);
        e.candidates[0].profile = "p";
        e.candidates[1].data_codings = {8};
        e.candidates[1].window = TimeWindow{1, 2, 3, "Z"};
        bool dup = false;
        for (const auto& o : t.entries) dup |= o.prefix == e.prefix;
        if (!dup) t.entries.push_back(e);
    }
    auto c = CompiledTable::compile(t, 1);
    REQUIRE(c.ok());
    auto bytes = c->bytes();
    std::vector<std::uint32_t> copy(bytes.size() / 4);
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        std::memcpy(copy.data(), bytes.data(), bytes.size());
        auto* data = reinterpret_cast<std::byte*>(copy.data());
        for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) {
            std::size_t word = rng() % copy.size();
            copy[word] = (rng() % 2) ? static_cast<std::uint32_t>(rng()) : copy[word] ^ (1u << (rng() % 32));
        }
        auto* header = reinterpret_cast<image::Header*>(data);
        header->checksum = image_checksum({data, bytes.size()}, offsetof(image::Header, checksum));
        auto v = TableView::attach({data, bytes.size()});
        if (!v) continue;
        ++accepted;
        // Whatever passed validation must be safe to walk (ASan would tell).
        for (int q = 0; q < 50; ++q) {
            std::string n = std::to_string(rng() % 100000000);
            if (auto m = v->lookup(n)) {
                for (const auto& cand : m->candidates) {
                    CHECK(v->carrier(cand).size() < 1000);
                    (void)v->string(cand.profile);
                    if (auto w = v->window(cand)) (void)v->string(w->zone);
                    if (auto s = v->coding_set(cand)) (void)s->contains(8);
                }
            }
        }
    }
    CHECK(accepted > 0);  // some corruptions (costs, weights) are valid tables
}
