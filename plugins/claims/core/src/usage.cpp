#include <onshi/claims/usage.hpp>

#include <algorithm>

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

Result<DxTier> dx_tier(const UsageRate& usage, Date billing_month, Facility facility, bool pediatric_exception) {
  auto loaded = rules();
  if (!loaded) return loaded.error();
  auto row = in_force((*loaded)->dx_addition, billing_month, "the マイナ保険証利用率 加算 (R-RATE)");
  if (!row) return row.error();
  const DxRow& r = **row;
  DxTier out;
  out.row = &r;
  auto points_of = [&](const std::map<Facility, std::vector<int>>& table, int tier) -> std::optional<int> {
    auto it = table.find(facility);
    if (it == table.end() || int(it->second.size()) < tier) return std::nullopt;
    return it->second[tier - 1];
  };
  switch (r.kind) {
    case DxRow::Kind::flat:  // one 加算, no rate requirement
      out.tier = 1;
      out.rate_met = true;
      out.points = points_of(r.points, 1).value_or(0);
      return out;
    case DxRow::Kind::rate_minimum:  // the tier follows the 体制; the rate is only a gate
      out.threshold_percent = r.minimum;
      out.rate_met = usage.at_least(r.minimum);
      return out;
    case DxRow::Kind::tiers_by_rate:
      break;
  }
  const bool pediatric = pediatric_exception && !r.pediatric_thresholds.empty();
  const std::vector<int>& thresholds = pediatric ? r.pediatric_thresholds : r.thresholds;
  for (int i = 0; i < int(thresholds.size()); ++i) {
    if (!usage.at_least(thresholds[i])) continue;  // card / total ≥ threshold %, in integers
    out.tier = i + 1;
    out.rate_met = true;
    out.threshold_percent = thresholds[i];
    out.pediatric = pediatric && thresholds[i] != r.thresholds[i];
    out.points = points_of(r.points, out.tier).value_or(0);
    out.points_without_eprescription = points_of(r.points_without_eprescription, out.tier);
    break;
  }
  return out;
}

Result<std::vector<RateUse>> months_decided_by(Date rate_month) {
  auto loaded = rules();
  if (!loaded) return loaded.error();
  const auto& rows = (*loaded)->rate_months;
  std::vector<RateUse> uses;
  for (const RateMonthsRow& row : rows)
    for (int offset : row.offsets) {
      const Date billing = first_of_month(add_months(first_of_month(rate_month), offset));
      if (row.covers(billing)) uses.push_back({billing, offset, offset == row.principal_offset, &row});
    }
  if (uses.empty()) {
    Date first = rows.front().from, last = rows.front().to;
    for (const auto& row : rows) first = std::min(first, row.from), last = std::max(last, row.to);
    return make_error(ONSHI_E_NOT_SUPPORTED, "claims",
                      "no rule known for which 算定月 the マイナ保険証利用率 of " + iso_date(rate_month).substr(0, 7) +
                          " decides (R-RATE): the rules table knows the rate months of 算定月 " + iso_date(first) +
                          " to " + iso_date(last),
                      "the rate month rule of the 加算 in force later is not in this SDK's table yet; check the 通知, "
                      "or a newer claims plugin");
  }
  // The receipt-count basis (what 支払基金 reports) first, its principal month first; then the rest by month.
  std::stable_sort(uses.begin(), uses.end(), [](const RateUse& a, const RateUse& b) {
    auto rank = [](const RateUse& u) { return (u.row->basis == "receipt_count" ? 0 : 2) + (u.principal ? 0 : 1); };
    return rank(a) != rank(b) ? rank(a) < rank(b) : a.billing_month < b.billing_month;
  });
  return uses;
}

Result<InformationPoints> information_acquisition(Facility facility, VisitKind visit, Date on, bool my_number_card,
                                                  std::optional<Date> last_claimed) {
  auto loaded = rules();
  if (!loaded) return loaded.error();
  auto row = in_force((*loaded)->information_acquisition, on, "医療情報取得加算 (R-RATE)");
  if (!row) return row.error();
  const InformationRow& r = **row;
  InformationPoints out{&r, 0};
  if (r.abolished) return out;
  const InformationRow::Points& p = facility == Facility::pharmacy   ? r.pharmacy
                                    : visit == VisitKind::first_visit ? r.first_visit
                                                                      : r.revisit;
  if (p.every_months > 0 && last_claimed && on < add_months(*last_claimed, p.every_months)) return out;
  out.points = my_number_card ? p.card : p.no_card;
  return out;
}

}  // namespace onshi::claims
