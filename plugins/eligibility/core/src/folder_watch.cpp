#include "folder_watch.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>


namespace onshi::eligibility::detail {

namespace fs = std::filesystem;


DirectoryWatch::DirectoryWatch(Reactor& reactor, std::chrono::milliseconds interval, std::function<void()> on_change)
    : reactor_(reactor), interval_(interval), on_change_(std::move(on_change)) {}

Result<std::unique_ptr<DirectoryWatch>> DirectoryWatch::open(Reactor& reactor, const fs::path& dir,
                                                             std::chrono::milliseconds rescan_interval,
                                                             std::function<void()> on_change) {
  std::unique_ptr<DirectoryWatch> w(new DirectoryWatch(reactor, rescan_interval, std::move(on_change)));
  // inotify is a speed-up only: without it (or on a share that sends no events) the rescan still works.
  w->fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd_ >= 0 &&
      inotify_add_watch(w->fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) < 0) {
    ::close(w->fd_);
    w->fd_ = -1;
  }
  if (w->fd_ >= 0) {
    DirectoryWatch* self = w.get();
    w->watch_id_ = reactor.watch_readable(w->fd_, [self] {
      alignas(inotify_event) char buf[4096];
      while (::read(self->fd_, buf, sizeof buf) > 0) {
      }
      self->on_change_();
    });
  }
  w->schedule();
  return w;
}

void DirectoryWatch::schedule() {
  timer_id_ = reactor_.after(interval_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    schedule();
    on_change_();
  });
}

DirectoryWatch::~DirectoryWatch() {
  alive_.reset();
  reactor_.cancel(timer_id_);
  if (fd_ >= 0) {
    reactor_.unwatch(watch_id_);
    ::close(fd_);
  }
}

}  // namespace onshi::eligibility::detail
