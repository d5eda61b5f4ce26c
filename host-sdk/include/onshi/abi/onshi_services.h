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
  /* [ABI 1.0, appended] The system's wall time, whatever the host set: for what must be real
   * whatever a test or a drill pins (a certificate's validity, deleting expired records, the
   * real time beside an audit record's). Check ONSHI_HAS_FIELD before calling. */
  int64_t(ONSHI_ABI* real_now_unix_ms)(const onshi_host* host);
  /* [ABI 1.0, appended] How now_unix_ms relates to the real time: ONSHI_CLOCK_*. */
  int32_t(ONSHI_ABI* mode)(const onshi_host* host);
} onshi_host_clock_v1;

#define ONSHI_CLOCK_REAL 0      /* now_unix_ms is the system's time */
#define ONSHI_CLOCK_PINNED 1    /* a test or a tool set it: not for what must be real */
#define ONSHI_CLOCK_REHEARSAL 2 /* set for a drill the operator declared (onshi_sdk_options.rehearsal) */

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

/* ---- store: the one durable store, owned by the host (a SQLite file,
 * <state_dir>/onshi.db). Each plugin reads and writes only its own records,
 * in collections it names ("history", "bulk-jobs", "audit"). A put has reached
 * the disk when it returns, so it survives kill -9 and power loss. A record whose
 * expires_unix_ms has passed by the clock service is never returned again and is
 * purged. ONSHI_E_NOT_INITIALIZED when the SDK was opened without a state_dir.
 * Never store an individual number (マイナンバー), a PIN, or withheld data. */
#define ONSHI_SERVICE_STORE "onshi.host.store/1"

typedef struct onshi_store_record {
  uint32_t struct_size;
  const char* collection;
  /* Unique within the collection; a put with an existing key replaces it.
   * NULL on put: the host assigns the next key in order ("000000000042"). */
  const char* key;
  int64_t at_unix_ms;      /* when it happened: the order and range of queries */
  int64_t expires_unix_ms; /* purged once the clock passes it; 0 = kept */
  /* Exact-match look-up keys, e.g. "name:ﾔﾏﾀﾞ ﾀﾛｳ", "ref:P0001". */
  const char* const* tags;
  uint32_t tag_count;
  onshi_bytes doc;         /* the record itself (our records are JSON documents) */
} onshi_store_record;

typedef struct onshi_store_query {
  uint32_t struct_size;
  const char* collection;
  const char* key;        /* this key only, or NULL */
  const char* tag;        /* records carrying this tag, or NULL */
  int64_t since_unix_ms;  /* at_unix_ms >= since (0: no bound) */
  int64_t until_unix_ms;  /* at_unix_ms < until (0: no bound) */
  uint32_t limit;         /* 0: all */
  int32_t newest_first;   /* 1: by at_unix_ms descending; 0: ascending */
} onshi_store_query;

/* Called once per match, in order; the record is valid only during the call.
 * Return 0 to go on, non-zero to stop. */
typedef int32_t(ONSHI_ABI* onshi_store_visit_fn)(void* user, const onshi_store_record* record);

typedef struct onshi_host_store_v1 {
  uint32_t struct_size;
  /* Writes count records as one durable step: all of them or none. */
  onshi_status(ONSHI_ABI* put)(const onshi_host* host, const onshi_store_record* records, uint32_t count,
                               onshi_error* err);
  onshi_status(ONSHI_ABI* query)(const onshi_host* host, const onshi_store_query* query, onshi_store_visit_fn visit,
                                 void* user, onshi_error* err);
  /* Removes the records the query matches (limit and order ignored); *out_count
   * (may be NULL) receives how many. */
  onshi_status(ONSHI_ABI* erase)(const onshi_host* host, const onshi_store_query* query, uint32_t* out_count,
                                 onshi_error* err);
} onshi_host_store_v1;

/* ---- exchange: send a ready XmlMsg request to the オンライン資格確認等システム
 * through whichever loaded plugin provides "onshi.eligibility/1" (its
 * exchange_async), so a plugin that builds its own messages (disaster's
 * DSTsiquc01) never calls another plugin. Same contract as exchange_async:
 * once started, completes exactly once with the raw answer bytes, or with a
 * transport failure; ONSHI_E_NOT_SUPPORTED (no completion) when no eligibility
 * plugin is loaded. */
#define ONSHI_SERVICE_EXCHANGE "onshi.host.exchange/1"

typedef struct onshi_host_exchange_v1 {
  uint32_t struct_size;
  onshi_status(ONSHI_ABI* exchange_async)(const onshi_host* host, const char* file_prefix, onshi_bytes request_xml,
                                          const onshi_completion* done, uint64_t* out_operation, onshi_error* err);
  onshi_status(ONSHI_ABI* cancel)(const onshi_host* host, uint64_t operation);
} onshi_host_exchange_v1;

#ifdef __cplusplus
}
#endif
#endif
