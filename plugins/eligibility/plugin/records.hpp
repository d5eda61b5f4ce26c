// onshi.eligibility-records/1 (onshi_ext_eligibility_records.h): 一括照会 jobs that survive kill -9,
// 照会番号 registration, and the verification history, all in the host's durable store.
//
// The C layer only: it reads the request documents, adapts the host (store, exchange, strand) to
// the core's BulkJobs (core bulk_job.hpp, where the jobs' state machine and its crash-safety rules
// live) and turns its progress and completions into the caller's listener and completion.
// Decisions (crash safety above all): docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <map>
#include <mutex>
#include <onshi/eligibility/bulk_job.hpp>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/reactor.hpp>
#include <onshi/plugin.hpp>
#include <string>

#include "history.hpp"
#include "host_adapters.hpp"

namespace onshi::eligibility::plugin {

// The simulator's clinic (samples/sim/personas.json): the demo works without configuration.
inline constexpr const char* kDemoInstitutionCode = "1311111111";

class Records;

// The plugin instance that answers onshi.eligibility-records/1 derives from this.
class RecordsInstance : public onshi::plugin::Instance {
 public:
  virtual Records& records() = 0;
};

class Records {
 public:
  // `reactor` is the plugin's strand; destroy this after it was shut down: open operations then
  // complete with ONSHI_E_CANCELLED.
  Records(onshi::plugin::Host host, Reactor& reactor);

  static const onshi_eligibility_records_v1* table();
  static const onshi_documents_v1* documents();  // onshi.documents/1 over the functions above

  // [any-thread] How operation `op` of onshi.eligibility/1 verifies: "insured", "card", "visual".
  void expect(uint64_t op, const char* how);
  // [strand] A finished verification of onshi.eligibility/1 (op) or a face push (op 0): keeps it in
  // the history and returns its outcome document, matched to a registered 照会番号 (R-SHOUKAI).
  nlohmann::json on_outcome(uint64_t op, const Outcome& outcome);

 private:
  friend struct Api;
  // R-M9: the link is back (a verification reached the system): run the queued deferred checks.
  void run_deferred_when_back(const Outcome& outcome);

  onshi::plugin::Host host_;
  HostStore store_;
  HostTerminal terminal_;
  History history_;
  std::mutex expected_mutex_;
  std::map<uint64_t, std::string> expected_;  // op → how
  BulkJobs jobs_;  // last: destroyed first, while what it uses is still there
};

}  // namespace onshi::eligibility::plugin
