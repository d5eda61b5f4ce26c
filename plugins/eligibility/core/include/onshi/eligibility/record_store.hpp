// Where the eligibility records live: the 一括照会 jobs and their results, the verification history
// and the registered 照会番号. The plugin puts them in the host's durable store (onshi.host.store/1);
// tests keep them in a map. A record and a query are the host store's own (onshi/plugin.hpp), so
// the plugin's adapter only forwards; nothing here calls the host.
#pragma once

#include <onshi/plugin.hpp>
#include <onshi/result.hpp>

#include <vector>

namespace onshi::eligibility {

using StoreRecord = onshi::plugin::Host::Record;  // key empty on put: the store numbers it; expires 0: kept
using StoreQuery = onshi::plugin::Host::Query;    // by collection, key, tag, [since, until), newest first

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // All records or none, durable when it returns: the crash-safety of the jobs rests on this.
  virtual Result<void> put(const std::vector<StoreRecord>& records) = 0;
  virtual Result<std::vector<StoreRecord>> query(const StoreQuery& query) const = 0;
};

}  // namespace onshi::eligibility
