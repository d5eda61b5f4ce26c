#include <onshi/disaster/time.hpp>

#include <cstdio>

namespace onshi::disaster {
namespace {

Error bad_date(std::string_view text, std::string_view field, std::string_view expected) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                    std::string(field) + ": '" + std::string(text.substr(0, 40)) + "' is not a valid date",
                    "write it as " + std::string(expected));
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// The first year of each era, so wareki year N is base + N - 1.
int era_base(char era) {
  switch (era) {
    case 'M': return 1868;
    case 'T': return 1912;
    case 'S': return 1926;
    case 'H': return 1989;
    case 'R': return 2019;
    default: return 0;
  }
}

Result<Date> checked(int y, int m, int d, std::string_view text, std::string_view field) {
  Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return bad_date(text, field, "YYYYMMDD with a real calendar day");
  return date;
}

}  // namespace

Result<Date> parse_date(std::string_view t, std::string_view field) {
  if (t.size() == 8 && all_digits(t))
    return checked(to_int(t.substr(0, 4)), to_int(t.substr(4, 2)), to_int(t.substr(6, 2)), t, field);
  if (t.size() == 10 && t[4] == '-' && t[7] == '-' && all_digits(t.substr(0, 4)) && all_digits(t.substr(5, 2)) &&
      all_digits(t.substr(8, 2)))
    return checked(to_int(t.substr(0, 4)), to_int(t.substr(5, 2)), to_int(t.substr(8, 2)), t, field);
  if (t.size() == 7 && era_base(t[0]) && all_digits(t.substr(1))) {
    int era_year = to_int(t.substr(1, 2));
    if (era_year == 0) return bad_date(t, field, "GYYMMDD with an era year from 01");
    return checked(era_base(t[0]) + era_year - 1, to_int(t.substr(3, 2)), to_int(t.substr(5, 2)), t, field);
  }
  return bad_date(t, field, "YYYYMMDD, YYYY-MM-DD or GYYMMDD (e.g. R060101)");
}

Result<TimePoint> parse_time(std::string_view t, std::string_view field) {
  int hh = 0, mi = 0, ss = 0;
  std::string_view date_part;
  if (t.size() == 20 && t[10] == 'T' && t[13] == ':' && t[16] == ':' && t[19] == 'Z' &&
      all_digits(t.substr(11, 2)) && all_digits(t.substr(14, 2)) && all_digits(t.substr(17, 2))) {
    date_part = t.substr(0, 10);
    hh = to_int(t.substr(11, 2)), mi = to_int(t.substr(14, 2)), ss = to_int(t.substr(17, 2));
  } else if (t.size() == 14 && all_digits(t)) {
    date_part = t.substr(0, 8);
    hh = to_int(t.substr(8, 2)), mi = to_int(t.substr(10, 2)), ss = to_int(t.substr(12, 2));
  } else {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                      std::string(field) + ": '" + std::string(t.substr(0, 40)) + "' is not a valid time",
                      "write it as YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYYMMDDHHmmss");
  }
  // 24:00:00 is how closures are announced (閉塞 3/7 24:00), so allow it.
  if (hh > 24 || mi > 59 || ss > 59 || (hh == 24 && (mi || ss)))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", std::string(field) + ": '" + std::string(t) +
                      "' has no such time of day", "hours 00-24, minutes and seconds 00-59");
  auto date = parse_date(date_part, field);
  if (!date) return std::move(date).error();
  return TimePoint{std::chrono::sys_days{*date}} + std::chrono::hours{hh} + std::chrono::minutes{mi} +
         std::chrono::seconds{ss};
}

std::string iso_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

std::string compact_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

namespace {
struct Split {
  Date date;
  std::chrono::hh_mm_ss<std::chrono::seconds> clock;
};
Split split(TimePoint t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  return {Date{day}, std::chrono::hh_mm_ss<std::chrono::seconds>{t - day}};
}
}  // namespace

std::string iso_time(TimePoint t) {
  auto [date, clock] = split(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", iso_date(date).c_str(), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return buf;
}

std::string compact_time(TimePoint t) {
  auto [date, clock] = split(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%02d%02d%02d", compact_date(date).c_str(), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return buf;
}

}  // namespace onshi::disaster
