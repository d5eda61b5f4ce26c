// onshi/claims/copay.hpp: the 一部負担金割合 on a date (R-RATIO). A card trouble
// never raises it to 10割; only R-M8 (no proof at all) does.
#pragma once

#include <onshi/claims/types.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::claims {

// The rule that set a ratio; its name (rule_name) appears in the result document.
enum class CopayRule {
  self_pay_no_proof,      // R-M8: nothing shown on a first visit → 10割
  special_care_expense,   // R-KUBUN-05: 特別療養費支給対象者 pay 10割 at the window
  pending_recheck,        // R-M9: 70+ whose ratio is not known until the deferred check: the 一般 ratio
  medical_aid,            // 医療扶助 (公費 法別 12) → 0割
  declared_on_statement,  // R-RATIO: the ratio the patient declared on the 申立書 (70+ and 後期)
  kouki_card,             // 後期高齢者 from the 75th birthday: the card's 010/020/030
  elderly_card,           // 70–74 from the month after 70歳到達日: 高齢受給者証 2割/3割
  preschool,              // 未就学: 2割 through the first 31 March after 6歳到達日
  general,                // 3割
};
const char* rule_name(CopayRule rule);

struct CopayInput {
  Date birth_date;
  Date on;
  PayerKind payer = PayerKind::shaho;
  std::optional<int> card_ratio;      // 割, from the card / オン資 / 高齢受給者証
  bool statement = false;             // a 申立書 was filled in
  std::optional<int> declared_ratio;  // its 一部負担金の割合 (empty = わからない)
  bool no_proof = false;              // R-M8
  bool special_care = false;          // R-KUBUN-05: オン資 区分 05
  bool pending_recheck = false;       // R-M9: the qualification is checked later
};

// The age band on the date, whatever set the ratio (it decides レセプト種別 and 特記事項).
enum class AgeBand { preschool, working_age, elderly_70_74, kouki };

struct CopayDecision {
  int ratio = 3;  // 割: 0–10
  CopayRule rule = CopayRule::general;
  AgeBand band = AgeBand::working_age;
  std::string reason;
  std::vector<Warning> warnings;
};

Result<CopayDecision> decide_copay(const CopayInput& in);

// The boundaries, for tests and for a UI that wants to say "until …".
Date preschool_last_day(Date birth);  // 3月31日 on or after 6歳到達日
Date elderly_first_day(Date birth);   // 1st of the month after 70歳到達日 (born on the 1st: that month)
Date kouki_first_day(Date birth);     // the 75th birthday itself

}  // namespace onshi::claims
