// onshi/plugin.hpp: header-only C++ helpers for writing a plugin. Compiled into
// the plugin with the plugin's own compiler; nothing here crosses the boundary.
//
//   class MyReader : public onshi::plugin::Instance { ... extension(id) ... };
//   onshi::Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host,
//                                                                std::string_view config_json);
//   ONSHI_PLUGIN_DEFINE("com.acme.reader", make)
//
// Build it with onshi_add_plugin() (or the same flags: hidden visibility, a
// version script exporting only onshi_get_plugin_entry, -Wl,--no-undefined).
//
// The plugin layer's toolkit, so an extension function is only its own logic:
//   guarded(err, fn)            no exception ever crosses into C; a Result becomes status + error
//   write_to(out, bytes)        answer into the caller's onshi_writer
//   complete(done, result)      end an asynchronous call (exactly once is the caller's duty)
//   caught(fn)                  an exception on the way to a completion becomes its error
//   document_call<fn>           a `Result<std::string>(std::string_view)` as an onshi_document_fn
//   Host                        the host's services: log, clock, config, executor, store, exchange
//   DocumentFunction, documents_extension<table>   the plugin's functions by name (onshi.documents/1)
//   async_call<fn>              an extension's asynchronous document function as a DocumentFunction
#pragma once

#include <onshi/bytes.hpp>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_plugin.h>
#include <onshi/abi/onshi_services.h>
#include <onshi/result.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::plugin {

// Runs f, turning any exception into an error: nothing may unwind through C.
// f returns onshi::Result<void>.
template <class F>
onshi_status guarded(onshi_error* err, F&& f) noexcept {
  try {
    Result<void> r = f();
    return r ? ONSHI_OK : fill_error(err, r.error());
  } catch (const std::exception& e) {
    return fill_error(err, make_error(ONSHI_E_INTERNAL, "plugin", std::string("unexpected: ") + e.what(),
                                      "report this to the plugin's vendor"));
  } catch (...) {
    return fill_error(err, make_error(ONSHI_E_INTERNAL, "plugin", "unexpected exception",
                                      "report this to the plugin's vendor"));
  }
}

// Runs f (returning a Result) and turns any exception into an error: for work whose outcome must
// reach a caller exactly once, a completion or a listener, whatever goes wrong on the way.
template <class F>
auto caught(F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(ONSHI_E_INTERNAL, "plugin", std::string("unexpected: ") + e.what(),
                      "report this to the plugin's vendor");
  } catch (...) {
    return make_error(ONSHI_E_INTERNAL, "plugin", "unexpected exception", "report this to the plugin's vendor");
  }
}

// Writes `bytes` to the caller's writer; a missing writer, or one that refuses, is an error.
inline Result<void> write_to(const onshi_writer* out, std::string_view bytes) {
  if (!out || !out->write)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "plugin", "no output writer was given", "pass an onshi_writer");
  if (onshi_status st = out->write(out->ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
    return make_error(st, "plugin", "the caller's writer refused the output");
  return {};
}

// Ends an asynchronous call: ONSHI_OK with the bytes, or the error's status and text.
inline void complete(const onshi_completion& done, const Result<std::string>& result) noexcept {
  if (result) return done.done(done.ctx, ONSHI_OK, bytes_of(*result), nullptr);
  onshi_error err = empty_error();
  fill_error(&err, result.error());
  done.done(done.ctx, result.error().code, onshi_bytes{nullptr, 0}, &err);
}

// A document function of the plugin (a JSON document in, one out) as an onshi_document_fn:
// the input is lent, the output goes to the caller's writer, any failure is a status + error.
//   static const onshi_claims_v1 table = {sizeof table, &document_call<decide>, ...};
template <Result<std::string> (*document)(std::string_view)>
onshi_status ONSHI_ABI document_call(onshi_instance*, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return guarded(err, [&]() -> Result<void> {
    if (!in.data && in.size)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "plugin", "the input document has a size but no data",
                        "pass the document's bytes");
    auto result = document(text_of(in));
    if (!result) return result.error();
    return write_to(out, *result);
  });
}

// One function offered by name through onshi.documents/1, so a host that serves documents (onshi
// serve: POST /v1/<extension>/<function>) needs no code for it. Either `call` (synchronous: the
// extension's own onshi_document_fn) or `start` (asynchronous, with its `cancel`) is set.
struct DocumentFunction {
  const char* extension;  // "onshi.claims/1"
  const char* name;       // "decide"
  const char* request;    // the schema ids of what it takes and gives ("" when none)
  const char* response;
  onshi_document_fn call = nullptr;
  onshi_status(ONSHI_ABI* start)(onshi_instance*, onshi_bytes request, const onshi_document_listener* progress,
                                 const onshi_completion* done, uint64_t* out_operation, onshi_error* err) = nullptr;
  onshi_status(ONSHI_ABI* cancel)(onshi_instance*, uint64_t operation) = nullptr;
  const char* media_type = "application/json";  // of the response
};

// An extension's own asynchronous document function (request, completion, operation id) as a
// DocumentFunction's `start`, for functions that report no progress:
//   {ONSHI_EXT_X, "lookup", ..., nullptr, &async_call<&lookup_async>, &cancel}
template <onshi_status(ONSHI_ABI* Fn)(onshi_instance*, onshi_bytes, const onshi_completion*, uint64_t*, onshi_error*)>
onshi_status ONSHI_ABI async_call(onshi_instance* i, onshi_bytes request, const onshi_document_listener*,
                                  const onshi_completion* done, uint64_t* out_operation, onshi_error* err) {
  return Fn(i, request, done, out_operation, err);
}

namespace detail {
// An asynchronous operation's id carries the index of its function, so cancel finds it again.
inline constexpr int kFunctionShift = 48;
}  // namespace detail

// onshi.documents/1 over a plugin's table of functions:
//   static constexpr DocumentFunction kDocuments[] = {{ONSHI_EXT_CLAIMS, "decide", ..., &decide_fn}, ...};
//   if (id == ONSHI_EXT_DOCUMENTS) return documents_extension<kDocuments>();
template <const auto& Table>
const onshi_documents_v1* documents_extension() {
  struct Impl {
    static const DocumentFunction* find(const char* extension, const char* name, std::size_t* index = nullptr) {
      if (!extension || !name) return nullptr;
      for (std::size_t i = 0; i < std::size(Table); ++i)
        if (std::string_view(Table[i].extension) == extension && std::string_view(Table[i].name) == name) {
          if (index) *index = i;
          return &Table[i];
        }
      return nullptr;
    }
    static Error unknown(const char* extension, const char* name, const char* why) {
      return make_error(ONSHI_E_NOT_FOUND, "documents",
                        std::string(extension ? extension : "(none)") + " has no " + why + " function '" +
                            (name ? name : "(none)") + "'",
                        "ask onshi.documents/1 list for the functions this plugin offers");
    }
    static onshi_status ONSHI_ABI list(onshi_instance*, const onshi_writer* out, onshi_error* err) {
      return guarded(err, [&]() -> Result<void> {
        std::string json = "{\"schema\":\"" ONSHI_SCHEMA_DOCUMENTS_LIST "\",\"functions\":[";
        for (std::size_t i = 0; i < std::size(Table); ++i) {
          const DocumentFunction& f = Table[i];
          json += std::string(i ? "," : "") + "{\"extension\":\"" + f.extension + "\",\"name\":\"" + f.name +
                  "\",\"async\":" + (f.start ? "true" : "false") + ",\"request\":\"" + f.request +
                  "\",\"response\":\"" + f.response + "\",\"media_type\":\"" + f.media_type + "\"}";
        }
        return write_to(out, json + "]}");
      });
    }
    static onshi_status ONSHI_ABI call(onshi_instance* i, const char* extension, const char* name, onshi_bytes in,
                                       const onshi_writer* out, onshi_error* err) {
      const DocumentFunction* f = find(extension, name);
      if (!f || !f->call) return fill_error(err, unknown(extension, name, "synchronous"));
      return f->call(i, in, out, err);
    }
    static onshi_status ONSHI_ABI call_async(onshi_instance* i, const char* extension, const char* name,
                                             onshi_bytes in, const onshi_document_listener* progress,
                                             const onshi_completion* done, uint64_t* out_operation,
                                             onshi_error* err) {
      std::size_t index = 0;
      const DocumentFunction* f = find(extension, name, &index);
      if (!f || !f->start) return fill_error(err, unknown(extension, name, "asynchronous"));
      uint64_t op = 0;
      const onshi_status st = f->start(i, in, progress, done, &op, err);
      if (st == ONSHI_OK && out_operation) *out_operation = (uint64_t(index) + 1) << detail::kFunctionShift | op;
      return st;
    }
    static onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t operation) {
      const std::size_t index = (operation >> detail::kFunctionShift);
      if (index == 0 || index > std::size(Table) || !Table[index - 1].cancel) return ONSHI_E_NOT_FOUND;
      return Table[index - 1].cancel(i, operation & ((uint64_t(1) << detail::kFunctionShift) - 1));
    }
  };
  static const onshi_documents_v1 table = {sizeof(onshi_documents_v1), &Impl::list, &Impl::call, &Impl::call_async,
                                           &Impl::cancel};
  return &table;
}

// Typed access to the host's services. Every call is a no-op (or falls back to
// the system clock) when the host lacks that service.
class Host {
 public:
  Host() = default;
  explicit Host(const onshi_host* host) : host_(host) {
    if (!host_ || !host_->get_service) return;
    log_ = static_cast<const onshi_host_log_v1*>(host_->get_service(host_, ONSHI_SERVICE_LOG));
    clock_ = static_cast<const onshi_host_clock_v1*>(host_->get_service(host_, ONSHI_SERVICE_CLOCK));
    config_ = static_cast<const onshi_host_config_v1*>(host_->get_service(host_, ONSHI_SERVICE_CONFIG));
    executor_ = static_cast<const onshi_host_executor_v1*>(host_->get_service(host_, ONSHI_SERVICE_EXECUTOR));
    store_ = static_cast<const onshi_host_store_v1*>(host_->get_service(host_, ONSHI_SERVICE_STORE));
    exchange_ = static_cast<const onshi_host_exchange_v1*>(host_->get_service(host_, ONSHI_SERVICE_EXCHANGE));
  }
  const onshi_host* raw() const { return host_; }

  // Never pass a PIN, an individual number or withheld data.
  void log(int32_t level, const std::string& message) const {
    if (log_) log_->log(host_, level, message.c_str());
  }
  void debug(const std::string& m) const { log(ONSHI_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(ONSHI_LOG_INFO, m); }
  void warn(const std::string& m) const { log(ONSHI_LOG_WARN, m); }
  void error(const std::string& m) const { log(ONSHI_LOG_ERROR, m); }

  // The host's "now" (tests and drills pin it); every date rule reads this.
  std::chrono::system_clock::time_point now() const {
    if (!clock_) return std::chrono::system_clock::now();
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(clock_->now_unix_ms(host_)));
  }
  // The real time, whatever is pinned: for what must be real (certificate dates, audit stamps).
  std::chrono::system_clock::time_point real_now() const {
    if (!ONSHI_HAS_FIELD(onshi_host_clock_v1, clock_, real_now_unix_ms) || !clock_->real_now_unix_ms)
      return std::chrono::system_clock::now();
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(clock_->real_now_unix_ms(host_)));
  }
  // ONSHI_CLOCK_REAL, _PINNED (a test set it) or _REHEARSAL (a declared drill). A host that
  // cannot say is taken as pinned whenever now() is not the real time.
  int32_t clock_mode() const {
    if (ONSHI_HAS_FIELD(onshi_host_clock_v1, clock_, mode) && clock_->mode) return clock_->mode(host_);
    using namespace std::chrono;
    return abs(duration_cast<milliseconds>(now() - real_now()).count()) < 60000 ? ONSHI_CLOCK_REAL : ONSHI_CLOCK_PINNED;
  }

  std::optional<std::string> config(const char* key) const {
    if (!config_) return std::nullopt;
    uint32_t len = 0;
    if (config_->get(host_, key, nullptr, &len) != ONSHI_E_BUFFER_TOO_SMALL) return std::nullopt;
    std::string value(len, '\0');
    if (config_->get(host_, key, value.data(), &len) != ONSHI_OK) return std::nullopt;
    value.resize(len - 1);
    return value;
  }

  bool post(std::function<void()> fn) const {
    return submit(executor_ ? executor_->post : nullptr, std::move(fn));
  }
  // For work that blocks (a device wait).
  bool post_blocking(std::function<void()> fn) const {
    return submit(executor_ ? executor_->post_blocking : nullptr, std::move(fn));
  }

  struct Timer {
    uint64_t id = 0;
    std::function<void()>* fn = nullptr;
  };
  std::optional<Timer> after(std::chrono::milliseconds delay, std::function<void()> fn) const {
    if (!executor_) return std::nullopt;
    Timer t{0, new std::function<void()>(std::move(fn))};
    if (executor_->post_delayed(host_, static_cast<uint32_t>(delay.count()), &run_once, t.fn, &t.id) != ONSHI_OK) {
      delete t.fn;
      return std::nullopt;
    }
    return t;
  }
  // True when the timer was stopped before it ran.
  bool cancel(const Timer& t) const {
    if (!executor_ || executor_->cancel_timer(host_, t.id) != ONSHI_OK) return false;
    delete t.fn;
    return true;
  }

  struct Watch {
    uint64_t id = 0;
    std::function<void()>* fn = nullptr;
  };
  // fn runs each time fd is readable until unwatch(), which must not be called
  // from fn itself.
  std::optional<Watch> watch_readable(int fd, std::function<void()> fn) const {
    if (!executor_) return std::nullopt;
    Watch w{0, new std::function<void()>(std::move(fn))};
    if (executor_->watch_fd(host_, fd, &run_repeat, w.fn, &w.id) != ONSHI_OK) {
      delete w.fn;
      return std::nullopt;
    }
    return w;
  }
  void unwatch(const Watch& w) const {
    if (executor_ && executor_->unwatch_fd(host_, w.id) == ONSHI_OK) delete w.fn;
  }

  // ---- the host's exchange service (onshi.host.exchange/1): a ready XmlMsg request to the
  // オンライン資格確認等システム through whichever plugin provides onshi.eligibility/1.
  bool has_exchange() const { return exchange_ && exchange_->exchange_async; }
  // `done` runs exactly once, on a host thread, with the raw answer or the failure. The id is for
  // cancel_exchange; when the request cannot start, the error comes back and `done` never runs.
  Result<uint64_t> exchange(std::string_view file_prefix, std::string_view request_xml,
                            std::function<void(Result<std::string>)> done) const {
    if (!has_exchange())
      return make_error(ONSHI_E_NOT_SUPPORTED, "exchange",
                        "the host offers no exchange service (" ONSHI_SERVICE_EXCHANGE ") to send " +
                            std::string(file_prefix),
                        "use a host SDK that provides it, with the eligibility plugin loaded");
    auto* fn = new std::function<void(Result<std::string>)>(std::move(done));
    const onshi_completion completion{sizeof(onshi_completion), fn, &exchange_done};
    onshi_error err = empty_error();
    uint64_t op = 0;
    const std::string prefix(file_prefix);
    if (onshi_status st = exchange_->exchange_async(host_, prefix.c_str(), bytes_of(request_xml), &completion, &op, &err);
        st != ONSHI_OK) {
      delete fn;
      return to_error(st, err);
    }
    return op;
  }
  void cancel_exchange(uint64_t op) const {
    if (exchange_ && exchange_->cancel) exchange_->cancel(host_, op);
  }

  // ---- the host's durable store (onshi.host.store/1): this plugin's records only.
  struct Record {
    std::string collection;
    std::string key;  // empty on put: the host numbers it in order of writing
    int64_t at_unix_ms = 0, expires_unix_ms = 0;  // expires 0: kept
    std::vector<std::string> tags;
    std::string doc;
  };
  struct Query {
    std::string collection;
    std::optional<std::string> key, tag;
    int64_t since_unix_ms = 0, until_unix_ms = 0;  // [since, until); 0: no bound
    uint32_t limit = 0;
    bool newest_first = false;
  };
  bool has_store() const { return store_ != nullptr; }
  // All records or none, on disk when it returns.
  Result<void> store_put(const std::vector<Record>& records) const {
    if (!store_) return no_store();
    std::vector<std::vector<const char*>> tags(records.size());
    std::vector<onshi_store_record> c(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      for (const auto& t : r.tags) tags[i].push_back(t.c_str());
      c[i] = onshi_store_record{sizeof(onshi_store_record), r.collection.c_str(),
                                r.key.empty() ? nullptr : r.key.c_str(), r.at_unix_ms, r.expires_unix_ms,
                                tags[i].data(), static_cast<uint32_t>(tags[i].size()),
                                {reinterpret_cast<const uint8_t*>(r.doc.data()), r.doc.size()}};
    }
    onshi_error err = empty_error();
    onshi_status st = store_->put(host_, c.data(), static_cast<uint32_t>(c.size()), &err);
    if (st != ONSHI_OK) return to_error(st, err);
    return {};
  }
  Result<std::vector<Record>> store_query(const Query& q) const {
    if (!store_) return no_store();
    std::vector<Record> out;
    auto visit = [](void* user, const onshi_store_record* r) -> int32_t {
      Record rec{r->collection, r->key, r->at_unix_ms, r->expires_unix_ms, {},
                 std::string(reinterpret_cast<const char*>(r->doc.data), r->doc.size)};
      for (uint32_t i = 0; i < r->tag_count; ++i) rec.tags.emplace_back(r->tags[i]);
      static_cast<std::vector<Record>*>(user)->push_back(std::move(rec));
      return 0;
    };
    onshi_error err = empty_error();
    auto cq = c_query(q);
    onshi_status st = store_->query(host_, &cq, visit, &out, &err);
    if (st != ONSHI_OK) return to_error(st, err);
    return out;
  }
  Result<uint32_t> store_erase(const Query& q) const {
    if (!store_) return no_store();
    onshi_error err = empty_error();
    uint32_t n = 0;
    auto cq = c_query(q);
    onshi_status st = store_->erase(host_, &cq, &n, &err);
    if (st != ONSHI_OK) return to_error(st, err);
    return n;
  }

 private:
  using PostFn = onshi_status(ONSHI_ABI*)(const onshi_host*, onshi_task_fn, void*);
  bool submit(PostFn post, std::function<void()> fn) const {
    if (!post) return false;
    auto* heap = new std::function<void()>(std::move(fn));
    if (post(host_, &run_once, heap) == ONSHI_OK) return true;
    delete heap;
    return false;
  }
  static void ONSHI_ABI run_once(void* user) {
    std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(user));
    try {
      (*fn)();
    } catch (...) {  // a callback must never unwind into the host
    }
  }
  static void ONSHI_ABI run_repeat(void* user) {
    try {
      (*static_cast<std::function<void()>*>(user))();
    } catch (...) {
    }
  }

  static void ONSHI_ABI exchange_done(void* ctx, onshi_status status, onshi_bytes answer, const onshi_error* err) {
    std::unique_ptr<std::function<void(Result<std::string>)>> fn(static_cast<std::function<void(Result<std::string>)>*>(ctx));
    try {
      if (status == ONSHI_OK) (*fn)(std::string(text_of(answer)));
      else (*fn)(err ? to_error(status, *err) : make_error(status, "exchange", "the exchange failed without a reason"));
    } catch (...) {  // a callback must never unwind into the host
    }
  }

  static onshi_store_query c_query(const Query& q) {
    return onshi_store_query{sizeof(onshi_store_query), q.collection.c_str(), q.key ? q.key->c_str() : nullptr,
                             q.tag ? q.tag->c_str() : nullptr, q.since_unix_ms, q.until_unix_ms, q.limit,
                             q.newest_first ? 1 : 0};
  }
  static Error no_store() {
    return make_error(ONSHI_E_NOT_INITIALIZED, "store", "this host offers no durable store",
                      "use a host that provides " ONSHI_SERVICE_STORE);
  }

  const onshi_host* host_ = nullptr;
  const onshi_host_log_v1* log_ = nullptr;
  const onshi_host_clock_v1* clock_ = nullptr;
  const onshi_host_config_v1* config_ = nullptr;
  const onshi_host_executor_v1* executor_ = nullptr;
  const onshi_host_store_v1* store_ = nullptr;
  const onshi_host_exchange_v1* exchange_ = nullptr;
};

// Base of a plugin's instance. The destructor must finish or cancel pending work
// and join the plugin's threads (it runs in destroy()).
class Instance {
 public:
  virtual ~Instance() = default;
  // The extension's C table for id, or nullptr.
  virtual const void* extension(std::string_view id) = 0;
};

using CreateFn = Result<std::unique_ptr<Instance>> (*)(Host host, std::string_view config_json);

namespace detail {

struct InstanceBox : onshi_instance {
  std::unique_ptr<Instance> impl;
};

inline void ONSHI_ABI destroy(onshi_instance* instance) {
  try {
    delete static_cast<InstanceBox*>(instance);
  } catch (...) {
  }
}

inline const void* ONSHI_ABI get_extension(onshi_instance* instance, const char* id) {
  if (!instance || !id) return nullptr;
  try {
    return static_cast<InstanceBox*>(instance)->impl->extension(id);
  } catch (...) {
    return nullptr;
  }
}

inline const onshi_instance_vtbl kInstanceVtbl = {sizeof(onshi_instance_vtbl), &destroy, &get_extension};

inline onshi_status create(CreateFn make, const onshi_host* host, const char* config_json, onshi_instance** out,
                           onshi_error* err) {
  if (!out) return ONSHI_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guarded(err, [&]() -> Result<void> {
    auto made = make(Host(host), config_json ? config_json : "{}");
    if (!made) return std::move(made).error();
    auto box = std::make_unique<InstanceBox>();
    box->vtbl = &kInstanceVtbl;
    box->impl = std::move(made).value();
    *out = box.release();
    return {};
  });
}

}  // namespace detail

// The C++ object behind an instance pointer handed to an extension function.
template <class T>
T& self(onshi_instance* instance) {
  return static_cast<T&>(*static_cast<detail::InstanceBox*>(instance)->impl);
}

}  // namespace onshi::plugin

// Defines onshi_get_plugin_entry for a plugin whose instances make_fn creates.
// Module-level init/deinit do nothing: keep state in the instance.
#define ONSHI_PLUGIN_DEFINE(plugin_id_literal, make_fn)                                                          \
  namespace {                                                                                                    \
  onshi_status ONSHI_ABI onshi_plugin_init_(const onshi_host*, const char*, onshi_error*) { return ONSHI_OK; }   \
  void ONSHI_ABI onshi_plugin_deinit_(void) {}                                                                   \
  onshi_status ONSHI_ABI onshi_plugin_create_(const onshi_host* host, const char* config, onshi_instance** out, \
                                              onshi_error* err) {                                                \
    return ::onshi::plugin::detail::create(&make_fn, host, config, out, err);                                    \
  }                                                                                                              \
  const onshi_plugin_entry onshi_plugin_entry_ = {sizeof(onshi_plugin_entry),                                    \
                                                  {ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR, 0, 0},                      \
                                                  plugin_id_literal,                                             \
                                                  &onshi_plugin_init_,                                           \
                                                  &onshi_plugin_deinit_,                                         \
                                                  &onshi_plugin_create_};                                        \
  }                                                                                                              \
  extern "C" ONSHI_EXPORT const onshi_plugin_entry* ONSHI_ABI onshi_get_plugin_entry(uint32_t host_abi_major) {  \
    return host_abi_major == ONSHI_ABI_MAJOR ? &onshi_plugin_entry_ : nullptr;                                   \
  }
