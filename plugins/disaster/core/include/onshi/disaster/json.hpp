// Every JSON document of the disaster core, in one place. Each document carries
// "schema": "onshi.<area>.<doc>/1":
//   onshi.disaster.declaration/1          Declaration (in)
//   onshi.disaster.declaration-status/1   DeclarationStatus (out)
//   onshi.disaster.lookup-request/1       PersonQuery (in)
//   onshi.disaster.lookup-result/1        NarrowingOutcome (out)
//   onshi.disaster.audit-record/1         AuditRecord (out; one per line in the JSON-lines sink)
//   onshi.disaster.drug-history-view/1    DrugHistoryView (out)
//   onshi.disaster.retained-retrieval/1   RetainedRetrieval (local history, in and out)
// The parse_* functions never throw; the to_json/from_json pairs are for nlohmann.
#pragma once

#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/declaration.hpp>
#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/local_history.hpp>
#include <onshi/disaster/narrowing.hpp>
#include <onshi/disaster/person.hpp>

#include <nlohmann/json.hpp>

namespace onshi::disaster {

void to_json(nlohmann::json& j, const Declaration& d);
void from_json(const nlohmann::json& j, Declaration& d);
void to_json(nlohmann::json& j, const DeclarationStatus& s);
void to_json(nlohmann::json& j, const PersonQuery& q);
void from_json(const nlohmann::json& j, PersonQuery& q);
void to_json(nlohmann::json& j, const PersonRecord& p);
void to_json(nlohmann::json& j, const NarrowingOutcome& o);
void to_json(nlohmann::json& j, const AuditRecord& r);
void from_json(const nlohmann::json& j, AuditRecord& r);
void to_json(nlohmann::json& j, const DrugRecord& r);
void to_json(nlohmann::json& j, const DrugHistoryView& v);
void to_json(nlohmann::json& j, const RetainedRetrieval& r);

Result<Declaration> parse_declaration(const nlohmann::json& j);
Result<PersonQuery> parse_lookup_request(const nlohmann::json& j);
Result<AuditRecord> parse_audit_record(const nlohmann::json& j);
Result<RetainedRetrieval> parse_retained_retrieval(const nlohmann::json& j);

}  // namespace onshi::disaster
