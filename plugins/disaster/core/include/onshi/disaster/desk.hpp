// The disaster desk: the one state object of the disaster core. It holds the
// declaration, and walks every look-up through the same gate:
//   open_lookup (declaration active here, role allowed)
//   → search_request / read_search_response (4 items, narrowed to one person)
//   → drug_request / view_drug_history (only with a Consent)
// Each step re-checks the declaration at the given time and is audited; a step
// whose audit record cannot be written is refused. Not thread-safe: the host
// serialises calls on one desk.
#pragma once

#include <onshi/disaster/audit.hpp>
#include <onshi/disaster/consent.hpp>
#include <onshi/disaster/declaration.hpp>
#include <onshi/disaster/drug_history.hpp>
#include <onshi/disaster/local_history.hpp>
#include <onshi/disaster/name_match.hpp>
#include <onshi/disaster/narrowing.hpp>
#include <onshi/disaster/search_message.hpp>

namespace onshi::disaster {

struct DeskConfig {
  std::string medical_institution_code;  // 10 digits, for the message header
  FacilityLocation location;             // where the facility is: the declaration must cover it
};

// Proof that a look-up was allowed: made only by DisasterDesk::open_lookup.
class LookupPermit {
 public:
  const Operator& viewer() const { return viewer_; }
  const std::string& declaration() const { return declaration_; }

 private:
  LookupPermit(Operator viewer, std::string declaration) : viewer_(std::move(viewer)), declaration_(std::move(declaration)) {}
  Operator viewer_;
  std::string declaration_;
  friend class DisasterDesk;
};

struct LocalFinding {
  NarrowingOutcome outcome;
  std::vector<DrugRecord> drugs;  // only when outcome.kind == confirmed
};

class DisasterDesk {
 public:
  static Result<DisasterDesk> create(DeskConfig config, AuditSink& audit);

  // Switching. Only a doctor, dentist, pharmacist or authorised staff may switch.
  Result<void> declare(Declaration declaration, const Operator& by, TimePoint now);
  Result<void> extend(TimePoint new_closes_at, std::string notice, const Operator& by, TimePoint now);
  Result<void> end(std::string reason, const Operator& by, TimePoint now);
  DeclarationStatus status(TimePoint now) const;
  // Puts back the state a host kept durably (after a restart). Not audited: the
  // switch that made it was.
  void restore(std::optional<Declaration> declaration, std::optional<TimePoint> ended_at, std::string end_reason);

  Result<LookupPermit> open_lookup(const Operator& viewer, TimePoint now);

  Result<std::string> search_request(const LookupPermit& permit, const PersonQuery& query, std::string file_id,
                                     TimePoint now);
  Result<NarrowingOutcome> read_search_response(const LookupPermit& permit, const PersonQuery& query,
                                                std::string_view response_xml, TimePoint now);

  Result<std::string> drug_request(const LookupPermit& permit, const ConfirmedPerson& person, const Consent& consent,
                                   DrugPeriod period, std::string file_id, TimePoint now);
  // Merges every source (national document, お薬手帳, local history) for display.
  Result<DrugHistoryView> view_drug_history(const LookupPermit& permit, const ConfirmedPerson& person,
                                            const Consent& consent, const std::vector<DrugRecord>& records,
                                            TimePoint now);

  // Keeps the national retrieval for later visits; verbal consent only.
  Result<void> keep_for_later(const LookupPermit& permit, const ConfirmedPerson& person, const Consent& consent,
                              const std::vector<DrugRecord>& national_records, LocalHistoryStore& store, TimePoint now);
  Result<LocalFinding> search_local_history(const LookupPermit& permit, const PersonQuery& query,
                                            const Consent& consent, LocalHistoryStore& store, TimePoint now);

  // The name matcher, built on first use: its ICU transliterators cost ~8 ms of CPU (ICU's
  // transliterator registry), which every process opening the SDK paid at start-up before.
  Result<const NameMatcher*> matcher();

  // An audited refusal of a step the host's own rules forbid (e.g. no consent
  // given): ONSHI_E_REFUSED with `why` and `hint`.
  Error refuse(const Operator& who, TimePoint now, std::string why, std::string hint);
  // Reading the audit log: only the roles that may look up (else an audited refusal), and the read
  // itself is audited (`what`: which records were read).
  Result<void> audit_read(const Operator& reader, TimePoint now, std::string what);

 private:
  DisasterDesk(DeskConfig config, AuditSink& audit) : config_(std::move(config)), audit_(&audit) {}

  Result<void> check_active(const Operator& viewer, const std::string& declaration, TimePoint now);
  Result<void> record(AuditRecord r, const Operator& who);  // who: operator, role, authorised_by
  Result<void> record_step(const LookupPermit& permit, AuditEvent event, TimePoint now, ConsentKind consent,
                           const PersonRecord* subject, int candidate_count = -1);
  MessageContext context(const LookupPermit& permit, std::string file_id, TimePoint now) const;

  DeskConfig config_;
  AuditSink* audit_;
  std::optional<NameMatcher> matcher_;
  std::optional<Declaration> declaration_;
  std::optional<TimePoint> ended_at_;
  std::string end_reason_;
};

}  // namespace onshi::disaster
