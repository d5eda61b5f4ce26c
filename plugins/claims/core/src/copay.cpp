#include <onshi/claims/copay.hpp>

namespace onshi::claims {

using namespace std::chrono;

const char* rule_name(CopayRule rule) {
  switch (rule) {
    case CopayRule::self_pay_no_proof: return "self_pay_no_proof";
    case CopayRule::special_care_expense: return "special_care_expense";
    case CopayRule::pending_recheck: return "pending_recheck";
    case CopayRule::medical_aid: return "medical_aid";
    case CopayRule::declared_on_statement: return "declared_on_statement";
    case CopayRule::kouki_card: return "kouki_card";
    case CopayRule::elderly_card: return "elderly_card";
    case CopayRule::preschool: return "preschool";
    case CopayRule::general: return "general";
  }
  return "general";
}

Date preschool_last_day(Date birth) {
  Date reached = age_reached_on(birth, 6);
  Date march31{reached.year(), March, day{31}};
  return reached <= march31 ? march31 : Date{reached.year() + years{1}, March, day{31}};
}

Date elderly_first_day(Date birth) { return add_months(first_of_month(age_reached_on(birth, 70)), 1); }

Date kouki_first_day(Date birth) { return add_days(age_reached_on(birth, 75), 1); }

Result<CopayDecision> decide_copay(const CopayInput& in) {
  const bool kouki = in.payer == PayerKind::kouki || in.on >= kouki_first_day(in.birth_date);
  const bool elderly = !kouki && in.on >= elderly_first_day(in.birth_date);
  const AgeBand band = kouki     ? AgeBand::kouki
                       : elderly ? AgeBand::elderly_70_74
                       : in.on <= preschool_last_day(in.birth_date) ? AgeBand::preschool
                                                                    : AgeBand::working_age;
  auto decided = [band](int ratio, CopayRule rule, std::string reason) {
    CopayDecision d;
    d.band = band;
    d.ratio = ratio;
    d.rule = rule;
    d.reason = std::move(reason);
    return d;
  };
  if (in.no_proof)
    return decided(10, CopayRule::self_pay_no_proof,
                   "no proof of insurance on a first visit and no My Number card (R-M8): 10割");
  if (in.special_care)
    return decided(10, CopayRule::special_care_expense,
                   "特別療養費支給対象者 (区分 05): the patient pays 10割 at the window and claims 特別療養費 from the "
                   "insurer (R-KUBUN-05)");
  if (in.payer == PayerKind::medical_aid)
    return decided(0, CopayRule::medical_aid, "医療扶助 (公費 法別 12) pays the whole cost");
  if (kouki || elderly) {
    const char* group = kouki ? "後期高齢者" : "70–74歳 (高齢受給者)";
    if (in.statement && in.declared_ratio) {
      int r = *in.declared_ratio;
      if (r < 1 || r > 3)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                          "statement.declared_ratio: " + std::to_string(r) + "割 is not 3割, 2割 or 1割",
                          "take the ratio the patient ticked on the 申立書, or leave it empty for わからない");
      CopayDecision d = decided(r, CopayRule::declared_on_statement,
                                std::string(group) + ": the ratio declared on the 被保険者資格申立書; a wrong "
                                "declaration is settled by the insurer, the claim is not returned (R-RATIO)");
      if (!kouki && r == 1)  // 70–74 pay 2割 or 3割; 1割 is a 後期 ratio
        d.warnings.push_back({"declared_ratio_impossible", "R-RATIO",
                              "1割 was declared, but 70–74歳 pay 2割 or 3割 (現役並み): check with the patient; if it "
                              "stays, 1割 is collected and the insurer settles the difference"});
      return d;
    }
    if (in.card_ratio) {
      int r = *in.card_ratio;
      bool allowed = kouki ? (r >= 1 && r <= 3) : (r == 2 || r == 3);
      if (!allowed)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                          std::string("card_ratio: ") + std::to_string(r) + "割 is not a ratio of " + group,
                          kouki ? "後期高齢者 pay 1割, 2割 or 3割: check the card's 負担割合 (010/020/030)"
                                : "70–74歳 pay 2割 or 3割 (現役並み): check the 高齢受給者証");
      return decided(r, kouki ? CopayRule::kouki_card : CopayRule::elderly_card,
                     std::string(group) + ": " + std::to_string(r) + "割 from the card data");
    }
    if (in.statement) {
      // 「わからない」 on the 申立書: the usual (一般) ratio; the insurer settles any difference.
      CopayDecision d = decided(kouki ? 1 : 2, CopayRule::declared_on_statement,
                                std::string(group) + ": the patient does not know the ratio; the 一般 ratio is used");
      d.warnings.push_back({"declared_ratio_unknown", "R-RATIO",
                            "the 申立書 says わからない for the ratio: " + std::to_string(d.ratio) +
                                "割 (一般) is collected; ask the patient to tell the clinic once the card is found"});
      return d;
    }
    if (in.pending_recheck) {
      CopayDecision d = decided(kouki ? 1 : 2, CopayRule::pending_recheck,
                                std::string(group) + ": the ratio is known after the check; the 一般 ratio is used now");
      d.warnings.push_back({"ratio_until_recheck", "R-M9",
                            std::to_string(d.ratio) + "割 (一般) is collected now; settle the difference once the "
                            "check after the outage has found the ratio"});
      return d;
    }
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                      std::string(group) + " on " + iso_date(in.on) + ": card_ratio is missing",
                      kouki ? "take the 負担割合 from the 後期高齢者 card or online result, or the patient's 申立書"
                            : "take the ratio from the 高齢受給者証 or online result, or the patient's 申立書");
  }
  if (band == AgeBand::preschool)
    return decided(2, CopayRule::preschool,
                   "未就学: 2割 through " + iso_date(preschool_last_day(in.birth_date)));
  return decided(3, CopayRule::general, "3割 (under 70, school age or older)");
}

}  // namespace onshi::claims
