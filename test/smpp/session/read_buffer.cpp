#include "smpp/session/read_buffer.hpp"

#include <algorithm>
#include <cstring>

#include <catch2/catch.hpp>

using smpp::session::ReadBuffer;

namespace {

// Reads `n` octets of value `v` the way the session does: into prepare().
void read_into(ReadBuffer& b, std::size_t n, std::uint8_t v = 0xAB) {
    auto room = b.prepare();
    REQUIRE(room.size() >= n);
    std::memset(room.data(), v, n);
    b.commit(n);
}

}  // namespace

TEST_CASE("read buffer: a fresh one is small", "[session][read_buffer]") {
    ReadBuffer b(64 * 1024);
    CHECK(b.capacity() == ReadBuffer::initial_capacity);
    CHECK(b.capacity() <= 4 * 1024);
    CHECK(b.unparsed().empty());
    // Its first read does not grow it.
    CHECK(b.prepare().size() == ReadBuffer::initial_capacity);
    CHECK(b.capacity() == ReadBuffer::initial_capacity);
}

TEST_CASE("read buffer: a frame longer than the buffer is made room for, its octets kept", "[session][read_buffer]") {
    ReadBuffer b(100'000);
    auto room = b.prepare();
    for (std::size_t i = 0; i < 100; ++i) room[i] = static_cast<std::uint8_t>(i);
    b.commit(100);
    b.fit(70'000);
    CHECK(b.capacity() >= 70'000);
    REQUIRE(b.unparsed().size() == 100);
    for (std::size_t i = 0; i < 100; ++i) CHECK(b.unparsed()[i] == i);
    // The rest of the frame fits without more growth.
    std::size_t got = 100;
    const auto cap = b.capacity();
    while (got < 70'000) {
        auto r = b.prepare();
        const auto n = std::min<std::size_t>(r.size(), 70'000 - got);
        b.commit(n);
        got += n;
    }
    CHECK(b.capacity() == cap);
    CHECK(b.unparsed().size() == 70'000);
    b.consume(70'000);
    CHECK(b.unparsed().empty());
}

TEST_CASE("read buffer: a pipelining peer grows it a few times, then never again", "[session][read_buffer]") {
    ReadBuffer b(64 * 1024);
    constexpr std::size_t pdu = 150;
    std::size_t growths = 0, last_capacity = b.capacity(), reads = 0;
    // Every read fills all the room offered (the socket always has more),
    // and leaves part of a PDU behind, as a stream of submit_sm does.
    for (; reads < 10'000; ++reads) {
        auto room = b.prepare();
        if (b.capacity() != last_capacity) {
            ++growths;
            last_capacity = b.capacity();
            CHECK(reads < 20);  // growth only while warming up
        }
        b.commit(room.size());
        b.consume(b.unparsed().size() / pdu * pdu);
    }
    CHECK(growths > 0);
    CHECK(growths <= 6);
    CHECK(b.read_room() == ReadBuffer::max_read_room);
    // It reached the size the old fixed buffer had, and not far beyond.
    CHECK(b.capacity() >= ReadBuffer::max_read_room);
    CHECK(b.capacity() <= 4 * ReadBuffer::max_read_room);
}

TEST_CASE("read buffer: reads that do not fill it leave it as it is", "[session][read_buffer]") {
    ReadBuffer b(64 * 1024);
    for (int i = 0; i < 1000; ++i) {
        read_into(b, 200);
        b.consume(150);  // a partial PDU stays behind now and then
        if (i % 3 == 0) b.consume(b.unparsed().size());
    }
    CHECK(b.capacity() == ReadBuffer::initial_capacity);
}

TEST_CASE("read buffer: doubling stops at max_frame; a frame still gets all it needs", "[session][read_buffer]") {
    ReadBuffer b(100'000);
    read_into(b, 16);
    b.fit(90'000);
    CHECK(b.capacity() == 90'000);
    read_into(b, 89'000);
    // More room than left now: doubling would pass max_frame (100,000).
    b.consume(b.unparsed().size());
    b.fit(100'000);
    CHECK(b.capacity() == 100'000);
}
