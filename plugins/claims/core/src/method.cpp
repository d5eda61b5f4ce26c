#include <onshi/claims/method.hpp>

#include <onshi/claims/copay.hpp>
#include <onshi/claims/numbers.hpp>
#include <onshi/claims/rules.hpp>

#include <algorithm>

namespace onshi::claims {
namespace {

// The payer of the old 保険証 (R-M5): its own number says, else the age (後期 from the 75th birthday).
std::string old_card_payer(const ClaimInput& in) {
  if (in.shown)
    if (auto n = parse_insurer_number(in.shown->insurer_number))
      return n->kind == PayerKind::kouki ? "kouki" : n->kind == PayerKind::kokuho ? "kokuho" : "shaho";
  if (in.patient.birth_date && in.visit_date >= kouki_first_day(*in.patient.birth_date)) return "kouki";
  return "unknown";
}

// The last day the old 保険証 itself is valid: its printed expiry, capped by the rules (R-M5).
Date old_card_valid_until(const Rules& rules, const ClaimInput& in, const std::string& payer) {
  Date until = in.presented.old_card_expiry.value_or(make_date(9999, 12, 31));
  for (const OldCardRow& row : rules.old_card)
    if (row.payer == "any" || row.payer == payer) until = std::min(until, row.last_valid_day);
  return until;
}

// The provisional handling in force for this payer on the day, if any (R-M5).
const ProvisionalRow* provisional_row(const Rules& rules, Date day, const std::string& payer) {
  for (const ProvisionalRow* row : all_in_force(rules.provisional_old_card, day))
    for (const std::string& p : row->payers)
      if (p == "any" || p == payer) return row;
  return nullptr;
}

Date provisional_last_day(const Rules& rules) {
  Date last = rules.provisional_old_card.front().to;
  for (const ProvisionalRow& row : rules.provisional_old_card) last = std::max(last, row.to);
  return last;
}

}  // namespace

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
    case Method::m9_outage: return "R-M9";
    case Method::m10_phone_portal: return "R-M10";
    case Method::disaster_oral: return "R-DISASTER-CLAIM";
  }
  return "R-M8";
}

Result<MethodDecision> choose_method(const ClaimInput& in) {
  auto loaded = rules();
  if (!loaded) return loaded.error();
  const Rules& rules = **loaded;
  const Presented& p = in.presented;
  const Date today = in.visit_date;
  const bool card = p.my_number_card;
  const bool phone = card && p.card_form == CardForm::smartphone;
  MethodDecision d;
  auto decide = [&](Method m, std::vector<std::string> checks) {
    d.method = m;
    d.staff_checks = std::move(checks);
    return d;
  };
  auto warn = [&](std::string code, std::string rule, std::string message) {
    d.warnings.push_back({std::move(code), std::move(rule), std::move(message)});
  };
  const bool outage = in.outage != Outage::none;

  if (card && p.card_check == CardCheck::lost)
    warn("qualification_lost", "R-RES",
         "資格無効: the card shows the old qualification; ask for the current numbers (R-CLAIM-A), else bill "
         "the old ones (R-CLAIM-B)");
  if (card && p.card_check == CardCheck::valid) return decide(Method::m1_card, {});
  // The deferred check after an outage has run: its answer decides (R-M9).
  if (outage && (in.recheck == CardCheck::valid || in.recheck == CardCheck::lost))
    return decide(Method::m9_outage, {"bill on what the check after the outage found (R-M9)"});

  // Who the patient is, when the card could not prove it: the photo, unless there is none (R-VIS).
  std::string identity = phone ? "the smartphone card cannot be checked by sight: ask for other photo ID if in doubt"
                         : p.card_has_photo
                             ? "compare the My Number card's photo with the patient (目視確認, R-VIS)"
                             : "this card has no photo (顔写真なしマイナンバーカード): identity cannot be checked by sight "
                               "(R-VIS); it rests on the card's PIN, which a legal representative may enter (R-PROXY)";
  const char* read_numbers = "read 保険者番号・記号・番号・枝番 off ";
  if (phone && p.mynaportal)
    return decide(Method::m10_phone_portal,
                  {"have the patient log in to マイナポータル on the phone and show the 資格情報 (健康保険証) screen",
                   std::string(read_numbers) + "that screen",
                   "70歳以上・後期高齢者: check the ratio shown there"});
  if (card && !phone && p.mynaportal)
    return decide(Method::m2_portal,
                  {identity, std::string(read_numbers) + "the マイナポータル screen or PDF",
                   "70歳以上・後期高齢者: the ratio may have changed after the PDF's 有効期限"});
  if (card && !phone && p.qualification_notice)
    return decide(Method::m3_notice, {identity, std::string(read_numbers) + "the 資格情報のお知らせ"});
  if (phone && p.qualification_notice)
    warn("notice_needs_physical_card", "R-M10",
         "the 資格情報のお知らせ counts only with the physical My Number card; with the card on a smartphone the "
         "patient shows the 資格情報 screen of マイナポータル on the phone instead");
  else if (p.qualification_notice)
    warn("notice_alone_not_valid", "R-M3",
         "資格情報のお知らせ alone is never proof of insurance; it only counts together with the My Number card");
  if (p.eligibility_certificate)
    return decide(Method::m4_certificate,
                  {std::string(read_numbers) + "the 資格確認書", "check the 資格確認書's 有効期限"});

  // An old 保険証 within its validity, else (or the お知らせ alone) the provisional handling (R-M5).
  const std::string payer = old_card_payer(in);
  if (p.old_insurance_card) {
    const Date valid_until = old_card_valid_until(rules, in, payer);
    if (today <= valid_until)
      return decide(Method::m5_old_card,
                    {std::string(read_numbers) + "the 健康保険証", "check the 保険証's 有効期限"});
    if (today > provisional_last_day(rules))
      warn("old_card_expired", "R-M5",
           "the 健康保険証 expired on " + iso_date(valid_until) + " and the provisional handling ended on " +
               iso_date(provisional_last_day(rules)) + "; it proves nothing any more");
  }
  if (p.old_insurance_card || (p.qualification_notice && !phone)) {
    if (const ProvisionalRow* row = provisional_row(rules, today, payer)) {
      d.provisional = true;
      warn("provisional_handling", "R-M5",
           "provisional handling (" + row->notice + "): verify by 被保険者番号 online query and bill at the normal "
           "ratio; it ends on " + iso_date(row->to) + ", so ask the patient to bring the マイナ保険証 or 資格確認書 "
           "next time");
      return decide(Method::m5_old_card,
                    {"query the 被保険者番号 online (番号照会) to confirm the qualification",
                     "ask the patient to bring the マイナ保険証 or 資格確認書 next time"});
    }
    if (today <= provisional_last_day(rules))
      warn("no_provisional_handling", "R-M5",
           "no provisional handling applies on " + iso_date(today) + " to a " +
               (payer == "unknown" ? std::string("保険証 of an unknown payer") : payer + " 保険証") +
               " (it started 2025-08-01 for 国保/後期 and 2025-12-02 for every insurer): it proves nothing");
  }

  if (in.visit == VisitKind::revisit && in.previous && p.card_check != CardCheck::lost)
    return decide(Method::m6_oral,
                  {"ask the patient whether anything changed since the last visit (job, insurer, address)",
                   "if it changed, take the new numbers (R-CLAIM-A)"});
  // R-M9: the check could not run because something was down. Before any 申立書/不詳: keep what the
  // patient showed and check again when it is back (or at the end of the day).
  if (outage && (card || in.asked || in.previous) && in.recheck == CardCheck::not_done) {
    warn("verify_later", "R-M9",
         "システム障害時: do not file this claim yet; queue the check (deferred checks) and run it when the link is "
         "back or at the end of the day, then bill on what it finds");
    return decide(Method::m9_outage,
                  {"keep what the patient showed (card, 資格確認書, numbers told); never write down the マイナンバー",
                   "or start the terminal's システム障害時モード (資格情報照会, via the コールセンター) with 氏名・生年月日・"
                   "性別・住所 from the card face",
                   "collect the normal ratio (3割 etc.), never 10割"});
  }
  if (outage && (in.recheck == CardCheck::no_data || in.recheck == CardCheck::failed))
    warn("recheck_found_nothing", "R-M9",
         "the check after the outage found no qualification: fall back to the 申立書 (R-M7) or the numbers the "
         "patient gives (R-CLAIM-A/B)");
  // A declared disaster: insured treatment on oral declaration, for anyone the chain would send to a
  // 申立書 or to 10割 (R-DISASTER-CLAIM).
  if (in.disaster)
    return decide(Method::disaster_oral,
                  {"災害時 (" + in.disaster->reference + "): take 氏名・生年月日・性別・住所, the insurer the patient "
                   "states (保険者名 or 事業所名) and a phone number",
                   "collect the normal ratio (3割 etc.), never 10割"});
  if (card) {
    warn("statement_claim_may_return", "R-M7",
         "a claim on a 申立書 can still be returned; ask the patient to tell the clinic the numbers once known");
    return decide(Method::m7_statement,
                  {identity, "have the patient fill in and sign the 被保険者資格申立書 and keep it",
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
