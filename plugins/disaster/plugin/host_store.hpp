// The disaster core's durable parts on the host's store (onshi.host.store/1):
//   "declaration"    key "current": the declaration state, so it survives a restart
//   "audit"          key NULL (host order): one onshi.disaster.audit-record/1 each, kept
//   "local-history"  the clinic's earlier retrievals, kept with consent until keep_until
// The core stays testable without the host: it only sees AuditSink and LocalHistoryStore.
#pragma once

#include <onshi/plugin.hpp>
#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/declaration.hpp>
#include <onshi/disaster/local_history.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::disaster::plugin {

inline constexpr const char* kCollectionDeclaration = "declaration";
inline constexpr const char* kCollectionAudit = "audit";
inline constexpr const char* kCollectionLocalHistory = "local-history";

// A service the host does not offer (the store, the exchange): "absent".
inline constexpr onshi_status kUnavailable = ONSHI_E_NOT_SUPPORTED;

using StoredRecord = onshi::plugin::Host::Record;

// The host's store for one collection at a time; a host without the service
// is an error that says what disaster mode needs it for.
class HostStore {
 public:
  explicit HostStore(onshi::plugin::Host host) : host_(host) {}
  bool available() const { return host_.has_store(); }
  Result<void> require() const;

  // key empty: the host assigns the next key in order.
  Result<void> put(const char* collection, const std::string& key, const StoredRecord& record) const;
  Result<std::vector<StoredRecord>> query(const char* collection, const std::string& key, const std::string& tag,
                                          bool newest_first = false, uint32_t limit = 0) const;

 private:
  onshi::plugin::Host host_;
};

class StoreAuditSink final : public AuditSink {
 public:
  explicit StoreAuditSink(const HostStore& store) : store_(store) {}
  Result<void> write(const AuditRecord& record) override;

 private:
  const HostStore& store_;
};

class StoreLocalHistory final : public LocalHistoryStore {
 public:
  explicit StoreLocalHistory(const HostStore& store) : store_(store) {}
  Result<void> keep(const RetainedRetrieval& retrieval) override;
  Result<std::vector<RetainedRetrieval>> born_on(Date birthdate) override;

 private:
  const HostStore& store_;
};

struct DeclarationState {
  std::optional<Declaration> declaration;
  std::optional<TimePoint> ended_at;
  std::string end_reason;
};

Result<void> save_declaration(const HostStore& store, const DeclarationState& state, TimePoint now);
Result<DeclarationState> load_declaration(const HostStore& store);

int64_t unix_ms(TimePoint t);

}  // namespace onshi::disaster::plugin
