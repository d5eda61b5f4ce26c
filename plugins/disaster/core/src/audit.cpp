#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace onshi::disaster {

Result<void> JsonLinesAuditSink::write(const AuditRecord& record) {
  auto io_error = [this](const char* what) {
    int err = errno;
    return make_error(ONSHI_E_IO, "disaster", std::string("audit log ") + path_ + ": " + what + ": " + std::strerror(err),
                      "check that the audit folder exists, is writable and the disk is not full", err);
  };
  std::string line = nlohmann::json(record).dump() + "\n";
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open");
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto e = io_error("cannot write");
      ::close(fd);
      return e;
    }
    done += static_cast<size_t>(n);
  }
  // The record must survive a crash before the look-up it records goes on.
  if (::fsync(fd) != 0) {
    auto e = io_error("cannot fsync");
    ::close(fd);
    return e;
  }
  ::close(fd);
  return {};
}

}  // namespace onshi::disaster
