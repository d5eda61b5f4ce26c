// onshi/claims/claim.hpp: the claim for one visit. Method (R-M1…R-M10) → route
// (R-CLAIM-OK/A/B/C, R-M9 verify later, R-DISASTER-CLAIM, R-KUBUN-05) → ratio (R-RATIO) → UKE
// records (RE, HO/KO, SN, CO): the insurance part of the レセプト, which the レセコン's own file
// completes (merge.hpp).
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
  verify_later,    // R-M9: nothing filed yet; the check runs after the outage (deferred_check)
  disaster,        // R-DISASTER-CLAIM: oral declaration in a declared disaster, the '9' fill
  special_care,    // R-KUBUN-05: 特別療養費; 10割 at the window, a paper レセプト apart from the file
};
const char* route_id(Route r);    // "R-CLAIM-OK" …
const char* route_name(Route r);  // "verified", "current_asked", … "verify_later", "disaster", "special_care_expense"

struct RouteDecision {
  Route route = Route::self_pay;
  std::string reason;
  std::optional<Qualification> qualification;  // the numbers billed (none for C and self-pay)
  PayerKind payer = PayerKind::unknown;
  std::vector<Warning> warnings;  // from the number checks (e.g. a local 公費 check digit)
};

// R-M9: what to queue for the check after the outage (onshi.eligibility-records/1 deferred checks).
// The numbers known (told, or from past visits), or only the clinic's 照会番号 (R-SHOUKAI) when none.
struct DeferredCheck {
  std::string patient_id;  // the EMR's own id of the visit's patient (カルテ番号)
  Date visit_date;
  std::vector<std::string> presented;  // what the patient showed: my_number_card, smartphone, …
  std::string outage;                  // terminal | reader | network
  std::string insurer_number, symbol, number, branch;
  std::string reference_number;  // when no numbers are known
  std::optional<Date> birth_date;
};

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
  std::optional<DeferredCheck> deferred_check;  // route R-M9
};

Result<RouteDecision> choose_route(const ClaimInput& in, const MethodDecision& method);

// The whole decision for one visit; a pure function of the input (its visit_date is "today").
Result<ClaimResult> decide_claim(const ClaimInput& in);

}  // namespace onshi::claims
