#include <onshi/claims/dates.hpp>

#include <cstdio>

namespace onshi::claims {

using namespace std::chrono;

Result<Date> parse_date(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                      std::string(field) + ": '" + std::string(text.substr(0, 32)) + "' is not a date",
                      "write the date as YYYY-MM-DD (e.g. 2026-04-01) or YYYYMMDD");
  };
  std::string digits;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-')
    digits = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) + std::string(text.substr(8, 2));
  else if (text.size() == 8)
    digits = std::string(text);
  else
    return bad();
  for (char c : digits)
    if (c < '0' || c > '9') return bad();
  Date d = make_date(std::stoi(digits.substr(0, 4)), std::stoul(digits.substr(4, 2)), std::stoul(digits.substr(6, 2)));
  if (!d.ok()) return bad();
  return d;
}

std::string format_iso(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

std::string format_yyyymmdd(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

std::string format_yyyymm(Date d) { return format_yyyymmdd(d).substr(0, 6); }

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
