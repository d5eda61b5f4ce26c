// The services every plugin gets (onshi_services.h), implemented once per SDK
// instance: log, clock, config, executor, store, exchange. Each plugin reaches them through its own
// onshi_host, whose host_data is its PluginContext, so every call is stamped with
// the calling plugin's id.
#pragma once

#include <onshi/abi/onshi_services.h>
#include <onshi/onshi_sdk.h>

#include "store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace onshi::host {

class Logger {
 public:
  Logger(onshi_log_sink sink, void* ctx, int32_t min_level);
  bool enabled(int32_t level) const { return level >= min_level_; }
  void log(int32_t level, std::string_view plugin_id, std::string_view message);

 private:
  onshi_log_sink sink_;
  void* ctx_;
  int32_t min_level_;
  std::mutex mutex_;
};

// Wall time that tests and drills can pin; 0 means "follow the system clock". What must be real
// (deleting expired records, certificate dates) reads real_unix_ms().
class Clock {
 public:
  int64_t now_unix_ms() const;
  static int64_t real_unix_ms();
  void set_unix_ms(int64_t ms) { fixed_ms_.store(ms); }
  void set_rehearsal(bool on) { rehearsal_.store(on); }
  int32_t mode() const;  // ONSHI_CLOCK_*

 private:
  std::atomic<int64_t> fixed_ms_{0};
  std::atomic<bool> rehearsal_{false};
};

// The host's asynchronous I/O: an io_context on a few threads for short
// callbacks, and a separate pool for work that blocks on a device. Each plugin
// gets a strand: its callbacks never run concurrently with each other, so a
// plugin needs no locks of its own between its timers, posts and fd watches.
class Executor {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  Executor();
  ~Executor();
  Strand make_strand() { return boost::asio::make_strand(io_); }
  void post(Strand& strand, onshi_task_fn fn, void* user);
  void post_blocking(onshi_task_fn fn, void* user);
  uint64_t post_delayed(Strand& strand, uint32_t delay_ms, onshi_task_fn fn, void* user);
  bool cancel_timer(uint64_t id);
  uint64_t watch_fd(Strand& strand, int fd, onshi_task_fn fn, void* user);
  bool unwatch_fd(uint64_t id);
  void stop();  // runs what is queued (up to 2 s), cancels timers and fd watches, joins every thread

 private:
  struct Watch;
  void arm(const std::shared_ptr<Watch>& watch);

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  boost::asio::thread_pool blocking_{4};
  std::mutex mutex_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;
  std::map<uint64_t, std::shared_ptr<Watch>> watches_;
  bool stopped_ = false;
};

struct Services {
  Logger logger;
  Clock clock;
  Executor executor;
  nlohmann::json config;  // {"<plugin id>": {...}}
  std::unique_ptr<Store> store;     // null without a state_dir (or when it cannot open: store_error says why)
  Error store_error;
  const onshi_sdk* sdk = nullptr;   // the exchange service finds the eligibility plugin through it
};

// What a plugin's onshi_host.host_data points to.
struct PluginContext {
  PluginContext(std::string id, Services& s) : plugin_id(std::move(id)), services(&s), strand(s.executor.make_strand()) {}
  std::string plugin_id;
  Services* services;
  Executor::Strand strand;  // this plugin's callbacks, one at a time
  onshi_host host{};
};

// Fills ctx.host so that get_service hands out the tables above.
void bind_host(PluginContext& ctx, const char* host_name, const char* host_version);

// The same service tables, for the host's own use (its log lines say "host").
const void* get_service(const onshi_host* host, const char* service_id);

}  // namespace onshi::host
