// The JSON documents of onshi.eligibility/1 that the core does not already define
// (docs/decisions/eligibility.md, "Plugin documents"):
//   onshi.eligibility.request/1    what query_async asks for
//   onshi.eligibility.parsed/1     what parse() makes of any message file
//   onshi.eligibility.challenge/1  what challenge_async completes with
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <onshi/result.hpp>
#include <onshi/support/document.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace onshi::eligibility::plugin {

using support::parse_request;  // the schema may be left out (EMRs written before it existed)
// A request document of `schema` read by T's from_json: a field that cannot be used is named by its path.
template <class T>
Result<T> read_request(std::string_view text, std::string_view schema, size_t max_bytes = support::kMaxDocumentBytes) {
  auto doc = parse_request(text, schema, max_bytes);
  if (!doc) return std::move(doc).error();
  return support::from_document<T>(*doc, schema);
}

// A 資格確認 by the numbers on the insurance card (kind "insured").
struct InsuredQuery {
  std::string insurer_number;  // 8 characters; a 6-digit 国保 number is left-padded with spaces
  std::string symbol, number, branch, birth_date;
  bool limit_consent = false;  // 限度額情報の提供同意
};

// A 資格確認 by the My Number card (kind "card", direct TLS only): its auth certificate plus
// either the card's signature over the server's challenge, or staff's visual check (R-VIS).
// Everything base64 as the caller gave it, checked to decode.
struct CardQuery {
  std::string certificate;           // DER
  std::string challenge, signature;  // empty with a visual check
  bool visual_check = false;         // 目視確認
  bool smartphone = false;           // スマホ用電子証明書: no grace period (R-GRACE)
  bool limit_consent = false;
};
using Query = std::variant<InsuredQuery, CardQuery>;

// R-NOMYNUM: a field holding 12 digits, however typed, has the shape of an individual number
// (マイナンバー): the request is refused naming the field, never the value, and nothing is sent.
void refuse_individual_number(const char* key, std::string_view value);

// ONSHI_E_NOT_SUPPORTED for an unknown kind; ONSHI_E_INVALID_ARGUMENT naming the field otherwise.
// The schema may be left out; when given it must be onshi.eligibility.request/1.
Result<Query> read_query(std::string_view request_json);
void from_json(const nlohmann::json& doc, InsuredQuery& q);
void from_json(const nlohmann::json& doc, CardQuery& q);
// The request's "kind" ("" when it has none or is not a JSON object), to refuse what the
// transport cannot do before checking the fields.
std::string request_kind(std::string_view request_json);

// The OQSsiquc01req file (Shift_JIS) for a query made on `today` (JST).
Result<std::string> qualification_request(const InsuredQuery& query, std::string_view medical_institution_code,
                                          std::chrono::year_month_day today);
// The card query of our TLS profile (docs/decisions/eligibility-tls.md): OQSsiquc01req whose body
// carries CardAuthenticationInfo instead of QualificationConfirmSearchInfo.
Result<std::string> card_request(const CardQuery& query, std::string_view medical_institution_code,
                                 std::chrono::year_month_day today);
// The request POSTed to <base>/challenge.
Result<std::string> challenge_request(std::string_view medical_institution_code, std::chrono::year_month_day today);

// Any message file → onshi.eligibility.parsed/1. file_name may be empty.
Result<std::string> parsed_document(std::string_view file_name, std::string_view bytes);

}  // namespace onshi::eligibility::plugin
