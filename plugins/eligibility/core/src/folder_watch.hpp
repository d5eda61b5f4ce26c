// Internal: "something may have changed in this directory" from inotify plus a periodic rescan,
// for the req/res transport and the face folder.
#pragma once

#include <onshi/eligibility/reactor.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace onshi::eligibility::detail {

class DirectoryWatch {
 public:
  // on_change runs on the reactor after every inotify batch and every rescan tick.
  static Result<std::unique_ptr<DirectoryWatch>> open(Reactor& reactor, const std::filesystem::path& dir,
                                                      std::chrono::milliseconds rescan_interval,
                                                      std::function<void()> on_change);
  ~DirectoryWatch();

 private:
  DirectoryWatch(Reactor& reactor, std::chrono::milliseconds interval, std::function<void()> on_change);
  void schedule();
  Reactor& reactor_;
  std::chrono::milliseconds interval_;
  std::function<void()> on_change_;
  int fd_ = -1;
  uint64_t watch_id_ = 0;
  uint64_t timer_id_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace onshi::eligibility::detail
