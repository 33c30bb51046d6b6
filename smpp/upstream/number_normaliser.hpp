#pragma once
// SMPP addresses (TON, NPI, address) as the forward path needs them: a
// phone number as E.164 digits and its country, a short code or an
// alphanumeric sender as given, or a precise reason why not.
//
// Phone numbers go through libphonenumber (Debian libphonenumber-dev):
//   TON 1 international   "+447700900123", "447700900123", "00447700900123"
//   TON 2 national        resolved in the account's default_region
//                         ("07700900123" in GB); a leading '+' still wins;
//                         with no default_region read as international
//                         (many ESMEs, Kannel by default, send TON 2 with
//                         full international digits)
//   TON 0 unknown         '+' or '00' first: international; otherwise
//                         national in the default_region, or international
//                         when the account has none (what upstreams that
//                         send TON 0 with full digits mean)
//   NPI                   0 (unknown) or 1 (ISDN/E.164); others are not
//                         phone numbers
// A number must be *possible* (libphonenumber's length check for its
// country, local-only lengths excluded: a number without its area code
// cannot be routed). Requiring it to be *valid* (in an allocated range) is
// a policy: off by default, because libphonenumber's ranges trail the
// regulators by months and a stale range would refuse real subscribers.
//
// Short codes: TON 3 (network specific) or 6 (abbreviated), 1..15 digits,
// NPI 0, 1 or 9 (private), passed through. A source may also be a short
// digit string (up to 8 digits) under TON 0 or 2 that is no possible number.
// Alphanumeric (TON 5) is for sources only: 1..11 characters of the GSM
// 03.38 default alphabet (the TP-OA limit), NPI 0 or 1.
//
// Cost: libphonenumber's Parse is regex-driven (about 10 us here, see
// /work/helpers/perf-validation.md). The fast mode answers international
// digit strings from tables built from libphonenumber at construction
// (possibility depends only on the country code and the national number's
// length) and defers to libphonenumber for anything the tables cannot
// decide: require_valid, a national number that could start with the
// country's national prefix (Parse would strip it), a country code shared
// by several regions. National numbers in a default_region whose metadata
// is simple enough (a literal national prefix and IDD, the main region of
// its country code: GB, DE, IN, FR, US...) take the same tables once the
// prefix is stripped as Parse would; other regions (CA, JE, AR, MX, BR...)
// and numbers Parse might read otherwise (starting with the IDD or the
// country code) go to libphonenumber. reference mode always asks
// libphonenumber; the fast mode is tested against it.
//
// Thread-safety: libphonenumber's PhoneNumberUtil is a process-wide
// singleton (the library's own global state); it is only touched in
// number_normaliser.cpp and its const methods are safe from any thread.
// A NumberNormaliser is immutable after construction.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace smpp::upstream {

// SMPP 3.4 5.2.5 and 5.2.6.
namespace ton {
inline constexpr std::uint8_t unknown = 0;
inline constexpr std::uint8_t international = 1;
inline constexpr std::uint8_t national = 2;
inline constexpr std::uint8_t network_specific = 3;
inline constexpr std::uint8_t subscriber_number = 4;
inline constexpr std::uint8_t alphanumeric = 5;
inline constexpr std::uint8_t abbreviated = 6;
}  // namespace ton
namespace npi {
inline constexpr std::uint8_t unknown = 0;
inline constexpr std::uint8_t isdn = 1;
inline constexpr std::uint8_t private_plan = 9;
}  // namespace npi

enum class address_role : std::uint8_t { source, destination };

enum class number_errc : std::uint8_t {
    bad_ton,               // a TON this role cannot carry (alphanumeric destination, 4, 7+)
    bad_npi,               // not 0/1 for a number, not 0/1/9 for a short code
    empty,                 // no destination
    not_digits,            // anything but digits after an optional '+' / '00'
    no_default_region,     // unused since TON 2 without a region reads as international; kept for the numbering
    invalid_country_code,  // no country uses these first digits
    too_short,
    too_long,
    not_possible,          // a length no number of that country has
    not_valid,             // require_valid and outside every allocated range
    bad_alphanumeric,      // not 1..11 GSM 03.38 characters
};

std::string_view name(number_errc e) noexcept;

struct NumberError {
    number_errc code = number_errc::bad_ton;
    friend bool operator==(const NumberError&, const NumberError&) = default;
};

enum class address_kind : std::uint8_t {
    none,          // empty source_addr: the carrier's default sender
    e164,          // address: E.164 digits without '+'
    short_code,    // address: digits as given
    alphanumeric,  // address: the text as given
};

struct NormalisedAddress {
    address_kind kind = address_kind::none;
    std::string address;
    // e164 only: ISO 3166-1 alpha-2 ("GB"), "001" for non-geographic codes
    // (+800, +882...). The region the number is valid in; when it is valid
    // in none (possible-only policy), the main region of its country code
    // ("US" for +1). "" when NumberPolicy::resolve_region is false.
    std::string region;
    friend bool operator==(const NormalisedAddress&, const NormalisedAddress&) = default;
};

struct NumberPolicy {
    // ISO 3166-1 alpha-2 for national numbers; "" = none (see above).
    std::string default_region{};
    bool require_valid = false;
    // NormalisedAddress::region. For a shared country code (+1, +44, +7...)
    // finding it means matching the number against each region's patterns,
    // libphonenumber's costliest step and most of a submit_sm's validation;
    // a caller that never reads it (the forward path routes by its own
    // table) says false and gets "" (the address and verdict are the same).
    bool resolve_region = true;
};

class NumberNormaliser {
public:
    enum class mode : std::uint8_t { fast, reference };

    // Builds the fast tables (a few milliseconds); share one instance.
    explicit NumberNormaliser(mode m = mode::fast);
    ~NumberNormaliser();
    NumberNormaliser(NumberNormaliser&&) noexcept;
    NumberNormaliser& operator=(NumberNormaliser&&) noexcept;

    std::variant<NormalisedAddress, NumberError> normalise(std::uint8_t ton, std::uint8_t npi,
                                                           std::string_view address, address_role role,
                                                           const NumberPolicy& policy) const;

    // True for a region libphonenumber has numbering data for ("GB", "US").
    static bool supported_region(std::string_view region);

    struct Tables;

private:
    std::variant<NormalisedAddress, NumberError> phone_number(std::uint8_t ton, std::string_view address,
                                                              const NumberPolicy& policy) const;
    // The tables' answers for digits libphonenumber would read the same way;
    // nullopt: ask libphonenumber.
    std::optional<std::variant<NormalisedAddress, NumberError>> international_fast(std::string_view digits,
                                                                                   bool resolve_region) const;
    std::optional<std::variant<NormalisedAddress, NumberError>> national_fast(std::string_view digits,
                                                                              std::string_view region,
                                                                              bool resolve_region) const;
    mode mode_;
    std::unique_ptr<const Tables> tables_;
};

}  // namespace smpp::upstream
