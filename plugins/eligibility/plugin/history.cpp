#include "history.hpp"

#include <onshi/eligibility/json.hpp>

#include <algorithm>

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;
using Record = onshi::plugin::Host::Record;

Error bad_query(const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "history", std::string(kHistoryQuerySchema) + ": " + what,
                    "fix the query (see docs/decisions/eligibility-bulk.md, History)");
}


}  // namespace

int64_t History::now_unix_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
}

std::optional<Record> History::entry_record(const Outcome& outcome, const HistoryContext& context) const {
  auto entry = history_entry(outcome, context);
  if (!entry) return std::nullopt;
  Record r;
  r.collection = kHistoryCollection;  // key empty: the host numbers entries in order of writing
  r.at_unix_ms = context.at_unix_ms;
  r.expires_unix_ms = retention_end_unix_ms(context.at_unix_ms);  // R-RETAIN, by the host clock
  r.tags = history_tags(*entry);
  r.doc = entry->dump();
  return r;
}

void History::record(const Outcome& outcome, const HistoryContext& context) const {
  auto r = entry_record(outcome, context);
  if (!r) return;
  if (auto put = host_.store_put({*r}); !put)  // no state folder, or the disk: the answer still goes out
    host_.warn("history: the verification was not kept: " + put.error().message);
}

Result<std::string> History::find(std::string_view query_json) const {
  const json q = query_json.empty() ? json::object() : json::parse(query_json, nullptr, false);
  if (q.is_discarded() || !q.is_object()) return bad_query("the query is not a JSON object");
  if (auto s = q.find("schema"); s != q.end() && *s != kHistoryQuerySchema)
    return bad_query("schema must be \"" + std::string(kHistoryQuerySchema) + "\"");
  for (const char* key : {"since", "until", "name", "reference_number", "patient_id"})
    if (q.contains(key) && !q[key].is_string()) return bad_query(std::string("field ") + key + " must be a string");
  onshi::plugin::Host::Query query;
  query.collection = kHistoryCollection;
  query.newest_first = true;
  if (auto since = string_at(q, "since"); !since.empty()) {
    auto ms = jst_day_start_unix_ms(since);
    if (!ms) return bad_query("field since must be a day YYYYMMDD");
    query.since_unix_ms = *ms;
  }
  if (auto until = string_at(q, "until"); !until.empty()) {
    auto ms = jst_day_start_unix_ms(until);
    if (!ms) return bad_query("field until must be a day YYYYMMDD");
    query.until_unix_ms = *ms + 24 * 3600 * 1000;  // the whole day is included
  }
  uint32_t limit = 0;
  if (auto l = q.find("limit"); l != q.end()) {
    if (!l->is_number_unsigned()) return bad_query("field limit must be a positive number");
    limit = l->get<uint32_t>();
  }
  // The most selective tag goes to the store; the other criteria filter what it returns.
  std::vector<std::string> wanted;
  if (auto ref = string_at(q, "reference_number"); !ref.empty()) wanted.push_back("ref:" + ref);
  if (auto id = string_at(q, "patient_id"); !id.empty()) wanted.push_back("patient:" + id);
  if (auto name = string_at(q, "name"); !name.empty()) {
    const std::string key = name_key(name);
    if (key.empty()) return bad_query("field name has nothing to look for once spaces are removed");
    wanted.push_back("name:" + key);
  }
  if (!wanted.empty()) query.tag = wanted.front();
  else query.limit = limit;
  auto records = host_.store_query(query);
  if (!records) return std::move(records).error();
  json entries = json::array();
  for (const Record& r : *records) {
    bool all = true;
    for (size_t i = 1; i < wanted.size() && all; ++i)
      all = std::find(r.tags.begin(), r.tags.end(), wanted[i]) != r.tags.end();
    if (!all) continue;
    json e = json::parse(r.doc, nullptr, false);
    if (e.is_discarded()) continue;
    entries.push_back(std::move(e));
    if (limit && entries.size() >= limit) break;
  }
  return json{{"schema", kHistorySchema}, {"entries", std::move(entries)}}.dump();
}

Result<void> History::save_references(const std::vector<Reference>& registered) const {
  std::vector<Record> records;
  const int64_t now = now_unix_ms();
  for (const Reference& r : registered) {
    json doc = {{"schema", "onshi.eligibility.reference/1"},
                {"reference_number", r.reference_number},
                {"patient_id", r.patient_id},
                {"insurer_number", r.insurer_number},
                {"number", r.number},
                {"registered_unix_ms", now}};
    for (auto [k, v] : {std::pair{"symbol", &r.symbol}, {"branch", &r.branch}, {"birth_date", &r.birth_date}})
      if (!v->empty()) doc[k] = *v;
    // Kept until registered again: the 照会番号 is the clinic's own chart number (R-SHOUKAI).
    records.push_back(Record{kReferenceCollection, r.reference_number, now, 0, {"patient:" + r.patient_id}, doc.dump()});
  }
  if (records.empty()) return {};
  return host_.store_put(records);
}

std::optional<Reference> History::reference(const std::string& reference_number) const {
  onshi::plugin::Host::Query q;
  q.collection = kReferenceCollection;
  q.key = reference_number;
  auto found = host_.store_query(q);
  if (!found || found->empty()) return std::nullopt;
  const json doc = json::parse(found->front().doc, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return Reference{string_at(doc, "reference_number"), string_at(doc, "patient_id"), string_at(doc, "insurer_number"),
                   string_at(doc, "symbol"),           string_at(doc, "number"),     string_at(doc, "branch"),
                   string_at(doc, "birth_date")};
}

json History::patient_of(const Outcome& outcome, HistoryContext& context) const {
  std::string ref = context.reference_number;
  for (const Qualification& q : outcome.qualifications)
    if (ref.empty() && q.reference_number && !q.reference_number->empty()) ref = *q.reference_number;
  if (ref.empty()) return nullptr;
  context.reference_number = ref;
  if (context.patient_id.empty())
    if (auto registered = reference(ref)) context.patient_id = registered->patient_id;
  json patient = {{"reference_number", ref}};
  if (!context.patient_id.empty()) patient["patient_id"] = context.patient_id;
  return patient;
}

json History::matched_document(const Outcome& outcome, HistoryContext& context) const {
  json doc = outcome_document(outcome);
  if (json patient = patient_of(outcome, context); !patient.is_null()) doc["patient"] = std::move(patient);
  return doc;
}

std::string string_at(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace onshi::eligibility::plugin
