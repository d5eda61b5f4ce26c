// Consent first (R-DISASTER): drug information is fetched or shown only with a
// Consent, and a Consent exists only as a recorded verbal consent or as the one
// explicit exception (the patient cannot express intent and viewing is needed
// to protect life or body). There is no default-constructed Consent.
#pragma once

#include <onshi/disaster/audit.hpp>

#include <string>

namespace onshi::disaster {

class Consent {
 public:
  // 口頭同意: the patient agreed; `recorded_by` is the staff id who asked and wrote it down.
  static Result<Consent> verbal(std::string recorded_by, TimePoint recorded_at);
  // 同意なし: only when intent cannot be confirmed and viewing protects life or body.
  // `circumstances` says why (e.g. "意識障害、搬送時"); it is required and audited.
  static Result<Consent> life_protection_exception(std::string decided_by, TimePoint decided_at,
                                                   std::string circumstances);

  ConsentKind kind() const { return kind_; }
  const std::string& by() const { return by_; }
  TimePoint at() const { return at_; }
  const std::string& circumstances() const { return circumstances_; }

 private:
  Consent(ConsentKind kind, std::string by, TimePoint at, std::string circumstances)
      : kind_(kind), by_(std::move(by)), at_(at), circumstances_(std::move(circumstances)) {}
  ConsentKind kind_;
  std::string by_;
  TimePoint at_;
  std::string circumstances_;
};

}  // namespace onshi::disaster
