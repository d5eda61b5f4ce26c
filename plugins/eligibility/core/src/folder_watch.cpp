#include "folder_watch.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>


namespace onshi::eligibility::detail {

namespace fs = std::filesystem;


DirectoryWatch::DirectoryWatch(Reactor& reactor, fs::path dir, std::chrono::milliseconds interval,
                               std::function<void()> on_change)
    : reactor_(reactor), dir_(std::move(dir)), interval_(interval), on_change_(std::move(on_change)) {}

Result<std::unique_ptr<DirectoryWatch>> DirectoryWatch::open(Reactor& reactor, const fs::path& dir,
                                                             std::chrono::milliseconds rescan_interval,
                                                             std::function<void()> on_change) {
  std::unique_ptr<DirectoryWatch> w(new DirectoryWatch(reactor, dir, rescan_interval, std::move(on_change)));
  // inotify is a speed-up only: without it (or on a share that sends no events) the rescan still works.
  w->fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  w->rearm();
  if (w->fd_ >= 0 && w->wd_ < 0) {
    ::close(w->fd_);
    w->fd_ = -1;
  }
  if (w->fd_ >= 0) {
    DirectoryWatch* self = w.get();
    w->watch_id_ = reactor.watch_readable(w->fd_, [self] {
      alignas(inotify_event) char buf[4096];
      for (ssize_t n; (n = ::read(self->fd_, buf, sizeof buf)) > 0;)
        for (ssize_t at = 0; at + ssize_t(sizeof(inotify_event)) <= n;) {
          const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
          if ((e->mask & IN_IGNORED) && e->wd == self->wd_) self->wd_ = -1;  // folder removed or unmounted
          at += ssize_t(sizeof(inotify_event) + e->len);
        }
      self->on_change_();
    });
  }
  w->schedule();
  return w;
}

void DirectoryWatch::rearm() {
  if (fd_ < 0) return;
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0) return;  // gone for now: the rescan sees nothing either
  if (wd_ >= 0 && st.st_dev == dev_ && st.st_ino == ino_) return;
  if (wd_ >= 0) inotify_rm_watch(fd_, wd_);  // fails harmlessly when the kernel already dropped it
  wd_ = inotify_add_watch(fd_, dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
}

void DirectoryWatch::schedule() {
  timer_id_ = reactor_.after(interval_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    schedule();
    rearm();
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
