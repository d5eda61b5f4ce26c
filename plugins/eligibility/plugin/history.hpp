// The verification history as the plugin keeps it: one entry per verification it completes
// (R-RETAIN), matched to a registered 照会番号 (R-SHOUKAI), in the host's durable store. What an
// entry holds, the references and the bulk batches' entries: core history.hpp and bulk_job.hpp;
// decisions: docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/eligibility/history.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/record_store.hpp>
#include <onshi/plugin.hpp>
#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace onshi::eligibility::plugin {

class History {
 public:
  History(onshi::plugin::Host host, RecordStore& store) : host_(host), store_(store) {}

  int64_t now_unix_ms() const;

  // Keeps one verification; a store failure is logged, never fails the answer itself.
  void record(const Outcome& outcome, const HistoryContext& context);

  // onshi.eligibility.history-query/1 → onshi.eligibility.history/1
  Result<std::string> find(std::string_view query_json) const;

  // The outcome document with "patient": {"reference_number", "patient_id"?} when an answer
  // carries a 照会番号 (the first one found); `context` gets them too, for the history entry.
  nlohmann::json matched_document(const Outcome& outcome, HistoryContext& context) const;

 private:
  onshi::plugin::Host host_;
  RecordStore& store_;
};

}  // namespace onshi::eligibility::plugin
