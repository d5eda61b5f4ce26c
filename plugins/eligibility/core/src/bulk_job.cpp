#include <onshi/eligibility/bulk_job.hpp>

#include <onshi/support/files.hpp>

#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <onshi/eligibility/bulk.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/support/dates.hpp>
#include <onshi/support/document.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <random>
#include <set>
#include <type_traits>

namespace onshi::eligibility {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kJobs = "bulk-jobs";
constexpr const char* kPatients = "bulk-patients";  // a job's patients, stored once beside it (key: the job id)
constexpr const char* kResults = "bulk-results";
constexpr std::string_view kJobSchema = "onshi.eligibility.bulk-job/1";
constexpr int kMaxPollFailures = 5;
constexpr const char* kRecords = "eligibility-records";  // the errors' domain

enum class JobState { running, done, unknown, deferred };
constexpr support::EnumNames<JobState, 4> kJobStates{{{"running", JobState::running},
                                                      {"done", JobState::done},
                                                      {"unknown", JobState::unknown},
                                                      {"deferred", JobState::deferred}}};
constexpr const char* kDeferredLabel = "deferred";  // the label of a job of deferred checks (R-M9)

enum class ChunkState { fresh, uploading, uploaded, done, failed, unknown };
constexpr support::EnumNames<ChunkState, 6> kChunkStates{{{"new", ChunkState::fresh},
                                                          {"uploading", ChunkState::uploading},
                                                          {"uploaded", ChunkState::uploaded},
                                                          {"done", ChunkState::done},
                                                          {"failed", ChunkState::failed},
                                                          {"unknown", ChunkState::unknown}}};

// One upload of up to chunk_size patients, patients[first, first + count) of its job.
struct Chunk {
  size_t first = 0, count = 0;
  std::string afi;  // its ArbitraryFileIdentifier: stored before the upload, the key to ask by (S5)
  ChunkState state = ChunkState::fresh;
  std::optional<std::string> reception_number;     // uploaded
  std::optional<std::string> code, message;        // failed, unknown
  std::optional<int> resubmitted, poll_failures;   // stored once they have happened
  bool finished() const {
    return state == ChunkState::done || state == ChunkState::failed || state == ChunkState::unknown;
  }
};

void to_json(json& j, const Chunk& c) {
  j = {{"first", c.first}, {"count", c.count}, {"afi", c.afi}, {"state", kChunkStates.name(c.state)}};
  if (c.reception_number) j["reception_number"] = *c.reception_number;
  if (c.code) j["code"] = *c.code;
  if (c.message) j["message"] = *c.message;
  if (c.resubmitted) j["resubmitted"] = *c.resubmitted;
  if (c.poll_failures) j["poll_failures"] = *c.poll_failures;
}

void from_json(const json& j, Chunk& c) {
  support::read(j, "first", c.first, 0, INT32_MAX);
  support::read(j, "count", c.count, 0, INT32_MAX);
  support::read(j, "afi", c.afi);
  support::read(j, "state", c.state, kChunkStates);
  support::read(j, "reception_number", c.reception_number);
  support::read(j, "code", c.code);
  support::read(j, "message", c.message);
  support::read(j, "resubmitted", c.resubmitted, 0, INT32_MAX);
  support::read(j, "poll_failures", c.poll_failures, 0, INT32_MAX);
}

// onshi.eligibility.bulk-job/1 as stored in bulk-jobs, with its patients (stored apart).
struct Job {
  std::string id;  // B20260401093000-1a2b3c: when it was made (JST), then a random part
  JobState state = JobState::running;
  int64_t created_unix_ms = 0;
  bool limit_consent = false;
  std::string label;
  size_t unresolved = 0;  // rows whose 照会番号 is not registered: last in `patients`, in no chunk
  size_t total = 0;
  std::vector<BulkPatient> patients;
  std::vector<Chunk> chunks;
};

json job_document(const Job& job) {  // all but the patients: they never change once the job is made
  return {{"schema", kJobSchema},
          {"job", job.id},
          {"state", kJobStates.name(job.state)},
          {"created_unix_ms", job.created_unix_ms},
          {"limit_consent", job.limit_consent},
          {"label", job.label},
          {"unresolved", job.unresolved},
          {"total", job.total},
          {"chunks", job.chunks}};
}

void from_json(const json& j, Job& job) {
  support::read(j, "state", job.state, kJobStates);
  support::read(j, "created_unix_ms", job.created_unix_ms, 0, INT64_MAX);
  support::read(j, "limit_consent", job.limit_consent);
  support::read(j, "label", job.label);
  support::read(j, "unresolved", job.unresolved, 0, INT32_MAX);
  support::read(j, "total", job.total, 0, INT32_MAX);
  support::read_array(j, "chunks", job.chunks);
  support::read_array(j, "patients", job.patients);  // a job saved before they were stored apart
  if (job.total == 0) job.total = job.patients.size();
}

// Patients that have their result: those of finished chunks, and the unresolved ones.
size_t received(const Job& job) {
  size_t n = job.unresolved;
  for (const Chunk& c : job.chunks)
    if (c.state == ChunkState::done || c.state == ChunkState::failed) n += c.count;
  return n;
}

std::string random_hex(int bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(rng() & 0xFF));
    out += b;
  }
  return out;
}

std::string index_key(const std::string& job, size_t index) {
  char b[16];
  std::snprintf(b, sizeof b, "%06zu", index);
  return job + "/" + b;
}

int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Outcome failed_outcome(std::string code, std::string message, std::string hint, bool retryable) {
  Outcome o;
  o.kind = OutcomeKind::failed;
  o.stage = FailureStage::header;
  o.code = std::move(code);
  o.message = std::move(message);
  o.hint = std::move(hint);
  o.retryable = retryable;
  o.cache_allowed = false;
  return o;
}

// One bulk-results record; `kept` gets its document, to build the completion from without reading it back.
StoreRecord result_record(const std::string& job, size_t index, int64_t now, json stored, std::map<size_t, json>& kept) {
  StoreRecord rec{kResults, index_key(job, index), now, retention_end_unix_ms(now), {"job:" + job}, stored.dump()};
  kept.emplace(index, std::move(stored));
  return rec;
}

// An answer read as the generic tree, or, for the 02res of up to 1,000 results, as its typed view
// straight from the bytes (parse_message): one reading instead of a tree and then a view of it.
template <class M>
Result<M> read_answer(Result<std::string> answer) {
  if (!answer) return std::move(answer).error();
  if constexpr (std::is_same_v<M, XmlMsg>) return read_xml_msg(*answer, "the terminal's answer");
  else return parse_message<M>(*answer, "the terminal's answer");
}

}  // namespace

// ---- BulkPatient as stored (and as the plugin reads it from a request) ----

void from_json(const json& doc, BulkPatient& p) {
  for (auto [key, field] : {std::pair{"patient_id", &p.patient_id},
                            {"reference_number", &p.reference_number},
                            {"insurer_number", &p.insurer_number},
                            {"symbol", &p.symbol},
                            {"number", &p.number},
                            {"branch", &p.branch},
                            {"birth_date", &p.birth_date},
                            {"visit_date", &p.visit_date},
                            {"outage", &p.outage}})
    support::read(doc, key, *field);
  if (const json* presented = support::find(doc, "presented")) {
    if (!presented->is_array()) support::fail("presented", "expected an array of strings");
    p.presented = presented->get<std::vector<std::string>>();
  }
}

void to_json(json& doc, const BulkPatient& p) {
  doc = {{"patient_id", p.patient_id}};
  if (!p.reference_number.empty()) doc["reference_number"] = p.reference_number;
  if (!p.visit_date.empty()) doc["visit_date"] = p.visit_date, doc["presented"] = p.presented, doc["outage"] = p.outage;
  if (p.number.empty()) return;  // an unregistered 照会番号: nothing to query by
  doc["insurer_number"] = p.insurer_number, doc["symbol"] = p.symbol, doc["number"] = p.number,
  doc["branch"] = p.branch, doc["birth_date"] = p.birth_date;
}

// ---- one open operation: its completion, exactly once, and what it waits on ----

struct BulkJobs::Operation : std::enable_shared_from_this<Operation> {
  virtual ~Operation() = default;

  BulkJobs* owner = nullptr;  // valid while !finished (the owner finishes every operation as it goes)
  uint64_t id = 0;
  std::string job_id;    // the 一括照会 it runs; empty for a registration
  bool running = false;  // [reactor] its work has begun
  bool finished = false;
  Done done;
  std::set<uint64_t> exchanges, timers;

  BulkServices& services() const { return owner->services_; }

  void finish(Result<std::string> result) {
    if (finished) return;
    finished = true;
    auto keep = shared_from_this();  // the owner's reference goes now
    for (uint64_t t : timers) services().reactor.cancel(t);
    {
      std::lock_guard lock(owner->open_mutex_);
      owner->open_.erase(id);
    }
    done(std::move(result));
  }

  void cancel() {
    if (finished) return;
    for (uint64_t x : std::set<uint64_t>(exchanges)) services().terminal.cancel(x);
    finish(make_error(ONSHI_E_CANCELLED, kRecords,
                      job_id.empty() ? std::string("cancelled")
                                     : "一括照会 " + job_id + " paused; it stays stored and can be resumed"));
  }

  // `reply` runs only while the operation is open: a late answer to a finished one is dropped.
  void send(std::string_view prefix, std::string request, Terminal::Reply reply) {
    auto self = shared_from_this();
    auto exchange = std::make_shared<uint64_t>(0);
    auto sent = services().terminal.send(prefix, std::move(request), [self, exchange, reply](Result<std::string> a) {
      if (self->finished) return;
      self->exchanges.erase(*exchange);
      reply(std::move(a));
    });
    if (!sent) return reply(std::move(sent).error());  // nothing started: as an exchange that failed
    *exchange = *sent;
    exchanges.insert(*exchange);
  }

  void after(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto self = shared_from_this();
    auto timer = std::make_shared<uint64_t>(0);
    *timer = services().reactor.after(delay, [self, timer, fn = std::move(fn)] {
      self->timers.erase(*timer);
      if (!self->finished) fn();
    });
    timers.insert(*timer);
  }

  int64_t now_ms() const { return unix_ms(services().now()); }

  // The download of a two-phase exchange that is not stored (a registration, a window query): asks
  // `prefix` for `reception` every poll interval while `use` returns false (処理中); up to
  // kMaxPollFailures exchanges in a row may fail before the operation fails with the last error.
  template <class M, class Use>
  void poll_download(std::string_view prefix, std::string reception, int failures, Use use) {
    auto bytes = bulk_download_request(services().settings.medical_institution_code, reception, random_hex(8));
    if (!bytes) return finish(std::move(bytes).error());
    send(prefix, std::move(*bytes), [this, prefix, reception, failures, use](Result<std::string> a) {
      const auto interval = services().settings.poll_interval;
      auto answer = read_answer<M>(std::move(a));
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED || failures + 1 >= kMaxPollFailures) return finish(answer.error());
        return after(interval, [=, this] { poll_download<M>(prefix, reception, failures + 1, use); });
      }
      if (!use(std::move(*answer))) after(interval, [=, this] { poll_download<M>(prefix, reception, 0, use); });
    });
  }
};

namespace {

// ---- a 一括照会 job ----

class JobRun final : public BulkJobs::Operation {
 public:
  JobRun(Job job, bool patients_stored, BulkJobs::Progress progress)
      : job_(std::move(job)), patients_stored_(patients_stored), progress_(std::move(progress)) {
    job_id = job_.id;
  }

  void start() {
    report("saved", 0);
    drive();
  }

  void resume() {
    if (job_.state == JobState::done) return finish(result_document());
    job_.state = JobState::running;
    report("resumed", 0);
    drive();
  }

 private:
  const BulkSettings& settings() const { return services().settings; }

  void report(const char* stage, size_t ci, const std::string& reception_number = "") {
    if (finished || !progress_) return;
    json doc = {{"schema", ONSHI_SCHEMA_ELIGIBILITY_BULK_PROGRESS},
                {"job", job_.id},
                {"stage", stage},
                {"chunk", ci + 1},
                {"chunks", job_.chunks.size()},
                {"received", received(job_)},
                {"total", job_.patients.size()}};
    if (!reception_number.empty()) doc["reception_number"] = reception_number;
    progress_(doc);
  }

  // The job and, in the same atomic put, `with` (a batch's results and history entries); `kept`
  // are those results, remembered once they are durable. False: the operation has failed.
  bool save(std::vector<StoreRecord> with = {}, std::map<size_t, json> kept = {}) {
    const int64_t created = job_.created_unix_ms, expires = retention_end_unix_ms(created);
    if (!patients_stored_) with.push_back(StoreRecord{kPatients, job_.id, created, expires, {}, json(job_.patients).dump()});
    with.push_back(StoreRecord{kJobs, job_.id, created, expires, {}, job_document(job_).dump()});
    if (auto put = services().store.put(with); !put) {
      finish(std::move(put).error());
      return false;
    }
    patients_stored_ = true;
    stored_.merge(kept);
    return true;
  }

  // Every chunk from where it stands; an upload whose fate is unknown is asked about, never resent.
  void drive() {
    bool any = false;
    for (size_t ci = 0; ci < job_.chunks.size(); ++ci) {
      switch (job_.chunks[ci].state) {
        case ChunkState::fresh: upload(ci); break;
        case ChunkState::uploading:
        case ChunkState::unknown: recover(ci); break;  // asking again is always safe
        case ChunkState::uploaded: poll(ci); break;
        default: continue;
      }
      any = true;
      if (finished) return;
    }
    if (!any) check_finished();
  }

  void upload(size_t ci) {
    Chunk& c = job_.chunks[ci];
    std::vector<BulkQuery> queries;
    for (size_t i = c.first; i < c.first + c.count; ++i) {
      const BulkPatient& p = job_.patients[i];
      queries.push_back(BulkQuery{std::to_string(i), p.insurer_number, p.symbol, p.number, p.branch, p.birth_date,
                                  job_.limit_consent});
    }
    auto bytes = bulk_upload_request(queries, settings().medical_institution_code, support::jst_day(services().now()),
                                     c.afi);
    if (!bytes) return store_failed(ci, std::to_string(bytes.error().code), bytes.error().message);
    // Durable BEFORE the file exists: from here on a restart asks before it sends (S5).
    c.state = ChunkState::uploading;
    if (!save()) return;
    report("uploading", ci);
    send(prefix::bulk_upload, std::move(*bytes), [this, ci](Result<std::string> a) { on_upload(ci, std::move(a)); });
    // Queued behind the transport's own work: by now the request is in req.
    services().reactor.post([self = shared_from_this(), this, ci] { report("sent", ci); });
  }

  void on_upload(size_t ci, Result<std::string> bytes) {
    auto answer = read_answer<XmlMsg>(std::move(bytes));
    if (!answer) {
      const Error& e = answer.error();
      if (e.code == ONSHI_E_CANCELLED) return finish(e);
      // The terminal's .err: it refused the file, so the central system never saw it.
      if (e.code == ONSHI_E_PROTOCOL && e.message.find(".err") != std::string::npos)
        return store_failed(ci, std::to_string(e.code), e.message);
      return recover(ci);  // timeout, I/O: the upload's fate is unknown
    }
    const BulkReceipt receipt = bulk_receipt_of(*answer);
    if (receipt.state == BulkReceipt::State::accepted) return adopt(ci, receipt.reception_number);
    store_failed(ci, receipt.code, receipt.message);
  }

  void adopt(size_t ci, const std::string& reception) {
    Chunk& c = job_.chunks[ci];
    c.state = ChunkState::uploaded;
    c.reception_number = reception;
    if (!save()) return;
    report("uploaded", ci, reception);
    poll(ci);
  }

  // An upload whose answer was never recorded (a crash, a timeout). Never sent again blindly:
  // 1. the 01res may already be in res (folder transport): adopt its reception number;
  // 2. else ask the download side by our ArbitraryFileIdentifier (02req without a reception
  //    number): a reception number → adopt; "not received" (kNotReceivedCode) → provably never
  //    received → send again; anything else → state unknown, for a person to decide.
  void recover(size_t ci) {
    const std::string afi = job_.chunks[ci].afi;
    report("recovering", ci);
    if (auto receipt = receipt_in_res(afi)) {
      if (receipt->state == BulkReceipt::State::accepted) return adopt(ci, receipt->reception_number);
      return store_failed(ci, receipt->code, receipt->message);
    }
    auto bytes = bulk_download_request(settings().medical_institution_code, "", afi);
    if (!bytes) return unknown(ci, bytes.error().message);
    send(prefix::bulk_download, std::move(*bytes), [this, ci](Result<std::string> a) {
      auto answer = read_answer<XmlMsg>(std::move(a));
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED) return finish(answer.error());
        return unknown(ci, "the terminal could not be asked about the upload: " + answer.error().message);
      }
      const BulkReceipt receipt = bulk_receipt_of(*answer);
      if (receipt.state == BulkReceipt::State::accepted) return adopt(ci, receipt.reception_number);
      if (receipt.state == BulkReceipt::State::not_received) {
        Chunk& c = job_.chunks[ci];
        c.state = ChunkState::fresh;
        c.resubmitted = c.resubmitted.value_or(0) + 1;
        return upload(ci);
      }
      unknown(ci, "the terminal did not say whether it received the upload: " + receipt.code + " " + receipt.message);
    });
  }

  // The terminal's 01res for our upload `afi`, when it is still in the shared folder's res.
  std::optional<BulkReceipt> receipt_in_res(const std::string& afi) const {
    if (settings().folder_root.empty()) return std::nullopt;
    const std::string wanted = std::string(prefix::bulk_upload) + "res_";
    std::error_code ec;
    for (fs::directory_iterator it(settings().folder_root / "res", ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.starts_with(wanted)) continue;
      auto read = support::read_file(it->path(), ReadLimits{}.max_bytes);  // bounded, never through a link
      if (!read || !read->has_value() || (*read)->find(afi) == std::string::npos) continue;
      auto msg = read_xml_msg(**read, name);
      if (!msg || view_as<BulkReception>(*msg).header.ArbitraryFileIdentifier != afi) continue;
      return bulk_receipt_of(*msg);
    }
    return std::nullopt;
  }

  void unknown(size_t ci, const std::string& why) {
    Chunk& c = job_.chunks[ci];
    c.state = ChunkState::unknown;
    c.message = why;
    if (!save()) return;
    check_finished();
  }

  void poll(size_t ci) {
    const Chunk& c = job_.chunks[ci];
    auto bytes = bulk_download_request(settings().medical_institution_code, c.reception_number.value_or(""), c.afi);
    if (!bytes) return finish(std::move(bytes).error());
    send(prefix::bulk_download, std::move(*bytes), [this, ci](Result<std::string> a) {
      auto answer = read_answer<BulkResult>(std::move(a));
      Chunk& c = job_.chunks[ci];
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED) return finish(answer.error());
        c.poll_failures = c.poll_failures.value_or(0) + 1;
        if (*c.poll_failures >= kMaxPollFailures) {  // the job stays stored: resume carries on
          Error e = answer.error();
          e.message = "一括照会 " + job_.id + ": the download failed " + std::to_string(*c.poll_failures) +
                      " times: " + e.message;
          e.hint = "check the 資格確認端末, then resume the job (onshi bulk runs it again)";
          return finish(std::move(e));
        }
        return after(settings().poll_interval, [this, ci] { poll(ci); });
      }
      c.poll_failures = 0;
      BulkDownload d = bulk_download_of(std::move(*answer));
      if (d.state == BulkDownload::State::processing) {
        report("waiting", ci);
        return after(settings().poll_interval, [this, ci] { poll(ci); });
      }
      if (d.state == BulkDownload::State::failed) return store_failed(ci, d.code, d.message);
      store_batch(ci, std::move(d));
    });
  }

  // Every result of one downloaded batch, its history entries and the chunk's new state: one
  // atomic put, so a kill either keeps all of it or none (then the download is simply repeated).
  void store_batch(size_t ci, BulkDownload d) {
    Chunk& c = job_.chunks[ci];
    report("downloaded", ci);
    std::map<std::string, Outcome*> by_id;
    for (auto& u : d.units) by_id[u.arbitrary_identifier] = &u.outcome;
    const int64_t now = now_ms();
    std::vector<StoreRecord> records;
    std::map<size_t, json> kept;
    records.reserve(2 * c.count + 1);
    const Outcome missing = failed_outcome("", "the download has no result for this patient",
                                           "check this patient singly (onshi verify insured)", true);
    for (size_t index = c.first; index < c.first + c.count; ++index) {
      const BulkPatient& p = job_.patients[index];
      HistoryContext ctx{"bulk", now, p.patient_id, p.reference_number, job_.id};
      auto it = by_id.find(std::to_string(index));
      const Outcome& o = it != by_id.end() ? *it->second : missing;
      json patient = patient_of(services().store, o, ctx);
      json doc = keepable_outcome(o);
      if (o.cache_allowed && !patient.is_null()) doc["patient"] = std::move(patient);  // R-RES: nothing withheld is stored
      records.push_back(
          result_record(job_.id, index, now, json{{"patient_id", ctx.patient_id}, {"outcome", std::move(doc)}}, kept));
      if (it != by_id.end())
        if (auto h = history_record(o, ctx)) records.push_back(std::move(*h));
    }
    c.state = ChunkState::done;
    if (!save(std::move(records), std::move(kept))) return;
    report("received", ci);
    check_finished();
  }

  // The chunk's patients get a failed result with the terminal's words.
  void store_failed(size_t ci, const std::string& code, const std::string& message) {
    Chunk& c = job_.chunks[ci];
    c.state = ChunkState::failed;
    c.code = code;
    c.message = message;
    std::vector<StoreRecord> results;
    std::map<size_t, json> kept;
    const int64_t now = now_ms();
    const json outcome = keepable_outcome(failed_outcome(
        code, message,
        "the 一括照会 was refused; check these patients singly (onshi verify insured) or at the reception window", false));
    for (size_t index = c.first; index < c.first + c.count; ++index)
      results.push_back(result_record(job_.id, index, now,
                                      json{{"patient_id", job_.patients[index].patient_id}, {"outcome", outcome}}, kept));
    if (!save(std::move(results), std::move(kept))) return;
    check_finished();
  }

  void check_finished() {
    bool any_unknown = false;
    for (const Chunk& c : job_.chunks) {
      if (!c.finished()) return;
      any_unknown = any_unknown || c.state == ChunkState::unknown;
    }
    job_.state = any_unknown ? JobState::unknown : JobState::done;
    if (!save()) return;
    report("done", job_.chunks.size() - 1);
    finish(result_document());
  }

  // From the results as stored: those this run put (stored_, exactly what the store holds), or,
  // when some were stored before a restart, all of them read back from the store.
  Result<std::string> result_document() {
    json results = json::object();
    if (stored_.size() == received(job_)) {
      for (auto& [index, d] : stored_) results[d["patient_id"].get<std::string>()] = std::move(d["outcome"]);
      stored_.clear();  // moved into the completion
    } else {
      StoreQuery q;
      q.collection = kResults;
      q.tag = "job:" + job_.id;
      auto stored = services().store.query(q);
      if (!stored) return std::move(stored).error();
      for (const StoreRecord& rec : *stored) {
        json d = json::parse(rec.doc, nullptr, false);
        if (d.is_discarded() || !d.contains("patient_id") || !d["patient_id"].is_string()) continue;
        results[d["patient_id"].get<std::string>()] = std::move(d["outcome"]);
      }
    }
    json unknown = json::array();
    for (const Chunk& c : job_.chunks) {
      if (c.state != ChunkState::unknown) continue;
      json ids = json::array();
      for (size_t i = c.first; i < c.first + c.count; ++i) ids.push_back(job_.patients[i].patient_id);
      unknown.push_back({{"file_identifier", c.afi}, {"message", c.message.value_or("")}, {"patients", ids}});
    }
    json doc = {{"schema", ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT},
                {"job", job_.id},
                {"state", kJobStates.name(job_.state)},
                {"total", job_.patients.size()},
                {"received", results.size()},
                {"results", std::move(results)}};
    if (!unknown.empty()) {
      doc["unknown"] = std::move(unknown);
      doc["hint"] =
          "the terminal could not say whether these uploads arrived; they were NOT sent again. Check the 一括照会 "
          "screen of the 資格確認端末, then resume the job (it asks again) or check these patients singly";
    }
    return doc.dump();
  }

  Job job_;
  bool patients_stored_;
  std::map<size_t, json> stored_;  // index → {patient_id, outcome} this run put, exactly as stored
  BulkJobs::Progress progress_;
};

// ---- a 照会番号 registration (not resumable: registering again is harmless) ----

class Registration final : public BulkJobs::Operation {
 public:
  explicit Registration(std::vector<Reference> asked) : asked_(std::move(asked)) {}

  void start(std::string request) {
    const bool single = asked_.size() == 1;
    send(single ? prefix::registration : prefix::bulk_registration, std::move(request),
         [this, single](Result<std::string> a) {
           auto answer = read_answer<XmlMsg>(std::move(a));
           if (!answer) return finish(answer.error());
           if (single) return registered(registration_answer_of(*answer));
           const BulkReceipt receipt = bulk_receipt_of(*answer);
           if (receipt.state != BulkReceipt::State::accepted)
             return finish(make_error(ONSHI_E_PROTOCOL, kRecords,
                                      "照会番号一括登録 refused: " + receipt.code + " " + receipt.message,
                                      "check the rows and try again"));
           poll(receipt.reception_number);
         });
  }

 private:
  void poll(const std::string& reception) {
    poll_download<XmlMsg>("OQSmuimm02", reception, 0, [this](const XmlMsg& answer) {
      RegistrationAnswer r = registration_answer_of(answer);
      if (r.state == BulkDownload::State::processing) return false;
      registered(r);
      return true;
    });
  }

  void registered(const RegistrationAnswer& a) {
    if (a.state == BulkDownload::State::failed)
      return finish(make_error(ONSHI_E_PROTOCOL, kRecords, "照会番号登録 refused: " + a.code + " " + a.message,
                               "check the numbers and try again; if it repeats, call the terminal's support desk"));
    json results = json::array();
    std::vector<Reference> keep;
    for (const RegistrationResult& res : a.results) {
      json one = {{"reference_number", res.reference_number}, {"registered", res.registered}};
      if (!res.code.empty()) one["code"] = res.code;
      if (!res.message.empty()) one["message"] = res.message;
      results.push_back(std::move(one));
      if (!res.registered) continue;
      for (const Reference& ref : asked_)
        if (ref.reference_number == res.reference_number) keep.push_back(ref);
    }
    if (auto put = save_references(services().store, keep, now_ms()); !put) return finish(std::move(put).error());
    finish(json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_RESULT}, {"results", results}}.dump());
  }

  std::vector<Reference> asked_;
};

// ---- a query selected by a window (居宅同意取得型, 医療扶助): not resumable, asking again only reads ----

class WindowRun final : public BulkJobs::Operation {
 public:
  explicit WindowRun(WindowQuery query) : query_(std::move(query)) {}

  void start(std::string request) {
    send(window_prefixes(query_.kind).first, std::move(request), [this](Result<std::string> a) {
      auto answer = read_answer<XmlMsg>(std::move(a));
      if (!answer) return finish(answer.error());
      const BulkReceipt receipt = bulk_receipt_of(*answer);
      if (receipt.state != BulkReceipt::State::accepted)
        return finish(make_error(ONSHI_E_PROTOCOL, kRecords,
                                 std::string(window_prefixes(query_.kind).first) + " refused: " + receipt.code + " " +
                                     receipt.message,
                                 "check the window (dates or month) and that the terminal offers this query, then ask "
                                 "again"));
      poll(receipt.reception_number);
    });
  }

 private:
  void poll(const std::string& reception) {
    poll_download<BulkResult>(window_prefixes(query_.kind).second, reception, 0, [this](BulkResult answer) {
      BulkDownload d = bulk_download_of(std::move(answer));
      if (d.state == BulkDownload::State::processing) return false;
      if (d.state == BulkDownload::State::failed)
        finish(make_error(ONSHI_E_PROTOCOL, kRecords,
                          std::string(window_prefixes(query_.kind).second) + " failed: " + d.code + " " + d.message,
                          "ask again; if it repeats, call the terminal's support desk with this code"));
      else
        answered(d);
      return true;
    });
  }

  // Each result is a verification like any other: kept in the history (R-RETAIN), and tied to the
  // EMR's patient when it carries a registered 照会番号 (R-SHOUKAI).
  void answered(const BulkDownload& d) {
    const int64_t now = now_ms();
    json results = json::array();
    std::vector<StoreRecord> history;
    for (const BulkDownload::Unit& u : d.units) {
      HistoryContext ctx{kWindowKinds.name(query_.kind), now, "", "", ""};
      json patient = patient_of(services().store, u.outcome, ctx);
      json doc = outcome_document(u.outcome);
      if (!patient.is_null()) doc["patient"] = std::move(patient);
      results.push_back(std::move(doc));
      if (auto h = history_record(u.outcome, ctx)) history.push_back(std::move(*h));
    }
    if (!history.empty())
      if (auto put = services().store.put(std::move(history)); !put) return finish(std::move(put).error());
    finish(json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_WINDOW_RESULT}, {"query", query_}, {"results", results}}.dump());
  }

  WindowQuery query_;
};

// ---- jobs in the store ----

Job new_job(const BulkServices& s, std::string label, bool limit_consent) {
  const int64_t now = unix_ms(s.now());
  Job job;
  job.id = "B";
  for (char ch : jst_timestamp(now).substr(0, 19))
    if (ch >= '0' && ch <= '9') job.id += ch;
  job.id += "-" + random_hex(3);
  job.created_unix_ms = now;
  job.limit_consent = limit_consent;
  job.label = std::move(label);
  return job;
}

// Makes `job` ready to run with `rows`: 照会番号 resolved to their registered numbers, chunks of
// chunk_size, every chunk new. Returns what to store in one put: the results of the rows that cannot
// be queried (an unregistered 照会番号), the patients and the job.
Result<std::vector<StoreRecord>> plan_job(const BulkServices& s, Job& job, const std::vector<BulkPatient>& rows) {
  const int64_t now = unix_ms(s.now());
  std::vector<BulkPatient> resolved, unresolved;
  std::vector<std::string> why;  // of each unresolved row
  for (size_t i = 0; i < rows.size(); ++i) {
    BulkPatient p = rows[i];
    if (!p.reference_number.empty() && p.number.empty()) {  // the numbers registered with the 照会番号 (R-SHOUKAI)
      auto registered = find_reference(s.store, p.reference_number);
      if (!registered) {
        BulkPatient kept = p;
        kept.insurer_number.clear(), kept.symbol.clear(), kept.branch.clear(), kept.birth_date.clear();
        unresolved.push_back(std::move(kept));
        why.push_back("照会番号 " + p.reference_number + " is not registered with this SDK");
        continue;
      }
      p.insurer_number = registered->insurer_number, p.symbol = registered->symbol, p.number = registered->number,
      p.branch = registered->branch;
      if (p.birth_date.empty()) p.birth_date = registered->birth_date;
      if (p.birth_date.empty())
        return support::document_error(
            ONSHI_SCHEMA_ELIGIBILITY_BULK_REQUEST,
            support::FieldError("patients[" + std::to_string(i) + "].birth_date: the 照会番号 " + p.reference_number +
                                " was registered without it; give the 生年月日 as YYYYMMDD"));
    }
    resolved.push_back(std::move(p));
  }
  job.unresolved = unresolved.size();
  job.total = resolved.size() + unresolved.size();
  job.chunks.clear();
  const size_t chunk = std::max<size_t>(1, s.settings.chunk_size);
  for (size_t first = 0; first < resolved.size(); first += chunk) {
    Chunk& c = job.chunks.emplace_back();
    c.first = first;
    c.count = std::min(chunk, resolved.size() - first);
    c.afi = random_hex(8);  // recorded before the upload: the key to ask by
  }
  job.patients = std::move(resolved);
  for (auto& p : unresolved) job.patients.push_back(std::move(p));  // last, outside every chunk

  std::vector<StoreRecord> records;
  std::map<size_t, json> kept;
  for (size_t k = 0; k < job.unresolved; ++k) {
    const size_t index = job.patients.size() - job.unresolved + k;
    const Outcome o = failed_outcome(
        "", why[k], "register the 照会番号 first (onshi register-ref) or give the insurance numbers", false);
    records.push_back(result_record(job.id, index, now,
                                    json{{"patient_id", job.patients[index].patient_id}, {"outcome", keepable_outcome(o)}},
                                    kept));
  }
  const int64_t created = job.created_unix_ms, expires = retention_end_unix_ms(created);
  records.push_back(StoreRecord{kPatients, job.id, created, expires, {}, json(job.patients).dump()});
  records.push_back(StoreRecord{kJobs, job.id, created, expires, {}, job_document(job).dump()});
  return records;
}

// bulk-request/1 → a stored job (state running, every chunk new); unresolved rows get their result now.
Result<Job> create_job(const BulkServices& s, const BulkRequest& request) {
  Job job = new_job(s, request.label, request.limit_consent);
  auto records = plan_job(s, job, request.patients);
  if (!records) return std::move(records).error();
  if (auto put = s.store.put(*records); !put) return std::move(put).error();
  return job;
}

struct LoadedJob {
  Job job;
  bool patients_stored = true;  // false: a job saved with its patients inline, moved apart at its next save
};

// job_id nullopt: the oldest one in state `wanted` (still running, or the open deferred job).
Result<LoadedJob> load_job(const RecordStore& store, const std::optional<std::string>& job_id,
                           JobState wanted = JobState::running) {
  StoreQuery q;
  q.collection = kJobs;
  q.key = job_id;
  auto stored = store.query(q);
  if (!stored) return std::move(stored).error();
  for (const StoreRecord& rec : *stored) {
    auto job = support::from_document<Job>(json::parse(rec.doc, nullptr, false), kJobSchema);
    if (!job || (!job_id && job->state != wanted)) continue;
    LoadedJob loaded{std::move(*job), false};
    loaded.job.id = rec.key;
    if (loaded.job.patients.empty()) {  // stored beside it
      StoreQuery pq;
      pq.collection = kPatients;
      pq.key = rec.key;
      auto found = store.query(pq);
      if (!found) return std::move(found).error();
      const json patients = found->empty() ? json() : json::parse(found->front().doc, nullptr, false);
      if (!patients.is_array())
        return make_error(ONSHI_E_INTERNAL, kRecords, "一括照会 " + rec.key + ": its patients are not stored",
                          "the store is damaged; start the job again from the appointment list");
      loaded.job.patients = patients.get<std::vector<BulkPatient>>();
      loaded.patients_stored = true;
    }
    return loaded;
  }
  if (wanted == JobState::deferred)
    return make_error(ONSHI_E_NOT_FOUND, kRecords, "no deferred check is queued",
                      "a check is queued when the claims route says verify_later (R-M9): onshi deferred add");
  return make_error(ONSHI_E_NOT_FOUND, kRecords,
                    job_id ? "no stored 一括照会 job " + *job_id : std::string("no unfinished 一括照会 job"),
                    "list the jobs with bulk_jobs (onshi bulk --jobs)");
}

// R-M9: how a deferred check's outcome decides the claim (onshi.claims.input/1 "recheck").
const char* recheck_of(const json& outcome) {
  const std::string kind = outcome.value("kind", "");
  if (kind == "valid") return "valid";
  if (kind == "lost" || kind == "lost_with_new") return "lost";
  if (kind == "no_data") return "no_data";
  return "failed";
}

}  // namespace

// ---- BulkJobs ----

BulkJobs::BulkJobs(BulkServices services) : services_(std::move(services)) {}

BulkJobs::~BulkJobs() {
  std::map<uint64_t, std::shared_ptr<Operation>> open;
  {
    std::lock_guard lock(open_mutex_);
    open.swap(open_);
  }
  for (auto& [id, op] : open)
    op->finish(make_error(ONSHI_E_CANCELLED, kRecords, "the eligibility plugin was closed"));
}

uint64_t BulkJobs::launch(std::shared_ptr<Operation> op, std::function<void()> run) {
  {
    std::lock_guard lock(open_mutex_);
    op->owner = this;
    op->id = next_id_++;
    open_[op->id] = op;  // from now on the destructor completes it, even before it ran
  }
  services_.reactor.post([op, run = std::move(run)] {
    if (op->finished) return;
    op->running = true;
    run();
  });
  return op->id;
}

Result<uint64_t> BulkJobs::start(const BulkRequest& request, Progress progress, Done done) {
  auto job = create_job(services_, request);  // stored before anything is sent
  if (!job) return std::move(job).error();
  auto run = std::make_shared<JobRun>(std::move(*job), true, std::move(progress));
  run->done = std::move(done);
  return launch(run, [run] { run->start(); });
}

Result<uint64_t> BulkJobs::resume(const std::optional<std::string>& job_id, Progress progress, Done done) {
  auto loaded = load_job(services_.store, job_id);
  if (!loaded) return std::move(loaded).error();
  auto run = std::make_shared<JobRun>(std::move(loaded->job), loaded->patients_stored, std::move(progress));
  run->done = std::move(done);
  return launch(run, [this, run] {
    bool busy = false;
    {
      std::lock_guard lock(open_mutex_);
      for (auto& [id, other] : open_) busy = busy || (other != run && other->running && other->job_id == run->job_id);
    }
    if (busy)
      return run->finish(make_error(ONSHI_E_BUSY, kRecords, "一括照会 " + run->job_id + " is already running",
                                    "wait for it to finish"));
    run->resume();
  });
}

Result<std::string> BulkJobs::jobs() const {
  StoreQuery q;
  q.collection = kJobs;
  q.newest_first = true;
  auto stored = services_.store.query(q);
  if (!stored) return std::move(stored).error();
  json jobs = json::array();
  for (const StoreRecord& rec : *stored) {
    auto job = support::from_document<Job>(json::parse(rec.doc, nullptr, false), kJobSchema);
    if (!job) continue;
    jobs.push_back({{"job", rec.key},
                    {"state", kJobStates.name(job->state)},
                    {"label", job->label},
                    {"created_unix_ms", job->created_unix_ms},
                    {"total", job->total},
                    {"received", received(*job)}});
  }
  return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_BULK_JOBS}, {"jobs", jobs}}.dump();
}

Result<uint64_t> BulkJobs::register_references(std::vector<Reference> rows, Done done) {
  std::vector<ReferenceRegistration> registrations;
  for (const Reference& r : rows) registrations.push_back({r.reference_number, r.insurer_number, r.symbol, r.number, r.branch});
  auto request = registration_request(registrations, services_.settings.medical_institution_code, random_hex(8));
  if (!request) return std::move(request).error();
  auto run = std::make_shared<Registration>(std::move(rows));
  run->done = std::move(done);
  return launch(run, [run, request = std::move(*request)]() mutable { run->start(std::move(request)); });
}

Result<uint64_t> BulkJobs::query_window(WindowQuery query, Done done) {
  auto request = window_request(query, services_.settings.medical_institution_code, random_hex(8));
  if (!request) return std::move(request).error();
  auto run = std::make_shared<WindowRun>(std::move(query));
  run->done = std::move(done);
  return launch(run, [run, request = std::move(*request)]() mutable { run->start(std::move(request)); });
}

void BulkJobs::cancel(uint64_t operation) {
  std::shared_ptr<Operation> op;
  {
    std::lock_guard lock(open_mutex_);
    auto it = open_.find(operation);
    if (it == open_.end()) return;
    op = it->second;
  }
  services_.reactor.post([op] { op->cancel(); });
}

// ---- deferred checks (R-M9) ----

Result<std::string> BulkJobs::defer(std::vector<BulkPatient> checks) {
  std::lock_guard lock(deferred_mutex_);
  auto open = load_job(services_.store, std::nullopt, JobState::deferred);
  if (!open && open.error().code != ONSHI_E_NOT_FOUND) return std::move(open).error();
  Job job = open ? std::move(open->job) : new_job(services_, kDeferredLabel, false);
  job.state = JobState::deferred;
  for (BulkPatient& check : checks) {  // a visit checked again replaces its earlier check
    auto same = std::find_if(job.patients.begin(), job.patients.end(),
                             [&](const BulkPatient& p) { return p.patient_id == check.patient_id; });
    if (same != job.patients.end()) *same = std::move(check);
    else job.patients.push_back(std::move(check));
  }
  job.total = job.patients.size();
  const int64_t expires = retention_end_unix_ms(job.created_unix_ms);
  if (auto put = services_.store.put({StoreRecord{kPatients, job.id, job.created_unix_ms, expires, {}, json(job.patients).dump()},
                                      StoreRecord{kJobs, job.id, job.created_unix_ms, expires, {}, job_document(job).dump()}});
      !put)
    return std::move(put).error();
  deferred_queued_ = true;
  json queued = json::array();
  for (const BulkPatient& p : job.patients) {
    json one = p;
    one["state"] = "queued";
    one["job"] = job.id;
    queued.push_back(std::move(one));
  }
  return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_LIST}, {"checks", queued}}.dump();
}

Result<uint64_t> BulkJobs::run_deferred(Progress progress, Done done) {
  std::unique_lock lock(deferred_mutex_);
  auto open = load_job(services_.store, std::nullopt, JobState::deferred);
  if (!open) {
    if (open.error().code != ONSHI_E_NOT_FOUND) return std::move(open).error();
    deferred_queued_ = false;
    lock.unlock();
    // A run interrupted earlier (link down again, cancel, crash) carries on where it stopped: an
    // upload whose fate is unknown is asked about, never sent again blindly.
    StoreQuery q;
    q.collection = kJobs;
    auto stored = services_.store.query(q);
    if (!stored) return std::move(stored).error();
    for (const StoreRecord& rec : *stored) {
      auto job = support::from_document<Job>(json::parse(rec.doc, nullptr, false), kJobSchema);
      if (job && job->label == kDeferredLabel && job->state == JobState::running)
        return resume(rec.key, std::move(progress), std::move(done));
    }
    return std::move(open).error();
  }
  // Planned and stored as running in one put before anything is sent: from here it is a 一括照会
  // like any other (a crash resumes it with bulk_resume).
  Job job = std::move(open->job);
  const std::vector<BulkPatient> rows = std::move(job.patients);
  job.state = JobState::running;
  auto records = plan_job(services_, job, rows);
  if (!records) return std::move(records).error();
  if (auto put = services_.store.put(*records); !put) return std::move(put).error();
  deferred_queued_ = false;
  auto run = std::make_shared<JobRun>(std::move(job), true, std::move(progress));
  run->done = std::move(done);
  return launch(run, [run] { run->start(); });
}

bool BulkJobs::deferred_queued() const {
  std::lock_guard lock(deferred_mutex_);
  if (!deferred_queued_) deferred_queued_ = load_job(services_.store, std::nullopt, JobState::deferred).ok();
  return *deferred_queued_;
}

Result<std::string> BulkJobs::deferred() const {
  StoreQuery q;
  q.collection = kJobs;
  q.newest_first = true;
  auto stored = services_.store.query(q);
  if (!stored) return std::move(stored).error();
  json checks = json::array();
  for (const StoreRecord& rec : *stored) {
    auto job = support::from_document<Job>(json::parse(rec.doc, nullptr, false), kJobSchema);
    if (!job || job->label != kDeferredLabel) continue;
    auto loaded = load_job(services_.store, rec.key);
    if (!loaded) return std::move(loaded).error();
    std::map<std::string, json> outcomes;  // patient_id → outcome, once checked
    StoreQuery rq;
    rq.collection = kResults;
    rq.tag = "job:" + rec.key;
    auto results = services_.store.query(rq);
    if (!results) return std::move(results).error();
    for (const StoreRecord& r : *results) {
      json d = json::parse(r.doc, nullptr, false);
      if (d.is_object() && d.contains("patient_id") && d["patient_id"].is_string())
        outcomes[d["patient_id"].get<std::string>()] = d.value("outcome", json::object());
    }
    for (const BulkPatient& p : loaded->job.patients) {
      json one = p;
      one["job"] = rec.key;
      auto found = outcomes.find(p.patient_id);
      if (found != outcomes.end()) {
        one["state"] = "done";
        one["outcome"] = found->second;
        one["recheck"] = recheck_of(found->second);  // what to give the claims plugin, with the outcome's numbers
      } else {
        one["state"] = job->state == JobState::deferred ? "queued"
                       : job->state == JobState::running ? "running"
                                                         : "unknown";
      }
      checks.push_back(std::move(one));
    }
  }
  return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_LIST}, {"checks", checks}}.dump();
}

}  // namespace onshi::eligibility
