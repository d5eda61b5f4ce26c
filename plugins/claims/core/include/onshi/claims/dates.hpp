// onshi/claims/dates.hpp: the legal age rules every ratio rule uses. Calendar days themselves
// (Date, make_date, parse_date, iso_date, compact_date, compact_month) are libs/support's.
#pragma once

#include <onshi/support/dates.hpp>

namespace onshi::claims {

using support::compact_date;   // 20261121 (UKE 年月日)
using support::compact_month;  // 202611   (UKE 年月)
using support::Date;
using support::iso_date;       // 2026-11-21
using support::make_date;
using support::parse_date;

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
