// onshi/claims/method.hpp: which verification method applies at the window
// (R-M1…R-M10, R-DISASTER-CLAIM), what staff must still check, and the warnings.
#pragma once

#include <onshi/claims/types.hpp>

#include <string>
#include <vector>

namespace onshi::claims {

enum class Method {
  m1_card,             // マイナ保険証, verified online
  m2_portal,           // マイナポータル screen / PDF + the physical card
  m3_notice,           // 資格情報のお知らせ + the physical card
  m4_certificate,      // 資格確認書
  m5_old_card,         // 健康保険証 (valid, or the provisional handling: rules.hpp)
  m6_oral,             // revisit: oral confirmation against the EMR's data
  m7_statement,        // 被保険者資格申立書 + card
  m8_none,             // nothing: 10割
  m9_outage,           // システム障害時: verify later, when the terminal, reader or network is back
  m10_phone_portal,    // smartphone only: the 資格情報 screen of マイナポータル on the phone
  disaster_oral,       // declared disaster: insured treatment on oral declaration
};
const char* method_id(Method m);  // "R-M1" … "R-M10", "R-DISASTER-CLAIM"

struct MethodDecision {
  Method method = Method::m8_none;
  bool provisional = false;  // the provisional handling of an expired 保険証 / お知らせ alone (R-M5)
  std::vector<std::string> staff_checks;
  std::vector<Warning> warnings;
};

// Fails only when the dated rules cannot be read.
Result<MethodDecision> choose_method(const ClaimInput& in);

}  // namespace onshi::claims
