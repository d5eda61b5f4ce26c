#include "reader_events.hpp"

#include <onshi/reader/pcsc.hpp>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace onshi::reader::plugin {
namespace {

using namespace std::chrono_literals;

// The loop blocks in SCardGetStatusChange (wait_for_change) and wakes on any
// change; the bound only limits how long a stop that raced the wait can take.
constexpr auto kLongestWait = 2000ms;
// While pcscd is down: how often to try to reach it again.
constexpr auto kServiceRetry = 500ms;

// Reader name -> a card that answers is present; nullopt while PC/SC is unreachable.
using Snapshot = std::optional<std::map<std::string, bool>>;

// The watcher's own context: pcsc-lite holds a context's lock during a status
// wait, so sharing the card operations' context would stall them.
Snapshot read_snapshot(std::shared_ptr<PcscContext>& context) {
  if (!context) {
    auto established = PcscContext::establish();
    if (!established) return std::nullopt;
    context = std::shared_ptr<PcscContext>(std::move(established).value());
  }
  auto readers = context->list_readers();
  if (!readers) {  // after a pcscd restart a stale context may only say "transport error": start afresh
    context.reset();
    return std::nullopt;
  }
  std::map<std::string, bool> snapshot;
  for (const auto& r : *readers) snapshot[r.name] = r.card_present;
  return snapshot;
}

std::vector<ReaderInfo> as_readers(const std::map<std::string, bool>& snapshot) {
  std::vector<ReaderInfo> out;
  for (const auto& [name, card] : snapshot) out.push_back({name, card});
  return out;
}

onshi_reader_event event(int32_t kind, const std::string& reader) {
  onshi_reader_event e{};
  e.struct_size = sizeof e;
  e.kind = kind;
  std::snprintf(e.reader, sizeof e.reader, "%s", reader.c_str());
  return e;
}

// What happened between two snapshots. While the service is down the readers
// are unknown, so the last known ones are compared when it comes back.
std::vector<onshi_reader_event> changes(const std::map<std::string, bool>& before, bool was_up, const Snapshot& now) {
  std::vector<onshi_reader_event> out;
  if (!now) {
    if (was_up) out.push_back(event(ONSHI_READER_EVENT_SERVICE_LOST, ""));
    return out;
  }
  if (!was_up) out.push_back(event(ONSHI_READER_EVENT_SERVICE_BACK, ""));
  for (const auto& [name, card] : before)
    if (!now->count(name)) {
      if (card) out.push_back(event(ONSHI_READER_EVENT_CARD_REMOVED, name));
      out.push_back(event(ONSHI_READER_EVENT_READER_REMOVED, name));
    }
  for (const auto& [name, card] : *now) {
    auto old = before.find(name);
    if (old == before.end()) out.push_back(event(ONSHI_READER_EVENT_READER_ADDED, name));
    const bool had_card = old != before.end() && old->second;
    if (card != had_card) out.push_back(event(card ? ONSHI_READER_EVENT_CARD_INSERTED : ONSHI_READER_EVENT_CARD_REMOVED, name));
  }
  return out;
}

}  // namespace

// Shared with the posted callbacks, which may still be queued after a stop.
struct ReaderEvents::Delivery {
  std::mutex mutex;
  onshi_reader_listener listener{};
  bool active = true;

  void deliver(const onshi_reader_event& e) {
    std::lock_guard lock(mutex);  // held during on_event, so close() waits for a running one
    if (active && listener.on_event) listener.on_event(listener.ctx, &e);
  }
  void close() {
    std::lock_guard lock(mutex);
    active = false;
  }
};

// Shared with the loop running on the host's blocking thread.
struct ReaderEvents::Loop {
  std::mutex mutex;
  std::condition_variable changed;
  bool stop_requested = false;
  bool finished = false;
  std::shared_ptr<PcscContext> context;  // so stop() can cancel the blocking wait
};

Result<void> ReaderEvents::set_listener(const onshi_reader_listener* listener) {
  stop();
  if (!listener) return {};
  if (!listener->on_event)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "onshi.reader.pcsc", "set_listener: the listener has no on_event",
                      "pass a listener with on_event set, or NULL to stop");

  auto delivery = std::make_shared<Delivery>();
  delivery->listener = *listener;
  auto loop = std::make_shared<Loop>();
  // Taken before returning, so a card inserted after set_listener() is an event.
  Snapshot baseline = read_snapshot(loop->context);

  const onshi::plugin::Host host = host_;
  auto post = [host, delivery](const onshi_reader_event& e) { host.post([delivery, e] { delivery->deliver(e); }); };
  if (!baseline) post(event(ONSHI_READER_EVENT_SERVICE_LOST, ""));

  const bool started = host_.post_blocking([loop, post, baseline] {
    std::map<std::string, bool> known = baseline.value_or(std::map<std::string, bool>{});
    bool up = baseline.has_value();
    auto stopping = [&](std::chrono::milliseconds pause) {
      std::unique_lock lock(loop->mutex);
      return loop->changed.wait_for(lock, pause, [&] { return loop->stop_requested; });
    };
    for (;;) {
      std::shared_ptr<PcscContext> context;
      {
        std::lock_guard lock(loop->mutex);
        if (loop->stop_requested) break;
        context = loop->context;
      }
      if (up && context) {
        auto waited = context->wait_for_change(as_readers(known), kLongestWait);
        if (!waited && waited.error().code == ONSHI_E_TIMEOUT) continue;
        if (!waited && waited.error().code == ONSHI_E_CANCELLED) continue;  // stop_requested is set
      } else if (stopping(kServiceRetry)) {
        break;
      }
      std::shared_ptr<PcscContext> fresh = context;
      const Snapshot now = read_snapshot(fresh);
      {
        std::lock_guard lock(loop->mutex);
        loop->context = fresh;
      }
      for (const auto& e : changes(known, up, now)) post(e);
      up = now.has_value();
      if (now) known = *now;
    }
    std::lock_guard lock(loop->mutex);
    loop->context.reset();
    loop->finished = true;
    loop->changed.notify_all();
  });
  if (!started) {
    delivery->close();
    return make_error(ONSHI_E_NOT_SUPPORTED, "onshi.reader.pcsc",
                      "set_listener: the host offers no executor to watch the readers on",
                      "poll list_readers instead, or use a host that provides onshi.host.executor/1");
  }
  loop_ = std::move(loop);
  delivery_ = std::move(delivery);
  return {};
}

// Ends the loop (waiting for it), then closes delivery: events still queued on
// the host are dropped and a running on_event finishes first.
void ReaderEvents::stop() {
  if (loop_) {
    std::unique_lock lock(loop_->mutex);
    loop_->stop_requested = true;
    if (loop_->context) loop_->context->cancel();  // wakes a wait_for_change in progress
    loop_->changed.notify_all();
    loop_->changed.wait(lock, [&] { return loop_->finished; });
  }
  if (delivery_) delivery_->close();
  loop_.reset();
  delivery_.reset();
}

}  // namespace onshi::reader::plugin
