// The disaster core's durable parts on the host's store (onshi.host.store/1, through
// onshi::plugin::Host):
//   "declaration"    key "current": the declaration state, so it survives a restart
//   "audit"          key NULL (host order): one onshi.disaster.audit-record/1 each, kept forever,
//                    sealed into a chain (audit_chain.hpp) under the key in <state_dir>/audit.key
//   "local-history"  the clinic's earlier retrievals, kept with consent until keep_until
// The core stays testable without the host: it only sees AuditSink and LocalHistoryStore.
#pragma once

#include <onshi/plugin.hpp>
#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/audit_chain.hpp>
#include <onshi/disaster/declaration.hpp>
#include <onshi/disaster/local_history.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace onshi::disaster::plugin {

inline constexpr const char* kCollectionDeclaration = "declaration";
inline constexpr const char* kCollectionAudit = "audit";
inline constexpr const char* kCollectionLocalHistory = "local-history";

// A service the host does not offer (the store, the exchange): "absent".
inline constexpr onshi_status kUnavailable = ONSHI_E_NOT_SUPPORTED;

using Host = onshi::plugin::Host;

// Disaster mode cannot run without the host's store; the error says what it keeps there.
Result<void> require_store(const Host& host);

// Each record is stamped with the real time and how the clock stood (real, pinned, rehearsal) beside
// its own time, and sealed after the last one. The caller serialises writes (one desk, one mutex).
class StoreAuditSink final : public AuditSink {
 public:
  explicit StoreAuditSink(Host host) : host_(host) {}
  Result<void> write(const AuditRecord& record) override;
  // Every stored record, oldest first, and whether their chain holds.
  struct Log {
    std::vector<nlohmann::json> records;
    ChainCheck chain;
  };
  Result<Log> read_all() const;

 private:
  Result<std::string> key(bool create) const;  // <state_dir>/audit.key, made (0600) on the first write
  Host host_;
};

class StoreLocalHistory final : public LocalHistoryStore {
 public:
  explicit StoreLocalHistory(Host host) : host_(host) {}
  Result<void> keep(const RetainedRetrieval& retrieval) override;
  Result<std::vector<RetainedRetrieval>> born_on(Date birthdate) override;

 private:
  Host host_;
};

struct DeclarationState {
  std::optional<Declaration> declaration;
  std::optional<TimePoint> ended_at;
  std::string end_reason;
};

Result<void> save_declaration(const Host& host, const DeclarationState& state, TimePoint now);
Result<DeclarationState> load_declaration(const Host& host);

int64_t unix_ms(TimePoint t);

}  // namespace onshi::disaster::plugin
