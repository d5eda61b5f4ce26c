#include <onshi/disaster/json.hpp>

#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/support/document.hpp>

#include <limits>

namespace onshi::disaster {

using nlohmann::json;
using support::EnumNames;
using support::fail;
using support::find;
using support::optional_value;
using support::read;
using support::read_array;
using support::read_object;
using support::required_text;

namespace {

// Kept in the host's store only; the public documents' ids are in onshi_ext_disaster.h.
constexpr const char* kDeclaration = "onshi.disaster.declaration/1";
constexpr const char* kRetained = "onshi.disaster.retained-retrieval/1";

constexpr int kMaxInt = std::numeric_limits<int>::max();

// The names each enum takes in documents, audit tags and messages: one table each, so what is
// written is what is read back.
constexpr EnumNames<Role, 5> kRoles{{{"doctor", Role::doctor}, {"dentist", Role::dentist},
                                     {"pharmacist", Role::pharmacist}, {"authorised_staff", Role::authorised_staff},
                                     {"clerk", Role::clerk}}};
constexpr EnumNames<AuditEvent, 12> kEvents{
    {{"declaration_on", AuditEvent::declaration_on},         {"declaration_extended", AuditEvent::declaration_extended},
     {"declaration_off", AuditEvent::declaration_off},       {"refused", AuditEvent::refused},
     {"search_sent", AuditEvent::search_sent},               {"candidates_narrowed", AuditEvent::candidates_narrowed},
     {"consent_recorded", AuditEvent::consent_recorded},     {"drug_history_requested", AuditEvent::drug_history_requested},
     {"drug_history_viewed", AuditEvent::drug_history_viewed}, {"local_history_kept", AuditEvent::local_history_kept},
     {"local_history_searched", AuditEvent::local_history_searched}, {"audit_read", AuditEvent::audit_read}}};
constexpr EnumNames<ConsentKind, 3> kConsents{{{"none", ConsentKind::none}, {"verbal", ConsentKind::verbal},
                                               {"life_protection_exception", ConsentKind::life_protection_exception}}};
constexpr EnumNames<DrugSource, 3> kSources{{{"national_system", DrugSource::national_system},
                                             {"okusuri_techo", DrugSource::okusuri_techo},
                                             {"local_history", DrugSource::local_history}}};
constexpr EnumNames<DrugCodeKind, 5> kCodeKinds{{{"none", DrugCodeKind::none}, {"receipt", DrugCodeKind::receipt},
                                                 {"mhlw", DrugCodeKind::mhlw}, {"yj", DrugCodeKind::yj},
                                                 {"hot", DrugCodeKind::hot}}};
constexpr EnumNames<Sex, 3> kSexes{{{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}}};

json optional_sex(const std::optional<Sex>& s) { return s ? json(kSexes.name(*s)) : json(nullptr); }

// A field the document must have: libs/support's readers leave an absent one as it was.
void require(const json& j, const char* key) {
  if (!find(j, key)) fail(key, "is required");
}

// A time "YYYY-MM-DDTHH:MM:SSZ", required (libs/support reads dates, not times).
TimePoint required_time(const json& j, const char* key) {
  const std::string text = required_text(j, key);
  auto t = parse_time(text, key);
  if (!t) fail(key, "'" + text.substr(0, 40) + "' is not a time YYYY-MM-DDTHH:MM:SSZ");
  return *t;
}

}  // namespace

const char* role_name(Role r) { return kRoles.name(r); }
const char* event_name(AuditEvent e) { return kEvents.name(e); }
const char* consent_name(ConsentKind c) { return kConsents.name(c); }
const char* source_name(DrugSource s) { return kSources.name(s); }
const char* code_kind_name(DrugCodeKind k) { return kCodeKinds.name(k); }

void from_json(const json& j, Operator& o) {
  o.id = required_text(j, "id");
  if (o.id.empty()) fail("id", "is empty: the clinic's own staff id");
  require(j, "role");
  read(j, "role", o.role, kRoles);
  read(j, "authorised_by", o.authorised_by);
}

void to_json(json& j, const AreaEntry& a) {
  j = {{"prefecture_code", a.prefecture_code}, {"municipality_code", a.municipality_code}, {"name", a.name}};
}

void from_json(const json& j, AreaEntry& a) {
  read(j, "prefecture_code", a.prefecture_code);
  read(j, "municipality_code", a.municipality_code);
  read(j, "name", a.name);
}

void to_json(json& j, const Declaration& d) {
  j = {{"schema", kDeclaration}, {"reference", d.reference}, {"opens_at", iso_time(d.opens_at)},
       {"closes_at", iso_time(d.closes_at)}, {"area", d.area}};
}

void from_json(const json& j, Declaration& d) {
  read(j, "reference", d.reference);
  d.opens_at = required_time(j, "opens_at");
  d.closes_at = required_time(j, "closes_at");
  require(j, "area");
  read_array(j, "area", d.area);
}

void to_json(json& j, const DeclarationStatus& s) {
  j = {{"schema", ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS}, {"state", state_name(s.state)},
       {"active", s.state == DeclarationState::active}};
  if (s.declaration) {
    j["declaration"] = *s.declaration;
    j["declaration"].erase("schema");
  }
  if (s.ended_at) j["ended_at"] = iso_time(*s.ended_at), j["end_reason"] = s.end_reason;
}

void to_json(json& j, const InsurerNumbers& n) {
  j = {{"insurer_number", n.insurer_number}, {"symbol", n.symbol}, {"number", n.number}, {"branch", n.branch}};
}

void from_json(const json& j, InsurerNumbers& n) {
  read(j, "insurer_number", n.insurer_number);
  read(j, "symbol", n.symbol);
  read(j, "number", n.number);
  read(j, "branch", n.branch);
}

void to_json(json& j, const PersonQuery& q) {
  j = {{"schema", ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST}, {"name", q.name}, {"name_kana", q.name_kana},
       {"birthdate", optional_value(q.birthdate)}, {"sex", optional_sex(q.sex)}, {"address", q.address},
       {"insurer_name", q.insurer_name}, {"insurer", q.insurer}};
}

void from_json(const json& j, PersonQuery& q) {
  read(j, "name", q.name);
  read(j, "name_kana", q.name_kana);
  read(j, "birthdate", q.birthdate);
  read(j, "sex", q.sex, kSexes);
  read(j, "address", q.address);
  read(j, "insurer_name", q.insurer_name);
  read_object(j, "insurer", q.insurer);
}

void to_json(json& j, const PersonRecord& p) {
  j = {{"candidate_id", p.candidate_id}, {"name", p.name}, {"name_kana", p.name_kana},
       {"name_of_other", p.name_of_other}, {"name_of_other_kana", p.name_of_other_kana},
       {"sex1", kSexes.name(p.sex1)}, {"sex2", optional_sex(p.sex2)}, {"birthdate", optional_value(p.birthdate)},
       {"address", p.address}, {"post_number", p.post_number}, {"insurer_name", p.insurer_name},
       {"insurer", p.insurer}};
}

void from_json(const json& j, PersonRecord& p) {
  read(j, "candidate_id", p.candidate_id);
  read(j, "name", p.name);
  read(j, "name_kana", p.name_kana);
  read(j, "name_of_other", p.name_of_other);
  read(j, "name_of_other_kana", p.name_of_other_kana);
  require(j, "sex1");
  read(j, "sex1", p.sex1, kSexes);
  read(j, "sex2", p.sex2, kSexes);
  read(j, "birthdate", p.birthdate);
  read(j, "address", p.address);
  read(j, "post_number", p.post_number);
  read(j, "insurer_name", p.insurer_name);
  read_object(j, "insurer", p.insurer);
}

void to_json(json& j, const NarrowingOutcome& o) {
  j = {{"schema", ONSHI_SCHEMA_DISASTER_LOOKUP_RESULT}, {"outcome", outcome_kind_name(o.kind)},
       {"candidate_count", o.candidate_count}, {"consistent_count", o.consistent_count}, {"message", o.message},
       {"differing_fields", o.differing_fields}, {"ask", json::array()}, {"assessments", json::array()}};
  for (auto a : o.ask) j["ask"].push_back(ask_item_name(a));
  for (const auto& a : o.assessments)
    j["assessments"].push_back({{"consistent", a.consistent}, {"name_score", a.name_score}, {"reasons", a.reasons}});
  // Only the one confirmed person ever leaves the core with an identity.
  j["person"] = o.person ? json(o.person->person()) : json(nullptr);
}

void to_json(json& j, const AuditRecord& r) {
  j = {{"schema", ONSHI_SCHEMA_DISASTER_AUDIT_RECORD}, {"at", iso_time(r.at)}, {"event", kEvents.name(r.event)},
       {"operator_id", r.operator_id}, {"role", kRoles.name(r.role)}, {"declaration", r.declaration},
       {"consent", kConsents.name(r.consent)}, {"subject", r.subject}, {"outcome", r.outcome},
       {"candidate_count", r.candidate_count >= 0 ? json(r.candidate_count) : json(nullptr)},
       {"authorised_by", r.authorised_by}};
}

void from_json(const json& j, AuditRecord& r) {
  r.at = required_time(j, "at");
  require(j, "event");
  read(j, "event", r.event, kEvents);
  read(j, "operator_id", r.operator_id);
  require(j, "role");
  read(j, "role", r.role, kRoles);
  read(j, "declaration", r.declaration);
  require(j, "consent");
  read(j, "consent", r.consent, kConsents);
  read(j, "subject", r.subject);
  read(j, "outcome", r.outcome);
  read(j, "candidate_count", r.candidate_count, 0, kMaxInt);  // absent or null: -1, not applicable
  read(j, "authorised_by", r.authorised_by);
}

void to_json(json& j, const DrugRecord& r) {
  j = {{"source", kSources.name(r.source)}, {"dispensed_on", optional_value(r.dispensed_on)},
       {"drug_name", r.drug_name}, {"code_kind", kCodeKinds.name(r.code_kind)}, {"code", r.code},
       {"ingredient", r.ingredient}, {"strength", r.strength}, {"dose", r.dose}, {"usage", r.usage},
       {"days", optional_value(r.days)}, {"quantity", r.quantity}, {"prescriber", r.prescriber},
       {"pharmacy", r.pharmacy}};
}

void from_json(const json& j, DrugRecord& r) {
  require(j, "source");
  read(j, "source", r.source, kSources);
  read(j, "dispensed_on", r.dispensed_on);
  read(j, "drug_name", r.drug_name);
  read(j, "code_kind", r.code_kind, kCodeKinds);
  read(j, "code", r.code);
  read(j, "ingredient", r.ingredient);
  read(j, "strength", r.strength);
  read(j, "dose", r.dose);
  read(j, "usage", r.usage);
  read(j, "days", r.days, 0, kMaxInt);
  read(j, "quantity", r.quantity);
  read(j, "prescriber", r.prescriber);
  read(j, "pharmacy", r.pharmacy);
}

void to_json(json& j, const DrugHistoryView& v) {
  j = {{"schema", ONSHI_SCHEMA_DISASTER_DRUG_HISTORY_VIEW}, {"lines", json::array()}};
  for (const auto& line : v.lines) {
    json l = line.record;
    l.erase("source");
    l["sources"] = json::array();
    for (auto s : line.sources) l["sources"].push_back(kSources.name(s));
    j["lines"].push_back(std::move(l));
  }
}

void to_json(json& j, const RetainedRetrieval& r) {
  j = {{"schema", kRetained}, {"person", r.person}, {"drugs", r.drugs}, {"retrieved_at", iso_time(r.retrieved_at)},
       {"keep_until", iso_time(r.keep_until)}, {"declaration", r.declaration}, {"kept_by", r.kept_by}};
}

void from_json(const json& j, RetainedRetrieval& r) {
  require(j, "person");
  read_object(j, "person", r.person);
  require(j, "drugs");
  read_array(j, "drugs", r.drugs);
  r.retrieved_at = required_time(j, "retrieved_at");
  r.keep_until = required_time(j, "keep_until");
  read(j, "declaration", r.declaration);
  read(j, "kept_by", r.kept_by);
}

void to_json(json& j, const JahisPatient& p) {
  j = {{"name", p.name}, {"name_kana", p.name_kana}, {"birthdate", optional_value(p.birthdate)},
       {"sex", optional_sex(p.sex)}};
}

Result<Declaration> parse_declaration(const json& j) { return support::from_document<Declaration>(j, kDeclaration); }

Result<PersonQuery> parse_lookup_request(const json& j) {
  return support::from_document<PersonQuery>(j, ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST);
}

Result<AuditRecord> parse_audit_record(const json& j) {
  return support::from_document<AuditRecord>(j, ONSHI_SCHEMA_DISASTER_AUDIT_RECORD);
}

Result<RetainedRetrieval> parse_retained_retrieval(const json& j) {
  return support::from_document<RetainedRetrieval>(j, kRetained);
}

}  // namespace onshi::disaster
