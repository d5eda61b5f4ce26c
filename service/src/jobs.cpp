#include "jobs.hpp"

#include "errors.hpp"

#include <openssl/rand.h>

namespace onshi::service {

using nlohmann::json;
using Record = onshi::plugin::Host::Record;

namespace {

constexpr const char* kJobs = "jobs";
// An unfinished job is carried on at every start for at most this long.
constexpr int64_t kUnfinishedKeepMs = 7LL * 24 * 3600 * 1000;

const char* state_name(JobState s) {
  switch (s) {
    case JobState::running: return "running";
    case JobState::done: return "done";
    case JobState::failed: return "failed";
    default: return "cancelled";
  }
}

JobState state_of(const std::string& s) {
  return s == "done" ? JobState::done : s == "failed" ? JobState::failed : s == "cancelled" ? JobState::cancelled : JobState::running;
}

bool is_json(const std::string& media_type) { return media_type.rfind("application/json", 0) == 0; }

// An answer the insurer restricts is never written to disk (R-RES).
bool keepable(const std::string& media_type, const std::string& result) {
  return !is_json(media_type) || may_keep(json::parse(result, nullptr, false));
}

json error_json(const Error& e) {
  return {{"code", e.code}, {"domain", e.domain}, {"message", e.message}, {"hint", e.hint}, {"native_code", e.native_code},
          {"retryable", e.retryable}};
}

Error error_from(const json& j) {
  Error e = make_error(j.value("code", ONSHI_E_INTERNAL), j.value("domain", ""), j.value("message", ""),
                       j.value("hint", ""), j.value("native_code", 0));
  e.retryable = j.value("retryable", false);
  return e;
}

}  // namespace

std::string random_id() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  static const char* k = "0123456789abcdef";
  std::string id;
  for (unsigned char b : raw) id += {k[b >> 4], k[b & 15]};
  return id;
}

struct Jobs::Job {
  std::string id, desk, extension, function;
  JobState state = JobState::running;
  int64_t created_ms = 0, updated_ms = 0;
  std::string request;  // until it ends: to start it again after a crash
  json resume;          // {"function", "request"}: the plugin's own way to carry it on
  json progress;        // the newest progress document
  std::string result, media_type = "application/json";
  bool result_kept = true;  // false: withheld by the insurer, in memory only (gone after a restart)
  Error error;
  bool resumed = false;
  const Function* running = nullptr;
  uint64_t op = 0;
  std::map<uint64_t, std::function<void()>> waiters;
};

Jobs::Jobs(onshi::plugin::Host app, const Functions& functions, Events& events, Journal& journal, const Config& config)
    : app_(app), functions_(functions), events_(events), journal_(journal), config_(config) {}

Jobs::~Jobs() = default;

std::size_t Jobs::unfinished(const std::string& desk) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, j] : jobs_) n += j->desk == desk && j->state == JobState::running;
  return n;
}

Record Jobs::record_of(const Job& j) const {
  json doc = {{"job", j.id},          {"desk", j.desk},       {"extension", j.extension}, {"function", j.function},
              {"state", state_name(j.state)}, {"created", j.created_ms}, {"updated", j.updated_ms},
              {"resumed", j.resumed}, {"media_type", j.media_type}};
  int64_t expires = j.created_ms + kUnfinishedKeepMs;
  if (j.state == JobState::running) {
    doc["request"] = j.request;
    if (!j.resume.is_null()) doc["resume"] = j.resume;
  } else {
    expires = j.updated_ms + std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention.jobs).count();
    if (j.state == JobState::done && j.result_kept) doc["result"] = j.result;
    doc["result_kept"] = j.result_kept;
    if (j.state != JobState::done) doc["error"] = error_json(j.error);
  }
  return {kJobs, j.id, j.created_ms, expires, {"desk:" + j.desk}, doc.dump()};
}

Result<std::string> Jobs::submit(const std::string& desk, const Function& f, std::string request) {
  auto job = std::make_unique<Job>();
  job->id = random_id();
  job->desk = desk;
  job->extension = f.extension;
  job->function = f.name;
  job->media_type = f.media_type;
  job->created_ms = job->updated_ms = real_now_ms();
  job->request = std::move(request);
  const std::string id = job->id;
  const Job* raw = job.get();  // stays where it is: only its own completion changes it
  // On disk before anything is sent: what was accepted is never lost.
  if (auto put = app_.store_put({record_of(*job)}); !put) {
    Error e = std::move(put).error();
    e.message = "the request could not be kept durably, so it was not accepted: " + e.message;
    return e;
  }
  {
    std::lock_guard lock(mutex_);
    sweep();
    jobs_[id] = std::move(job);
  }
  const Function* fn = &f;
  auto op = Functions::start(*fn, raw->request, [this, id](std::string_view doc) { on_progress(id, doc); },
                             [this, id](Result<std::string> r) { on_done(id, std::move(r)); });
  if (!op) {  // refused at once (a bad request): it never was a job
    std::lock_guard lock(mutex_);
    jobs_.erase(id);
    onshi::plugin::Host::Query q;
    q.collection = kJobs;
    q.key = id;
    (void)app_.store_erase(q);  // an unstarted record left behind is started at the next start, and refused again
    return std::move(op).error();
  }
  std::lock_guard lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end()) it->second->running = fn, it->second->op = *op;
  return id;
}

void Jobs::start(const std::string& id) {
  const Function* fn = nullptr;
  std::string request;
  {
    std::lock_guard lock(mutex_);
    Job& j = *jobs_.at(id);
    const std::string name = j.resume.is_object() ? j.resume.value("function", "") : j.function;
    fn = functions_.find(j.extension, name);
    request = j.resume.is_object() ? j.resume.value("request", json::object()).dump() : j.request;
  }
  if (!fn)
    return on_done(id, make_error(ONSHI_E_NOT_FOUND, "serve",
                                  "the job was accepted before a restart, but no loaded plugin offers its function now",
                                  "check `onshi plugins` and the service's configuration, then ask again"));
  auto op = Functions::start(*fn, request, [this, id](std::string_view doc) { on_progress(id, doc); },
                             [this, id](Result<std::string> r) { on_done(id, std::move(r)); });
  if (!op) return on_done(id, std::move(op).error());
  std::lock_guard lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end()) it->second->running = fn, it->second->op = *op;
}

void Jobs::on_progress(const std::string& id, std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return;
  std::optional<Record> keep;
  std::string desk;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || !recording_ || it->second->state != JobState::running) return;
    Job& j = *it->second;
    // The plugin's own way to carry the job on after a crash: on disk before the call goes on.
    if (auto r = doc.find("resume"); r != doc.end() && r->is_object() && r->contains("function")) {
      j.resume = *r;
      doc.erase("resume");
      keep = record_of(j);
    }
    j.progress = doc;
    desk = j.desk;
  }
  if (keep)
    if (auto put = app_.store_put({*keep}); !put)
      journal_.line("error", "job_progress_not_kept", {{"job", id}, {"message", put.error().message}});
  events_.publish("job", "", {desk}, {{"job", id}, {"state", "running"}, {"progress", doc}}, false);
}

void Jobs::on_done(const std::string& id, Result<std::string> result) {
  std::map<uint64_t, std::function<void()>> waiters;
  Record record;
  std::string desk, plugin;
  JobState state;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    // While stopping, an end the SDK's closing made up is not the job's: it stays to be carried on.
    if (it == jobs_.end() || !recording_ || it->second->state != JobState::running) return;
    Job& j = *it->second;
    if (result) {
      j.state = JobState::done;
      j.result = std::move(*result);
      j.result_kept = keepable(j.media_type, j.result);
    } else {
      j.state = result.error().code == ONSHI_E_CANCELLED ? JobState::cancelled : JobState::failed;
      j.error = result.error();
    }
    j.updated_ms = real_now_ms();
    j.request.clear();
    j.resume = json();
    record = record_of(j);
    waiters.swap(j.waiters);
    desk = j.desk;
    plugin = j.running ? j.running->plugin : "";
    state = j.state;
  }
  events_.publish("job", plugin, {desk}, {{"job", id}, {"state", state_name(state)}, {"href", "/v1/jobs/" + id}}, true,
                  {record});
  for (auto& [w, fn] : waiters) fn();
}

bool Jobs::when_done(const std::string& desk, const std::string& id, uint64_t& waiter, std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->desk != desk) return false;
    if (it->second->state == JobState::running) {
      waiter = next_waiter_++;
      it->second->waiters[waiter] = std::move(fn);
      return true;
    }
  }
  waiter = 0;
  fn();
  return true;
}

void Jobs::forget(const std::string& id, uint64_t waiter) {
  std::lock_guard lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end()) it->second->waiters.erase(waiter);
}

json Jobs::view_of(const Job& j) const {
  json v = {{"schema", "onshi.job/1"},
            {"job", j.id},
            {"state", state_name(j.state)},
            {"extension", j.extension},
            {"function", j.function},
            {"created", j.created_ms},
            {"updated", j.updated_ms},
            {"href", "/v1/jobs/" + j.id},
            {"media_type", j.media_type}};
  if (j.resumed) v["resumed"] = true;
  if (!j.progress.is_null()) v["progress"] = j.progress;
  if (j.state == JobState::done) {
    if (!j.result_kept && j.result.empty()) {
      v["result_kept"] = false;
      v["note"] = "the insurer withholds part of this answer, so it was never written to disk and is gone after the "
                  "service restarted: ask again";
    } else if (is_json(j.media_type)) {
      v["result"] = json::parse(j.result, nullptr, false);
    } else {
      v["result_text"] = j.result;
    }
  }
  if (j.state == JobState::failed || j.state == JobState::cancelled) v["error"] = error_document(j.error, j.running ? j.running->plugin : "");
  return v;
}

std::optional<json> Jobs::view(const std::string& desk, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->desk != desk) return std::nullopt;
  return view_of(*it->second);
}

std::optional<Jobs::Answer> Jobs::answer(const std::string& desk, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->desk != desk) return std::nullopt;
  const Job& j = *it->second;
  return Answer{j.state, j.result, j.media_type, j.error};
}

json Jobs::list(const std::string& desk) const {
  std::lock_guard lock(mutex_);
  json list = json::array();
  for (const auto& [id, j] : jobs_)
    if (j->desk == desk)
      list.push_back({{"job", id}, {"state", state_name(j->state)}, {"extension", j->extension},
                      {"function", j->function}, {"created", j->created_ms}, {"href", "/v1/jobs/" + id}});
  return {{"schema", "onshi.jobs/1"}, {"jobs", list}};
}

std::optional<json> Jobs::cancel(const std::string& desk, const std::string& id) {
  const Function* fn = nullptr;
  uint64_t op = 0;
  json v;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->desk != desk) return std::nullopt;
    v = view_of(*it->second);
    if (it->second->state != JobState::running) return v;
    fn = it->second->running;
    op = it->second->op;
  }
  if (fn) Functions::cancel(*fn, op);
  v["cancel_requested"] = true;
  return v;
}

void Jobs::resume_unfinished() {
  onshi::plugin::Host::Query q;
  q.collection = kJobs;
  auto rows = app_.store_query(q);
  if (!rows) return journal_.line("error", "jobs_not_loaded", {{"message", rows.error().message}, {"hint", rows.error().hint}});
  std::vector<std::string> carry_on;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : *rows) {
      const json d = json::parse(r.doc, nullptr, false);
      if (!d.is_object()) continue;
      auto j = std::make_unique<Job>();
      j->id = d.value("job", r.key);
      j->desk = d.value("desk", "");
      j->extension = d.value("extension", "");
      j->function = d.value("function", "");
      j->state = state_of(d.value("state", "running"));
      j->created_ms = d.value("created", int64_t(0));
      j->updated_ms = d.value("updated", int64_t(0));
      j->media_type = d.value("media_type", "application/json");
      j->resumed = d.value("resumed", false);
      if (j->state == JobState::running) {
        j->request = d.value("request", "");
        j->resume = d.value("resume", json());
        j->resumed = true;
        carry_on.push_back(j->id);
      } else {
        j->result = d.value("result", "");
        j->result_kept = d.value("result_kept", true);
        if (d.contains("error")) j->error = error_from(d["error"]);
      }
      jobs_[j->id] = std::move(j);
    }
  }
  for (const auto& id : carry_on) {
    journal_.line("info", "job_resumed", {{"job", id}});
    start(id);
  }
}

void Jobs::stop_recording() {
  std::lock_guard lock(mutex_);
  recording_ = false;
}

json Jobs::counts() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> n{{"running", 0}, {"done", 0}, {"failed", 0}, {"cancelled", 0}};
  for (const auto& [id, j] : jobs_) ++n[state_name(j->state)];
  return n;
}

void Jobs::sweep() {
  const int64_t now = real_now_ms();
  if (now - last_sweep_ms_ < 60000) return;
  last_sweep_ms_ = now;
  const int64_t keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention.jobs).count();
  std::erase_if(jobs_, [&](const auto& kv) { return kv.second->state != JobState::running && kv.second->updated_ms + keep < now; });
}

}  // namespace onshi::service
