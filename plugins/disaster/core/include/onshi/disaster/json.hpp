// Every JSON document of the disaster core, in one place, read and written with libs/support
// (field-path errors, enum tables). Each document carries "schema":
//   onshi.disaster.declaration/1   Declaration (the host's store; inside a declaration-status)
//   ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS   DeclarationStatus (out)
//   ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST       PersonQuery (in; the plugin reads its other fields)
//   ONSHI_SCHEMA_DISASTER_LOOKUP_RESULT        NarrowingOutcome (out)
//   ONSHI_SCHEMA_DISASTER_AUDIT_RECORD         AuditRecord (stored, and returned as stored)
//   ONSHI_SCHEMA_DISASTER_DRUG_HISTORY_VIEW    DrugHistoryView (out)
//   onshi.disaster.retained-retrieval/1        RetainedRetrieval (local history, the host's store)
// The parse_* functions never throw; the to_json/from_json pairs are for nlohmann (a from_json
// throws support::FieldError naming the field).
#pragma once

#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/declaration.hpp>
#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/jahis.hpp>
#include <onshi/disaster/local_history.hpp>
#include <onshi/disaster/narrowing.hpp>
#include <onshi/disaster/person.hpp>

#include <nlohmann/json.hpp>

namespace onshi::disaster {

void from_json(const nlohmann::json& j, Operator& o);  // {"id", "role", "authorised_by"} of a request
void to_json(nlohmann::json& j, const AreaEntry& a);
void from_json(const nlohmann::json& j, AreaEntry& a);
void to_json(nlohmann::json& j, const Declaration& d);
void from_json(const nlohmann::json& j, Declaration& d);
void to_json(nlohmann::json& j, const DeclarationStatus& s);
void to_json(nlohmann::json& j, const InsurerNumbers& n);
void from_json(const nlohmann::json& j, InsurerNumbers& n);
void to_json(nlohmann::json& j, const PersonQuery& q);
void from_json(const nlohmann::json& j, PersonQuery& q);
void to_json(nlohmann::json& j, const PersonRecord& p);
void from_json(const nlohmann::json& j, PersonRecord& p);
void to_json(nlohmann::json& j, const NarrowingOutcome& o);
void to_json(nlohmann::json& j, const AuditRecord& r);
void from_json(const nlohmann::json& j, AuditRecord& r);
void to_json(nlohmann::json& j, const DrugRecord& r);
void from_json(const nlohmann::json& j, DrugRecord& r);
void to_json(nlohmann::json& j, const DrugHistoryView& v);
void to_json(nlohmann::json& j, const RetainedRetrieval& r);
void from_json(const nlohmann::json& j, RetainedRetrieval& r);
void to_json(nlohmann::json& j, const JahisPatient& p);

Result<Declaration> parse_declaration(const nlohmann::json& j);
Result<PersonQuery> parse_lookup_request(const nlohmann::json& j);
Result<AuditRecord> parse_audit_record(const nlohmann::json& j);
Result<RetainedRetrieval> parse_retained_retrieval(const nlohmann::json& j);

}  // namespace onshi::disaster
