// 一括照会 jobs (OQSmuquc01/02) that survive kill -9, and 照会番号 registrations (OQSsiimm01,
// OQSmuimm01/02), as plain C++. Everything they keep is in a RecordStore, everything they send goes
// through a Terminal, every wait is a Reactor timer, "now" is the clock given: the plugin adapts the
// host to these (plugin/records.cpp); tests give a map, a fake terminal and a loop
// (tests/eligibility/bulk_job_test.cpp). The messages themselves: bulk.hpp.
//
// A job, as stored (docs/decisions/eligibility-bulk.md has the why of each rule):
//   bulk-jobs/<job>         the job and its chunks, saved at every step
//   bulk-patients/<job>     its patients, once, in the same put as the job's first save
//   bulk-results/<job>/<i>  one per patient (tag job:<job>), put with its history entries and the
//                           chunk marked done in one atomic put per downloaded batch
// A chunk (≤ chunk_size patients, one upload) goes new → uploading → uploaded → done | failed |
// unknown. A job of deferred checks (R-M9: the checks an outage postponed) is stored as "deferred"
// with no chunk: checks are added to it until it is run, then it is planned and runs like any other. "uploading" is stored before the upload is sent, so a restart knows the upload's fate is
// unknown; such an upload is never sent again blindly (S5): its 01res is looked for, then the
// terminal is asked by the chunk's ArbitraryFileIdentifier, and only a proven "not received" sends
// it again. Anything else ends the chunk as "unknown", for a person to decide.
#pragma once

#include <onshi/eligibility/bulk.hpp>
#include <onshi/eligibility/history.hpp>
#include <onshi/eligibility/reactor.hpp>
#include <onshi/eligibility/record_store.hpp>
#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility {

// One row of a 一括照会: the EMR's id and the insurance numbers, or a registered 照会番号 instead of
// them (number empty). As the plugin's reader checked it: insurer_number padded (8 characters),
// birth_date YYYYMMDD when given.
struct BulkPatient {
  std::string patient_id;        // the EMR's own id: results are keyed by it
  std::string reference_number;  // 照会番号 (R-SHOUKAI)
  std::string insurer_number, symbol, number, branch, birth_date;
  // A deferred check (R-M9) also keeps the visit it belongs to and what the patient showed.
  std::string visit_date;                // YYYY-MM-DD
  std::vector<std::string> presented;    // my_number_card, smartphone, eligibility_certificate, …
  std::string outage;                    // what was down: terminal, reader, network
};
void from_json(const nlohmann::json& doc, BulkPatient& patient);  // the fields as strings
void to_json(nlohmann::json& doc, const BulkPatient& patient);     // as stored in bulk-patients

struct BulkRequest {
  std::vector<BulkPatient> patients;  // patient ids unique
  bool limit_consent = false;
  std::string label;  // the CLI's file name, to find its unfinished job
};

struct BulkSettings {
  std::string medical_institution_code;
  std::chrono::milliseconds poll_interval{5000};  // eligibility-xml.md §2.9: poll 02req every ≥ 5 s
  size_t chunk_size = 1000;  // patients per upload: each 02res stays far under the reader's 8 MiB limit
  std::filesystem::path folder_root;  // the terminal's shared folder, whose res/ may hold a lost 01res; empty with TLS
};

// The 資格確認端末 (or the direct connection) as the jobs see it: one request file out, one answer back.
class Terminal {
 public:
  using Reply = std::function<void(Result<std::string> answer)>;
  virtual ~Terminal() = default;
  // Sends `request` as a file of interface `prefix` (OQSmuquc01, ...). `reply` runs exactly once, on
  // the reactor's thread, never inside send. When nothing could be started the error is returned
  // and `reply` never runs.
  virtual Result<uint64_t> send(std::string_view prefix, std::string request, Reply reply) = 0;
  // The exchange's reply then comes with ONSHI_E_CANCELLED, or not at all.
  virtual void cancel(uint64_t exchange) = 0;
};

// What the jobs need from their surroundings.
struct BulkServices {
  Reactor& reactor;  // every callback below runs on its thread
  RecordStore& store;
  Terminal& terminal;
  std::function<std::chrono::system_clock::time_point()> now;  // the host clock: dates, ids, R-RETAIN
  BulkSettings settings;
};

// Runs the jobs and registrations: many at once, each an operation with an id, completed exactly once.
class BulkJobs {
 public:
  using Progress = std::function<void(const nlohmann::json& document)>;  // onshi.eligibility.bulk-progress/1
  using Done = std::function<void(Result<std::string> document)>;        // the result document, or the failure

  explicit BulkJobs(BulkServices services);
  // On the reactor's thread, or once it runs no more: open operations complete with ONSHI_E_CANCELLED.
  ~BulkJobs();
  BulkJobs(const BulkJobs&) = delete;
  BulkJobs& operator=(const BulkJobs&) = delete;

  // [any-thread] Stores a new job (every chunk new) before anything is sent, then runs it. Rows whose
  // 照会番号 is not registered get a failed result at once. Progress stages: saved, uploading, sent,
  // uploaded, waiting, recovering, downloaded, received, resumed, done. Completes with
  // onshi.eligibility.bulk-result/1. An error returned means nothing was stored and `done` never runs.
  Result<uint64_t> start(const BulkRequest& request, Progress progress, Done done);
  // [any-thread] Carries on a stored job from where the store says it stopped (job_id nullopt: the
  // oldest one still running). A finished job completes at once with its stored results.
  Result<uint64_t> resume(const std::optional<std::string>& job_id, Progress progress, Done done);
  // [any-thread] onshi.eligibility.bulk-jobs/1: the stored jobs, newest first.
  Result<std::string> jobs() const;
  // [any-thread] Registers 照会番号 (one: OQSsiimm01; several: OQSmuimm01 then OQSmuimm02 polls) and
  // stores those the terminal registered. Not resumable: registering again is harmless. Rows as the
  // plugin's reader checked them (patient_id filled in). Completes with reference-result/1.
  Result<uint64_t> register_references(std::vector<Reference> rows, Done done);
  // [any-thread] A query selected by a window (居宅同意取得型 訪問/オンライン, 医療扶助; bulk.hpp): one
  // upload, then 02 polls until the answer. Completes with onshi.eligibility.window-result/1 {"query",
  // "results": [outcome/1, with "patient" when a registered 照会番号 names one]}; each result goes
  // into the history. Not resumable: asking again only reads.
  Result<uint64_t> query_window(WindowQuery query, Done done);
  // [any-thread] The operation completes once with ONSHI_E_CANCELLED; a job stays stored, resumable.
  void cancel(uint64_t operation);

  // R-M9 システム障害時: checks postponed by an outage. [any-thread] Adds them to the open deferred
  // job (made when there is none; a check of the same patient_id replaces the earlier one) and
  // returns onshi.eligibility.deferred-list/1 of what is queued. Nothing is sent.
  Result<std::string> defer(std::vector<BulkPatient> checks);
  // [any-thread] Runs the open deferred job as a 一括照会 (crash-safe, resumable like any job);
  // ONSHI_E_NOT_FOUND when nothing is queued. Completes with bulk-result/1 keyed by patient_id.
  Result<uint64_t> run_deferred(Progress progress, Done done);
  // [any-thread] onshi.eligibility.deferred-list/1: every deferred check kept, newest job first,
  // with its state (queued, running, done, unknown) and, once checked, its outcome.
  Result<std::string> deferred() const;
  // [any-thread] Whether checks are queued (cheap: known since the last defer or run).
  bool deferred_queued() const;

  struct Operation;  // one open job run or registration (bulk_job.cpp)

 private:
  uint64_t launch(std::shared_ptr<Operation> op, std::function<void()> run);

  BulkServices services_;
  std::mutex open_mutex_;  // operations start on any thread, run and finish on the reactor's
  mutable std::mutex deferred_mutex_;  // defer and run_deferred read, change and store the open deferred job
  mutable std::optional<bool> deferred_queued_;  // under deferred_mutex_; unknown until first asked
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Operation>> open_;  // from launch to completion
};

}  // namespace onshi::eligibility
