// Reactor over a boost::asio::io_context (tests, samples, and a model for the host's adapter).
// Single-threaded: run the io_context on one thread.
#pragma once

#include <onshi/eligibility/reactor.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>

namespace onshi::eligibility {

class AsioReactor final : public Reactor {
 public:
  explicit AsioReactor(boost::asio::io_context& io) : io_(io) {}
  ~AsioReactor() override {
    for (auto& [id, w] : watches_) w->descriptor.release();  // the fd belongs to whoever watched it
  }

  void post(std::function<void()> fn) override { boost::asio::post(io_, std::move(fn)); }

  uint64_t after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    const uint64_t id = next_++;
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    timers_[id] = timer;
    timer->async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled
      timers_.erase(id);
      fn();
    });
    return id;
  }

  void cancel(uint64_t timer_id) override {
    if (auto it = timers_.find(timer_id); it != timers_.end()) {
      it->second->cancel();
      timers_.erase(it);
    }
  }

  uint64_t watch_readable(int fd, std::function<void()> fn) override {
    const uint64_t id = next_++;
    auto w = std::make_shared<Watch>(io_, fd, std::move(fn));
    watches_[id] = w;
    arm(w);
    return id;
  }

  void unwatch(uint64_t watch_id) override {
    if (auto it = watches_.find(watch_id); it != watches_.end()) {
      it->second->active = false;
      it->second->descriptor.cancel();
      it->second->descriptor.release();
      watches_.erase(it);
    }
  }

 private:
  struct Watch {
    Watch(boost::asio::io_context& io, int fd, std::function<void()> f) : descriptor(io, fd), fn(std::move(f)) {}
    boost::asio::posix::stream_descriptor descriptor;
    std::function<void()> fn;
    bool active = true;
  };

  static void arm(const std::shared_ptr<Watch>& w) {
    w->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                             [w](const boost::system::error_code& ec) {
                               if (ec || !w->active) return;
                               w->fn();
                               if (w->active) arm(w);
                             });
  }

  boost::asio::io_context& io_;
  uint64_t next_ = 1;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;
  std::map<uint64_t, std::shared_ptr<Watch>> watches_;
};

}  // namespace onshi::eligibility
