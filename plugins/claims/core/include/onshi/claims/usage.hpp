// onshi/claims/usage.hpp: マイナ保険証利用率 and the 加算 paid on it (R-RATE, R-RATE-2026).
// Every threshold, point and lag is a row of the dated rules (rules.hpp), read by the month the
// rule applies to: the rate of one month decides the 加算 of LATER 算定月 (R-RATE).
#pragma once

#include <onshi/claims/rules.hpp>
#include <onshi/claims/types.hpp>

#include <optional>
#include <vector>

namespace onshi::claims {

struct Verification {
  Date date;
  bool my_number_card = false;  // マイナ保険証 (card or smartphone); else another online check
};

struct UsageRate {
  int card_count = 0;   // マイナ保険証利用件数
  int total_count = 0;  // オンライン資格確認利用件数 (completed checks only)
  double rate() const { return total_count ? double(card_count) / total_count : 0.0; }
  bool at_least(int percent) const { return long(card_count) * 100 >= long(percent) * total_count; }
};

// The rate for one calendar month (verifications of other months are ignored).
Result<UsageRate> usage_rate(const std::vector<Verification>& verifications, int year, unsigned month);

// The 加算 of one 算定月 for a rate.
struct DxTier {
  const DxRow* row = nullptr;   // the period's rule (name, kind, thresholds, source)
  int tier = 0;                 // tiers_by_rate: 1–3, 0 = none; flat: 1; rate_minimum: 0 (decided by 体制)
  bool rate_met = false;        // the rate reaches what this tier (or the minimum) needs; flat: true
  int threshold_percent = 0;    // what the tier needed (rate_minimum: the minimum)
  bool pediatric = false;       // the 小児科特例 threshold was used
  int points = 0;               // 加算1–3 (with 電子処方箋), or the flat 加算
  std::optional<int> points_without_eprescription;  // 加算4–6, where the period has them
};

// The 加算 of 算定月 `billing_month` (any day of it) for `usage`; no rule known outside the table.
Result<DxTier> dx_tier(const UsageRate& usage, Date billing_month, Facility facility, bool pediatric_exception = false);

// A 算定月 the rate of a month counts for: the rate of billing_month − offset.
struct RateUse {
  Date billing_month;   // the 1st of the month
  int offset = 3;
  bool principal = false;  // the month the 通知 names first (M−3; M−2 for the オン資件数 basis)
  const RateMonthsRow* row = nullptr;
};

// The 算定月 the rate of `rate_month` counts for, principal ones first; no rule known when none.
Result<std::vector<RateUse>> months_decided_by(Date rate_month);

// 医療情報取得加算 on a day (R-RATE). `last_claimed`: the last time it was added for this patient.
struct InformationPoints {
  const InformationRow* row = nullptr;
  int points = 0;  // 0 when abolished, or claimed too recently
};
Result<InformationPoints> information_acquisition(Facility facility, VisitKind visit, Date on, bool my_number_card,
                                                  std::optional<Date> last_claimed);

}  // namespace onshi::claims
