// Upstream validation: libphonenumber (reference mode) against the fast
// mode's tables, per kind of number, and a whole validate_submit.
// "warm" cycles through 1,000 random numbers of its kind (for shared
// country codes like +1 and +44 the fast mode's region cache then holds
// them all: a busy route's steady state); "cold" makes a new random number
// every iteration (the cache mostly misses: the worst case).
//   build/bin/bench_validation [--benchmark_filter=...]
#include <random>
#include <string_view>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "smpp/upstream/number_normaliser.hpp"
#include "smpp/upstream/submit_validation.hpp"

using namespace smpp;
using namespace smpp::upstream;

namespace {

const NumberNormaliser& normaliser(NumberNormaliser::mode m) {
    static const NumberNormaliser fast(NumberNormaliser::mode::fast);
    static const NumberNormaliser reference(NumberNormaliser::mode::reference);
    return m == NumberNormaliser::mode::fast ? fast : reference;
}

struct Kind {
    const char* name;
    std::uint8_t ton;
    const char* prefix;
    std::size_t random_digits;
    const char* region;
    bool require_valid;
};

// Each a possible number of its kind whatever the random digits.
const Kind kinds[] = {
    {"gb_mobile_intl", ton::international, "447400", 6, "", false},
    {"us_intl", ton::international, "1202", 7, "", false},
    {"ca_intl_shared_cc", ton::international, "1416", 7, "", false},
    // Any NANP area code and exchange (first digits 2-9): the region
    // cache's widest key space (+1 keeps 7 national digits in its key).
    {"nanp_any_area_code", ton::international, "1", 10, "", false},
    {"gb_any_mobile", ton::international, "447", 9, "", false},
    {"de_mobile_intl", ton::international, "49151", 8, "", false},
    {"in_mobile_intl", ton::international, "9198", 8, "", false},
    {"gb_national_ton2", ton::national, "07400", 6, "GB", false},
    // National numbers in other default regions (the fast path for
    // national numbers strips the trunk prefix as Parse does).
    {"gb_national_no_trunk", ton::national, "7400", 6, "GB", false},
    {"de_national_mobile", ton::national, "0151", 8, "DE", false},
    {"fr_national_mobile", ton::unknown, "06", 8, "FR", false},
    {"in_national_mobile", ton::national, "98", 8, "IN", false},
    {"us_national", ton::national, "202", 7, "US", false},
    // Regions the fast path leaves to libphonenumber (not the main region
    // of their code), for comparison.
    {"ca_national_deferred", ton::national, "416", 7, "CA", false},
    {"gb_intl_require_valid", ton::international, "447400", 6, "", true},
};

template <class Rng>
void append_random(std::string& s, const Kind& k, Rng& rng) {
    for (std::size_t d = 0; d < k.random_digits; ++d) {
        // NANP area codes and exchanges start with 2-9.
        const bool nanp_first = s == "1" || (s.size() == 4 && s[0] == '1' && std::string_view(k.prefix) == "1");
        s += static_cast<char>(nanp_first ? '2' + rng() % 8 : '0' + rng() % 10);
    }
}

std::vector<std::string> numbers_of(const Kind& k) {
    std::mt19937_64 rng(7);
    std::vector<std::string> v;
    for (int i = 0; i < 1000; ++i) {
        std::string s = k.prefix;
        append_random(s, k, rng);
        v.push_back(std::move(s));
    }
    return v;
}

void BM_Normalise(benchmark::State& state, NumberNormaliser::mode m, const Kind& k, bool cold) {
    const auto& n = normaliser(m);
    const auto numbers = numbers_of(k);
    const NumberPolicy policy{k.region, k.require_valid};
    std::minstd_rand rng(11);
    std::string fresh = k.prefix;
    std::size_t i = 0, failed = 0;
    for (auto _ : state) {
        if (cold) {
            fresh.resize(std::string_view(k.prefix).size());
            append_random(fresh, k, rng);
        }
        const std::string& a = cold ? fresh : numbers[i++ % numbers.size()];
        auto r = n.normalise(k.ton, npi::isdn, a, address_role::destination, policy);
        failed += std::holds_alternative<NumberError>(r);
        benchmark::DoNotOptimize(r);
    }
    state.counters["refused"] = static_cast<double>(failed);
}

void BM_ValidateSubmit(benchmark::State& state, NumberNormaliser::mode m) {
    const auto& n = normaliser(m);
    const auto numbers = numbers_of(kinds[0]);
    protocol::SubmitSm sm;
    sm.source = {ton::alphanumeric, npi::unknown, "ACME"};
    sm.dest = {ton::international, npi::isdn, ""};
    sm.short_message = "Your code is 123456. It expires in 10 minutes.";
    sm.validity_period = "000000001000000R";
    const SubmitPolicy policy{};
    const auto now = std::chrono::system_clock::now();
    std::size_t i = 0;
    for (auto _ : state) {
        sm.dest.addr = numbers[i++ % numbers.size()];
        auto r = validate_submit(sm, policy, now, n);
        benchmark::DoNotOptimize(r);
    }
}

void BM_BuildTables(benchmark::State& state) {
    for (auto _ : state) {
        NumberNormaliser n;
        benchmark::DoNotOptimize(n);
    }
}

[[maybe_unused]] const bool registered = [] {
    for (const auto& k : kinds) {
        benchmark::RegisterBenchmark((std::string("normalise/reference/") + k.name).c_str(), BM_Normalise,
                                     NumberNormaliser::mode::reference, k, true);
        benchmark::RegisterBenchmark((std::string("normalise/fast/warm/") + k.name).c_str(), BM_Normalise,
                                     NumberNormaliser::mode::fast, k, false);
        benchmark::RegisterBenchmark((std::string("normalise/fast/cold/") + k.name).c_str(), BM_Normalise,
                                     NumberNormaliser::mode::fast, k, true);
    }
    benchmark::RegisterBenchmark("validate_submit/reference", BM_ValidateSubmit, NumberNormaliser::mode::reference);
    benchmark::RegisterBenchmark("validate_submit/fast", BM_ValidateSubmit, NumberNormaliser::mode::fast);
    benchmark::RegisterBenchmark("number_normaliser/construct", BM_BuildTables)->Unit(benchmark::kMillisecond);
    return true;
}();

}  // namespace

BENCHMARK_MAIN();
