#include <onshi/claims/rules.hpp>

#include <onshi/support/document.hpp>

#include "rules_data.hpp"

namespace onshi::claims {

using support::fail;
using support::json;
using support::read;

namespace {

constexpr const char* kSchema = "onshi.claims.rules/1";

constexpr support::EnumNames<DxRow::Kind, 3> kDxKinds{{{"flat", DxRow::Kind::flat},
                                                        {"tiers_by_rate", DxRow::Kind::tiers_by_rate},
                                                        {"rate_minimum", DxRow::Kind::rate_minimum}}};
constexpr support::EnumNames<Facility, 3> kFacilityKeys{
    {{"medical", Facility::medical}, {"dental", Facility::dental}, {"pharmacy", Facility::pharmacy}}};

Date required_date(const json& j, const char* key) {
  std::optional<Date> d;
  read(j, key, d);
  if (!d) fail(key, "is required (YYYY-MM-DD)");
  return *d;
}

void read_dated(const json& j, Dated& d) {
  d.from = required_date(j, "from");
  d.to = required_date(j, "to");
  if (d.to < d.from) fail("to", "is before from");
  read(j, "source", d.source);
  read(j, "verified", d.verified);
  if (d.source.empty()) fail("source", "is required: every figure names where it comes from");
}

std::vector<int> ints(const json& j, const char* key) {
  std::vector<int> out;
  if (const json* v = support::find(j, key)) {
    if (!v->is_array()) fail(key, "expected an array of integers");
    for (const json& x : *v) out.push_back(int(support::read_integer(x, key, 0, 100)));
  }
  return out;
}

std::map<Facility, std::vector<int>> per_facility(const json& j, const char* key) {
  std::map<Facility, std::vector<int>> out;
  if (const json* v = support::find(j, key))
    support::within(key, [&] {
      for (const auto& [name, list] : v->items()) {
        auto facility = kFacilityKeys.value(name);
        if (!facility) fail(name, "expected one of " + kFacilityKeys.allowed());
        out[*facility] = ints(*v, name.c_str());
      }
    });
  return out;
}

template <class Row>
void read_table(const json& doc, const char* key, std::vector<Row>& rows) {
  const json* table = support::find(doc, key);
  if (!table) fail(key, "is required");
  support::within(key, [&] { support::read_array(*table, "rows", rows); });
  if (rows.empty()) fail(key, "has no rows");
}

}  // namespace

void from_json(const json& j, DxRow& r) {
  read_dated(j, r);
  read(j, "name", r.name);
  read(j, "kind", r.kind, kDxKinds);
  r.thresholds = ints(j, "thresholds");
  r.pediatric_thresholds = ints(j, "pediatric_thresholds");
  read(j, "minimum", r.minimum, 0, 100);
  read(j, "tier_rule", r.tier_rule);
  read(j, "replaces", r.replaces);
  r.points = per_facility(j, "points");
  r.points_without_eprescription = per_facility(j, "points_without_eprescription");
  if (const json* revisit = support::find(j, "revisit_points"))
    support::within("revisit_points", [&] { read(*revisit, "medical", r.revisit_points, 0, 100); });
  if (r.kind == DxRow::Kind::tiers_by_rate && r.thresholds.size() != 3) fail("thresholds", "needs 3 values");
  for (const auto& [facility, list] : r.points)
    if (r.kind == DxRow::Kind::tiers_by_rate && list.size() != 3) fail("points", "needs 3 values per facility");
}

void from_json(const json& j, RateMonthsRow& r) {
  read_dated(j, r);
  read(j, "basis", r.basis);
  read(j, "principal_offset", r.principal_offset, 1, 12);
  r.offsets = ints(j, "offsets");
}

void from_json(const json& j, InformationRow::Points& p) {
  read(j, "card", p.card, 0, 100);
  read(j, "no_card", p.no_card, 0, 100);
  read(j, "every_months", p.every_months, 0, 24);
}

void from_json(const json& j, InformationRow& r) {
  read_dated(j, r);
  read(j, "name", r.name);
  read(j, "abolished", r.abolished);
  read(j, "replaced_by", r.replaced_by);
  support::read_object(j, "first_visit", r.first_visit);
  support::read_object(j, "revisit", r.revisit);
  support::read_object(j, "pharmacy", r.pharmacy);
}

void from_json(const json& j, OldCardRow& r) {
  read(j, "payer", r.payer);
  r.last_valid_day = required_date(j, "last_valid_day");
  read(j, "source", r.source);
  read(j, "verified", r.verified);
}

void from_json(const json& j, ProvisionalRow& r) {
  read_dated(j, r);
  if (const json* payers = support::find(j, "payers")) r.payers = payers->get<std::vector<std::string>>();
  read(j, "notice", r.notice);
}

void from_json(const json& j, UnknownFillRow& r) {
  read_dated(j, r);
  r.insurer_number = support::required_text(j, "insurer_number");
  r.insurer_number_check_digit = support::required_text(j, "insurer_number_check_digit");
  r.number = support::required_text(j, "number");
  r.kouki_number = support::required_text(j, "kouki_number");
}

void from_json(const json& j, DisasterFillRow& r) {
  read_dated(j, r);
  r.insurer_unknown = support::required_text(j, "insurer_unknown");
  r.number = support::required_text(j, "number");
}

void from_json(const json& j, LimitNotesRow& r) {
  read_dated(j, r);
  if (const json* codes = support::find(j, "codes")) r.codes = codes->get<std::map<std::string, std::string>>();
  if (const json* only = support::find(j, "kouki_only")) r.kouki_only = only->get<std::vector<std::string>>();
}

void from_json(const json& j, SpecialCareRow& r) {
  read_dated(j, r);
  r.classification = support::required_text(j, "classification");
  read(j, "window_ratio", r.window_ratio, 0, 10);
}

void from_json(const json& j, Rules& r) {
  read_table(j, "dx_addition", r.dx_addition);
  read_table(j, "rate_months", r.rate_months);
  read_table(j, "information_acquisition", r.information_acquisition);
  read_table(j, "old_card", r.old_card);
  read_table(j, "provisional_old_card", r.provisional_old_card);
  read_table(j, "unknown_claim", r.unknown_claim);
  read_table(j, "disaster_claim", r.disaster_claim);
  read_table(j, "limit_special_notes", r.limit_special_notes);
  read_table(j, "special_care_expense", r.special_care_expense);
}

Result<Rules> parse_rules(std::string_view text) {
  return support::read_document<Rules>(text, kSchema, 4 * support::kMaxDocumentBytes);
}

Result<const Rules*> rules() {
  static const Result<Rules> parsed = parse_rules(embedded_rules_json());
  if (!parsed) return parsed.error();
  return &*parsed;
}

Error no_rule_known(std::string_view table, Date day, Date first, Date last) {
  return make_error(ONSHI_E_NOT_SUPPORTED, "claims",
                    "no rule known for " + std::string(table) + " on " + iso_date(day) + ": the SDK's rules table covers " +
                        iso_date(first) + " to " + iso_date(last),
                    "a newer claims plugin carries the newer rules (core/rules/claims-rules.json); until then check this "
                    "date against the current 告示/通知 by hand");
}

}  // namespace onshi::claims
