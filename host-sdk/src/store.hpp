// The one durable store (onshi.host.store/1): a SQLite file the host owns. Each
// plugin sees only its own records (the owner column is the calling plugin's
// id). Commits are synchronous (WAL + synchronous=FULL), so a put that returned
// survives kill -9 and power loss. Expired records are filtered out of every
// query and purged by the clock the plugins see.
#pragma once

#include <onshi/abi/onshi_services.h>
#include <onshi/result.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;

namespace onshi::host {

struct StoredRecord {
  std::string collection, key;
  int64_t at_unix_ms = 0, expires_unix_ms = 0;
  std::vector<std::string> tags;
  std::string doc;
};

class Store {
 public:
  // Opens (creating) the file; an error names it and says what to do.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file);
  ~Store();

  // Expired records are deleted first, by the real time (`real_now_ms`): a clock pinned in the
  // future by a test or a typo hides records from queries but never erases them.
  Result<void> put(const std::string& owner, const onshi_store_record* records, uint32_t count, int64_t real_now_ms);
  Result<std::vector<StoredRecord>> query(const std::string& owner, const onshi_store_query& q, int64_t now_ms);
  Result<uint32_t> erase(const std::string& owner, const onshi_store_query& q, int64_t now_ms);
  const std::filesystem::path& file() const { return file_; }

 private:
  Store(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  Result<void> purge_expired(int64_t now_ms);  // with mutex_ held
  void forget_old_pages();                     // with mutex_ held, after rows were erased
  Error sqlite_error(const std::string& doing) const;

  sqlite3* db_;
  std::filesystem::path file_;
  std::mutex mutex_;  // one connection, one writer at a time
  int64_t last_purge_ms_ = 0;
};

}  // namespace onshi::host
