// A share that sends no inotify events: CIFS and NFS report no change made from the other side,
// which is how the 資格確認端末's folder is usually mounted. Include this header in ONE source file
// of a test or bench program: it replaces inotify_add_watch for the code linked into that program
// (the eligibility core is a static library), and while `quiet_share` is set, every new watch is
// put on an empty folder of its own that never changes, so only the transport's rescan can find
// an answer. Unset, the kernel's call is made as it is.
#pragma once

#include "files.hpp"

#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace onshi::test {
inline std::atomic<bool> quiet_share{false};
}  // namespace onshi::test

extern "C" int inotify_add_watch(int fd, const char* path, uint32_t mask) noexcept {
  static const onshi::test::TempDir never_changes;
  const char* watched = onshi::test::quiet_share ? never_changes.path.c_str() : path;
  return static_cast<int>(::syscall(SYS_inotify_add_watch, fd, watched, mask));
}
