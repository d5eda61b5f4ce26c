// The core's Reactor over the host's executor service (onshi.host.executor/1).
//
// The host runs this plugin's posts, timers and fd watches on one strand, never two at once, so
// the bookkeeping below needs no lock. Teardown: shut_down() (on the strand) stops every timer and
// watch and marks the shared state dead; a callback the host had already queued finds it dead and
// does nothing, even after this object is gone.
#pragma once

#include <functional>
#include <memory>
#include <onshi/eligibility/reactor.hpp>
#include <onshi/plugin.hpp>

namespace onshi::eligibility::plugin {

class HostReactor final : public Reactor {
 public:
  explicit HostReactor(onshi::plugin::Host host);

  // [any-thread] Queues fn on the strand.
  void post(std::function<void()> fn) override;
  // [strand] as the core requires.
  uint64_t after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(uint64_t timer_id) override;
  uint64_t watch_readable(int fd, std::function<void()> fn) override;
  void unwatch(uint64_t watch_id) override;

  // True while the calling thread runs one of this reactor's callbacks.
  bool on_strand() const;
  // [any-thread] Runs fn on the strand and waits for it (at once when already there). It runs
  // even after shut_down(), so teardown can use it.
  void run_and_wait(const std::function<void()>& fn);
  // [strand] Stops every timer and watch; nothing queued will run afterwards.
  void shut_down();

  struct State;

 private:
  onshi::plugin::Host host_;
  std::shared_ptr<State> state_;
};

}  // namespace onshi::eligibility::plugin
