#include "records.hpp"

#include <onshi/eligibility/bulk.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/eligibility/protocol.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <type_traits>

namespace onshi::eligibility::plugin {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Record = onshi::plugin::Host::Record;
using StoreQuery = onshi::plugin::Host::Query;

constexpr const char* kJobs = "bulk-jobs";
constexpr const char* kPatients = "bulk-patients";  // a job's patients, stored once beside it (key: the job id)
constexpr const char* kResults = "bulk-results";
constexpr std::string_view kBulkRequestSchema = "onshi.eligibility.bulk-request/1";
constexpr std::string_view kReferenceRequestSchema = "onshi.eligibility.reference-request/1";
constexpr int kMaxPollFailures = 5;

Error bad_request(std::string_view schema, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility-records", std::string(schema) + ": " + what,
                    "fix the request document (see docs/decisions/eligibility-bulk.md)");
}


bool digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }


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

std::string view(onshi_bytes b) { return b.data ? std::string(reinterpret_cast<const char*>(b.data), b.size) : ""; }

std::chrono::year_month_day jst_today(std::chrono::system_clock::time_point now) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now + std::chrono::hours(9)));
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

std::string index_key(const std::string& job, size_t index) {
  char b[16];
  std::snprintf(b, sizeof b, "%06zu", index);
  return job + "/" + b;
}

// ---- configuration (the plugin's own section, read through the host) ----
struct Settings {
  fs::path root;  // folder.root; empty with the TLS transport
  std::string medical_institution_code = kDemoInstitutionCode;
  std::chrono::milliseconds poll{5000};  // eligibility-xml.md §2.9: poll 02req every ≥ 5 s
  size_t chunk = 1000;  // patients per upload: each 02res stays far under the reader's 8 MiB limit
};

Settings read_settings(const onshi::plugin::Host& host) {
  Settings s;
  if (host.config("transport").value_or("folder") != "tls") s.root = host.config("folder.root").value_or("");
  if (auto code = host.config("medical_institution_code")) s.medical_institution_code = *code;
  auto number = [&](const char* key, long long fallback) {
    auto v = host.config(key);
    if (!v || !digits(*v)) return fallback;
    return std::max(1LL, std::stoll(*v));
  };
  s.poll = std::chrono::milliseconds(number("bulk.poll_ms", 5000));
  s.chunk = static_cast<size_t>(std::min(number("bulk.chunk_size", 1000), 1000LL));
  return s;
}

}  // namespace

// One open operation of this extension (a bulk job run, or a registration).
struct Records::Op {
  uint64_t id = 0;
  onshi_completion done{};
  onshi_document_listener progress{};  // on_document NULL: none
  std::set<uint64_t> exchanges;        // host exchange operations under way
  std::set<uint64_t> timers;
  bool finished = false;
  std::shared_ptr<Job> job;
};

struct Records::Job {
  Job() = default;
  Job(std::string job_id, json job_doc) : id(std::move(job_id)), doc(std::move(job_doc)) {}
  std::string id;
  json doc;  // onshi.eligibility.bulk-job/1 as stored
  json& chunks() { return doc["chunks"]; }
  const json& patients() const { return doc.at("patients"); }

  // The document as stored in kJobs: all but its patients. Every state change stores the job,
  // but the patients (~1 MB of JSON for 10,000) never change once it is made: they are stored
  // once, in kPatients, in the same put as the job's first save (save()).
  std::string text() {
    json p = std::move(doc["patients"]);
    doc.erase("patients");
    std::string t = doc.dump();
    doc["patients"] = std::move(p);
    return t;
  }
  bool patients_stored = false;

  // The results this run stored durably (index → {patient_id, outcome}, exactly as put): the
  // completion is built from them instead of reading them back (result_document).
  std::map<size_t, json> stored;
};

// The extension functions and the state machine, with access to Records' insides.
struct Api {
  using Op = Records::Op;
  using Job = Records::Job;

  static Records& self(onshi_instance* i) { return onshi::plugin::self<RecordsInstance>(i).records(); }

  // ---- plumbing [strand] ----

  static void finish(Records& r, const std::shared_ptr<Op>& op, const Result<std::string>& result) {
    if (op->finished) return;
    op->finished = true;
    for (uint64_t t : op->timers) r.reactor_.cancel(t);
    r.ops_.erase(op->id);
    if (result) return op->done.done(op->done.ctx, ONSHI_OK, {reinterpret_cast<const uint8_t*>(result->data()), result->size()}, nullptr);
    onshi_error err = empty_error();
    fill_error(&err, result.error());
    op->done.done(op->done.ctx, result.error().code, onshi_bytes{nullptr, 0}, &err);
  }

  static void progress(const std::shared_ptr<Op>& op, json doc) {
    if (op->finished || !op->progress.on_document) return;
    doc["schema"] = "onshi.eligibility.bulk-progress/1";
    const std::string text = doc.dump();
    op->progress.on_document(op->progress.ctx, ONSHI_OK, bytes_of(text),
                             nullptr);
  }

  struct ExchangeCtx {
    Records* records;
    std::weak_ptr<Op> op;
    uint64_t id = 0;
    std::function<void(Result<std::string_view>)> reply;  // the answer's bytes, valid during the call
    onshi_completion c{sizeof(onshi_completion), this, &on_done};
    static void ONSHI_ABI on_done(void* ctx, onshi_status status, onshi_bytes result, const onshi_error* err) {
      std::unique_ptr<ExchangeCtx> self(static_cast<ExchangeCtx*>(ctx));
      auto op = self->op.lock();
      if (!op || op->finished) return;
      op->exchanges.erase(self->id);
      if (status != ONSHI_OK)
        return self->reply(err ? to_error(status, *err) : make_error(status, "eligibility-records", "exchange failed"));
      self->reply(std::string_view(reinterpret_cast<const char*>(result.data), result.size));
    }
  };

  // An answer read as the generic tree, or, for the 02res of up to 1,000 results, as its typed view
  // straight from the bytes (parse_message): one reading instead of a tree and then a view of it.
  template <class M>
  static Result<M> answer_as(std::string_view bytes) {
    if constexpr (std::is_same_v<M, XmlMsg>) return read_xml_msg(bytes, "the terminal's answer");
    else return parse_message<M>(bytes, "the terminal's answer");
  }

  // Sends through the host's exchange service (our own exchange_async, whichever transport).
  template <class M = XmlMsg>
  static void exchange(Records& r, const std::shared_ptr<Op>& op, std::string_view prefix, const std::string& bytes,
                       std::type_identity_t<std::function<void(Result<M>)>> reply) {
    const onshi_host* host = r.host_.raw();
    const auto* service = host && host->get_service
                              ? static_cast<const onshi_host_exchange_v1*>(host->get_service(host, ONSHI_SERVICE_EXCHANGE))
                              : nullptr;
    if (!service) {
      reply(make_error(ONSHI_E_NOT_SUPPORTED, "eligibility-records", "the host offers no exchange service",
                       "use an onshi host SDK that provides " ONSHI_SERVICE_EXCHANGE));
      return;
    }
    auto ctx = std::make_unique<ExchangeCtx>();
    ctx->records = &r;
    ctx->op = op;
    ctx->reply = [reply](Result<std::string_view> answer) {
      reply(answer ? answer_as<M>(*answer) : Result<M>(std::move(answer).error()));
    };
    onshi_error err = empty_error();
    uint64_t id = 0;
    const std::string p(prefix);
    ExchangeCtx* raw = ctx.release();
    onshi_status st = service->exchange_async(host, p.c_str(), bytes_of(bytes),
                                              &raw->c, &id, &err);
    if (st != ONSHI_OK) {  // nothing started: no completion will come
      std::unique_ptr<ExchangeCtx> owned(raw);
      owned->reply(to_error(st, err));
      return;
    }
    raw->id = id;
    op->exchanges.insert(id);
  }

  static void after(Records& r, const std::shared_ptr<Op>& op, std::chrono::milliseconds delay, std::function<void()> fn) {
    auto id = std::make_shared<uint64_t>(0);
    *id = r.reactor_.after(delay, [op, id, fn = std::move(fn)] {
      op->timers.erase(*id);
      if (!op->finished) fn();
    });
    op->timers.insert(*id);
  }

  // ---- bulk jobs [strand] ----

  // The job and, in the same atomic put, `with` (a batch's results and history entries); `kept` are
  // those results (index → stored document), remembered once they are durable.
  static Result<void> save(Records& r, Job& job, std::vector<Record> with = {}, std::map<size_t, json> kept = {}) {
    const int64_t created = job.doc.value("created_unix_ms", int64_t(0));
    if (!job.patients_stored)
      with.push_back(Record{kPatients, job.id, created, retention_end_unix_ms(created), {}, job.patients().dump()});
    with.push_back(Record{kJobs, job.id, created, retention_end_unix_ms(created), {}, job.text()});
    if (auto put = r.host_.store_put(with); !put) return put;
    job.patients_stored = true;
    job.stored.merge(kept);
    return {};
  }

  // One bulk-results record, its document kept in `kept` for save().
  static Record result_record(const Job& job, size_t index, int64_t now, json stored, std::map<size_t, json>& kept) {
    Record rec{kResults, index_key(job.id, index), now, retention_end_unix_ms(now), {"job:" + job.id}, stored.dump()};
    kept.emplace(index, std::move(stored));
    return rec;
  }

  static int received(Job& job) {
    int n = 0;
    for (const auto& c : job.chunks())
      if (c["state"] == "done" || c["state"] == "failed") n += c["count"].get<int>();
    return n + job.doc.value("unresolved", 0);
  }

  static json progress_doc(Job& job, const char* stage, size_t chunk) {
    return {{"job", job.id},
            {"stage", stage},
            {"chunk", chunk + 1},
            {"chunks", job.chunks().size()},
            {"received", received(job)},
            {"total", job.patients().size()}};
  }

  static void store_failed(Records& r, const std::shared_ptr<Op>& op, size_t ci, const std::string& code,
                           const std::string& message) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    c["state"] = "failed";
    c["code"] = code;
    c["message"] = message;
    std::vector<Record> results;
    std::map<size_t, json> kept;
    const int64_t now = r.history_.now_unix_ms();
    const Outcome o = failed_outcome(code, message,
                                     "the 一括照会 was refused; check these patients singly (onshi verify insured) or at "
                                     "the reception window",
                                     false);
    for (int i = 0; i < c["count"].get<int>(); ++i) {
      const size_t index = c["first"].get<size_t>() + i;
      const std::string pid = string_at(job.patients()[index], "patient_id");
      results.push_back(
          result_record(job, index, now, json{{"patient_id", pid}, {"outcome", keepable_outcome(o)}}, kept));
    }
    if (auto put = save(r, job, std::move(results), std::move(kept)); !put) return finish(r, op, put.error());
    check_finished(r, op);
  }

  static void upload(Records& r, const std::shared_ptr<Op>& op, size_t ci) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    std::vector<BulkQuery> queries;
    const size_t first = c["first"].get<size_t>();
    for (int i = 0; i < c["count"].get<int>(); ++i) {
      const json& p = job.patients()[first + i];
      queries.push_back(BulkQuery{std::to_string(first + i), string_at(p, "insurer_number"), string_at(p, "symbol"),
                                  string_at(p, "number"), string_at(p, "branch"), string_at(p, "birth_date"),
                                  job.doc.value("limit_consent", false)});
    }
    const Settings s = read_settings(r.host_);
    auto bytes = bulk_upload_request(queries, s.medical_institution_code, jst_today(r.host_.now()), string_at(c, "afi"));
    if (!bytes) return store_failed(r, op, ci, std::to_string(bytes.error().code), bytes.error().message);
    // Durable BEFORE the file exists: from here on a restart asks before it sends (S5).
    c["state"] = "uploading";
    if (auto put = save(r, job); !put) return finish(r, op, put.error());
    progress(op, progress_doc(job, "uploading", ci));
    exchange(r, op, prefix::bulk_upload, *bytes, [&r, op, ci](Result<XmlMsg> answer) { on_upload(r, op, ci, std::move(answer)); });
    // Queued behind the transport's own job on the strand: by now the request is in req.
    r.reactor_.post([op, ci] {
      if (op->job) progress(op, progress_doc(*op->job, "sent", ci));
    });
  }

  static void adopt(Records& r, const std::shared_ptr<Op>& op, size_t ci, const std::string& reception) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    c["state"] = "uploaded";
    c["reception_number"] = reception;
    if (auto put = save(r, job); !put) return finish(r, op, put.error());
    json p = progress_doc(job, "uploaded", ci);
    p["reception_number"] = reception;
    progress(op, p);
    poll(r, op, ci);
  }

  static void on_upload(Records& r, const std::shared_ptr<Op>& op, size_t ci, Result<XmlMsg> answer) {
    if (!answer) {
      if (answer.error().code == ONSHI_E_CANCELLED) return finish(r, op, answer.error());
      // The terminal's .err: it refused the file, so the central system never saw it.
      if (answer.error().code == ONSHI_E_PROTOCOL && answer.error().message.find(".err") != std::string::npos)
        return store_failed(r, op, ci, std::to_string(answer.error().code), answer.error().message);
      return recover(r, op, ci);  // timeout, I/O: the upload's fate is unknown
    }
    const BulkReceipt receipt = bulk_receipt_of(*answer);
    if (receipt.state == BulkReceipt::State::accepted) return adopt(r, op, ci, receipt.reception_number);
    store_failed(r, op, ci, receipt.code, receipt.message);
  }

  // An upload whose answer was never recorded (a crash, a timeout). Never sent again blindly:
  // 1. the 01res may already be in res (folder transport): adopt its reception number;
  // 2. else ask the download side by our ArbitraryFileIdentifier (02req without a reception
  //    number): a reception number → adopt; "not received" (kNotReceivedCode) → provably never
  //    received → send again; anything else → state unknown, for a person to decide.
  static void recover(Records& r, const std::shared_ptr<Op>& op, size_t ci) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    const std::string afi = string_at(c, "afi");
    progress(op, progress_doc(job, "recovering", ci));
    const Settings s = read_settings(r.host_);
    if (!s.root.empty()) {
      std::error_code ec;
      for (fs::directory_iterator it(s.root / "res", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(std::string(prefix::bulk_upload) + "res_")) continue;
        std::ifstream in(it->path(), std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(in), {}};
        if (bytes.find(afi) == std::string::npos) continue;
        auto msg = read_xml_msg(bytes, name);
        if (!msg) continue;
        const auto h = view_as<BulkReception>(*msg).header;
        if (h.ArbitraryFileIdentifier != afi) continue;
        const BulkReceipt receipt = bulk_receipt_of(*msg);
        if (receipt.state == BulkReceipt::State::accepted) return adopt(r, op, ci, receipt.reception_number);
        return store_failed(r, op, ci, receipt.code, receipt.message);
      }
    }
    auto bytes = bulk_download_request(s.medical_institution_code, "", afi);
    if (!bytes) return unknown(r, op, ci, bytes.error().message);
    exchange(r, op, prefix::bulk_download, *bytes, [&r, op, ci](Result<XmlMsg> answer) {
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED) return finish(r, op, answer.error());
        return unknown(r, op, ci, "the terminal could not be asked about the upload: " + answer.error().message);
      }
      const BulkReceipt receipt = bulk_receipt_of(*answer);
      if (receipt.state == BulkReceipt::State::accepted) return adopt(r, op, ci, receipt.reception_number);
      if (receipt.state == BulkReceipt::State::not_received) {
        json& c = op->job->chunks()[ci];
        c["state"] = "new";
        c["resubmitted"] = c.value("resubmitted", 0) + 1;
        return upload(r, op, ci);
      }
      unknown(r, op, ci, "the terminal did not say whether it received the upload: " + receipt.code + " " + receipt.message);
    });
  }

  static void unknown(Records& r, const std::shared_ptr<Op>& op, size_t ci, const std::string& why) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    c["state"] = "unknown";
    c["message"] = why;
    if (auto put = save(r, job); !put) return finish(r, op, put.error());
    check_finished(r, op);
  }

  static void poll(Records& r, const std::shared_ptr<Op>& op, size_t ci) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    const Settings s = read_settings(r.host_);
    auto bytes = bulk_download_request(s.medical_institution_code, string_at(c, "reception_number"), string_at(c, "afi"));
    if (!bytes) return finish(r, op, bytes.error());
    exchange<BulkResult>(r, op, prefix::bulk_download, *bytes, [&r, op, ci, s](Result<BulkResult> answer) {
      Job& job = *op->job;
      json& c = job.chunks()[ci];
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED) return finish(r, op, answer.error());
        const int failures = c.value("poll_failures", 0) + 1;
        c["poll_failures"] = failures;
        if (failures >= kMaxPollFailures) {  // the job stays stored: bulk_resume_async carries on
          Error e = answer.error();
          e.message = "一括照会 " + job.id + ": the download failed " + std::to_string(failures) + " times: " + e.message;
          e.hint = "check the 資格確認端末, then resume the job (onshi bulk runs it again)";
          return finish(r, op, e);
        }
        return after(r, op, s.poll, [&r, op, ci] { poll(r, op, ci); });
      }
      c["poll_failures"] = 0;
      BulkDownload d = bulk_download_of(std::move(*answer));
      if (d.state == BulkDownload::State::processing) {
        progress(op, progress_doc(job, "waiting", ci));
        return after(r, op, s.poll, [&r, op, ci] { poll(r, op, ci); });
      }
      if (d.state == BulkDownload::State::failed) return store_failed(r, op, ci, d.code, d.message);
      store_batch(r, op, ci, std::move(d));
    });
  }

  // Every result of one downloaded batch, its history entries and the chunk's new state: one
  // atomic put, so a kill either keeps all of it or none (then the download is simply repeated).
  static void store_batch(Records& r, const std::shared_ptr<Op>& op, size_t ci, BulkDownload d) {
    Job& job = *op->job;
    json& c = job.chunks()[ci];
    progress(op, progress_doc(job, "downloaded", ci));
    std::map<std::string, Outcome*> by_id;
    for (auto& u : d.units) by_id[u.arbitrary_identifier] = &u.outcome;
    const int64_t now = r.history_.now_unix_ms();
    std::vector<Record> records;
    std::map<size_t, json> kept;
    const size_t first = c["first"].get<size_t>();
    const int count = c["count"].get<int>();
    records.reserve(2 * count + 1);
    const Outcome missing = failed_outcome("", "the download has no result for this patient",
                                           "check this patient singly (onshi verify insured)", true);
    for (int i = 0; i < count; ++i) {
      const size_t index = first + i;
      const json& p = job.patients()[index];
      HistoryContext ctx{"bulk", now, string_at(p, "patient_id"), string_at(p, "reference_number"), job.id};
      auto it = by_id.find(std::to_string(index));
      const Outcome& o = it != by_id.end() ? *it->second : missing;
      json patient = r.history_.patient_of(o, ctx);
      json doc = keepable_outcome(o);
      if (o.cache_allowed && !patient.is_null()) doc["patient"] = std::move(patient);  // R-RES: nothing withheld is stored
      records.push_back(
          result_record(job, index, now, json{{"patient_id", ctx.patient_id}, {"outcome", std::move(doc)}}, kept));
      if (it != by_id.end())
        if (auto h = r.history_.entry_record(o, ctx)) records.push_back(std::move(*h));
    }
    c["state"] = "done";
    if (auto put = save(r, job, std::move(records), std::move(kept)); !put) return finish(r, op, put.error());
    progress(op, progress_doc(job, "received", ci));
    check_finished(r, op);
  }

  static void check_finished(Records& r, const std::shared_ptr<Op>& op) {
    Job& job = *op->job;
    bool any_unknown = false;
    for (const auto& c : job.chunks()) {
      const std::string s = c["state"];
      if (s != "done" && s != "failed" && s != "unknown") return;
      any_unknown = any_unknown || s == "unknown";
    }
    job.doc["state"] = any_unknown ? "unknown" : "done";
    if (auto put = save(r, job); !put) return finish(r, op, put.error());
    progress(op, progress_doc(job, "done", job.chunks().size() - 1));
    finish(r, op, result_document(r, job));
  }

  // From the results as stored: those this run put (job.stored, exactly what the store holds), or,
  // when some were stored before a restart, all of them read back from the store.
  static Result<std::string> result_document(Records& r, Job& job) {
    json results = json::object();
    if (job.stored.size() == static_cast<size_t>(received(job))) {
      for (auto& [index, d] : job.stored) results[string_at(d, "patient_id")] = std::move(d["outcome"]);
      job.stored.clear();  // moved into the completion
    } else {
      StoreQuery q;
      q.collection = kResults;
      q.tag = "job:" + job.id;
      auto stored = r.host_.store_query(q);
      if (!stored) return std::move(stored).error();
      for (const Record& rec : *stored) {
        json d = json::parse(rec.doc, nullptr, false);
        if (d.is_discarded()) continue;
        results[string_at(d, "patient_id")] = std::move(d["outcome"]);
      }
    }
    json unknown = json::array();
    for (const auto& c : job.chunks()) {
      if (c["state"] != "unknown") continue;
      json ids = json::array();
      for (int i = 0; i < c["count"].get<int>(); ++i)
        ids.push_back(job.patients()[c["first"].get<size_t>() + i]["patient_id"]);
      unknown.push_back({{"file_identifier", c["afi"]}, {"message", c.value("message", "")}, {"patients", ids}});
    }
    json doc = {{"schema", "onshi.eligibility.bulk-result/1"},
                {"job", job.id},
                {"state", job.doc["state"]},
                {"total", job.patients().size()},
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

  static void drive(Records& r, const std::shared_ptr<Op>& op) {
    Job& job = *op->job;
    bool any = false;
    for (size_t ci = 0; ci < job.chunks().size(); ++ci) {
      const std::string s = job.chunks()[ci]["state"];
      if (s == "new") upload(r, op, ci);
      else if (s == "uploading" || s == "unknown") recover(r, op, ci);  // asking again is always safe
      else if (s == "uploaded") poll(r, op, ci);
      else continue;
      any = true;
      if (op->finished) return;
    }
    if (!any) check_finished(r, op);
  }

  static Result<std::shared_ptr<Op>> new_op(const onshi_completion* done, const onshi_document_listener* progress) {
    if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility-records", "no completion given", "pass an onshi_completion");
    auto op = std::make_shared<Op>();
    op->done = *done;
    if (progress && ONSHI_HAS_FIELD(onshi_document_listener, progress, on_document)) op->progress = *progress;
    return op;
  }

  static uint64_t launch(Records& r, std::shared_ptr<Op> op, std::function<void(const std::shared_ptr<Op>&)> run) {
    {
      std::lock_guard lock(r.op_ids_mutex_);
      op->id = r.next_id_++;
    }
    r.reactor_.post([&r, op, run = std::move(run)] {
      r.ops_[op->id] = op;
      run(op);
    });
    return op->id;
  }

  static bool running(Records& r, const std::string& job) {
    for (auto& [id, op] : r.ops_)
      if (op->job && op->job->id == job && !op->finished) return true;
    return false;
  }

  // onshi.eligibility.bulk-request/1 → a stored job (state running, every chunk new).
  static Result<Job> create_job(Records& r, std::string_view request) {
    const json doc = json::parse(request, nullptr, false);
    auto bad = [](const std::string& what) { return bad_request(kBulkRequestSchema, what); };
    if (doc.is_discarded() || !doc.is_object()) return bad("the request is not a JSON object");
    if (auto s = doc.find("schema"); s != doc.end() && *s != kBulkRequestSchema)
      return bad("schema must be \"" + std::string(kBulkRequestSchema) + "\"");
    auto list = doc.find("patients");
    if (list == doc.end() || !list->is_array() || list->empty()) return bad("patients must be a non-empty array");
    const Settings s = read_settings(r.host_);
    json patients = json::array();
    std::set<std::string> ids;
    std::vector<std::pair<size_t, std::string>> unresolved;  // index, why
    for (size_t i = 0; i < list->size(); ++i) {
      const json& p = (*list)[i];
      const std::string row = "patients[" + std::to_string(i) + "]";
      if (!p.is_object()) return bad(row + " must be an object");
      for (const char* k : {"patient_id", "insurer_number", "symbol", "number", "branch", "birth_date", "reference_number"})
        if (p.contains(k) && !p[k].is_string()) return bad(row + "." + k + " must be a string");
      json q = {{"patient_id", string_at(p, "patient_id")}};
      if (string_at(p, "patient_id").empty()) return bad(row + ".patient_id (the EMR's own id) is required");
      if (!ids.insert(string_at(p, "patient_id")).second) return bad(row + ".patient_id repeats an earlier row");
      std::string insurer = string_at(p, "insurer_number"), symbol = string_at(p, "symbol"), number = string_at(p, "number"),
                  branch = string_at(p, "branch"), birth = string_at(p, "birth_date");
      if (const std::string ref = string_at(p, "reference_number"); !ref.empty()) {
        q["reference_number"] = ref;
        if (number.empty()) {  // the numbers registered with the 照会番号 (R-SHOUKAI)
          auto registered = r.history_.reference(ref);
          if (!registered) {
            unresolved.emplace_back(i, "照会番号 " + ref + " is not registered with this SDK");
            patients.push_back(q);
            continue;
          }
          insurer = registered->insurer_number, symbol = registered->symbol, number = registered->number,
          branch = registered->branch;
          if (birth.empty()) birth = registered->birth_date;
        }
      }
      auto padded = padded_insurer_number(insurer);
      if (!padded) return bad(row + ".insurer_number must be the 保険者番号: 8 digits, or 6 digits for 国保");
      if (number.empty()) return bad(row + ".number (被保険者番号) is required, or a registered reference_number");
      if (birth.size() != 8 || !digits(birth)) return bad(row + ".birth_date must be the 生年月日 as YYYYMMDD");
      q["insurer_number"] = *padded, q["symbol"] = symbol, q["number"] = number, q["branch"] = branch,
      q["birth_date"] = birth;
      patients.push_back(std::move(q));
    }
    Job job;
    const int64_t now = r.history_.now_unix_ms();
    job.id = "B";  // B20260401093000-1a2b3c: when it was made (JST), then a random part
    for (char ch : jst_timestamp(now).substr(0, 19))
      if (ch >= '0' && ch <= '9') job.id += ch;
    job.id += "-" + random_hex(3);
    json chunks = json::array();
    // Resolved patients in chunks of at most s.chunk; unresolved rows get their result now.
    std::set<size_t> skip;
    for (auto& [i, why] : unresolved) skip.insert(i);
    std::vector<size_t> order;
    for (size_t i = 0; i < patients.size(); ++i)
      if (!skip.count(i)) order.push_back(i);
    for (auto i : skip) order.push_back(i);  // unresolved last, outside every chunk
    json sorted = json::array();
    for (size_t i : order) sorted.push_back(patients[i]);
    const size_t resolved = patients.size() - skip.size(), total = sorted.size();
    for (size_t first = 0; first < resolved; first += s.chunk)
      chunks.push_back({{"first", first},
                        {"count", std::min(s.chunk, resolved - first)},
                        {"afi", random_hex(8)},  // recorded before the upload: the key to ask by
                        {"state", "new"}});
    job.doc = {{"schema", "onshi.eligibility.bulk-job/1"},
               {"job", job.id},
               {"state", "running"},
               {"created_unix_ms", now},
               {"limit_consent", doc.value("limit_consent", false)},
               {"label", doc.contains("label") && doc["label"].is_string() ? doc["label"] : json("")},
               {"unresolved", unresolved.size()},
               {"total", total},
               {"patients", std::move(sorted)},
               {"chunks", std::move(chunks)}};
    std::vector<Record> results;
    std::map<size_t, json> kept;
    for (size_t k = 0; k < unresolved.size(); ++k) {
      const size_t index = resolved + k;
      const Outcome o = failed_outcome("", unresolved[k].second,
                                       "register the 照会番号 first (onshi register-ref) or give the insurance numbers",
                                       false);
      results.push_back(result_record(
          job, index, now, json{{"patient_id", job.patients()[index]["patient_id"]}, {"outcome", keepable_outcome(o)}},
          kept));
    }
    if (auto put = save(r, job, std::move(results), std::move(kept)); !put) return std::move(put).error();
    return job;
  }

  static Result<Job> load_job(Records& r, const char* job_id) {
    StoreQuery q;
    q.collection = kJobs;
    if (job_id) q.key = std::string(job_id);
    auto stored = r.host_.store_query(q);
    if (!stored) return std::move(stored).error();
    for (const Record& rec : *stored) {
      json doc = json::parse(rec.doc, nullptr, false);
      if (doc.is_discarded()) continue;
      if (!job_id && doc.value("state", "") != "running") continue;
      Job job{rec.key, std::move(doc)};
      if (!job.doc.contains("patients")) {  // stored beside it (a job saved before that keeps them inline)
        StoreQuery pq;
        pq.collection = kPatients;
        pq.key = rec.key;
        auto found = r.host_.store_query(pq);
        if (!found) return std::move(found).error();
        json patients = found->empty() ? json() : json::parse(found->front().doc, nullptr, false);
        if (!patients.is_array())
          return make_error(ONSHI_E_INTERNAL, "eligibility-records", "一括照会 " + rec.key + ": its patients are not stored",
                            "the store is damaged; start the job again from the appointment list");
        job.doc["patients"] = std::move(patients);
        job.patients_stored = true;
      }
      return job;
    }
    return make_error(ONSHI_E_NOT_FOUND, "eligibility-records",
                      job_id ? "no stored 一括照会 job " + std::string(job_id) : std::string("no unfinished 一括照会 job"),
                      "list the jobs with bulk_jobs (onshi bulk --jobs)");
  }

  // ---- the C table ----

  static onshi_status ONSHI_ABI bulk_start_async(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress_l,
                                                 const onshi_completion* done, uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      Records& r = self(i);
      auto op = new_op(done, progress_l);
      if (!op) return std::move(op).error();
      auto job = create_job(r, view(request));  // stored before anything is sent
      if (!job) return std::move(job).error();
      (*op)->job = std::make_shared<Job>(std::move(*job));
      const uint64_t id = launch(r, *op, [&r](const std::shared_ptr<Op>& op) {
        progress(op, progress_doc(*op->job, "saved", 0));
        drive(r, op);
      });
      if (out_operation) *out_operation = id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI bulk_resume_async(onshi_instance* i, const char* job_id, const onshi_document_listener* progress_l,
                                                  const onshi_completion* done, uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      Records& r = self(i);
      auto op = new_op(done, progress_l);
      if (!op) return std::move(op).error();
      auto job = load_job(r, job_id);
      if (!job) return std::move(job).error();
      (*op)->job = std::make_shared<Job>(std::move(*job));
      const uint64_t id = launch(r, *op, [&r](const std::shared_ptr<Op>& op) {
        if (running(r, op->job->id) && r.ops_.size() > 1) {
          for (auto& [other_id, other] : r.ops_)
            if (other != op && other->job && other->job->id == op->job->id)
              return finish(r, op, make_error(ONSHI_E_BUSY, "eligibility-records",
                                              "一括照会 " + op->job->id + " is already running",
                                              "wait for it to finish"));
        }
        if (op->job->doc.value("state", "") == "done") return finish(r, op, result_document(r, *op->job));
        op->job->doc["state"] = "running";
        progress(op, progress_doc(*op->job, "resumed", 0));
        drive(r, op);
      });
      if (out_operation) *out_operation = id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI bulk_jobs(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      Records& r = self(i);
      if (!out || !out->write)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility-records", "no writer given", "pass an onshi_writer");
      StoreQuery q;
      q.collection = kJobs;
      q.newest_first = true;
      auto stored = r.host_.store_query(q);
      if (!stored) return std::move(stored).error();
      json jobs = json::array();
      for (const Record& rec : *stored) {
        json d = json::parse(rec.doc, nullptr, false);
        if (d.is_discarded()) continue;
        Job j{rec.key, std::move(d)};
        jobs.push_back({{"job", j.id},
                        {"state", j.doc.value("state", "")},
                        {"label", j.doc.value("label", "")},
                        {"created_unix_ms", j.doc.value("created_unix_ms", int64_t(0))},
                        {"total", j.doc.contains("patients") ? j.patients().size() : j.doc.value("total", size_t(0))},
                        {"received", received(j)}});
      }
      const std::string text = json{{"schema", "onshi.eligibility.bulk-jobs/1"}, {"jobs", jobs}}.dump();
      if (onshi_status st = out->write(out->ctx, reinterpret_cast<const uint8_t*>(text.data()), text.size()))
        return make_error(st, "eligibility-records", "the caller's writer refused the document");
      return {};
    });
  }

  // ---- 照会番号登録 ----

  static void registered(Records& r, const std::shared_ptr<Op>& op, const std::vector<Reference>& asked,
                         const RegistrationAnswer& a) {
    if (a.state == BulkDownload::State::failed)
      return finish(r, op, make_error(ONSHI_E_PROTOCOL, "eligibility-records",
                                      "照会番号登録 refused: " + a.code + " " + a.message,
                                      "check the numbers and try again; if it repeats, call the terminal's support desk"));
    json results = json::array();
    std::vector<Reference> keep;
    for (const RegistrationResult& res : a.results) {
      json one = {{"reference_number", res.reference_number}, {"registered", res.registered}};
      if (!res.code.empty()) one["code"] = res.code;
      if (!res.message.empty()) one["message"] = res.message;
      results.push_back(std::move(one));
      if (!res.registered) continue;
      for (const Reference& ref : asked)
        if (ref.reference_number == res.reference_number) keep.push_back(ref);
    }
    if (auto put = r.history_.save_references(keep); !put) return finish(r, op, put.error());
    finish(r, op, json{{"schema", "onshi.eligibility.reference-result/1"}, {"results", results}}.dump());
  }

  static void poll_registration(Records& r, const std::shared_ptr<Op>& op, std::vector<Reference> asked,
                                std::string reception, int failures) {
    const Settings s = read_settings(r.host_);
    auto bytes = bulk_download_request(s.medical_institution_code, reception, random_hex(8));
    if (!bytes) return finish(r, op, bytes.error());
    exchange(r, op, "OQSmuimm02", *bytes, [&r, op, asked, reception, failures, s](Result<XmlMsg> answer) {
      if (!answer) {
        if (answer.error().code == ONSHI_E_CANCELLED || failures + 1 >= kMaxPollFailures) return finish(r, op, answer.error());
        return after(r, op, s.poll, [&r, op, asked, reception, failures] { poll_registration(r, op, asked, reception, failures + 1); });
      }
      RegistrationAnswer a = registration_answer_of(*answer);
      if (a.state == BulkDownload::State::processing)
        return after(r, op, s.poll, [&r, op, asked, reception] { poll_registration(r, op, asked, reception, 0); });
      registered(r, op, asked, a);
    });
  }

  static onshi_status ONSHI_ABI register_reference_async(onshi_instance* i, onshi_bytes request, const onshi_completion* done,
                                                         uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      Records& r = self(i);
      auto op = new_op(done, nullptr);
      if (!op) return std::move(op).error();
      const json doc = json::parse(view(request), nullptr, false);
      auto bad = [](const std::string& what) { return bad_request(kReferenceRequestSchema, what); };
      if (doc.is_discarded() || !doc.is_object()) return bad("the request is not a JSON object");
      if (auto s = doc.find("schema"); s != doc.end() && *s != kReferenceRequestSchema)
        return bad("schema must be \"" + std::string(kReferenceRequestSchema) + "\"");
      auto list = doc.find("registrations");
      if (list == doc.end() || !list->is_array() || list->empty()) return bad("registrations must be a non-empty array");
      std::vector<Reference> asked;
      std::set<std::string> seen;
      for (size_t k = 0; k < list->size(); ++k) {
        const json& p = (*list)[k];
        const std::string row = "registrations[" + std::to_string(k) + "]";
        if (!p.is_object()) return bad(row + " must be an object");
        for (const char* f : {"reference_number", "patient_id", "insurer_number", "symbol", "number", "branch", "birth_date"})
          if (p.contains(f) && !p[f].is_string()) return bad(row + "." + f + " must be a string");
        Reference ref{string_at(p, "reference_number"), string_at(p, "patient_id"), string_at(p, "insurer_number"), string_at(p, "symbol"),
                      string_at(p, "number"), string_at(p, "branch"), string_at(p, "birth_date")};
        if (ref.reference_number.empty() || ref.reference_number.size() > 50)
          return bad(row + ".reference_number (照会番号, the clinic's patient number) must be 1 to 50 characters");
        if (!seen.insert(ref.reference_number).second) return bad(row + ".reference_number repeats an earlier row");
        auto padded = padded_insurer_number(ref.insurer_number);
        if (!padded) return bad(row + ".insurer_number must be the 保険者番号: 8 digits, or 6 digits for 国保");
        ref.insurer_number = *padded;
        if (ref.number.empty()) return bad(row + ".number (被保険者番号) is required");
        if (!ref.birth_date.empty() && (ref.birth_date.size() != 8 || !digits(ref.birth_date)))
          return bad(row + ".birth_date must be YYYYMMDD");
        if (ref.patient_id.empty()) ref.patient_id = ref.reference_number;
        asked.push_back(std::move(ref));
      }
      std::vector<ReferenceRegistration> regs;
      for (const Reference& a : asked) regs.push_back({a.reference_number, a.insurer_number, a.symbol, a.number, a.branch});
      const Settings s = read_settings(r.host_);
      auto bytes = registration_request(regs, s.medical_institution_code, random_hex(8));
      if (!bytes) return std::move(bytes).error();
      const bool single = asked.size() == 1;
      const uint64_t id = launch(r, *op, [&r, asked, bytes = *bytes, single](const std::shared_ptr<Op>& op) {
        exchange(r, op, single ? prefix::registration : prefix::bulk_registration, bytes,
                 [&r, op, asked, single](Result<XmlMsg> answer) {
                   if (!answer) return finish(r, op, answer.error());
                   if (single) return registered(r, op, asked, registration_answer_of(*answer));
                   const BulkReceipt receipt = bulk_receipt_of(*answer);
                   if (receipt.state != BulkReceipt::State::accepted)
                     return finish(r, op, make_error(ONSHI_E_PROTOCOL, "eligibility-records",
                                                     "照会番号一括登録 refused: " + receipt.code + " " + receipt.message,
                                                     "check the rows and try again"));
                   poll_registration(r, op, asked, receipt.reception_number, 0);
                 });
      });
      if (out_operation) *out_operation = id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI history_find(onshi_instance* i, onshi_bytes query, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      if (!out || !out->write)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility-records", "no writer given", "pass an onshi_writer");
      auto doc = self(i).history_.find(view(query));
      if (!doc) return std::move(doc).error();
      if (onshi_status st = out->write(out->ctx, reinterpret_cast<const uint8_t*>(doc->data()), doc->size()))
        return make_error(st, "eligibility-records", "the caller's writer refused the document");
      return {};
    });
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t operation) {
    Records& r = self(i);
    r.reactor_.post([&r, operation] {
      auto it = r.ops_.find(operation);
      if (it == r.ops_.end()) return;
      auto op = it->second;
      const onshi_host* host = r.host_.raw();
      const auto* service = static_cast<const onshi_host_exchange_v1*>(host->get_service(host, ONSHI_SERVICE_EXCHANGE));
      for (uint64_t x : std::set<uint64_t>(op->exchanges))
        if (service) service->cancel(host, x);
      finish(r, op, make_error(ONSHI_E_CANCELLED, "eligibility-records",
                               op->job ? "一括照会 " + op->job->id + " paused; it stays stored and can be resumed"
                                       : std::string("cancelled")));
    });
    return ONSHI_OK;
  }
};

Records::Records(onshi::plugin::Host host, Reactor& reactor) : host_(host), reactor_(reactor), history_(host) {}

Records::~Records() {
  auto open = std::move(ops_);
  for (auto& [id, op] : open)
    Api::finish(*this, op, make_error(ONSHI_E_CANCELLED, "eligibility-records", "the eligibility plugin was closed"));
}

const onshi_eligibility_records_v1* Records::table() {
  static const onshi_eligibility_records_v1 t = {sizeof(onshi_eligibility_records_v1), &Api::bulk_start_async,
                                                 &Api::bulk_resume_async,              &Api::bulk_jobs,
                                                 &Api::register_reference_async,      &Api::history_find,
                                                 &Api::cancel};
  return &t;
}

void Records::expect(uint64_t op, const char* how) {
  std::lock_guard lock(expected_mutex_);
  expected_[op] = how;
}

json Records::on_outcome(uint64_t op, const Outcome& outcome) {
  std::string how = op == 0 ? "face" : "";
  if (op != 0) {
    std::lock_guard lock(expected_mutex_);
    if (auto it = expected_.find(op); it != expected_.end()) {
      how = it->second;
      expected_.erase(it);
    }
  }
  if (how.empty()) how = outcome.reference_classification.value_or("") == "1" ? "card" : "insured";
  HistoryContext ctx{how, history_.now_unix_ms(), "", "", ""};
  json doc = history_.matched_document(outcome, ctx);
  history_.record(outcome, ctx);
  return doc;
}

}  // namespace onshi::eligibility::plugin
