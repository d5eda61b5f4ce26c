// The 薬剤情報 answer (YZKsiquc01res) flattened to one entry per drug per dispensing,
// the shape the disaster plugin consumes as `onshi.drug-history/1`.
#pragma once

#include <onshi/oqs/messages.hpp>
#include <onshi/result.hpp>

#include <string>
#include <vector>

namespace onshi::oqs {

struct DrugDispensing {
  std::string source;  // "claim" (MeTr…, from レセプト), "dispensing" (CzDi…, 調剤), "prescription" (ShPr…, 電子処方箋)
  Text month;          // YYYYMM
  Text date;           // 調剤日/診療日 YYYYMMDD
  Text prescribed_on;  // 処方日
  Text drug_name, drug_code, ingredient;
  Text quantity, unit;  // strength / amount per dose as sent (Qua1, Unit)
  Text usage;           // 用法 (UsageN)
  Text days;            // 日数・回数 (Times)
  Text prescriber_code, prescriber_name;  // 医療機関
  Text pharmacy_code, pharmacy_name;      // 薬局
  Text in_out;                            // 入外区分 as sent
  bool operator==(const DrugDispensing&) const = default;
};

struct DrugHistory {
  Text patient_name, patient_kana, birthdate, sex;
  std::vector<DrugDispensing> dispensings;  // document order
  bool operator==(const DrugHistory&) const = default;
};

// Fails with the terminal's MessageContents when ResultCode is not 1: ONSHI_E_NOT_FOUND (native 2)
// for ResultCode 2 (no drug information recorded for this person), ONSHI_E_PROTOCOL otherwise.
Result<DrugHistory> drug_history_of(const DrugInfoResponse& response);

}  // namespace onshi::oqs
