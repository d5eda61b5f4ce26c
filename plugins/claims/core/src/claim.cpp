#include <onshi/claims/claim.hpp>
#include <onshi/claims/json.hpp>
#include <onshi/claims/numbers.hpp>
#include <onshi/claims/rules.hpp>

#include <unicode/unistr.h>

namespace onshi::claims {
namespace {

Error input_error(std::string message, std::string hint) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "claims", std::move(message), std::move(hint));
}

bool is_medical_aid(const Qualification& q) {
  return q.classification == "A1" || (q.insurer_number.empty() && q.public_expense_number.rfind("12", 0) == 0);
}

// Which payer a qualification bills, after the number checks of R-ACCURACY.
Result<PayerKind> checked_payer(const Qualification& q, const std::string& source, std::vector<Warning>& warnings) {
  auto prefixed = [&](Error e) {
    e.message = source + ": " + e.message;
    return e;
  };
  if (is_medical_aid(q)) {
    auto pe = parse_public_expense_number(q.public_expense_number);
    if (!pe) return prefixed(pe.error());
    warnings.insert(warnings.end(), pe->warnings.begin(), pe->warnings.end());
    if (auto r = check_recipient_number(q.recipient_number); !r) return prefixed(r.error());
    return PayerKind::medical_aid;
  }
  if (auto fill = fill_number_rule(q.insurer_number))
    return input_error(source + ": 保険者番号 " + q.insurer_number + " is the " + *fill +
                           " fill, which the SDK writes itself; it is never read off a card",
                       "give the numbers the patient showed or told, or leave them out to file a 不詳 claim");
  auto insurer = parse_insurer_number(q.insurer_number);
  if (!insurer) return prefixed(insurer.error());
  if (auto r = check_houbetsu_consistency(*insurer, q); !r) return prefixed(r.error());
  if (q.number.empty())
    return input_error(source + ": 番号 is empty", "read the 被保険者番号 off the card or screen");
  if (q.branch.size() > 2 || q.branch.find_first_not_of("0123456789") != std::string::npos)
    return input_error(source + ": 枝番 '" + q.branch.substr(0, 8) + "' is not 1–2 digits",
                       "write the 2-digit 枝番 shown on the card or screen, or leave it empty");
  if (q.public_expenses.size() > 4)
    return input_error(source + ".public_expenses: " + std::to_string(q.public_expenses.size()) + " 公費",
                       "a claim carries at most 4 公費 beside the insurance; give the 4 first in priority");
  for (size_t i = 0; i < q.public_expenses.size(); ++i) {  // R-ACCURACY, as for numbers typed
    const std::string at = source + ".public_expenses[" + std::to_string(i) + "]";
    auto pe = parse_public_expense_number(q.public_expenses[i].payer_number);
    if (!pe) return input_error(at + ".payer_number: " + pe.error().message, pe.error().hint);
    warnings.insert(warnings.end(), pe->warnings.begin(), pe->warnings.end());
    if (auto r = check_recipient_number(q.public_expenses[i].recipient_number); !r)
      return input_error(at + ".recipient_number: " + r.error().message, r.error().hint);
  }
  return insurer->kind;
}

PayerKind declared_payer(DeclaredInsurance d) {
  switch (d) {
    case DeclaredInsurance::shaho: return PayerKind::shaho;
    case DeclaredInsurance::kokuho: return PayerKind::kokuho;
    case DeclaredInsurance::kouki: return PayerKind::kouki;
    default: return PayerKind::unknown;
  }
}

const char* declared_label(DeclaredInsurance d) {
  switch (d) {
    case DeclaredInsurance::shaho: return "社保";
    case DeclaredInsurance::kokuho: return "国保";
    case DeclaredInsurance::kouki: return "後期";
    case DeclaredInsurance::other: return "その他";
    case DeclaredInsurance::unknown: return "わからない";
  }
  return "わからない";
}

// レセプト種別 (別表5, 医科 外来): 1 + 医保/公費/後期 + 単独 + the patient digit.
std::string receipt_type(PayerKind payer, const CopayDecision& copay, const std::optional<Qualification>& q) {
  char kind = payer == PayerKind::kouki ? '3' : payer == PayerKind::medical_aid ? '2' : '1';
  char person = '2';  // 本人・世帯主 (also 公費単独, and 不詳 where nothing is known)
  if (copay.band == AgeBand::kouki || copay.band == AgeBand::elderly_70_74)
    person = copay.ratio >= 3 ? '0' : '8';
  else if (copay.band == AgeBand::preschool)
    person = '4';
  else if (q && q->insured_person == false)
    person = '6';
  if (payer == PayerKind::medical_aid) person = '2';
  // 単独, or 2併–5併 with the 公費 beside the insurance.
  const size_t kouhi = payer != PayerKind::medical_aid && q ? q->public_expenses.size() : 0;
  return std::string{'1', kind, static_cast<char>('1' + kouhi), person};
}

// RE 特記事項 (区ア…区キ): the 限度額 適用区分 the online result carries, else the one the ratio implies
// for 70+ (3割 現役並みⅢ 区ア, 70–74 2割 一般 区エ, 後期 2割 一般Ⅱ 区カ, 1割 一般Ⅰ 区キ).
Result<std::string> special_notes(const Rules& rules, Date day, PayerKind payer, const CopayDecision& copay,
                                  const std::optional<Qualification>& q, std::vector<Warning>& warnings) {
  if (payer == PayerKind::medical_aid) return std::string();
  const bool kouki = copay.band == AgeBand::kouki, elderly = copay.band == AgeBand::elderly_70_74;
  std::string code = q ? q->limit_class : "";
  if (code.empty() && kouki) code = copay.ratio >= 3 ? "B01" : copay.ratio == 2 ? "B09" : "B10";
  if (code.empty() && elderly) code = copay.ratio >= 3 ? "B01" : "B04";
  if (code.empty()) return std::string();
  auto rows = all_in_force(rules.limit_special_notes, day);
  if (rows.empty()) return no_rule_known("特記事項 of the 限度額 適用区分", day, rules.limit_special_notes.front().from,
                                         rules.limit_special_notes.front().to);
  for (const LimitNotesRow* row : rows) {
    auto it = row->codes.find(code);
    if (it == row->codes.end()) continue;
    if (!kouki && std::find(row->kouki_only.begin(), row->kouki_only.end(), code) != row->kouki_only.end()) break;
    return it->second;
  }
  warnings.push_back({"limit_class_not_used", "R-KOUKI-75",
                      "限度額 適用区分 " + code + " has no 特記事項 for this patient's age band on " + iso_date(day) +
                          "; none was written: check the online result"});
  return std::string();
}

size_t code_points(const std::string& utf8) {
  return size_t(icu::UnicodeString::fromUTF8(utf8).countChar32());
}

// Splits full-width text into pieces of at most `width` characters (a CO 文字データ each).
std::vector<std::string> chunks(const std::string& utf8, int32_t width) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
  std::vector<std::string> out;
  for (int32_t start = 0; start < text.length();) {
    int32_t end = text.moveIndex32(start, width);
    std::string piece;
    text.tempSubStringBetween(start, end).toUTF8String(piece);
    out.push_back(piece);
    start = end;
  }
  return out;
}

std::string two_digit_branch(const std::string& branch) { return branch.size() == 1 ? "0" + branch : branch; }

std::string japanese_date(Date d) {
  return to_kanji_mode(std::to_string(int(d.year())) + "年" + std::to_string(unsigned(d.month())) + "月" +
                       std::to_string(unsigned(d.day())) + "日");
}

Record re_record(const ClaimInput& in, const RouteDecision& route, const CopayDecision& copay, const std::string& notes) {
  const Patient& p = in.patient;
  std::string kana = !p.name_kana.empty() ? p.name_kana : in.statement ? in.statement->name_kana : "";
  std::string benefit = route.payer == PayerKind::kokuho ? std::to_string((10 - copay.ratio) * 10) : "";
  std::vector<Field> f{{"レセプト番号", std::to_string(in.billing.receipt_number)},
                       {"レセプト種別", receipt_type(route.payer, copay, route.qualification)},
                       {"診療年月", compact_month(in.visit_date)},
                       {"氏名", to_kanji_mode(p.name)},
                       {"男女区分", std::to_string(int(p.sex))},
                       {"生年月日", compact_date(*p.birth_date)},
                       {"給付割合", benefit},
                       {"入院年月日", ""},
                       {"病棟区分", ""},
                       {"一部負担金・食事療養費・生活療養費標準負担額区分", ""},
                       {"レセプト特記事項", notes},
                       {"病床数", ""},
                       {"カルテ番号等", p.chart_number}};
  for (const char* name : {"割引点数単価", "予備", "予備", "予備", "検索番号", "記録条件仕様年月情報", "請求情報"})
    f.push_back({name, ""});
  for (int dept = 1; dept <= 3; ++dept)
    for (const char* item : {"診療科名", "人体の部位等", "性別等", "医学的処置", "特定疾病"})
      f.push_back({std::string(item) + std::to_string(dept), ""});
  f.push_back({"カタカナ氏名", to_kanji_mode(kana, true)});
  f.push_back({"患者の状態", ""});
  return {"RE", std::move(f)};
}

// The numbers of the HO record when none were found: the 不詳 '7' fill (R-CLAIM-C) or, in a declared
// disaster, the real insurer number when the patient knows it and the '9' fill (R-DISASTER-CLAIM).
struct Fill {
  std::string insurer, number;
};

Result<Fill> fill_for(const Rules& rules, const ClaimInput& in, const RouteDecision& route) {
  if (route.route == Route::disaster) {
    auto row = in_force(rules.disaster_claim, in.visit_date, "the disaster claim fill (R-DISASTER-CLAIM)");
    if (!row) return row.error();
    Fill f{(*row)->insurer_unknown, (*row)->number};
    if (in.asked)
      if (auto known = parse_insurer_number(in.asked->insurer_number)) f.insurer = known->padded();
    return f;
  }
  auto row = in_force(rules.unknown_claim, in.visit_date, "the 不詳 claim fill (R-CLAIM-C)");
  if (!row) return row.error();
  const UnknownFillRow& r = **row;
  return Fill{in.unknown_insurer_77777779 ? r.insurer_number_check_digit : r.insurer_number,
              route.payer == PayerKind::kouki ? r.kouki_number : r.number};
}

Record ho_record(const ClaimInput& in, const RouteDecision& route, const std::optional<Fill>& fill) {
  std::string insurer, symbol, number;
  if (fill) {
    insurer = fill->insurer;
    number = fill->number;
  } else {
    const Qualification& q = *route.qualification;
    auto parsed = parse_insurer_number(q.insurer_number);  // checked in choose_route already
    insurer = parsed ? parsed->padded() : q.insurer_number;
    symbol = q.symbol;
    number = q.number;
  }
  const Billing& b = in.billing;
  return {"HO",
          {{"保険者番号", insurer},
           {"被保険者証等の記号", to_kanji_mode(symbol)},
           {"被保険者証等の番号", to_kanji_mode(number)},
           {"診療実日数", std::to_string(b.actual_days)},
           {"合計点数", std::to_string(b.total_points)},
           {"予備", ""},
           {"食事療養・生活療養回数", ""},
           {"食事療養・生活療養合計金額", ""},
           {"職務上の事由", ""},
           {"証明書番号", ""},
           {"負担金額", b.copay_yen ? std::to_string(*b.copay_yen) : ""},
           {"減免区分", ""},
           {"減額割合", ""},
           {"減額金額", ""}}};
}

// KO of 医療扶助 alone (the copayment is the patient's), or of a 公費 beside the insurance, whose
// 負担金額 after its own 上限額 only the レセコン knows (left empty).
Record ko_record(const ClaimInput& in, const std::string& payer_number, const std::string& recipient_number,
                 bool alone) {
  const Billing& b = in.billing;
  return {"KO",
          {{"公費負担者番号", payer_number},
           {"公費受給者番号", recipient_number},
           {"任意給付区分", ""},
           {"診療実日数", std::to_string(b.actual_days)},
           {"合計点数", std::to_string(b.total_points)},
           {"負担金額", alone && b.copay_yen ? std::to_string(*b.copay_yen) : ""},
           {"公費給付対象外来一部負担金", ""},
           {"公費給付対象入院一部負担金", ""},
           {"予備", ""},
           {"食事療養・生活療養回数", ""},
           {"食事療養・生活療養合計金額", ""}}};
}

// SN: checked at the window (確認区分 01). 枝番 only where a card gave one:
// never for 後期高齢者, 公費 or 不詳.
Record sn_record(const std::string& payer_kind, const std::string& branch, const std::string& recipient_number) {
  return {"SN",
          {{"負担者種別", payer_kind},
           {"確認区分", "01"},
           {"保険者番号等（資格確認）", ""},
           {"記号（資格確認）", ""},
           {"番号（資格確認）", ""},
           {"枝番", branch},
           {"受給者番号", recipient_number},
           {"予備", ""}}};
}
Record sn_record(const RouteDecision& route) {
  bool aid = route.payer == PayerKind::medical_aid;
  std::string branch;
  if (route.qualification && !aid && route.payer != PayerKind::kouki)
    branch = two_digit_branch(route.qualification->branch);
  return sn_record(aid ? "2" : "1", branch, aid ? route.qualification->recipient_number : "");
}

Record co_record(const std::string& code, const std::string& text) {
  return {"CO", {{"診療識別", "01"}, {"負担区分", "1"}, {"コメントコード", code}, {"文字データ", text}}};
}

// The 摘要欄 of a 不詳 claim: 820000246「不詳」 first, then the 申立書 items (830000501–508),
// full-width, 38 characters per record. A disaster claim on oral declaration writes the same
// items from what the patient said (no 申立書: the card's or the EMR's data).
std::vector<Record> unknown_claim_comments(const ClaimInput& in, PayerKind payer) {
  const StatementAnswers s = in.statement.value_or([&] {
    StatementAnswers told;
    told.insurance = payer == PayerKind::shaho    ? DeclaredInsurance::shaho
                     : payer == PayerKind::kokuho ? DeclaredInsurance::kokuho
                     : payer == PayerKind::kouki  ? DeclaredInsurance::kouki
                                                  : DeclaredInsurance::unknown;
    if (in.asked) told.insurer_name = in.asked->insurer_name;
    return told;
  }());
  std::vector<Record> out{co_record("820000246", "")};
  auto add = [&](const char* code, const char* continuation, const std::string& text) {
    bool first = true;
    for (const std::string& piece : chunks(to_kanji_mode(text), 38)) {
      out.push_back(co_record(first ? code : continuation, piece));
      first = false;
    }
  };
  std::string kana = !s.name_kana.empty() ? s.name_kana : in.patient.name_kana;
  add("830000501", "830000501", to_kanji_mode(kana, true));
  add("830000502", "830000502", declared_label(s.insurance));
  add("830000503", "830000503", s.insurer_name);
  add("830000504", "830000504", s.employer);
  std::string address = !s.address.empty() ? s.address : in.patient.address;
  std::string rest = s.other_residence;
  if (code_points(address) > 38) {  // 住所１ holds 38 characters, 住所２以降 the rest and the 居所
    auto pieces = chunks(to_kanji_mode(address), 38);
    address = pieces.front();
    std::string tail;
    for (size_t i = 1; i < pieces.size(); ++i) tail += pieces[i];
    rest = tail + (rest.empty() ? "" : "　" + rest);
  }
  add("830000505", "830000506", address);
  add("830000506", "830000506", rest);
  add("830000507", "830000507", !s.phone.empty() ? s.phone : in.patient.phone);
  if (s.contacted_on) add("830000508", "830000508", japanese_date(*s.contacted_on));
  return out;
}

Result<void> check_patient(const Patient& p) {
  if (!p.birth_date)
    return input_error("patient.birth_date is missing", "take the 生年月日 from the card, the EMR or the 申立書");
  if (p.sex == Sex::unset)
    return input_error("patient.sex is not set (男女区分 must be 1 or 2 on the receipt)",
                       "take the 性別 from the card or the 申立書");
  if (p.name.empty()) return input_error("patient.name is empty", "take the 氏名 from the card or the 申立書");
  if (code_points(p.name) > 20)
    return input_error("patient.name has more than 20 characters, the RE 氏名 limit",
                       "shorten it as the 記録条件仕様 allows (e.g. drop a middle name) or use the 通称名");
  return {};
}

}  // namespace

const char* route_id(Route r) {
  switch (r) {
    case Route::verified: return "R-CLAIM-OK";
    case Route::current_asked: return "R-CLAIM-A";
    case Route::old_qualification: return "R-CLAIM-B";
    case Route::unknown: return "R-CLAIM-C";
    case Route::self_pay: return "R-M8";
    case Route::verify_later: return "R-M9";
    case Route::disaster: return "R-DISASTER-CLAIM";
    case Route::special_care: return "R-KUBUN-05";
  }
  return "R-M8";
}

const char* route_name(Route r) {
  switch (r) {
    case Route::verified: return "verified";
    case Route::current_asked: return "current_asked";
    case Route::old_qualification: return "old_qualification";
    case Route::unknown: return "unknown";
    case Route::self_pay: return "self_pay";
    case Route::verify_later: return "verify_later";
    case Route::disaster: return "disaster";
    case Route::special_care: return "special_care_expense";
  }
  return "self_pay";
}

Result<RouteDecision> choose_route(const ClaimInput& in, const MethodDecision& method) {
  // R-KOUKI-75: from the 75th birthday the 広域連合 pays; a 社保/国保 qualification is then over.
  const std::optional<Date> kouki_from =
      in.patient.birth_date ? std::optional(kouki_first_day(*in.patient.birth_date)) : std::nullopt;
  auto after_75 = [&](PayerKind payer) {
    return kouki_from && in.visit_date >= *kouki_from && (payer == PayerKind::shaho || payer == PayerKind::kokuho);
  };
  auto with = [&](Route route, const Qualification& q, const std::string& source,
                  std::string reason) -> Result<RouteDecision> {
    std::vector<Warning> warnings;
    auto payer = checked_payer(q, source, warnings);
    if (!payer) return payer.error();
    if (after_75(*payer))
      return make_error(ONSHI_E_REFUSED, "claims",
                        source + ": 保険者番号 " + q.insurer_number + " is a " +
                            (*payer == PayerKind::shaho ? "社保" : "国保") + " qualification, but the patient turned 75 on " +
                            iso_date(*kouki_from) + ": from that day 後期高齢者医療 pays and billing " + q.insurer_number +
                            " is returned (後期高齢者該当, R-KOUKI-75)",
                        "ask for the 後期高齢者医療 資格確認書 (every 後期 insured person was sent one) or check online "
                        "with the card; with nothing, file by 申立書 as 後期 (R-CLAIM-C)");
    return RouteDecision{route, std::move(reason), q, *payer, std::move(warnings)};
  };
  const char* id = method_id(method.method);
  switch (method.method) {
    case Method::m1_card:
      if (!in.online)
        return input_error("presented.card_check is valid but 'online' (the query result) is missing",
                           "pass the qualification from the online result");
      return with(Route::verified, *in.online, "online", "verified online with the My Number card (R-M1)");
    case Method::m9_outage: {
      if (in.recheck == CardCheck::valid || in.recheck == CardCheck::lost) {
        if (!in.online)
          return input_error("recheck is " + std::string(kCardChecks.name(in.recheck)) +
                                 " but 'online' (what the check after the outage found) is missing",
                             "pass the qualification of the deferred check's outcome as 'online'");
        if (in.recheck == CardCheck::valid)
          return with(Route::verified, *in.online, "online",
                      "verified by the check after the outage (R-M9): billed on the numbers it found");
        return with(Route::old_qualification, *in.online, "online",
                    "the check after the outage found the qualification lost: the old one is billed and re-routed "
                    "by レセプト振替 (R-M9, R-CLAIM-B)");
      }
      // Not yet checked: nothing is filed; the ratio is taken from what is known.
      const std::optional<Qualification>& known = in.asked ? in.asked : in.previous;
      RouteDecision later{Route::verify_later,
                          "システム障害時 (R-M9): the check runs after the outage; the claim is filed on what it finds",
                          known, PayerKind::unknown, {}};
      if (known) {
        std::vector<Warning> ignored;
        if (auto payer = checked_payer(*known, in.asked ? "asked" : "previous", ignored)) later.payer = *payer;
      }
      return later;
    }
    case Method::m2_portal:
    case Method::m3_notice:
    case Method::m4_certificate:
    case Method::m5_old_card:
    case Method::m10_phone_portal:
      if (!in.shown)
        return input_error(std::string(id) + " applies but 'shown' (the numbers read off what the patient showed) "
                           "is missing",
                           "enter 保険者番号・記号・番号・枝番 as printed or shown");
      return with(Route::verified, *in.shown, "shown",
                  std::string("numbers read off what the patient showed (") + id + ")");
    case Method::m8_none:
      return RouteDecision{Route::self_pay, "no proof of insurance: the patient pays 10割, no claim (R-M8)", {},
                           PayerKind::unknown, {}};
    case Method::m6_oral:
    case Method::m7_statement:
    case Method::disaster_oral:
      break;
  }
  const bool disaster = method.method == Method::disaster_oral;
  // In a disaster the patient may know only the insurer: that is the disaster fill, not R-CLAIM-A.
  const bool asked_in_full = in.asked && (!disaster || !in.asked->number.empty());
  if (asked_in_full)
    return with(Route::current_asked, *in.asked, "asked",
                "the current numbers learned by asking the patient come first (R-CLAIM-A)");
  if (method.method == Method::m6_oral)
    return with(Route::current_asked, *in.previous, "previous",
                "revisit: the patient confirmed orally that the qualification of the past visit still holds "
                "(R-M6, R-CLAIM-A)");
  // R-CLAIM-B: an old qualification, unless it ended with the 75th birthday (then it is no re-routable claim).
  std::vector<Warning> skipped;
  auto old = [&](const Qualification& q, const std::string& source, std::string reason) -> std::optional<Result<RouteDecision>> {
    std::vector<Warning> ignored;
    auto payer = checked_payer(q, source, ignored);
    if (payer && after_75(*payer)) {
      skipped.push_back({"old_qualification_ended_at_75", "R-KOUKI-75",
                         source + ": the " + q.insurer_number + " qualification ended on the 75th birthday (" +
                             iso_date(*kouki_from) + "); it is not billed"});
      return std::nullopt;
    }
    return with(Route::old_qualification, q, source, std::move(reason));
  };
  if (in.online && in.presented.card_check == CardCheck::lost)
    if (auto r = old(*in.online, "online",
                     "no current numbers; the old qualification from the 資格（無効） screen is billed and re-routed "
                     "by レセプト振替 (R-CLAIM-B)"))
      return *r;
  if (in.previous)
    if (auto r = old(*in.previous, "previous",
                     "no current numbers; the qualification from past visits is billed and re-routed by レセプト振替 "
                     "(R-CLAIM-B)"))
      return *r;
  const bool turned_75 = kouki_from && in.visit_date >= *kouki_from;
  if (disaster) {
    PayerKind payer = in.statement ? declared_payer(in.statement->insurance) : PayerKind::unknown;
    if (in.asked)
      if (auto known = parse_insurer_number(in.asked->insurer_number)) payer = known->kind;
    if (turned_75) payer = PayerKind::kouki;
    const bool insurer_known = in.asked && parse_insurer_number(in.asked->insurer_number).ok();
    return RouteDecision{Route::disaster,
                         std::string("declared disaster (") + in.disaster->reference +
                             "): insured treatment on oral declaration; the claim carries " +
                             (insurer_known ? "the insurer's number" : "99999999") +
                             ", 番号 999999999 and 「不詳」 with the address in the 摘要欄 (R-DISASTER-CLAIM)",
                         {}, payer, std::move(skipped)};
  }
  if (!in.statement)
    return input_error("nothing identifies the insurer and 'statement' (the 被保険者資格申立書) is missing",
                       "have the patient fill in the 申立書 (R-M7) to file a 不詳 claim (R-CLAIM-C)");
  if (!in.statement->has_valid_insurance)
    return input_error("statement.has_valid_insurance is false: a 申立書 claim needs a valid qualification",
                       "without insurance the patient pays 10割");
  PayerKind payer = declared_payer(in.statement->insurance);
  if (turned_75) payer = PayerKind::kouki;
  return RouteDecision{Route::unknown,
                       "no current or past numbers: 不詳 claim with the 申立書's address and phone in the 摘要欄 "
                       "(R-CLAIM-C)",
                       {}, payer, std::move(skipped)};
}

namespace {

std::vector<std::string> what_was_presented(const ClaimInput& in) {
  const Presented& p = in.presented;
  std::vector<std::string> out;
  if (p.my_number_card) out.push_back(p.card_form == CardForm::smartphone ? "smartphone" : "my_number_card");
  if (p.mynaportal) out.push_back("mynaportal");
  if (p.qualification_notice) out.push_back("qualification_notice");
  if (p.eligibility_certificate) out.push_back("eligibility_certificate");
  if (p.old_insurance_card) out.push_back("old_insurance_card");
  if (in.asked) out.push_back("numbers_told");
  if (in.previous) out.push_back("past_visit");
  return out;
}

DeferredCheck deferred_check(const ClaimInput& in, const RouteDecision& route) {
  static constexpr const char* kOutages[] = {"none", "terminal", "reader", "network"};
  DeferredCheck c;
  c.patient_id = in.patient.chart_number;
  c.visit_date = in.visit_date;
  c.presented = what_was_presented(in);
  c.outage = kOutages[int(in.outage)];
  c.birth_date = in.patient.birth_date;
  if (route.qualification && !route.qualification->number.empty()) {
    const Qualification& q = *route.qualification;
    auto padded = parse_insurer_number(q.insurer_number);
    c.insurer_number = padded ? padded->padded() : q.insurer_number;
    c.symbol = q.symbol, c.number = q.number, c.branch = two_digit_branch(q.branch);
  } else {
    c.reference_number = in.patient.chart_number;  // the clinic's 照会番号, if it registered one (R-SHOUKAI)
  }
  return c;
}

}  // namespace

Result<ClaimResult> decide_claim(const ClaimInput& in) {
  if (auto r = check_patient(in.patient); !r) return r.error();
  auto loaded = rules();
  if (!loaded) return loaded.error();
  const Rules& rules = **loaded;
  ClaimResult out;
  auto method = choose_method(in);
  if (!method) return method.error();
  out.method = std::move(*method);
  auto route = choose_route(in, out.method);
  if (!route) return route.error();
  out.route = *route;
  out.warnings = out.method.warnings;
  out.warnings.insert(out.warnings.end(), out.route.warnings.begin(), out.route.warnings.end());

  // R-KUBUN-05: a 特別療養費支給対象者 is insured, but pays 10割 and is billed on paper.
  const std::optional<Qualification>& q = out.route.qualification;
  const SpecialCareRow* special = nullptr;
  if (q && std::any_of(rules.special_care_expense.begin(), rules.special_care_expense.end(),
                       [&](const SpecialCareRow& row) { return row.classification == q->classification; })) {
    auto row = in_force(rules.special_care_expense, in.visit_date, "区分 " + q->classification + " (R-KUBUN-05)");
    if (!row) return row.error();
    special = *row;
  }
  if (special && out.route.route != Route::self_pay) {
    out.route.route = Route::special_care;
    out.route.reason = "区分 " + special->classification + " 特別療養費支給対象者: the patient pays 10割 at the window and "
                       "claims 特別療養費 from the insurer (R-KUBUN-05)";
  }

  CopayInput ci;
  ci.birth_date = *in.patient.birth_date;
  ci.on = in.visit_date;
  ci.payer = out.route.payer;
  if (q) ci.card_ratio = q->card_ratio;
  const bool declared = out.method.method == Method::m7_statement || out.method.method == Method::disaster_oral;
  ci.statement = declared && in.statement.has_value();
  if (ci.statement) ci.declared_ratio = in.statement->declared_ratio;
  if (out.method.method == Method::disaster_oral && !in.statement) ci.statement = true;  // the oral declaration
  ci.no_proof = out.route.route == Route::self_pay;
  ci.special_care = out.route.route == Route::special_care;
  ci.pending_recheck = out.route.route == Route::verify_later;
  auto copay = decide_copay(ci);
  if (!copay) return copay.error();
  out.copay = *copay;
  out.warnings.insert(out.warnings.end(), copay->warnings.begin(), copay->warnings.end());

  switch (out.route.route) {
    case Route::self_pay: return out;
    case Route::verify_later:
      out.deferred_check = deferred_check(in, out.route);
      return out;
    case Route::special_care:
      out.warnings.push_back({"special_care_paper_claim", "R-KUBUN-05",
                              "特別療養費: give the patient a 10割 receipt for the 特別療養費 claim; the レセプト is made "
                              "as usual but sent on paper with 「特別療養費」 in red at the top, apart from the month's "
                              "claims and outside their totals, even by clinics that claim online (so no UKE records)"});
      return out;
    default: break;
  }
  if (out.route.route == Route::old_qualification)
    out.warnings.push_back({"billed_old_qualification", "R-CLAIM-B",
                            "billed with the old qualification; the 審査支払機関 re-routes it to the new insurer "
                            "once that insurer has registered the patient"});
  const bool declaration = out.route.route == Route::unknown || out.route.route == Route::disaster;
  if (declaration) {
    const std::string rule = out.route.route == Route::unknown ? "R-CLAIM-C" : "R-DISASTER-CLAIM";
    std::string address = in.statement && !in.statement->address.empty() ? in.statement->address : in.patient.address;
    if (address.empty())
      return input_error((in.statement ? "statement.address" : std::string("patient.address")) +
                             " is empty: a " + (rule == "R-CLAIM-C" ? "不詳" : "disaster") +
                             " claim carries the patient's address in the 摘要欄",
                         "write the 住所 the patient gives (" + rule + ")");
    if ((!in.statement || in.statement->phone.empty()) && in.patient.phone.empty())
      out.warnings.push_back({"unknown_claim_without_phone", rule,
                              "no 連絡先電話番号; the 審査支払機関 may need to reach the patient"});
  }
  std::optional<Fill> fill;
  if (declaration) {
    auto f = fill_for(rules, in, out.route);
    if (!f) return f.error();
    fill = *f;
  }
  auto notes = special_notes(rules, in.visit_date, out.route.payer, out.copay, q, out.warnings);
  if (!notes) return notes.error();

  out.records.push_back(re_record(in, out.route, out.copay, *notes));
  // 公費 the online result carries (PMH) follow the insurance: a KO each, in the order given, and an SN
  // each (負担者種別 2–5), so nobody types them from the paper 受給者証.
  static const std::vector<PublicExpense> no_kouhi;
  const auto& kouhi =
      out.route.payer != PayerKind::medical_aid && out.route.qualification ? out.route.qualification->public_expenses
                                                                           : no_kouhi;
  if (out.route.payer == PayerKind::medical_aid) {
    out.records.push_back(ko_record(in, q->public_expense_number, q->recipient_number, true));
  } else {
    out.records.push_back(ho_record(in, out.route, fill));
    for (const PublicExpense& p : kouhi) out.records.push_back(ko_record(in, p.payer_number, p.recipient_number, false));
  }
  out.records.push_back(sn_record(out.route));
  for (size_t i = 0; i < kouhi.size(); ++i)
    out.records.push_back(sn_record(std::to_string(2 + i), "", kouhi[i].recipient_number));
  if (!kouhi.empty())
    out.warnings.push_back({"kouhi_from_the_card", "R-FIELDS",
                            std::to_string(kouhi.size()) + " 公費 from the online result billed beside the insurance; "
                            "its 負担金額 (上限額管理) and the 負担区分 of each line are the レセコン's"});
  if (declaration) {
    auto comments = unknown_claim_comments(in, out.route.payer);
    out.records.insert(out.records.end(), comments.begin(), comments.end());
  }

  out.payer_office = out.route.payer == PayerKind::kokuho || out.route.payer == PayerKind::kouki ? 2 : 1;
  for (const Record& r : out.records) out.uke_text += record_line(r) + "\r\n";
  auto sjis = render_uke(out.records);
  if (!sjis) return sjis.error();
  out.uke_sjis = *sjis;
  if (in.clinic) {
    auto file = render_receipt_file(*in.clinic, out.payer_office, add_months(in.visit_date, 1), out.records,
                                    1 + static_cast<int>(kouhi.size()), in.billing.total_points);
    if (!file) return file.error();
    out.receipt_file = *file;
  }
  return out;
}

}  // namespace onshi::claims
