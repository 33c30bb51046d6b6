#include "smpp/protocol/smpp_time.hpp"

#include <fmt/format.h>

namespace smpp::protocol {
namespace {

using namespace std::chrono;

constexpr std::size_t length = 16;

int two(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

}  // namespace

std::variant<SmppTimeFields, TimeError> parse_smpp_time_fields(std::string_view s) {
    if (s.empty()) return TimeError{time_errc::empty, 0};
    if (s.size() != length) return TimeError{time_errc::wrong_length, s.size() < length ? s.size() : length};
    for (std::size_t i = 0; i < length - 1; ++i) {
        if (s[i] < '0' || s[i] > '9') return TimeError{time_errc::bad_digit, i};
    }
    const char p = s[15];
    if (p != '+' && p != '-' && p != 'R') return TimeError{time_errc::bad_direction, 15};

    SmppTimeFields f;
    f.relative = p == 'R';
    f.year = two(s, 0), f.month = two(s, 2), f.day = two(s, 4);
    f.hour = two(s, 6), f.minute = two(s, 8), f.second = two(s, 10);
    if (f.relative) return f;

    f.year += 2000;
    f.tenths = s[12] - '0';
    const int nn = two(s, 13);
    if (f.month < 1 || f.month > 12) return TimeError{time_errc::bad_month, 2};
    const year_month_day ymd{year{f.year}, month{static_cast<unsigned>(f.month)}, day{static_cast<unsigned>(f.day)}};
    if (!ymd.ok()) return TimeError{time_errc::bad_day, 4};
    if (f.hour > 23) return TimeError{time_errc::bad_hour, 6};
    if (f.minute > 59) return TimeError{time_errc::bad_minute, 8};
    if (f.second > 59) return TimeError{time_errc::bad_second, 10};
    if (nn > 48) return TimeError{time_errc::bad_offset, 13};
    f.quarter_hours = p == '-' ? -nn : nn;
    return f;
}

std::variant<system_clock::time_point, TimeError> parse_smpp_time(std::string_view s, system_clock::time_point now) {
    auto r = parse_smpp_time_fields(s);
    if (auto* e = std::get_if<TimeError>(&r)) return *e;
    const auto& f = std::get<SmppTimeFields>(r);

    if (f.relative) {
        const auto today = floor<days>(now);
        const auto time_of_day = now - today;
        const year_month_day ymd{today};
        auto ym = year_month{ymd.year(), ymd.month()} + years{f.year} + months{f.month};
        const auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
        const auto d = ymd.day() > last ? last : ymd.day();
        const sys_days base{year_month_day{ym.year(), ym.month(), d}};
        return system_clock::time_point{base} + time_of_day + days{f.day} + hours{f.hour} + minutes{f.minute} +
               seconds{f.second};
    }

    const sys_days date{year_month_day{year{f.year}, month{static_cast<unsigned>(f.month)},
                                       day{static_cast<unsigned>(f.day)}}};
    // Local time is UTC + offset, so UTC is local - offset.
    return system_clock::time_point{date} + hours{f.hour} + minutes{f.minute} + seconds{f.second} +
           milliseconds{100 * f.tenths} - minutes{15 * f.quarter_hours};
}

std::optional<std::string> format_smpp_time(system_clock::time_point tp, int offset_quarter_hours) {
    if (offset_quarter_hours < -48 || offset_quarter_hours > 48) return std::nullopt;
    const auto local = tp + minutes{15 * offset_quarter_hours};
    const auto today = floor<days>(local);
    const year_month_day ymd{today};
    const int y = static_cast<int>(ymd.year());
    if (y < 2000 || y > 2099) return std::nullopt;
    const hh_mm_ss hms{floor<milliseconds>(local - today)};
    const auto tenths = hms.subseconds().count() / 100;
    const int nn = offset_quarter_hours < 0 ? -offset_quarter_hours : offset_quarter_hours;
    return fmt::format("{:02}{:02}{:02}{:02}{:02}{:02}{}{:02}{}", y - 2000, static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count(), tenths, nn, offset_quarter_hours < 0 ? '-' : '+');
}

std::optional<std::string> format_relative_smpp_time(seconds interval) {
    if (interval < seconds{0} || interval >= days{100}) return std::nullopt;
    const auto d = floor<days>(interval);
    const hh_mm_ss hms{interval - d};
    return fmt::format("0000{:02}{:02}{:02}{:02}000R", d.count(), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count());
}

}  // namespace smpp::protocol
