// The verification history and the registered 照会番号, kept in the host's durable store
// (onshi.host.store/1): collection "history" (one entry per verification, R-RETAIN) and
// "references" (R-SHOUKAI). What an entry holds: core history.hpp; decisions:
// docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/eligibility/history.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/plugin.hpp>
#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility::plugin {

inline constexpr const char* kHistoryCollection = "history";
inline constexpr const char* kReferenceCollection = "references";
inline constexpr std::string_view kHistorySchema = "onshi.eligibility.history/1";
inline constexpr std::string_view kHistoryQuerySchema = "onshi.eligibility.history-query/1";

// A registered 照会番号 and what it was registered for.
struct Reference {
  std::string reference_number, patient_id;
  std::string insurer_number, symbol, number, branch, birth_date;
};

class History {
 public:
  explicit History(onshi::plugin::Host host) : host_(host) {}

  int64_t now_unix_ms() const;

  // The store record of one verification (nullopt: nothing to keep, e.g. 処理中). For a bulk
  // batch, the caller puts these together with the batch's other records.
  std::optional<onshi::plugin::Host::Record> entry_record(const Outcome& outcome, const HistoryContext& context) const;
  // Keeps one verification; a store failure is logged, never fails the answer itself.
  void record(const Outcome& outcome, const HistoryContext& context) const;

  // onshi.eligibility.history-query/1 → onshi.eligibility.history/1
  Result<std::string> find(std::string_view query_json) const;

  // R-SHOUKAI
  Result<void> save_references(const std::vector<Reference>& registered) const;
  std::optional<Reference> reference(const std::string& reference_number) const;
  // The outcome document with "patient": {"reference_number", "patient_id"?} when an answer
  // carries a 照会番号 (the first one found); `context` gets them too, for the history entry.
  nlohmann::json matched_document(const Outcome& outcome, HistoryContext& context) const;
  // Just that "patient" object (null when the answer carries no 照会番号), `context` filled the same way.
  nlohmann::json patient_of(const Outcome& outcome, HistoryContext& context) const;

 private:
  onshi::plugin::Host host_;
};

// The string at `key` of a request document; "" when absent or not a string.
std::string string_at(const nlohmann::json& doc, const char* key);

}  // namespace onshi::eligibility::plugin
