/* Plain C plugins that fail at one stage each; BROKEN_KIND picks which. */
#include <onshi/abi/onshi_plugin.h>

#include <stdio.h>
#include <stdlib.h>

#if BROKEN_KIND == 1 /* no entry symbol: exports something else */
ONSHI_EXPORT int onshi_get_plugin_entri(void) { return 0; }

#elif BROKEN_KIND == 2 /* needs a library that is not there at run time */
int onshi_test_dependency(void);
static onshi_status ONSHI_ABI init(const onshi_host* h, const char* d, onshi_error* e) {
  (void)h; (void)d; (void)e;
  return onshi_test_dependency() == 42 ? ONSHI_OK : ONSHI_E_INTERNAL;
}
#elif BROKEN_KIND == 3 /* init fails with an actionable error */
static onshi_status ONSHI_ABI init(const onshi_host* h, const char* d, onshi_error* e) {
  (void)h;
  e->code = ONSHI_E_IO;
  e->flags = ONSHI_ERROR_USER_ACTIONABLE;
  snprintf(e->domain, sizeof e->domain, "license");
  snprintf(e->message, sizeof e->message, "license file %s/license.key not found", d);
  snprintf(e->hint, sizeof e->hint, "copy license.key from the vendor's CD into %s", d);
  return ONSHI_E_IO;
}
#elif BROKEN_KIND == 4 /* crashes the process while starting */
static onshi_status ONSHI_ABI init(const onshi_host* h, const char* d, onshi_error* e) {
  (void)h; (void)d; (void)e;
  abort();
}
#endif

#if BROKEN_KIND != 1
static void ONSHI_ABI deinit(void) {}
static onshi_status ONSHI_ABI create(const onshi_host* h, const char* c, onshi_instance** out, onshi_error* e) {
  (void)h; (void)c; (void)out; (void)e;
  return ONSHI_E_INTERNAL; /* never reached in these tests */
}
static const onshi_plugin_entry entry = {sizeof(onshi_plugin_entry), {ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR, 0, 0},
                                         BROKEN_ID, init, deinit, create};
ONSHI_EXPORT const onshi_plugin_entry* ONSHI_ABI onshi_get_plugin_entry(uint32_t major) {
  return major == ONSHI_ABI_MAJOR ? &entry : NULL;
}
#endif
