// What the service says about itself: one JSON object per line on stderr (journald keeps it), and
// the audit trail of every request in the durable store. Neither ever holds a PIN, an individual
// number, a token or a request body: a request is its desk, method, route, status and duration.
#pragma once

#include <onshi/plugin.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace onshi::service {

struct RequestRecord {
  std::string desk;    // "" when none was recognised
  std::string method;
  std::string route;   // the path without its query (a token may ride in the query)
  unsigned status = 0;
  int64_t ms = 0;
  std::string remote;  // the client's address
};

class Journal {
 public:
  explicit Journal(bool verbose) : verbose_(verbose) {}
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // From now on requests are also audited in the store (after the SDK is open), each kept `keep`.
  void attach_store(onshi::plugin::Host app, std::chrono::hours keep);
  // {"ts", "level", "event", ...fields} on stderr; "debug" lines only when verbose.
  void line(const char* level, const char* event, nlohmann::json fields = nlohmann::json::object());
  // The SDK's and plugins' own log lines.
  void sdk_line(int32_t level, std::string_view plugin, std::string_view message);
  // A log line and an audit record (written to the store in batches, within ~200 ms).
  void request(const RequestRecord& r);
  // Writes what is pending (at shutdown).
  void flush();

 private:
  void write_loop();
  bool verbose_;
  std::mutex out_mutex_;  // one line at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<onshi::plugin::Host> app_;
  std::chrono::hours keep_{0};
  std::vector<onshi::plugin::Host::Record> pending_;
  bool stopping_ = false;
  std::thread writer_;
};

// Now in UTC as "2026-11-21T09:30:00.123Z".
std::string utc_now_text();
int64_t real_now_ms();

}  // namespace onshi::service
