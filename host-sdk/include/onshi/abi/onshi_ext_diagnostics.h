/* onshi_ext_diagnostics.h: "onshi.diagnostics/1", which any plugin may provide
 * so support staff and the validator can ask it how it is doing. Pure C99. */
#ifndef ONSHI_ABI_EXT_DIAGNOSTICS_H
#define ONSHI_ABI_EXT_DIAGNOSTICS_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_diagnostics_v1 {
  uint32_t struct_size;
  /* [any-thread] Writes one JSON object: {"ok": bool, "now_unix_ms": <the host
   * clock as the plugin sees it>, "checks": [{"name": ..., "ok": ..., "detail": ...}]}.
   * Quick (no network, no card); never contains personal data. */
  onshi_status(ONSHI_ABI* self_test)(onshi_instance* instance, const onshi_writer* out_json, onshi_error* err);
} onshi_diagnostics_v1;

#ifdef __cplusplus
}
#endif
#endif
