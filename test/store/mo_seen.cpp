#include "store/mo_seen.hpp"

#include <catch2/catch.hpp>

using namespace smpp::store;

namespace {

std::string hex(const std::string& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

MobileOriginated hello() {
    return MobileOriginated{.carrier = "carrier01",
                            .source = {1, 1, "447700900001"},
                            .destination = {0, 0, "12345"},
                            .data_coding = 0,
                            .payload = "hello"};
}

}  // namespace

TEST_CASE("mo seen key: 16 bytes, stable across builds (the ledger stores it)", "[store][mo]") {
    const auto k = mo_seen_key(hello());
    CHECK(k.size() == 16);
    // FNV-1a 128 of "9:carrier01" "12:447700900001" "5:12345" \0 "5:hello" "0:" "0:".
    CHECK(hex(k) == "89d72670c9d530f568db6432f0df9b77");
}

TEST_CASE("mo seen key: every field of the dedupe key counts, the rest does not", "[store][mo]") {
    const auto base = mo_seen_key(hello());
    auto changed = [](auto change) {
        auto m = hello();
        change(m);
        return mo_seen_key(m);
    };
    CHECK(base == changed([](MobileOriginated& m) {
              m.account = "other";
              m.esm_class = 0x40;
              m.received_at = Timestamp{std::chrono::milliseconds{5}};
          }));
    CHECK(base != changed([](MobileOriginated& m) { m.carrier = "carrier02"; }));
    CHECK(base != changed([](MobileOriginated& m) { m.source.address = "447700900002"; }));
    CHECK(base != changed([](MobileOriginated& m) { m.destination.address = "12346"; }));
    CHECK(base != changed([](MobileOriginated& m) { m.data_coding = 8; }));
    CHECK(base != changed([](MobileOriginated& m) { m.payload = "hello!"; }));
    CHECK(base != changed([](MobileOriginated& m) { m.sar = Concatenation{9, 2, 1}; }));
    CHECK(changed([](MobileOriginated& m) { m.sar = Concatenation{9, 2, 1}; }) !=
          changed([](MobileOriginated& m) { m.sar = Concatenation{9, 2, 2}; }));
    CHECK(base != changed([](MobileOriginated& m) { m.carrier_message_id = "A1"; }));
    // Length-prefixed: moving a character from one field to the next is another key.
    CHECK(changed([](MobileOriginated& m) { m.carrier = "ab"; m.source.address = "c"; }) !=
          changed([](MobileOriginated& m) { m.carrier = "a"; m.source.address = "bc"; }));
}
