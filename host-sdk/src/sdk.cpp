// The C API of onshi_sdk.h: discovery, loading, the plugin table and its states.
#include <onshi/abi/onshi_extensions.h>
#include <onshi/onshi_sdk.h>

#include "files.hpp"
#include "loader.hpp"
#include "manifest.hpp"
#include "services.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using onshi::Error;
using onshi::make_error;

namespace {

constexpr const char* kKnownExtensions[] = {ONSHI_EXT_CARD_READER, ONSHI_EXT_ELIGIBILITY,
                                            ONSHI_EXT_ELIGIBILITY_RECORDS, ONSHI_EXT_CLAIMS,
                                            ONSHI_EXT_DISASTER, ONSHI_EXT_DIAGNOSTICS,
                                            ONSHI_EXT_DOCUMENTS, ONSHI_EXT_EVENTS};

bool known_extension(const std::string& id) {
  return std::any_of(std::begin(kKnownExtensions), std::end(kKnownExtensions),
                     [&](const char* k) { return id == k; });
}

std::string error_text(const onshi_error& e) {
  std::string text = e.message;
  if (e.domain[0]) text = std::string(e.domain) + ": " + text;
  return text;
}

struct PluginRecord {
  onshi::host::Manifest manifest;
  int32_t state = ONSHI_PLUGIN_FAILED;
  std::string stage, message, hint, warnings;
  onshi_status code = ONSHI_OK;
  // Live plugin
  const onshi_plugin_entry* entry = nullptr;
  onshi_instance* instance = nullptr;
  std::unique_ptr<onshi::host::PluginContext> context;
  // C view of provides
  std::vector<const char*> provides_c;

  void fail(const char* at, onshi_status status, std::string text, std::string what_next) {
    state = ONSHI_PLUGIN_FAILED;
    stage = at;
    code = status;
    message = std::move(text);
    hint = std::move(what_next);
  }
  void warn(const std::string& line) { warnings += (warnings.empty() ? "" : "\n") + line; }
};

}  // namespace

struct onshi_sdk {
  std::string host_name, host_version, state_dir;
  std::unique_ptr<onshi::host::Services> services;
  std::vector<std::unique_ptr<PluginRecord>> plugins;
  std::unique_ptr<onshi::host::PluginContext> app;  // onshi_sdk_app_host: the application's own services

  void log(int32_t level, const std::string& text) { services->logger.log(level, "host", text); }

  std::vector<fs::path> search_dirs(const onshi_sdk_options& o) {
    std::vector<fs::path> dirs;
    for (uint32_t i = 0; i < o.plugin_dir_count; ++i)
      if (o.plugin_dirs[i]) dirs.emplace_back(o.plugin_dirs[i]);
    if (o.use_default_dirs) {
      // Ignored in setuid programs, as p11-kit does (secure_getenv).
      if (const char* env = secure_getenv("ONSHI_PLUGIN_PATH")) {
        std::stringstream list(env);
        for (std::string dir; std::getline(list, dir, ':');)
          if (!dir.empty()) dirs.emplace_back(dir);
      }
      // Installed layout: <libdir>/libonshi_host.so and <libdir>/onshi/plugins/.
      boost::system::error_code ec;
      auto self = boost::dll::this_line_location(ec);
      if (!ec) dirs.push_back((fs::path(self.parent_path().string()) / "onshi" / "plugins").lexically_normal());
    }
    return dirs;
  }

  static std::vector<fs::path> manifests_in(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    auto consider = [&](const fs::directory_entry& e) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file(ec) && name.size() > std::strlen(onshi::host::kManifestSuffix) &&
          name.ends_with(onshi::host::kManifestSuffix))
        found.push_back(fs::absolute(e.path()));
    };
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      consider(e);
      if (e.is_directory(ec))
        for (const auto& sub : fs::directory_iterator(e.path(), ec)) consider(sub);
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  void discover(const onshi_sdk_options& o) {
    std::map<std::string, fs::path> seen;  // plugin id → where it was first found
    for (const auto& dir : search_dirs(o)) {
      log(ONSHI_LOG_DEBUG, "searching " + dir.string());
      for (const auto& file : manifests_in(dir)) {
        auto record = std::make_unique<PluginRecord>();
        auto manifest = onshi::host::read_manifest(file);
        std::string stem = file.filename().string();
        record->manifest.id = stem.substr(0, stem.size() - std::strlen(onshi::host::kManifestSuffix));
        record->manifest.path = file;
        if (!manifest) {
          record->fail("manifest", manifest.error().code, manifest.error().message, manifest.error().hint);
        } else if (auto trusted = onshi::host::check_trusted(*manifest); !trusted) {
          // Code anyone may replace is never run; the plugin is reported, so it is not silently missing.
          record->manifest = std::move(manifest).value();
          record->fail("trust", trusted.error().code, trusted.error().message, trusted.error().hint);
        } else {
          record->manifest = std::move(manifest).value();
          if (auto [first, fresh] = seen.emplace(record->manifest.id, file); !fresh) {
            log(ONSHI_LOG_WARN, "ignoring " + file.string() + ": plugin id '" + record->manifest.id +
                                    "' was already found at " + first->second.string() +
                                    " (earlier in the search path wins; remove one of them)");
            continue;
          }
        }
        plugins.push_back(std::move(record));
      }
    }
  }

  bool enabled(const onshi_sdk_options& o, const std::string& id) {
    if (!o.enabled_ids) return true;
    for (uint32_t i = 0; i < o.enabled_id_count; ++i)
      if (o.enabled_ids[i] && id == o.enabled_ids[i]) return true;
    return false;
  }

  // A marker left while a plugin runs init/create: if the process dies there,
  // the next start skips that library until it changes (GStreamer's blacklist).
  // One marker per process: another process starting the same plugin at this moment
  // (desks, tests in parallel) has a live pid and is no crash.
  fs::path crash_marker(const PluginRecord& r) const {
    const fs::path dir = onshi::host::marker_dir(state_dir);
    return dir.empty() ? fs::path() : dir / (r.manifest.id + "." + std::to_string(::getpid()) + ".marker");
  }
  // The marker a process that died while starting this library left, if any.
  std::optional<fs::path> crashed_while_starting(const PluginRecord& r, const std::string& stamp) const {
    const fs::path dir = onshi::host::marker_dir(state_dir);
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return std::nullopt;
    const std::string prefix = r.manifest.id + ".";
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0 || entry.path().extension() != ".marker") continue;
      const std::string pid_text = name.substr(prefix.size(), name.size() - prefix.size() - 7);
      pid_t pid = 0;  // from_chars: a name with a number too large is skipped, never an exception
      const auto [end, ec] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
      if (pid_text.empty() || ec != std::errc() || end != pid_text.data() + pid_text.size() || pid <= 0) continue;
      if (pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM)) continue;  // still starting it
      std::ifstream in(entry.path());
      std::stringstream previous;
      previous << in.rdbuf();
      if (previous.str() == stamp) return entry.path();
    }
    return std::nullopt;
  }
  static std::string library_stamp(const fs::path& lib) {
    std::error_code ec;
    auto size = fs::file_size(lib, ec);
    auto time = fs::last_write_time(lib, ec).time_since_epoch().count();
    return lib.string() + "\n" + std::to_string(size) + "\n" + std::to_string(time) + "\n";
  }

  void load(PluginRecord& r) {
    const auto& m = r.manifest;
    if (m.abi.major != ONSHI_ABI_MAJOR) {
      r.fail("abi", ONSHI_E_NOT_SUPPORTED,
             "built for plugin ABI " + std::to_string(m.abi.major) + "." + std::to_string(m.abi.minor) +
                 "; this host speaks ABI " + std::to_string(ONSHI_ABI_MAJOR) + ".x (the library was not opened)",
             "install a version of " + m.id + " built for ABI " + std::to_string(ONSHI_ABI_MAJOR));
      return;
    }
    if (m.abi.minor > ONSHI_ABI_MINOR)
      log(ONSHI_LOG_INFO, m.id + " was built for a newer ABI minor; features this host lacks are unused");

    fs::path marker = crash_marker(r);
    std::string stamp = library_stamp(m.library);
    if (auto left = crashed_while_starting(r, stamp)) {
      r.fail("init", ONSHI_E_REFUSED, "the process ended while this plugin was starting last time",
             "update the plugin, or delete " + left->string() + " to try it again");
      return;
    }

    std::error_code ec;
    if (!fs::is_regular_file(m.library, ec)) {
      r.fail("open", ONSHI_E_NOT_FOUND, "library file not found: " + m.library.string(),
             "reinstall the plugin package: its manifest names a library that is not there");
      return;
    }
    auto opened = onshi::host::open_library(m.library);
    if (auto* f = std::get_if<onshi::host::LoadFailure>(&opened)) {
      r.fail(f->stage, f->error.code, f->error.message, f->error.hint);
      return;
    }
    auto get_entry = std::get<onshi::host::OpenedLibrary>(opened).get_entry;
    const onshi_plugin_entry* entry = get_entry(ONSHI_ABI_MAJOR);
    if (!entry) {
      r.fail("entry", ONSHI_E_NOT_SUPPORTED,
             m.id + " refused to serve a host of ABI " + std::to_string(ONSHI_ABI_MAJOR),
             "install a version of the plugin built for ABI " + std::to_string(ONSHI_ABI_MAJOR));
      return;
    }
    if (!ONSHI_HAS_FIELD(onshi_plugin_entry, entry, create) || !entry->init || !entry->create || !entry->deinit) {
      r.fail("entry", ONSHI_E_PROTOCOL, "the entry table is incomplete (struct_size " +
                                            std::to_string(entry->struct_size) + ")",
             "the plugin is broken: report it to " + (m.vendor.empty() ? "its vendor" : m.vendor));
      return;
    }
    if (entry->abi.major != ONSHI_ABI_MAJOR) {
      r.fail("abi", ONSHI_E_NOT_SUPPORTED,
             "the library says ABI " + std::to_string(entry->abi.major) + " but its manifest says " +
                 std::to_string(m.abi.major),
             "reinstall the plugin package: manifest and library do not belong together");
      return;
    }
    if (!entry->plugin_id || m.id != entry->plugin_id) {
      r.fail("identity", ONSHI_E_PROTOCOL,
             "the manifest says '" + m.id + "' but the library says '" +
                 (entry->plugin_id ? entry->plugin_id : "(none)") + "'",
             "reinstall the plugin package: the manifest belongs to another plugin");
      return;
    }

    r.context = std::make_unique<onshi::host::PluginContext>(m.id, *services);
    onshi::host::bind_host(*r.context, host_name.c_str(), host_version.c_str());

    if (!marker.empty() && onshi::host::make_private_dirs(marker.parent_path()))
      onshi::host::write_private_file(marker, stamp);
    auto clear_marker = [&] {
      if (!marker.empty()) fs::remove(marker, ec);
    };

    onshi_error err = onshi::empty_error();
    if (onshi::host::acquire_init(m.library)) {
      onshi_status st = entry->init(&r.context->host, m.path.parent_path().c_str(), &err);
      if (st != ONSHI_OK) {
        onshi::host::forget_init(m.library);
        clear_marker();
        r.fail("init", st, error_text(err), err.hint[0] ? err.hint : "see the plugin's documentation or log");
        return;
      }
    }
    r.entry = entry;

    auto config = section_with_state_dir(m.id).dump();
    err = onshi::empty_error();
    onshi_instance* instance = nullptr;
    onshi_status st = entry->create(&r.context->host, config.c_str(), &instance, &err);
    clear_marker();
    if (st != ONSHI_OK || !instance || !instance->vtbl || !instance->vtbl->get_extension || !instance->vtbl->destroy) {
      shut_down_dso(r);
      r.fail("create", st != ONSHI_OK ? st : ONSHI_E_PROTOCOL,
             st != ONSHI_OK ? error_text(err) : "create() returned no usable instance",
             err.hint[0] ? err.hint : "check the plugin's configuration section");
      return;
    }
    r.instance = instance;

    for (const auto& id : m.provides) {
      if (!instance->vtbl->get_extension(instance, id.c_str())) {
        shut_down(r);
        r.fail("extension", ONSHI_E_NOT_SUPPORTED,
               "the manifest promises '" + id + "' but the plugin does not provide it",
               "the plugin and its manifest disagree: reinstall or report it to its vendor");
        return;
      }
      if (!known_extension(id))
        r.warn("extension: '" + id + "' is not an extension this host knows; only code that asks for it by name can use it");
    }
    r.state = ONSHI_PLUGIN_LOADED;
    log(ONSHI_LOG_INFO, "loaded " + m.id + " " + m.version + " from " + m.library.string());
  }

  // The plugin's configuration section; with a state_dir, each plugin also gets
  // "state_dir": <state_dir>/<plugin id> (created) unless its section names one.
  nlohmann::json& section_with_state_dir(const std::string& id) {
    nlohmann::json& section = services->config[id];
    if (!section.is_object()) section = nlohmann::json::object();
    if (!state_dir.empty() && !section.contains("state_dir")) {
      fs::path dir = fs::path(state_dir) / id;
      onshi::host::make_private_dirs(dir);  // what plugins keep is about patients: owner only
      section["state_dir"] = dir.string();
    }
    return section;
  }

  void shut_down_dso(PluginRecord& r) {
    if (r.entry && onshi::host::release_init(r.manifest.library)) r.entry->deinit();
    r.entry = nullptr;
  }

  void shut_down(PluginRecord& r) {
    if (r.instance) r.instance->vtbl->destroy(r.instance);
    r.instance = nullptr;
    shut_down_dso(r);
  }

  PluginRecord* find(const char* id) {
    for (auto& p : plugins)
      if (id && p->manifest.id == id) return p.get();
    return nullptr;
  }
};

extern "C" {

ONSHI_SDK_API const char* ONSHI_ABI onshi_sdk_version(void) { return ONSHI_SDK_VERSION; }

ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_open(const onshi_sdk_options* options, onshi_sdk** out_sdk,
                                                    onshi_error* err) {
  if (!out_sdk || !options || !ONSHI_HAS_FIELD(onshi_sdk_options, options, log_level)) {
    onshi::fill_error(err, make_error(ONSHI_E_INVALID_ARGUMENT, "sdk", "onshi_sdk_open needs options with struct_size set",
                         "set options.struct_size = sizeof(onshi_sdk_options)"));
    return ONSHI_E_INVALID_ARGUMENT;
  }
  *out_sdk = nullptr;
  nlohmann::json config = nlohmann::json::object();
  if (options->config_json && *options->config_json) {
    config = nlohmann::json::parse(options->config_json, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
      onshi::fill_error(err, make_error(ONSHI_E_INVALID_ARGUMENT, "config", "the configuration is not a JSON object",
                           "pass {\"<plugin id>\": {...}}"));
      return ONSHI_E_INVALID_ARGUMENT;
    }
  }
  auto sdk = std::make_unique<onshi_sdk>();
  sdk->host_name = options->host_name ? options->host_name : "onshi-host";
  sdk->host_version = options->host_version ? options->host_version : ONSHI_SDK_VERSION;
  sdk->state_dir = options->state_dir ? options->state_dir : "";
  sdk->services.reset(new onshi::host::Services{
      onshi::host::Logger(options->log_sink, options->log_ctx, options->log_level), {}, {}, std::move(config), nullptr, {}, nullptr});
  sdk->services->sdk = sdk.get();
  if (!sdk->state_dir.empty()) {
    auto store = onshi::host::Store::open(fs::path(sdk->state_dir) / "onshi.db");
    if (store) {
      sdk->services->store = std::move(store).value();
    } else {  // plugins that need it say why; the rest work on
      sdk->services->store_error = store.error();
      sdk->log(ONSHI_LOG_WARN, store.error().message + " (" + store.error().hint + ")");
    }
  }
  sdk->app = std::make_unique<onshi::host::PluginContext>("app:" + sdk->host_name, *sdk->services);
  onshi::host::bind_host(*sdk->app, sdk->host_name.c_str(), sdk->host_version.c_str());
  sdk->discover(*options);
  for (auto& p : sdk->plugins) {
    if (p->state == ONSHI_PLUGIN_FAILED && p->stage == "manifest") continue;
    if (!sdk->enabled(*options, p->manifest.id)) {
      p->state = ONSHI_PLUGIN_NOT_ENABLED;
      continue;
    }
    sdk->load(*p);
    if (p->state == ONSHI_PLUGIN_FAILED)
      sdk->log(ONSHI_LOG_WARN, p->manifest.id + " failed at " + p->stage + ": " + p->message + " (" + p->hint + ")");
  }
  for (auto& p : sdk->plugins) {
    for (const auto& id : p->manifest.provides) p->provides_c.push_back(id.c_str());
  }
  *out_sdk = sdk.release();
  return ONSHI_OK;
}

ONSHI_SDK_API void ONSHI_ABI onshi_sdk_close(onshi_sdk* sdk) {
  if (!sdk) return;
  // Instances first, while the executor still runs their last completions.
  for (auto it = sdk->plugins.rbegin(); it != sdk->plugins.rend(); ++it) {
    if ((*it)->instance) (*it)->instance->vtbl->destroy((*it)->instance);
    (*it)->instance = nullptr;
  }
  sdk->services->executor.stop();
  for (auto it = sdk->plugins.rbegin(); it != sdk->plugins.rend(); ++it) sdk->shut_down_dso(**it);
  delete sdk;
}

ONSHI_SDK_API uint32_t ONSHI_ABI onshi_sdk_plugin_count(const onshi_sdk* sdk) {
  return sdk ? static_cast<uint32_t>(sdk->plugins.size()) : 0;
}

ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_plugin_info(const onshi_sdk* sdk, uint32_t index,
                                                           onshi_plugin_info* out) {
  if (!sdk || !out || out->struct_size < sizeof(uint32_t)) return ONSHI_E_INVALID_ARGUMENT;
  if (index >= sdk->plugins.size()) return ONSHI_E_NOT_FOUND;
  const PluginRecord& r = *sdk->plugins[index];
  const auto& m = r.manifest;
  onshi_plugin_info info{};
  info.struct_size = out->struct_size;
  info.id = m.id.c_str();
  info.name = m.name.c_str();
  info.vendor = m.vendor.c_str();
  info.version = m.version.c_str();
  info.abi = m.abi;
  info.manifest_path = m.path.c_str();
  info.library_path = m.library.c_str();
  info.thread_safety = m.thread_safety.c_str();
  info.provides = r.provides_c.data();
  info.provides_count = static_cast<uint32_t>(r.provides_c.size());
  info.state = r.state;
  info.stage = r.stage.c_str();
  info.message = r.message.c_str();
  info.hint = r.hint.c_str();
  info.error_code = r.code;
  info.warnings = r.warnings.c_str();
  std::memcpy(out, &info, std::min<size_t>(out->struct_size, sizeof info));
  return ONSHI_OK;
}

ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_find_extension(const onshi_sdk* sdk, const char* extension_id,
                                                              const char* plugin_id, onshi_extension* out) {
  if (!sdk || !extension_id || !out || out->struct_size < sizeof(uint32_t)) return ONSHI_E_INVALID_ARGUMENT;
  for (const auto& p : sdk->plugins) {
    if (p->state != ONSHI_PLUGIN_LOADED || !p->instance || (plugin_id && p->manifest.id != plugin_id)) continue;
    if (const void* vtable = p->instance->vtbl->get_extension(p->instance, extension_id)) {
      onshi_extension ext{};
      ext.struct_size = out->struct_size;
      ext.plugin_id = p->manifest.id.c_str();
      ext.instance = p->instance;
      ext.vtable = vtable;
      std::memcpy(out, &ext, std::min<size_t>(out->struct_size, sizeof ext));
      return ONSHI_OK;
    }
  }
  return ONSHI_E_NOT_FOUND;
}

ONSHI_SDK_API onshi_status ONSHI_ABI onshi_sdk_disable_plugin(onshi_sdk* sdk, const char* plugin_id, onshi_error* err) {
  PluginRecord* r = sdk ? sdk->find(plugin_id) : nullptr;
  if (!r) {
    onshi::fill_error(err, make_error(ONSHI_E_NOT_FOUND, "sdk", std::string("no plugin '") + (plugin_id ? plugin_id : "") + "'",
                         "list the plugins with `onshi plugins`"));
    return ONSHI_E_NOT_FOUND;
  }
  if (r->state == ONSHI_PLUGIN_LOADED) {
    sdk->shut_down(*r);
    r->state = ONSHI_PLUGIN_DISABLED;
    sdk->log(ONSHI_LOG_INFO, r->manifest.id + " disabled (its library stays mapped until the process ends)");
  }
  return ONSHI_OK;
}

ONSHI_SDK_API void ONSHI_ABI onshi_sdk_set_time_ms(onshi_sdk* sdk, int64_t unix_ms) {
  if (sdk) sdk->services->clock.set_unix_ms(unix_ms);
}

ONSHI_SDK_API void ONSHI_ABI onshi_sdk_set_rehearsal(onshi_sdk* sdk, int32_t on) {
  if (sdk) sdk->services->clock.set_rehearsal(on != 0);
}

ONSHI_SDK_API int64_t ONSHI_ABI onshi_sdk_now_ms(const onshi_sdk* sdk) {
  return sdk ? sdk->services->clock.now_unix_ms() : 0;
}

ONSHI_SDK_API const onshi_host* ONSHI_ABI onshi_sdk_app_host(onshi_sdk* sdk) {
  return sdk && sdk->app ? &sdk->app->host : nullptr;
}

}  // extern "C"
