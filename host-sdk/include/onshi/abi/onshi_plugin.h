/* onshi_plugin.h: the plugin contract. Pure C99; the only thing a plugin needs.
 *
 * Shape (after CLAP and PKCS#11): a plugin module exports ONE function,
 * onshi_get_plugin_entry(). Its entry table creates one instance per host; the
 * instance answers get_extension("onshi.card-reader/1") with a C function table.
 * The host offers services the same way: host->get_service("onshi.host.log/1").
 *
 * Evolution rules (docs/plugin-contract.md):
 *  - every struct starts with struct_size and grows only at the end; read a field
 *    only if ONSHI_HAS_FIELD says it is there;
 *  - ONSHI_ABI_MAJOR changes only when this file breaks; the host refuses another
 *    major before it opens the library (from the manifest);
 *  - new capability = a new extension id or a new revision ("/2"); an id never
 *    changes meaning;
 *  - no exceptions, C++ types or ownership cross: whoever allocates, frees.
 *
 * Threading tags used below:
 *  [any-thread]      may be called from any thread, concurrently
 *  [host-control]    the host never calls it concurrently with another
 *                    [host-control] function of the same plugin
 *  [after-create]    only between create() returning OK and destroy()
 */
#ifndef ONSHI_ABI_PLUGIN_H
#define ONSHI_ABI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "onshi_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ONSHI_ABI_MAJOR 1
#define ONSHI_ABI_MINOR 0

#if defined(_WIN32)
#define ONSHI_ABI __cdecl
#define ONSHI_EXPORT __declspec(dllexport)
#else
#define ONSHI_ABI
#define ONSHI_EXPORT __attribute__((visibility("default")))
#endif

/* True when the struct at p (which starts with struct_size) holds the field. */
#define ONSHI_HAS_FIELD(type, p, field) \
  ((p) != NULL && (p)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

typedef struct onshi_version {
  uint16_t major;
  uint16_t minor;
  uint16_t patch;
  uint16_t reserved; /* 0 */
} onshi_version;

/* Bytes lent to the callee for the duration of one call. */
typedef struct onshi_bytes {
  const uint8_t* data;
  uint64_t size;
} onshi_bytes;

/* Where the callee writes output the caller will own (documents, certificates).
 * write() may be called several times; it returns ONSHI_OK, or a negative status
 * to make the callee stop and return that status. */
typedef struct onshi_writer {
  void* ctx;
  onshi_status (ONSHI_ABI* write)(void* ctx, const uint8_t* data, uint64_t size);
} onshi_writer;

/* The end of an asynchronous operation. done() is called exactly once, on a
 * host executor thread, even after a cancel (status ONSHI_E_CANCELLED). result
 * is lent for the call (copy what you keep); err is set when status < 0. */
typedef struct onshi_completion {
  uint32_t struct_size;
  void* ctx;
  void(ONSHI_ABI* done)(void* ctx, onshi_status status, onshi_bytes result, const onshi_error* err);
} onshi_completion;

/* Receives documents a plugin pushes without being asked (a face-reader result).
 * Called on a host executor thread, one at a time; the document is lent. */
typedef struct onshi_document_listener {
  uint32_t struct_size;
  void* ctx;
  void(ONSHI_ABI* on_document)(void* ctx, onshi_status status, onshi_bytes document_json, const onshi_error* err);
} onshi_document_listener;

/* A synchronous call from one JSON document to another (or to bytes): the shape
 * of most domain functions. in is lent for the call; output goes to out. */
typedef struct onshi_instance onshi_instance;
typedef onshi_status(ONSHI_ABI* onshi_document_fn)(onshi_instance* instance, onshi_bytes in, const onshi_writer* out,
                                                   onshi_error* err);

/* What the host gives a plugin: one per plugin, valid from init() until deinit()
 * returns. The host stamps every service call with the plugin's id. */
typedef struct onshi_host {
  uint32_t struct_size;
  onshi_version abi;        /* ONSHI_ABI_* the host was built with */
  const char* host_name;    /* the EMR product, UTF-8 */
  const char* host_version;
  void* host_data;          /* opaque to the plugin */
  /* [any-thread] A service table (onshi_services.h) or NULL when this host has
   * no such service; a plugin must cope with NULL. The table lives as long as
   * the host struct. */
  const void*(ONSHI_ABI* get_service)(const struct onshi_host* host, const char* service_id);
} onshi_host;

/* A plugin instance (declared above); the plugin allocates it and frees it in
 * destroy(). */

typedef struct onshi_instance_vtbl {
  uint32_t struct_size;
  /* [host-control] Stops all work: cancels or finishes every pending operation
   * (each completion is delivered), joins every thread the plugin started, and
   * frees the instance. Called once. */
  void(ONSHI_ABI* destroy)(onshi_instance* instance);
  /* [any-thread][after-create] The extension's function table, or NULL when the
   * instance does not provide that id. The pointer stays valid until destroy(). */
  const void*(ONSHI_ABI* get_extension)(onshi_instance* instance, const char* extension_id);
} onshi_instance_vtbl;

struct onshi_instance {
  const onshi_instance_vtbl* vtbl;
};

typedef struct onshi_plugin_entry {
  uint32_t struct_size;
  onshi_version abi;     /* ONSHI_ABI_* the plugin was built with */
  const char* plugin_id; /* must equal the manifest's "id", e.g. "com.acme.reader" */
  /* [host-control] Once per process before create(). Do no work in static
   * constructors; do it here. plugin_dir is the absolute directory of the
   * manifest (for the plugin's own resources). On failure fill err. */
  onshi_status(ONSHI_ABI* init)(const onshi_host* host, const char* plugin_dir, onshi_error* err);
  /* [host-control] Once, after the last instance was destroyed. The library is
   * never unloaded: the host keeps it mapped for the life of the process. */
  void(ONSHI_ABI* deinit)(void);
  /* [host-control] Creates the instance. config_json is the plugin's section of
   * the host configuration as a UTF-8 JSON object ("{}" when none). */
  onshi_status(ONSHI_ABI* create)(const onshi_host* host, const char* config_json,
                                  onshi_instance** out_instance, onshi_error* err);
} onshi_plugin_entry;

/* The ONLY exported symbol of a plugin module. Returns NULL when the plugin cannot
 * serve a host of that ABI major. [host-control] */
typedef const onshi_plugin_entry*(ONSHI_ABI* onshi_get_plugin_entry_fn)(uint32_t host_abi_major);
#define ONSHI_PLUGIN_ENTRY_SYMBOL "onshi_get_plugin_entry"

#ifdef __cplusplus
}
#endif
#endif
