#include <onshi/support/files.hpp>

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace onshi::support {

namespace fs = std::filesystem;

Error io_error(const fs::path& path, std::string what, const std::error_code& ec, std::string hint) {
  if (hint.empty()) hint = "check that the folder exists, is mounted and is writable for this program";
  Error e = make_error(ONSHI_E_IO, "file", what + " " + path.string() + ": " + ec.message(), std::move(hint),
                       ec.value());
  return e;
}

namespace {

Error errno_error(const fs::path& path, const std::string& what, int err) {
  // The two a clinic meets (docs/reliability.md), in words that say what to do.
  const std::string hint = err == ENOSPC || err == EDQUOT ? "the disk is full: free space there, then try again"
                           : err == EROFS ? "the folder is on a read-only file system: mount it read-write, or "
                                            "choose another folder"
                                          : "";
  return io_error(path, what, std::error_code(err, std::generic_category()), hint);
}

Error refused(const fs::path& path, const std::string& why) {
  return make_error(ONSHI_E_REFUSED, "file", path.string() + " " + why,
                    "this is not a file this program reads; remove it, or check who put it there");
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// `path` + "." + 8 random characters + suffix, created O_EXCL: no other writer, no link followed.
Result<std::pair<fs::path, int>> create_temp_beside(const fs::path& path, const std::string& suffix) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const fs::path temp = path.parent_path() / ("." + path.filename().string() + "." + random_name_part(8) + suffix);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) return std::pair{temp, fd};
    if (errno != EEXIST) return errno_error(temp, "cannot create", errno);
  }
  return errno_error(path, "cannot find a free temporary name beside", EEXIST);
}

// Writes bytes to a fresh temporary sibling of `path`, flushed to disk; returns its name.
Result<fs::path> write_temp_beside(const fs::path& path, std::string_view bytes, const std::string& suffix) {
  auto temp = create_temp_beside(path, suffix);
  if (!temp) return std::move(temp).error();
  Fd fd{temp->second};
  if (!write_all(fd.fd, bytes) || ::fsync(fd.fd) != 0) {
    const int err = errno;
    ::unlink(temp->first.c_str());
    return errno_error(temp->first, "cannot write", err);
  }
  return temp->first;
}

}  // namespace

std::string random_name_part(std::size_t length) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";  // one case: Windows shares fold it
  std::string out(length, '0');
  std::vector<unsigned char> raw(length);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    std::random_device rd;  // OpenSSL's generator failed: the kernel's is as good for names
    for (auto& b : raw) b = static_cast<unsigned char>(rd());
  }
  for (std::size_t i = 0; i < length; ++i) out[i] = kAlphabet[raw[i] % 36];
  return out;
}

Result<int> next_in_daily_sequence(const fs::path& path, const std::string& day) {
  Fd fd{::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (fd.fd < 0) return errno_error(path, "cannot open", errno);
  if (::flock(fd.fd, LOCK_EX) != 0) return errno_error(path, "cannot lock", errno);  // released by close
  char buf[64] = {};
  const ssize_t n = ::pread(fd.fd, buf, sizeof buf - 1, 0);
  int last = 0;
  char stored_day[16] = {};
  if (n > 0 && std::sscanf(buf, "%15s %d", stored_day, &last) == 2 && day == stored_day && last >= 0) {
  } else {
    last = 0;  // another day, or a torn write: names already in use are skipped anyway
  }
  const std::string line = day + " " + std::to_string(last + 1) + "\n";
  if (::ftruncate(fd.fd, 0) != 0 || ::pwrite(fd.fd, line.data(), line.size(), 0) != ssize_t(line.size()) ||
      ::fsync(fd.fd) != 0)
    return errno_error(path, "cannot write", errno);
  return last + 1;
}

Result<std::optional<std::string>> read_file(const fs::path& path, std::size_t max_bytes) {
  // One open, then questions about what was opened: a name swapped for a link, a FIFO or a
  // device between a check and the open cannot make us block or read without bound.
  Fd fd{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (fd.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};  // absent (or vanished)
    if (errno == ELOOP) return refused(path, "is a symbolic link, which is never followed");
    return errno_error(path, "cannot open", errno);
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return errno_error(path, "cannot inspect", errno);
  if (!S_ISREG(st.st_mode)) return refused(path, "is not a regular file");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes)
    return refused(path, "is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(max_bytes));
  std::string bytes(size + 1, '\0');  // one byte more shows a file that grew meanwhile
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(path, "cannot read", errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > size && got > max_bytes) return refused(path, "grew over the limit of " + std::to_string(max_bytes));
  bytes.resize(got);
  return std::optional<std::string>(std::move(bytes));
}

Result<void> write_file_atomically(const fs::path& path, std::string_view bytes) {
  auto temp = write_temp_beside(path, bytes, ".tmp");
  if (!temp) return std::move(temp).error();
  if (::rename(temp->c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp->c_str());
    return errno_error(path, "cannot replace", err);
  }
  return {};
}

Result<bool> create_file_exclusively(const fs::path& path, std::string_view bytes) {
  auto temp = write_temp_beside(path, bytes, ".part");
  if (!temp) return std::move(temp).error();
  auto drop_temp = [&] { ::unlink(temp->c_str()); };
  if (::renameat2(AT_FDCWD, temp->c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return drop_temp(), false;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    const int err = errno;
    drop_temp();
    return errno_error(path, "cannot place", err);
  }
  // The file system has no RENAME_NOREPLACE: a hard link also refuses to replace.
  const int linked = ::link(temp->c_str(), path.c_str());
  const int err = errno;
  drop_temp();
  if (linked == 0) return true;
  if (err == EEXIST) return false;
  return errno_error(path, "cannot place (neither an exclusive rename nor a link is possible here)", err);
}

Result<void> check_owner_only(const fs::path& path, std::string_view domain, std::string_view setting) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !(st.st_mode & 077)) return {};
  return make_error(ONSHI_E_REFUSED, std::string(domain),
                    std::string(setting) + " " + path.string() + " is readable by other users",
                    "make it readable by its owner only: chmod 600 " + path.string());
}

Result<void> make_private_dirs(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return {};
  if (dir.has_parent_path() && dir.parent_path() != dir)
    if (auto parent = make_private_dirs(dir.parent_path()); !parent) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error(dir, "cannot create", errno);
  return {};
}

Result<void> append_line(const fs::path& path, std::string_view line) {
  Fd fd{::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (fd.fd < 0) return errno_error(path, "cannot open", errno);
  const std::string text = std::string(line) + "\n";
  if (!write_all(fd.fd, text)) return errno_error(path, "cannot write", errno);
  return {};
}

}  // namespace onshi::support
