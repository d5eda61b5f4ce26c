/* onshi_ext_claims.h: "onshi.claims/1", billing when the card cannot verify.
 * Every function is a pure [any-thread] document call (onshi_document_fn): a
 * UTF-8 JSON document in, a document (or HTML) out; dates in documents are
 * "YYYY-MM-DD" and "today" is always a field of the input (the host fills it
 * from its clock). A check whose answer is "no" (an invalid number, route C)
 * still returns ONSHI_OK: the document says so; a status < 0 means the input
 * could not be read (error.message names the field). Pure C99. */
#ifndef ONSHI_ABI_EXT_CLAIMS_H
#define ONSHI_ABI_EXT_CLAIMS_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* The documents this extension takes and gives (each carries "schema": <id>). */
#define ONSHI_SCHEMA_CLAIMS_INPUT             "onshi.claims.input/1" /* decide, in */
#define ONSHI_SCHEMA_CLAIMS_RESULT            "onshi.claims.result/1" /* decide, out */
#define ONSHI_SCHEMA_CLAIMS_COPAY_REQUEST     "onshi.claims.copay-request/1" /* copay, in */
#define ONSHI_SCHEMA_CLAIMS_COPAY             "onshi.claims.copay/1" /* copay, out */
#define ONSHI_SCHEMA_CLAIMS_NUMBER_REQUEST    "onshi.claims.number-request/1" /* check_number, in */
#define ONSHI_SCHEMA_CLAIMS_NUMBER_CHECK      "onshi.claims.number-check/1" /* check_number, out */
#define ONSHI_SCHEMA_CLAIMS_STATEMENT_PREFILL "onshi.claims.statement-prefill/1" /* statement_form, in */
#define ONSHI_SCHEMA_CLAIMS_USAGE_REQUEST     "onshi.claims.usage-request/1" /* usage_rate, in */
#define ONSHI_SCHEMA_CLAIMS_USAGE             "onshi.claims.usage/1" /* usage_rate, out */
#define ONSHI_SCHEMA_CLAIMS_MERGE_REQUEST     "onshi.claims.merge-request/1" /* merge, in */
#define ONSHI_SCHEMA_CLAIMS_MERGE             "onshi.claims.merge-result/1" /* merge, out */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_claims_v1 {
  uint32_t struct_size;
  /* onshi.claims.input/1 → onshi.claims.result/1: verification method
   * (R-M1…R-M8), billing route (R-CLAIM-OK/A/B/C) and its reason, ratio and the
   * rule that set it, warnings, the HO/RE/SN/CO records and their UKE text. */
  onshi_document_fn decide;
  /* onshi.claims.copay-request/1 → onshi.claims.copay/1 (ratio, rule, reason). */
  onshi_document_fn copay;
  /* onshi.claims.number-request/1 {"kind": "insurer" | "public-expense" |
   * "recipient", "number"} → onshi.claims.number-check/1 {"valid", "message",
   * ...}: which digit is wrong or what was expected. */
  onshi_document_fn check_number;
  /* onshi.claims.statement-prefill/1 → the 被保険者資格申立書 as one printable
   * A4 HTML page (UTF-8), every field of the official form. */
  onshi_document_fn statement_form;
  /* onshi.claims.usage-request/1 {"month", "facility", "verifications",
   * "pediatric_exception"?} → onshi.claims.usage/1: マイナ保険証利用率, the 加算 in
   * force in that month, and the later 算定月 the rate decides with their tier,
   * points, period and source (dated rules; "no rule known" past the table). */
  onshi_document_fn usage_rate;
  /* Appended later: an older plugin's table ends before it, so check
   * ONSHI_HAS_FIELD(onshi_claims_v1, table, merge) first. */
  /* onshi.claims.merge-request/1 {"receipt_file_base64": the レセコン's monthly
   * RECEIPTC.UKE, "claims": [onshi.claims.input/1 + "label"?]} →
   * onshi.claims.merge-result/1 {"receipt_file_base64", "merged", "skipped",
   * "go"}: the insurance records of the claims routed B, C or disaster (or
   * verified after an outage) put into the matching receipts (カルテ番号 + 診療年月),
   * the other records byte for byte, GO recomputed. Up to 32 MiB. A file that
   * does not parse: ONSHI_E_INVALID_ARGUMENT naming the line and field; a
   * receipt that cannot be matched safely: ONSHI_E_REFUSED. */
  onshi_document_fn merge;
} onshi_claims_v1;

#ifdef __cplusplus
}
#endif
#endif
