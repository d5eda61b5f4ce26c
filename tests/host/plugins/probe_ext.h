/* The test-only extension of the probe plugin: runs the host's executor service
 * from inside a plugin and returns how many callbacks it saw. */
#ifndef PROBE_EXT_H
#define PROBE_EXT_H
#include <onshi/abi/onshi_plugin.h>

#define PROBE_EXT_ID "com.example.probe/1"

typedef struct probe_ext_v1 {
  uint32_t struct_size;
  int32_t(ONSHI_ABI* run_post)(onshi_instance*);
  int32_t(ONSHI_ABI* run_timers)(onshi_instance*);
  int32_t(ONSHI_ABI* run_watch)(onshi_instance*);
  int32_t(ONSHI_ABI* run_overlaps)(onshi_instance*); /* callbacks that overlapped another: 0 */
} probe_ext_v1;
#endif
