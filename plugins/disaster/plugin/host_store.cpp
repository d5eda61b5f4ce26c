#include "host_store.hpp"

#include <onshi/disaster/json.hpp>
#include <onshi/support/document.hpp>

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

Result<void> require_store(const Host& host) {
  if (host.has_store()) return {};
  return make_error(kUnavailable, "disaster",
                    "the host offers no durable store (onshi.host.store/1): disaster mode keeps its declaration and "
                    "audit log there and cannot run without it",
                    "open the SDK with a state_dir (onshi: --state-dir DIR) on a host SDK that provides the store");
}

// Kept with no expiry: no public rule limits how long a clinic keeps its own
// access log, and the OQS keeps its own (docs/decisions/disaster.md).
Result<void> StoreAuditSink::write(const AuditRecord& record) {
  if (auto ok = require_store(host_); !ok) return ok;
  Host::Record r;
  r.collection = kCollectionAudit;
  r.at_unix_ms = unix_ms(record.at);
  r.tags = {std::string("event:") + event_name(record.event), "operator:" + record.operator_id};
  r.doc = json(record).dump();
  return host_.store_put({r});
}

Result<void> StoreLocalHistory::keep(const RetainedRetrieval& retrieval) {
  if (auto ok = require_store(host_); !ok) return ok;
  Host::Record r;
  r.collection = kCollectionLocalHistory;
  r.at_unix_ms = unix_ms(retrieval.retrieved_at);
  r.expires_unix_ms = unix_ms(retrieval.keep_until);  // the host purges it then
  r.doc = json(retrieval).dump();
  if (retrieval.person.birthdate) r.tags.push_back("birth:" + iso_date(*retrieval.person.birthdate));
  r.tags.push_back("candidate:" + retrieval.person.candidate_id);
  // One record per retrieval; the same person seen again is a new record.
  return host_.store_put({r});
}

Result<std::vector<RetainedRetrieval>> StoreLocalHistory::born_on(Date birthdate) {
  if (auto ok = require_store(host_); !ok) return std::move(ok).error();
  Host::Query q;
  q.collection = kCollectionLocalHistory;
  q.tag = "birth:" + iso_date(birthdate);
  auto records = host_.store_query(q);
  if (!records) return std::move(records).error();
  std::vector<RetainedRetrieval> out;
  for (const auto& r : *records) {
    auto retained = parse_retained_retrieval(json::parse(r.doc, nullptr, false));
    if (!retained) return unreadable(kCollectionLocalHistory, r.key, retained.error().message);
    out.push_back(std::move(*retained));
  }
  return out;
}

Result<void> save_declaration(const Host& host, const DeclarationState& state, TimePoint now) {
  if (auto ok = require_store(host); !ok) return ok;
  json doc = {{"schema", kDeclarationState}, {"declaration", nullptr}, {"ended_at", nullptr}, {"end_reason", ""}};
  if (state.declaration) doc["declaration"] = *state.declaration;
  if (state.ended_at) doc["ended_at"] = iso_time(*state.ended_at);
  doc["end_reason"] = state.end_reason;
  Host::Record r;
  r.collection = kCollectionDeclaration;
  r.key = "current";
  r.at_unix_ms = unix_ms(now);
  r.doc = doc.dump();
  return host.store_put({r});
}

Result<DeclarationState> load_declaration(const Host& host) {
  if (auto ok = require_store(host); !ok) return std::move(ok).error();
  Host::Query q;
  q.collection = kCollectionDeclaration;
  q.key = "current";
  auto records = host.store_query(q);
  if (!records) return std::move(records).error();
  DeclarationState state;
  if (records->empty()) return state;
  auto doc = support::parse_document(records->front().doc, kDeclarationState);
  if (!doc) return unreadable(kCollectionDeclaration, "current", doc.error().message);
  if (const json* d = support::find(*doc, "declaration")) {
    auto declaration = parse_declaration(*d);
    if (!declaration) return unreadable(kCollectionDeclaration, "current", declaration.error().message);
    state.declaration = std::move(*declaration);
  }
  if (const json* ended = support::find(*doc, "ended_at"); ended && ended->is_string()) {
    auto t = parse_time(ended->get<std::string>(), "ended_at");
    if (!t) return unreadable(kCollectionDeclaration, "current", t.error().message);
    state.ended_at = *t;
  }
  state.end_reason = doc->value("end_reason", "");
  return state;
}

}  // namespace onshi::disaster::plugin
