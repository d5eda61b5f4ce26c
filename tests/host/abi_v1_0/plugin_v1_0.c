/* A plugin as a vendor would have built it against ABI 1.0, in plain C. It reads
 * the host clock through the clock service and reports it in its diagnostics. */
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_services.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct v1_instance {
  onshi_instance base;
  const onshi_host* host;
} v1_instance;

static onshi_status ONSHI_ABI self_test(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
  const onshi_host* host = ((v1_instance*)i)->host;
  const onshi_host_clock_v1* clock = (const onshi_host_clock_v1*)host->get_service(host, ONSHI_SERVICE_CLOCK);
  char json[128];
  (void)err;
  if (!clock) return ONSHI_E_NOT_SUPPORTED;
  snprintf(json, sizeof json, "{\"ok\":true,\"plugin\":\"onshi.test.v1_0\",\"now_unix_ms\":%lld,\"checks\":[]}",
           (long long)clock->now_unix_ms(host));
  return out->write(out->ctx, (const uint8_t*)json, strlen(json));
}

static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), self_test};

static const void* ONSHI_ABI get_extension(onshi_instance* i, const char* id) {
  (void)i;
  return strcmp(id, ONSHI_EXT_DIAGNOSTICS) == 0 ? &diagnostics : NULL;
}
static void ONSHI_ABI destroy(onshi_instance* i) { free(i); }
static const onshi_instance_vtbl vtbl = {sizeof(onshi_instance_vtbl), destroy, get_extension};

static onshi_status ONSHI_ABI init(const onshi_host* h, const char* d, onshi_error* e) {
  (void)h; (void)d; (void)e;
  return ONSHI_OK;
}
static void ONSHI_ABI deinit(void) {}
static onshi_status ONSHI_ABI create(const onshi_host* h, const char* c, onshi_instance** out, onshi_error* e) {
  v1_instance* i = (v1_instance*)calloc(1, sizeof *i);
  (void)c; (void)e;
  if (!i) return ONSHI_E_INTERNAL;
  i->base.vtbl = &vtbl;
  i->host = h;
  *out = &i->base;
  return ONSHI_OK;
}

static const onshi_plugin_entry entry = {sizeof(onshi_plugin_entry), {1, 0, 0, 0}, "onshi.test.v1_0",
                                         init, deinit, create};

ONSHI_EXPORT const onshi_plugin_entry* ONSHI_ABI onshi_get_plugin_entry(uint32_t major) {
  return major == 1 ? &entry : NULL;
}
