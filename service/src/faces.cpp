#include "faces.hpp"

#include "jobs.hpp"

#include <algorithm>
#include <set>

namespace onshi::service {

using nlohmann::json;

namespace {

constexpr const char* kQueue = "queue";
constexpr int kDefaultWindowSeconds = 300;
constexpr int kMaxWindowSeconds = 3600;

Error bad_expectation(const std::string& field, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "serve", "onshi.expectation-request/1: field " + field + " " + what,
                    "say whom the desk expects: {\"birth_date\": \"YYYYMMDD\", \"reference_number\"?, \"reader\"?, "
                    "\"window_seconds\"?}");
}

std::string text_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Faces::Faces(onshi::plugin::Host app, Events& events, Journal& journal, const Config& config)
    : app_(app), events_(events), journal_(journal), config_(config) {}

void Faces::load() {
  onshi::plugin::Host::Query q;
  q.collection = kQueue;
  auto rows = app_.store_query(q);
  if (!rows) return journal_.line("error", "queue_not_loaded", {{"message", rows.error().message}});
  std::lock_guard lock(mutex_);
  for (const auto& r : *rows) {
    const json d = json::parse(r.doc, nullptr, false);
    if (!d.is_object()) continue;
    Entry e{r.key, d.value("plugin", ""), d.value("kind", "face"), r.at_unix_ms, d.value("data", json::object())};
    queue_[e.id] = std::move(e);
  }
}

Result<json> Faces::expect(const std::string& desk, const json& request) {
  if (!request.is_object()) return bad_expectation("(the document)", "must be a JSON object");
  for (const char* key : {"birth_date", "reference_number", "reader"})
    if (request.contains(key) && !request[key].is_string()) return bad_expectation(key, "must be a string");
  Expectation e;
  e.desk = desk;
  e.birth_date = text_at(request, "birth_date");
  e.birth_date.erase(std::remove(e.birth_date.begin(), e.birth_date.end(), '-'), e.birth_date.end());
  e.reference_number = text_at(request, "reference_number");
  e.reader = text_at(request, "reader");
  if (!e.birth_date.empty() &&
      (e.birth_date.size() != 8 || e.birth_date.find_first_not_of("0123456789") != std::string::npos))
    return bad_expectation("birth_date", "must be the 生年月日 as YYYYMMDD or YYYY-MM-DD");
  if (e.birth_date.empty() && e.reference_number.empty())
    return bad_expectation("birth_date", "or reference_number (照会番号) is required: an expectation names its patient");
  int window = kDefaultWindowSeconds;
  if (request.contains("window_seconds")) {
    const json& w = request["window_seconds"];
    if (!w.is_number_integer() || w.get<int>() < 1 || w.get<int>() > kMaxWindowSeconds)
      return bad_expectation("window_seconds", "must be 1 to " + std::to_string(kMaxWindowSeconds));
    window = w.get<int>();
  }
  e.id = random_id();
  e.until_ms = real_now_ms() + window * 1000LL;
  json doc = {{"schema", "onshi.expectation/1"}, {"expectation", e.id}, {"desk", desk}, {"until", e.until_ms},
              {"href", "/v1/desk/expectations/" + e.id}};
  std::lock_guard lock(mutex_);
  const int64_t now = real_now_ms();
  std::erase_if(expected_, [&](const Expectation& x) { return x.until_ms < now; });
  expected_.push_back(std::move(e));
  return doc;
}

json Faces::expectations(const std::string& desk) const {
  std::lock_guard lock(mutex_);
  const int64_t now = real_now_ms();
  json list = json::array();
  for (const auto& e : expected_)
    if (e.desk == desk && e.until_ms >= now)
      list.push_back({{"expectation", e.id}, {"birth_date", e.birth_date}, {"reference_number", e.reference_number},
                      {"reader", e.reader}, {"until", e.until_ms}});
  return {{"schema", "onshi.expectations/1"}, {"expectations", list}};
}

bool Faces::forget(const std::string& desk, const std::string& id) {
  std::lock_guard lock(mutex_);
  return std::erase_if(expected_, [&](const Expectation& e) { return e.id == id && e.desk == desk; }) > 0;
}

bool Faces::matches(const Expectation& e, const json& route) {
  const std::string birth = text_at(route, "birth_date"), ref = text_at(route, "reference_number"),
                    reader = text_at(route, "reader");
  if (!e.birth_date.empty() && e.birth_date != birth) return false;
  if (!e.reference_number.empty() && e.reference_number != ref) return false;
  if (!e.reader.empty() && !reader.empty() && e.reader != reader) return false;
  return true;
}

void Faces::route(const std::string& plugin, const json& event) {
  const json route = event.value("route", json::object());
  const std::string kind = event.value("kind", "face");
  json data = event.value("data", json::object());
  std::string desk, expectation;
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    const int64_t now = real_now_ms();
    std::erase_if(expected_, [&](const Expectation& x) { return x.until_ms < now; });
    std::set<std::string> desks;
    const Expectation* first = nullptr;
    for (const auto& e : expected_)
      if (matches(e, route)) {
        desks.insert(e.desk);
        if (!first) first = &e;  // the oldest: the one waiting longest
      }
    if (desks.size() == 1) {
      desk = first->desk;
      expectation = first->id;
      std::erase_if(expected_, [&](const Expectation& x) { return x.id == expectation; });  // one result each
    } else {
      entry = Entry{random_id(), plugin, kind, now, data};
      queue_[entry.id] = entry;
    }
  }
  if (!desk.empty()) {
    data["expectation"] = expectation;
    return deliver(desk, plugin, kind, std::move(data), "expected");
  }
  // Nobody, or more than one desk, expects this patient: the clinic-wide queue, never two desks.
  std::vector<onshi::plugin::Host::Record> with;
  if (may_keep(entry.data)) {
    const int64_t keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention.queue).count();
    with.push_back({kQueue, entry.id, entry.at_ms, entry.at_ms + keep, {},
                    json{{"plugin", plugin}, {"kind", kind}, {"data", entry.data}}.dump()});
  }
  journal_.line("info", "queued", {{"entry", entry.id}, {"plugin", plugin}, {"kind", kind}});
  events_.publish("queue", plugin, {kEveryDesk}, {{"entry", entry.id}, {"state", "waiting"}, {"href", "/v1/queue"}},
                  true, std::move(with));
}

void Faces::deliver(const std::string& desk, const std::string& plugin, const std::string& kind, json data,
                    const std::string& why) {
  journal_.line("info", "routed", {{"desk", desk}, {"plugin", plugin}, {"kind", kind}, {"why", why}});
  const bool durable = may_keep(data);
  events_.publish(kind, plugin, {desk}, std::move(data), durable);
}

json Faces::queue() const {
  std::lock_guard lock(mutex_);
  const int64_t now = real_now_ms();
  const int64_t keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention.queue).count();
  json list = json::array();
  for (const auto& [id, e] : queue_)
    if (e.at_ms + keep >= now)
      list.push_back({{"entry", id}, {"at", e.at_ms}, {"plugin", e.plugin}, {"kind", e.kind}, {"data", e.data},
                      {"claim", "/v1/queue/" + id + "/claim"}});
  return {{"schema", "onshi.queue/1"}, {"entries", list}};
}

Result<json> Faces::claim(const std::string& desk, const std::string& id) {
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    auto it = queue_.find(id);
    if (it == queue_.end()) {
      if (claimed_.count(id))
        return make_error(ONSHI_E_REFUSED, "serve", "queue entry " + id + " was already claimed by another desk",
                          "refresh the queue (GET /v1/queue)");
      return make_error(ONSHI_E_NOT_FOUND, "serve", "no queue entry " + id, "refresh the queue (GET /v1/queue)");
    }
    entry = std::move(it->second);
    queue_.erase(it);
    claimed_[id] = desk;
  }
  onshi::plugin::Host::Query q;
  q.collection = kQueue;
  q.key = id;
  app_.store_erase(q);
  json data = entry.data;
  data["claimed_from_queue"] = id;
  deliver(desk, entry.plugin, entry.kind, data, "claimed");
  events_.publish("queue", entry.plugin, {kEveryDesk}, {{"entry", id}, {"state", "claimed"}, {"desk", desk}}, true);
  return json{{"schema", "onshi.queue-claim/1"}, {"entry", id}, {"desk", desk}, {"kind", entry.kind}, {"data", entry.data}};
}

std::size_t Faces::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace onshi::service
