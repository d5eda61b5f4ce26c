#include "history.hpp"

#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <onshi/eligibility/json.hpp>
#include <onshi/support/document.hpp>

#include <algorithm>

#include "documents.hpp"

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;

// onshi.eligibility.history-query/1: JST days YYYYMMDD (both included), one of the look-up keys.
struct HistoryQuery {
  std::string since, until, name, reference_number, patient_id;
  uint32_t limit = 0;
};

void from_json(const json& doc, HistoryQuery& q) {
  for (auto [key, field] : {std::pair{"since", &q.since},
                            {"until", &q.until},
                            {"name", &q.name},
                            {"reference_number", &q.reference_number},
                            {"patient_id", &q.patient_id}})
    support::read(doc, key, *field);
  refuse_individual_number("reference_number", q.reference_number);
  for (auto [key, day] : {std::pair{"since", &q.since}, {"until", &q.until}})
    if (!day->empty() && !jst_day_start_unix_ms(*day)) support::fail(key, "must be a day YYYYMMDD");
  if (!q.name.empty() && name_key(q.name).empty()) support::fail("name", "has nothing to look for once spaces are removed");
  support::read(doc, "limit", q.limit, 0, UINT32_MAX);
}

}  // namespace

int64_t History::now_unix_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
}

void History::record(const Outcome& outcome, const HistoryContext& context) {
  auto r = history_record(outcome, context);
  if (!r) return;
  // No state folder, or the disk: the answer still goes out. A store that failed is said out loud
  // (an error, shown by every host): the clinic expects to find this verification again.
  if (auto put = store_.put({*r}); !put) {
    const std::string line = "history: the verification was not kept: " + put.error().message +
                             (put.error().hint.empty() ? "" : " (" + put.error().hint + ")");
    put.error().code == ONSHI_E_NOT_INITIALIZED ? host_.warn(line) : host_.error(line);
  }
}

Result<std::string> History::find(std::string_view query_json) const {
  auto q = read_request<HistoryQuery>(query_json.empty() ? "{}" : query_json, ONSHI_SCHEMA_ELIGIBILITY_HISTORY_QUERY);
  if (!q) return std::move(q).error();
  StoreQuery query;
  query.collection = kHistoryCollection;
  query.newest_first = true;
  if (!q->since.empty()) query.since_unix_ms = *jst_day_start_unix_ms(q->since);
  if (!q->until.empty()) query.until_unix_ms = *jst_day_start_unix_ms(q->until) + 24 * 3600 * 1000;  // the whole day
  // The most selective tag goes to the store; the other criteria filter what it returns.
  std::vector<std::string> wanted;
  if (!q->reference_number.empty()) wanted.push_back("ref:" + q->reference_number);
  if (!q->patient_id.empty()) wanted.push_back("patient:" + q->patient_id);
  if (!q->name.empty()) wanted.push_back("name:" + name_key(q->name));
  if (!wanted.empty()) query.tag = wanted.front();
  else query.limit = q->limit;
  auto records = store_.query(query);
  if (!records) return std::move(records).error();
  json entries = json::array();
  for (const StoreRecord& r : *records) {
    bool all = true;
    for (size_t i = 1; i < wanted.size() && all; ++i)
      all = std::find(r.tags.begin(), r.tags.end(), wanted[i]) != r.tags.end();
    if (!all) continue;
    json e = json::parse(r.doc, nullptr, false);
    if (e.is_discarded()) continue;
    entries.push_back(std::move(e));
    if (q->limit && entries.size() >= q->limit) break;
  }
  return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_HISTORY}, {"entries", std::move(entries)}}.dump();
}

json History::matched_document(const Outcome& outcome, HistoryContext& context) const {
  json doc = outcome_document(outcome);
  if (json patient = patient_of(store_, outcome, context); !patient.is_null()) doc["patient"] = std::move(patient);
  return doc;
}

}  // namespace onshi::eligibility::plugin
