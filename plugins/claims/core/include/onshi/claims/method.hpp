// onshi/claims/method.hpp: which verification method applies at the window
// (R-M1…R-M8), what staff must still check, and the warnings.
#pragma once

#include <onshi/claims/types.hpp>

#include <string>
#include <vector>

namespace onshi::claims {

enum class Method {
  m1_card,             // マイナ保険証, verified online
  m2_portal,           // マイナポータル screen / PDF + card
  m3_notice,           // 資格情報のお知らせ + card
  m4_certificate,      // 資格確認書
  m5_old_card,         // 健康保険証 (valid, or provisional handling until 2026-03-31)
  m6_oral,             // revisit: oral confirmation against the EMR's data
  m7_statement,        // 被保険者資格申立書 + card
  m8_none,             // nothing: 10割
};
const char* method_id(Method m);  // "R-M1" …

struct MethodDecision {
  Method method = Method::m8_none;
  bool provisional = false;  // the 2026-03-31 handling of an expired 保険証 / お知らせ alone
  std::vector<std::string> staff_checks;
  std::vector<Warning> warnings;
};

// The last day an old 保険証 is valid at all, and the last day of the provisional handling.
inline constexpr Date kOldCardLastValidDay = make_date(2025, 12, 1);
inline constexpr Date kProvisionalLastDay = make_date(2026, 3, 31);

MethodDecision choose_method(const ClaimInput& in);

}  // namespace onshi::claims
