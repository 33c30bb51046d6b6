#include "routing/shm_segment.hpp"

#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

// A sparse segment would take its pages at the first write, and with
// /dev/shm full that write is a SIGBUS, not an error publish() can report.
TEST_CASE("create and open_or_create allocate the segment's pages up front") {
    auto blocks = [](const std::string& name) {
        int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
        REQUIRE(fd >= 0);
        struct stat st {};
        REQUIRE(::fstat(fd, &st) == 0);
        ::close(fd);
        return static_cast<std::size_t>(st.st_blocks) * 512;
    };
    constexpr std::size_t size = 4 << 20;
    std::string name = unique("alloc");
    auto w = shm::create(name, size);
    REQUIRE(w.ok());
    CHECK(blocks(name) >= size);
    REQUIRE(shm::unlink(name).ok());

    std::string ctl = unique("alloc-ctl");
    auto c = shm::open_or_create(ctl, size);
    REQUIRE(c.ok());
    CHECK(blocks(ctl) >= size);
    REQUIRE(shm::unlink(ctl).ok());
}
