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

#include <sys/types.h>

namespace onshi::eligibility::detail {

class DirectoryWatch {
 public:
  // on_change runs on the reactor after every inotify batch and every rescan tick.
  static Result<std::unique_ptr<DirectoryWatch>> open(Reactor& reactor, const std::filesystem::path& dir,
                                                      std::chrono::milliseconds rescan_interval,
                                                      std::function<void()> on_change);
  ~DirectoryWatch();

  // Watches the folder again if it is not the one watched any more: a share unmounted and mounted
  // again, a folder removed and made anew (inotify stays with the old one, which hears nothing).
  // Runs on every rescan; the transport also calls it before it writes a request, so the answer to
  // the first request after the share came back is heard at once, not at the next rescan.
  void rearm();

 private:
  DirectoryWatch(Reactor& reactor, std::filesystem::path dir, std::chrono::milliseconds interval,
                 std::function<void()> on_change);
  void schedule();
  Reactor& reactor_;
  std::filesystem::path dir_;
  std::chrono::milliseconds interval_;
  std::function<void()> on_change_;
  int fd_ = -1;
  int wd_ = -1;                     // the inotify watch of dir_, -1 when none
  dev_t dev_ = 0;                   // the folder it watches
  ino_t ino_ = 0;
  uint64_t watch_id_ = 0;
  uint64_t timer_id_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace onshi::eligibility::detail
