#include "routing/shm_table.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using namespace smpp::routing;

namespace {

std::string unique_ns(const char* test) { return std::string("t").append(std::to_string(::getpid())) + "-" + test; }

// Every prefix of generation g routes to carrier "c<g>", so a reader can
// tell a consistent table from a torn one.
RouteTable table_for(std::uint64_t generation, int prefixes) {
    RouteTable t;
    Candidate c;
    c.carrier = std::string("c").append(std::to_string(generation));
    for (int i = 0; i < prefixes; ++i) t.entries.push_back(RouteEntry{std::to_string(100000 + i * 7), "", {c}});
    t.entries.push_back(RouteEntry{"", "", {c}});
    return t;
}

struct Cleanup {
    ShmPublisher* p;
    ~Cleanup() { p->remove(); }
};

}  // namespace

TEST_CASE("publish, attach, reload") {
    auto ns = unique_ns("reload");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    CHECK(pub->generation() == 0);

    auto reader = ShmReader::open(ns);
    REQUIRE(reader.ok());
    CHECK_FALSE(reader->current().valid());  // nothing published yet

    auto g1 = pub->publish(table_for(1, 10));
    REQUIRE(g1.ok());
    CHECK(*g1 == 1);
    const TableView& v1 = reader->current();
    REQUIRE(v1.valid());
    CHECK(v1.generation() == 1);
    CHECK(v1.carrier(v1.lookup("100007")->candidates[0]) == "c1");
    CHECK(reader->generation() == 1);

    // A second reader and a reader opened later see the same table.
    auto other = ShmReader::open(ns);
    REQUIRE(other.ok());
    CHECK(other->current().generation() == 1);

    REQUIRE(pub->publish(table_for(2, 10)).ok());
    TableView held = reader->current();
    CHECK(held.generation() == 2);
    // Publishing 3 and 4 unlinks 2's segment; our mapping still reads it.
    REQUIRE(pub->publish(table_for(3, 10)).ok());
    REQUIRE(pub->publish(table_for(4, 10)).ok());
    CHECK(held.carrier(held.lookup("100014")->candidates[0]) == "c2");
    CHECK(shm::missing(shm::open(image_segment_name(ns, 2), shm::Access::read_only).error()));
    CHECK(shm::open(image_segment_name(ns, 3), shm::Access::read_only).ok());  // the previous one stays

    CHECK(other->current().generation() == 4);
    CHECK(reader->current().carrier(reader->current().lookup("9")->candidates[0]) == "c4");
}

TEST_CASE("a new publisher continues the generations") {
    auto ns = unique_ns("restart");
    {
        auto pub = ShmPublisher::open(ns);
        REQUIRE(pub.ok());
        REQUIRE(pub->publish(table_for(1, 1)).ok());
        REQUIRE(pub->publish(table_for(2, 1)).ok());
    }
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    CHECK(pub->generation() == 2);
    CHECK(*pub->publish(table_for(3, 1)) == 3);
}

TEST_CASE("a bad table is rejected and the old one keeps serving") {
    auto ns = unique_ns("bad");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    REQUIRE(pub->publish(table_for(1, 3)).ok());
    RouteTable bad = table_for(2, 3);
    bad.entries.push_back(bad.entries[0]);
    auto r = pub->publish(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "route image: duplicate prefix '100000'");
    CHECK(pub->generation() == 1);
}

TEST_CASE("a reader keeps its table when the new image is corrupt") {
    auto ns = unique_ns("corrupt");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    REQUIRE(pub->publish(table_for(1, 3)).ok());
    auto reader = ShmReader::open(ns);
    REQUIRE(reader.ok());
    REQUIRE(reader->current().generation() == 1);

    // Forge generation 2: a segment of garbage, announced in the control block.
    auto forged = shm::create(image_segment_name(ns, 2), 4096);
    REQUIRE(forged.ok());
    std::memset(forged->data(), 0x5a, 4096);
    auto control = shm::open(control_segment_name(ns), shm::Access::read_write);
    REQUIRE(control.ok());
    auto* generation = reinterpret_cast<std::atomic<std::uint64_t>*>(static_cast<char*>(control->data()) + 16);
    generation->store(2);

    const TableView& v = reader->current();
    CHECK(v.generation() == 1);
    REQUIRE(reader->last_error());
    CHECK(reader->last_error()->message ==
          image_segment_name(ns, 2) + ": route image: bad magic (not a route image)");
    (void)shm::unlink(image_segment_name(ns, 2));
    // The publisher moves on past the forged generation.
    REQUIRE(*pub->publish(table_for(3, 3)) == 3);
    CHECK(reader->current().generation() == 3);
    CHECK_FALSE(reader->last_error());
}

TEST_CASE("namespaces are checked") {
    CHECK_FALSE(ShmPublisher::open("a/b").ok());
    CHECK_FALSE(ShmPublisher::open("").ok());
    CHECK(ShmReader::open(unique_ns("never-published")).error().message ==
          "shm_open " + control_segment_name(unique_ns("never-published")) +
              ": No such file or directory (no such segment)");
}

// A child process looks up in a loop while the parent reloads many times:
// every lookup must come from one whole table (carrier "c<g>" for the
// generation g it read), never garbage, and generations never go back.
TEST_CASE("lookups in another process stay consistent across reloads") {
    auto ns = unique_ns("fork");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    constexpr int reloads = 60;
    constexpr int prefixes = 20000;
    REQUIRE(pub->publish(table_for(1, prefixes)).ok());

    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipefd[0]);
        // No Catch2 in the child: report through the exit code and the pipe.
        int status = 0;
        std::uint64_t lookups = 0, generations_seen = 0, last = 0;
        auto reader = ShmReader::open(ns);
        if (!reader.ok()) ::_exit(10);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (lookups < 50'000'000 && std::chrono::steady_clock::now() < deadline) {
            const TableView& v = reader->current();
            if (!v.valid()) { status = 11; break; }
            std::uint64_t g = v.generation();
            if (g < last) { status = 12; break; }
            if (g != last) ++generations_seen, last = g;
            std::string expected = std::string("c").append(std::to_string(g));
            for (int i = 0; i < 100; ++i, ++lookups) {
                std::string number = std::to_string(100000 + (static_cast<int>(lookups) % prefixes) * 7) + "55";
                auto m = v.lookup(number);
                if (!m || m->prefix_digits != 6 || m->candidates.size() != 1 || v.carrier(m->candidates[0]) != expected) {
                    status = 13;
                    break;
                }
            }
            if (status || g == reloads + 1) break;
        }
        std::uint64_t report[3] = {lookups, generations_seen, last};
        if (::write(pipefd[1], report, sizeof report) != sizeof report) status = 14;
        ::_exit(status);
    }
    ::close(pipefd[1]);
    for (std::uint64_t g = 2; g <= reloads + 1; ++g) {
        REQUIRE(pub->publish(table_for(g, prefixes)).ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 600 && done == 0; ++i) {
        done = ::waitpid(child, &status, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (done == 0) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        FAIL("the child did not finish");
    }
    std::uint64_t report[3] = {};
    REQUIRE(::read(pipefd[0], report, sizeof report) == sizeof report);
    ::close(pipefd[0]);
    INFO("lookups " << report[0] << ", generations seen " << report[1] << ", last " << report[2]);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(report[2] == reloads + 1);
    CHECK(report[1] >= 2);
}

TEST_CASE("a refresher prepares new tables off the lookup path; its readers switch without mapping") {
    auto ns = unique_ns("refresher");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    REQUIRE(pub->publish(table_for(1, 100)).ok());

    auto refresher = TableRefresher::open(ns, std::chrono::milliseconds(0));  // no thread: refresh() by hand
    REQUIRE(refresher.ok());
    CHECK((*refresher)->generation() == 1);
    auto reader = ShmReader::open(*refresher);
    REQUIRE(reader.ok());
    auto other = ShmReader::open(*refresher);
    REQUIRE(other.ok());
    CHECK(reader->current().generation() == 1);

    REQUIRE(pub->publish(table_for(2, 100)).ok());
    // Until the refresher has the new table ready, lookups stay on the old one.
    TableView held = reader->current();
    CHECK(held.generation() == 1);
    (*refresher)->refresh();
    CHECK((*refresher)->generation() == 2);
    CHECK((*refresher)->prepared() == 2);
    CHECK(reader->current().generation() == 2);
    CHECK(reader->current().carrier(reader->current().lookup("100007")->candidates[0]) == "c2");
    // Readers share the refresher's mapping; a view taken before the switch
    // stays readable while this reader holds it... and the other reader's
    // table lives on after the publisher retired its segment.
    TableView other_old = other->current();
    CHECK(other_old.generation() == 2);
    REQUIRE(pub->publish(table_for(3, 100)).ok());
    REQUIRE(pub->publish(table_for(4, 100)).ok());
    (*refresher)->refresh();
    CHECK(other_old.carrier(other_old.lookup("100014")->candidates[0]) == "c2");
    CHECK(other->current().generation() == 4);
    CHECK(reader->current().generation() == 4);
    // Nothing new: no work.
    (*refresher)->refresh();
    CHECK((*refresher)->prepared() == 3);
    CHECK_FALSE((*refresher)->last_error());
}

TEST_CASE("a refresher's thread follows reloads; a corrupt image keeps the old table") {
    auto ns = unique_ns("refresher-thread");
    auto pub = ShmPublisher::open(ns);
    REQUIRE(pub.ok());
    Cleanup cleanup{&pub.value()};
    REQUIRE(pub->publish(table_for(1, 10)).ok());
    auto refresher = TableRefresher::open(ns, std::chrono::milliseconds(1));
    REQUIRE(refresher.ok());
    auto reader = ShmReader::open(*refresher);
    REQUIRE(reader.ok());
    REQUIRE(pub->publish(table_for(2, 10)).ok());
    // Bounded wait for the thread (polls every 1 ms).
    for (int i = 0; i < 5000 && reader->current().generation() != 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(reader->current().generation() == 2);

    refresher->reset();  // stops and joins its thread

    // Generation 3's image is corrupted after publishing: the refresher
    // reports it and its readers keep generation 2.
    auto manual = TableRefresher::open(ns, std::chrono::milliseconds(0));
    REQUIRE(manual.ok());
    auto manual_reader = ShmReader::open(*manual);
    REQUIRE(manual_reader.ok());
    REQUIRE(pub->publish(table_for(3, 10)).ok());
    {
        auto segment = shm::open(image_segment_name(ns, 3), shm::Access::read_write);
        REQUIRE(segment.ok());
        static_cast<unsigned char*>(segment->data())[segment->size() - 1] ^= 0x40;
    }
    (*manual)->refresh();
    CHECK((*manual)->generation() == 2);
    REQUIRE((*manual)->last_error());
    CHECK((*manual)->last_error()->message.find("checksum mismatch") != std::string::npos);
    CHECK(manual_reader->current().generation() == 2);
    REQUIRE(pub->publish(table_for(4, 10)).ok());
    (*manual)->refresh();
    CHECK(manual_reader->current().generation() == 4);
}
