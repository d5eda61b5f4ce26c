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

// Why a poll and not SCardGetStatusChange on every reader: the core's wait_for()
// watches one reader, and the core's list_readers() already rides out a pcscd
// restart. 200 ms is below what a receptionist notices.
constexpr auto kPollInterval = 200ms;

// Reader name -> a card that answers is present; nullopt while PC/SC is unreachable.
using Snapshot = std::optional<std::map<std::string, bool>>;

// The watcher's own context: pcsc-lite holds a context's lock during a status
// wait, so sharing the card operations' context would stall them.
Snapshot poll(std::unique_ptr<PcscContext>& context) {
  if (!context) {
    auto established = PcscContext::establish();
    if (!established) return std::nullopt;
    context = std::move(established).value();
  }
  auto readers = context->list_readers();
  if (!readers) return std::nullopt;
  std::map<std::string, bool> snapshot;
  for (const auto& r : *readers) snapshot[r.name] = r.card_present;
  return snapshot;
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
  auto context = std::make_shared<std::unique_ptr<PcscContext>>();
  Snapshot baseline = poll(*context);

  const onshi::plugin::Host host = host_;
  auto post = [host, delivery](const onshi_reader_event& e) { host.post([delivery, e] { delivery->deliver(e); }); };
  if (!baseline) post(event(ONSHI_READER_EVENT_SERVICE_LOST, ""));

  const bool started = host_.post_blocking([loop, post, context, baseline] {
    std::map<std::string, bool> known = baseline.value_or(std::map<std::string, bool>{});
    bool up = baseline.has_value();
    for (;;) {
      {
        std::unique_lock lock(loop->mutex);
        if (loop->changed.wait_for(lock, kPollInterval, [&] { return loop->stop_requested; })) break;
      }
      const Snapshot now = poll(*context);
      for (const auto& e : changes(known, up, now)) post(e);
      up = now.has_value();
      if (now) known = *now;
    }
    context->reset();
    std::lock_guard lock(loop->mutex);
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
    loop_->changed.notify_all();
    loop_->changed.wait(lock, [&] { return loop_->finished; });
  }
  if (delivery_) delivery_->close();
  loop_.reset();
  delivery_.reset();
}

}  // namespace onshi::reader::plugin
