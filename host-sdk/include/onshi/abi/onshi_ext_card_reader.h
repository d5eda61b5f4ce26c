/* onshi_ext_card_reader.h: "onshi.card-reader/1", what a card-reader plugin
 * provides: readers, card events, and the My Number card operations the
 * reception needs. Pure C99.
 *
 * Each card operation is atomic from the host's point of view: the plugin
 * connects, does the work, and resets the card before it returns, so no
 * verified PIN state lingers. The plugin serialises operations on a reader
 * itself, so every function here is [any-thread][after-create].
 *
 * PINs: passed as NUL-terminated ASCII digits owned by the caller, who wipes
 * them after the call. The plugin checks the format before sending anything (a
 * typo never costs a try), never retries VERIFY by itself, never logs or keeps
 * the PIN, and wipes its own copies.
 *
 * Errors a receptionist can act on (status, error.native_code):
 *   ONSHI_E_NO_DEVICE     no reader / the PC/SC service is not running
 *   ONSHI_E_NO_CARD       no card in the reader
 *   ONSHI_E_CARD_REMOVED  the card left mid-operation (nothing was half-done)
 *   ONSHI_E_WRONG_CARD    not a My Number card
 *   ONSHI_E_NOT_SUPPORTED the reader cannot do this
 *   ONSHI_E_INVALID_ARGUMENT  the PIN is not 4 digits (no try spent)
 *   ONSHI_E_PIN_WRONG     wrong PIN; native_code = tries left
 *   ONSHI_E_PIN_LOCKED    locked: use a visual check (目視確認) or another method
 *   ONSHI_E_CERT_EXPIRED  the certificate is past its validity (and grace)
 */
#ifndef ONSHI_ABI_EXT_CARD_READER_H
#define ONSHI_ABI_EXT_CARD_READER_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* The documents this extension takes and gives (each carries "schema": <id>). */
#define ONSHI_SCHEMA_READER_READERS    "onshi.reader.readers/1" /* list_readers */
#define ONSHI_SCHEMA_READER_CARD_INFO  "onshi.reader.card-info/1" /* card_info */
#define ONSHI_SCHEMA_READER_PIN_RESULT "onshi.reader.pin-result/1" /* a PIN check's outcome, as the SDK reports it */
#define ONSHI_SCHEMA_READER_BASIC_FOUR "onshi.reader.basic-four/1" /* read_basic4 */
/* The functions by name (onshi.documents/1): their plain arguments as one document
 * {"reader"?, "which"?: "auth" | "auth_ca", "pin"?, "challenge_base64"?}; the PIN is wiped after use. */
#define ONSHI_SCHEMA_READER_REQUEST     "onshi.reader.request/1"
#define ONSHI_SCHEMA_READER_CERTIFICATE "onshi.reader.certificate/1" /* read_certificate: {"which", "certificate_base64"} */
#define ONSHI_SCHEMA_READER_SIGNATURE   "onshi.reader.signature/1" /* sign: {"signature_base64", "certificate_base64"} */

#ifdef __cplusplus
extern "C" {
#endif

#define ONSHI_READER_EVENT_CARD_INSERTED 1
#define ONSHI_READER_EVENT_CARD_REMOVED 2
#define ONSHI_READER_EVENT_READER_ADDED 3
#define ONSHI_READER_EVENT_READER_REMOVED 4
#define ONSHI_READER_EVENT_SERVICE_LOST 5 /* e.g. pcscd stopped; the plugin keeps trying */
#define ONSHI_READER_EVENT_SERVICE_BACK 6

#define ONSHI_READER_NAME_SIZE 128

typedef struct onshi_reader_event {
  uint32_t struct_size;
  int32_t kind;                        /* ONSHI_READER_EVENT_* */
  char reader[ONSHI_READER_NAME_SIZE]; /* UTF-8, NUL-terminated */
} onshi_reader_event;

typedef struct onshi_reader_listener {
  uint32_t struct_size;
  void* ctx;
  /* Called on a host executor thread, one event at a time; must return quickly
   * and must not call set_listener. */
  void(ONSHI_ABI* on_event)(void* ctx, const onshi_reader_event* event);
} onshi_reader_listener;

#define ONSHI_CERT_AUTH 0    /* 利用者証明用電子証明書 */
#define ONSHI_CERT_AUTH_CA 1 /* its issuing CA certificate */

typedef struct onshi_card_reader_v1 {
  uint32_t struct_size;
  /* JSON document onshi.reader.readers/1: {"readers": [{"name", "card_present"}]} */
  onshi_status(ONSHI_ABI* list_readers)(onshi_instance* instance, const onshi_writer* out_json, onshi_error* err);
  /* Starts event delivery (listener non-NULL, copied) or stops it (NULL); after
   * a stop returns, on_event is not running and will not be called again. */
  onshi_status(ONSHI_ABI* set_listener)(onshi_instance* instance, const onshi_reader_listener* listener,
                                        onshi_error* err);
  /* No PIN needed: a JSON document "onshi.reader.card-info/1" with the card kind
   * (physical / smartphone), the auth certificate's facts and its validity
   * verdict at the host clock, and PIN tries left (none spent). reader NULL:
   * the first reader holding a card. */
  onshi_status(ONSHI_ABI* card_info)(onshi_instance* instance, const char* reader, const onshi_writer* out_json,
                                     onshi_error* err);
  /* The DER bytes of a certificate (ONSHI_CERT_*). */
  onshi_status(ONSHI_ABI* read_certificate)(onshi_instance* instance, const char* reader, int32_t which,
                                            const onshi_writer* out_der, onshi_error* err);
  /* VERIFY the auth PIN once. */
  onshi_status(ONSHI_ABI* verify_pin)(onshi_instance* instance, const char* reader, const char* pin,
                                      onshi_error* err);
  /* VERIFY the auth PIN, then sign SHA-256(challenge) with the auth key
   * (PKCS#1 v1.5, DigestInfo); the 256-byte signature goes to out_signature. */
  onshi_status(ONSHI_ABI* sign)(onshi_instance* instance, const char* reader, const char* pin, onshi_bytes challenge,
                                const onshi_writer* out_signature, onshi_error* err);
  /* Only at the patient's request: the 基本4情報 from the 券面事項入力補助AP with
   * ITS OWN 4-digit PIN: JSON "onshi.reader.basic-four/1" {name, address, birth_date,
   * sex}. Never the individual number. */
  onshi_status(ONSHI_ABI* read_basic4)(onshi_instance* instance, const char* reader, const char* pin,
                                       const onshi_writer* out_json, onshi_error* err);
  /* Makes a blocking operation in progress return ONSHI_E_CANCELLED soon. */
  onshi_status(ONSHI_ABI* cancel)(onshi_instance* instance);
  /* [ABI 1.0, appended] sign() that also returns the auth certificate, read in
   * the same session after the one VERIFY: a smartphone's (スマホ用電子証明書)
   * can only be read after its PIN, and a card needs one session instead of two.
   * Check ONSHI_HAS_FIELD before calling. */
  onshi_status(ONSHI_ABI* sign_with_certificate)(onshi_instance* instance, const char* reader, const char* pin,
                                                 onshi_bytes challenge, const onshi_writer* out_signature,
                                                 const onshi_writer* out_certificate_der, onshi_error* err);
} onshi_card_reader_v1;

#ifdef __cplusplus
}
#endif
#endif
