#include <onshi/claims/method.hpp>

#include <algorithm>

namespace onshi::claims {

const char* method_id(Method m) {
  switch (m) {
    case Method::m1_card: return "R-M1";
    case Method::m2_portal: return "R-M2";
    case Method::m3_notice: return "R-M3";
    case Method::m4_certificate: return "R-M4";
    case Method::m5_old_card: return "R-M5";
    case Method::m6_oral: return "R-M6";
    case Method::m7_statement: return "R-M7";
    case Method::m8_none: return "R-M8";
  }
  return "R-M8";
}

MethodDecision choose_method(const ClaimInput& in) {
  const Presented& p = in.presented;
  const Date today = in.visit_date;
  const bool card = p.my_number_card;
  MethodDecision d;
  auto decide = [&](Method m, std::vector<std::string> checks) {
    d.method = m;
    d.staff_checks = std::move(checks);
    return d;
  };
  auto warn = [&](std::string code, std::string rule, std::string message) {
    d.warnings.push_back({std::move(code), std::move(rule), std::move(message)});
  };

  if (card && p.card_check == CardCheck::lost)
    warn("qualification_lost", "R-RES",
         "資格無効: the card shows the old qualification; ask for the current numbers (R-CLAIM-A), else bill "
         "the old ones (R-CLAIM-B)");
  if (card && p.card_check == CardCheck::valid) return decide(Method::m1_card, {});

  const char* look_at_card = "compare the My Number card's photo with the patient (目視確認)";
  if (card && p.mynaportal)
    return decide(Method::m2_portal,
                  {look_at_card, "read 保険者番号・記号・番号・枝番 off the マイナポータル screen or PDF",
                   "70歳以上・後期高齢者: the ratio may have changed after the PDF's 有効期限"});
  if (card && p.qualification_notice)
    return decide(Method::m3_notice, {look_at_card, "read 保険者番号・記号・番号・枝番 off the 資格情報のお知らせ"});
  if (p.qualification_notice)
    warn("notice_alone_not_valid", "R-M3",
         "資格情報のお知らせ alone is never proof of insurance; it only counts together with the My Number card");
  if (p.eligibility_certificate)
    return decide(Method::m4_certificate,
                  {"read 保険者番号・記号・番号・枝番 off the 資格確認書", "check the 資格確認書's 有効期限"});

  // An old 保険証 (or the お知らせ alone) under the provisional handling (R-M5).
  if (p.old_insurance_card) {
    Date valid_until = std::min(p.old_card_expiry.value_or(kOldCardLastValidDay), kOldCardLastValidDay);
    if (today <= valid_until)
      return decide(Method::m5_old_card,
                    {"read 保険者番号・記号・番号・枝番 off the 健康保険証", "check the 保険証's 有効期限"});
    if (today > kProvisionalLastDay)
      warn("old_card_expired", "R-M5",
           "the 健康保険証 expired on " + iso_date(valid_until) +
               " and the provisional handling ended on 2026-03-31; it proves nothing any more");
  }
  if ((p.old_insurance_card || p.qualification_notice) && today <= kProvisionalLastDay) {
    d.provisional = true;
    warn("provisional_until_2026_03_31", "R-M5",
         "provisional handling: verify by 被保険者番号 online query and bill at the normal ratio; it ends on "
         "2026-03-31, so ask the patient to bring the マイナ保険証 or 資格確認書 next time");
    return decide(Method::m5_old_card,
                  {"query the 被保険者番号 online (番号照会) to confirm the qualification",
                   "ask the patient to bring the マイナ保険証 or 資格確認書 next time"});
  }

  if (in.visit == VisitKind::revisit && in.previous && p.card_check != CardCheck::lost)
    return decide(Method::m6_oral,
                  {"ask the patient whether anything changed since the last visit (job, insurer, address)",
                   "if it changed, take the new numbers (R-CLAIM-A)"});
  if (card) {
    warn("statement_claim_may_return", "R-M7",
         "a claim on a 申立書 can still be returned; ask the patient to tell the clinic the numbers once known");
    return decide(Method::m7_statement,
                  {look_at_card, "have the patient fill in and sign the 被保険者資格申立書 and keep it",
                   "collect the normal ratio (3割 etc.), never 10割"});
  }
  warn("self_pay_no_proof", "R-M8",
       "no proof of insurance on a first visit and no My Number card: collect 10割; the patient can claim "
       "療養費 from the insurer later");
  return decide(Method::m8_none,
                {"collect 10割 and give a receipt for the 療養費 claim",
                 "ask the patient to bring the マイナ保険証 or 資格確認書 (reissue it if lost)"});
}

}  // namespace onshi::claims
