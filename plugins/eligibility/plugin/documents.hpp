// The JSON documents of onshi.eligibility/1 that the core does not already define
// (docs/decisions/eligibility.md, "Plugin documents"):
//   onshi.eligibility.request/1  what query_async asks for
//   onshi.eligibility.parsed/1   what parse() makes of any message file
#pragma once

#include <chrono>
#include <onshi/result.hpp>
#include <string>
#include <string_view>

namespace onshi::eligibility::plugin {

inline constexpr std::string_view kRequestSchema = "onshi.eligibility.request/1";
inline constexpr std::string_view kParsedSchema = "onshi.eligibility.parsed/1";

// A 資格確認 by the numbers on the insurance card (kind "insured").
struct InsuredQuery {
  std::string insurer_number;  // 8 characters; a 6-digit 国保 number is left-padded with spaces
  std::string symbol, number, branch, birth_date;
  bool limit_consent = false;  // 限度額情報の提供同意
};

// ONSHI_E_NOT_SUPPORTED for another kind; ONSHI_E_INVALID_ARGUMENT naming the field otherwise.
Result<InsuredQuery> read_insured_query(std::string_view request_json);

// The OQSsiquc01req file (Shift_JIS) for a query made on `today` (JST).
Result<std::string> qualification_request(const InsuredQuery& query, std::string_view medical_institution_code,
                                          std::chrono::year_month_day today);

// The calendar day in Japan (UTC+9, no DST) at `now`.
std::chrono::year_month_day jst_day(std::chrono::system_clock::time_point now);

// Any message file → onshi.eligibility.parsed/1. file_name may be empty.
Result<std::string> parsed_document(std::string_view file_name, std::string_view bytes);

}  // namespace onshi::eligibility::plugin
