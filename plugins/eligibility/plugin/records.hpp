// onshi.eligibility-records/1 (onshi_ext_eligibility_records.h): 一括照会 jobs that survive kill -9,
// 照会番号 registration, and the verification history, all in the host's durable store.
//
// Requests go out through the host's exchange service (onshi.host.exchange/1), i.e. through this
// plugin's own exchange_async and whichever transport it is configured for, so the jobs need
// nothing of the transports' insides. Everything here runs on the plugin's strand (the Reactor the
// plugin gives), like the core: no locks among the callbacks.
// Decisions (crash safety above all): docs/decisions/eligibility-bulk.md.
#pragma once

#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <map>
#include <memory>
#include <mutex>
#include <onshi/eligibility/outcome.hpp>
#include <onshi/eligibility/reactor.hpp>
#include <onshi/plugin.hpp>
#include <string>

#include "history.hpp"

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
  Records(onshi::plugin::Host host, Reactor& reactor);
  // After the plugin's reactor was shut down: open operations complete with ONSHI_E_CANCELLED.
  ~Records();

  static const onshi_eligibility_records_v1* table();

  // [any-thread] How operation `op` of onshi.eligibility/1 verifies: "insured", "card", "visual".
  void expect(uint64_t op, const char* how);
  // [strand] A finished verification of onshi.eligibility/1 (op) or a face push (op 0): keeps it in
  // the history and returns its outcome document, matched to a registered 照会番号 (R-SHOUKAI).
  nlohmann::json on_outcome(uint64_t op, const Outcome& outcome);

  struct Job;
  struct Op;

 private:
  friend struct Api;
  onshi::plugin::Host host_;
  Reactor& reactor_;
  History history_;
  std::mutex expected_mutex_;
  std::map<uint64_t, std::string> expected_;  // op → how
  std::map<uint64_t, std::shared_ptr<Op>> ops_;  // [strand] open operations of this extension
  uint64_t next_op_ = 1;                         // [strand]
  std::mutex op_ids_mutex_;
  uint64_t next_id_ = 1;
};

}  // namespace onshi::eligibility::plugin
