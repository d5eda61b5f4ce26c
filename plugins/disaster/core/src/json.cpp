#include <algorithm>
#include <onshi/disaster/json.hpp>

#include <stdexcept>

namespace onshi::disaster {
namespace {

using nlohmann::json;

constexpr const char* kDeclaration = "onshi.disaster.declaration/1";
constexpr const char* kDeclarationStatus = "onshi.disaster.declaration-status/1";
constexpr const char* kLookupRequest = "onshi.disaster.lookup-request/1";
constexpr const char* kLookupResult = "onshi.disaster.lookup-result/1";
constexpr const char* kAuditRecord = "onshi.disaster.audit-record/1";
constexpr const char* kDrugHistoryView = "onshi.disaster.drug-history-view/1";
constexpr const char* kRetained = "onshi.disaster.retained-retrieval/1";

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

// A string field, "" when absent or null; numbers are accepted as their digits.
std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  fail(std::string("field '") + key + "' must be a string");
}

std::optional<Date> date_field(const json& j, const char* key) {
  std::string s = text(j, key);
  if (s.empty()) return std::nullopt;
  auto d = parse_date(s, key);
  if (!d) fail(d.error().message);
  return *d;
}

TimePoint time_field(const json& j, const char* key) {
  auto t = parse_time(text(j, key), key);
  if (!t) fail(t.error().message);
  return *t;
}

void expect_schema(const json& j, const char* schema) {
  if (!j.is_object()) fail(std::string("a ") + schema + " document must be a JSON object");
  std::string got = text(j, "schema");
  if (got != schema) fail(std::string("schema is '") + got + "', expected '" + schema + "'");
}

template <class Enum, size_t N>
Enum enum_of(const std::string& s, const std::pair<const char*, Enum> (&names)[N], const char* field) {
  for (auto& [name, value] : names)
    if (s == name) return value;
  fail(std::string("field '") + field + "' has unknown value '" + s + "'");
}

const std::pair<const char*, Role> kRoles[] = {{"doctor", Role::doctor}, {"dentist", Role::dentist},
                                               {"pharmacist", Role::pharmacist},
                                               {"authorised_staff", Role::authorised_staff}, {"clerk", Role::clerk}};
const std::pair<const char*, AuditEvent> kEvents[] = {
    {"declaration_on", AuditEvent::declaration_on},         {"declaration_extended", AuditEvent::declaration_extended},
    {"declaration_off", AuditEvent::declaration_off},       {"refused", AuditEvent::refused},
    {"search_sent", AuditEvent::search_sent},               {"candidates_narrowed", AuditEvent::candidates_narrowed},
    {"consent_recorded", AuditEvent::consent_recorded},     {"drug_history_requested", AuditEvent::drug_history_requested},
    {"drug_history_viewed", AuditEvent::drug_history_viewed}, {"local_history_kept", AuditEvent::local_history_kept},
    {"local_history_searched", AuditEvent::local_history_searched}};
const std::pair<const char*, ConsentKind> kConsents[] = {{"none", ConsentKind::none}, {"verbal", ConsentKind::verbal},
                                                         {"life_protection_exception", ConsentKind::life_protection_exception}};
const std::pair<const char*, DrugCodeKind> kCodeKinds[] = {{"none", DrugCodeKind::none}, {"receipt", DrugCodeKind::receipt},
                                                           {"mhlw", DrugCodeKind::mhlw}, {"yj", DrugCodeKind::yj},
                                                           {"hot", DrugCodeKind::hot}};
const std::pair<const char*, Sex> kSexes[] = {{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}};

const std::pair<const char*, DrugSource> kSources[] = {{"national_system", DrugSource::national_system},
                                                       {"okusuri_techo", DrugSource::okusuri_techo},
                                                       {"local_history", DrugSource::local_history}};

const char* sex_name(Sex s) { return s == Sex::male ? "male" : s == Sex::female ? "female" : "unset"; }

json insurer_json(const InsurerNumbers& n) {
  return {{"insurer_number", n.insurer_number}, {"symbol", n.symbol}, {"number", n.number}, {"branch", n.branch}};
}

template <class T, class F>
Result<T> guarded(const char* schema, F&& parse) {
  try {
    return parse();
  } catch (const std::exception& e) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", std::string(schema) + ": " + e.what(),
                      "fix the document as described in docs/disaster-search-message.md and the header json.hpp");
  }
}

}  // namespace

void to_json(json& j, const Declaration& d) {
  j = {{"schema", kDeclaration}, {"reference", d.reference}, {"opens_at", iso_time(d.opens_at)},
       {"closes_at", iso_time(d.closes_at)}, {"area", json::array()}};
  for (const auto& a : d.area)
    j["area"].push_back({{"prefecture_code", a.prefecture_code}, {"municipality_code", a.municipality_code}, {"name", a.name}});
}

void from_json(const json& j, Declaration& d) {
  expect_schema(j, kDeclaration);
  d.reference = text(j, "reference");
  d.opens_at = time_field(j, "opens_at");
  d.closes_at = time_field(j, "closes_at");
  d.area.clear();
  if (!j.contains("area") || !j["area"].is_array()) fail("field 'area' must be an array");
  for (const auto& a : j["area"])
    d.area.push_back({text(a, "prefecture_code"), text(a, "municipality_code"), text(a, "name")});
}

void to_json(json& j, const DeclarationStatus& s) {
  j = {{"schema", kDeclarationStatus}, {"state", state_name(s.state)}, {"active", s.state == DeclarationState::active}};
  if (s.declaration) {
    j["declaration"] = *s.declaration;
    j["declaration"].erase("schema");
  }
  if (s.ended_at) j["ended_at"] = iso_time(*s.ended_at), j["end_reason"] = s.end_reason;
}

void to_json(json& j, const PersonQuery& q) {
  j = {{"schema", kLookupRequest}, {"name", q.name}, {"name_kana", q.name_kana}, {"address", q.address},
       {"insurer_name", q.insurer_name}, {"insurer", insurer_json(q.insurer)}};
  j["birthdate"] = q.birthdate ? json(iso_date(*q.birthdate)) : json(nullptr);
  j["sex"] = q.sex ? json(sex_name(*q.sex)) : json(nullptr);
}

void from_json(const json& j, PersonQuery& q) {
  expect_schema(j, kLookupRequest);
  q.name = text(j, "name");
  q.name_kana = text(j, "name_kana");
  q.birthdate = date_field(j, "birthdate");
  std::string sex = text(j, "sex");
  q.sex = sex.empty() ? std::nullopt : std::optional<Sex>(enum_of(sex, kSexes, "sex"));
  q.address = text(j, "address");
  q.insurer_name = text(j, "insurer_name");
  if (auto it = j.find("insurer"); it != j.end() && it->is_object())
    q.insurer = {text(*it, "insurer_number"), text(*it, "symbol"), text(*it, "number"), text(*it, "branch")};
}

void to_json(json& j, const PersonRecord& p) {
  j = {{"candidate_id", p.candidate_id}, {"name", p.name}, {"name_kana", p.name_kana},
       {"name_of_other", p.name_of_other}, {"name_of_other_kana", p.name_of_other_kana},
       {"sex1", sex_name(p.sex1)}, {"address", p.address}, {"post_number", p.post_number},
       {"insurer_name", p.insurer_name}, {"insurer", insurer_json(p.insurer)}};
  j["sex2"] = p.sex2 ? json(sex_name(*p.sex2)) : json(nullptr);
  j["birthdate"] = p.birthdate ? json(iso_date(*p.birthdate)) : json(nullptr);
}

void to_json(json& j, const NarrowingOutcome& o) {
  j = {{"schema", kLookupResult}, {"outcome", outcome_kind_name(o.kind)}, {"candidate_count", o.candidate_count},
       {"consistent_count", o.consistent_count}, {"message", o.message}, {"differing_fields", o.differing_fields},
       {"ask", json::array()}, {"assessments", json::array()}};
  for (auto a : o.ask) j["ask"].push_back(ask_item_name(a));
  for (const auto& a : o.assessments)
    j["assessments"].push_back({{"consistent", a.consistent}, {"name_score", a.name_score}, {"reasons", a.reasons}});
  // Only the one confirmed person ever leaves the core with an identity.
  j["person"] = o.person ? json(o.person->person()) : json(nullptr);
}

void to_json(json& j, const AuditRecord& r) {
  j = {{"schema", kAuditRecord}, {"at", iso_time(r.at)}, {"event", event_name(r.event)},
       {"operator_id", r.operator_id}, {"role", role_name(r.role)}, {"declaration", r.declaration},
       {"consent", consent_name(r.consent)}, {"subject", r.subject}, {"outcome", r.outcome}};
  j["candidate_count"] = r.candidate_count >= 0 ? json(r.candidate_count) : json(nullptr);
}

void from_json(const json& j, AuditRecord& r) {
  expect_schema(j, kAuditRecord);
  r.at = time_field(j, "at");
  r.event = enum_of(text(j, "event"), kEvents, "event");
  r.operator_id = text(j, "operator_id");
  r.role = enum_of(text(j, "role"), kRoles, "role");
  r.declaration = text(j, "declaration");
  r.consent = enum_of(text(j, "consent"), kConsents, "consent");
  r.subject = text(j, "subject");
  r.outcome = text(j, "outcome");
  auto count = j.find("candidate_count");
  r.candidate_count = count != j.end() && count->is_number_integer() ? count->get<int>() : -1;
}

void to_json(json& j, const DrugRecord& r) {
  j = {{"source", source_name(r.source)}, {"drug_name", r.drug_name}, {"code_kind", code_kind_name(r.code_kind)},
       {"code", r.code}, {"ingredient", r.ingredient}, {"strength", r.strength}, {"dose", r.dose},
       {"usage", r.usage}, {"quantity", r.quantity}, {"prescriber", r.prescriber}, {"pharmacy", r.pharmacy}};
  j["dispensed_on"] = r.dispensed_on ? json(iso_date(*r.dispensed_on)) : json(nullptr);
  j["days"] = r.days ? json(*r.days) : json(nullptr);
}


void to_json(json& j, const DrugHistoryView& v) {
  j = {{"schema", kDrugHistoryView}, {"lines", json::array()}};
  for (const auto& line : v.lines) {
    json l = line.record;
    l.erase("source");
    l["sources"] = json::array();
    for (auto s : line.sources) l["sources"].push_back(source_name(s));
    j["lines"].push_back(std::move(l));
  }
}

namespace {

PersonRecord person_of(const json& j) {
  if (!j.is_object()) fail("field 'person' must be an object");
  PersonRecord p;
  p.candidate_id = text(j, "candidate_id");
  p.name = text(j, "name");
  p.name_kana = text(j, "name_kana");
  p.name_of_other = text(j, "name_of_other");
  p.name_of_other_kana = text(j, "name_of_other_kana");
  p.sex1 = enum_of(text(j, "sex1"), kSexes, "sex1");
  std::string sex2 = text(j, "sex2");
  p.sex2 = sex2.empty() ? std::nullopt : std::optional<Sex>(enum_of(sex2, kSexes, "sex2"));
  p.birthdate = date_field(j, "birthdate");
  p.address = text(j, "address");
  p.post_number = text(j, "post_number");
  p.insurer_name = text(j, "insurer_name");
  if (auto it = j.find("insurer"); it != j.end() && it->is_object())
    p.insurer = {text(*it, "insurer_number"), text(*it, "symbol"), text(*it, "number"), text(*it, "branch")};
  return p;
}

DrugRecord drug_of(const json& j) {
  if (!j.is_object()) fail("a drug must be a JSON object");
  DrugRecord r;
  r.source = enum_of(text(j, "source"), kSources, "source");
  r.dispensed_on = date_field(j, "dispensed_on");
  r.drug_name = text(j, "drug_name");
  r.code_kind = enum_of(text(j, "code_kind").empty() ? std::string("none") : text(j, "code_kind"), kCodeKinds, "code_kind");
  r.code = text(j, "code");
  r.ingredient = text(j, "ingredient");
  r.strength = text(j, "strength");
  r.dose = text(j, "dose");
  r.usage = text(j, "usage");
  if (auto d = j.find("days"); d != j.end() && d->is_number_integer()) r.days = d->get<int>();
  r.quantity = text(j, "quantity");
  r.prescriber = text(j, "prescriber");
  r.pharmacy = text(j, "pharmacy");
  return r;
}

}  // namespace

void to_json(json& j, const RetainedRetrieval& r) {
  j = {{"schema", kRetained}, {"person", r.person}, {"drugs", r.drugs}, {"retrieved_at", iso_time(r.retrieved_at)},
       {"keep_until", iso_time(r.keep_until)}, {"declaration", r.declaration}, {"kept_by", r.kept_by}};
}

Result<RetainedRetrieval> parse_retained_retrieval(const json& j) {
  return guarded<RetainedRetrieval>(kRetained, [&] {
    expect_schema(j, kRetained);
    RetainedRetrieval r;
    r.person = person_of(j.at("person"));
    if (!j.contains("drugs") || !j["drugs"].is_array()) fail("field 'drugs' must be an array");
    for (const auto& d : j["drugs"]) r.drugs.push_back(drug_of(d));
    r.retrieved_at = time_field(j, "retrieved_at");
    r.keep_until = time_field(j, "keep_until");
    r.declaration = text(j, "declaration");
    r.kept_by = text(j, "kept_by");
    return r;
  });
}

Result<Declaration> parse_declaration(const json& j) {
  return guarded<Declaration>(kDeclaration, [&] { return j.get<Declaration>(); });
}

Result<PersonQuery> parse_lookup_request(const json& j) {
  return guarded<PersonQuery>(kLookupRequest, [&] { return j.get<PersonQuery>(); });
}

Result<AuditRecord> parse_audit_record(const json& j) {
  return guarded<AuditRecord>(kAuditRecord, [&] { return j.get<AuditRecord>(); });
}

}  // namespace onshi::disaster
