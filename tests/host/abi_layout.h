/* Layout of the published ABI 1.0 structs on LP64 targets. Compiled as C (by
 * the C API test) and as C++ (by the host SDK test); a change that moves a
 * published field fails the build here, before abidiff even runs. */
#ifndef ONSHI_TEST_ABI_LAYOUT_H
#define ONSHI_TEST_ABI_LAYOUT_H
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/abi/onshi_services.h>
#include <onshi/onshi_sdk.h>
#include <stddef.h>

#ifdef __cplusplus
#define ONSHI_STATIC_ASSERT static_assert
#else
#define ONSHI_STATIC_ASSERT _Static_assert
#endif

ONSHI_STATIC_ASSERT(sizeof(void*) == 8, "these numbers are for LP64");
ONSHI_STATIC_ASSERT(sizeof(onshi_version) == 8, "onshi_version");
ONSHI_STATIC_ASSERT(sizeof(onshi_error) == 784 && offsetof(onshi_error, message) == 48 &&
                        offsetof(onshi_error, hint) == 528, "onshi_error");
ONSHI_STATIC_ASSERT(sizeof(onshi_host) == 48 && offsetof(onshi_host, get_service) == 40, "onshi_host");
ONSHI_STATIC_ASSERT(sizeof(onshi_instance_vtbl) == 24 && offsetof(onshi_instance_vtbl, get_extension) == 16,
                    "onshi_instance_vtbl");
ONSHI_STATIC_ASSERT(sizeof(onshi_plugin_entry) == 48 && offsetof(onshi_plugin_entry, plugin_id) == 16 &&
                        offsetof(onshi_plugin_entry, create) == 40, "onshi_plugin_entry");
ONSHI_STATIC_ASSERT(sizeof(onshi_writer) == 16 && sizeof(onshi_bytes) == 16, "onshi_writer, onshi_bytes");
ONSHI_STATIC_ASSERT(sizeof(onshi_host_log_v1) == 24, "onshi_host_log_v1");
ONSHI_STATIC_ASSERT(sizeof(onshi_host_clock_v1) == 40 && offsetof(onshi_host_clock_v1, monotonic_ns) == 16,
                    "onshi_host_clock_v1");
ONSHI_STATIC_ASSERT(sizeof(onshi_host_config_v1) == 24, "onshi_host_config_v1");
ONSHI_STATIC_ASSERT(sizeof(onshi_host_executor_v1) == 56 && offsetof(onshi_host_executor_v1, unwatch_fd) == 48,
                    "onshi_host_executor_v1");
ONSHI_STATIC_ASSERT(sizeof(onshi_diagnostics_v1) == 16, "onshi_diagnostics_v1");
ONSHI_STATIC_ASSERT(sizeof(onshi_disaster_v1) == 72 && offsetof(onshi_disaster_v1, lookup_async) == 32 &&
                        offsetof(onshi_disaster_v1, audit) == 64, "onshi_disaster_v1");
ONSHI_STATIC_ASSERT(offsetof(onshi_sdk_options, log_level) == 88 && sizeof(onshi_sdk_options) == 96,
                    "onshi_sdk_options");
ONSHI_STATIC_ASSERT(offsetof(onshi_plugin_info, warnings) == 120 && sizeof(onshi_plugin_info) == 128,
                    "onshi_plugin_info");
ONSHI_STATIC_ASSERT(sizeof(onshi_extension) == 32, "onshi_extension");
#endif
