#include "files.hpp"

#include "manifest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace onshi::host {

namespace fs = std::filesystem;

bool make_private_dirs(const fs::path& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return true;
  if (!dir.has_parent_path() || dir.parent_path() == dir || !make_private_dirs(dir.parent_path())) return false;
  return ::mkdir(dir.c_str(), 0700) == 0 || fs::is_directory(dir, ec);
}

bool write_private_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size());
  ::close(fd);
  return ok;
}

namespace {

// Why `path` could be changed by someone else, or "" when it cannot.
std::string untrusted(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};  // a missing file fails later, with its own message
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return path.string() + " belongs to another user (uid " + std::to_string(st.st_uid) + ")";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return path.string() + " is writable by other users";
  return {};
}

}  // namespace

Result<void> check_trusted(const Manifest& m) {
  for (const fs::path& p : {m.path.parent_path(), m.path, m.library.parent_path(), m.library})
    if (const std::string why = untrusted(p); !why.empty())
      return make_error(ONSHI_E_REFUSED, "loader",
                        "not loaded: " + why + ", so anyone could replace this plugin's code",
                        "install plugins where only their owner can write (chmod go-w on the folder and files), "
                        "owned by root or the EMR's own user");
  return {};
}

fs::path marker_dir(const fs::path& state_dir) {
  if (!state_dir.empty()) return state_dir / "starting";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "onshi" / "starting";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "state" / "onshi" / "starting";
  return {};
}

}  // namespace onshi::host
