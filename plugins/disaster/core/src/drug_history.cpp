#include <onshi/disaster/drug_history.hpp>

#include <algorithm>
#include <map>

namespace onshi::disaster {
namespace {

// Fill what `into` lacks from `from`; never overwrite what a source said.
void complete(DrugRecord& into, const DrugRecord& from) {
  auto fill = [](std::string& a, const std::string& b) {
    if (a.empty()) a = b;
  };
  if (into.code.empty()) into.code = from.code, into.code_kind = from.code_kind;
  fill(into.ingredient, from.ingredient);
  fill(into.strength, from.strength);
  fill(into.dose, from.dose);
  fill(into.usage, from.usage);
  if (!into.days) into.days = from.days;
  fill(into.quantity, from.quantity);
  fill(into.prescriber, from.prescriber);
  fill(into.pharmacy, from.pharmacy);
}

std::string date_key(const DrugRecord& r) { return r.dispensed_on ? iso_date(*r.dispensed_on) : "undated"; }

// The kind of a drug code as the national system sends it: 9-digit レセ電 codes
// start with 6, YJ codes have 12 characters, HOT codes 9 or 13 digits.
DrugCodeKind code_kind_of(const std::string& code) {
  bool digits = !code.empty() && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (code.size() == 12) return DrugCodeKind::yj;
  if (digits && code.size() == 9) return code[0] == '6' ? DrugCodeKind::receipt : DrugCodeKind::hot;
  if (digits && code.size() == 13) return DrugCodeKind::hot;
  return DrugCodeKind::none;
}

// One dispensing of the national answer (values exactly as sent).
Result<DrugRecord> national_record(const oqs::DrugDispensing& d, std::size_t index) {
  const std::string where = "drug information entry " + std::to_string(index + 1);
  DrugRecord r;
  r.source = DrugSource::national_system;
  const std::string date = d.date ? *d.date : d.prescribed_on.value_or("");
  if (!date.empty()) {
    auto day = parse_date(date, where + " date");
    if (!day) return std::move(day).error();
    r.dispensed_on = *day;
  }
  r.drug_name = d.drug_name.value_or("");
  r.code = d.drug_code.value_or("");
  r.code_kind = code_kind_of(r.code);
  r.ingredient = d.ingredient.value_or("");
  r.dose = d.quantity.value_or("") + d.unit.value_or("");  // Qua1 + Unit: the amount per dose
  r.usage = d.usage.value_or("");
  if (const std::string days = d.days.value_or(""); !days.empty()) {
    if (days.size() > 4 || !std::all_of(days.begin(), days.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return make_error(ONSHI_E_PROTOCOL, "disaster", where + ": days must be a whole number, not '" + days + "'",
                        "keep the answer file and report it; the look-up can be repeated");
    r.days = std::stoi(days);
  }
  r.prescriber = d.prescriber_name ? *d.prescriber_name : d.prescriber_code.value_or("");
  r.pharmacy = d.pharmacy_name ? *d.pharmacy_name : d.pharmacy_code.value_or("");
  return r;
}

}  // namespace

Result<std::vector<DrugRecord>> national_drugs(const oqs::DrugHistory& history) {
  std::vector<DrugRecord> out;
  for (std::size_t i = 0; i < history.dispensings.size(); ++i) {
    auto r = national_record(history.dispensings[i], i);
    if (!r) return std::move(r).error();
    out.push_back(std::move(r).value());
  }
  return out;
}

DrugHistoryView merge_history(const NameMatcher& matcher, const std::vector<DrugRecord>& records) {
  DrugHistoryView view;
  // Two indexes into view.lines: by date + code, and by date + folded name.
  std::map<std::string, size_t> by_code, by_name;
  for (const auto& r : records) {
    std::string name_key = date_key(r) + "|" + matcher.text_key(r.drug_name);
    std::string code_key = r.code.empty() ? std::string{}
                                          : date_key(r) + "|" + code_kind_name(r.code_kind) + ":" + r.code;
    auto found = code_key.empty() ? by_code.end() : by_code.find(code_key);
    if (found == by_code.end()) found = by_name.find(name_key);
    if (found == by_name.end()) {
      view.lines.push_back({r, {r.source}});
      size_t at = view.lines.size() - 1;
      by_name.emplace(name_key, at);
      if (!code_key.empty()) by_code.emplace(code_key, at);
      continue;
    }
    DrugLine& line = view.lines[found->second];
    complete(line.record, r);
    if (std::find(line.sources.begin(), line.sources.end(), r.source) == line.sources.end())
      line.sources.push_back(r.source);
    by_name.emplace(name_key, found->second);
    if (!code_key.empty()) by_code.emplace(code_key, found->second);
  }
  std::stable_sort(view.lines.begin(), view.lines.end(), [](const DrugLine& a, const DrugLine& b) {
    const auto &x = a.record.dispensed_on, &y = b.record.dispensed_on;
    if (x && y && *x != *y) return *x > *y;
    if (x.has_value() != y.has_value()) return x.has_value();
    return a.record.drug_name < b.record.drug_name;
  });
  return view;
}

}  // namespace onshi::disaster
