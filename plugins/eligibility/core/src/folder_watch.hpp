// Internal: "something may have changed in this directory" from inotify plus a periodic
// rescan, and small file helpers shared by the req/res transport and the face folder.
#pragma once

#include <onshi/eligibility/reactor.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

// The whole file, or nothing when it is absent; an error when it is larger than max_bytes, a
// symbolic link, a FIFO or anything else than a regular file (opened once, never followed).
Result<std::optional<std::string>> read_file(const std::filesystem::path& path, std::size_t max_bytes);
// Write to `path` through a fresh temporary sibling (random name, O_EXCL, mode 0600, fsync) and
// a rename, so readers never see half of it and two writers never share a temporary file.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);
// Like write_file_atomically, but never replaces: false (and nothing written) when `path` exists.
Result<bool> create_file_exclusively(const std::filesystem::path& path, std::string_view bytes);
// The next number of `day` in a daily counter kept in `path` (from 1; a new day starts again),
// under an exclusive lock, so two processes sharing the file never get the same number.
Result<int> next_in_daily_sequence(const std::filesystem::path& path, const std::string& day);
// `length` random characters of [0-9a-z] (case-insensitive file systems see them as distinct).
std::string random_name_part(std::size_t length);
Error io_error(const std::filesystem::path& path, std::string what, const std::error_code& ec, std::string hint = {});

}  // namespace onshi::eligibility::detail
