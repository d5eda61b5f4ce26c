// Opening plugin libraries (the only place that touches Boost.DLL) and keeping
// them mapped for the life of the process: a plugin is never unloaded, because
// code of it may still be referenced (threads, callbacks) after it was shut down.
#pragma once

#include <onshi/abi/onshi_plugin.h>
#include <onshi/result.hpp>

#include <filesystem>
#include <variant>

namespace onshi::host {

struct OpenedLibrary {
  onshi_get_plugin_entry_fn get_entry = nullptr;
};

// Fails with stage "open" (dlopen's own text + a hint) or "symbol".
struct LoadFailure {
  const char* stage;
  Error error;
};

// Opens with immediate binding and local scope from an absolute path, pins the
// library (RTLD_NODELETE) and resolves onshi_get_plugin_entry.
std::variant<OpenedLibrary, LoadFailure> open_library(const std::filesystem::path& absolute_path);

// Process-wide reference count of entry.init/deinit per library, so two SDK
// instances in one process share one init (the PKCS#11 lesson).
bool acquire_init(const std::filesystem::path& library);   // true: the caller must call init
bool release_init(const std::filesystem::path& library);   // true: the caller must call deinit
void forget_init(const std::filesystem::path& library);    // init failed: undo acquire

}  // namespace onshi::host
