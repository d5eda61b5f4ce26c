// The central system's side of a card-authenticated 資格確認 over TLS (docs/decisions/eligibility-tls.md):
// challenges it issues, and the check of the card's 利用者証明用電子証明書 with OpenSSL — chain to the
// card CA, validity at the simulator's clock with R-ALERT and R-GRACE, the signature over the challenge.
// Written from DOMAIN.md alone: it shares no code with the reader or eligibility cores.
#pragma once

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>

struct x509_st;  // OpenSSL's X509

namespace onshi::sim {

// What the query carried (MessageBody/CardAuthenticationInfo), base64 as sent.
struct CardQuery {
  std::string identity_check;    // 1 = PIN + signature, 2 = 目視確認 (visual check, R-VIS)
  std::string certificate_kind;  // 1 = physical card, 2 = smartphone (R-GRACE: no grace)
  std::string certificate, challenge, signature;
};

struct CardVerdict {
  enum Kind { valid, alert, grace, refused } kind = refused;
  std::string code, message;  // ProcessingResultCode / ProcessingResultMessage (empty when plainly valid)
};

class CardAuthority {
 public:
  // card_ca: the card issuer's CA certificate, DER or PEM (onshi-vcard's auth-ca-cert.der).
  // now: the simulator's clock.
  CardAuthority(const std::filesystem::path& card_ca, std::function<std::time_t()> now);
  ~CardAuthority();
  CardAuthority(const CardAuthority&) = delete;
  CardAuthority& operator=(const CardAuthority&) = delete;

  bool ready() const { return ca_ != nullptr; }
  // A fresh challenge (32 random bytes, base64), single use, valid for kChallengeSeconds.
  std::string issue_challenge();
  CardVerdict check(const CardQuery& query);

  static constexpr int kChallengeSeconds = 120;

 private:
  ::x509_st* ca_ = nullptr;
  std::function<std::time_t()> now_;
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> challenges_;  // issued, not yet used
};

}  // namespace onshi::sim
