#include "host_store.hpp"

#include <onshi/disaster/json.hpp>

#include <nlohmann/json.hpp>

namespace onshi::disaster::plugin {
namespace {

using nlohmann::json;

constexpr const char* kDeclarationState = "onshi.disaster.declaration-state/1";

Error unreadable(const char* collection, const std::string& key, const std::string& why) {
  return make_error(ONSHI_E_PROTOCOL, "disaster",
                    std::string("the stored ") + collection + " record '" + key + "' cannot be read: " + why,
                    "report this; the record was written by another version of the disaster plugin");
}

}  // namespace

int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<void> HostStore::require() const {
  if (available()) return {};
  return make_error(kUnavailable, "disaster",
                    "the host offers no durable store (onshi.host.store/1): disaster mode keeps its declaration and "
                    "audit log there and cannot run without it",
                    "open the SDK with a state_dir (onshi: --state-dir DIR) on a host SDK that provides the store");
}

Result<void> HostStore::put(const char* collection, const std::string& key, const StoredRecord& r) const {
  if (auto ok = require(); !ok) return ok;
  StoredRecord record = r;
  record.collection = collection;
  record.key = key;
  return host_.store_put({record});
}

Result<std::vector<StoredRecord>> HostStore::query(const char* collection, const std::string& key,
                                                   const std::string& tag, bool newest_first, uint32_t limit) const {
  if (auto ok = require(); !ok) return std::move(ok).error();
  onshi::plugin::Host::Query q{collection, {}, {}, 0, 0, limit, newest_first};
  if (!key.empty()) q.key = key;
  if (!tag.empty()) q.tag = tag;
  return host_.store_query(q);
}

// Kept with no expiry: no public rule limits how long a clinic keeps its own
// access log, and the OQS keeps its own (docs/decisions/disaster.md).
Result<void> StoreAuditSink::write(const AuditRecord& record) {
  StoredRecord r;
  r.at_unix_ms = unix_ms(record.at);
  r.tags = {std::string("event:") + event_name(record.event), "operator:" + record.operator_id};
  r.doc = json(record).dump();
  return store_.put(kCollectionAudit, {}, r);
}

Result<void> StoreLocalHistory::keep(const RetainedRetrieval& retrieval) {
  StoredRecord r;
  r.at_unix_ms = unix_ms(retrieval.retrieved_at);
  r.expires_unix_ms = unix_ms(retrieval.keep_until);  // the host purges it then
  if (retrieval.person.birthdate) r.tags.push_back("birth:" + iso_date(*retrieval.person.birthdate));
  r.tags.push_back("candidate:" + retrieval.person.candidate_id);
  r.doc = json(retrieval).dump();
  // One record per retrieval; the same person seen again is a new record.
  return store_.put(kCollectionLocalHistory, {}, r);
}

Result<std::vector<RetainedRetrieval>> StoreLocalHistory::born_on(Date birthdate) {
  auto records = store_.query(kCollectionLocalHistory, {}, "birth:" + iso_date(birthdate));
  if (!records) return std::move(records).error();
  std::vector<RetainedRetrieval> out;
  for (const auto& r : *records) {
    json doc = json::parse(r.doc, nullptr, false);
    auto retained = parse_retained_retrieval(doc);
    if (!retained) return unreadable(kCollectionLocalHistory, r.key, retained.error().message);
    out.push_back(std::move(*retained));
  }
  return out;
}

Result<void> save_declaration(const HostStore& store, const DeclarationState& state, TimePoint now) {
  json doc = {{"schema", kDeclarationState}, {"declaration", nullptr}, {"ended_at", nullptr}, {"end_reason", ""}};
  if (state.declaration) doc["declaration"] = *state.declaration;
  if (state.ended_at) doc["ended_at"] = iso_time(*state.ended_at);
  doc["end_reason"] = state.end_reason;
  StoredRecord r;
  r.at_unix_ms = unix_ms(now);
  r.doc = doc.dump();
  return store.put(kCollectionDeclaration, "current", r);
}

Result<DeclarationState> load_declaration(const HostStore& store) {
  auto records = store.query(kCollectionDeclaration, "current", {});
  if (!records) return std::move(records).error();
  DeclarationState state;
  if (records->empty()) return state;
  const json doc = json::parse(records->front().doc, nullptr, false);
  if (!doc.is_object() || doc.value("schema", "") != kDeclarationState)
    return unreadable(kCollectionDeclaration, "current", std::string("not a ") + kDeclarationState + " document");
  if (!doc["declaration"].is_null()) {
    auto d = parse_declaration(doc["declaration"]);
    if (!d) return unreadable(kCollectionDeclaration, "current", d.error().message);
    state.declaration = std::move(*d);
  }
  if (doc["ended_at"].is_string()) {
    auto t = parse_time(doc["ended_at"].get<std::string>(), "ended_at");
    if (!t) return unreadable(kCollectionDeclaration, "current", t.error().message);
    state.ended_at = *t;
  }
  state.end_reason = doc.value("end_reason", "");
  return state;
}

}  // namespace onshi::disaster::plugin
