#include "documents.hpp"

#include <onshi/claims/json.hpp>
#include <onshi/claims/numbers.hpp>
#include <onshi/claims/statement_form.hpp>
#include <onshi/claims/usage.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <type_traits>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace onshi::claims {
// The parts of onshi.claims.input/1, defined in the core's json.cpp but not declared in
// json.hpp. The prefill document reuses them, so a patient reads the same in both documents.
void from_json(const nlohmann::json& j, Patient& p);
void from_json(const nlohmann::json& j, StatementAnswers& s);
}  // namespace onshi::claims

namespace onshi::claims::plugin {
namespace {

using nlohmann::json;

// A field that cannot be read; the message starts with its path.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class E, size_t N>
using Names = std::array<std::pair<const char*, E>, N>;

// One JSON object of a request, read field by field. Absent and null fields are the same.
class Fields {
 public:
  Fields(const json& object, std::string path) : j_(object), path_(std::move(path)) {}

  std::string path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  [[noreturn]] void bad(const char* key, const std::string& problem) const {
    throw BadField(path(key) + ": " + problem);
  }

  const json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  std::optional<std::string> text(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) bad(key, "expected a string");
    return v->get<std::string>();
  }
  std::string required_text(const char* key) const {
    if (auto v = text(key)) return *v;
    bad(key, "is required");
  }

  bool boolean(const char* key, bool fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) bad(key, "expected true or false");
    return v->get<bool>();
  }
  bool required_boolean(const char* key) const {
    if (!find(key)) bad(key, "is required (true or false)");
    return boolean(key, false);
  }

  std::optional<int> integer(const char* key, int min, int max) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max)
      bad(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return v->get<int>();
  }

  std::optional<Date> date(const char* key) const {
    auto v = text(key);
    if (!v) return std::nullopt;
    auto d = parse_date(*v, key);
    if (!d) bad(key, "'" + v->substr(0, 32) + "' is not a date YYYY-MM-DD");
    return *d;
  }
  Date required_date(const char* key) const {
    if (auto d = date(key)) return *d;
    bad(key, "is required (YYYY-MM-DD)");
  }

  template <class E, size_t N>
  E choice(const char* key, const Names<E, N>& names, E fallback) const {
    auto v = text(key);
    if (!v) return fallback;
    std::string allowed;
    for (const auto& [name, value] : names) {
      if (*v == name) return value;
      allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    }
    bad(key, "'" + v->substr(0, 32) + "' is not one of " + allowed);
  }

  const json& array(const char* key) const {
    const json* v = find(key);
    if (!v) bad(key, "is required (a list)");
    if (!v->is_array()) bad(key, "expected a list");
    return *v;
  }

  // A part of onshi.claims.input/1, read by the core's own reader.
  template <class T>
  std::optional<T> part(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_object()) bad(key, "expected an object");
    try {
      return v->get<T>();
    } catch (const json::exception&) {
      bad(key, "has the wrong type");
    } catch (const std::exception& e) {  // the core's error: "<field>: <problem>"
      throw BadField(path(key) + "." + e.what());
    }
  }

 private:
  const json& j_;
  std::string path_;
};

// Reads a request: size, JSON, schema, then `read` over its fields (which throws BadField).
template <class Read>
Result<std::invoke_result_t<Read, const Fields&>> read_request(std::string_view text, const char* schema, Read read) {
  auto invalid = [schema](const std::string& problem, std::string hint) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims", std::string(schema) + " document: " + problem,
                      std::move(hint));
  };
  if (text.size() > kMaxDocumentBytes)
    return invalid(std::to_string(text.size()) + " bytes is larger than the 1 MiB limit", "send a smaller document");
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return invalid("not valid JSON (or not UTF-8)",
                   std::string("send a UTF-8 JSON object with \"schema\": \"") + schema + "\"");
  if (!j.is_object()) return invalid("the top level is not a JSON object", "send a JSON object");
  auto declared = j.find("schema");
  if (declared == j.end() || !declared->is_string() || declared->get_ref<const std::string&>() != schema)
    return invalid(std::string("field schema: must be \"") + schema + "\"",
                   std::string("set \"schema\": \"") + schema + "\" (a newer schema needs a newer plugin)");
  try {
    return read(Fields(j, ""));
  } catch (const BadField& e) {
    return invalid(std::string("field ") + e.what(),
                   "correct that field; docs/decisions/claims.md (Plugin documents) lists them all");
  }
}

json warnings_json(const std::vector<Warning>& warnings) {
  json out = json::array();
  for (const Warning& w : warnings) out.push_back({{"code", w.code}, {"rule", w.rule}, {"message", w.message}});
  return out;
}

constexpr Names<PayerKind, 5> kPayers{{{"shaho", PayerKind::shaho},
                                       {"kokuho", PayerKind::kokuho},
                                       {"kouki", PayerKind::kouki},
                                       {"medical_aid", PayerKind::medical_aid},
                                       {"unknown", PayerKind::unknown}}};

template <class E, size_t N>
const char* name_of(E value, const Names<E, N>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return names[0].first;
}

enum class NumberKind { insurer, public_expense, recipient };
constexpr Names<NumberKind, 3> kNumberKinds{{{"insurer", NumberKind::insurer},
                                             {"public-expense", NumberKind::public_expense},
                                             {"recipient", NumberKind::recipient}}};

// What a valid number tells (houbetsu, prefecture, payer, warnings), or why it is not valid.
Result<json> learn_from_number(NumberKind kind, const std::string& number) {
  switch (kind) {
    case NumberKind::insurer: {
      auto n = parse_insurer_number(number);
      if (!n) return n.error();
      return json{{"label", "保険者番号"},
                  {"houbetsu", n->houbetsu.empty() ? json(nullptr) : json(n->houbetsu)},
                  {"prefecture", n->prefecture},
                  {"payer", name_of(n->kind, kPayers)},
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
                  {"payer", n->houbetsu == "12" ? json(name_of(PayerKind::medical_aid, kPayers)) : json(nullptr)},
                  {"warnings", warnings_json(n->warnings)}};
    }
    case NumberKind::recipient:
      if (auto r = check_recipient_number(number); !r) return r.error();
      return json{{"label", "受給者番号"}, {"warnings", json::array()}};
  }
  return make_error(ONSHI_E_INTERNAL, "claims", "unknown number kind");
}

constexpr Names<Facility, 3> kFacilities{
    {{"medical", Facility::medical}, {"dental", Facility::dental}, {"pharmacy", Facility::pharmacy}}};

}  // namespace

Result<std::string> decide(std::string_view input) {
  auto in = parse_claim_input(input);
  if (!in) return in.error();
  auto result = decide_claim(*in);
  if (!result) return result.error();
  return claim_result_document(*result);
}

Result<std::string> copay(std::string_view request) {
  auto in = read_request(request, kCopayRequestSchema, [](const Fields& f) {
    CopayInput c;
    c.birth_date = f.required_date("birth_date");
    c.on = f.required_date("on");
    if (c.on < c.birth_date) f.bad("on", "is before birth_date");
    c.payer = f.choice("payer", kPayers, PayerKind::shaho);
    c.card_ratio = f.integer("card_ratio", 0, 10);
    c.statement = f.boolean("statement", false);
    c.declared_ratio = f.integer("declared_ratio", 1, 3);
    c.no_proof = f.boolean("no_proof", false);
    return c;
  });
  if (!in) return in.error();
  auto decision = decide_copay(*in);
  if (!decision) return decision.error();
  // The "copay" object of onshi.claims.result/1, so both documents describe a ratio alike.
  ClaimResult shape;
  shape.copay = *decision;
  json doc = json(shape)["copay"];
  doc["schema"] = kCopaySchema;
  doc["warnings"] = warnings_json(decision->warnings);
  doc["boundaries"] = {{"preschool_last_day", iso_date(preschool_last_day(in->birth_date))},
                       {"elderly_first_day", iso_date(elderly_first_day(in->birth_date))},
                       {"kouki_first_day", iso_date(kouki_first_day(in->birth_date))}};
  return doc.dump(2);
}

Result<std::string> check_number(std::string_view request) {
  auto in = read_request(request, kNumberRequestSchema, [](const Fields& f) {
    return std::pair{f.choice("kind", kNumberKinds, NumberKind::insurer), f.required_text("number")};
  });
  if (!in) return in.error();
  const auto& [kind, number] = *in;
  // 12 digits is the shape of an individual number (マイナンバー), never of an insurer,
  // 公費 or recipient number: refuse it without echoing it anywhere.
  if (number.size() == 12 && number.find_first_not_of("0123456789") == std::string::npos)
    return json{{"schema", kNumberCheckSchema},
                {"kind", name_of(kind, kNumberKinds)},
                {"valid", false},
                {"message", "a 12-digit number has the shape of an individual number (マイナンバー); "
                            "it was not checked, kept or shown"},
                {"hint", "type the number printed on the insurance card or certificate, not the My Number"}}
        .dump(2);
  json doc = {{"schema", kNumberCheckSchema}, {"kind", name_of(kind, kNumberKinds)}, {"number", number}};
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
  auto in = read_request(prefill, kStatementPrefillSchema, [](const Fields& f) {
    StatementPrefill p;
    auto patient = f.part<Patient>("patient");
    if (!patient) f.bad("patient", "is required");
    p.patient = *patient;
    p.answers = f.part<StatementAnswers>("statement");
    p.today = f.date("today");
    p.clinic_name = f.text("clinic_name").value_or("");
    return p;
  });
  if (!in) return in.error();
  return render_statement_form(*in);
}

Result<std::string> usage_rate(std::string_view request) {
  struct Request {
    std::string month;
    Date first_day;
    Facility facility;
    std::vector<Verification> verifications;
  };
  auto in = read_request(request, kUsageRequestSchema, [](const Fields& f) {
    Request r;
    r.month = f.required_text("month");
    auto first = parse_date(r.month + "-01", "month");
    if (r.month.size() != 7 || !first) f.bad("month", "'" + r.month.substr(0, 32) + "' is not a month YYYY-MM");
    r.first_day = *first;
    r.facility = f.choice("facility", kFacilities, Facility::medical);
    const json& list = f.array("verifications");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = f.path("verifications") + "[" + std::to_string(i) + "]";
      if (!list[i].is_object()) throw BadField(path + ": expected an object {\"date\", \"my_number_card\"}");
      Fields v(list[i], path);
      r.verifications.push_back({v.required_date("date"), v.required_boolean("my_number_card")});
    }
    return r;
  });
  if (!in) return in.error();
  auto usage = claims::usage_rate(in->verifications, int(in->first_day.year()), unsigned(in->first_day.month()));
  if (!usage) return usage.error();
  auto tier = dx_tier(*usage, in->first_day, in->facility);
  if (!tier) return tier.error();
  json doc = {{"schema", kUsageSchema},
              {"month", in->month},
              {"facility", name_of(in->facility, kFacilities)},
              {"card_count", usage->card_count},
              {"total_count", usage->total_count},
              {"rate", usage->rate()},
              {"tier", tier->tier},
              {"points", tier->points},
              {"threshold_percent", tier->threshold_percent}};
  return doc.dump(2);
}

}  // namespace onshi::claims::plugin
