// onshi/host.hpp: header-only C++ wrapper over the C API (onshi_sdk.h) for EMRs
// written in C++. It is compiled into the EMR with the EMR's own compiler, so the
// EMR depends only on the C ABI of libonshi_host.
//
//   auto sdk = onshi::Sdk::open({.plugin_dirs = {"/opt/emr/plugins"}});
//   for (auto& p : sdk->plugins()) std::cout << p.id << ' ' << p.state_name() << '\n';
//   auto reader = sdk->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER);
#pragma once

#include <onshi/bytes.hpp>
#include <onshi/onshi_sdk.h>
#include <onshi/result.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi {

struct PluginInfo {
  std::string id, name, vendor, version;
  onshi_version abi{};
  std::string manifest_path, library_path, thread_safety;
  std::vector<std::string> provides;
  int32_t state = ONSHI_PLUGIN_FAILED;
  std::string stage, message, hint, warnings;
  onshi_status error_code = ONSHI_OK;

  bool loaded() const { return state == ONSHI_PLUGIN_LOADED; }
  const char* state_name() const {
    switch (state) {
      case ONSHI_PLUGIN_LOADED: return "loaded";
      case ONSHI_PLUGIN_NOT_ENABLED: return "not-enabled";
      case ONSHI_PLUGIN_DISABLED: return "disabled";
      default: return "failed";
    }
  }
};

struct SdkOptions {
  std::string host_name = "onshi-host";
  std::string host_version;
  std::vector<std::string> plugin_dirs;
  bool use_default_dirs = true;
  std::optional<std::vector<std::string>> enabled_ids;  // nullopt: every plugin found
  std::string config_json;                              // {"<plugin id>": {...}}
  std::string state_dir;
  std::function<void(int32_t level, std::string_view plugin_id, std::string_view message)> log;
  int32_t log_level = ONSHI_LOG_WARN;
};

// A capability of a loaded plugin. Call vtable functions with instance.
template <class VTable>
struct Extension {
  std::string plugin_id;
  onshi_instance* instance = nullptr;
  const VTable* vtable = nullptr;
};

// The end of one asynchronous call of any extension, to wait for: pass get() as the call's
// onshi_completion, then wait_for(). Counts its calls, so "exactly once" can be checked. Must
// outlive the call (closing the Sdk completes what is still pending).
class Completion {
 public:
  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  const onshi_completion* get() const { return &c_; }
  // True once the call has completed (at once if it already has).
  bool wait_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return calls_ > 0; });
  }
  // The result bytes, or the call's error (ONSHI_E_TIMEOUT while it has not completed).
  Result<std::string> result() const {
    std::lock_guard lock(mutex_);
    if (calls_ == 0) return make_error(ONSHI_E_TIMEOUT, "sdk", "the operation has not completed yet");
    if (status_ != ONSHI_OK) return error_;
    return result_;
  }
  onshi_status status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  static void ONSHI_ABI on_done(void* ctx, onshi_status status, onshi_bytes result, const onshi_error* err) {
    auto& self = *static_cast<Completion*>(ctx);
    std::lock_guard lock(self.mutex_);
    ++self.calls_;
    self.status_ = status;
    self.result_.assign(text_of(result));
    if (status != ONSHI_OK)
      self.error_ = err ? to_error(status, *err) : make_error(status, "plugin", "the operation failed without a reason");
    self.cv_.notify_all();
  }
  onshi_completion c_{sizeof(onshi_completion), this, &on_done};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
  onshi_status status_ = ONSHI_OK;
  std::string result_;
  Error error_;
};

class Sdk {
 public:
  static Result<Sdk> open(const SdkOptions& o) {
    Sdk sdk;
    sdk.log_ = std::make_unique<std::function<void(int32_t, std::string_view, std::string_view)>>(o.log);
    std::vector<const char*> dirs, ids;
    for (const auto& d : o.plugin_dirs) dirs.push_back(d.c_str());
    if (o.enabled_ids)
      for (const auto& id : *o.enabled_ids) ids.push_back(id.c_str());
    onshi_sdk_options c{};
    c.struct_size = sizeof c;
    c.host_name = o.host_name.c_str();
    c.host_version = o.host_version.empty() ? nullptr : o.host_version.c_str();
    c.plugin_dirs = dirs.data();
    c.plugin_dir_count = static_cast<uint32_t>(dirs.size());
    c.use_default_dirs = o.use_default_dirs ? 1 : 0;
    c.enabled_ids = o.enabled_ids ? ids.data() : nullptr;
    c.enabled_id_count = static_cast<uint32_t>(ids.size());
    c.config_json = o.config_json.empty() ? nullptr : o.config_json.c_str();
    c.state_dir = o.state_dir.empty() ? nullptr : o.state_dir.c_str();
    if (o.log) {
      c.log_sink = &forward_log;
      c.log_ctx = sdk.log_.get();
    }
    c.log_level = o.log_level;
    onshi_error err = empty_error();
    onshi_sdk* raw = nullptr;
    if (onshi_status st = onshi_sdk_open(&c, &raw, &err); st != ONSHI_OK) return to_error(st, err);
    sdk.sdk_.reset(raw);
    return sdk;
  }

  std::vector<PluginInfo> plugins() const {
    std::vector<PluginInfo> out;
    for (uint32_t i = 0, n = onshi_sdk_plugin_count(raw()); i < n; ++i) {
      onshi_plugin_info c{};
      c.struct_size = sizeof c;
      if (onshi_sdk_plugin_info(raw(), i, &c) != ONSHI_OK) continue;
      PluginInfo p;
      p.id = c.id;
      p.name = c.name;
      p.vendor = c.vendor;
      p.version = c.version;
      p.abi = c.abi;
      p.manifest_path = c.manifest_path;
      p.library_path = c.library_path;
      p.thread_safety = c.thread_safety;
      p.provides.assign(c.provides, c.provides + c.provides_count);
      p.state = c.state;
      p.stage = c.stage;
      p.message = c.message;
      p.hint = c.hint;
      p.warnings = c.warnings;
      p.error_code = c.error_code;
      out.push_back(std::move(p));
    }
    return out;
  }

  // The plugin of that id: the loaded one when several were found (one may have been refused).
  std::optional<PluginInfo> plugin(std::string_view id) const {
    std::optional<PluginInfo> found;
    for (auto& p : plugins())
      if (p.id == id && (!found || (p.loaded() && !found->loaded()))) found = p;
    return found;
  }

  // The extension id from plugin_id, or from the first loaded plugin providing it.
  template <class VTable>
  Result<Extension<VTable>> extension(const char* extension_id, const char* plugin_id = nullptr) const {
    onshi_extension c{};
    c.struct_size = sizeof c;
    if (onshi_sdk_find_extension(raw(), extension_id, plugin_id, &c) != ONSHI_OK)
      return make_error(ONSHI_E_NOT_FOUND, "sdk",
                        std::string("no loaded plugin provides ") + extension_id +
                            (plugin_id ? std::string(" (asked of ") + plugin_id + ")" : std::string()),
                        "check `onshi plugins` for plugins that failed to load or are not enabled");
    return Extension<VTable>{c.plugin_id, c.instance, static_cast<const VTable*>(c.vtable)};
  }

  Result<void> disable(const std::string& plugin_id) {
    onshi_error err = empty_error();
    if (onshi_status st = onshi_sdk_disable_plugin(raw(), plugin_id.c_str(), &err); st != ONSHI_OK)
      return to_error(st, err);
    return {};
  }

  // The clock every plugin reads; 0 follows the system clock again. A set clock drives disaster
  // mode only in a rehearsal (onshi_sdk.h).
  void set_time_ms(int64_t unix_ms) { onshi_sdk_set_time_ms(raw(), unix_ms); }
  void set_rehearsal(bool on) { onshi_sdk_set_rehearsal(raw(), on ? 1 : 0); }
  int64_t now_ms() const { return onshi_sdk_now_ms(raw()); }
  // The services the plugins get, for the application itself (owner "app:<host_name>"): wrap it in
  // onshi::plugin::Host (onshi/plugin.hpp) to use the store, clock, log and executor as plugins do.
  const onshi_host* app_host() const { return onshi_sdk_app_host(raw()); }

  onshi_sdk* raw() const { return sdk_.get(); }

 private:
  static void ONSHI_ABI forward_log(void* ctx, int32_t level, const char* plugin, const char* message) {
    (*static_cast<std::function<void(int32_t, std::string_view, std::string_view)>*>(ctx))(level, plugin, message);
  }
  struct Closer {
    void operator()(onshi_sdk* s) const { onshi_sdk_close(s); }
  };
  // Declared first so that it outlives sdk_: the SDK logs while closing.
  std::unique_ptr<std::function<void(int32_t, std::string_view, std::string_view)>> log_;
  std::unique_ptr<onshi_sdk, Closer> sdk_;
};

}  // namespace onshi
