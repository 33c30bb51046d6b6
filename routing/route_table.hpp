#pragma once
// The route table as an operator writes it: destination prefix -> ordered
// candidate carriers, each with the constraints under which it may carry a
// message. Loaded from YAML (small tables) or CSV (large ones) and compiled
// into a shared-memory image (compiled_table.hpp) for lookups.
//
// Time-of-day windows: g++ 12's libstdc++ has no C++20 time-zone database
// (std::chrono::locate_zone), so a window carries a fixed UTC offset
// (`utc_offset: +01:00`) next to the IANA zone name, which is kept as a label
// for explanations only. Daylight-saving changes need a table reload.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "routing/error.hpp"

namespace smpp::routing {

enum class TrafficClass : std::uint8_t { otp, transactional, bulk };
enum class SenderType : std::uint8_t { alphanumeric, short_code, long_code };

// Bit sets over the enums above; a candidate allows every class/type by default.
inline constexpr std::uint8_t bit(TrafficClass c) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(c)); }
inline constexpr std::uint8_t bit(SenderType s) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(s)); }
inline constexpr std::uint8_t all_traffic_classes = 0x7;
inline constexpr std::uint8_t all_sender_types = 0x7;

std::string_view name(TrafficClass c) noexcept;
std::string_view name(SenderType s) noexcept;
std::optional<TrafficClass> parse_traffic_class(std::string_view text) noexcept;
std::optional<SenderType> parse_sender_type(std::string_view text) noexcept;

// Route prefixes and destinations are at most this many digits (E.164 allows 15).
inline constexpr std::size_t max_prefix_digits = 15;

struct TimeWindow {
    std::uint16_t from_minute = 0;  // local minute of day the window opens, 0..1439
    std::uint16_t to_minute = 0;    // local minute it closes (exclusive); < from wraps midnight
    std::int16_t utc_offset_minutes = 0;
    std::string zone;  // IANA name, a label only (see above)

    // `utc_minute_of_day` is minutes since 00:00 UTC.
    bool contains(int utc_minute_of_day) const noexcept;
    // "08:00-20:00 UTC+01:00 (Europe/London)"
    std::string to_string() const;
    friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

struct Candidate {
    std::string carrier;
    std::uint32_t priority = 0;       // lower is tried first
    std::uint64_t cost_micros = 0;    // price per message part in micro-units
    std::uint32_t weight = 1;         // share among equal candidates
    std::uint8_t traffic_classes = all_traffic_classes;
    std::uint8_t sender_types = all_sender_types;
    std::vector<std::uint8_t> data_codings;  // empty = any
    std::string profile;                     // empty = any account
    std::optional<TimeWindow> window;        // none = always
    int line = 0;                            // where it was defined, for messages
};

struct RouteEntry {
    std::string prefix;   // digits; "" is the default route
    std::string country;  // optional label (ISO code) for health per carrier x country
    std::vector<Candidate> candidates;
};

struct RouteTable {
    std::vector<RouteEntry> entries;
};

using CarrierSet = std::set<std::string, std::less<>>;

// Loaders: every error names "<file>:<line>: <field>: <what>". `file` is the
// name used in messages; the *_text variants parse text already in memory.
// A prefix that is duplicated or not made of digits, a carrier not in
// `known_carriers`, and a malformed or out-of-range number are rejected.
Result<RouteTable> load_yaml_routes(const std::string& path, const CarrierSet& known_carriers);
Result<RouteTable> parse_yaml_routes(const std::string& text, const std::string& file, const CarrierSet& known_carriers);
// CSV: a header row naming the columns (prefix and carrier required; country,
// priority, cost, weight, classes, sender_types, data_codings, profile,
// window, utc_offset, zone optional), then one candidate per line. List
// fields use '|' ("otp|bulk"). Lines of one prefix form one entry; the same
// carrier twice for one prefix is an error.
Result<RouteTable> load_csv_routes(const std::string& path, const CarrierSet& known_carriers);
Result<RouteTable> parse_csv_routes(const std::string& text, const std::string& file, const CarrierSet& known_carriers);

// By the file name: .csv loads as CSV, anything else as YAML.
Result<RouteTable> load_routes(const std::string& path, const CarrierSet& known_carriers);

// An SMPP destination_addr as E.164 digits: a leading '+' or '00'
// (international prefix) is dropped; nullopt when anything but 0-9 remains,
// nothing does, or more than 15 digits do.
std::optional<std::string> normalise_e164(std::string_view number);

}  // namespace smpp::routing
