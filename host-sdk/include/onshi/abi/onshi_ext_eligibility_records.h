/* onshi_ext_eligibility_records.h: "onshi.eligibility-records/1", what a clinic
 * keeps and registers beside the single query of onshi.eligibility/1:
 * 一括照会 jobs (OQSmuquc01/02) that survive a crash, 照会番号 registration
 * (OQSsiimm01, OQSmuimm01/02, R-SHOUKAI), the history of every verification
 * (R-RETAIN) and the checks an outage postponed (R-M9, appended later). Pure C99. Everything it keeps lives in the host's durable store
 * (onshi.host.store/1): without a state folder the functions fail with
 * ONSHI_E_NOT_INITIALIZED.
 *
 * Every function is [any-thread][after-create]. Asynchronous operations return
 * at once with an id for cancel(); their completion is delivered exactly once,
 * on a host thread. A call that cannot start (bad request, no store) returns its
 * error and no completion follows. Documents are UTF-8 JSON carrying "schema";
 * they are described in docs/decisions/eligibility-bulk.md.
 *
 * Never carried or kept: the individual number (マイナンバー), a PIN, or what an
 * insurer withheld (an outcome with cache_allowed false is kept as its kind only). */
#ifndef ONSHI_ABI_EXT_ELIGIBILITY_RECORDS_H
#define ONSHI_ABI_EXT_ELIGIBILITY_RECORDS_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* The documents this extension takes and gives (each carries "schema": <id>). */
#define ONSHI_SCHEMA_ELIGIBILITY_BULK_REQUEST      "onshi.eligibility.bulk-request/1" /* bulk_start_async, in */
#define ONSHI_SCHEMA_ELIGIBILITY_BULK_PROGRESS     "onshi.eligibility.bulk-progress/1" /* bulk progress events */
#define ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT       "onshi.eligibility.bulk-result/1" /* bulk_start/resume_async, out */
#define ONSHI_SCHEMA_ELIGIBILITY_BULK_JOBS         "onshi.eligibility.bulk-jobs/1" /* bulk_jobs, out */
#define ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_REQUEST "onshi.eligibility.reference-request/1" /* register_reference_async, in */
#define ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_RESULT  "onshi.eligibility.reference-result/1" /* register_reference_async, out */
#define ONSHI_SCHEMA_ELIGIBILITY_HISTORY_QUERY     "onshi.eligibility.history-query/1" /* history_find, in */
#define ONSHI_SCHEMA_ELIGIBILITY_HISTORY           "onshi.eligibility.history/1" /* history_find, out */
#define ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_REQUEST  "onshi.eligibility.deferred-request/1" /* deferred_add, in */
#define ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_LIST     "onshi.eligibility.deferred-list/1" /* deferred_add, deferred_list, out */
/* bulk_resume by name (onshi.documents/1): {"job"?}; its progress documents then carry
 * "resume": {"function": "bulk_resume", "request": {"job"}} for a host that resumes after a crash. */
#define ONSHI_SCHEMA_ELIGIBILITY_BULK_RESUME_REQUEST "onshi.eligibility.bulk-resume-request/1"
#define ONSHI_SCHEMA_ELIGIBILITY_WINDOW_QUERY      "onshi.eligibility.window-query/1" /* window_query_async, in */
#define ONSHI_SCHEMA_ELIGIBILITY_WINDOW_RESULT     "onshi.eligibility.window-result/1" /* window_query_async, out */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_eligibility_records_v1 {
  uint32_t struct_size;
  /* A 一括照会 of many patients: request onshi.eligibility.bulk-request/1
   * {"patients": [{"patient_id": the EMR's own id, "insurer_number", "symbol",
   * "number", "branch", "birth_date": "YYYYMMDD"} or {"patient_id",
   * "reference_number" (a registered 照会番号), "birth_date"?}], "limit_consent"?}.
   * The job is stored before anything is sent; progress documents
   * (onshi.eligibility.bulk-progress/1: saved, uploaded, waiting, received n of
   * N) go to `progress` (may be NULL; it must stay valid until the completion).
   * Completes ONSHI_OK with onshi.eligibility.bulk-result/1 {"job", "state",
   * "results": {patient_id: onshi.eligibility.outcome/1}}; a job whose upload's
   * fate cannot be established has state "unknown" and is never resent on its
   * own. Cancel (or closing the SDK) pauses the job: it stays stored, resumable. */
  onshi_status(ONSHI_ABI* bulk_start_async)(onshi_instance* instance, onshi_bytes request_json,
                                            const onshi_document_listener* progress, const onshi_completion* done,
                                            uint64_t* out_operation, onshi_error* err);
  /* Carries on a stored job (after a crash or a cancel) from where the store
   * says it stopped; job_id NULL: the oldest unfinished one (ONSHI_E_NOT_FOUND
   * when there is none). An upload whose answer was never recorded is first
   * looked up on the terminal's side, never sent blindly again. Same progress
   * and completion as bulk_start_async; a finished job completes at once with
   * its stored results. */
  onshi_status(ONSHI_ABI* bulk_resume_async)(onshi_instance* instance, const char* job_id,
                                             const onshi_document_listener* progress, const onshi_completion* done,
                                             uint64_t* out_operation, onshi_error* err);
  /* The stored jobs, newest first: onshi.eligibility.bulk-jobs/1 {"jobs": [{"job",
   * "state", "created_unix_ms", "total", "received"}]}. */
  onshi_status(ONSHI_ABI* bulk_jobs)(onshi_instance* instance, const onshi_writer* out_json, onshi_error* err);
  /* 照会番号登録 (R-SHOUKAI): onshi.eligibility.reference-request/1 {"registrations":
   * [{"reference_number" (≤50, the clinic's patient number), "patient_id"? (default:
   * the reference number), "insurer_number", "symbol"?, "number", "branch"?,
   * "birth_date"?}]}; one → OQSsiimm01, several → OQSmuimm01/02. Completes ONSHI_OK
   * with onshi.eligibility.reference-result/1 {"results": [{"reference_number",
   * "registered": bool, "code"?, "message"?}]}. Registered numbers are stored;
   * later outcomes carrying one get "patient": {"reference_number", "patient_id"}. */
  onshi_status(ONSHI_ABI* register_reference_async)(onshi_instance* instance, onshi_bytes request_json,
                                                    const onshi_completion* done, uint64_t* out_operation,
                                                    onshi_error* err);
  /* Past verifications, newest first: query onshi.eligibility.history-query/1
   * {"since"?, "until"?: "YYYYMMDD" (JST days, both included), "name"? (kana or
   * kanji; width, hiragana/katakana and spaces do not matter), "reference_number"?,
   * "patient_id"?, "limit"?} → onshi.eligibility.history/1 {"entries": [...]}.
   * Entries are gone after the end of the month following the query (R-RETAIN). */
  onshi_status(ONSHI_ABI* history_find)(onshi_instance* instance, onshi_bytes query_json,
                                        const onshi_writer* out_json, onshi_error* err);
  /* Always ONSHI_OK; the operation then completes once with ONSHI_E_CANCELLED
   * (a bulk job stays stored and resumable). */
  onshi_status(ONSHI_ABI* cancel)(onshi_instance* instance, uint64_t operation);
  /* Appended later: an older plugin's table ends before them, so check
   * ONSHI_HAS_FIELD(onshi_eligibility_records_v1, table, deferred_list) first. */
  /* R-M9 システム障害時: the checks an outage postponed (the claims plugin's route
   * "verify_later" says what to queue: its result's "deferred_check"). Request
   * onshi.eligibility.deferred-request/1 {"checks": [{"patient_id", "visit_date",
   * "presented": [what the patient showed], "outage"?, and "insurer_number",
   * "symbol", "number", "branch", "birth_date" (YYYYMMDD), or
   * "reference_number" (a registered 照会番号)}]}. Stored, nothing sent; a check
   * of the same patient_id replaces the earlier one. Writes
   * onshi.eligibility.deferred-list/1 of what is queued. */
  onshi_status(ONSHI_ABI* deferred_add)(onshi_instance* instance, onshi_bytes request_json,
                                        const onshi_writer* out_json, onshi_error* err);
  /* Runs the queued checks as one 一括照会 job (the same crash-safe machinery:
   * bulk_resume_async carries it on after a crash). Same progress and
   * completion as bulk_start_async: bulk-result/1 keyed by patient_id.
   * ONSHI_E_NOT_FOUND when nothing is queued. The plugin also runs them on its
   * own when a verification reaches the system again (the link is back). */
  onshi_status(ONSHI_ABI* deferred_run_async)(onshi_instance* instance, const onshi_document_listener* progress,
                                              const onshi_completion* done, uint64_t* out_operation,
                                              onshi_error* err);
  /* Every deferred check kept (R-RETAIN), newest first:
   * onshi.eligibility.deferred-list/1 {"checks": [{…the check, "job", "state":
   * queued | running | done | unknown, "outcome"? (outcome/1), "recheck"?:
   * valid | lost | no_data | failed (onshi.claims.input/1's "recheck")}]}. */
  onshi_status(ONSHI_ABI* deferred_list)(onshi_instance* instance, const onshi_writer* out_json, onshi_error* err);
  /* Appended later again: check ONSHI_HAS_FIELD(onshi_eligibility_records_v1, table, window_query_async).
   * A query selected by a window, not by patients (docs/eligibility-messages.md):
   * onshi.eligibility.window-query/1 {"kind": "home_visit" (居宅同意取得型 訪問診療等,
   * OQSmuhvq) | "online" (オンライン診療等, OQSmuonq), "from", "to": "YYYYMMDD", "by"?:
   * "consent" (同意日, default) | "examination" (受診日, online only)} or {"kind":
   * "medical_aid" (医療扶助, OQSmutic), "month": "YYYYMM" (診療年月)}. Completes ONSHI_OK
   * with onshi.eligibility.window-result/1 {"query", "results": [onshi.eligibility.outcome/1
   * each, with "patient" when its registered 照会番号 names one]}. Each result is kept in the
   * history (R-RETAIN). Not resumable; progress (may be NULL) is not used yet. */
  onshi_status(ONSHI_ABI* window_query_async)(onshi_instance* instance, onshi_bytes request_json,
                                              const onshi_document_listener* progress, const onshi_completion* done,
                                              uint64_t* out_operation, onshi_error* err);
} onshi_eligibility_records_v1;

#ifdef __cplusplus
}
#endif
#endif
