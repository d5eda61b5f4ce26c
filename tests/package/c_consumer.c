/* A C program built with nothing but `pkg-config --cflags --libs onshi`: the way a
 * C (or C#/Java/Delphi binding) project meets the installed SDK. Opens the SDK with
 * the default search and finds the claims extension (when onshi.claims is installed). Exits 0 when all held.
 *
 *   onshi_c_consumer EXPECTED_VERSION */
#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/onshi_sdk.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  onshi_sdk_options options;
  onshi_sdk* sdk = NULL;
  onshi_error err;
  onshi_extension ext;
  uint32_t i, count, loaded = 0;
  int failures = 0, has_claims = 0;

  printf("onshi_sdk_version() = %s\n", onshi_sdk_version());
  if (argc > 1 && strcmp(argv[1], onshi_sdk_version()) != 0) {
    printf("FAIL the library is %s, pkg-config said %s\n", onshi_sdk_version(), argv[1]);
    ++failures;
  }
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.host_name = "onshi-package-c-consumer";
  options.use_default_dirs = 1;
  options.log_level = ONSHI_LOG_ERROR;
  memset(&err, 0, sizeof err);
  err.struct_size = sizeof err;
  if (onshi_sdk_open(&options, &sdk, &err) != ONSHI_OK) {
    printf("FAIL onshi_sdk_open: %s\n", err.message);
    return 1;
  }
  count = onshi_sdk_plugin_count(sdk);
  for (i = 0; i < count; ++i) {
    onshi_plugin_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (onshi_sdk_plugin_info(sdk, i, &info) != ONSHI_OK) continue;
    if (info.state == ONSHI_PLUGIN_LOADED) ++loaded;
    if (strcmp(info.id, "onshi.claims") == 0) has_claims = 1;
  }
  printf("%u plugins found, %u loaded\n", (unsigned)count, (unsigned)loaded);
  if (loaded == 0) {
    printf("FAIL no plugin loaded from the installed plugin folder\n");
    ++failures;
  }
  memset(&ext, 0, sizeof ext);
  ext.struct_size = sizeof ext;
  if (!has_claims) {
    printf("(no onshi.claims plugin installed)\n");
  } else if (onshi_sdk_find_extension(sdk, ONSHI_EXT_CLAIMS, NULL, &ext) != ONSHI_OK || !ext.vtable) {
    printf("FAIL no plugin provides %s\n", ONSHI_EXT_CLAIMS);
    ++failures;
  } else {
    printf("%s from %s\n", ONSHI_EXT_CLAIMS, ext.plugin_id);
  }
  onshi_sdk_close(sdk);
  printf("%s\n", failures ? "c consumer: FAILED" : "c consumer: all checks passed");
  return failures ? 1 : 0;
}
