#include "documents.hpp"

#include <onshi/support/base64.hpp>
#include <onshi/text/encoding.hpp>
#include <onshi/claims/json.hpp>
#include <onshi/claims/merge.hpp>
#include <onshi/claims/numbers.hpp>
#include <onshi/claims/statement_form.hpp>
#include <onshi/claims/usage.hpp>

#include <string>
#include <utility>
#include <vector>

// The requests that are core types are read where nlohmann looks for their readers: in the
// types' own namespace.
namespace onshi::claims {

void from_json(const json& j, CopayInput& c) {
  c.birth_date = required<Date>(j, "birth_date");
  c.on = required<Date>(j, "on");
  if (c.on < c.birth_date) support::fail("on", "is before birth_date");
  support::read(j, "payer", c.payer, kPayers);
  support::read(j, "card_ratio", c.card_ratio, 0, 10);
  support::read(j, "statement", c.statement);
  support::read(j, "declared_ratio", c.declared_ratio, 1, 3);
  support::read(j, "no_proof", c.no_proof);
}

// The patient and the answers read as in onshi.claims.input/1.
void from_json(const json& j, StatementPrefill& p) {
  if (!support::find(j, "patient")) support::fail("patient", "is required");
  support::read_object(j, "patient", p.patient);
  support::read_object(j, "statement", p.answers);
  support::read(j, "today", p.today);
  support::read(j, "clinic_name", p.clinic_name);
}

void from_json(const json& j, Verification& v) {
  // An entry that is not an object throws nlohmann's type error here, which read_array reports
  // as "verifications[i]: has the wrong type" (rather than "verifications[i].date: is required").
  (void)j.get_ref<const json::object_t&>();
  v.date = required<Date>(j, "date");
  v.my_number_card = required<bool>(j, "my_number_card");
}

}  // namespace onshi::claims

namespace onshi::claims::plugin {
namespace {

using support::fail;
using support::read;

enum class NumberKind { insurer, public_expense, recipient };
constexpr support::EnumNames<NumberKind, 3> kNumberKinds{{{"insurer", NumberKind::insurer},
                                                          {"public-expense", NumberKind::public_expense},
                                                          {"recipient", NumberKind::recipient}}};

struct NumberRequest {
  NumberKind kind = NumberKind::insurer;
  std::string number;
};

void from_json(const json& j, NumberRequest& r) {
  read(j, "kind", r.kind, kNumberKinds);
  r.number = support::required_text(j, "number");
}

// What a valid number tells (houbetsu, prefecture, payer, warnings), or why it is not valid.
Result<json> learn_from_number(NumberKind kind, const std::string& number) {
  switch (kind) {
    case NumberKind::insurer: {
      // The fill numbers are no insurer, but an EMR must be able to store the ones it bills.
      if (auto rule = fill_number_rule(number))
        return json{{"label", "保険者番号"},
                    {"houbetsu", number.substr(0, 2)},
                    {"payer", kPayers.name(PayerKind::unknown)},
                    {"fill", true},
                    {"padded", number},
                    {"warnings", json::array({{{"code", "fill_number"},
                                               {"rule", rule->substr(rule->find('(') + 1, rule->size() - rule->find('(') - 2)},
                                               {"message", number + " is the " + *rule +
                                                               " fill: no insurer has it; bill it only on such a claim"}}})}};
      auto n = parse_insurer_number(number);
      if (!n) return n.error();
      return json{{"label", "保険者番号"},
                  {"houbetsu", n->houbetsu.empty() ? json(nullptr) : json(n->houbetsu)},
                  {"prefecture", n->prefecture},
                  {"payer", kPayers.name(n->kind)},
                  {"padded", n->padded()},
                  {"warnings", json::array()}};
    }
    case NumberKind::public_expense: {
      auto n = parse_public_expense_number(number);
      if (!n) return n.error();
      // 法別 12 (生活保護) is the only 公費 that is the payer by itself (医療扶助).
      return json{{"label", "公費負担者番号"},
                  {"houbetsu", n->houbetsu},
                  {"prefecture", n->digits.substr(2, 2)},
                  {"payer", n->houbetsu == "12" ? json(kPayers.name(PayerKind::medical_aid)) : json(nullptr)},
                  {"warnings", n->warnings}};
    }
    case NumberKind::recipient:
      if (auto r = check_recipient_number(number); !r) return r.error();
      return json{{"label", "受給者番号"}, {"warnings", json::array()}};
  }
  return make_error(ONSHI_E_INTERNAL, "claims", "unknown number kind");
}

constexpr support::EnumNames<Facility, 3> kFacilities{
    {{"medical", Facility::medical}, {"dental", Facility::dental}, {"pharmacy", Facility::pharmacy}}};

struct UsageRequest {
  std::string month;  // YYYY-MM
  Date first_day{};
  Facility facility = Facility::medical;
  bool pediatric_exception = false;  // 小児科特例 (小児科外来診療料, 6歳未満 ≥ 30 % in 2024)
  std::vector<Verification> verifications;
};

void from_json(const json& j, UsageRequest& r) {
  r.month = support::required_text(j, "month");
  auto first = parse_date(r.month + "-01", "month");
  if (r.month.size() != 7 || !first) fail("month", "'" + r.month.substr(0, 32) + "' is not a month YYYY-MM");
  r.first_day = *first;
  read(j, "facility", r.facility, kFacilities);
  read(j, "pediatric_exception", r.pediatric_exception);
  if (!support::find(j, "verifications")) fail("verifications", "is required (a list)");
  support::read_array(j, "verifications", r.verifications);
}

constexpr support::EnumNames<DxRow::Kind, 3> kDxKinds{{{"flat", DxRow::Kind::flat},
                                                        {"tiers_by_rate", DxRow::Kind::tiers_by_rate},
                                                        {"rate_minimum", DxRow::Kind::rate_minimum}}};

json error_json(const Error& e) { return {{"message", e.message}, {"hint", e.hint}}; }

std::string month_of(Date d) { return iso_date(d).substr(0, 7); }

// A row of the dated 加算 table as the usage document shows it: the rule, its period, its source.
json dx_rule_json(const DxRow& r) {
  json j = {{"name", r.name},           {"kind", kDxKinds.name(r.kind)}, {"from", iso_date(r.from)},
            {"to", iso_date(r.to)},     {"source", r.source},            {"verified", r.verified}};
  if (!r.thresholds.empty()) j["thresholds"] = r.thresholds;
  if (!r.pediatric_thresholds.empty()) j["pediatric_thresholds"] = r.pediatric_thresholds;
  if (r.kind == DxRow::Kind::rate_minimum) j["minimum"] = r.minimum, j["tier_rule"] = r.tier_rule;
  if (!r.replaces.empty()) j["replaces"] = r.replaces;
  return j;
}

// What the rate decides for one 算定月.
json decision_json(const UsageRequest& in, const UsageRate& usage, const RateUse& use) {
  json j = {{"billing_month", month_of(use.billing_month)},
            {"offset", use.offset},
            {"principal", use.principal},
            {"basis", use.row->basis},
            {"rate_months_source", use.row->source}};
  auto tier = dx_tier(usage, use.billing_month, in.facility, in.pediatric_exception);
  if (!tier) {
    j["error"] = error_json(tier.error());
    return j;
  }
  j.update(dx_rule_json(*tier->row));
  j.update({{"tier", tier->tier},
            {"rate_met", tier->rate_met},
            {"threshold_percent", tier->threshold_percent},
            {"pediatric", tier->pediatric},
            {"points", tier->points}});
  if (tier->row->kind == DxRow::Kind::tiers_by_rate && tier->tier > 0) {
    j["kasan"] = "加算" + std::to_string(tier->tier);
    if (tier->points_without_eprescription) {  // 加算4–6: the same rate, no 電子処方箋 体制
      j["kasan_without_eprescription"] = "加算" + std::to_string(tier->tier + 3);
      j["points_without_eprescription"] = *tier->points_without_eprescription;
    }
  }
  return j;
}

// A RECEIPTC.UKE of a month is a few MB; base64 adds a third.
constexpr size_t kMaxMergeBytes = 32u << 20;

struct MergeRequest {
  std::string receipt_file;
  std::vector<MergeClaim> claims;
};

void from_json(const json& j, MergeRequest& r) {
  auto bytes = support::base64_decode(support::required_text(j, "receipt_file_base64"));
  if (!bytes) fail("receipt_file_base64", "is not base64");
  r.receipt_file = std::move(*bytes);
  const json* claims = support::find(j, "claims");
  if (!claims || !claims->is_array() || claims->empty()) fail("claims", "must be a non-empty array of onshi.claims.input/1");
  for (size_t i = 0; i < claims->size(); ++i)
    support::within("claims[" + std::to_string(i) + "]", [&] {
      const json& one = (*claims)[i];
      MergeClaim c;
      c.input = one.get<ClaimInput>();
      c.label = one.value("label", "claims[" + std::to_string(i) + "]");
      r.claims.push_back(std::move(c));
    });
}

}  // namespace

Result<std::string> decide(std::string_view input) {
  auto in = parse_claim_input(input);
  if (!in) return in.error();
  auto result = decide_claim(*in);
  if (!result) return result.error();
  return claim_result_document(*result);
}

Result<std::string> copay(std::string_view request) {
  auto in = support::read_document<CopayInput>(request, ONSHI_SCHEMA_CLAIMS_COPAY_REQUEST);
  if (!in) return in.error();
  auto decision = decide_copay(*in);
  if (!decision) return decision.error();
  // The "copay" object of onshi.claims.result/1, so both documents describe a ratio alike.
  ClaimResult shape;
  shape.copay = *decision;
  json doc = json(shape)["copay"];
  doc["schema"] = ONSHI_SCHEMA_CLAIMS_COPAY;
  doc["warnings"] = decision->warnings;
  doc["boundaries"] = {{"preschool_last_day", iso_date(preschool_last_day(in->birth_date))},
                       {"elderly_first_day", iso_date(elderly_first_day(in->birth_date))},
                       {"kouki_first_day", iso_date(kouki_first_day(in->birth_date))}};
  return doc.dump(2);
}

Result<std::string> check_number(std::string_view request) {
  auto in = support::read_document<NumberRequest>(request, ONSHI_SCHEMA_CLAIMS_NUMBER_REQUEST);
  if (!in) return in.error();
  const NumberKind kind = in->kind;
  // 12 digits, however typed, is the shape of an individual number (マイナンバー), never of an
  // insurer, 公費 or recipient number: refuse it without echoing it anywhere (R-NOMYNUM).
  if (text::looks_like_individual_number(in->number))
    return json{{"schema", ONSHI_SCHEMA_CLAIMS_NUMBER_CHECK},
                {"kind", kNumberKinds.name(kind)},
                {"valid", false},
                {"message", "a 12-digit number has the shape of an individual number (マイナンバー); "
                            "it was not checked, kept or shown"},
                {"hint", "type the number printed on the insurance card or certificate, not the My Number"}}
        .dump(2);
  const std::string number = text::fold_digits(in->number);  // full-width digits as an IME types them
  json doc = {{"schema", ONSHI_SCHEMA_CLAIMS_NUMBER_CHECK}, {"kind", kNumberKinds.name(kind)}, {"number", number}};
  auto learned = learn_from_number(kind, number);
  if (learned) {
    doc["valid"] = true;
    // A local 公費 number with an odd 検証番号 passes, but not silently.
    doc["message"] = learned->at("label").get<std::string>() + " " + number +
                     (learned->at("warnings").empty() ? " is valid" : " is accepted; check the warning");
    learned->erase("label");
    doc.update(*learned);
  } else {
    doc["valid"] = false;
    doc["message"] = learned.error().message;
    doc["hint"] = learned.error().hint;
  }
  return doc.dump(2);
}

Result<std::string> statement_form(std::string_view prefill) {
  auto in = support::read_document<StatementPrefill>(prefill, ONSHI_SCHEMA_CLAIMS_STATEMENT_PREFILL);
  if (!in) return in.error();
  return render_statement_form(*in);
}

Result<std::string> usage_rate(std::string_view request) {
  auto in = support::read_document<UsageRequest>(request, ONSHI_SCHEMA_CLAIMS_USAGE_REQUEST);
  if (!in) return in.error();
  auto usage = claims::usage_rate(in->verifications, int(in->first_day.year()), unsigned(in->first_day.month()));
  if (!usage) return usage.error();
  json doc = {{"schema", ONSHI_SCHEMA_CLAIMS_USAGE},
              {"month", in->month},
              {"facility", kFacilities.name(in->facility)},
              {"card_count", usage->card_count},
              {"total_count", usage->total_count},
              {"rate", usage->rate()},
              {"basis", "online_check_count"}};
  // The 加算 in force in the month itself (what the clinic bills this month, decided by earlier rates).
  json in_force = {{"month", in->month}};
  if (auto loaded = rules(); !loaded) {
    return loaded.error();
  } else if (auto row = claims::in_force((*loaded)->dx_addition, in->first_day, "the マイナ保険証利用率 加算 (R-RATE)")) {
    in_force.update(dx_rule_json(**row));
  } else {
    in_force["error"] = error_json(row.error());
  }
  doc["in_force"] = in_force;
  // The later 算定月 this month's rate decides (R-RATE: M+3, or M+4/M+5 instead).
  json decides = json::array();
  if (auto uses = months_decided_by(in->first_day)) {
    for (const RateUse& use : *uses) decides.push_back(decision_json(*in, *usage, use));
  } else {
    doc["decides_error"] = error_json(uses.error());
  }
  doc["decides"] = decides;
  return doc.dump(2);
}

Result<std::string> merge(std::string_view request) {
  auto in = support::read_document<MergeRequest>(request, ONSHI_SCHEMA_CLAIMS_MERGE_REQUEST, kMaxMergeBytes);
  if (!in) return in.error();
  auto merged = merge_claims(in->receipt_file, in->claims);
  if (!merged) return merged.error();
  json receipts = json::array(), skipped = json::array();
  for (const MergedReceipt& m : merged->merged) {
    json changes = json::array();
    for (const FieldChange& c : m.changes)
      changes.push_back({{"record", c.record}, {"field", c.field}, {"from", c.from}, {"to", c.to}});
    receipts.push_back({{"label", m.label}, {"chart_number", m.chart_number}, {"month", m.month}, {"route", m.route},
                        {"line", m.line}, {"changes", changes}, {"comments_added", m.comments_added}});
  }
  for (const SkippedClaim& s : merged->skipped)
    skipped.push_back({{"label", s.label}, {"chart_number", s.chart_number}, {"reason", s.reason}});
  return json{{"schema", ONSHI_SCHEMA_CLAIMS_MERGE},
              {"receipt_file_base64", support::base64_encode(merged->file)},
              {"merged", receipts},
              {"skipped", skipped},
              {"go", {{"count", merged->count}, {"points", merged->points}}},
              {"warnings", merged->warnings}}
      .dump(2);
}

}  // namespace onshi::claims::plugin
