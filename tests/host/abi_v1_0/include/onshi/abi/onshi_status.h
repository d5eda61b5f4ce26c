/* onshi_status.h: status codes and the error record that cross the plugin boundary.
 * Pure C99. Codes are fixed forever; new codes may appear, so callers treat any
 * unknown negative value as a failure. */
#ifndef ONSHI_ABI_STATUS_H
#define ONSHI_ABI_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t onshi_status;

#define ONSHI_OK                   0
#define ONSHI_E_INVALID_ARGUMENT  -1  /* the caller passed something malformed */
#define ONSHI_E_NOT_SUPPORTED     -2  /* function, extension or operation absent */
#define ONSHI_E_BUFFER_TOO_SMALL  -3  /* size-query idiom: *inout_len holds the need */
#define ONSHI_E_TIMEOUT           -4
#define ONSHI_E_CANCELLED         -5
#define ONSHI_E_BUSY              -6
#define ONSHI_E_NOT_FOUND         -7  /* no such reader, plugin, file, record */
#define ONSHI_E_NO_DEVICE         -8  /* no reader connected / pcscd not running */
#define ONSHI_E_NO_CARD           -9
#define ONSHI_E_CARD_REMOVED     -10  /* the card left mid-operation */
#define ONSHI_E_WRONG_CARD       -11  /* not a My Number card */
#define ONSHI_E_PIN_WRONG        -12  /* error.native_code = tries left */
#define ONSHI_E_PIN_LOCKED       -13
#define ONSHI_E_CERT_EXPIRED     -14
#define ONSHI_E_AUTH             -15  /* TLS / certificate / signature refused */
#define ONSHI_E_NETWORK          -16
#define ONSHI_E_PROTOCOL         -17  /* peer answered something we cannot read */
#define ONSHI_E_IO               -18  /* file system */
#define ONSHI_E_REFUSED          -19  /* a rule forbids it (e.g. no disaster declared) */
#define ONSHI_E_NOT_INITIALIZED  -20
#define ONSHI_E_INTERNAL         -21  /* a bug: report it */
#define ONSHI_E_VENDOR_BASE   -10000  /* vendors use codes <= this one */

/* error.flags */
#define ONSHI_ERROR_RETRYABLE        (1u << 0) /* the same call may succeed later */
#define ONSHI_ERROR_USER_ACTIONABLE  (1u << 1) /* a person can fix it (insert card, ...) */

#define ONSHI_ERROR_DOMAIN_SIZE  32
#define ONSHI_ERROR_MESSAGE_SIZE 480
#define ONSHI_ERROR_HINT_SIZE    256

/* Caller-owned; the callee fills it when it returns a negative status.
 * The caller sets struct_size = sizeof(onshi_error); the callee writes only the
 * fields that fit in struct_size (the struct grows only at the end).
 * All strings are UTF-8 and always NUL-terminated (truncated if needed). */
typedef struct onshi_error {
  uint32_t struct_size;
  int32_t  code;                              /* == the returned onshi_status */
  int32_t  native_code;                       /* SCARD_E_*, SW1SW2, HTTP status, errno, tries left */
  uint32_t flags;                             /* ONSHI_ERROR_* */
  char     domain[ONSHI_ERROR_DOMAIN_SIZE];   /* "pcsc", "card", "xml", "tls", "com.vendor.x" */
  char     message[ONSHI_ERROR_MESSAGE_SIZE]; /* what happened, naming the reader/file/field */
  char     hint[ONSHI_ERROR_HINT_SIZE];       /* what the user can do next */
} onshi_error;

#ifdef __cplusplus
}
#endif
#endif
