// The My Number card over one CardConnection: JPKI AP (auth certificate, auth PIN,
// signing) and the 券面事項入力補助AP's 基本4情報. Never touches the file holding
// the individual number (R-NOMYNUM).
#pragma once

#include <onshi/reader/certificate.hpp>
#include <onshi/reader/pcsc.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace onshi::reader {

// A 4-digit PIN, checked before it can reach a card (a typo never costs a try)
// and wiped from memory when destroyed or moved from. Never logged.
class Pin {
 public:
  // Exactly 4 ASCII digits, else ONSHI_E_INVALID_ARGUMENT (nothing is sent).
  static Result<Pin> from_digits(std::string_view digits);
  Pin(Pin&& other) noexcept;
  Pin& operator=(Pin&&) = delete;
  Pin(const Pin&) = delete;
  ~Pin();
  std::span<const uint8_t, 4> bytes() const { return digits_; }

 private:
  Pin() = default;
  std::array<uint8_t, 4> digits_{};
};

// 基本4情報 from the 入力補助AP.
struct BasicFour {
  std::string name;        // family and given names separated by U+3000
  std::string address;
  std::string birth_date;  // YYYYMMDD (Gregorian)
  std::string sex;         // "1" male, "2" female, "9" not applicable
};

inline constexpr int kAuthPinMaxTries = 3;

// Uses the connection it was opened on; the connection must outlive it.
class MyNumberCard {
 public:
  // SELECTs the JPKI AP (never trusting the ATR) and reads the token label.
  // Not a My Number card → ONSHI_E_WRONG_CARD.
  static Result<MyNumberCard> open(CardConnection& connection);

  CardKind kind() const { return kind_; }
  const std::string& token_label() const { return token_label_; }

  // DER, no PIN needed on a physical card; a smartphone needs the PIN first.
  Result<Bytes> read_auth_certificate();
  Result<Bytes> read_auth_ca_certificate();

  // Tries left on the auth PIN, without spending one (0 = locked).
  Result<int> auth_pin_tries_left();
  // One VERIFY, only when called; never retried. ONSHI_E_PIN_WRONG with
  // native_code = tries left, or ONSHI_E_PIN_LOCKED (then nothing is sent).
  Result<void> verify_auth_pin(const Pin& pin);
  // RSA PKCS#1 v1.5 signature of SHA-256(challenge) with the auth key; needs
  // verify_auth_pin() first in this session.
  Result<Bytes> sign(std::span<const uint8_t> challenge);

  // 基本4情報, opened with the 入力補助AP's own PIN (its own 3-try counter).
  Result<BasicFour> read_basic_four(const Pin& text_pin);

 private:
  enum class Ap { unknown, jpki, text };
  explicit MyNumberCard(CardConnection& c) : connection_(&c) {}
  Result<Response> exchange(std::span<const uint8_t> command);
  Result<void> select_ap(Ap ap);
  Result<void> select_ef(uint16_t fid, const char* what);
  Result<Bytes> read_file(uint16_t fid, const char* what, size_t max_size);
  Result<int> pin_tries(uint16_t fid, const char* what);
  Result<void> verify(uint16_t fid, const Pin& pin, const char* what);

  CardConnection* connection_;
  CardKind kind_ = CardKind::physical_card;
  std::string token_label_;
  Ap ap_ = Ap::unknown;
  uint16_t ef_ = 0;  // current EF, 0 = unknown
};

// What reception needs from the card before any PIN.
struct CardInfo {
  std::string reader;
  CardKind kind = CardKind::physical_card;
  std::string token_label;
  // Absent on a smartphone before its PIN is verified.
  std::optional<CertificateFacts> auth_certificate;
  std::optional<CertificateStatus> certificate_status;
  int pin_tries_left = 0;
};

Result<CardInfo> read_card_info(MyNumberCard& card, const std::string& reader, Date today);

// The outcome of a PIN entry, for the JSON document the host passes on.
struct PinResult {
  enum class Outcome { verified, wrong, locked, failed } outcome = Outcome::failed;
  int tries_left = -1;  // -1 unknown
};
PinResult pin_result(const Result<void>& verify_outcome);

}  // namespace onshi::reader
