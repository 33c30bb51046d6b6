#pragma once
// SMPP 3.4 section 7.1.1: schedule_delivery_time and validity_period as
// "YYMMDDhhmmsstnnp" (16 characters; the field's NUL is not part of it).
//
//   absolute: p is '+' or '-', nn the local time's offset from UTC in
//             quarter hours (00..48), t tenths of a second.
//   relative: p is 'R', YYMMDDhhmmss is an interval from `now`; t and nn
//             must be digits and are ignored (the spec writes them "000").
//
// YY is 2000 + YY (SMPP 3.4 has no century and nothing in service predates
// 2000). Relative years and months are calendar steps applied first, in UTC:
// now + YY years + MM months keeps the day of month and clamps it to the
// last day of the target month (Jan 31 + 1 month = Feb 28/29), keeping the
// time of day; then DD days, hh hours, mm minutes and ss seconds are added
// as fixed durations. Relative fields may be 00..99 each.
//
// An empty field ("use the SMSC default / deliver now") is for the caller
// to test before parsing; parse reports it as time_errc::empty.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace smpp::protocol {

enum class time_errc : std::uint8_t {
    empty,
    wrong_length,      // not 16 characters
    bad_digit,         // a non-digit in YYMMDDhhmmsstnn
    bad_direction,     // p not '+', '-' or 'R'
    bad_month,         // absolute month not 01..12
    bad_day,           // absolute day not in that month
    bad_hour,          // absolute hour > 23
    bad_minute,        // > 59
    bad_second,        // > 59
    bad_offset,        // nn > 48
};

struct TimeError {
    time_errc code = time_errc::empty;
    std::size_t offset = 0;  // character that is wrong
    friend bool operator==(const TimeError&, const TimeError&) = default;
};

// The fields as written, before any arithmetic.
struct SmppTimeFields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int tenths = 0;
    int quarter_hours = 0;  // signed: -48..48, 0 for relative
    bool relative = false;
    friend bool operator==(const SmppTimeFields&, const SmppTimeFields&) = default;
};

std::variant<SmppTimeFields, TimeError> parse_smpp_time_fields(std::string_view s);

// The instant s names; relative times count from now.
std::variant<std::chrono::system_clock::time_point, TimeError> parse_smpp_time(
    std::string_view s, std::chrono::system_clock::time_point now);

// tp as an absolute time in local time offset_quarter_hours (-48..48) from
// UTC. Tenths are truncated. nullopt when the year is outside 2000..2099 or
// the offset is out of range.
std::optional<std::string> format_smpp_time(std::chrono::system_clock::time_point tp,
                                            int offset_quarter_hours = 0);

// A relative time "YYMMDDhhmmss000R" for an interval, written as days, hours,
// minutes and seconds (never years or months, which are calendar-dependent).
// nullopt for a negative interval or one of 100 days or more.
std::optional<std::string> format_relative_smpp_time(std::chrono::seconds interval);

}  // namespace smpp::protocol
