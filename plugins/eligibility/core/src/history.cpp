#include <onshi/eligibility/history.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/support/document.hpp>

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

namespace onshi::eligibility {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr int64_t kJstOffsetMs = 9 * 3600 * 1000;

int64_t unix_ms(sys_days d) { return duration_cast<milliseconds>(d.time_since_epoch()).count(); }

// The fields a claim and the reception window need again later (R-FIELDS) and the consents.
constexpr const char* kKeptFields[] = {
    "insured_card_classification", "medical_assistance", "insurer_number", "insurer_name", "insured_card_symbol",
    "insured_identification_number", "insured_branch_number", "personal_family_classification", "name", "name_kana",
    "birthdate", "birthdate_unknown", "sex1", "qualification_date", "disqualification_date", "valid_from",
    "valid_until", "contribution_ratio", "preschool", "reason_of_loss", "elderly_contribution_ratio",
    "limit_classification_flag", "public_expense_number", "beneficiary_number", "welfare_office_name",
    "reference_number", "public_expenses", "pharmacists_info_consent", "pharmacists_info_available_until", "checkups_info_consent",
    "checkups_info_available_until"};

}  // namespace

int64_t retention_end_unix_ms(int64_t at_unix_ms) {
  const auto day = year_month_day(floor<days>(sys_time<milliseconds>(milliseconds(at_unix_ms + kJstOffsetMs))));
  const year_month second_next = year_month(day.year(), day.month()) + months(2);
  return unix_ms(sys_days(second_next / 1)) - kJstOffsetMs;
}

std::optional<int64_t> jst_day_start_unix_ms(std::string_view s) {
  if (s.size() != 8 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const year_month_day d{year(std::stoi(std::string(s.substr(0, 4)))), month(std::stoul(std::string(s.substr(4, 2)))),
                         day(std::stoul(std::string(s.substr(6, 2))))};
  if (!d.ok()) return std::nullopt;
  return unix_ms(sys_days(d)) - kJstOffsetMs;
}

std::string jst_timestamp(int64_t ms) {
  const auto t = sys_time<milliseconds>(milliseconds(ms + kJstOffsetMs));
  const auto d = floor<days>(t);
  const year_month_day ymd(d);
  const hh_mm_ss<milliseconds> hms(t - d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string name_key(std::string_view name) {
  // The same folding the disaster plugin's strict key starts with (spec disaster-mode §4.3), minus
  // its small-kana rule: a history look-up should not merge キャ and キヤ.
  static std::mutex mutex;  // a Transliterator is not safe for concurrent use
  static std::unique_ptr<icu::Transliterator> fold = [] {
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createFromRules(
        u"onshi-history-name", u":: NFKC; :: Hiragana-Katakana; [\\u0020\\u3000\\u30FB] > ;", UTRANS_FORWARD, pe, st));
    return U_SUCCESS(st) ? std::move(t) : nullptr;
  }();
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  // The rules' first step alone (NFKC, the same Normalizer2 the transliterator uses) leaves
  // nothing for the second to do when it holds no hiragana, as names in answers (kanji, katakana)
  // never do: then only the spaces are left to remove, without the transliterator, which cost
  // ~20,000 calls per 10,000-patient 一括照会 (two names per history entry).
  UErrorCode st = U_ZERO_ERROR;
  static const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(st);
  if (nfkc && U_SUCCESS(st)) {
    icu::UnicodeString n = nfkc->normalize(u, st);
    bool hiragana = false;
    for (int32_t i = 0; i < n.length() && !hiragana; i = n.moveIndex32(i, 1)) {
      const UChar32 c = n.char32At(i);
      hiragana = (c >= 0x3040 && c <= 0x309F) || c >= 0x1B000;  // the block, and the supplementary kana
    }
    if (U_SUCCESS(st) && !hiragana) {
      icu::UnicodeString folded;
      for (int32_t i = 0; i < n.length(); ++i)
        if (const UChar c = n.charAt(i); c != 0x0020 && c != 0x3000 && c != 0x30FB) folded.append(c);
      std::string out;
      folded.toUTF8String(out);
      return out;
    }
  }
  {
    std::lock_guard lock(mutex);
    if (fold) fold->transliterate(u);
  }
  std::string out;
  u.toUTF8String(out);
  return out;
}

json keepable_qualification(const Qualification& q) {
  json all = q;
  json kept = json::object();
  for (const char* k : kKeptFields)
    if (auto it = all.find(k); it != all.end()) kept[k] = std::move(*it);
  return kept;
}

json keepable_outcome(const Outcome& o) {
  json doc = outcome_document(o);
  if (!o.cache_allowed) {  // R-RES: never keep what the insurer withheld, nor the rest of that record
    doc["qualifications"] = json::array();
    doc.erase("arbitrary_file_identifier");
    return doc;
  }
  for (auto& q : doc["qualifications"]) {
    q.erase("address");
    q.erase("post_number");
  }
  return doc;
}

std::optional<json> history_entry(const Outcome& o, const HistoryContext& c) {
  if (o.kind == OutcomeKind::in_progress) return std::nullopt;
  json e = {{"schema", kHistoryEntrySchema},
            {"at_unix_ms", c.at_unix_ms},
            {"at", jst_timestamp(c.at_unix_ms)},
            {"how", c.how},
            {"kind", to_string(o.kind)},
            {"stage", to_string(o.stage)},
            {"code", o.code}};
  if (o.kind == OutcomeKind::failed) e["message"] = o.message;
  if (!o.note.empty()) e["note"] = o.note;
  if (!c.job.empty()) e["job"] = c.job;
  std::string reference = c.reference_number;
  json qualifications = json::array();
  if (o.cache_allowed) {
    for (const Qualification& q : o.qualifications) {
      qualifications.push_back(keepable_qualification(q));
      if (reference.empty() && q.reference_number) reference = *q.reference_number;
    }
  } else {
    e["withheld"] = true;  // the fact of the check only (docs/decisions/eligibility-bulk.md)
  }
  e["qualifications"] = std::move(qualifications);
  if (!c.patient_id.empty() || !reference.empty()) {
    json patient = json::object();
    if (!c.patient_id.empty()) patient["patient_id"] = c.patient_id;
    if (!reference.empty()) patient["reference_number"] = reference;
    e["patient"] = std::move(patient);
  }
  return e;
}

std::vector<std::string> history_tags(const json& entry) {
  std::vector<std::string> tags;
  auto add = [&](std::string tag) {
    for (const auto& t : tags)
      if (t == tag) return;
    tags.push_back(std::move(tag));
  };
  for (const auto& q : entry.value("qualifications", json::array()))
    for (const char* field : {"name", "name_kana"})
      if (q.contains(field) && q[field].is_string()) {
        const std::string key = name_key(q[field].get<std::string>());
        if (!key.empty()) add("name:" + key);
      }
  if (auto p = entry.find("patient"); p != entry.end()) {
    if (p->contains("reference_number")) add("ref:" + (*p)["reference_number"].get<std::string>());
    if (p->contains("patient_id")) add("patient:" + (*p)["patient_id"].get<std::string>());
  }
  return tags;
}

std::optional<StoreRecord> history_record(const Outcome& outcome, const HistoryContext& context) {
  auto entry = history_entry(outcome, context);
  if (!entry) return std::nullopt;
  // key empty: the store numbers entries in order of writing; R-RETAIN by the host clock.
  return StoreRecord{kHistoryCollection, "", context.at_unix_ms, retention_end_unix_ms(context.at_unix_ms),
                     history_tags(*entry), entry->dump()};
}

void from_json(const json& doc, Reference& r) {
  for (auto [key, field] : {std::pair{"reference_number", &r.reference_number},
                            {"patient_id", &r.patient_id},
                            {"insurer_number", &r.insurer_number},
                            {"symbol", &r.symbol},
                            {"number", &r.number},
                            {"branch", &r.branch},
                            {"birth_date", &r.birth_date}})
    support::read(doc, key, *field);
}

Result<void> save_references(RecordStore& store, const std::vector<Reference>& registered, int64_t now) {
  std::vector<StoreRecord> records;
  for (const Reference& r : registered) {
    json doc = {{"schema", kReferenceSchema},
                {"reference_number", r.reference_number},
                {"patient_id", r.patient_id},
                {"insurer_number", r.insurer_number},
                {"number", r.number},
                {"registered_unix_ms", now}};
    for (auto [k, v] : {std::pair{"symbol", &r.symbol}, {"branch", &r.branch}, {"birth_date", &r.birth_date}})
      if (!v->empty()) doc[k] = *v;
    // Kept until registered again: the 照会番号 is the clinic's own chart number (R-SHOUKAI).
    records.push_back(StoreRecord{kReferenceCollection, r.reference_number, now, 0, {"patient:" + r.patient_id}, doc.dump()});
  }
  if (records.empty()) return {};
  return store.put(records);
}

std::optional<Reference> find_reference(const RecordStore& store, const std::string& reference_number) {
  StoreQuery q;
  q.collection = kReferenceCollection;
  q.key = reference_number;
  auto found = store.query(q);
  if (!found || found->empty()) return std::nullopt;
  const json doc = json::parse(found->front().doc, nullptr, false);
  auto reference = support::from_document<Reference>(doc, kReferenceSchema);
  if (!reference) return std::nullopt;
  return std::move(reference).value();
}

json patient_of(const RecordStore& store, const Outcome& outcome, HistoryContext& context) {
  std::string ref = context.reference_number;
  for (const Qualification& q : outcome.qualifications)
    if (ref.empty() && q.reference_number && !q.reference_number->empty()) ref = *q.reference_number;
  if (ref.empty()) return nullptr;
  context.reference_number = ref;
  if (context.patient_id.empty())
    if (auto registered = find_reference(store, ref)) context.patient_id = registered->patient_id;
  json patient = {{"reference_number", ref}};
  if (!context.patient_id.empty()) patient["patient_id"] = context.patient_id;
  return patient;
}

}  // namespace onshi::eligibility
