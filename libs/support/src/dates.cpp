#include <onshi/support/dates.hpp>

#include <cstdio>

namespace onshi::support {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

unsigned to_number(std::string_view s) {
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

Error bad_date(std::string_view text, std::string_view field) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "date",
                    std::string(field) + ": '" + std::string(text.substr(0, 40)) + "' is not a date",
                    "write the date as YYYY-MM-DD (e.g. 2026-04-01) or YYYYMMDD, a real calendar day");
}

std::string format(const char* pattern, Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, pattern, static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace

Result<Date> parse_date(std::string_view t, std::string_view field) {
  std::string_view y, m, d;
  if (t.size() == 8) y = t.substr(0, 4), m = t.substr(4, 2), d = t.substr(6, 2);
  else if (t.size() == 10 && t[4] == '-' && t[7] == '-') y = t.substr(0, 4), m = t.substr(5, 2), d = t.substr(8, 2);
  if (!all_digits(y) || !all_digits(m) || !all_digits(d)) return bad_date(t, field);
  const Date date = make_date(static_cast<int>(to_number(y)), to_number(m), to_number(d));
  if (!date.ok()) return bad_date(t, field);
  return date;
}

Result<TimePoint> parse_time(std::string_view t, std::string_view field) {
  std::string_view date_part, hh, mi, ss;
  if (t.size() == 20 && t[10] == 'T' && t[13] == ':' && t[16] == ':' && t[19] == 'Z')
    date_part = t.substr(0, 10), hh = t.substr(11, 2), mi = t.substr(14, 2), ss = t.substr(17, 2);
  else if (t.size() == 14)
    date_part = t.substr(0, 8), hh = t.substr(8, 2), mi = t.substr(10, 2), ss = t.substr(12, 2);
  if (!all_digits(hh) || !all_digits(mi) || !all_digits(ss))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "date",
                      std::string(field) + ": '" + std::string(t.substr(0, 40)) + "' is not a time",
                      "write it as YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYYMMDDHHmmss");
  const unsigned h = to_number(hh), m = to_number(mi), s = to_number(ss);
  if (h > 24 || m > 59 || s > 59 || (h == 24 && (m || s)))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "date",
                      std::string(field) + ": '" + std::string(t) + "' has no such time of day",
                      "hours 00-24, minutes and seconds 00-59");
  auto date = parse_date(date_part, field);
  if (!date) return std::move(date).error();
  return TimePoint{std::chrono::sys_days{*date}} + std::chrono::hours{h} + std::chrono::minutes{m} +
         std::chrono::seconds{s};
}

std::string iso_date(Date d) { return format("%04d-%02u-%02u", d); }
std::string compact_date(Date d) { return format("%04d%02u%02u", d); }
std::string compact_month(Date d) { return compact_date(d).substr(0, 6); }

namespace {
std::string time_text(TimePoint t, const char* pattern, std::string (*date)(Date)) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss<std::chrono::seconds> clock{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, pattern, date(Date{day}).c_str(), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return buf;
}
}  // namespace

std::string iso_time(TimePoint t) { return time_text(t, "%sT%02d:%02d:%02dZ", &iso_date); }
std::string compact_time(TimePoint t) { return time_text(t, "%s%02d%02d%02d", &compact_date); }

Date jst_day(std::chrono::system_clock::time_point t) {
  return Date{std::chrono::floor<std::chrono::days>(t + kJstOffset)};
}

TimePoint jst_midnight(Date d) { return TimePoint{std::chrono::sys_days{d}} - kJstOffset; }

}  // namespace onshi::support
