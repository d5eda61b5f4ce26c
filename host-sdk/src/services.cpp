#include "services.hpp"

#include <onshi/abi/onshi_ext_eligibility.h>

#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace onshi::host {

// ---- log

Logger::Logger(onshi_log_sink sink, void* ctx, int32_t min_level) : sink_(sink), ctx_(ctx), min_level_(min_level) {}

void Logger::log(int32_t level, std::string_view plugin_id, std::string_view message) {
  if (!enabled(level)) return;
  std::string id(plugin_id), text(message);
  std::lock_guard lock(mutex_);
  if (sink_) {
    sink_(ctx_, level, id.c_str(), text.c_str());
  } else {
    static const char* const names[] = {"debug", "info", "warn", "error", "misbehaving"};
    const char* name = level >= 0 && level <= 4 ? names[level] : "?";
    std::fprintf(stderr, "onshi %s [%s] %s\n", name, id.c_str(), text.c_str());
  }
}

// ---- clock

int64_t Clock::now_unix_ms() const {
  if (int64_t fixed = fixed_ms_.load()) return fixed;
  return real_unix_ms();
}

int64_t Clock::real_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int32_t Clock::mode() const {
  if (fixed_ms_.load() == 0) return ONSHI_CLOCK_REAL;
  return rehearsal_.load() ? ONSHI_CLOCK_REHEARSAL : ONSHI_CLOCK_PINNED;
}

// ---- executor

struct Executor::Watch {
  Watch(Strand& s, int fd, onshi_task_fn f, void* u) : strand(s), descriptor(s, fd), fn(f), user(u) {}
  Strand strand;
  boost::asio::posix::stream_descriptor descriptor;
  onshi_task_fn fn;
  void* user;
  std::recursive_mutex mutex;  // held while fn runs; unwatch_fd waits on it
  bool active = true;
};

Executor::Executor()
    : work_(std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          io_.get_executor())) {
  for (int i = 0; i < 2; ++i) io_threads_.emplace_back([this] { io_.run(); });
}

Executor::~Executor() { stop(); }

void Executor::stop() {
  std::map<uint64_t, std::shared_ptr<Watch>> watches;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    watches = watches_;
    timers.swap(timers_);  // their handlers now see them gone and do not call fn
  }
  for (auto& [id, timer] : timers) boost::asio::post(timer->get_executor(), [t = timer] { t->cancel(); });
  for (auto& [id, watch] : watches) {  // not under mutex_: a running fn may call unwatch_fd
    std::lock_guard w(watch->mutex);
    watch->active = false;
    boost::asio::post(watch->strand, [w = watch] {
      boost::system::error_code ignored;
      w->descriptor.cancel(ignored);
    });
  }
  // Let what is already queued run (a plugin's last completions free what they
  // carry); only work that keeps coming after that is dropped.
  work_.reset();
  for (int i = 0; i < 200 && !io_.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  io_.stop();
  for (auto& t : io_threads_) t.join();
  blocking_.join();
  std::lock_guard lock(mutex_);
  for (auto& [id, watch] : watches_) watch->descriptor.release();  // the fd is the plugin's
  watches_.clear();
}

void Executor::post(Strand& strand, onshi_task_fn fn, void* user) {
  boost::asio::post(strand, [fn, user] { fn(user); });
}

void Executor::post_blocking(onshi_task_fn fn, void* user) {
  boost::asio::post(blocking_, [fn, user] { fn(user); });
}

uint64_t Executor::post_delayed(Strand& strand, uint32_t delay_ms, onshi_task_fn fn, void* user) {
  std::lock_guard lock(mutex_);
  uint64_t id = ++next_id_;
  auto timer = std::make_shared<boost::asio::steady_timer>(strand, std::chrono::milliseconds(delay_ms));
  timers_[id] = timer;
  timer->async_wait([this, id, fn, user](const boost::system::error_code&) {
    {
      std::lock_guard lock(mutex_);
      if (timers_.erase(id) == 0) return;  // cancelled
    }
    fn(user);
  });
  return id;
}

bool Executor::cancel_timer(uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto timer = it->second;
  timers_.erase(it);  // the handler now sees it gone and does not call fn
  boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  return true;
}

uint64_t Executor::watch_fd(Strand& strand, int fd, onshi_task_fn fn, void* user) {
  std::lock_guard lock(mutex_);
  uint64_t id = ++next_id_;
  auto watch = std::make_shared<Watch>(strand, fd, fn, user);
  watches_[id] = watch;
  boost::asio::post(watch->strand, [this, watch] {
    std::lock_guard w(watch->mutex);
    if (watch->active) arm(watch);
  });
  return id;
}

// Called with watch->mutex held: every use of the descriptor happens under it.
void Executor::arm(const std::shared_ptr<Watch>& watch) {
  watch->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                               [this, watch](const boost::system::error_code& ec) {
                                 if (ec) return;
                                 std::lock_guard w(watch->mutex);
                                 if (!watch->active) return;
                                 watch->fn(watch->user);
                                 if (watch->active) arm(watch);
                               });
}

bool Executor::unwatch_fd(uint64_t id) {
  std::shared_ptr<Watch> watch;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return false;
    watch = it->second;
    watches_.erase(it);
  }
  {
    std::lock_guard w(watch->mutex);  // waits for a running fn (recursive: fn may unwatch itself)
    watch->active = false;
  }
  boost::asio::post(watch->strand, [watch] {
    std::lock_guard w(watch->mutex);
    boost::system::error_code ignored;
    watch->descriptor.cancel(ignored);
    watch->descriptor.release();
  });
  return true;
}

// ---- C tables

namespace {

PluginContext& context(const onshi_host* host) { return *static_cast<PluginContext*>(host->host_data); }

void ONSHI_ABI log_log(const onshi_host* host, int32_t level, const char* message) {
  if (!host || !message) return;
  auto& ctx = context(host);
  ctx.services->logger.log(level, ctx.plugin_id, message);
}
int32_t ONSHI_ABI log_enabled(const onshi_host* host, int32_t level) {
  return host && context(host).services->logger.enabled(level) ? 1 : 0;
}
const onshi_host_log_v1 kLog = {sizeof(onshi_host_log_v1), log_log, log_enabled};

int64_t ONSHI_ABI clock_now(const onshi_host* host) { return context(host).services->clock.now_unix_ms(); }
int64_t ONSHI_ABI clock_monotonic(const onshi_host*) {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}
int64_t ONSHI_ABI clock_real_now(const onshi_host*) { return Clock::real_unix_ms(); }
int32_t ONSHI_ABI clock_mode(const onshi_host* host) { return context(host).services->clock.mode(); }
const onshi_host_clock_v1 kClock = {sizeof(onshi_host_clock_v1), clock_now, clock_monotonic, clock_real_now,
                                    clock_mode};

const nlohmann::json& section(const onshi_host* host) {
  static const nlohmann::json empty = nlohmann::json::object();
  auto& ctx = context(host);
  auto it = ctx.services->config.find(ctx.plugin_id);
  return it != ctx.services->config.end() && it->is_object() ? *it : empty;
}
onshi_status copy_out(const std::string& text, char* buf, uint32_t* inout_len) {
  uint32_t need = static_cast<uint32_t>(text.size() + 1);
  if (!buf || *inout_len < need) {
    *inout_len = need;
    return ONSHI_E_BUFFER_TOO_SMALL;
  }
  std::memcpy(buf, text.c_str(), need);
  *inout_len = need;
  return ONSHI_OK;
}
onshi_status ONSHI_ABI config_get(const onshi_host* host, const char* key, char* buf, uint32_t* inout_len) {
  if (!host || !key || !inout_len) return ONSHI_E_INVALID_ARGUMENT;
  const nlohmann::json* node = &section(host);
  std::string_view rest(key);
  while (!rest.empty()) {  // "tls.ca_file" walks into {"tls": {"ca_file": ...}}
    auto dot = rest.find('.');
    std::string part(rest.substr(0, dot));
    if (!node->is_object() || !node->contains(part)) return ONSHI_E_NOT_FOUND;
    node = &(*node)[part];
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  return copy_out(node->is_string() ? node->get<std::string>() : node->dump(), buf, inout_len);
}
onshi_status ONSHI_ABI config_get_json(const onshi_host* host, const onshi_writer* out) {
  if (!host || !out || !out->write) return ONSHI_E_INVALID_ARGUMENT;
  std::string text = section(host).dump();
  return out->write(out->ctx, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}
const onshi_host_config_v1 kConfig = {sizeof(onshi_host_config_v1), config_get, config_get_json};

Executor& executor(const onshi_host* host) { return context(host).services->executor; }
onshi_status ONSHI_ABI exec_post(const onshi_host* host, onshi_task_fn fn, void* user) {
  if (!host || !fn) return ONSHI_E_INVALID_ARGUMENT;
  executor(host).post(context(host).strand, fn, user);
  return ONSHI_OK;
}
onshi_status ONSHI_ABI exec_post_blocking(const onshi_host* host, onshi_task_fn fn, void* user) {
  if (!host || !fn) return ONSHI_E_INVALID_ARGUMENT;
  executor(host).post_blocking(fn, user);
  return ONSHI_OK;
}
onshi_status ONSHI_ABI exec_post_delayed(const onshi_host* host, uint32_t delay_ms, onshi_task_fn fn, void* user,
                                         uint64_t* out_id) {
  if (!host || !fn) return ONSHI_E_INVALID_ARGUMENT;
  uint64_t id = executor(host).post_delayed(context(host).strand, delay_ms, fn, user);
  if (out_id) *out_id = id;
  return ONSHI_OK;
}
onshi_status ONSHI_ABI exec_cancel_timer(const onshi_host* host, uint64_t id) {
  if (!host) return ONSHI_E_INVALID_ARGUMENT;
  return executor(host).cancel_timer(id) ? ONSHI_OK : ONSHI_E_NOT_FOUND;
}
onshi_status ONSHI_ABI exec_watch_fd(const onshi_host* host, int32_t fd, onshi_task_fn fn, void* user,
                                     uint64_t* out_id) {
  if (!host || !fn || fd < 0 || !out_id) return ONSHI_E_INVALID_ARGUMENT;
  *out_id = executor(host).watch_fd(context(host).strand, fd, fn, user);
  return ONSHI_OK;
}
onshi_status ONSHI_ABI exec_unwatch_fd(const onshi_host* host, uint64_t id) {
  if (!host) return ONSHI_E_INVALID_ARGUMENT;
  return executor(host).unwatch_fd(id) ? ONSHI_OK : ONSHI_E_NOT_FOUND;
}
const onshi_host_executor_v1 kExecutor = {sizeof(onshi_host_executor_v1), exec_post,        exec_post_blocking,
                                          exec_post_delayed,              exec_cancel_timer, exec_watch_fd,
                                          exec_unwatch_fd};

Error no_store(const Services& s) {
  if (!s.store_error.message.empty()) return s.store_error;
  return make_error(ONSHI_E_NOT_INITIALIZED, "store", "the SDK was opened without a state folder, so nothing can be kept",
                    "open the SDK with options.state_dir set (the onshi CLI uses --state-dir)");
}
onshi_status ONSHI_ABI store_put(const onshi_host* host, const onshi_store_record* records, uint32_t count,
                                 onshi_error* err) {
  if (!host) return ONSHI_E_INVALID_ARGUMENT;
  auto& ctx = context(host);
  auto& s = *ctx.services;
  if (!s.store) return fill_error(err, no_store(s));
  auto r = s.store->put(ctx.plugin_id, records, count, Clock::real_unix_ms());
  return r ? ONSHI_OK : fill_error(err, r.error());
}
onshi_status ONSHI_ABI store_query(const onshi_host* host, const onshi_store_query* q, onshi_store_visit_fn visit,
                                   void* user, onshi_error* err) {
  if (!host || !q || !visit) return ONSHI_E_INVALID_ARGUMENT;
  auto& ctx = context(host);
  auto& s = *ctx.services;
  if (!s.store) return fill_error(err, no_store(s));
  auto rows = s.store->query(ctx.plugin_id, *q, s.clock.now_unix_ms());
  if (!rows) return fill_error(err, rows.error());
  // Visited outside the store's lock, so visit may write to the store.
  for (const auto& row : *rows) {
    std::vector<const char*> tags;
    for (const auto& t : row.tags) tags.push_back(t.c_str());
    onshi_store_record rec{sizeof rec,        row.collection.c_str(), row.key.c_str(),
                           row.at_unix_ms,    row.expires_unix_ms,    tags.data(),
                           uint32_t(tags.size()),
                           {reinterpret_cast<const uint8_t*>(row.doc.data()), row.doc.size()}};
    if (visit(user, &rec) != 0) break;
  }
  return ONSHI_OK;
}
onshi_status ONSHI_ABI store_erase(const onshi_host* host, const onshi_store_query* q, uint32_t* out_count,
                                   onshi_error* err) {
  if (!host || !q) return ONSHI_E_INVALID_ARGUMENT;
  auto& ctx = context(host);
  auto& s = *ctx.services;
  if (!s.store) return fill_error(err, no_store(s));
  auto n = s.store->erase(ctx.plugin_id, *q, s.clock.now_unix_ms());
  if (!n) return fill_error(err, n.error());
  if (out_count) *out_count = *n;
  return ONSHI_OK;
}
const onshi_host_store_v1 kStore = {sizeof(onshi_host_store_v1), store_put, store_query, store_erase};

// The exchange service: a pass-through to whichever plugin provides eligibility,
// so plugins never hold each other's pointers.
const onshi_eligibility_v1* eligibility(const onshi_host* host, onshi_instance** instance) {
  onshi_extension ext{};
  ext.struct_size = sizeof ext;
  if (onshi_sdk_find_extension(context(host).services->sdk, ONSHI_EXT_ELIGIBILITY, nullptr, &ext) != ONSHI_OK)
    return nullptr;
  auto* table = static_cast<const onshi_eligibility_v1*>(ext.vtable);
  if (!ONSHI_HAS_FIELD(onshi_eligibility_v1, table, cancel) || !table->exchange_async) return nullptr;
  *instance = ext.instance;
  return table;
}
onshi_status ONSHI_ABI exchange_async(const onshi_host* host, const char* file_prefix, onshi_bytes request,
                                      const onshi_completion* done, uint64_t* out_operation, onshi_error* err) {
  if (!host) return ONSHI_E_INVALID_ARGUMENT;
  onshi_instance* instance = nullptr;
  const auto* table = eligibility(host, &instance);
  if (!table)
    return fill_error(err, make_error(ONSHI_E_NOT_SUPPORTED, "exchange",
                                      "no loaded plugin provides " ONSHI_EXT_ELIGIBILITY " to send " +
                                          std::string(file_prefix ? file_prefix : "the request"),
                                      "enable the eligibility plugin (see `onshi plugins`)"));
  return table->exchange_async(instance, file_prefix, request, done, out_operation, err);
}
onshi_status ONSHI_ABI exchange_cancel(const onshi_host* host, uint64_t operation) {
  if (!host) return ONSHI_E_INVALID_ARGUMENT;
  onshi_instance* instance = nullptr;
  const auto* table = eligibility(host, &instance);
  return table ? table->cancel(instance, operation) : ONSHI_E_NOT_FOUND;
}
const onshi_host_exchange_v1 kExchange = {sizeof(onshi_host_exchange_v1), exchange_async, exchange_cancel};

}  // namespace

const void* get_service(const onshi_host* host, const char* id) {
  if (!host || !id) return nullptr;
  std::string_view s(id);
  if (s == ONSHI_SERVICE_LOG) return &kLog;
  if (s == ONSHI_SERVICE_CLOCK) return &kClock;
  if (s == ONSHI_SERVICE_CONFIG) return &kConfig;
  if (s == ONSHI_SERVICE_EXECUTOR) return &kExecutor;
  if (s == ONSHI_SERVICE_STORE) return &kStore;
  if (s == ONSHI_SERVICE_EXCHANGE) return &kExchange;
  return nullptr;
}

namespace {
const void* ONSHI_ABI get_service_c(const onshi_host* host, const char* id) { return get_service(host, id); }
}  // namespace

void bind_host(PluginContext& ctx, const char* host_name, const char* host_version) {
  ctx.host.struct_size = sizeof(onshi_host);
  ctx.host.abi = {ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR, 0, 0};
  ctx.host.host_name = host_name;
  ctx.host.host_version = host_version;
  ctx.host.host_data = &ctx;
  ctx.host.get_service = get_service_c;
}

}  // namespace onshi::host
