// The virtual My Number card: MF, JPKI AP and 券面事項入力補助AP as files and keys,
// answering ISO 7816 command APDUs. It holds no individual number.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace onshi::vcard {

using Bytes = std::vector<uint8_t>;

// A PIN-type key with its own try counter (JPKI auth PIN 0018, sign password 001B,
// 入力補助 PIN 0011). Counters survive power cycles; `verified` does not.
struct PinKey {
  std::string secret;
  int max_tries = 3;
  int tries_left = 3;
  bool verified = false;
};

enum class Access { always, auth_pin, text_pin, never };

struct CardFile {
  Bytes data;
  Access read = Access::always;
};

// Everything a card instance holds, ready to serve.
struct CardContent {
  Bytes token_info;        // JPKI EF 0006
  Bytes auth_cert;         // JPKI EF 000A (DER)
  Bytes auth_ca_cert;      // JPKI EF 000B (DER)
  bool smartphone = false; // the auth certificate then needs the PIN (spec §1.4)
  std::shared_ptr<EVP_PKEY> auth_key;  // JPKI EF 0017
  PinKey auth_pin;         // JPKI EF 0018
  PinKey sign_password;    // JPKI EF 001B (only its counter is used)
  PinKey text_pin;         // 入力補助AP EF 0011
  Bytes basic_four;        // 入力補助AP EF 0002 (FF 20 ...)
  Bytes card_face;         // 券面AP EF 0002 (FF 20 ...), without DF27 on a photo-less card
  std::string card_expiry; // YYYYMMDD, GET DATA F2 at MF level
  bool blank = false;      // none of the My Number APs (same ATR): "not a My Number card"
  bool short_only = false; // refuses extended-length APDUs with 6700
};

class Card {
 public:
  // `notice` receives one line for events an operator must see (a SELECT of an
  // individual-number file).
  Card(CardContent content, std::function<void(const std::string&)> notice);

  static const Bytes& atr();
  // Power on, power off and reset all drop the security state.
  void reset();
  // One command APDU in, one response APDU (data + SW1 SW2) out.
  Bytes process(const Bytes& command);

 private:
  enum class Df { none, mf, jpki, text, face };
  struct Command;

  Bytes select(const Command& c);
  Bytes read_binary(const Command& c);
  Bytes verify(const Command& c);
  Bytes sign(const Command& c);
  Bytes get_data(const Command& c);
  CardFile* file(Df df, uint16_t fid);
  PinKey* pin_key(Df df, uint16_t fid);
  bool may_read(Access access) const;

  CardContent content_;
  std::function<void(const std::string&)> notice_;
  std::map<uint16_t, CardFile> jpki_files_, text_files_, face_files_;
  Df df_ = Df::none;
  uint16_t ef_ = 0;
};

}  // namespace onshi::vcard
