// onshi/claims/json.hpp: the documents that cross the plugin boundary.
//   onshi.claims.input/1  — ClaimInput (what was shown, visit, patient, numbers, 申立書)
//   onshi.claims.result/1 — ClaimResult (method, route, ratio, warnings, records, UKE)
// docs/decisions/claims.md shows both with an example.
#pragma once

#include <onshi/claims/claim.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace onshi::claims {

inline constexpr const char* kInputSchema = "onshi.claims.input/1";
inline constexpr const char* kResultSchema = "onshi.claims.result/1";
inline constexpr size_t kMaxDocumentBytes = 1 << 20;

// from_json throws (nlohmann's convention); parse_claim_input is the non-throwing entry.
void from_json(const nlohmann::json& j, Qualification& q);
void from_json(const nlohmann::json& j, ClaimInput& in);
void to_json(nlohmann::json& j, const Qualification& q);
void to_json(nlohmann::json& j, const ClaimInput& in);
void to_json(nlohmann::json& j, const ClaimResult& r);

// Parses and checks an onshi.claims.input/1 document; errors name the field path.
Result<ClaimInput> parse_claim_input(std::string_view text);

// The onshi.claims.result/1 document, serialized.
std::string claim_result_document(const ClaimResult& result);

std::string base64(std::string_view bytes);

}  // namespace onshi::claims
