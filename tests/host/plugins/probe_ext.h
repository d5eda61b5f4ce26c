/* The test-only extension of the probe plugin: runs the host's executor, store
 * and exchange services from inside a plugin and reports what it saw. */
#ifndef PROBE_EXT_H
#define PROBE_EXT_H
#include <onshi/abi/onshi_services.h>

#define PROBE_EXT_ID "com.example.probe/1"

typedef struct probe_ext_v1 {
  uint32_t struct_size;
  int32_t(ONSHI_ABI* run_post)(onshi_instance*);
  int32_t(ONSHI_ABI* run_timers)(onshi_instance*);
  int32_t(ONSHI_ABI* run_watch)(onshi_instance*);
  int32_t(ONSHI_ABI* run_overlaps)(onshi_instance*); /* callbacks that overlapped another: 0 */
  /* The store as this plugin sees it. key NULL: host-assigned; tag may be NULL. */
  onshi_status(ONSHI_ABI* store_put)(onshi_instance*, const char* collection, const char* key, int64_t at_ms,
                                     int64_t expires_ms, const char* tag, const char* doc, onshi_error* err);
  /* Matching records as lines "key doc", in the query's order. */
  onshi_status(ONSHI_ABI* store_query)(onshi_instance*, const onshi_store_query* query, const onshi_writer* out,
                                       onshi_error* err);
  onshi_status(ONSHI_ABI* store_erase)(onshi_instance*, const onshi_store_query* query, uint32_t* count,
                                       onshi_error* err);
  /* Calls the exchange service and returns its status (no completion is awaited). */
  onshi_status(ONSHI_ABI* exchange)(onshi_instance*, onshi_error* err);
} probe_ext_v1;
#endif
