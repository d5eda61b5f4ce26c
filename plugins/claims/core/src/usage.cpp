#include <onshi/claims/usage.hpp>

#include <array>

namespace onshi::claims {

Result<UsageRate> usage_rate(const std::vector<Verification>& verifications, int year, unsigned month) {
  UsageRate usage;
  for (const Verification& v : verifications) {
    if (int(v.date.year()) != year || unsigned(v.date.month()) != month) continue;
    ++usage.total_count;
    if (v.my_number_card) ++usage.card_count;
  }
  if (usage.total_count == 0)
    return make_error(ONSHI_E_NOT_FOUND, "claims",
                      "no online verification in " + std::to_string(year) + "-" + std::to_string(month) +
                          ": the マイナ保険証利用率 is undefined",
                      "check the month, or that the verification history of that month was kept");
  return usage;
}

Result<DxTier> dx_tier(const UsageRate& usage, Date month, Facility facility) {
  std::array<int, 3> thresholds;
  if (month >= make_date(2025, 1, 1))
    thresholds = {30, 20, 10};
  else if (month >= make_date(2024, 10, 1))
    thresholds = {15, 10, 5};
  else
    return make_error(ONSHI_E_NOT_SUPPORTED, "claims",
                      "医療DX推進体制整備加算 tiers by usage rate start in 2024-10; " + iso_date(month) +
                          " is earlier",
                      "use a month from 2024-10 on");
  static constexpr int kPoints[3][3] = {{11, 10, 8}, {9, 8, 6}, {7, 6, 4}};  // [facility][tier-1]
  DxTier out;
  for (int i = 0; i < 3; ++i) {
    // card / total >= threshold %, in integers so 30 % is exactly 30 %.
    if (long(usage.card_count) * 100 >= long(thresholds[i]) * usage.total_count) {
      out.tier = i + 1;
      out.points = kPoints[int(facility)][i];
      out.threshold_percent = thresholds[i];
      break;
    }
  }
  return out;
}

int information_acquisition_points(Facility facility, VisitKind visit, Date on, std::optional<Date> last_claimed) {
  if (on < make_date(2024, 12, 1)) return 0;
  if (facility == Facility::pharmacy) return !last_claimed || on >= add_months(*last_claimed, 12) ? 1 : 0;
  if (visit == VisitKind::first_visit) return 1;
  return !last_claimed || on >= add_months(*last_claimed, 3) ? 1 : 0;
}

}  // namespace onshi::claims
