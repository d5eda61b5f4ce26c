// The documents that carry eligibility data across the C boundary (nlohmann::json).
// Absent values are absent keys: what an insurer withholds never appears as a key.
//   onshi.eligibility.outcome/1  Outcome (with its Qualifications)
//   onshi.drug-history/1         DrugHistory
// The ADL to_json/from_json follow nlohmann's convention (from_json throws); the
// *_document functions are the non-throwing API.
#pragma once

#include <onshi/eligibility/protocol.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

namespace onshi::eligibility {

void to_json(nlohmann::json& j, const Qualification& q);
void from_json(const nlohmann::json& j, Qualification& q);
void to_json(nlohmann::json& j, const Outcome& o);
void from_json(const nlohmann::json& j, Outcome& o);
void to_json(nlohmann::json& j, const CharsetNote& n);
void from_json(const nlohmann::json& j, CharsetNote& n);
void to_json(nlohmann::json& j, const PublicExpense& p);
void from_json(const nlohmann::json& j, PublicExpense& p);

nlohmann::json outcome_document(const Outcome& outcome);
Result<Outcome> outcome_from_document(const nlohmann::json& document);
nlohmann::json drug_history_document(const DrugHistory& history);
Result<DrugHistory> drug_history_from_document(const nlohmann::json& document);

}  // namespace onshi::eligibility
