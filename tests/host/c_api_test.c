/* The SDK driven from plain C99, the way C#, Java or Delphi bind to it. */
#include "abi_layout.h"

#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/onshi_sdk.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

typedef struct buffer {
  char text[512];
  size_t len;
} buffer;

static onshi_status ONSHI_ABI append(void* ctx, const uint8_t* data, uint64_t size) {
  buffer* b = (buffer*)ctx;
  if (b->len + size >= sizeof b->text) return ONSHI_E_BUFFER_TOO_SMALL;
  memcpy(b->text + b->len, data, size);
  b->len += size;
  b->text[b->len] = 0;
  return ONSHI_OK;
}

int main(int argc, char** argv) {
  const char* dirs[1];
  onshi_sdk_options options;
  onshi_sdk* sdk = NULL;
  onshi_error err;
  uint32_t i, loaded = 0, failed = 0;
  onshi_extension ext;
  buffer out;
  onshi_error bad;

  if (argc < 2) return 2;
  dirs[0] = argv[1];
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.host_name = "c-api-test";
  options.plugin_dirs = dirs;
  options.plugin_dir_count = 1;
  options.log_level = ONSHI_LOG_ERROR + 1; /* quiet */
  memset(&err, 0, sizeof err);
  err.struct_size = sizeof err;

  CHECK(onshi_sdk_open(&options, &sdk, &err) == ONSHI_OK);
  CHECK(sdk != NULL);
  if (!sdk) return 1;
  for (i = 0; i < onshi_sdk_plugin_count(sdk); ++i) {
    onshi_plugin_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(onshi_sdk_plugin_info(sdk, i, &info) == ONSHI_OK);
    if (info.state == ONSHI_PLUGIN_LOADED) ++loaded;
    if (info.state == ONSHI_PLUGIN_FAILED) {
      ++failed;
      CHECK(info.stage[0] != 0 && info.message[0] != 0 && info.hint[0] != 0);
    }
    printf("%-28s %-8s %s %s\n", info.id, info.state == ONSHI_PLUGIN_LOADED ? "loaded" : "failed", info.stage,
           info.message);
  }
  CHECK(loaded >= 3); /* good, probe, v1_0 */
  CHECK(failed >= 6);

  memset(&ext, 0, sizeof ext);
  ext.struct_size = sizeof ext;
  CHECK(onshi_sdk_find_extension(sdk, ONSHI_EXT_DIAGNOSTICS, "onshi.test.v1_0", &ext) == ONSHI_OK);
  if (ext.vtable) {
    const onshi_diagnostics_v1* diag = (const onshi_diagnostics_v1*)ext.vtable;
    onshi_writer writer;
    memset(&out, 0, sizeof out);
    writer.ctx = &out;
    writer.write = append;
    onshi_sdk_set_time_ms(sdk, 1764000000000LL);
    CHECK(diag->self_test(ext.instance, &writer, &err) == ONSHI_OK);
    CHECK(strstr(out.text, "\"now_unix_ms\":1764000000000") != NULL);
  }
  CHECK(onshi_sdk_find_extension(sdk, "com.example.nothing/1", NULL, &ext) == ONSHI_E_NOT_FOUND);

  /* An old caller with a shorter error struct gets only what fits. */
  memset(&bad, 0x5a, sizeof bad);
  bad.struct_size = offsetof(onshi_error, message);
  CHECK(onshi_sdk_disable_plugin(sdk, "no.such.plugin", &bad) == ONSHI_E_NOT_FOUND);
  CHECK(bad.code == ONSHI_E_NOT_FOUND && (unsigned char)bad.message[0] == 0x5a);

  onshi_sdk_close(sdk);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
