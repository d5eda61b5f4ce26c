// onshi/claims/rules.hpp: every figure of the claims rules that changes by date, as data.
// The tables live in core/rules/claims-rules.json (embedded at build time), one per rule, each row
// with its 適用 period (from/to, both days included) and its source; docs/decisions/claims.md,
// "Dated rules", cites each figure. A date outside every row is an error ("no rule known"), never
// the nearest row: a rule that changed after the table was reviewed must not be guessed.
#pragma once

#include <onshi/claims/dates.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::claims {

enum class Facility { medical, dental, pharmacy };  // 医科 / 歯科 / 調剤

// A row's 適用 period and where its figures come from.
struct Dated {
  Date from{}, to{};
  std::string source;
  std::string verified;  // "yes", or what is only partly confirmed
  bool covers(Date day) const { return from <= day && day <= to; }
};

// 医療DX推進体制整備加算 (2024-06 … 2026-05) and 電子的診療情報連携体制整備加算 (from 2026-06), by 算定月.
struct DxRow : Dated {
  enum class Kind { flat, tiers_by_rate, rate_minimum };
  std::string name;
  Kind kind = Kind::flat;
  std::vector<int> thresholds;            // tiers_by_rate: % for 加算1, 2, 3
  std::vector<int> pediatric_thresholds;  // the 小児科特例 (empty: none in this period)
  int minimum = 0;                        // rate_minimum: % every tier needs
  std::string tier_rule;                  // rate_minimum: what decides the tier instead
  std::string replaces;
  std::map<Facility, std::vector<int>> points;                        // per tier (1–3)
  std::map<Facility, std::vector<int>> points_without_eprescription;  // 加算4–6, where they exist
  std::optional<int> revisit_points;                                  // 医科 再診 (rate_minimum)
};

// Which months' rate decide 算定月 M: the rate of M − offset.
struct RateMonthsRow : Dated {
  std::string basis;  // receipt_count (支払基金's レセプト件数ベース) or online_check_count
  int principal_offset = 3;
  std::vector<int> offsets;
};

// 医療情報取得加算.
struct InformationRow : Dated {
  struct Points {
    int card = 0, no_card = 0;
    int every_months = 0;  // 0: every time (初診: once a month)
  };
  std::string name;
  bool abolished = false;
  std::string replaced_by;
  Points first_visit, revisit, pharmacy;
};

// R-M5: the last day an old 健康保険証 is valid, for any payer or for one.
struct OldCardRow {
  std::string payer;  // any | kouki
  Date last_valid_day{};
  std::string source, verified;
};

// R-M5: the provisional handling of an expired 健康保険証 (or the お知らせ alone).
struct ProvisionalRow : Dated {
  std::vector<std::string> payers;  // kokuho, kouki, or any
  std::string notice;
};

// R-CLAIM-C: the 不詳 fill.
struct UnknownFillRow : Dated {
  std::string insurer_number, insurer_number_check_digit, number, kouki_number;
};

// R-DISASTER-CLAIM: the fill on oral declaration in a declared disaster.
struct DisasterFillRow : Dated {
  std::string insurer_unknown, number;
};

// 特記事項 from the 限度額 適用区分 (OQSCD012).
struct LimitNotesRow : Dated {
  std::map<std::string, std::string> codes;  // A01 → 26 …
  std::vector<std::string> kouki_only;        // codes only 後期高齢者 have (一般Ⅰ/Ⅱ)
};

// R-KUBUN-05: 特別療養費支給対象者.
struct SpecialCareRow : Dated {
  std::string classification;
  int window_ratio = 10;
};

struct Rules {
  std::vector<DxRow> dx_addition;
  std::vector<RateMonthsRow> rate_months;
  std::vector<InformationRow> information_acquisition;
  std::vector<OldCardRow> old_card;
  std::vector<ProvisionalRow> provisional_old_card;
  std::vector<UnknownFillRow> unknown_claim;
  std::vector<DisasterFillRow> disaster_claim;
  std::vector<LimitNotesRow> limit_special_notes;
  std::vector<SpecialCareRow> special_care_expense;
};

// The embedded tables, read once. An error only if the embedded file itself is broken (a test
// reads it on every build, so that never ships).
Result<const Rules*> rules();

// Reads a rules document (the embedded one, or another for tests); errors name the field path.
Result<Rules> parse_rules(std::string_view text);

// The error for a date no row covers: which table, the day, the span the table knows.
Error no_rule_known(std::string_view table, Date day, Date first, Date last);

// The one row of `rows` that covers `day`, or no_rule_known.
template <class Row>
Result<const Row*> in_force(const std::vector<Row>& rows, Date day, std::string_view table) {
  for (const Row& row : rows)
    if (row.covers(day)) return &row;
  Date first = rows.empty() ? day : rows.front().from, last = rows.empty() ? day : rows.front().to;
  for (const Row& row : rows) first = std::min(first, row.from), last = std::max(last, row.to);
  return no_rule_known(table, day, first, last);
}

// Every row of `rows` that covers `day` (tables whose rows may overlap).
template <class Row>
std::vector<const Row*> all_in_force(const std::vector<Row>& rows, Date day) {
  std::vector<const Row*> out;
  for (const Row& row : rows)
    if (row.covers(day)) out.push_back(&row);
  return out;
}

}  // namespace onshi::claims
