#include <onshi/claims/dates.hpp>

#include <algorithm>

namespace onshi::claims {

using namespace std::chrono;

Date add_days(Date d, int days) { return Date{sys_days{d} + std::chrono::days{days}}; }

Date add_months(Date d, int months) {
  year_month ym = year_month{d.year(), d.month()} + std::chrono::months{months};
  auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  return Date{ym.year(), ym.month(), std::min(d.day(), last)};
}

Date first_of_month(Date d) { return Date{d.year(), d.month(), day{1}}; }

Date age_reached_on(Date birth, int years) {
  Date anniversary{birth.year() + std::chrono::years{years}, birth.month(), birth.day()};
  if (!anniversary.ok())  // 29 February in a common year
    anniversary = Date{anniversary.year(), March, day{1}};
  return add_days(anniversary, -1);
}

int age_on(Date birth, Date on) {
  int age = int(on.year()) - int(birth.year());
  if (on <= age_reached_on(birth, age)) --age;
  return age;
}

}  // namespace onshi::claims
