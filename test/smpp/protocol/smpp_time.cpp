#include "smpp/protocol/smpp_time.hpp"

#include <catch2/catch.hpp>

using namespace smpp::protocol;
using namespace std::chrono;

namespace {

system_clock::time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

system_clock::time_point at(std::string_view s, system_clock::time_point now = {}) {
    auto r = parse_smpp_time(s, now);
    REQUIRE(std::holds_alternative<system_clock::time_point>(r));
    return std::get<system_clock::time_point>(r);
}

TimeError rejected(std::string_view s) {
    auto r = parse_smpp_time(s, system_clock::time_point{});
    REQUIRE(std::holds_alternative<TimeError>(r));
    return std::get<TimeError>(r);
}

}  // namespace

TEST_CASE("smpp_time: absolute UTC") {
    CHECK(at("250314153045000+") == utc(2025, 3, 14, 15, 30, 45));
    CHECK(at("250314153045700+") == utc(2025, 3, 14, 15, 30, 45, 700));
    CHECK(at("000101000000000+") == utc(2000, 1, 1));
    CHECK(at("991231235959900-") == utc(2099, 12, 31, 23, 59, 59, 900));
    CHECK(at("240229120000000+") == utc(2024, 2, 29, 12));  // leap day
}

TEST_CASE("smpp_time: absolute with quarter-hour offsets") {
    // 12:00 local at UTC+1 (04 quarter hours) is 11:00 UTC.
    CHECK(at("250601120000004+") == utc(2025, 6, 1, 11));
    // 12:00 local at UTC-5 (20 quarter hours) is 17:00 UTC.
    CHECK(at("250601120000020-") == utc(2025, 6, 1, 17));
    // India, UTC+5:30 (22 quarter hours), across midnight backwards.
    CHECK(at("250601020000022+") == utc(2025, 5, 31, 20, 30));
    // Nepal, UTC+5:45 (23).
    CHECK(at("250601060000023+") == utc(2025, 6, 1, 0, 15));
    // The extremes: +12:00 and -12:00.
    CHECK(at("250101000000048+") == utc(2024, 12, 31, 12));
    CHECK(at("250101000000048-") == utc(2025, 1, 1, 12));
}

TEST_CASE("smpp_time: parse_smpp_time_fields keeps the fields as written") {
    const auto f = std::get<SmppTimeFields>(parse_smpp_time_fields("250314153045722-"));
    CHECK(f == SmppTimeFields{2025, 3, 14, 15, 30, 45, 7, -22, false});
    const auto r = std::get<SmppTimeFields>(parse_smpp_time_fields("010203040506000R"));
    CHECK(r == SmppTimeFields{1, 2, 3, 4, 5, 6, 0, 0, true});
}

TEST_CASE("smpp_time: relative days, hours, minutes, seconds") {
    const auto now = utc(2025, 3, 14, 10, 0, 0, 250);
    CHECK(at("000000000000000R", now) == now);
    CHECK(at("000001000000000R", now) == now + days{1});
    CHECK(at("000000020000000R", now) == now + hours{2});
    CHECK(at("000000003000000R", now) == now + minutes{30});
    CHECK(at("000000000045000R", now) == now + seconds{45});
    CHECK(at("000002031520000R", now) == now + days{2} + hours{3} + minutes{15} + seconds{20});
    // Relative fields are not clock fields: 99 hours and 99 minutes are fine.
    CHECK(at("000000999999000R", now) == now + hours{99} + minutes{99} + seconds{99});
    // t and nn are ignored for relative times (they are digits, not "000").
    CHECK(at("000001000000123R", now) == now + days{1});
}

TEST_CASE("smpp_time: relative years and months are calendar steps with the day clamped") {
    const auto now = utc(2025, 1, 31, 8, 30);
    CHECK(at("000100000000000R", now) == utc(2025, 2, 28, 8, 30));  // Jan 31 + 1 month
    CHECK(at("000200000000000R", now) == utc(2025, 3, 31, 8, 30));
    CHECK(at("001100000000000R", now) == utc(2025, 12, 31, 8, 30));
    CHECK(at("001200000000000R", now) == utc(2026, 1, 31, 8, 30));  // 12 months = 1 year
    CHECK(at("010000000000000R", now) == utc(2026, 1, 31, 8, 30));
    CHECK(at("000101000000000R", now) == utc(2025, 3, 1, 8, 30));  // clamp to Feb 28, then + 1 day
    const auto leap = utc(2024, 2, 29, 23, 59, 59);
    CHECK(at("010000000000000R", leap) == utc(2025, 2, 28, 23, 59, 59));
    CHECK(at("040000000000000R", leap) == utc(2028, 2, 29, 23, 59, 59));
    CHECK(at("002400000000000R", leap) == utc(2026, 2, 28, 23, 59, 59));
}

TEST_CASE("smpp_time: rejects") {
    CHECK(rejected("") == TimeError{time_errc::empty, 0});
    CHECK(rejected("2503141530450+") == TimeError{time_errc::wrong_length, 14});
    CHECK(rejected("2503141530450000+") == TimeError{time_errc::wrong_length, 16});
    CHECK(rejected("250314153045000") == TimeError{time_errc::wrong_length, 15});
    CHECK(rejected("2503141530450000") == TimeError{time_errc::bad_direction, 15});
    CHECK(rejected("250314153045000r") == TimeError{time_errc::bad_direction, 15});
    CHECK(rejected("250314153045000 ") == TimeError{time_errc::bad_direction, 15});
    CHECK(rejected("25031415304a000+") == TimeError{time_errc::bad_digit, 11});
    CHECK(rejected("2503141530450+0+") == TimeError{time_errc::bad_digit, 13});
    CHECK(rejected("250314153045-00+") == TimeError{time_errc::bad_digit, 12});  // t not a digit
    CHECK(rejected(" 50314153045000+") == TimeError{time_errc::bad_digit, 0});
    CHECK(rejected("00000100000000AR") == TimeError{time_errc::bad_digit, 14});
    CHECK(rejected("251314153045000+") == TimeError{time_errc::bad_month, 2});
    CHECK(rejected("250014153045000+") == TimeError{time_errc::bad_month, 2});
    CHECK(rejected("250100153045000+") == TimeError{time_errc::bad_day, 4});
    CHECK(rejected("250132153045000+") == TimeError{time_errc::bad_day, 4});
    CHECK(rejected("250229153045000+") == TimeError{time_errc::bad_day, 4});  // 2025 is not a leap year
    CHECK(rejected("250431153045000+") == TimeError{time_errc::bad_day, 4});
    CHECK(rejected("250314243045000+") == TimeError{time_errc::bad_hour, 6});
    CHECK(rejected("250314156045000+") == TimeError{time_errc::bad_minute, 8});
    CHECK(rejected("250314153060000+") == TimeError{time_errc::bad_second, 10});
    CHECK(rejected("250314153045049+") == TimeError{time_errc::bad_offset, 13});
    CHECK(rejected("250314153045099-") == TimeError{time_errc::bad_offset, 13});
}

TEST_CASE("smpp_time: format absolute and parse back") {
    const auto tp = utc(2025, 3, 14, 15, 30, 45, 789);
    CHECK(format_smpp_time(tp) == "250314153045700+");
    CHECK(format_smpp_time(tp, 4) == "250314163045704+");
    CHECK(format_smpp_time(tp, -20) == "250314103045720-");
    CHECK(format_smpp_time(utc(2025, 3, 14, 23, 0), 8) == "250315010000008+");  // next day locally
    CHECK(format_smpp_time(tp, 49) == std::nullopt);
    CHECK(format_smpp_time(utc(1999, 12, 31, 23, 59)) == std::nullopt);
    CHECK(format_smpp_time(utc(2100, 1, 1)) == std::nullopt);
    for (int q : {-48, -23, -1, 0, 1, 22, 48}) {
        const auto s = format_smpp_time(tp, q);
        REQUIRE(s);
        CHECK(at(*s) == utc(2025, 3, 14, 15, 30, 45, 700));
    }
}

TEST_CASE("smpp_time: format relative") {
    CHECK(format_relative_smpp_time(seconds{0}) == "000000000000000R");
    CHECK(format_relative_smpp_time(hours{48} + minutes{5} + seconds{7}) == "000002000507000R");
    CHECK(format_relative_smpp_time(days{99} + hours{23} + minutes{59} + seconds{59}) == "000099235959000R");
    CHECK(format_relative_smpp_time(days{100}) == std::nullopt);
    CHECK(format_relative_smpp_time(seconds{-1}) == std::nullopt);
    const auto now = utc(2025, 1, 1);
    CHECK(at(*format_relative_smpp_time(hours{30}), now) == now + hours{30});
}
