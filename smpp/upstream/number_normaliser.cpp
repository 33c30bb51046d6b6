#include "smpp/upstream/number_normaliser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <list>
#include <optional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "smpp/protocol/gsm7.hpp"

// libphonenumber's compiled-in metadata. Exported by libphonenumber.so but
// declared in a header Debian does not install (src/phonenumbers/metadata.h);
// only read for the national prefix patterns. If it ever fails to parse,
// the fast mode defers every number to libphonenumber (still correct).
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace smpp::upstream {

namespace pn = i18n::phonenumbers;

namespace {

// The one place that reaches the library's singleton.
const pn::PhoneNumberUtil& util() { return *pn::PhoneNumberUtil::GetInstance(); }

constexpr std::size_t min_nsn = 2;   // libphonenumber kMinLengthForNsn
constexpr std::size_t max_nsn = 17;  // kMaxLengthForNsn
constexpr std::size_t max_short_code = 15;
constexpr std::size_t max_source_short_code = 8;
constexpr std::size_t max_alphanumeric_septets = 11;  // TP-OA: 10 octets

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// IS_POSSIBLE only: a local-only length lacks its area code.
std::optional<number_errc> possibility_error(pn::PhoneNumberUtil::ValidationResult r) noexcept {
    using V = pn::PhoneNumberUtil::ValidationResult;
    switch (r) {
    case V::IS_POSSIBLE: return std::nullopt;
    case V::INVALID_COUNTRY_CODE: return number_errc::invalid_country_code;
    case V::TOO_SHORT: return number_errc::too_short;
    case V::TOO_LONG: return number_errc::too_long;
    case V::IS_POSSIBLE_LOCAL_ONLY:
    case V::INVALID_LENGTH: break;
    }
    return number_errc::not_possible;
}

number_errc parse_error(pn::PhoneNumberUtil::ErrorType e) noexcept {
    using E = pn::PhoneNumberUtil::ErrorType;
    switch (e) {
    case E::INVALID_COUNTRY_CODE_ERROR: return number_errc::invalid_country_code;
    case E::TOO_LONG_NSN: return number_errc::too_long;
    // Our input is digits by now: "not a number" means too few of them.
    case E::NOT_A_NUMBER:
    case E::TOO_SHORT_AFTER_IDD:
    case E::TOO_SHORT_NSN:
    case E::NO_PARSING_ERROR: break;
    }
    return number_errc::too_short;
}

std::string region_of(const pn::PhoneNumber& n) {
    std::string r;
    util().GetRegionCodeForNumber(n, &r);
    if (r == "ZZ") util().GetRegionCodeForCountryCode(n.country_code(), &r);
    return r;
}

// libphonenumber itself: Parse, IsPossibleNumberWithReason, IsValidNumber.
std::variant<NormalisedAddress, NumberError> reference(const std::string& text, const std::string& region,
                                                       bool require_valid, bool resolve_region) {
    pn::PhoneNumber n;
    if (auto e = util().Parse(text, region, &n); e != pn::PhoneNumberUtil::NO_PARSING_ERROR)
        return NumberError{parse_error(e)};
    if (auto e = possibility_error(util().IsPossibleNumberWithReason(n))) return NumberError{*e};
    if (require_valid && !util().IsValidNumber(n)) return NumberError{number_errc::not_valid};
    NormalisedAddress a;
    a.kind = address_kind::e164;
    util().Format(n, pn::PhoneNumberUtil::E164, &a.address);
    a.address.erase(0, 1);  // '+'
    if (resolve_region) a.region = region_of(n);
    return a;
}

// Digits a national-prefix-for-parsing pattern could start a match with:
// every digit it mentions (a superset, so never too few), all of them for
// \d, '.' or a negated class.
std::uint16_t digits_in_pattern(std::string_view p) noexcept {
    constexpr std::uint16_t all = 0x3FF;
    if (p.find("\\d") != std::string_view::npos || p.find('.') != std::string_view::npos ||
        p.find("[^") != std::string_view::npos)
        return all;
    std::uint16_t set = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] >= '0' && p[i] <= '9') set |= static_cast<std::uint16_t>(1u << (p[i] - '0'));
        if (p[i] == '-' && i > 0 && i + 1 < p.size() && p[i - 1] >= '0' && p[i - 1] <= '9' && p[i + 1] >= '0' &&
            p[i + 1] <= '9')
            for (char c = p[i - 1]; c <= p[i + 1]; ++c) set |= static_cast<std::uint16_t>(1u << (c - '0'));
    }
    return set;
}

constexpr std::size_t unbounded = 1000;

// Splits a pattern at its top-level '|'.
std::vector<std::string_view> alternatives(std::string_view p) {
    std::vector<std::string_view> out;
    int depth = 0;
    bool in_class = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\') { ++i; continue; }
        if (in_class) { in_class = c != ']'; continue; }
        if (c == '[') in_class = true;
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (c == '|' && depth == 0) { out.push_back(p.substr(start, i - start)); start = i + 1; }
    }
    out.push_back(p.substr(start));
    return out;
}

std::uint16_t first_digits(std::string_view p);

// The digits a match of one alternative can start with (a superset).
std::uint16_t first_digits_of_alternative(std::string_view alt) {
    constexpr std::uint16_t all = 0x3FF;
    if (alt.empty()) return all;
    std::uint16_t set = 0;
    std::size_t next = 1;  // just past the first atom
    if (alt[0] >= '0' && alt[0] <= '9') {
        set = static_cast<std::uint16_t>(1u << (alt[0] - '0'));
    } else if (alt[0] == '[') {
        const auto close = alt.find(']');
        if (close == std::string_view::npos) return all;
        set = digits_in_pattern(alt.substr(0, close + 1));
        next = close + 1;
    } else if (alt[0] == '(') {
        int depth = 0;
        std::size_t close = std::string_view::npos;
        for (std::size_t i = 0; i < alt.size(); ++i) {
            if (alt[i] == '\\') { ++i; continue; }
            if (alt[i] == '(') ++depth;
            if (alt[i] == ')' && --depth == 0) { close = i; break; }
        }
        if (close == std::string_view::npos) return all;
        auto inner = alt.substr(1, close - 1);
        if (inner.starts_with("?:")) inner.remove_prefix(2);
        set = first_digits(inner);
        next = close + 1;
    } else {
        return all;  // \d, '.', anything unusual
    }
    // An optional first atom lets the next one start the match.
    if (next < alt.size() && (alt[next] == '?' || alt[next] == '*' || alt.substr(next, 2) == "{0")) return all;
    return set;
}

std::uint16_t first_digits(std::string_view p) {
    std::uint16_t set = 0;
    for (auto alt : alternatives(p)) set |= first_digits_of_alternative(alt);
    return set;
}

// Digits at the end of every match of `p` by a number starting with
// `digit` that the pattern takes as they come (a trailing \d, \d{n} or
// \d{n,m}): whether such a number matches does not depend on them.
// `unbounded` when no alternative can match such a number.
std::size_t free_suffix(std::string_view p, int digit) {
    std::size_t least = unbounded;
    for (auto alt : alternatives(p)) {
        if (!((first_digits_of_alternative(alt) >> digit) & 1u)) continue;
        std::size_t n = 0;
        // A whole-group alternative "(?:...)" with nothing after it.
        if (alt.size() >= 4 && alt.substr(0, 3) == "(?:" && alt.back() == ')') {
            int depth = 0;
            std::size_t close = 0;
            for (std::size_t i = 0; i < alt.size(); ++i) {
                if (alt[i] == '\\') { ++i; continue; }
                if (alt[i] == '(') ++depth;
                if (alt[i] == ')' && --depth == 0) { close = i; break; }
            }
            if (close == alt.size() - 1) {
                least = std::min(least, free_suffix(alt.substr(3, alt.size() - 4), digit));
                continue;
            }
        }
        for (;;) {
            if (alt.ends_with("\\d")) { n += 1; alt.remove_suffix(2); continue; }
            if (alt.empty() || alt.back() != '}') break;
            const auto open = alt.rfind('{');
            if (open == std::string_view::npos || open < 2 || alt.substr(open - 2, 2) != "\\d") break;
            const auto q = alt.substr(open + 1, alt.size() - open - 2);
            std::size_t min = 0;
            auto [end, ec] = std::from_chars(q.data(), q.data() + q.size(), min);
            if (ec != std::errc{} || (end != q.data() + q.size() && *end != ',')) break;
            n += min;
            alt.remove_suffix(alt.size() - (open - 2));
        }
        least = std::min(least, n);
    }
    return least;
}

// The longest input a pattern can consume; `unbounded` for * + {n,}.
std::size_t max_length(std::string_view p, std::size_t& i);
std::size_t max_atom(std::string_view p, std::size_t& i) {
    const char c = p[i++];
    if (c == '\\') { ++i; return 1; }
    if (c == '[') {
        while (i < p.size() && p[i] != ']') i += p[i] == '\\' ? 2 : 1;
        ++i;
        return 1;
    }
    if (c == '(') {
        if (p.substr(i, 2) == "?:") i += 2;
        const auto n = max_length(p, i);
        ++i;  // ')'
        return n;
    }
    return 1;
}
std::size_t max_length(std::string_view p, std::size_t& i) {
    std::size_t best = 0, seq = 0;
    while (i < p.size() && p[i] != ')') {
        if (p[i] == '|') { best = std::max(best, seq); seq = 0; ++i; continue; }
        std::size_t a = max_atom(p, i);
        if (i < p.size() && (p[i] == '*' || p[i] == '+')) { a = unbounded; ++i; }
        else if (i < p.size() && p[i] == '?') ++i;
        else if (i < p.size() && p[i] == '{') {
            const auto close = p.find('}', i);
            if (close == std::string_view::npos) return unbounded;
            const auto q = p.substr(i + 1, close - i - 1);
            const auto comma = q.find(',');
            std::size_t most = 0;
            if (comma != std::string_view::npos && comma + 1 == q.size()) most = unbounded;
            else std::from_chars(q.data() + (comma == std::string_view::npos ? 0 : comma + 1), q.data() + q.size(), most);
            a = std::min(unbounded, a * most);
            i = close + 1;
        }
        seq = std::min(unbounded, seq + a);
    }
    return std::max(best, seq);
}
std::size_t max_length(std::string_view p) {
    std::size_t i = 0;
    const auto n = max_length(p, i);
    return i == p.size() ? n : unbounded;  // a stray ')': assume the worst
}

}  // namespace

std::string_view name(number_errc e) noexcept {
    switch (e) {
    case number_errc::bad_ton: return "bad_ton";
    case number_errc::bad_npi: return "bad_npi";
    case number_errc::empty: return "empty";
    case number_errc::not_digits: return "not_digits";
    case number_errc::no_default_region: return "no_default_region";
    case number_errc::invalid_country_code: return "invalid_country_code";
    case number_errc::too_short: return "too_short";
    case number_errc::too_long: return "too_long";
    case number_errc::not_possible: return "not_possible";
    case number_errc::not_valid: return "not_valid";
    case number_errc::bad_alphanumeric: return "bad_alphanumeric";
    }
    return "unknown";
}

// Per country calling code, what libphonenumber would answer for an
// international number that Parse leaves as it is.
struct NumberNormaliser::Tables {
    static constexpr std::uint8_t possible = 0xFF;
    struct Country {
        bool known = false;
        bool shared = false;  // several regions: the region needs the number
        // First national digits Parse might strip as a national prefix.
        std::uint16_t risky_first_digits = 0x3FF;
        std::string main_region;
        // Shared codes: the region depends only on the national number's
        // length and all but its last `free_suffix` digits (0: no cache),
        // and leading_digits look at no more than `leading_digits` digits.
        std::array<std::size_t, 10> free_suffix{};  // by the first national digit
        std::size_t leading_digits = 0;
        // number_errc, or `possible`, by national number length.
        std::array<std::uint8_t, max_nsn + 1> by_length{};
    };
    std::array<Country, 1000> countries{};

    // A region whose national numbers can be answered without Parse: the
    // main region of its country code (so Parse's national-prefix length
    // test and the possibility check read the same metadata), a national
    // prefix that is a digit literal with no transform rule, an IDD that
    // is a digit literal. A number starting with the prefix only when the
    // general pattern matches no number starting with it (`strip_prefix`:
    // then Parse strips it whenever the rest has a length it keeps;
    // otherwise its viability check decides, by regex: deferred).
    struct National {
        bool fast = false;
        bool strip_prefix = false;
        int country_code = 0;
        std::string code;    // country_code as digits
        std::string prefix;  // national_prefix_for_parsing; "" = none
        std::string idd;     // international_prefix
    };
    std::array<National, 26 * 26> nationals{};

    static std::optional<std::size_t> region_index(std::string_view region) noexcept {
        if (region.size() != 2 || region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' || region[1] > 'Z')
            return std::nullopt;
        return static_cast<std::size_t>((region[0] - 'A') * 26 + (region[1] - 'A'));
    }

    Tables() {
        std::set<int> codes;
        util().GetSupportedCallingCodes(&codes);
        pn::PhoneMetadataCollection collection;
        const bool have_metadata =
            collection.ParseFromArray(pn::metadata_get(), pn::metadata_size());
        for (int cc : codes) {
            if (cc <= 0 || cc >= 1000) continue;
            auto& c = countries[static_cast<std::size_t>(cc)];
            c.known = true;
            util().GetRegionCodeForCountryCode(cc, &c.main_region);
            std::list<std::string> regions;
            util().GetRegionCodesForCountryCallingCode(cc, &regions);
            c.shared = regions.size() > 1;
            // Possibility is a function of the country code and the
            // national number's length only (TestNumberLength).
            std::uint64_t nn = 1;
            for (std::size_t len = 1; len <= max_nsn; ++len, nn *= 10) {
                pn::PhoneNumber n;
                n.set_country_code(cc);
                n.set_national_number(nn);
                auto e = possibility_error(util().IsPossibleNumberWithReason(n));
                c.by_length[len] = e ? static_cast<std::uint8_t>(*e) : possible;
            }
            if (!have_metadata) continue;
            std::array<std::size_t, 10> free;
            free.fill(unbounded);
            for (const auto& m : collection.metadata()) {
                if (m.country_code() != cc) continue;
                if (m.id() == c.main_region) {
                    c.risky_first_digits = static_cast<std::uint16_t>(
                        digits_in_pattern(m.national_prefix_for_parsing()) | digits_in_pattern(m.national_prefix()));
                    note_national(m, cc);
                }
                if (m.has_leading_digits())
                    c.leading_digits = std::max(c.leading_digits, max_length(m.leading_digits()));
                for (const pn::PhoneNumberDesc* d :
                     {&m.general_desc(), &m.fixed_line(), &m.mobile(), &m.toll_free(), &m.premium_rate(),
                      &m.shared_cost(), &m.personal_number(), &m.voip(), &m.pager(), &m.uan(), &m.voicemail(),
                      &m.emergency(), &m.no_international_dialling(), &m.short_code(), &m.standard_rate(),
                      &m.carrier_specific(), &m.sms_services()})
                    if (d->has_national_number_pattern())
                        for (int digit = 0; digit < 10; ++digit)
                            free[static_cast<std::size_t>(digit)] =
                                std::min(free[static_cast<std::size_t>(digit)],
                                         free_suffix(d->national_number_pattern(), digit));
            }
            // 0 (no cache) where no pattern matches such numbers at all:
            // rare, and libphonenumber answers them.
            for (std::size_t digit = 0; digit < 10; ++digit)
                c.free_suffix[digit] = free[digit] == unbounded ? 0 : free[digit];
        }
    }

    void note_national(const pn::PhoneMetadata& m, int cc) {
        const auto index = region_index(m.id());
        if (!index) return;  // "001": non-geographic, no national numbers
        const std::string& prefix = m.national_prefix_for_parsing();
        const std::string& idd = m.international_prefix();
        if (!m.national_prefix_transform_rule().empty() || !all_digits(prefix)) return;
        // An empty IDD pattern matches at the start of every number.
        if (idd.empty() || !all_digits(idd)) return;
        auto& n = nationals[*index];
        n.fast = true;
        n.strip_prefix = !prefix.empty() &&
                         !((first_digits(m.general_desc().national_number_pattern()) >> (prefix[0] - '0')) & 1u);
        n.country_code = cc;
        n.code = std::to_string(cc);
        n.prefix = prefix;
        n.idd = idd;
    }

    // The region of a number of a shared country code: libphonenumber's
    // answer, remembered per (length, significant prefix) when the
    // patterns allow it. Bounded: when full it is emptied and refills.
    std::string shared_region(const pn::PhoneNumber& n, std::string_view digits, std::size_t nsn_len,
                              const Country& c) const {
        const std::size_t free = c.free_suffix[static_cast<std::size_t>(digits[digits.size() - nsn_len] - '0')];
        const bool cacheable = free != 0 && nsn_len >= free + c.leading_digits;
        if (!cacheable) return region_of(n);
        std::string key(digits.substr(0, digits.size() - free));
        key += static_cast<char>('a' + nsn_len);
        {
            std::shared_lock lock(cache_mutex);
            if (auto it = region_cache.find(key); it != region_cache.end()) return it->second;
        }
        auto region = region_of(n);
        std::unique_lock lock(cache_mutex);
        // Full: start over rather than freeze on yesterday's traffic.
        if (region_cache.size() >= max_cached) region_cache.clear();
        region_cache.emplace(std::move(key), region);
        return region;
    }

    static constexpr std::size_t max_cached = 1 << 17;  // about 13 MB
    mutable std::shared_mutex cache_mutex;
    mutable std::unordered_map<std::string, std::string> region_cache;

    // Country code length of `digits`, 0 when none: E.164 codes are
    // prefix-free, so the first match is the one (ExtractCountryCode).
    std::size_t code_length(std::string_view digits) const noexcept {
        if (digits.empty() || digits[0] == '0') return 0;
        int cc = 0;
        for (std::size_t i = 0; i < 3 && i < digits.size(); ++i) {
            cc = cc * 10 + (digits[i] - '0');
            if (countries[static_cast<std::size_t>(cc)].known) return i + 1;
        }
        return 0;
    }
};

NumberNormaliser::NumberNormaliser(mode m) : mode_(m), tables_(std::make_unique<const Tables>()) {}
NumberNormaliser::~NumberNormaliser() = default;
NumberNormaliser::NumberNormaliser(NumberNormaliser&&) noexcept = default;
NumberNormaliser& NumberNormaliser::operator=(NumberNormaliser&&) noexcept = default;

bool NumberNormaliser::supported_region(std::string_view region) {
    std::set<std::string> regions;
    util().GetSupportedRegions(&regions);
    return regions.count(std::string(region)) != 0;
}

std::variant<NormalisedAddress, NumberError> NumberNormaliser::normalise(std::uint8_t t, std::uint8_t n,
                                                                         std::string_view address,
                                                                         address_role role,
                                                                         const NumberPolicy& policy) const {
    const bool source = role == address_role::source;
    if (address.empty()) {
        if (source) return NormalisedAddress{};
        return NumberError{number_errc::empty};
    }
    switch (t) {
    case ton::alphanumeric: {
        if (!source) return NumberError{number_errc::bad_ton};
        if (n != npi::unknown && n != npi::isdn) return NumberError{number_errc::bad_npi};
        std::size_t septets = 0;
        for (char ch : address) {
            const auto c = static_cast<unsigned char>(ch);
            // Printable ASCII the GSM default alphabet has ('`' is not).
            const auto s = (c >= 0x20 && c < 0x7F) ? protocol::gsm7::septets_of(c) : 0;
            if (s == 0) return NumberError{number_errc::bad_alphanumeric};
            septets += s;
        }
        if (septets > max_alphanumeric_septets) return NumberError{number_errc::bad_alphanumeric};
        return NormalisedAddress{address_kind::alphanumeric, std::string(address), {}};
    }
    case ton::network_specific:
    case ton::abbreviated:
        if (n != npi::unknown && n != npi::isdn && n != npi::private_plan) return NumberError{number_errc::bad_npi};
        if (!all_digits(address)) return NumberError{number_errc::not_digits};
        if (address.size() > max_short_code) return NumberError{number_errc::too_long};
        return NormalisedAddress{address_kind::short_code, std::string(address), {}};
    case ton::unknown:
    case ton::international:
    case ton::national: {
        if (n != npi::unknown && n != npi::isdn) return NumberError{number_errc::bad_npi};
        auto r = phone_number(t, address, policy);
        // A sender short code ("12345") under TON 0/2, which many upstreams use.
        if (source && t != ton::international && std::holds_alternative<NumberError>(r) && all_digits(address) &&
            address.size() <= max_source_short_code)
            return NormalisedAddress{address_kind::short_code, std::string(address), {}};
        return r;
    }
    default:
        return NumberError{number_errc::bad_ton};
    }
}

std::optional<std::variant<NormalisedAddress, NumberError>> NumberNormaliser::international_fast(
    std::string_view d, bool resolve_region) const {
    const std::size_t cc_len = tables_->code_length(d);
    const std::size_t nsn_len = d.size() - cc_len;
    if (cc_len == 0 || nsn_len < min_nsn || nsn_len > max_nsn) return std::nullopt;
    int cc = 0;
    std::from_chars(d.data(), d.data() + cc_len, cc);
    const auto& c = tables_->countries[static_cast<std::size_t>(cc)];
    const int first = d[cc_len] - '0';
    const bool risky = (c.risky_first_digits >> first) & 1u;
    if (risky || (c.shared && first == 0)) return std::nullopt;
    if (c.by_length[nsn_len] != Tables::possible) return NumberError{static_cast<number_errc>(c.by_length[nsn_len])};
    NormalisedAddress a{address_kind::e164, std::string(d), {}};
    if (!resolve_region) return a;
    a.region = c.main_region;
    if (c.shared) {
        pn::PhoneNumber n;
        n.set_country_code(cc);
        std::uint64_t nn = 0;
        std::from_chars(d.data() + cc_len, d.data() + d.size(), nn);
        n.set_national_number(nn);
        a.region = tables_->shared_region(n, d, nsn_len, c);
    }
    return a;
}

// Parse(d, region) step by step, for the regions Tables::National admits:
// no IDD at the start (a literal: the number starts with it or not); not
// starting with the region's country code (Parse would then weigh both
// readings against the general pattern: deferred); the national prefix
// stripped when present and the rest has a length Parse keeps it for
// (possible or too long), else deferred. What is left is the national
// significant number s, and Parse(d, region) gives the same PhoneNumber as
// Parse("+" cc s), which international_fast answers (or defers).
std::optional<std::variant<NormalisedAddress, NumberError>> NumberNormaliser::national_fast(
    std::string_view d, std::string_view region, bool resolve_region) const {
    const auto index = Tables::region_index(region);
    if (!index) return std::nullopt;
    const auto& n = tables_->nationals[*index];
    if (!n.fast || d.size() < 3) return std::nullopt;
    if (d.starts_with(n.idd) || d.starts_with(n.code)) return std::nullopt;
    std::string_view s = d;
    if (!n.prefix.empty() && d.starts_with(n.prefix)) {
        if (!n.strip_prefix) return std::nullopt;
        s.remove_prefix(n.prefix.size());
        if (s.empty() || s.size() > max_nsn) return std::nullopt;
        const auto kept = tables_->countries[static_cast<std::size_t>(n.country_code)].by_length[s.size()];
        if (kept != Tables::possible && kept != static_cast<std::uint8_t>(number_errc::too_long)) return std::nullopt;
    }
    // A leading zero left would be an Italian leading zero: Parse's business.
    if (s.empty() || s[0] == '0') return std::nullopt;
    std::string international;
    international.reserve(n.code.size() + s.size());
    international += n.code;
    international += s;
    return international_fast(international, resolve_region);
}

std::variant<NormalisedAddress, NumberError> NumberNormaliser::phone_number(std::uint8_t t, std::string_view d,
                                                                            const NumberPolicy& policy) const {
    bool international = t == ton::international;
    if (d.front() == '+') {
        d.remove_prefix(1);
        international = true;
    } else if (t != ton::national && d.size() >= 2 && d[0] == '0' && d[1] == '0') {
        d.remove_prefix(2);
        international = true;
    }
    if (d.empty()) return NumberError{number_errc::too_short};
    if (!all_digits(d)) return NumberError{number_errc::not_digits};
    // No region to resolve a national number in: read the digits as
    // international. Upstreams that say TON 2 with full international
    // digits are common (Kannel's default); a truly national number then
    // fails as not possible.
    if (!international && policy.default_region.empty()) international = true;
    const bool fast = mode_ == mode::fast && !policy.require_valid;
    if (!international) {
        if (fast)
            if (auto a = national_fast(d, policy.default_region, policy.resolve_region)) return std::move(*a);
        return reference(std::string(d), policy.default_region, policy.require_valid, policy.resolve_region);
    }
    if (fast)
        if (auto a = international_fast(d, policy.resolve_region)) return std::move(*a);
    std::string text;
    text.reserve(d.size() + 1);
    text += '+';
    text += d;
    return reference(text, "ZZ", policy.require_valid, policy.resolve_region);
}

}  // namespace smpp::upstream
