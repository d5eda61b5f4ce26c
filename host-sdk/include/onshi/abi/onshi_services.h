/* onshi_services.h: what the host offers every plugin, looked up with
 * host->get_service(host, ONSHI_SERVICE_*). Pure C99.
 * Every service function is [any-thread] and takes the plugin's own host struct,
 * so the host knows which plugin is calling. */
#ifndef ONSHI_ABI_SERVICES_H
#define ONSHI_ABI_SERVICES_H

#include "onshi_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- log: the host adds time, plugin id and thread; never blocks for long.
 * Never pass a PIN, an individual number (マイナンバー) or withheld data. */
#define ONSHI_SERVICE_LOG "onshi.host.log/1"

#define ONSHI_LOG_DEBUG 0
#define ONSHI_LOG_INFO 1
#define ONSHI_LOG_WARN 2
#define ONSHI_LOG_ERROR 3
#define ONSHI_LOG_PLUGIN_MISBEHAVING 4 /* the host broke the contract (bug report) */

typedef struct onshi_host_log_v1 {
  uint32_t struct_size;
  void(ONSHI_ABI* log)(const onshi_host* host, int32_t level, const char* message_utf8);
  /* 1 when a message of that level would be kept; lets plugins skip formatting. */
  int32_t(ONSHI_ABI* enabled)(const onshi_host* host, int32_t level);
} onshi_host_log_v1;

/* ---- clock: the one source of "now". Tests set it, and every plugin sees it:
 * expiry, grace, copay age, retention and declaration rules all read it.
 * Dates in the domain rules are Japan Standard Time (UTC+9, no DST). */
#define ONSHI_SERVICE_CLOCK "onshi.host.clock/1"

typedef struct onshi_host_clock_v1 {
  uint32_t struct_size;
  /* Wall time in milliseconds since 1970-01-01T00:00:00Z (may be set by the host). */
  int64_t(ONSHI_ABI* now_unix_ms)(const onshi_host* host);
  /* Monotonic nanoseconds for timeouts and durations (never set). */
  int64_t(ONSHI_ABI* monotonic_ns)(const onshi_host* host);
} onshi_host_clock_v1;

/* ---- config: the plugin's own section of the host configuration. */
#define ONSHI_SERVICE_CONFIG "onshi.host.config/1"

typedef struct onshi_host_config_v1 {
  uint32_t struct_size;
  /* The value at key ("tls.ca_file": dots walk into objects) as UTF-8 text
   * (numbers and booleans as their JSON text). Size-query idiom: with buf NULL or
   * too small, returns ONSHI_E_BUFFER_TOO_SMALL and sets *inout_len to the bytes
   * needed including the NUL. ONSHI_E_NOT_FOUND when the key is absent. */
  onshi_status(ONSHI_ABI* get)(const onshi_host* host, const char* key, char* buf, uint32_t* inout_len);
  /* The whole section as a JSON object. */
  onshi_status(ONSHI_ABI* get_json)(const onshi_host* host, const onshi_writer* out);
} onshi_host_config_v1;

/* ---- executor: the host's asynchronous I/O (a Boost.Asio io_context and its
 * threads). Callbacks run on host threads; keep them short. The callbacks of
 * post, post_delayed and watch_fd of ONE plugin never run concurrently with
 * each other (a strand per plugin), so they need no locks among themselves;
 * post_blocking work runs on other threads, concurrently. */
#define ONSHI_SERVICE_EXECUTOR "onshi.host.executor/1"

typedef void(ONSHI_ABI* onshi_task_fn)(void* user);

typedef struct onshi_host_executor_v1 {
  uint32_t struct_size;
  /* Run fn(user) soon on an I/O thread. */
  onshi_status(ONSHI_ABI* post)(const onshi_host* host, onshi_task_fn fn, void* user);
  /* Run fn(user) on a thread that may block (a device wait, a blocking read). */
  onshi_status(ONSHI_ABI* post_blocking)(const onshi_host* host, onshi_task_fn fn, void* user);
  /* Run fn(user) once after delay_ms; *out_timer_id identifies it for cancel. */
  onshi_status(ONSHI_ABI* post_delayed)(const onshi_host* host, uint32_t delay_ms, onshi_task_fn fn,
                                        void* user, uint64_t* out_timer_id);
  /* ONSHI_OK: fn will not run (the caller still owns user). ONSHI_E_NOT_FOUND:
   * it already ran or is running. */
  onshi_status(ONSHI_ABI* cancel_timer)(const onshi_host* host, uint64_t timer_id);
  /* Call fn(user) each time fd becomes readable, until unwatch_fd. The host never
   * reads or closes fd. */
  onshi_status(ONSHI_ABI* watch_fd)(const onshi_host* host, int32_t fd, onshi_task_fn fn, void* user,
                                    uint64_t* out_watch_id);
  /* After it returns, fn is not running (unless called from fn itself) and will
   * not be called again. */
  onshi_status(ONSHI_ABI* unwatch_fd)(const onshi_host* host, uint64_t watch_id);
} onshi_host_executor_v1;

#ifdef __cplusplus
}
#endif
#endif
