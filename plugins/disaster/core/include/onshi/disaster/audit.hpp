// The audit trail: every switch and every look-up step leaves a record (who, role,
// when, which declaration, consent or the exception used). No personal number
// (マイナンバー) is ever part of a record.
#pragma once

#include <onshi/disaster/declaration.hpp>

#include <string>

namespace onshi::disaster {

enum class AuditEvent {
  declaration_on,
  declaration_extended,
  declaration_off,
  refused,
  search_sent,
  candidates_narrowed,
  consent_recorded,
  drug_history_requested,
  drug_history_viewed,
  local_history_kept,
  local_history_searched,
  audit_read,  // someone read this log
};

enum class ConsentKind { none, verbal, life_protection_exception };

struct AuditRecord {
  TimePoint at{};
  AuditEvent event{};
  std::string operator_id;
  Role role = Role::clerk;
  std::string declaration;  // its reference; empty when none
  ConsentKind consent = ConsentKind::none;
  std::string subject;      // the confirmed person's insurer numbers, when there is one
  int candidate_count = -1; // -1 = not applicable
  std::string outcome;      // "ok", or why it was refused
  std::string authorised_by;  // for authorised staff: who (the head of the facility) authorised them
};

// The host backs this with its durable store. A failed write refuses the step
// it records: nothing is shown that is not audited.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Result<void> write(const AuditRecord& record) = 0;
};

// JSON lines appended to one file, each fsync'ed before write() returns
// (tests, and clinics working offline).
class JsonLinesAuditSink final : public AuditSink {
 public:
  explicit JsonLinesAuditSink(std::string path) : path_(std::move(path)) {}
  Result<void> write(const AuditRecord& record) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The names documents, audit tags and messages use (one table each, in json.cpp).
const char* event_name(AuditEvent e);
const char* consent_name(ConsentKind c);

}  // namespace onshi::disaster
