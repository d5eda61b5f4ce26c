// Dates and time points of the disaster core. Time is always passed in (the
// host's clock service); nothing here reads the system clock.
#pragma once

#include <onshi/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace onshi::disaster {

using Date = std::chrono::year_month_day;
using TimePoint = std::chrono::sys_seconds;

// "YYYYMMDD", "YYYY-MM-DD" or the JAHIS wareki form "GYYMMDD" (G = M/T/S/H/R).
// `field` names what is parsed, for the error message.
Result<Date> parse_date(std::string_view text, std::string_view field);
// "YYYY-MM-DDTHH:MM:SSZ" (UTC) or "YYYYMMDDHHmmss".
Result<TimePoint> parse_time(std::string_view text, std::string_view field);

std::string iso_date(Date d);         // 2024-01-07
std::string compact_date(Date d);     // 20240107 (XmlMsg form)
std::string iso_time(TimePoint t);    // 2024-01-07T15:00:00Z
std::string compact_time(TimePoint t);// 20240107150000 (XmlMsg form)

}  // namespace onshi::disaster
