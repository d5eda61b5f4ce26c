// Drug history as a doctor reads it: by dispensing date, newest first; one line
// per drug with where it came from; the same dispensing seen in several sources
// is one line.
#pragma once

#include <onshi/disaster/name_match.hpp>
#include <onshi/disaster/time.hpp>
#include <onshi/oqs/drug_history.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::disaster {

enum class DrugSource { national_system, okusuri_techo, local_history };

// JAHIS 薬品コード種別: 2 レセ電, 3 厚労省 (薬価基準), 4 YJ, 6 HOT.
enum class DrugCodeKind { none, receipt, mhlw, yj, hot };

struct DrugRecord {
  DrugSource source = DrugSource::national_system;
  std::optional<Date> dispensed_on;
  std::string drug_name;
  DrugCodeKind code_kind = DrugCodeKind::none;
  std::string code;
  std::string ingredient;  // 成分名 / 一般名
  std::string strength;    // 規格 when given apart from the name
  std::string dose;        // 用量 with its unit: "3錠" (内服: per day)
  std::string usage;       // 用法: "1日3回毎食後"
  std::optional<int> days; // 日数 for 内服
  std::string quantity;    // 調剤数量 with unit: "14日分", "2回分"
  std::string prescriber;  // 処方 institution (and doctor)
  std::string pharmacy;    // 調剤 pharmacy
};

struct DrugLine {
  DrugRecord record;               // the most complete of the merged records
  std::vector<DrugSource> sources; // every source that reported it
};

struct DrugHistoryView {
  std::vector<DrugLine> lines;  // newest dispensing first; undated last
};

// Same dispensing date and the same drug (same code of the same kind, or the same
// name once width and variants are folded) → one line.
DrugHistoryView merge_history(const NameMatcher& matcher, const std::vector<DrugRecord>& records);

// The national system's answer (DSTsiquc02res, read by libs/oqs) as records marked national_system.
// Tolerant: every field may be missing; a malformed date or day count is an error naming the entry.
Result<std::vector<DrugRecord>> national_drugs(const oqs::DrugHistory& history);

// The names documents, audit tags and messages use (one table each, in json.cpp).
const char* source_name(DrugSource s);
const char* code_kind_name(DrugCodeKind k);

}  // namespace onshi::disaster
