// A plugin that provides diagnostics plus an extension this host does not know
// ("com.example.probe/1"); tests drive the host's executor service through it.
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/plugin.hpp>

#include "probe_ext.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

using onshi::plugin::self;

class Probe : public onshi::plugin::Instance {
 public:
  explicit Probe(onshi::plugin::Host host) : host_(host) {}

  const void* extension(std::string_view id) override {
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    static const probe_ext_v1 probe = {sizeof(probe_ext_v1), &run_post,    &run_timers,  &run_watch,
                                       &run_overlaps,         &store_put,   &store_query, &store_erase,
                                       &exchange};
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    if (id == PROBE_EXT_ID) return &probe;
    return nullptr;
  }

 private:
  static onshi_status ONSHI_ABI self_test(onshi_instance*, const onshi_writer* out, onshi_error*) {
    const char json[] = "{\"ok\":true,\"checks\":[]}";
    return out->write(out->ctx, reinterpret_cast<const uint8_t*>(json), sizeof json - 1);
  }

  // Waits (bounded) until count reaches want.
  struct Counter {
    std::mutex m;
    std::condition_variable cv;
    int count = 0;
    void bump() {
      std::lock_guard l(m);
      ++count;
      cv.notify_all();
    }
    int wait_for(int want) {
      std::unique_lock l(m);
      cv.wait_for(l, std::chrono::seconds(5), [&] { return count >= want; });
      return count;
    }
  };

  // post + post_blocking: both run.
  static int32_t ONSHI_ABI run_post(onshi_instance* i) {
    auto& host = onshi::plugin::self<Probe>(i).host_;
    Counter c;
    host.post([&] { c.bump(); });
    host.post_blocking([&] { c.bump(); });
    return c.wait_for(2);
  }

  // A cancelled timer never runs; an uncancelled one does. Returns runs seen.
  static int32_t ONSHI_ABI run_timers(onshi_instance* i) {
    auto& host = onshi::plugin::self<Probe>(i).host_;
    Counter c;
    std::atomic<bool> cancelled_ran{false};
    auto doomed = host.after(std::chrono::milliseconds(50), [&] { cancelled_ran = true; });
    auto kept = host.after(std::chrono::milliseconds(10), [&] { c.bump(); });
    if (!doomed || !kept || !host.cancel(*doomed)) return -1;
    int runs = c.wait_for(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return cancelled_ran ? -2 : runs;
  }

  // Readable fd → callback; after unwatch no more callbacks.
  static int32_t ONSHI_ABI run_watch(onshi_instance* i) {
    auto& host = onshi::plugin::self<Probe>(i).host_;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    Counter c;
    auto watch = host.watch_readable(fds[0], [&] {
      char b;
      if (read(fds[0], &b, 1) == 1) c.bump();
    });
    if (!watch) return -1;
    (void)!write(fds[1], "a", 1);
    c.wait_for(1);
    (void)!write(fds[1], "b", 1);
    int seen = c.wait_for(2);
    host.unwatch(*watch);
    (void)!write(fds[1], "c", 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int after = c.count;
    close(fds[0]);
    close(fds[1]);
    return after == seen ? seen : -3;
  }

  // 200 posts and timers: none may run while another of this plugin runs.
  static int32_t ONSHI_ABI run_overlaps(onshi_instance* i) {
    auto& host = onshi::plugin::self<Probe>(i).host_;
    Counter done;
    std::atomic<int> inside{0}, overlaps{0};
    auto body = [&] {
      if (inside.fetch_add(1) != 0) ++overlaps;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      inside.fetch_sub(1);
      done.bump();
    };
    for (int k = 0; k < 100; ++k) {
      host.post(body);
      host.after(std::chrono::milliseconds(k % 5), body);
    }
    if (done.wait_for(200) < 200) return -1;
    return overlaps.load();
  }

  // The store through the C++ wrapper a plugin author would use.
  static onshi_status ONSHI_ABI store_put(onshi_instance* i, const char* collection, const char* key, int64_t at_ms,
                                          int64_t expires_ms, const char* tag, const char* doc, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      onshi::plugin::Host::Record r{collection, key ? key : "", at_ms, expires_ms, {}, doc};
      if (tag) r.tags.push_back(tag);
      return self<Probe>(i).host_.store_put({r});
    });
  }
  static onshi::plugin::Host::Query from_c(const onshi_store_query* q) {
    onshi::plugin::Host::Query out{q->collection, {}, {}, q->since_unix_ms, q->until_unix_ms, q->limit,
                                   q->newest_first != 0};
    if (q->key) out.key = q->key;
    if (q->tag) out.tag = q->tag;
    return out;
  }
  static onshi_status ONSHI_ABI store_query(onshi_instance* i, const onshi_store_query* q, const onshi_writer* out,
                                            onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      auto rows = self<Probe>(i).host_.store_query(from_c(q));
      if (!rows) return std::move(rows).error();
      std::string text;
      for (const auto& r : *rows) text += r.key + " " + r.doc + "\n";
      out->write(out->ctx, reinterpret_cast<const uint8_t*>(text.data()), text.size());
      return {};
    });
  }
  static onshi_status ONSHI_ABI store_erase(onshi_instance* i, const onshi_store_query* q, uint32_t* count,
                                            onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      auto n = self<Probe>(i).host_.store_erase(from_c(q));
      if (!n) return std::move(n).error();
      *count = *n;
      return {};
    });
  }
  static onshi_status ONSHI_ABI exchange(onshi_instance* i, onshi_error* err) {
    const onshi_host* host = self<Probe>(i).host_.raw();
    auto* ex = static_cast<const onshi_host_exchange_v1*>(host->get_service(host, ONSHI_SERVICE_EXCHANGE));
    if (!ex) return ONSHI_E_NOT_SUPPORTED;
    static const onshi_completion never = {sizeof(onshi_completion), nullptr,
                                           [](void*, onshi_status, onshi_bytes, const onshi_error*) {}};
    const char xml[] = "<XmlMsg/>";
    uint64_t op = 0;
    return ex->exchange_async(host, "DSTsiquc01", {reinterpret_cast<const uint8_t*>(xml), sizeof xml - 1}, &never,
                              &op, err);
  }

  onshi::plugin::Host host_;
};

onshi::Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view) {
  return std::unique_ptr<onshi::plugin::Instance>(new Probe(host));
}

}  // namespace

#ifndef PROBE_ID
#define PROBE_ID "onshi.test.probe"
#endif
ONSHI_PLUGIN_DEFINE(PROBE_ID, make)
