#include "smpp/relay/carrier_id.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tools/smpp-sim/message_id_format.hpp"

namespace {

using namespace smpp;
using relay::CarrierIdSettings;
using relay::id_translation;
using relay::index_key;
using relay::receipt_lookup_keys;

bool finds(std::string_view resp, std::string_view receipt, const CarrierIdSettings& s) {
    auto key = index_key(resp, s);
    if (!key) return false;
    auto keys = receipt_lookup_keys(receipt, s);
    return std::find(keys.begin(), keys.end(), *key) != keys.end();
}

// The position of the resp's key among the receipt's candidates (-1: none).
int rank(std::string_view resp, std::string_view receipt, const CarrierIdSettings& s) {
    auto key = index_key(resp, s);
    auto keys = receipt_lookup_keys(receipt, s);
    auto it = std::find(keys.begin(), keys.end(), key.value_or(""));
    return it == keys.end() ? -1 : static_cast<int>(it - keys.begin());
}

std::vector<sim::MessageIdFormat> numeric_formats() {
    std::vector<sim::MessageIdFormat> out;
    for (auto base : {sim::id_base::hex, sim::id_base::decimal})
        for (std::uint32_t width : {0u, 10u, 20u})
            for (auto c : {sim::id_case::lower, sim::id_case::upper}) out.push_back({base, width, c});
    return out;
}

}  // namespace

TEST_CASE("carrier id: the canonical form folds case, zeros, UUID shapes and decorations") {
    CarrierIdSettings s;
    CHECK(index_key("1A2B", s) == "1a2b");
    CHECK(index_key("0001a2b", s) == "1a2b");
    CHECK(index_key("  000123 ", s) == "123");
    CHECK_FALSE(index_key("000123\t", s));  // a tab is a control character, not padding
    CHECK(index_key("0000", s) == "0");
    CHECK(index_key("id-m1", s) == "id-m1");
    CHECK(index_key("ID-M1", s) == "ID-M1");  // text keeps its case unless fold_case
    s.fold_case = true;
    CHECK(index_key("ID-M1", s) == "id-m1");

    const std::string digits = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    CHECK(index_key("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", s) == digits.substr(1));
    CHECK(index_key("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}", s) == digits.substr(1));
    CHECK(index_key("urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", s) == digits.substr(1));
    CHECK(index_key("0A1B2C3D4E5F60718293A4B5C6D7E8F9", s) == digits.substr(1));
    // A dash in the wrong place is text, not a UUID.
    CHECK(index_key("0a1b2c3d4-e5f-6071-8293-a4b5c6d7e8f9", s) == "0a1b2c3d4-e5f-6071-8293-a4b5c6d7e8f9");

    CarrierIdSettings d;
    d.strip_prefixes = {"MSG-", "X"};
    d.strip_suffixes = {".0"};
    CHECK(index_key("MSG-00FF.0", d) == "ff");
    CHECK(index_key("XFF", d) == "ff");
    CHECK(index_key("MSG-", d) == "MSG-");  // stripping never leaves nothing
    CHECK(receipt_lookup_keys("MSG-255", d) == std::vector<std::string>{"255", "597", "ff"});
}

TEST_CASE("carrier id: rejected ids are values, not exceptions") {
    CarrierIdSettings s;
    CHECK_FALSE(index_key("", s));
    CHECK_FALSE(index_key("   ", s));
    CHECK_FALSE(index_key("12\n3", s));
    CHECK_FALSE(index_key(std::string_view("12\0" "3", 4), s));
    CHECK_FALSE(index_key("ab\x7f", s));
    CHECK_FALSE(index_key(std::string(65, '1'), s));
    CHECK(index_key(std::string(64, '1'), s) == std::string(64, '1'));
    CHECK(receipt_lookup_keys("", s).empty());
    CHECK(receipt_lookup_keys("  ", s).empty());
    CHECK(receipt_lookup_keys(std::string(65, 'a'), s).empty());
}

TEST_CASE("carrier id: big numbers convert as digit strings") {
    CHECK(relay::hex_to_decimal("ffffffffffffffff") == "18446744073709551615");
    CHECK(relay::hex_to_decimal("10000000000000000") == "18446744073709551616");  // 2^64
    CHECK(relay::decimal_to_hex("18446744073709551616") == "10000000000000000");
    CHECK(relay::hex_to_decimal("00000") == "0");
    CHECK(relay::decimal_to_hex("0") == "0");
    CHECK_FALSE(relay::hex_to_decimal(""));
    CHECK_FALSE(relay::hex_to_decimal("12g"));
    CHECK_FALSE(relay::decimal_to_hex("1a"));
    // 2^128 - 1 and back.
    const std::string max128 = "340282366920938463463374607431768211455";
    CHECK(relay::decimal_to_hex(max128) == std::string(32, 'f'));
    CHECK(relay::hex_to_decimal(std::string(32, 'f')) == max128);
    // 64 hex digits (the longest id) round-trip.
    const std::string h64 = "9" + std::string(63, 'e');
    CHECK(relay::decimal_to_hex(*relay::hex_to_decimal(h64)) == h64);

    CarrierIdSettings s;
    // A 24-digit hex resp and its decimal receipt: far above 2^64.
    CHECK(finds("ABCDEF0123456789ABCDEF01", *relay::hex_to_decimal("abcdef0123456789abcdef01"), s));
    CHECK(finds(*relay::hex_to_decimal("abcdef0123456789abcdef01"), "00abcdef0123456789ABCDEF01", s));
}

TEST_CASE("carrier id: numbers within 64 bits convert as the digit strings do, at the edges too") {
    // The 64-bit shortcut ends at 16 hex / 19 decimal significant digits;
    // leading zeros do not count, beyond it the digit strings take over.
    CHECK(relay::hex_to_decimal("fffffffffffffff") == "1152921504606846975");       // 15 digits
    CHECK(relay::hex_to_decimal("FFFFFFFFFFFFFFFF") == "18446744073709551615");     // 16, upper case
    CHECK(relay::hex_to_decimal("0000ffffffffffffffff") == "18446744073709551615"); // 16 after zeros
    CHECK(relay::hex_to_decimal("1ffffffffffffffff") == "36893488147419103231");    // 17
    CHECK(relay::decimal_to_hex("9999999999999999999") == "8ac7230489e7ffff");      // 19 digits
    CHECK(relay::decimal_to_hex("00009999999999999999999") == "8ac7230489e7ffff");
    CHECK(relay::decimal_to_hex("10000000000000000000") == "8ac7230489e80000");     // 20: digit strings
    CHECK(relay::decimal_to_hex("18446744073709551615") == "ffffffffffffffff");
    CHECK(relay::decimal_to_hex("7000000000") == "1a13b8600");
    CHECK(relay::hex_to_decimal("7000000000") == "481036337152");
    CHECK(relay::hex_to_decimal("0001A2b") == "6699");
    CHECK(relay::decimal_to_hex("00") == "0");
    // Round trips across the edge, through both paths.
    for (std::string h : {"1", "f", "10", "ffffffff", "100000000", "fffffffffffffff", "ffffffffffffffff",
                          "10000000000000000", "123456789abcdef01", "8000000000000000"}) {
        const auto d = relay::hex_to_decimal(h);
        REQUIRE(d);
        CHECK(relay::decimal_to_hex(*d) == h);
    }
}

TEST_CASE("carrier id: hex <-> decimal in both directions, and the ambiguity") {
    CarrierIdSettings a;  // automatic
    CHECK(receipt_lookup_keys("6699", a) == std::vector<std::string>{"6699", "26265", "1a2b"});
    CHECK(receipt_lookup_keys("1A2B", a) == std::vector<std::string>{"1a2b", "6699"});
    CHECK(receipt_lookup_keys("id-m1", a) == std::vector<std::string>{"id-m1"});
    CHECK(rank("1A2B", "6699", a) == 2);   // resp hex, receipt decimal
    CHECK(rank("6699", "1a2b", a) == 1);   // resp decimal, receipt hex
    CHECK(rank("1234", "4660", a) == 2);   // resp hex without letters, receipt decimal
    CHECK(rank("4660", "1234", a) == 1);   // resp decimal, receipt hex without letters
    CHECK(rank("1234", "1234", a) == 0);
    // The documented ambiguity: same form first, so a receipt "1234" finds
    // a resp "1234" before a resp "4d2"; both are candidates.
    CHECK(rank("4d2", "1234", a) == 2);

    CarrierIdSettings h2d = relay::carrier_id_settings(carrier::receipt_id_format::decimal);
    CHECK(h2d.translation == id_translation::hex_to_decimal);
    CHECK(receipt_lookup_keys("6699", h2d) == std::vector<std::string>{"6699", "1a2b"});
    CarrierIdSettings d2h = relay::carrier_id_settings(carrier::receipt_id_format::hex);
    CHECK(d2h.translation == id_translation::decimal_to_hex);
    CHECK(receipt_lookup_keys("1a2b", d2h) == std::vector<std::string>{"1a2b", "6699"});
    CHECK(receipt_lookup_keys("6699", d2h) == std::vector<std::string>{"6699", "26265"});
    CarrierIdSettings none = relay::carrier_id_settings(carrier::receipt_id_format::uuid);
    CHECK(receipt_lookup_keys("6699", none) == std::vector<std::string>{"6699"});
    CHECK(relay::carrier_id_settings(carrier::receipt_id_format::text).translation == id_translation::automatic);

    // Both sides' bases known and different: the converted reading alone,
    // whenever the id converts. Before, hex_to_decimal tried the same
    // digits first: the receipt "16" for the resp "00000010" found the
    // message whose resp was "00000016" (22) when that one was sent already.
    CarrierIdSettings strict_h2d = relay::carrier_id_settings(carrier::receipt_id_format::hex_to_decimal);
    CHECK(strict_h2d.translation == id_translation::hex_to_decimal);
    CHECK(strict_h2d.bases_differ);
    CHECK(receipt_lookup_keys("16", strict_h2d) == std::vector<std::string>{"10"});
    CHECK(receipt_lookup_keys("6699", strict_h2d) == std::vector<std::string>{"1a2b"});
    CHECK(receipt_lookup_keys("0000000016", strict_h2d) == std::vector<std::string>{"10"});
    CHECK(receipt_lookup_keys("7", strict_h2d) == std::vector<std::string>{"7"});
    CHECK(receipt_lookup_keys("1a2b", strict_h2d) == std::vector<std::string>{"1a2b"});  // not decimal: as written
    CarrierIdSettings strict_d2h = relay::carrier_id_settings(carrier::receipt_id_format::decimal_to_hex);
    CHECK(strict_d2h.translation == id_translation::decimal_to_hex);
    CHECK(strict_d2h.bases_differ);
    CHECK(receipt_lookup_keys("10", strict_d2h) == std::vector<std::string>{"16"});
    CHECK(receipt_lookup_keys("1A2B", strict_d2h) == std::vector<std::string>{"6699"});
    CHECK(receipt_lookup_keys("id-m1", strict_d2h) == std::vector<std::string>{"id-m1"});
    CHECK_FALSE(relay::carrier_id_settings(carrier::receipt_id_format::decimal).bases_differ);
    CHECK_FALSE(relay::carrier_id_settings(carrier::receipt_id_format::hex).bases_differ);
}

TEST_CASE("carrier id: every format pair smpp-sim produces matches") {
    const std::vector<std::uint64_t> numbers{0,       1,          9,          10,         15,
                                             16,      255,        4660,       6699,       999999,
                                             1u << 31, 0xFFFFFFFFu, 1ull << 52, ~0ull - 1, ~0ull};
    const auto formats = numeric_formats();
    for (const auto& resp_format : formats)
        for (const auto& receipt_format : formats)
            for (auto n : numbers) {
                const auto resp = sim::format_message_id(resp_format, n);
                const auto receipt = sim::format_message_id(receipt_format, n);
                INFO("resp " << resp << " receipt " << receipt);
                CHECK(finds(resp, receipt, CarrierIdSettings{}));
                // The translation configured for the receipt's base finds it too.
                const auto configured = relay::carrier_id_settings(receipt_format.base == sim::id_base::hex
                                                                       ? carrier::receipt_id_format::hex
                                                                       : carrier::receipt_id_format::decimal);
                CHECK(finds(resp, receipt, configured));
                if (resp_format.base == receipt_format.base) CHECK(rank(resp, receipt, CarrierIdSettings{}) == 0);
            }
    // UUIDs: the simulator derives them from the counter by hashing, so a
    // UUID only corresponds to a UUID (either case).
    for (auto n : numbers) {
        const auto lower = sim::format_message_id({sim::id_base::uuid, 0, sim::id_case::lower}, n);
        const auto upper = sim::format_message_id({sim::id_base::uuid, 0, sim::id_case::upper}, n);
        INFO(lower);
        CHECK(rank(lower, upper, CarrierIdSettings{}) == 0);
        CHECK(rank(upper, "{" + lower + "}", relay::carrier_id_settings(carrier::receipt_id_format::uuid)) == 0);
        std::string no_dashes = lower;
        no_dashes.erase(std::remove(no_dashes.begin(), no_dashes.end(), '-'), no_dashes.end());
        CHECK(rank(upper, no_dashes, CarrierIdSettings{}) == 0);
    }
    // Distinct messages keep distinct keys in every format.
    for (const auto& f : formats) {
        std::vector<std::string> keys;
        for (auto n : numbers) keys.push_back(*index_key(sim::format_message_id(f, n), CarrierIdSettings{}));
        std::sort(keys.begin(), keys.end());
        CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
    }
}
