/* onshi_sdk.h: the C API an EMR uses to run the SDK (from C, or from C#, Java,
 * Delphi, Python through P/Invoke, JNA or ctypes). Exported by libonshi_host.
 * C++ EMRs use onshi/host.hpp, a header-only wrapper over this same API.
 *
 * Lifetime: every pointer the SDK returns stays valid until onshi_sdk_close().
 * Threading: open/close/disable are [host-control] (not concurrently with any
 * other call on the same sdk); everything else is [any-thread]. */
#ifndef ONSHI_SDK_H
#define ONSHI_SDK_H

#include <onshi/abi/onshi_services.h> /* ONSHI_LOG_* levels */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define ONSHI_SDK_API __declspec(dllimport)
#else
#define ONSHI_SDK_API __attribute__((visibility("default")))
#endif

typedef struct onshi_sdk onshi_sdk; /* opaque */

/* Receives every log line of the SDK and its plugins. plugin_id is "host" for the
 * SDK itself. Called from any thread, serialised by the SDK. */
typedef void(ONSHI_ABI* onshi_log_sink)(void* ctx, int32_t level, const char* plugin_id, const char* message);

typedef struct onshi_sdk_options {
  uint32_t struct_size;
  const char* host_name;    /* the EMR product, shown to plugins; may be NULL */
  const char* host_version;
  /* Directories searched first, in order, for *.onshi-plugin.json manifests
   * (each directory and its direct subdirectories). */
  const char* const* plugin_dirs;
  uint32_t plugin_dir_count;
  /* 1: also search ONSHI_PLUGIN_PATH (colon-separated) and the installed plugin
   * directory next to libonshi_host. */
  int32_t use_default_dirs;
  /* Only these plugin ids are opened; NULL means every plugin found. A plugin
   * found but not listed is reported with state ONSHI_PLUGIN_NOT_ENABLED. */
  const char* const* enabled_ids;
  uint32_t enabled_id_count;
  /* JSON object {"<plugin id>": {...}, ...}; each plugin sees its own section. */
  const char* config_json;
  /* Where the SDK keeps its state: the durable store every plugin writes through
   * (onshi.db: verification history, bulk jobs, audit log) and crash markers.
   * Each plugin also gets the folder <state_dir>/<plugin id> as "state_dir" in its
   * configuration section unless the section names one. NULL: nothing is kept
   * and the store service answers ONSHI_E_NOT_INITIALIZED. */
  const char* state_dir;
  onshi_log_sink log_sink; /* NULL: warnings and errors go to stderr */
  void* log_ctx;
  int32_t log_level;       /* lowest level kept (ONSHI_LOG_*) */
} onshi_sdk_options;

/* Plugin states */
#define ONSHI_PLUGIN_LOADED 0      /* running; its extensions can be used */
#define ONSHI_PLUGIN_FAILED 1      /* see stage / message / hint */
#define ONSHI_PLUGIN_NOT_ENABLED 2 /* found, not in enabled_ids: never opened */
#define ONSHI_PLUGIN_DISABLED 3    /* shut down by onshi_sdk_disable_plugin */

typedef struct onshi_plugin_info {
  uint32_t struct_size;
  const char* id;
  const char* name;
  const char* vendor;
  const char* version;
  onshi_version abi;           /* from the manifest */
  const char* manifest_path;
  const char* library_path;    /* absolute */
  const char* thread_safety;   /* "none" | "instance" | "full" */
  const char* const* provides; /* extension ids from the manifest */
  uint32_t provides_count;
  int32_t state;               /* ONSHI_PLUGIN_* */
  /* When FAILED: the stage that failed ("manifest", "abi", "open", "symbol",
   * "entry", "identity", "init", "create", "extension"), the system's or the
   * plugin's own text, and what to do next. Empty strings otherwise. */
  const char* stage;
  const char* message;
  const char* hint;
  onshi_status error_code;
  /* Non-fatal findings, one per line (e.g. an extension id this host does not know). */
  const char* warnings;
} onshi_plugin_info;

/* An extension found in a loaded plugin: call vtable functions with instance. */
typedef struct onshi_extension {
  uint32_t struct_size;
  const char* plugin_id;
  onshi_instance* instance;
  const void* vtable;
} onshi_extension;

ONSHI_SDK_API const char* ONSHI_ABI onshi_sdk_version(void);

/* Discovers and loads plugins. A plugin that fails is reported through
 * onshi_sdk_plugin_info and the others go on; only a bad options struct fails. */
ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_open(const onshi_sdk_options* options, onshi_sdk** out_sdk,
                                                    onshi_error* err);
/* Destroys instances, shuts plugins down, stops the executor. */
ONSHI_SDK_API void ONSHI_ABI onshi_sdk_close(onshi_sdk* sdk);

/* Every plugin found, loaded or not, in discovery order. */
ONSHI_SDK_API uint32_t ONSHI_ABI onshi_sdk_plugin_count(const onshi_sdk* sdk);
ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_plugin_info(const onshi_sdk* sdk, uint32_t index,
                                                           onshi_plugin_info* out);

/* The extension from plugin_id (NULL: the first loaded plugin providing it).
 * ONSHI_E_NOT_FOUND when none provides it. */
ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_find_extension(const onshi_sdk* sdk, const char* extension_id,
                                                              const char* plugin_id, onshi_extension* out);

/* Shuts the plugin down (its instance is destroyed, then deinit). Its library
 * stays mapped; to load a new version restart the process. */
ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_disable_plugin(onshi_sdk* sdk, const char* plugin_id,
                                                              onshi_error* err);

/* The clock every plugin reads: set a fixed wall time, or 0 to follow the system.
 * A set clock is for tests and drills: rules that must run on the real time
 * (disaster mode, certificate dates, deleting expired records) refuse it or
 * ignore it, unless the session is declared a rehearsal. */
ONSHI_SDK_API void ONSHI_ABI onshi_sdk_set_time_ms(onshi_sdk* sdk, int64_t unix_ms);
ONSHI_SDK_API int64_t ONSHI_ABI onshi_sdk_now_ms(const onshi_sdk* sdk);
/* [ABI 1.0, added] 1: this session is a drill (防災訓練, a demo): a clock set with
 * onshi_sdk_set_time_ms may then drive disaster mode too; the audit log still
 * records the real time beside it. 0 (the default): it may not. */
ONSHI_SDK_API void ONSHI_ABI onshi_sdk_set_rehearsal(onshi_sdk* sdk, int32_t on);

/* [ABI 1.0, added] The host services (onshi_services.h) for the application itself, so that an
 * application that keeps state (onshi serve: its jobs, events and audit) uses the one clock, log,
 * executor and durable store the plugins use instead of its own: get_service answers every
 * ONSHI_SERVICE_* as it does for a plugin, under the owner "app:<host_name>" (its log lines, its
 * config section of config_json, its own records in the store, apart from every plugin's; its own
 * executor strand). Valid until onshi_sdk_close. [any-thread] */
ONSHI_SDK_API const onshi_host* ONSHI_ABI onshi_sdk_app_host(onshi_sdk* sdk);

#ifdef __cplusplus
}
#endif
#endif
