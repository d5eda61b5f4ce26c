// onshi/claims/dates.hpp: calendar dates and the legal age rules every ratio rule uses.
#pragma once

#include <onshi/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace onshi::claims {

using Date = std::chrono::year_month_day;

constexpr Date make_date(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// Accepts "YYYY-MM-DD" or "YYYYMMDD"; `field` names the input in the error.
Result<Date> parse_date(std::string_view text, std::string_view field);

std::string format_iso(Date d);       // 2026-11-21
std::string format_yyyymmdd(Date d);  // 20261121 (UKE 年月日)
std::string format_yyyymm(Date d);    // 202611   (UKE 年月)

Date add_days(Date d, int days);
Date add_months(Date d, int months);  // day clamped to the month's end
Date first_of_month(Date d);

// 年齢到達日: the day a person "reaches" an age is the day before the birthday
// (年齢計算ニ関スル法律 + 民法143条); a 29 February birthday counts from 1 March
// in common years, so the age is reached on 28 February.
Date age_reached_on(Date birth, int years);

// Completed years on `on` (the age rises on the 到達日's following midnight,
// i.e. on the birthday itself).
int age_on(Date birth, Date on);

}  // namespace onshi::claims
