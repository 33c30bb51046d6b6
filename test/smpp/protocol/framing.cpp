#include "smpp/protocol/framing.hpp"

#include <catch2/catch.hpp>

using namespace smpp::protocol;

TEST_CASE("read_header and write_header are big-endian and inverse") {
    const std::array<std::uint8_t, header_size> bytes{0x00, 0x00, 0x00, 0x2F, 0x80, 0x00, 0x00, 0x04,
                                                      0x00, 0x00, 0x00, 0x58, 0x7F, 0xFF, 0xFF, 0xFF};
    PduHeader h = read_header(bytes);
    CHECK(h == PduHeader{0x2F, 0x80000004, 0x58, 0x7FFFFFFF});
    std::array<std::uint8_t, header_size> out{};
    write_header(h, out);
    CHECK(out == bytes);
}

TEST_CASE("check_length boundaries") {
    CHECK(check_length(0) == frame_check::too_short);
    CHECK(check_length(15) == frame_check::too_short);
    CHECK(check_length(16) == frame_check::ok);
    CHECK(check_length(72 * 1024) == frame_check::ok);
    CHECK(check_length(72 * 1024 + 1) == frame_check::too_long);
    CHECK(check_length(0xFFFFFFFF) == frame_check::too_long);
    SECTION("a configured maximum") {
        CHECK(check_length(4096, 4096) == frame_check::ok);
        CHECK(check_length(4097, 4096) == frame_check::too_long);
        CHECK(check_length(15, 4096) == frame_check::too_short);
    }
}
