// The little event loop the folder transport runs on. The host adapts its executor service
// to it; tests use AsioReactor (asio_reactor.hpp). Every callback runs on the reactor's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace onshi::eligibility {

struct Reactor {
  virtual ~Reactor() = default;
  virtual void post(std::function<void()> fn) = 0;
  virtual uint64_t after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;  // returns timer id
  virtual void cancel(uint64_t timer_id) = 0;
  virtual uint64_t watch_readable(int fd, std::function<void()> fn) = 0;  // fn each time fd is readable
  virtual void unwatch(uint64_t watch_id) = 0;
};

}  // namespace onshi::eligibility
