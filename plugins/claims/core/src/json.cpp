#include <onshi/claims/json.hpp>

#include <onshi/support/base64.hpp>

#include <utility>

namespace onshi::claims {

using support::fail;
using support::find;
using support::optional_value;
using support::read;
using support::read_object;

// ---- Input ------------------------------------------------------------------

void from_json(const json& j, PublicExpense& p) {
  read(j, "payer_number", p.payer_number);
  read(j, "recipient_number", p.recipient_number);
}

void from_json(const json& j, Qualification& q) {
  read(j, "insurer_number", q.insurer_number);
  read(j, "symbol", q.symbol);
  read(j, "number", q.number);
  read(j, "branch", q.branch);
  if (const json* v = find(j, "insured_person"); v && !v->is_boolean())
    fail("insured_person", "expected true (本人) or false (家族)");
  read(j, "insured_person", q.insured_person);
  read(j, "card_ratio", q.card_ratio, 0, 10);
  read(j, "classification", q.classification);
  read(j, "insurer_name", q.insurer_name);
  read(j, "public_expense_number", q.public_expense_number);
  read(j, "recipient_number", q.recipient_number);
  read(j, "limit_class", q.limit_class);
  support::read_array(j, "public_expenses", q.public_expenses);
  // An online 医療扶助 result (区分 A1) carries the 公費負担者番号 and 受給者番号 as its 保険者番号 and
  // 番号 (R-FIELDS): the claim takes them from there when the host did not copy them over.
  if (q.classification == "A1" && q.public_expense_number.empty()) {
    q.public_expense_number = q.insurer_number;
    if (q.recipient_number.empty()) q.recipient_number = q.number;
  }
}

void from_json(const json& j, Presented& p) {
  read(j, "my_number_card", p.my_number_card);
  read(j, "card_form", p.card_form, kCardForms);
  read(j, "card_has_photo", p.card_has_photo);
  read(j, "card_check", p.card_check, kCardChecks);
  read(j, "mynaportal", p.mynaportal);
  read(j, "qualification_notice", p.qualification_notice);
  read(j, "eligibility_certificate", p.eligibility_certificate);
  read(j, "old_insurance_card", p.old_insurance_card);
  read(j, "old_card_expiry", p.old_card_expiry);
}

void from_json(const json& j, Patient& p) {
  read(j, "name", p.name);
  read(j, "name_kana", p.name_kana);
  read(j, "birth_date", p.birth_date);
  read(j, "sex", p.sex, kSexes);
  read(j, "address", p.address);
  read(j, "chart_number", p.chart_number);
  read(j, "phone", p.phone);
}

void from_json(const json& j, StatementAnswers& s) {
  read(j, "has_valid_insurance", s.has_valid_insurance);
  read(j, "insurance", s.insurance, kDeclared);
  read(j, "insurer_name", s.insurer_name);
  read(j, "employer", s.employer);
  read(j, "declared_ratio", s.declared_ratio, 1, 3);
  read(j, "name_kana", s.name_kana);
  read(j, "address", s.address);
  read(j, "other_residence", s.other_residence);
  read(j, "phone", s.phone);
  read(j, "signed_on", s.signed_on);
  read(j, "contacted_on", s.contacted_on);
}

void from_json(const json& j, Billing& b) {
  read(j, "receipt_number", b.receipt_number, 1, 999999);
  read(j, "actual_days", b.actual_days, 0, 31);
  read(j, "total_points", b.total_points, 0, 99999999);
  read(j, "copay_yen", b.copay_yen, 0, 999999999);
}

void from_json(const json& j, Clinic& c) {
  read(j, "prefecture", c.prefecture);
  read(j, "code", c.code);
  read(j, "name", c.name);
  read(j, "phone", c.phone);
}

void from_json(const json& j, Disaster& d) { d.reference = support::required_text(j, "reference"); }

void from_json(const json& j, ClaimInput& in) {
  in.visit_date = required<Date>(j, "visit_date");
  read(j, "visit", in.visit, kVisitKinds);
  read_object(j, "presented", in.presented);
  if (!find(j, "patient")) fail("patient", "is required");
  read_object(j, "patient", in.patient);
  read_object(j, "online", in.online);
  read_object(j, "shown", in.shown);
  read_object(j, "asked", in.asked);
  read_object(j, "previous", in.previous);
  read_object(j, "statement", in.statement);
  read_object(j, "billing", in.billing);
  read_object(j, "clinic", in.clinic);
  read(j, "unknown_insurer_77777779", in.unknown_insurer_77777779);
  read(j, "outage", in.outage, kOutages);
  read(j, "recheck", in.recheck, kCardChecks);
  read_object(j, "disaster", in.disaster);
}

void to_json(json& j, const Qualification& q) {
  j = json{{"insurer_number", q.insurer_number},
           {"symbol", q.symbol},
           {"number", q.number},
           {"branch", q.branch},
           {"insured_person", optional_value(q.insured_person)},
           {"card_ratio", optional_value(q.card_ratio)},
           {"classification", q.classification},
           {"insurer_name", q.insurer_name},
           {"public_expense_number", q.public_expense_number},
           {"recipient_number", q.recipient_number},
           {"limit_class", q.limit_class}};
  if (q.public_expenses.empty()) return;
  json list = json::array();
  for (const PublicExpense& p : q.public_expenses)
    list.push_back({{"payer_number", p.payer_number}, {"recipient_number", p.recipient_number}});
  j["public_expenses"] = std::move(list);
}

void to_json(json& j, const Presented& p) {
  j = json{{"my_number_card", p.my_number_card},
           {"card_form", kCardForms.name(p.card_form)},
           {"card_has_photo", p.card_has_photo},
           {"card_check", kCardChecks.name(p.card_check)},
           {"mynaportal", p.mynaportal},
           {"qualification_notice", p.qualification_notice},
           {"eligibility_certificate", p.eligibility_certificate},
           {"old_insurance_card", p.old_insurance_card},
           {"old_card_expiry", optional_value(p.old_card_expiry)}};
}

void to_json(json& j, const Patient& p) {
  j = json{{"name", p.name},
           {"name_kana", p.name_kana},
           {"birth_date", optional_value(p.birth_date)},
           {"sex", kSexes.name(p.sex)},
           {"address", p.address},
           {"chart_number", p.chart_number},
           {"phone", p.phone}};
}

void to_json(json& j, const StatementAnswers& s) {
  j = json{{"has_valid_insurance", s.has_valid_insurance},
           {"insurance", kDeclared.name(s.insurance)},
           {"insurer_name", s.insurer_name},
           {"employer", s.employer},
           {"declared_ratio", optional_value(s.declared_ratio)},
           {"name_kana", s.name_kana},
           {"address", s.address},
           {"other_residence", s.other_residence},
           {"phone", s.phone},
           {"signed_on", optional_value(s.signed_on)},
           {"contacted_on", optional_value(s.contacted_on)}};
}

void to_json(json& j, const Billing& b) {
  j = json{{"receipt_number", b.receipt_number},
           {"actual_days", b.actual_days},
           {"total_points", b.total_points},
           {"copay_yen", optional_value(b.copay_yen)}};
}

void to_json(json& j, const Clinic& c) {
  j = json{{"prefecture", c.prefecture}, {"code", c.code}, {"name", c.name}, {"phone", c.phone}};
}

void to_json(json& j, const ClaimInput& in) {
  j = json{{"schema", ONSHI_SCHEMA_CLAIMS_INPUT},
           {"visit_date", iso_date(in.visit_date)},
           {"visit", kVisitKinds.name(in.visit)},
           {"presented", in.presented},
           {"patient", in.patient},
           {"billing", in.billing},
           {"unknown_insurer_77777779", in.unknown_insurer_77777779},
           {"outage", kOutages.name(in.outage)},
           {"recheck", kCardChecks.name(in.recheck)}};
  // The optional parts are left out when absent (not written as null).
  for (auto [key, q] : {std::pair{"online", &in.online}, std::pair{"shown", &in.shown},
                        std::pair{"asked", &in.asked}, std::pair{"previous", &in.previous}})
    if (*q) j[key] = **q;
  if (in.statement) j["statement"] = *in.statement;
  if (in.clinic) j["clinic"] = *in.clinic;
  if (in.disaster) j["disaster"] = {{"reference", in.disaster->reference}};
}

Result<ClaimInput> parse_claim_input(std::string_view text) {
  return support::read_document<ClaimInput>(text, ONSHI_SCHEMA_CLAIMS_INPUT);
}

// ---- Result -----------------------------------------------------------------

void to_json(json& j, const Warning& w) { j = json{{"code", w.code}, {"rule", w.rule}, {"message", w.message}}; }

// One entry of onshi.eligibility.deferred-request/1 "checks" (onshi_ext_eligibility_records.h), as is.
void to_json(json& j, const DeferredCheck& c) {
  j = json{{"patient_id", c.patient_id}, {"visit_date", iso_date(c.visit_date)}, {"presented", c.presented},
           {"outage", c.outage}};
  if (c.birth_date) j["birth_date"] = compact_date(*c.birth_date);
  if (!c.number.empty())
    j.update({{"insurer_number", c.insurer_number}, {"symbol", c.symbol}, {"number", c.number}, {"branch", c.branch}});
  else
    j["reference_number"] = c.reference_number;
}

void to_json(json& j, const ClaimResult& r) {
  json records = json::array();
  for (const Record& rec : r.records) {
    json fields = json::array();
    for (const Field& f : rec.fields) fields.push_back({{"name", f.name}, {"value", f.value}});
    records.push_back({{"id", rec.id}, {"fields", fields}});
  }
  j = json{{"schema", ONSHI_SCHEMA_CLAIMS_RESULT},
           {"method",
            {{"id", method_id(r.method.method)},
             {"provisional", r.method.provisional},
             {"staff_checks", r.method.staff_checks}}},
           {"route",
            {{"id", route_id(r.route.route)},
             {"name", route_name(r.route.route)},
             {"reason", r.route.reason},
             {"payer", kPayers.name(r.route.payer)},
             {"qualification", optional_value(r.route.qualification)}}},
           {"copay",
            {{"ratio", r.copay.ratio},
             {"rule", rule_name(r.copay.rule)},
             {"band", kBands.name(r.copay.band)},
             {"reason", r.copay.reason}}},
           {"warnings", r.warnings},
           {"payer_office", r.payer_office},
           {"records", records},
           {"uke_text", r.uke_text},
           {"uke_sjis_base64", support::base64_encode(r.uke_sjis)}};
  if (!r.receipt_file.empty()) j["receipt_file_base64"] = support::base64_encode(r.receipt_file);
  if (r.deferred_check) j["deferred_check"] = *r.deferred_check;
}

std::string claim_result_document(const ClaimResult& result) { return json(result).dump(2); }

}  // namespace onshi::claims
