// Who the virtual card belongs to, and turning that into card content: the test CA,
// keys and an auth certificate whose validity is set relative to "today".
#pragma once

#include "card.hpp"

#include <chrono>
#include <string>

namespace onshi::vcard {

// Every field can be set by a flag `--key value` or a line `key = value` in a
// persona file (see samples/vcard/README.md); the names are the same.
struct Persona {
  std::chrono::year_month_day today{};  // default: the system date in JST
  // valid | alert | fifth-birthday | expired-yesterday | in-grace | past-grace
  std::string cert = "valid";
  std::chrono::year_month_day not_after{};  // if set (ok()), overrides `cert`
  bool smartphone = false;                   // token label JPKIAPGPSETOKEN
  std::string pin = "1234";
  int pin_tries = 3;                         // 0 = locked
  std::string text_pin = "1234";             // 入力補助AP PIN, its own counter
  int text_pin_tries = 3;
  std::string name = "試験　花子";
  std::string address = "東京都千代田区霞が関一丁目２番２号";
  std::chrono::year_month_day birth{std::chrono::year{1980}, std::chrono::month{2}, std::chrono::day{17}};
  int sex = 2;                               // 1 male, 2 female, 9 not applicable
  bool photo = true;                         // false: 顔写真なしカード
  bool blank = false;                        // not a My Number card at all (same ATR)
  bool short_only = false;                   // the card refuses extended-length APDUs
};

// Sets one field by name ("pin", "cert", "no-photo" ...). Flags without a value
// ("smartphone", "locked", "no-photo") take an empty value. Returns an error text or "".
std::string set_persona_field(Persona& p, const std::string& key, const std::string& value);
// Reads `key = value` lines ('#' starts a comment).
std::string load_persona_file(Persona& p, const std::string& path);

std::chrono::year_month_day parse_date(const std::string& text);  // YYYY-MM-DD or YYYYMMDD; !ok() if bad
std::chrono::year_month_day jst_today();

// The auth certificate's last valid day (JST) for the persona.
std::chrono::year_month_day certificate_not_after(const Persona& p);

// Builds the card. Keys and the test CA are kept in state_dir (created if needed)
// so later runs reuse them; the auth certificate is re-issued on every start and
// also written there as auth-cert.der and auth-ca-cert.der.
// Returns an error text or "".
std::string build_card_content(const Persona& p, const std::string& state_dir, CardContent& out);

}  // namespace onshi::vcard
