// The clinic's own earlier disaster retrievals: kept only with the patient's
// verbal consent, and only for kRetention (docs/decisions/disaster.md).
// The host backs LocalHistoryStore with its durable store.
#pragma once

#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/person.hpp>

#include <vector>

namespace onshi::disaster {

inline constexpr std::chrono::days kRetention{90};

struct RetainedRetrieval {
  PersonRecord person;
  std::vector<DrugRecord> drugs;
  TimePoint retrieved_at{};
  TimePoint keep_until{};
  std::string declaration;
  std::string kept_by;
};

class LocalHistoryStore {
 public:
  virtual ~LocalHistoryStore() = default;
  virtual Result<void> keep(const RetainedRetrieval& retrieval) = 0;
  // Every retrieval kept for people born on that date (expired ones may be
  // returned; they are dropped by the caller and should be purged by the host).
  virtual Result<std::vector<RetainedRetrieval>> born_on(Date birthdate) = 0;
};

// Not expired at `now`.
bool retained_at(const RetainedRetrieval& r, TimePoint now);

}  // namespace onshi::disaster
