#include "routing/shm_segment.hpp"

#include <cstring>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace smpp::routing;

namespace {
std::string unique(const char* what) { return std::string("/smpp-test-seg.").append(std::to_string(::getpid())) + "." + what; }
}  // namespace

TEST_CASE("create, open read-only, unlink; the mapping outlives the name") {
    std::string name = unique("a");
    auto w = shm::create(name, 4096);
    REQUIRE(w.ok());
    std::memcpy(w->data(), "route", 6);
    auto r = shm::open(name, shm::Access::read_only);
    REQUIRE(r.ok());
    CHECK(r->size() == 4096);
    CHECK(std::strcmp(static_cast<const char*>(r->data()), "route") == 0);
    REQUIRE(shm::unlink(name).ok());
    CHECK(std::strcmp(static_cast<const char*>(r->data()), "route") == 0);
    auto gone = shm::open(name, shm::Access::read_only);
    REQUIRE_FALSE(gone.ok());
    CHECK(shm::missing(gone.error()));
    CHECK(gone.error().message == "shm_open " + name + ": No such file or directory (no such segment)");
    CHECK(shm::unlink(name).ok());  // already gone is fine
}

TEST_CASE("create refuses an existing name; open_or_create reuses it") {
    std::string name = unique("b");
    auto a = shm::open_or_create(name, 64);
    REQUIRE(a.ok());
    static_cast<char*>(a->data())[0] = 'x';
    auto b = shm::open_or_create(name, 64);
    REQUIRE(b.ok());
    CHECK(static_cast<const char*>(b->data())[0] == 'x');
    auto c = shm::create(name, 64);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message == "shm_open " + name + ": File exists");
    CHECK(shm::unlink(name).ok());
}
