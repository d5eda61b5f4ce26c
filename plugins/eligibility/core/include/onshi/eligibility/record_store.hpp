// Where the eligibility records live: the 一括照会 jobs and their results, the verification history
// and the registered 照会番号. The plugin adapts the host's durable store (onshi.host.store/1) to
// it; tests use a map. The record is the host store's record, field for field.
#pragma once

#include <onshi/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onshi::eligibility {

struct StoreRecord {
  std::string collection;
  std::string key;  // empty on put: the store numbers it in order of writing
  int64_t at_unix_ms = 0, expires_unix_ms = 0;  // expires 0: kept
  std::vector<std::string> tags;
  std::string doc;
};

struct StoreQuery {
  std::string collection;
  std::optional<std::string> key, tag;
  int64_t since_unix_ms = 0, until_unix_ms = 0;  // [since, until); 0: no bound
  uint32_t limit = 0;
  bool newest_first = false;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // All records or none, durable when it returns: the crash-safety of the jobs rests on this.
  virtual Result<void> put(const std::vector<StoreRecord>& records) = 0;
  virtual Result<std::vector<StoreRecord>> query(const StoreQuery& query) const = 0;
};

}  // namespace onshi::eligibility
