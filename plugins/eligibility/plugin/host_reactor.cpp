#include "host_reactor.hpp"

#include <future>
#include <map>

namespace onshi::eligibility::plugin {

using onshi::plugin::Host;

struct HostReactor::State {
  bool alive = true;
  uint64_t next_id = 1;
  uint64_t running_watch = 0;  // the watch whose callback runs now
  std::map<uint64_t, Host::Timer> timers;
  std::map<uint64_t, Host::Watch> watches;
};

namespace {

thread_local const HostReactor::State* tls_running = nullptr;

// Marks the thread as running this reactor's callback (restored afterwards).
class OnStrand {
 public:
  explicit OnStrand(const HostReactor::State* s) : previous_(tls_running) { tls_running = s; }
  ~OnStrand() { tls_running = previous_; }
  OnStrand(const OnStrand&) = delete;
  OnStrand& operator=(const OnStrand&) = delete;

 private:
  const HostReactor::State* previous_;
};

// Host::unwatch frees the callback of the watch, so it must not run inside that callback: a later
// job does it then. The watch is already out of State::watches, so a late call does nothing.
void release_watch(const Host& host, HostReactor::State& s, uint64_t id, const Host::Watch& w) {
  if (s.running_watch == id)
    host.post([host, w] { host.unwatch(w); });
  else
    host.unwatch(w);
}

}  // namespace

HostReactor::HostReactor(Host host) : host_(host), state_(std::make_shared<State>()) {}

void HostReactor::post(std::function<void()> fn) {
  host_.post([s = state_, fn = std::move(fn)] {
    if (!s->alive) return;
    OnStrand mark(s.get());
    fn();
  });
}

uint64_t HostReactor::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  const uint64_t id = state_->next_id++;
  auto timer = host_.after(delay, [s = state_, id, fn = std::move(fn)] {
    if (!s->alive || s->timers.erase(id) == 0) return;  // stopped, or cancelled meanwhile
    OnStrand mark(s.get());
    fn();
  });
  if (timer)
    state_->timers[id] = *timer;
  else
    host_.error("the host's executor refused a timer: folder timeouts and rescans will not run");
  return id;
}

void HostReactor::cancel(uint64_t timer_id) {
  auto it = state_->timers.find(timer_id);
  if (it == state_->timers.end()) return;
  host_.cancel(it->second);  // when it already fired, its callback finds the id gone
  state_->timers.erase(it);
}

uint64_t HostReactor::watch_readable(int fd, std::function<void()> fn) {
  const uint64_t id = state_->next_id++;
  auto watch = host_.watch_readable(fd, [s = state_, id, fn = std::move(fn)] {
    if (!s->alive || !s->watches.count(id)) return;
    OnStrand mark(s.get());
    s->running_watch = id;
    fn();
    s->running_watch = 0;
  });
  if (watch)
    state_->watches[id] = *watch;
  else
    host_.warn("the host's executor refused an fd watch: changes are seen by the periodic rescan only");
  return id;
}

void HostReactor::unwatch(uint64_t watch_id) {
  auto it = state_->watches.find(watch_id);
  if (it == state_->watches.end()) return;
  const Host::Watch w = it->second;
  state_->watches.erase(it);
  release_watch(host_, *state_, watch_id, w);
}

bool HostReactor::on_strand() const { return tls_running == state_.get(); }

void HostReactor::run_and_wait(const std::function<void()>& fn) {
  if (on_strand()) return fn();
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  const bool queued = host_.post([s = state_, &fn, done] {
    OnStrand mark(s.get());
    try {
      fn();
    } catch (...) {  // fn's own errors are its business; the waiter must wake
    }
    done->set_value();
  });
  try {
    if (queued) return finished.get();
  } catch (const std::future_error&) {  // the host dropped the job (its executor stopped)
  }
  OnStrand mark(state_.get());  // no executor left: nothing else can be running
  fn();
}

void HostReactor::shut_down() {
  State& s = *state_;
  s.alive = false;
  for (const auto& [id, timer] : s.timers) host_.cancel(timer);
  for (const auto& [id, watch] : s.watches) release_watch(host_, s, id, watch);
  s.timers.clear();
  s.watches.clear();
}

}  // namespace onshi::eligibility::plugin
