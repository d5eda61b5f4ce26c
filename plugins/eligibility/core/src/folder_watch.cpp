#include "folder_watch.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace onshi::eligibility::detail {

namespace fs = std::filesystem;

Error io_error(const fs::path& path, std::string what, const std::error_code& ec, std::string hint) {
  if (hint.empty()) hint = "check that the folder exists, is mounted and is writable for this program";
  Error e = make_error(ONSHI_E_IO, "folder", what + " " + path.string() + ": " + ec.message(), std::move(hint),
                       ec.value());
  return e;
}

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

Result<std::optional<std::string>> read_file(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return std::optional<std::string>{};  // absent (or vanished meanwhile)
  if (size > max_bytes)
    return make_error(ONSHI_E_REFUSED, "folder",
                      path.string() + " is " + std::to_string(size) + " bytes, over the limit of " +
                          std::to_string(max_bytes),
                      "this is not a terminal message; remove it or raise ReadLimits::max_bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<std::string>{};
  std::string bytes;
  bytes.resize(max_bytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > max_bytes)
    return make_error(ONSHI_E_REFUSED, "folder", path.string() + " grew over the limit of " + std::to_string(max_bytes),
                      "this is not a terminal message; remove it or raise ReadLimits::max_bytes");
  return std::optional<std::string>(std::move(bytes));
}

Result<void> write_file_atomically(const fs::path& path, std::string_view bytes) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return io_error(temp, "cannot write", std::error_code(errno, std::generic_category()));
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return io_error(path, "cannot replace", ec);
  return {};
}

}  // namespace onshi::eligibility::detail
