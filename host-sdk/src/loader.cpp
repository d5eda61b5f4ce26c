#include "loader.hpp"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

namespace onshi::host {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
// Libraries stay here until the process ends.
std::map<std::string, boost::dll::shared_library>& libraries() {
  static auto* map = new std::map<std::string, boost::dll::shared_library>();  // never destroyed
  return *map;
}
std::map<std::string, int>& init_counts() {
  static std::map<std::string, int> counts;
  return counts;
}

// Boost 1.74 wraps dlerror's text: "...load() failed (dlerror system message: X): Bad file descriptor".
std::string system_text(const std::string& what) {
  const std::string marker = "dlerror system message: ";
  auto start = what.find(marker);
  auto end = what.rfind("): ");
  if (start == std::string::npos || end == std::string::npos || end < start) return what;
  start += marker.size();
  return what.substr(start, end - start);
}

std::string open_hint(const std::string& text, const std::filesystem::path& path) {
  const std::string ldd = "run `ldd -r " + path.string() + "` to see which";
  if (text.find(path.filename().string() + ": cannot open shared object file") == std::string::npos &&
      text.find("cannot open shared object file") != std::string::npos)
    return "a library the plugin depends on is missing: install it; " + ldd;
  if (text.find("undefined symbol") != std::string::npos)
    return "the plugin needs a symbol no loaded library provides (built against other library versions?); " + ldd;
  if (text.find("wrong ELF class") != std::string::npos || text.find("invalid ELF header") != std::string::npos ||
      text.find("file too short") != std::string::npos)
    return "the file is not a plugin library for this machine: reinstall the plugin package";
  return "reinstall the plugin package; " + ldd;
}

}  // namespace

std::variant<OpenedLibrary, LoadFailure> open_library(const std::filesystem::path& path) {
  namespace dll = boost::dll;
  std::lock_guard lock(registry_mutex());
  auto& libs = libraries();
  auto it = libs.find(path.string());
  if (it == libs.end()) {
    dll::shared_library lib;
    try {
      // The throwing overload is the one that carries dlerror's text (Boost 1.74).
      lib.load(path.string(), dll::load_mode::rtld_now | dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
      std::string text = system_text(e.what());
      return LoadFailure{"open", make_error(ONSHI_E_NOT_FOUND, "dlopen", text, open_hint(text, path))};
    }
    // Pin it: even if a Boost handle is released, glibc keeps the code mapped.
    if (void* pin = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE); !pin)
      return LoadFailure{"open", make_error(ONSHI_E_INTERNAL, "dlopen", "could not pin " + path.string())};
    it = libs.emplace(path.string(), std::move(lib)).first;
  }
  if (!it->second.has(ONSHI_PLUGIN_ENTRY_SYMBOL))
    return LoadFailure{"symbol",
                       make_error(ONSHI_E_NOT_SUPPORTED, "dlsym",
                                  path.string() + " does not export " ONSHI_PLUGIN_ENTRY_SYMBOL,
                                  "this is not an onshi plugin, or it was built without exporting its entry: build "
                                  "it with onshi_add_plugin() or mark the entry ONSHI_EXPORT")};
  // A plain function pointer: Boost's reference-counted wrapper is not needed
  // for a library that is never unloaded.
  return OpenedLibrary{&it->second.get<const onshi_plugin_entry*(uint32_t)>(ONSHI_PLUGIN_ENTRY_SYMBOL)};
}

bool acquire_init(const std::filesystem::path& library) {
  std::lock_guard lock(registry_mutex());
  return init_counts()[library.string()]++ == 0;
}

bool release_init(const std::filesystem::path& library) {
  std::lock_guard lock(registry_mutex());
  auto it = init_counts().find(library.string());
  if (it == init_counts().end()) return false;
  if (--it->second > 0) return false;
  init_counts().erase(it);
  return true;
}

void forget_init(const std::filesystem::path& library) {
  std::lock_guard lock(registry_mutex());
  init_counts().erase(library.string());
}

}  // namespace onshi::host
