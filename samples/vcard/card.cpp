#include "card.hpp"

#include <openssl/rsa.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace onshi::vcard {
namespace {

const Bytes kJpkiAid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const Bytes kTextAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
const Bytes kFaceAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02};

Bytes sw(uint16_t status) { return {uint8_t(status >> 8), uint8_t(status & 0xFF)}; }

Bytes with_sw(Bytes data, uint16_t status) {
  data.push_back(uint8_t(status >> 8));
  data.push_back(uint8_t(status & 0xFF));
  return data;
}

// 63 Cx: the key is not verified and x tries are left.
Bytes tries_sw(const PinKey& key) { return sw(uint16_t(0x63C0 | std::min(key.tries_left, 15))); }

}  // namespace

// A parsed command APDU (ISO 7816-3 cases 1-4, short and extended).
struct Card::Command {
  uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;
  size_t ne = 0;  // expected response length; 0 = none
  bool extended = false;

  static std::optional<Command> parse(const Bytes& b) {
    if (b.size() < 4) return std::nullopt;
    Command c{b[0], b[1], b[2], b[3], {}, 0};
    const size_t n = b.size();
    if (n == 4) return c;
    if (n == 5) {
      c.ne = b[4] ? b[4] : 256;
      return c;
    }
    if (b[4] != 0) {  // short Lc
      const size_t lc = b[4];
      if (n != 5 + lc && n != 6 + lc) return std::nullopt;
      c.data.assign(b.begin() + 5, b.begin() + 5 + long(lc));
      if (n == 6 + lc) c.ne = b[n - 1] ? b[n - 1] : 256;
      return c;
    }
    c.extended = true;
    const size_t ext = size_t(b[5]) << 8 | b[6];
    if (n == 7) {  // extended Le only
      c.ne = ext ? ext : 65536;
      return c;
    }
    if (ext == 0 || (n != 7 + ext && n != 9 + ext)) return std::nullopt;
    c.data.assign(b.begin() + 7, b.begin() + 7 + long(ext));
    if (n == 9 + ext) {
      const size_t le = size_t(b[n - 2]) << 8 | b[n - 1];
      c.ne = le ? le : 65536;
    }
    return c;
  }
};

Card::Card(CardContent content, std::function<void(const std::string&)> notice)
    : content_(std::move(content)), notice_(std::move(notice)) {
  jpki_files_[0x0006] = {content_.token_info, Access::always};
  jpki_files_[0x000A] = {content_.auth_cert, content_.smartphone ? Access::auth_pin : Access::always};
  jpki_files_[0x000B] = {content_.auth_ca_cert, Access::always};
  jpki_files_[0x0017] = {{}, Access::never};  // the auth private key
  jpki_files_[0x0018] = {{}, Access::never};  // the auth PIN
  jpki_files_[0x001B] = {{}, Access::never};  // the signature password
  text_files_[0x0011] = {{}, Access::never};  // the 入力補助 PIN
  text_files_[0x0002] = {content_.basic_four, Access::text_pin};
  face_files_[0x0002] = {content_.card_face, Access::always};
}

const Bytes& Card::atr() {
  // The contact ATR OpenSC's JPKI driver knows (spec §1.3): T=1, IFSC 254.
  static const Bytes atr = {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};
  return atr;
}

void Card::reset() {
  df_ = Df::none;
  ef_ = 0;
  content_.auth_pin.verified = false;
  content_.sign_password.verified = false;
  content_.text_pin.verified = false;
}

Bytes Card::process(const Bytes& command) {
  const auto c = Command::parse(command);
  if (!c || (c->extended && content_.short_only)) return sw(0x6700);
  if (c->cla == 0x80 && c->ins == 0x2A) return sign(*c);
  if (c->cla != 0x00) return sw(0x6E00);
  switch (c->ins) {
    case 0xA4: return select(*c);
    case 0xB0: return read_binary(*c);
    case 0x20: return verify(*c);
    case 0xCA: return get_data(*c);
    default: return sw(0x6D00);
  }
}

Bytes Card::select(const Command& c) {
  if (c.p1 == 0x04) {
    if (content_.blank) return sw(0x6A82);
    if (c.data == kJpkiAid) df_ = Df::jpki;
    else if (c.data == kTextAid) df_ = Df::text;
    else if (c.data == kFaceAid) df_ = Df::face;
    else return sw(0x6A82);
    ef_ = 0;
    return sw(0x9000);
  }
  if ((c.p1 != 0x00 && c.p1 != 0x02) || c.data.size() != 2) return sw(0x6A86);
  const uint16_t fid = uint16_t(c.data[0] << 8 | c.data[1]);
  if (fid == 0x3F00) {
    df_ = Df::mf;
    ef_ = 0;
    return sw(0x9000);
  }
  // 入力補助AP EF 0001 holds the individual number, EF 0014 is the key made of it.
  // This card has neither: refuse, and make the attempt visible.
  if (df_ == Df::text && (fid == 0x0001 || fid == 0x0014)) {
    char line[128];
    std::snprintf(line, sizeof line, "SELECT of individual-number file %04X (入力補助AP) refused: this card holds no individual number", fid);
    notice_(line);
    return sw(0x6A82);
  }
  if (!file(df_, fid)) return sw(0x6A82);
  ef_ = fid;
  return sw(0x9000);
}

Bytes Card::read_binary(const Command& c) {
  size_t offset;
  if (c.p1 & 0x80) {  // P1 = 80 | SFI selects the EF, P2 is the offset
    const uint16_t sfi = c.p1 & 0x1F;
    if (!file(df_, sfi)) return sw(0x6A82);
    ef_ = sfi;
    offset = c.p2;
  } else {
    offset = size_t(c.p1 & 0x7F) << 8 | c.p2;
  }
  CardFile* f = file(df_, ef_);
  if (!f) return sw(0x6986);  // no current EF
  if (!may_read(f->read)) return sw(0x6982);
  if (offset > f->data.size()) return sw(0x6B00);
  const size_t ne = c.ne ? c.ne : 256;
  const size_t n = std::min(ne, f->data.size() - offset);
  Bytes out(f->data.begin() + long(offset), f->data.begin() + long(offset + n));
  // Asking for "as much as possible" (Le 00 / 0000) and getting the rest is normal.
  const bool wanted_max = ne == 256 || ne == 65536;
  return with_sw(std::move(out), n < ne && !wanted_max ? 0x6282 : 0x9000);
}

Bytes Card::verify(const Command& c) {
  if (c.p1 != 0x00) return sw(0x6A86);
  const uint16_t fid = (c.p2 & 0x1F) ? uint16_t(c.p2 & 0x1F) : ef_;
  PinKey* key = pin_key(df_, fid);
  if (!key) return sw(0x6A88);
  if (c.data.empty()) {  // status query: costs no try
    if (key->verified) return sw(0x9000);
    return tries_sw(*key);
  }
  if (key->tries_left <= 0) return sw(0x6984);
  if (std::string(c.data.begin(), c.data.end()) == key->secret) {
    key->tries_left = key->max_tries;
    key->verified = true;
    return sw(0x9000);
  }
  --key->tries_left;
  key->verified = false;
  return tries_sw(*key);
}

Bytes Card::sign(const Command& c) {
  if (df_ != Df::jpki) return sw(0x6A82);
  if (c.p1 != 0x00) return sw(0x6A86);
  const uint16_t key_fid = (c.p2 & 0x1F) ? uint16_t(c.p2 & 0x1F) : ef_;
  if (key_fid != 0x0017) return sw(0x6A88);
  if (!content_.auth_pin.verified) return sw(0x6982);
  if (c.data.empty() || c.data.size() > 245) return sw(0x6700);
  // PKCS#1 v1.5 type 1 over the DigestInfo as given (P1 = 00).
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(content_.auth_key.get(), nullptr);
  Bytes signature(size_t(EVP_PKEY_get_size(content_.auth_key.get())));
  size_t len = signature.size();
  const bool ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
                  EVP_PKEY_sign(ctx, signature.data(), &len, c.data.data(), c.data.size()) > 0;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return sw(0x6F00);
  signature.resize(len);
  return with_sw(std::move(signature), 0x9000);
}

Bytes Card::get_data(const Command& c) {
  if (df_ != Df::mf && df_ != Df::none) return sw(0x6A88);
  if (c.p1 == 0x00 && c.p2 == 0xF2) return with_sw(Bytes(content_.card_expiry.begin(), content_.card_expiry.end()), 0x9000);
  return sw(0x6A88);
}

CardFile* Card::file(Df df, uint16_t fid) {
  auto* files = df == Df::jpki ? &jpki_files_ : df == Df::text ? &text_files_ : df == Df::face ? &face_files_ : nullptr;
  if (!files) return nullptr;
  auto it = files->find(fid);
  return it == files->end() ? nullptr : &it->second;
}

PinKey* Card::pin_key(Df df, uint16_t fid) {
  if (df == Df::jpki && fid == 0x0018) return &content_.auth_pin;
  if (df == Df::jpki && fid == 0x001B) return &content_.sign_password;
  if (df == Df::text && fid == 0x0011) return &content_.text_pin;
  return nullptr;
}

bool Card::may_read(Access access) const {
  switch (access) {
    case Access::always: return true;
    case Access::auth_pin: return content_.auth_pin.verified;
    case Access::text_pin: return content_.text_pin.verified;
    case Access::never: return false;
  }
  return false;
}

}  // namespace onshi::vcard
