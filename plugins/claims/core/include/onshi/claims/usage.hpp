// onshi/claims/usage.hpp: マイナ保険証利用率 and the 加算 paid on it (R-RATE).
#pragma once

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
  int total_count = 0;  // オンライン資格確認利用件数
  double rate() const { return total_count ? double(card_count) / total_count : 0.0; }
};

// The rate for one calendar month (verifications of other months are ignored).
Result<UsageRate> usage_rate(const std::vector<Verification>& verifications, int year, unsigned month);

enum class Facility { medical, dental, pharmacy };  // 医科 / 歯科 / 調剤

struct DxTier {
  int tier = 0;    // 加算1…3; 0 = none
  int points = 0;
  int threshold_percent = 0;  // the rate the tier needed
};

// 医療DX推進体制整備加算 by the thresholds in force in `month`:
// from 2024-10 15/10/5 %, from 2025-01 30/20/10 %.
Result<DxTier> dx_tier(const UsageRate& usage, Date month, Facility facility);

// 医療情報取得加算 (from 2024-12): 1 point at 初診; at 再診 once per 3 months;
// at the pharmacy once per 12 months. `last_claimed` is the last time it was added.
int information_acquisition_points(Facility facility, VisitKind visit, Date on, std::optional<Date> last_claimed);

}  // namespace onshi::claims
