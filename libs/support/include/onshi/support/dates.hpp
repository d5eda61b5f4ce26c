// Calendar days and time points as every plugin writes them, and "today" as the clinic sees it:
// the JST day of the host clock's now (plugins never read the system clock for a date rule).
#pragma once

#include <onshi/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace onshi::support {

using Date = std::chrono::year_month_day;
using TimePoint = std::chrono::sys_seconds;

constexpr Date make_date(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// "YYYY-MM-DD" or "YYYYMMDD"; `field` names the input in the error.
Result<Date> parse_date(std::string_view text, std::string_view field);
// "YYYY-MM-DDTHH:MM:SSZ" or "YYYYMMDDHHmmss", both UTC; 24:00:00 is allowed (closures are announced so).
Result<TimePoint> parse_time(std::string_view text, std::string_view field);

std::string iso_date(Date d);          // 2026-11-21
std::string compact_date(Date d);      // 20261121 (XmlMsg, UKE 年月日)
std::string compact_month(Date d);     // 202611   (UKE 年月)
std::string iso_time(TimePoint t);     // 2026-11-21T00:30:00Z
std::string compact_time(TimePoint t); // 20261121003000 (UTC digits)

// Japan has no daylight saving: JST is UTC+9 all year.
inline constexpr std::chrono::hours kJstOffset{9};
// The JST calendar day of a time point (the host clock's now, a certificate's notAfter, ...).
Date jst_day(std::chrono::system_clock::time_point t);
// 00:00 JST of a day.
TimePoint jst_midnight(Date d);

}  // namespace onshi::support
