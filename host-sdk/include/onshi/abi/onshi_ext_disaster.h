/* onshi_ext_disaster.h: "onshi.disaster/1", disaster-mode drug information
 * (災害時医療情報閲覧, R-DISASTER) for patients who arrive without their card.
 * Pure C99.
 *
 * Documents in and out are UTF-8 JSON with a "schema" (docs/decisions/disaster.md,
 * "Plugin documents"); times are "YYYY-MM-DDTHH:MM:SSZ" (UTC) and dates
 * "YYYY-MM-DD"; "now" is always the host clock. Every request that switches or
 * looks up carries the person doing it:
 *   "operator": {"id": staff id (never a personal number),
 *                "role": "doctor" | "dentist" | "pharmacist" | "authorised_staff" | "clerk",
 *                "authorised_by": head of the facility who chose authorised staff}
 *
 * Every function is [any-thread][after-create]. A rule that forbids the step
 * (no active declaration, a role that may not view, no consent) returns
 * ONSHI_E_REFUSED with the reason in error.message and what to do in error.hint;
 * the refusal itself is audited. The declaration, the audit log and the local
 * history live in the host's store (onshi.host.store/1); without it every
 * function but import_qr returns ONSHI_E_NOT_SUPPORTED and says so. Searches go
 * out through the host's exchange service (onshi.host.exchange/1). */
#ifndef ONSHI_ABI_EXT_DISASTER_H
#define ONSHI_ABI_EXT_DISASTER_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* The documents this extension takes and gives (each carries "schema": <id>). */
#define ONSHI_SCHEMA_DISASTER_DECLARE_REQUEST    "onshi.disaster.declare-request/1" /* declare, in */
#define ONSHI_SCHEMA_DISASTER_END_REQUEST        "onshi.disaster.end-request/1" /* end, in */
#define ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS "onshi.disaster.declaration-status/1" /* declare/end/status, out */
#define ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST     "onshi.disaster.lookup-request/1" /* lookup_async, in */
#define ONSHI_SCHEMA_DISASTER_LOOKUP_ANSWER      "onshi.disaster.lookup-answer/1" /* lookup_async and local look-ups, out */
#define ONSHI_SCHEMA_DISASTER_LOOKUP_RESULT      "onshi.disaster.lookup-result/1" /* inside a lookup-answer */
#define ONSHI_SCHEMA_DISASTER_DRUG_HISTORY_VIEW  "onshi.disaster.drug-history-view/1" /* inside a lookup-answer or techo */
#define ONSHI_SCHEMA_DISASTER_TECHO              "onshi.disaster.techo/1" /* import_qr, out */
#define ONSHI_SCHEMA_DISASTER_AUDIT_REQUEST      "onshi.disaster.audit-request/1" /* audit, in */
#define ONSHI_SCHEMA_DISASTER_AUDIT              "onshi.disaster.audit/1" /* audit, out */
#define ONSHI_SCHEMA_DISASTER_AUDIT_RECORD       "onshi.disaster.audit-record/1" /* each record of an audit */
/* import_qr by name (onshi.documents/1): {"parts_base64": [each QR part's raw bytes]} */
#define ONSHI_SCHEMA_DISASTER_QR_REQUEST         "onshi.disaster.qr-request/1"
/* As onshi.events/1 (kind "disaster"), after every switch: "data" is the declaration-status/1. */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_disaster_v1 {
  uint32_t struct_size;
  /* onshi.disaster.declare-request/1 {"reference", "area": [{"prefecture_code",
   * "municipality_code", "name"}], "opens_at" (default now), "closes_at",
   * "operator"} → onshi.disaster.declaration-status/1. Re-declaring the active
   * reference with a later closes_at extends it. */
  onshi_document_fn declare;
  /* onshi.disaster.end-request/1 {"reason", "operator"} →
   * onshi.disaster.declaration-status/1. */
  onshi_document_fn end;
  /* Anything (may be empty) → onshi.disaster.declaration-status/1 at the host
   * clock: state none | scheduled | active | ended_by_hand | expired. */
  onshi_document_fn status;
  /* onshi.disaster.lookup-request/1 {"name", "name_kana", "birthdate", "sex":
   * "male"|"female"|"unset", "address", "insurer_name", "insurer": {...},
   * "operator", "consent": {"kind": "verbal" | "life_protection_exception",
   * "circumstances" (required for the exception)}, "keep_for_later" (default
   * true with verbal consent)} → completion with
   * onshi.disaster.lookup-answer/1 {"outcome": "confirmed" | "ask_more" |
   * "no_match" | "unresolved", "lookup": onshi.disaster.lookup-result/1,
   * "drug_history": onshi.disaster.drug-history-view/1 (confirmed only),
   * "kept_for_later", "consent", "declaration"}. Without consent nothing is
   * sent (ONSHI_E_REFUSED at once). A refusal by the national system completes
   * with ONSHI_E_REFUSED; a transport failure with its own status. */
  onshi_status(ONSHI_ABI* lookup_async)(onshi_instance* instance, onshi_bytes request_json,
                                        const onshi_completion* done, uint64_t* out_operation, onshi_error* err);
  /* The look-up ends soon with ONSHI_E_CANCELLED. */
  onshi_status(ONSHI_ABI* cancel)(onshi_instance* instance, uint64_t operation);
  /* お薬手帳 QR codes in the JAHIS format (JAHISTCnn, Shift_JIS or UTF-8 with
   * BOM): one part, or every part of a split code in any order, each the raw
   * bytes of one QR → onshi.disaster.techo/1 {"version", "patient", "warnings",
   * "drug_history": onshi.disaster.drug-history-view/1}. Works offline and
   * needs no declaration: the patient hands over their own notebook; nothing
   * is stored. ONSHI_E_INVALID_ARGUMENT names the part, line and record. */
  onshi_status(ONSHI_ABI* import_qr)(onshi_instance* instance, const onshi_bytes* parts, uint32_t part_count,
                                     const onshi_writer* out_json, onshi_error* err);
  /* Like lookup_async, offline: the same request searched in the clinic's own
   * earlier retrievals (kept with consent, for a limited time) →
   * onshi.disaster.lookup-answer/1 with "source": "local_history". */
  onshi_document_fn search_local;
  /* onshi.disaster.audit-request/1 {"limit" (default 100), "event"
   * (optional, e.g. "consent_recorded")} → onshi.disaster.audit/1 {"records":
   * [onshi.disaster.audit-record/1 ...]} newest first: who, role, when, which
   * declaration, consent or the exception used; never a personal number. */
  onshi_document_fn audit;
} onshi_disaster_v1;

#ifdef __cplusplus
}
#endif
#endif
