#include <onshi/eligibility/json.hpp>

#include <onshi/abi/onshi_ext_eligibility.h>

namespace onshi::eligibility {
namespace {

using nlohmann::json;

// One list of (key, member) per type drives both directions.
template <class Q, class Fn>
void visit(Q& q, Fn&& f) {
  f("insured_card_classification", q.insured_card_classification);
  f("medical_assistance", q.medical_assistance);
  f("retired_classification", q.retired_classification);
  f("insurer_number", q.insurer_number);
  f("insurer_name", q.insurer_name);
  f("insured_card_symbol", q.insured_card_symbol);
  f("insured_identification_number", q.insured_identification_number);
  f("insured_branch_number", q.insured_branch_number);
  f("personal_family_classification", q.personal_family_classification);
  f("insured_name", q.insured_name);
  f("name", q.name);
  f("name_kana", q.name_kana);
  f("name_of_other", q.name_of_other);
  f("name_of_other_kana", q.name_of_other_kana);
  f("sex1", q.sex1);
  f("sex2", q.sex2);
  f("birthdate", q.birthdate);
  f("birthdate_unknown", q.birthdate_unknown);
  f("address", q.address);
  f("post_number", q.post_number);
  f("qualification_date", q.qualification_date);
  f("disqualification_date", q.disqualification_date);
  f("valid_from", q.valid_from);
  f("valid_until", q.valid_until);
  f("contribution_ratio", q.contribution_ratio);
  f("preschool", q.preschool);
  f("reason_of_loss", q.reason_of_loss);
  f("elderly_contribution_ratio", q.elderly_contribution_ratio);
  f("limit_classification_flag", q.limit_classification_flag);
  f("public_expense_number", q.public_expense_number);
  f("beneficiary_number", q.beneficiary_number);
  f("welfare_office_name", q.welfare_office_name);
  f("reference_number", q.reference_number);
  f("public_expenses", q.public_expenses);
  f("pharmacists_info_consent", q.pharmacists_info_consent);
  f("pharmacists_info_available_until", q.pharmacists_info_available_until);
  f("checkups_info_consent", q.checkups_info_consent);
  f("checkups_info_available_until", q.checkups_info_available_until);
  f("charset_notes", q.charset_notes);
}

template <class P, class Fn>
void visit_public_expense(P& p, Fn&& f) {
  f("source", p.source);
  f("payer_number", p.payer_number);
  f("recipient_number", p.recipient_number);
  f("name", p.name);
  f("valid_from", p.valid_from);
  f("valid_until", p.valid_until);
  f("treatment_month", p.treatment_month);
  f("self_pay_amount", p.self_pay_amount);
  f("always_reimbursed", p.always_reimbursed);
  f("other_institution", p.other_institution);
}

template <class D, class Fn>
void visit_dispensing(D& d, Fn&& f) {
  f("source", d.source);
  f("month", d.month);
  f("date", d.date);
  f("prescribed_on", d.prescribed_on);
  f("drug_name", d.drug_name);
  f("drug_code", d.drug_code);
  f("ingredient", d.ingredient);
  f("quantity", d.quantity);
  f("unit", d.unit);
  f("usage", d.usage);
  f("days", d.days);
  f("prescriber_code", d.prescriber_code);
  f("prescriber_name", d.prescriber_name);
  f("pharmacy_code", d.pharmacy_code);
  f("pharmacy_name", d.pharmacy_name);
  f("in_out", d.in_out);
}

template <class T>
void put(json& j, const char* key, const T& value) {
  j[key] = value;
}
void put(json& j, const char* key, const Text& value) {
  if (value) j[key] = *value;  // absent stays absent: a withheld value never appears as a key
}
void get(const json& j, const char* key, Text& value) { support::read(j, key, value); }
void get(const json& j, const char* key, bool& value) { support::read(j, key, value); }
void get(const json& j, const char* key, std::string& value) { support::read(j, key, value); }
template <class T>
void get(const json& j, const char* key, std::vector<T>& value) {
  support::read_array(j, key, value);
}

}  // namespace

void to_json(json& j, const CharsetNote& n) {
  j = {{"field", n.field}, {"black_dot", n.black_dot}, {"outside_jis_x0208", n.outside_jis_x0208}};
}
void from_json(const json& j, CharsetNote& n) {
  n.field = support::required_text(j, "field");
  support::read(j, "black_dot", n.black_dot);
  support::read_array(j, "outside_jis_x0208", n.outside_jis_x0208);
}

void to_json(json& j, const PublicExpense& p) {
  j = json::object();
  visit_public_expense(p, [&](const char* k, const auto& v) { put(j, k, v); });
}
void from_json(const json& j, PublicExpense& p) {
  visit_public_expense(p, [&](const char* k, auto& v) { get(j, k, v); });
}

void to_json(json& j, const Qualification& q) {
  j = json::object();
  visit(q, [&](const char* k, const auto& v) { put(j, k, v); });
}
void from_json(const json& j, Qualification& q) {
  visit(q, [&](const char* k, auto& v) { get(j, k, v); });
}

void to_json(json& j, const Outcome& o) {
  j = json::object();
  j["kind"] = to_string(o.kind);
  j["stage"] = to_string(o.stage);
  j["code"] = o.code;
  j["message"] = o.message;
  j["hint"] = o.hint;
  j["retryable"] = o.retryable;
  j["note"] = o.note;
  j["qualifications"] = o.qualifications;
  j["withheld_fields"] = o.withheld_fields;
  j["cache_allowed"] = o.cache_allowed;
  put(j, "reference_classification", o.reference_classification);
  put(j, "arbitrary_file_identifier", o.arbitrary_file_identifier);
  put(j, "processed_at", o.processed_at);
}
void from_json(const json& j, Outcome& o) {
  support::read(j, "kind", o.kind, kOutcomeKinds);
  support::read(j, "stage", o.stage, kFailureStages);
  get(j, "code", o.code);
  get(j, "message", o.message);
  get(j, "hint", o.hint);
  get(j, "retryable", o.retryable);
  get(j, "note", o.note);
  get(j, "qualifications", o.qualifications);
  get(j, "withheld_fields", o.withheld_fields);
  get(j, "cache_allowed", o.cache_allowed);
  get(j, "reference_classification", o.reference_classification);
  get(j, "arbitrary_file_identifier", o.arbitrary_file_identifier);
  get(j, "processed_at", o.processed_at);
}

json outcome_document(const Outcome& outcome) { return support::document_of(ONSHI_SCHEMA_ELIGIBILITY_OUTCOME, outcome); }
Result<Outcome> outcome_from_document(const json& document) {
  return support::from_document<Outcome>(document, ONSHI_SCHEMA_ELIGIBILITY_OUTCOME);
}

// onshi.drug-history/1 is written by hand rather than through from_json/to_json: DrugHistory is
// libs/oqs's type, and nlohmann finds those functions only in the type's own namespace.
namespace {
json dispensing_json(const DrugDispensing& d) {
  json j = json::object();
  visit_dispensing(d, [&](const char* k, const auto& v) { put(j, k, v); });
  return j;
}
struct Dispensing {
  DrugDispensing d;
};
void from_json(const json& j, Dispensing& out) {
  visit_dispensing(out.d, [&](const char* k, auto& v) { get(j, k, v); });
}
struct History {
  DrugHistory h;
};
void from_json(const json& j, History& out) {
  DrugHistory& h = out.h;
  if (const json* p = support::find(j, "patient"))
    support::within("patient", [&] {
      get(*p, "name", h.patient_name);
      get(*p, "kana", h.patient_kana);
      get(*p, "birthdate", h.birthdate);
      get(*p, "sex", h.sex);
    });
  std::vector<Dispensing> dispensings;
  support::read_array(j, "dispensings", dispensings);
  for (auto& d : dispensings) h.dispensings.push_back(std::move(d.d));
}
}  // namespace

json drug_history_document(const DrugHistory& h) {
  json patient = json::object();
  put(patient, "name", h.patient_name);
  put(patient, "kana", h.patient_kana);
  put(patient, "birthdate", h.birthdate);
  put(patient, "sex", h.sex);
  json dispensings = json::array();
  for (const auto& d : h.dispensings) dispensings.push_back(dispensing_json(d));
  return {{"schema", ONSHI_SCHEMA_DRUG_HISTORY}, {"patient", std::move(patient)}, {"dispensings", std::move(dispensings)}};
}
Result<DrugHistory> drug_history_from_document(const json& document) {
  auto history = support::from_document<History>(document, ONSHI_SCHEMA_DRUG_HISTORY);
  if (!history) return std::move(history).error();
  return std::move(history->h);
}

}  // namespace onshi::eligibility
