#include "smpp/protocol/utf8.hpp"

#include <catch2/catch.hpp>

using namespace smpp::protocol;

TEST_CASE("utf8 next decodes one to four octet sequences") {
    CHECK(utf8::next("A", 0)->value == U'A');
    CHECK(utf8::next("é", 0)->length == 2);
    CHECK(utf8::next("€", 0)->value == U'€');
    CHECK(utf8::next("😀", 0)->value == 0x1F600);
    CHECK(utf8::next("😀", 0)->length == 4);
    CHECK_FALSE(utf8::next("", 0));
    CHECK_FALSE(utf8::next("\x80", 0));
    CHECK_FALSE(utf8::next("\xE2\x82", 0));
    CHECK_FALSE(utf8::next("\xF4\x90\x80\x80", 0));  // above U+10FFFF
    CHECK_FALSE(utf8::next("\xE0\x80\x80", 0));      // overlong
}

TEST_CASE("utf8 append round trips scalar values") {
    for (char32_t cp : {char32_t{0}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF}, char32_t{0x800},
                        char32_t{0xFFFF}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
        std::string s;
        utf8::append(s, cp);
        const auto r = utf8::next(s, 0);
        REQUIRE(r);
        CHECK(r->value == cp);
        CHECK(r->length == s.size());
    }
}
