#include <onshi/claims/json.hpp>

#include <array>
#include <stdexcept>
#include <utility>

namespace onshi::claims {

using nlohmann::json;

namespace {

// A problem at a field; parents prepend their key as it propagates up.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class Fn>
void at_field(const char* key, Fn&& fn) {
  try {
    fn();
  } catch (const FieldError& e) {
    throw FieldError(std::string(key) + "." + e.what());
  } catch (const json::exception&) {
    throw FieldError(std::string(key) + ": has the wrong type");
  }
}

[[noreturn]] void fail(const char* key, const std::string& problem) { throw FieldError(std::string(key) + ": " + problem); }

const json* find(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

void read(const json& j, const char* key, std::string& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_string()) fail(key, "expected a string");
    out = v->get<std::string>();
  }
}

void read(const json& j, const char* key, bool& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_boolean()) fail(key, "expected true or false");
    out = v->get<bool>();
  }
}

long read_integer(const json& v, const char* key, long min, long max) {
  if (!v.is_number_integer()) fail(key, "expected an integer");
  bool in_range = v.is_number_unsigned() ? v.get<unsigned long long>() <= static_cast<unsigned long long>(max)
                                         : v.get<long long>() >= min && v.get<long long>() <= max;
  if (!in_range) fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<long>(v.get<long long>());
}

template <class Int>
void read(const json& j, const char* key, Int& out, long min, long max) {
  if (const json* v = find(j, key)) out = static_cast<Int>(read_integer(*v, key, min, max));
}

template <class Int>
void read(const json& j, const char* key, std::optional<Int>& out, long min, long max) {
  if (const json* v = find(j, key)) out = static_cast<Int>(read_integer(*v, key, min, max));
}

void read(const json& j, const char* key, std::optional<Date>& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_string()) fail(key, "expected a date string YYYY-MM-DD");
    auto d = parse_date(v->get_ref<const std::string&>(), key);
    if (!d) fail(key, "'" + v->get<std::string>().substr(0, 32) + "' is not a date YYYY-MM-DD");
    out = *d;
  }
}

template <class T>
void read_object(const json& j, const char* key, std::optional<T>& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_object()) fail(key, "expected an object");
    at_field(key, [&] { out = v->get<T>(); });
  }
}

template <class E, size_t N>
void read_enum(const json& j, const char* key, E& out, const std::array<std::pair<const char*, E>, N>& names) {
  if (const json* v = find(j, key)) {
    std::string allowed;
    for (const auto& [name, value] : names) {
      if (v->is_string() && v->get_ref<const std::string&>() == name) {
        out = value;
        return;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    }
    fail(key, "expected one of " + allowed);
  }
}

template <class E, size_t N>
const char* enum_name(E value, const std::array<std::pair<const char*, E>, N>& names) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return names[0].first;
}

constexpr std::array<std::pair<const char*, VisitKind>, 2> kVisitKinds{
    {{"first_visit", VisitKind::first_visit}, {"revisit", VisitKind::revisit}}};
constexpr std::array<std::pair<const char*, CardCheck>, 5> kCardChecks{{{"not_done", CardCheck::not_done},
                                                                        {"valid", CardCheck::valid},
                                                                        {"lost", CardCheck::lost},
                                                                        {"no_data", CardCheck::no_data},
                                                                        {"failed", CardCheck::failed}}};
constexpr std::array<std::pair<const char*, Sex>, 3> kSexes{
    {{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}}};
constexpr std::array<std::pair<const char*, DeclaredInsurance>, 5> kDeclared{{{"shaho", DeclaredInsurance::shaho},
                                                                               {"kokuho", DeclaredInsurance::kokuho},
                                                                               {"kouki", DeclaredInsurance::kouki},
                                                                               {"other", DeclaredInsurance::other},
                                                                               {"unknown", DeclaredInsurance::unknown}}};
constexpr std::array<std::pair<const char*, PayerKind>, 5> kPayers{{{"shaho", PayerKind::shaho},
                                                                     {"kokuho", PayerKind::kokuho},
                                                                     {"kouki", PayerKind::kouki},
                                                                     {"medical_aid", PayerKind::medical_aid},
                                                                     {"unknown", PayerKind::unknown}}};
constexpr std::array<std::pair<const char*, AgeBand>, 4> kBands{{{"preschool", AgeBand::preschool},
                                                                  {"working_age", AgeBand::working_age},
                                                                  {"elderly_70_74", AgeBand::elderly_70_74},
                                                                  {"kouki", AgeBand::kouki}}};

json optional_date(const std::optional<Date>& d) { return d ? json(iso_date(*d)) : json(nullptr); }

template <class T>
json optional_value(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

// ---- Input ------------------------------------------------------------------

void from_json(const json& j, Qualification& q) {
  read(j, "insurer_number", q.insurer_number);
  read(j, "symbol", q.symbol);
  read(j, "number", q.number);
  read(j, "branch", q.branch);
  if (const json* v = find(j, "insured_person")) {
    if (!v->is_boolean()) fail("insured_person", "expected true (本人) or false (家族)");
    q.insured_person = v->get<bool>();
  }
  read(j, "card_ratio", q.card_ratio, 0, 10);
  read(j, "classification", q.classification);
  read(j, "insurer_name", q.insurer_name);
  read(j, "public_expense_number", q.public_expense_number);
  read(j, "recipient_number", q.recipient_number);
}

void to_json(json& j, const Qualification& q) {
  j = json{{"insurer_number", q.insurer_number},
           {"symbol", q.symbol},
           {"number", q.number},
           {"branch", q.branch},
           {"insured_person", optional_value(q.insured_person)},
           {"card_ratio", optional_value(q.card_ratio)},
           {"classification", q.classification},
           {"insurer_name", q.insurer_name},
           {"public_expense_number", q.public_expense_number},
           {"recipient_number", q.recipient_number}};
}

// The nested parts are read through ADL too, so they live in the namespace itself.
void from_json(const json& j, Presented& p) {
  read(j, "my_number_card", p.my_number_card);
  read_enum(j, "card_check", p.card_check, kCardChecks);
  read(j, "mynaportal", p.mynaportal);
  read(j, "qualification_notice", p.qualification_notice);
  read(j, "eligibility_certificate", p.eligibility_certificate);
  read(j, "old_insurance_card", p.old_insurance_card);
  read(j, "old_card_expiry", p.old_card_expiry);
}

void from_json(const json& j, Patient& p) {
  read(j, "name", p.name);
  read(j, "name_kana", p.name_kana);
  read(j, "birth_date", p.birth_date);
  read_enum(j, "sex", p.sex, kSexes);
  read(j, "address", p.address);
  read(j, "chart_number", p.chart_number);
  read(j, "phone", p.phone);
}

void from_json(const json& j, StatementAnswers& s) {
  read(j, "has_valid_insurance", s.has_valid_insurance);
  read_enum(j, "insurance", s.insurance, kDeclared);
  read(j, "insurer_name", s.insurer_name);
  read(j, "employer", s.employer);
  read(j, "declared_ratio", s.declared_ratio, 1, 3);
  read(j, "name_kana", s.name_kana);
  read(j, "address", s.address);
  read(j, "other_residence", s.other_residence);
  read(j, "phone", s.phone);
  read(j, "signed_on", s.signed_on);
  read(j, "contacted_on", s.contacted_on);
}

void from_json(const json& j, Billing& b) {
  read(j, "receipt_number", b.receipt_number, 1, 999999);
  read(j, "actual_days", b.actual_days, 0, 31);
  read(j, "total_points", b.total_points, 0, 99999999);
  read(j, "copay_yen", b.copay_yen, 0, 999999999);
}

void from_json(const json& j, Clinic& c) {
  read(j, "prefecture", c.prefecture);
  read(j, "code", c.code);
  read(j, "name", c.name);
  read(j, "phone", c.phone);
}

void from_json(const json& j, ClaimInput& in) {
  std::optional<Date> visit_date;
  read(j, "visit_date", visit_date);
  if (!visit_date) fail("visit_date", "is required");
  in.visit_date = *visit_date;
  read_enum(j, "visit", in.visit, kVisitKinds);
  std::optional<Presented> presented;
  read_object(j, "presented", presented);
  in.presented = presented.value_or(Presented{});
  std::optional<Patient> patient;
  read_object(j, "patient", patient);
  if (!patient) fail("patient", "is required");
  in.patient = *patient;
  read_object(j, "online", in.online);
  read_object(j, "shown", in.shown);
  read_object(j, "asked", in.asked);
  read_object(j, "previous", in.previous);
  read_object(j, "statement", in.statement);
  std::optional<Billing> billing;
  read_object(j, "billing", billing);
  in.billing = billing.value_or(Billing{});
  read_object(j, "clinic", in.clinic);
  read(j, "unknown_insurer_77777779", in.unknown_insurer_77777779);
}

void to_json(json& j, const ClaimInput& in) {
  const Presented& p = in.presented;
  const Patient& pt = in.patient;
  j = json{{"schema", kInputSchema},
           {"visit_date", iso_date(in.visit_date)},
           {"visit", enum_name(in.visit, kVisitKinds)},
           {"presented",
            {{"my_number_card", p.my_number_card},
             {"card_check", enum_name(p.card_check, kCardChecks)},
             {"mynaportal", p.mynaportal},
             {"qualification_notice", p.qualification_notice},
             {"eligibility_certificate", p.eligibility_certificate},
             {"old_insurance_card", p.old_insurance_card},
             {"old_card_expiry", optional_date(p.old_card_expiry)}}},
           {"patient",
            {{"name", pt.name},
             {"name_kana", pt.name_kana},
             {"birth_date", optional_date(pt.birth_date)},
             {"sex", enum_name(pt.sex, kSexes)},
             {"address", pt.address},
             {"chart_number", pt.chart_number},
             {"phone", pt.phone}}},
           {"billing",
            {{"receipt_number", in.billing.receipt_number},
             {"actual_days", in.billing.actual_days},
             {"total_points", in.billing.total_points},
             {"copay_yen", optional_value(in.billing.copay_yen)}}},
           {"unknown_insurer_77777779", in.unknown_insurer_77777779}};
  for (auto [key, q] : {std::pair{"online", &in.online}, std::pair{"shown", &in.shown},
                        std::pair{"asked", &in.asked}, std::pair{"previous", &in.previous}})
    if (*q) j[key] = **q;
  if (in.statement) {
    const StatementAnswers& s = *in.statement;
    j["statement"] = {{"has_valid_insurance", s.has_valid_insurance},
                      {"insurance", enum_name(s.insurance, kDeclared)},
                      {"insurer_name", s.insurer_name},
                      {"employer", s.employer},
                      {"declared_ratio", optional_value(s.declared_ratio)},
                      {"name_kana", s.name_kana},
                      {"address", s.address},
                      {"other_residence", s.other_residence},
                      {"phone", s.phone},
                      {"signed_on", optional_date(s.signed_on)},
                      {"contacted_on", optional_date(s.contacted_on)}};
  }
  if (in.clinic)
    j["clinic"] = {{"prefecture", in.clinic->prefecture},
                   {"code", in.clinic->code},
                   {"name", in.clinic->name},
                   {"phone", in.clinic->phone}};
}

Result<ClaimInput> parse_claim_input(std::string_view text) {
  auto invalid = [](std::string message, std::string hint) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims", "claim input document: " + std::move(message), std::move(hint));
  };
  if (text.size() > kMaxDocumentBytes)
    return invalid(std::to_string(text.size()) + " bytes is larger than the 1 MiB limit",
                   "send one visit per document");
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return invalid("not valid JSON (or not UTF-8)", "send a UTF-8 JSON object with \"schema\": \"onshi.claims.input/1\"");
  if (!j.is_object()) return invalid("the top level is not a JSON object", "send a JSON object");
  const json* schema = find(j, "schema");
  if (!schema || !schema->is_string() || schema->get_ref<const std::string&>() != kInputSchema)
    return invalid("\"schema\" must be \"onshi.claims.input/1\"",
                   "set \"schema\": \"onshi.claims.input/1\" (a newer schema needs a newer plugin)");
  try {
    return j.get<ClaimInput>();
  } catch (const FieldError& e) {
    return invalid(std::string("field ") + e.what(), "correct that field; docs/decisions/claims.md lists them all");
  } catch (const std::exception& e) {
    return invalid(e.what(), "correct the document; docs/decisions/claims.md lists its fields");
  }
}

// ---- Result -----------------------------------------------------------------

void to_json(json& j, const ClaimResult& r) {
  json warnings = json::array();
  for (const Warning& w : r.warnings) warnings.push_back({{"code", w.code}, {"rule", w.rule}, {"message", w.message}});
  json records = json::array();
  for (const Record& rec : r.records) {
    json fields = json::array();
    for (const Field& f : rec.fields) fields.push_back({{"name", f.name}, {"value", f.value}});
    records.push_back({{"id", rec.id}, {"fields", fields}});
  }
  j = json{{"schema", kResultSchema},
           {"method",
            {{"id", method_id(r.method.method)},
             {"provisional", r.method.provisional},
             {"staff_checks", r.method.staff_checks}}},
           {"route",
            {{"id", route_id(r.route.route)},
             {"reason", r.route.reason},
             {"payer", enum_name(r.route.payer, kPayers)},
             {"qualification", r.route.qualification ? json(*r.route.qualification) : json(nullptr)}}},
           {"copay",
            {{"ratio", r.copay.ratio},
             {"rule", rule_name(r.copay.rule)},
             {"band", enum_name(r.copay.band, kBands)},
             {"reason", r.copay.reason}}},
           {"warnings", warnings},
           {"payer_office", r.payer_office},
           {"records", records},
           {"uke_text", r.uke_text},
           {"uke_sjis_base64", base64(r.uke_sjis)}};
  if (!r.receipt_file.empty()) j["receipt_file_base64"] = base64(r.receipt_file);
}

std::string claim_result_document(const ClaimResult& result) { return json(result).dump(2); }

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace onshi::claims
