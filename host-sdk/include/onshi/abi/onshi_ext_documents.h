/* onshi_ext_documents.h: "onshi.documents/1", a plugin's document functions by name, so a host can
 * offer them without knowing the plugin: `onshi serve` maps POST /v1/<extension>/<function> onto
 * call / call_async. Optional; a plugin built with onshi/plugin.hpp declares a table of its
 * functions and gets this extension from it (plugin::DocumentFunction). Pure C99. */
#ifndef ONSHI_ABI_EXT_DOCUMENTS_H
#define ONSHI_ABI_EXT_DOCUMENTS_H

#include "onshi_extensions.h"
#include "onshi_plugin.h"

/* ONSHI_EXT_DOCUMENTS "onshi.documents/1" is in onshi_extensions.h.
 * {"functions": [{"extension": "onshi.claims/1", "name": "decide", "async": false,
 *   "request": "onshi.claims.input/1", "response": "onshi.claims.result/1",
 *   "media_type": "application/json"}, ...]} */
#define ONSHI_SCHEMA_DOCUMENTS_LIST "onshi.documents.list/1"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct onshi_documents_v1 {
  uint32_t struct_size;
  /* [any-thread] Every function offered, as ONSHI_SCHEMA_DOCUMENTS_LIST. */
  onshi_status(ONSHI_ABI* list)(onshi_instance* instance, const onshi_writer* out_json, onshi_error* err);
  /* [any-thread] A synchronous function: the request document in, its answer to out.
   * ONSHI_E_NOT_FOUND for a function not in the list (or an asynchronous one). */
  onshi_status(ONSHI_ABI* call)(onshi_instance* instance, const char* extension_id, const char* function,
                                onshi_bytes request, const onshi_writer* out, onshi_error* err);
  /* [any-thread] An asynchronous function: completes once with its answer; progress documents
   * (listener optional, may be NULL) arrive before the completion. */
  onshi_status(ONSHI_ABI* call_async)(onshi_instance* instance, const char* extension_id, const char* function,
                                      onshi_bytes request, const onshi_document_listener* progress,
                                      const onshi_completion* done, uint64_t* out_operation, onshi_error* err);
  /* The operation (from call_async) ends soon with ONSHI_E_CANCELLED. */
  onshi_status(ONSHI_ABI* cancel)(onshi_instance* instance, uint64_t operation);
} onshi_documents_v1;

#ifdef __cplusplus
}
#endif
#endif
