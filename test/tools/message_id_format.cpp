#include "tools/smpp-sim/message_id_format.hpp"

#include <regex>
#include <set>

#include <catch2/catch.hpp>

using namespace smpp::sim;

TEST_CASE("message_id_format: hex, padded or not, either case", "[tools][smpp-sim]") {
    CHECK(format_message_id({id_base::hex, 0, id_case::lower}, 0) == "0");
    CHECK(format_message_id({id_base::hex, 0, id_case::lower}, 255) == "ff");
    CHECK(format_message_id({id_base::hex, 0, id_case::upper}, 255) == "FF");
    CHECK(format_message_id({id_base::hex, 8, id_case::lower}, 0xabc) == "00000abc");
    CHECK(format_message_id({id_base::hex, 8, id_case::upper}, 0xabc) == "00000ABC");
    CHECK(format_message_id({id_base::hex, 2, id_case::lower}, 0x12345) == "12345");  // never truncated
    CHECK(format_message_id({id_base::hex, 0, id_case::lower}, ~0ULL) == "ffffffffffffffff");
}

TEST_CASE("message_id_format: decimal, padded or not", "[tools][smpp-sim]") {
    CHECK(format_message_id({id_base::decimal, 0, id_case::lower}, 0) == "0");
    CHECK(format_message_id({id_base::decimal, 0, id_case::lower}, 1234567) == "1234567");
    CHECK(format_message_id({id_base::decimal, 10, id_case::lower}, 255) == "0000000255");
    CHECK(format_message_id({id_base::decimal, 10, id_case::upper}, 255) == "0000000255");
    CHECK(format_message_id({id_base::decimal, 0, id_case::lower}, ~0ULL) == "18446744073709551615");
    CHECK(format_message_id({id_base::decimal, 64, id_case::lower}, 7).size() == 64);
}

TEST_CASE("message_id_format: uuid is version 4 shaped, stable and distinct", "[tools][smpp-sim]") {
    const MessageIdFormat lower{id_base::uuid, 0, id_case::lower};
    const MessageIdFormat upper{id_base::uuid, 0, id_case::upper};
    const auto a = format_message_id(lower, 1);
    CHECK(a == "910a2dec-8902-4cc1-9113-56ec9794c104");
    CHECK(format_message_id(upper, 1) == "910A2DEC-8902-4CC1-9113-56EC9794C104");
    CHECK(format_message_id(lower, 1) == a);  // the same message, the same ID in resp and receipt
    const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> seen;
    for (std::uint64_t n = 0; n < 1000; ++n) {
        auto id = format_message_id(lower, n);
        CHECK(std::regex_match(id, shape));
        seen.insert(id);
    }
    CHECK(seen.size() == 1000);
    // Width does not apply to UUIDs.
    CHECK(format_message_id({id_base::uuid, 64, id_case::lower}, 1) == a);
}

TEST_CASE("message_id_format: the same message in two formats", "[tools][smpp-sim]") {
    // A carrier that answers submit_sm_resp in padded upper hex and quotes the
    // receipt in decimal: both derive from message number 3054.
    CHECK(format_message_id({id_base::hex, 10, id_case::upper}, 3054) == "0000000BEE");
    CHECK(format_message_id({id_base::decimal, 0, id_case::lower}, 3054) == "3054");
}

TEST_CASE("message_id_format: reuses the caller's buffer", "[tools][smpp-sim]") {
    std::string out = "previous content that is long";
    format_message_id({id_base::decimal, 0, id_case::lower}, 42, out);
    CHECK(out == "42");
}

TEST_CASE("message_id_format: names parse and validate", "[tools][smpp-sim]") {
    CHECK(parse_id_base("hex") == id_base::hex);
    CHECK(parse_id_base("decimal") == id_base::decimal);
    CHECK(parse_id_base("uuid") == id_base::uuid);
    CHECK_FALSE(parse_id_base("HEX"));
    CHECK(parse_id_case("upper") == id_case::upper);
    CHECK_FALSE(parse_id_case("mixed"));
    CHECK(MessageIdFormat{id_base::hex, 64, id_case::lower}.validate().empty());
    CHECK(MessageIdFormat{id_base::hex, 65, id_case::lower}.validate() == "width must be at most 64");
}
