// onshi/claims/claim.hpp: the claim for one visit. Method (R-M1…R-M8) → route
// (R-CLAIM-OK/A/B/C) → ratio (R-RATIO) → UKE records (RE, HO/KO, SN, CO).
#pragma once

#include <onshi/claims/copay.hpp>
#include <onshi/claims/method.hpp>
#include <onshi/claims/types.hpp>
#include <onshi/claims/uke.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::claims {

enum class Route {
  verified,        // R-CLAIM-OK: the numbers R-M1…R-M5 found
  current_asked,   // R-CLAIM-A: current numbers learned by asking
  old_qualification,  // R-CLAIM-B: past numbers (資格無効 screen, past visits)
  unknown,         // R-CLAIM-C: 不詳レセプト with the 申立書 in the 摘要欄
  self_pay,        // R-M8: no claim; the patient pays 10割
};
const char* route_id(Route r);  // "R-CLAIM-OK" …

struct RouteDecision {
  Route route = Route::self_pay;
  std::string reason;
  std::optional<Qualification> qualification;  // the numbers billed (none for C and self-pay)
  PayerKind payer = PayerKind::unknown;
  std::vector<Warning> warnings;  // from the number checks (e.g. a local 公費 check digit)
};

// The 不詳 numbers of the 2023-07-19 notice (and its 2023-09-15 fallback).
inline constexpr const char* kUnknownInsurer = "77777777";
inline constexpr const char* kUnknownInsurerCheckDigit = "77777779";
inline constexpr const char* kUnknownNumber = "777777777";
inline constexpr const char* kUnknownKoukiNumber = "77777777";

struct ClaimResult {
  MethodDecision method;
  RouteDecision route;
  CopayDecision copay;
  std::vector<Warning> warnings;  // all of them: method, numbers, ratio, route
  std::vector<Record> records;    // RE, HO or KO, SN, CO (empty for self-pay)
  int payer_office = 1;           // 審査支払機関: 1 支払基金, 2 国保連
  std::string uke_text;           // the records as UTF-8 lines (CRLF)
  std::string uke_sjis;           // the same lines in Shift_JIS
  std::string receipt_file;       // RECEIPTC.UKE bytes, when the input names the clinic
};

Result<RouteDecision> choose_route(const ClaimInput& in, const MethodDecision& method);

// The whole decision for one visit; a pure function of the input (its visit_date is "today").
Result<ClaimResult> decide_claim(const ClaimInput& in);

}  // namespace onshi::claims
