// The 利用者証明用電子証明書 (auth certificate): its facts and whether it can be used
// on a given day. Pure: "today" always comes from the caller (R-CERT, R-ALERT,
// R-GRACE, R-PHONE).
#pragma once

#include <onshi/reader/apdu.hpp>
#include <onshi/support/dates.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace onshi::reader {

using support::Date;

// Physical card vs スマホ用電子証明書, told apart by the JPKI token label.
enum class CardKind { physical_card, smartphone };

struct CertificateFacts {
  std::string subject;     // RFC 2253, e.g. "CN=...,C=JP" (an opaque id, no person's name)
  std::string issuer;
  std::string serial_hex;
  Date not_before{};       // the JST calendar day validity starts
  Date not_after{};        // the last JST calendar day it is valid
  Bytes der;
};

// Reads an X.509 certificate (DER). Fails with ONSHI_E_PROTOCOL on anything else.
Result<CertificateFacts> parse_certificate(std::span<const uint8_t> der);

enum class Verdict {
  valid,          // usable
  alert,          // usable; expiry within 3 months: tell the patient to renew (R-ALERT)
  grace,          // expired physical card, within the grace period: qualification only (R-GRACE)
  expired,        // not usable (smartphone: from the day after expiry, R-PHONE)
  not_yet_valid,  // notBefore is after today
};

struct CertificateStatus {
  Verdict verdict = Verdict::expired;
  Date expires_on{};                // = notAfter (JST)
  Date alert_from{};                // expires_on minus 3 months
  std::optional<Date> grace_until;  // physical card: last day of the 3rd month after the expiry month
};

// Verdict at day granularity in JST: valid through not_after inclusive.
CertificateStatus evaluate_certificate(const CertificateFacts& cert, CardKind kind, Date today);

// What the caller wants the certificate for.
enum class Use { qualification, drug_and_clinical_info };

// OK when the verdict allows `use`; else ONSHI_E_CERT_EXPIRED naming the case
// (expired, in grace = qualification only, smartphone expired) and what to do.
Result<void> check_certificate(const CertificateStatus& status, CardKind kind, Use use);

std::string to_string(Verdict v);
std::string to_string(CardKind k);

}  // namespace onshi::reader
