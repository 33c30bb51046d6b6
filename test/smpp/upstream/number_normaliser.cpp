#include "smpp/upstream/number_normaliser.hpp"

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using namespace smpp::upstream;

namespace {

using Result = std::variant<NormalisedAddress, NumberError>;

const NumberNormaliser& fast() {
    static const NumberNormaliser n;
    return n;
}
const NumberNormaliser& reference() {
    static const NumberNormaliser n(NumberNormaliser::mode::reference);
    return n;
}

Result dest(std::uint8_t t, std::string_view a, std::string region = {}, bool valid = false,
            std::uint8_t n = npi::isdn) {
    return fast().normalise(t, n, a, address_role::destination, NumberPolicy{std::move(region), valid});
}
Result src(std::uint8_t t, std::string_view a, std::string region = {}, std::uint8_t n = npi::isdn) {
    return fast().normalise(t, n, a, address_role::source, NumberPolicy{std::move(region), false});
}

Result e164(std::string digits, std::string region) {
    return NormalisedAddress{address_kind::e164, std::move(digits), std::move(region)};
}
Result error(number_errc e) { return NumberError{e}; }

std::string describe(const Result& r) {
    if (auto* e = std::get_if<NumberError>(&r)) return std::string("error ") + std::string(name(e->code));
    const auto& a = std::get<NormalisedAddress>(r);
    return "kind " + std::to_string(static_cast<int>(a.kind)) + " '" + a.address + "' '" + a.region + "'";
}

}  // namespace

TEST_CASE("international numbers: TON 1 with or without '+', or '00'", "[upstream][number_normaliser]") {
    CHECK(dest(ton::international, "447400123456") == e164("447400123456", "GB"));
    CHECK(dest(ton::international, "+447400123456") == e164("447400123456", "GB"));
    CHECK(dest(ton::international, "00447400123456") == e164("447400123456", "GB"));
    CHECK(dest(ton::international, "12025550143") == e164("12025550143", "US"));
    CHECK(dest(ton::international, "14165550143") == e164("14165550143", "CA"));  // +1 shared: by the number
    CHECK(dest(ton::international, "4915112345678") == e164("4915112345678", "DE"));
    CHECK(dest(ton::international, "919876543210") == e164("919876543210", "IN"));
    CHECK(dest(ton::international, "79161234567") == e164("79161234567", "RU"));
    CHECK(dest(ton::international, "390612345678") == e164("390612345678", "IT"));  // Italian leading zero kept
    // A region's own default does not matter for an international number.
    CHECK(dest(ton::international, "4915112345678", "GB") == e164("4915112345678", "DE"));
    // Guernsey shares +44: the region is the number's, not the code's main one.
    CHECK(dest(ton::international, "447911123456") == e164("447911123456", "GG"));
}

TEST_CASE("national numbers resolve in the account's default region", "[upstream][number_normaliser]") {
    CHECK(dest(ton::national, "07400123456", "GB") == e164("447400123456", "GB"));
    CHECK(dest(ton::national, "2025550143", "US") == e164("12025550143", "US"));
    CHECK(dest(ton::national, "015112345678", "DE") == e164("4915112345678", "DE"));
    CHECK(dest(ton::national, "09876543210", "IN") == e164("919876543210", "IN"));
    // A leading '+' is explicit and wins over the TON.
    CHECK(dest(ton::national, "+4915112345678", "GB") == e164("4915112345678", "DE"));
    // No default_region: read as international; a national number then is not possible.
    CHECK(std::holds_alternative<NumberError>(dest(ton::national, "07400123456")));
    CHECK(dest(ton::national, "447400123456") == e164("447400123456", "GB"));
    // Local-only length (no area code): cannot be routed.
    CHECK(dest(ton::national, "5550143", "US") == error(number_errc::not_possible));
}

TEST_CASE("unknown TON: '+' or '00' is international, else national or international without a region",
          "[upstream][number_normaliser]") {
    CHECK(dest(ton::unknown, "+447400123456", "US") == e164("447400123456", "GB"));
    CHECK(dest(ton::unknown, "00447400123456", "US") == e164("447400123456", "GB"));
    CHECK(dest(ton::unknown, "07400123456", "GB") == e164("447400123456", "GB"));
    CHECK(dest(ton::unknown, "9876543210", "IN") == e164("919876543210", "IN"));
    // Full digits with the region's own country code are understood too.
    CHECK(dest(ton::unknown, "447400123456", "GB") == e164("447400123456", "GB"));
    // No default region: plain digits are E.164 (what upstreams sending TON 0 mean).
    CHECK(dest(ton::unknown, "447400123456") == e164("447400123456", "GB"));
    CHECK(dest(ton::unknown, "07400123456") == error(number_errc::invalid_country_code));
}

TEST_CASE("a trunk prefix inside an international number is dropped as libphonenumber does",
          "[upstream][number_normaliser]") {
    CHECK(dest(ton::international, "440740012345") == e164("44740012345", "GB"));
}

TEST_CASE("number errors", "[upstream][number_normaliser]") {
    CHECK(dest(ton::international, "") == error(number_errc::empty));
    CHECK(dest(ton::international, "+") == error(number_errc::too_short));
    CHECK(dest(ton::international, "00") == error(number_errc::too_short));
    CHECK(dest(ton::international, "44 7400 123456") == error(number_errc::not_digits));
    CHECK(dest(ton::international, "4474001234x") == error(number_errc::not_digits));
    CHECK(dest(ton::international, "999123456") == error(number_errc::invalid_country_code));
    CHECK(dest(ton::international, "4412") == error(number_errc::too_short));
    CHECK(dest(ton::international, "4474001234") == error(number_errc::not_possible));  // GB has no 8-digit NSN
    CHECK(dest(ton::international, "44740012345678") == error(number_errc::too_long));
    CHECK(dest(ton::international, "8001234567") == error(number_errc::too_short));  // +800 needs 8 digits
}

TEST_CASE("validity is a policy: possible numbers pass unless require_valid", "[upstream][number_normaliser]") {
    // Ofcom's drama range 07700 900xxx: the right length, never allocated.
    CHECK(dest(ton::international, "447700900123") == e164("447700900123", "GB"));
    CHECK(dest(ton::international, "447700900123", {}, true) == error(number_errc::not_valid));
    CHECK(dest(ton::international, "447400123456", {}, true) == e164("447400123456", "GB"));
    CHECK(dest(ton::national, "07700900123", "GB", true) == error(number_errc::not_valid));
    CHECK(dest(ton::international, "12025550143", {}, true) == e164("12025550143", "US"));
}

TEST_CASE("NPI must be unknown or ISDN for a number", "[upstream][number_normaliser]") {
    CHECK(dest(ton::international, "447400123456", {}, false, npi::unknown) == e164("447400123456", "GB"));
    for (std::uint8_t n : {3, 4, 6, 8, 9, 10, 14, 18})
        CHECK(dest(ton::international, "447400123456", {}, false, n) == error(number_errc::bad_npi));
}

TEST_CASE("TONs an address cannot have", "[upstream][number_normaliser]") {
    CHECK(dest(ton::alphanumeric, "ACME") == error(number_errc::bad_ton));
    CHECK(dest(ton::subscriber_number, "5550143") == error(number_errc::bad_ton));
    CHECK(src(ton::subscriber_number, "5550143") == error(number_errc::bad_ton));
    for (std::uint8_t t : {7, 8, 0x10, 0xFF}) {
        CHECK(dest(t, "447400123456") == error(number_errc::bad_ton));
        CHECK(src(t, "447400123456") == error(number_errc::bad_ton));
    }
}

TEST_CASE("short codes pass through as digits", "[upstream][number_normaliser]") {
    const Result code = NormalisedAddress{address_kind::short_code, "80800", {}};
    CHECK(dest(ton::network_specific, "80800") == code);
    CHECK(dest(ton::abbreviated, "80800") == code);
    CHECK(dest(ton::abbreviated, "80800", {}, false, npi::private_plan) == code);
    CHECK(src(ton::network_specific, "80800") == code);
    CHECK(dest(ton::abbreviated, "80800", {}, false, 3) == error(number_errc::bad_npi));
    CHECK(dest(ton::abbreviated, "8080A") == error(number_errc::not_digits));
    CHECK(dest(ton::abbreviated, "1234567890123456") == error(number_errc::too_long));
    // A source short digit string under TON 0/2 is a short code...
    CHECK(src(ton::unknown, "80800", "GB") == code);
    CHECK(src(ton::national, "80800") == code);
    CHECK(src(ton::national, "80800", {}, npi::unknown) == code);
    // ...but not under TON 1, and not as a destination.
    CHECK(src(ton::international, "80800") == error(number_errc::too_short));
    CHECK(dest(ton::unknown, "80800", "GB") == error(number_errc::not_possible));
    // A source number is normalised like a destination.
    CHECK(src(ton::national, "07400123456", "GB") == e164("447400123456", "GB"));
    CHECK(src(ton::unknown, "1234567890123", "GB") == error(number_errc::too_long));
}

TEST_CASE("alphanumeric senders: 1..11 GSM characters", "[upstream][number_normaliser]") {
    const auto alpha = [](std::string s) -> Result {
        return NormalisedAddress{address_kind::alphanumeric, std::move(s), {}};
    };
    CHECK(src(ton::alphanumeric, "ACME") == alpha("ACME"));
    CHECK(src(ton::alphanumeric, "Acme Bank 1") == alpha("Acme Bank 1"));  // 11
    CHECK(src(ton::alphanumeric, "ACME", {}, npi::unknown) == alpha("ACME"));
    CHECK(src(ton::alphanumeric, "Acme Bank 12") == error(number_errc::bad_alphanumeric));  // 12
    CHECK(src(ton::alphanumeric, "Acme[Bank]") == error(number_errc::bad_alphanumeric));   // 12 septets
    CHECK(src(ton::alphanumeric, "Acme[Bank") == alpha("Acme[Bank"));                       // 10 septets
    CHECK(src(ton::alphanumeric, "Ac`me") == error(number_errc::bad_alphanumeric));  // not in GSM 03.38
    CHECK(src(ton::alphanumeric, std::string("AC\x01ME")) == error(number_errc::bad_alphanumeric));
    CHECK(src(ton::alphanumeric, "\xC3\xA9t\xC3\xA9") == error(number_errc::bad_alphanumeric));
    CHECK(src(ton::alphanumeric, "ACME", {}, npi::private_plan) == error(number_errc::bad_npi));
}

TEST_CASE("an empty source is the carrier's default sender", "[upstream][number_normaliser]") {
    CHECK(src(ton::unknown, "") == Result{NormalisedAddress{}});
    CHECK(src(ton::alphanumeric, "") == Result{NormalisedAddress{}});
}

TEST_CASE("supported regions", "[upstream][number_normaliser]") {
    CHECK(NumberNormaliser::supported_region("GB"));
    CHECK(NumberNormaliser::supported_region("US"));
    CHECK(NumberNormaliser::supported_region("IN"));
    CHECK_FALSE(NumberNormaliser::supported_region("gb"));
    CHECK_FALSE(NumberNormaliser::supported_region("UK"));
    CHECK_FALSE(NumberNormaliser::supported_region("ZZ"));
    CHECK_FALSE(NumberNormaliser::supported_region("001"));
    CHECK_FALSE(NumberNormaliser::supported_region(""));
}

// The fast mode is an optimisation of libphonenumber, never a different
// answer: every country code, every first national digit, every length.
TEST_CASE("fast mode agrees with libphonenumber over every country code", "[upstream][number_normaliser]") {
    std::mt19937_64 rng(20261123);
    std::uniform_int_distribution<int> digit(0, 9);
    std::size_t compared = 0, mismatches = 0;
    for (int cc = 1; cc < 1000; ++cc) {
        const std::string code = std::to_string(cc);
        for (int first = 0; first < 10; ++first) {
            for (std::size_t len = 1; len + code.size() <= 20; ++len) {
                std::string d = code + char('0' + first);
                while (d.size() < code.size() + len) d += char('0' + digit(rng));
                // '+' or not takes the same path once stripped: alternate.
                const std::string a = len % 2 ? d : "+" + d;
                const NumberPolicy p{};
                auto f = fast().normalise(ton::international, npi::isdn, a, address_role::destination, p);
                auto r = reference().normalise(ton::international, npi::isdn, a, address_role::destination, p);
                ++compared;
                if (f != r && ++mismatches <= 20) FAIL_CHECK(a << ": fast " << describe(f) << ", reference " << describe(r));
            }
        }
    }
    CHECK(compared > 150'000);
    CHECK(mismatches == 0);
}

TEST_CASE("fast mode agrees with libphonenumber on random digit strings and TONs", "[upstream][number_normaliser]") {
    std::mt19937_64 rng(4242);
    std::uniform_int_distribution<int> digit(0, 9), length(1, 20), pick(0, 5);
    const std::vector<std::string> regions{"", "GB", "US", "DE", "IN", "BR"};
    const std::vector<std::string> prefixes{"", "+", "00"};
    std::size_t mismatches = 0;
    for (int i = 0; i < 30'000; ++i) {
        std::string a = prefixes[static_cast<std::size_t>(pick(rng)) % prefixes.size()];
        const int n = length(rng);
        for (int k = 0; k < n; ++k) a += char('0' + digit(rng));
        const auto t = static_cast<std::uint8_t>(pick(rng) % 3);  // unknown, international, national
        const NumberPolicy p{regions[static_cast<std::size_t>(pick(rng))], pick(rng) == 0};
        const auto role = pick(rng) % 2 ? address_role::source : address_role::destination;
        auto f = fast().normalise(t, npi::isdn, a, role, p);
        auto r = reference().normalise(t, npi::isdn, a, role, p);
        if (f != r && ++mismatches <= 20)
            FAIL_CHECK(a << " ton " << int(t) << " region '" << p.default_region << "': fast " << describe(f)
                         << ", reference " << describe(r));
    }
    CHECK(mismatches == 0);
}

// Shared country codes take their region from a cache keyed by the
// number's significant prefix: numbers sharing prefixes, compared with
// libphonenumber once the cache holds them.
TEST_CASE("fast mode's region cache agrees with libphonenumber on shared country codes",
          "[upstream][number_normaliser]") {
    const NumberNormaliser fresh;  // its own cache
    std::mt19937_64 rng(99);
    const std::vector<std::string> codes{"1", "44", "7", "47", "61", "262", "290", "358", "39", "590", "599", "212"};
    std::size_t mismatches = 0;
    for (const auto& cc : codes) {
        // A few dozen prefixes, each with many random tails.
        std::vector<std::string> prefixes;
        for (int i = 0; i < 40; ++i) {
            std::string p = cc;
            const auto n = 1 + rng() % 6;
            for (std::size_t k = 0; k < n; ++k) p += char('0' + rng() % 10);
            prefixes.push_back(p);
        }
        for (int i = 0; i < 3000; ++i) {
            std::string a = prefixes[rng() % prefixes.size()];
            const auto total = cc.size() + 6 + rng() % 8;
            while (a.size() < total) a += char('0' + rng() % 10);
            for (int pass = 0; pass < 2; ++pass) {  // the second one hits the cache
                auto f = fresh.normalise(ton::international, npi::isdn, a, address_role::destination, {});
                auto r = reference().normalise(ton::international, npi::isdn, a, address_role::destination, {});
                if (f != r && ++mismatches <= 20)
                    FAIL_CHECK(a << ": fast " << describe(f) << ", reference " << describe(r));
            }
        }
    }
    CHECK(mismatches == 0);
}

// The forward path does not ask for the region: every verdict and address
// stays what it is with the region, in both modes, and the region is "".
TEST_CASE("without resolve_region the verdict and address are the same, the region empty",
          "[upstream][number_normaliser]") {
    std::mt19937_64 rng(777);
    std::uniform_int_distribution<int> digit(0, 9), length(1, 16), pick(0, 5);
    const std::vector<std::string> regions{"", "GB", "US", "DE", "CA", "JE"};
    const std::vector<std::string> starts{"", "+", "00", "1", "44", "7"};
    std::size_t mismatches = 0;
    for (int i = 0; i < 20'000; ++i) {
        std::string a = starts[static_cast<std::size_t>(pick(rng))];
        const int n = length(rng);
        for (int k = 0; k < n; ++k) a += char('0' + digit(rng));
        const auto t = static_cast<std::uint8_t>(pick(rng) % 3);  // unknown, international, national
        NumberPolicy with{regions[static_cast<std::size_t>(pick(rng))], pick(rng) == 0};
        NumberPolicy without = with;
        without.resolve_region = false;
        const auto role = pick(rng) % 2 ? address_role::source : address_role::destination;
        for (const auto* numbers : {&fast(), &reference()}) {
            auto expected = numbers->normalise(t, npi::isdn, a, role, with);
            if (auto* e = std::get_if<NormalisedAddress>(&expected)) e->region.clear();
            auto got = numbers->normalise(t, npi::isdn, a, role, without);
            if (got != expected && ++mismatches <= 20)
                FAIL_CHECK(a << " ton " << int(t) << " region '" << with.default_region << "': "
                             << describe(got) << ", expected " << describe(expected));
        }
    }
    CHECK(mismatches == 0);
    NumberPolicy without;
    without.resolve_region = false;
    CHECK(fast().normalise(ton::international, npi::isdn, "447911123456", address_role::destination, without) ==
          e164("447911123456", ""));
}

TEST_CASE("one normaliser serves many threads", "[upstream][number_normaliser]") {
    const std::vector<std::string> numbers{"447400123456", "14165550143", "4915112345678", "919876543210",
                                           "440740012345", "447911123456"};
    std::vector<Result> expected;
    for (const auto& a : numbers) expected.push_back(dest(ton::international, a));
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i)
                for (std::size_t k = 0; k < numbers.size(); ++k)
                    if (dest(ton::international, numbers[k]) != expected[k]) ++wrong[static_cast<std::size_t>(t)];
        });
    for (auto& th : threads) th.join();
    CHECK(wrong == std::vector<int>(4, 0));
}

// National numbers in every region libphonenumber knows: every first two
// digits (the IDD, the national prefix, the country code start with them),
// every length, random tails; TON 2 and TON 0 alike.
TEST_CASE("fast mode agrees with libphonenumber on national numbers in every region",
          "[upstream][number_normaliser]") {
    std::mt19937_64 rng(20261124);
    std::uniform_int_distribution<int> digit(0, 9);
    std::vector<std::string> regions;
    for (char a = 'A'; a <= 'Z'; ++a)
        for (char b = 'A'; b <= 'Z'; ++b)
            if (NumberNormaliser::supported_region(std::string{a, b})) regions.push_back(std::string{a, b});
    REQUIRE(regions.size() > 200);
    std::size_t compared = 0, mismatches = 0;
    for (const auto& region : regions) {
        const NumberPolicy p{region, false};
        for (int lead = 0; lead < 100; ++lead) {
            for (std::size_t len = 2; len <= 18; ++len) {
                std::string d{char('0' + lead / 10), char('0' + lead % 10)};
                while (d.size() < len) d += char('0' + digit(rng));
                const auto t = len % 2 ? ton::national : ton::unknown;
                const auto role = lead % 3 ? address_role::destination : address_role::source;
                auto f = fast().normalise(t, npi::isdn, d, role, p);
                auto r = reference().normalise(t, npi::isdn, d, role, p);
                ++compared;
                if (f != r && ++mismatches <= 20)
                    FAIL_CHECK(d << " ton " << int(t) << " in " << region << ": fast " << describe(f)
                                 << ", reference " << describe(r));
            }
        }
    }
    CHECK(compared > 350'000);
    CHECK(mismatches == 0);
}

// Realistic national numbers, many per prefix, where the fast path answers
// most: GB, DE, FR, IN, US mobiles and landlines with and without the
// trunk prefix, and the cache of the shared codes (+44, +1) warm.
TEST_CASE("fast mode agrees with libphonenumber on common national formats", "[upstream][number_normaliser]") {
    const NumberNormaliser fresh;  // its own region cache
    std::mt19937_64 rng(7);
    struct Form {
        const char* region;
        const char* start;
        std::size_t length;
    };
    const Form forms[] = {{"GB", "07", 11},  {"GB", "7", 10},   {"GB", "020", 11}, {"GB", "01", 11},
                          {"DE", "015", 12}, {"DE", "030", 11}, {"DE", "17", 11},  {"FR", "06", 10},
                          {"FR", "01", 10},  {"IN", "98", 10},  {"IN", "098", 11}, {"US", "212", 10},
                          {"US", "1212", 11}, {"US", "415", 10}, {"GB", "0044", 14}, {"GB", "44", 12}};
    std::size_t mismatches = 0;
    for (const auto& form : forms) {
        for (int i = 0; i < 2000; ++i) {
            std::string d = form.start;
            while (d.size() < form.length) d += char('0' + rng() % 10);
            const NumberPolicy p{form.region, false};
            for (int pass = 0; pass < 2; ++pass) {
                auto f = fresh.normalise(ton::national, npi::isdn, d, address_role::destination, p);
                auto r = reference().normalise(ton::national, npi::isdn, d, address_role::destination, p);
                if (f != r && ++mismatches <= 20)
                    FAIL_CHECK(d << " in " << form.region << ": fast " << describe(f) << ", reference " << describe(r));
            }
        }
    }
    CHECK(mismatches == 0);
    CHECK(fresh.normalise(ton::national, npi::isdn, "07700900123", address_role::destination, {"GB", false}) ==
          e164("447700900123", "GB"));
    CHECK(fresh.normalise(ton::national, npi::isdn, "2025550123", address_role::destination, {"US", false}) ==
          e164("12025550123", "US"));
}
