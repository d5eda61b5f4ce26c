/* onshi_ext_eligibility.h: "onshi.eligibility/1", the eligibility query over
 * the XML interface of the オンライン資格確認等システム, through whichever
 * transport the plugin is configured for (the 資格確認端末's shared folders, or
 * directly over TLS). Pure C99.
 *
 * Every function is [any-thread][after-create]. Asynchronous operations return
 * at once with an id for cancel(); their completion is delivered exactly once.
 * A call that cannot start (bad request, folder not configured) returns its
 * error and no completion follows. Once started, every answer and every
 * transport failure (timeout, the terminal's .err, an unreadable file)
 * completes with ONSHI_OK and an outcome document (kind "failed", stage
 * "transport", retryable as it says); only cancel and shutdown complete with
 * ONSHI_E_CANCELLED. */
#ifndef ONSHI_ABI_EXT_ELIGIBILITY_H
#define ONSHI_ABI_EXT_ELIGIBILITY_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* The documents this extension takes and gives (each carries "schema": <id>). */
#define ONSHI_SCHEMA_ELIGIBILITY_REQUEST   "onshi.eligibility.request/1" /* query_async, in */
#define ONSHI_SCHEMA_ELIGIBILITY_OUTCOME   "onshi.eligibility.outcome/1" /* query_async and face results, out */
#define ONSHI_SCHEMA_ELIGIBILITY_PARSED    "onshi.eligibility.parsed/1" /* parse, out */
#define ONSHI_SCHEMA_ELIGIBILITY_CHALLENGE "onshi.eligibility.challenge/1" /* challenge_async, out */
#define ONSHI_SCHEMA_DRUG_HISTORY          "onshi.drug-history/1" /* inside parse's answer to a 薬剤情報 file */
/* The functions by name (onshi.documents/1: POST /v1/onshi.eligibility/1/<function> of onshi serve)
 * take and give the same documents, and these for what the C functions pass as plain arguments: */
#define ONSHI_SCHEMA_ELIGIBILITY_PARSE_REQUEST    "onshi.eligibility.parse-request/1" /* parse: {"file_name"?, "message_base64"} */
#define ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_REQUEST "onshi.eligibility.exchange-request/1" /* exchange: {"file_prefix", "xml_base64"} */
#define ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_ANSWER  "onshi.eligibility.exchange-answer/1" /* exchange: {"answer_base64"} */
/* Progress of query and exchange over the folders, before the request file appears in req:
 * {"request_name", "resume": {"function": "await", "request": await-request/1}}. A caller that keeps
 * it durably can, after its own crash, wait for the answer instead of sending the request again. */
#define ONSHI_SCHEMA_ELIGIBILITY_PLACED           "onshi.eligibility.placed/1"
/* await: {"request_name", "request_base64", "reply": "outcome" | "exchange"} → what query or exchange
 * would have answered. Only an answer echoing the request's ArbitraryFileIdentifier is taken. */
#define ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST    "onshi.eligibility.await-request/1"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_eligibility_v1 {
  uint32_t struct_size;
  /* A 資格確認: request onshi.eligibility.request/1 ({"kind": "insured",
   * "insurer_number", "symbol", "number", "branch", "birth_date": "YYYYMMDD"})
   * → completion with onshi.eligibility.outcome/1 (valid / lost / lost with a
   * new qualification / no data / needs a person / withheld / failed, with the
   * qualification fields a claim needs; never what the insurer withheld).
   * Kind "card" (direct TLS transport only; ONSHI_E_NOT_SUPPORTED over the
   * folders): {"kind": "card", "certificate": base64 DER of the auth
   * certificate, "card_kind": "card"|"smartphone", then either "challenge"
   * (from challenge_async) + "signature" (base64, the reader's sign() over the
   * challenge bytes), or "identity_check": "visual" (目視確認, no signature)}. */
  onshi_status(ONSHI_ABI* query_async)(onshi_instance* instance, onshi_bytes request_json,
                                       const onshi_completion* done, uint64_t* out_operation, onshi_error* err);
  /* Sends a ready XmlMsg request (Shift_JIS or UTF-8 bytes) whose file name
   * starts with file_prefix ("YZKsiquc01", "DSTsiquc01", ...) and completes with
   * the raw answer bytes. This is what the host's exchange service delegates to
   * for plugins that build their own messages. */
  onshi_status(ONSHI_ABI* exchange_async)(onshi_instance* instance, const char* file_prefix, onshi_bytes request_xml,
                                          const onshi_completion* done, uint64_t* out_operation, onshi_error* err);
  /* The operation ends soon with ONSHI_E_CANCELLED (our request file removed). */
  onshi_status(ONSHI_ABI* cancel)(onshi_instance* instance, uint64_t operation);
  /* Any message file of the interface (file_name, may be NULL, helps tell the
   * type) → onshi.eligibility.parsed/1: {"type", "message": the typed fields,
   * "outcome" for 資格確認 answers, "results" for the 02res of 一括照会 and of
   * the window queries, "drug_history" for 薬剤情報}. */
  onshi_status(ONSHI_ABI* parse)(onshi_instance* instance, const char* file_name, onshi_bytes message,
                                 const onshi_writer* out_json, onshi_error* err);
  /* Face-reader results pushed into the face folder, one
   * onshi.eligibility.outcome/1 each (listener NULL stops; after it returns no
   * call is running or will come). Another program's files are only read. */
  onshi_status(ONSHI_ABI* set_face_listener)(onshi_instance* instance, const onshi_document_listener* listener,
                                             onshi_error* err);
  /* Appended later: an older plugin's table ends before it, so check
   * ONSHI_HAS_FIELD(onshi_eligibility_v1, table, challenge_async) first. */
  /* Step 1 of a card-authenticated 資格確認 (direct TLS transport only; over
   * the folders ONSHI_E_NOT_SUPPORTED at once): the server's one-time nonce.
   * Completes ONSHI_OK with onshi.eligibility.challenge/1 {"challenge": base64
   * of 32 bytes, "valid_seconds"}; have the card sign the decoded bytes
   * (onshi_card_reader_v1.sign) and pass both to query_async within that time.
   * A transport failure completes with its status and error (retryable flag,
   * message naming host:port); cancel completes with ONSHI_E_CANCELLED. */
  onshi_status(ONSHI_ABI* challenge_async)(onshi_instance* instance, const onshi_completion* done,
                                           uint64_t* out_operation, onshi_error* err);
} onshi_eligibility_v1;

#ifdef __cplusplus
}
#endif
#endif
