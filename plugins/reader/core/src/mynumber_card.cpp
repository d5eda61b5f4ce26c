#include <onshi/reader/mynumber_card.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>

namespace onshi::reader {
namespace {

constexpr uint8_t kJpkiAid[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
constexpr uint8_t kTextAid[] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};

// JPKI AP files.
constexpr uint16_t kTokenInfo = 0x0006, kAuthCert = 0x000A, kAuthCaCert = 0x000B, kAuthKey = 0x0017, kAuthPin = 0x0018;
// 入力補助AP files. Its EF 0001 (the individual number) is deliberately absent.
constexpr uint16_t kTextPin = 0x0011, kBasicFour = 0x0002;

// SHA-256 DigestInfo prefix (RFC 8017 §9.2); the card adds the PKCS#1 padding.
constexpr uint8_t kSha256DigestInfo[] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

constexpr size_t kMaxCertificateSize = 16 * 1024;  // real ones are ~1.2-1.6 KB

std::string sw_text(uint16_t sw) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", sw);
  return buf;
}

Error card_error(uint16_t sw, const std::string& what) {
  const std::string text = what + ": the card answered status " + sw_text(sw);
  Error e;
  switch (sw) {
    case 0x6982:
      e = make_error(ONSHI_E_REFUSED, "card", text + " (security status not satisfied)",
                     "verify the PIN first in this session");
      break;
    case 0x6D00:
    case 0x6E00:
      e = make_error(ONSHI_E_NOT_SUPPORTED, "card", text + " (command not supported)",
                     "this card does not support the operation; use another identification method (R-M2, R-M3)");
      break;
    default:
      e = make_error(ONSHI_E_PROTOCOL, "card", text, "put the card back and retry; if it persists, try another reader");
  }
  e.native_code = sw;
  return e;
}

// Card text goes into JSON documents, which must be UTF-8.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = uint8_t(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((uint8_t(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

bool is_warning_end_of_file(uint16_t sw) { return sw == 0x6282; }

// Answers that mean "no extended length here" rather than a broken card.
bool refuses_extended(uint16_t sw) {
  return sw == 0x6700 || sw == 0x6D00 || sw == 0x6E00 || sw == 0x6A86 || sw == 0x6A81 || sw == 0x6881;
}

Error pin_locked(const char* what) {
  Error e = make_error(ONSHI_E_PIN_LOCKED, "card",
                       std::string(what) + " is locked after 3 wrong entries (R-PIN); the clinic cannot unlock it: the "
                           "patient can at the municipality, or with the smartphone app and a convenience-store kiosk "
                           "(a smartphone card: in the マイナポータルアプリ)",
                       "check identity visually (R-VIS; not possible on a photo-less card) or use マイナポータル / 資格情報のお知らせ (R-M2, R-M3)");
  return e;
}

}  // namespace

// --- Pin ---

Result<Pin> Pin::from_digits(std::string_view digits) {
  bool ok = digits.size() == 4;
  for (char c : digits) ok = ok && c >= '0' && c <= '9';
  if (!ok)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "card", "the PIN must be exactly 4 digits (0-9); nothing was sent to the card",
                      "ask the patient to enter the 4-digit PIN again");
  Pin pin;
  for (size_t i = 0; i < 4; ++i) pin.digits_[i] = uint8_t(digits[i]);
  return pin;
}

Pin::Pin(Pin&& other) noexcept : digits_(other.digits_) { OPENSSL_cleanse(other.digits_.data(), other.digits_.size()); }

Pin::~Pin() { OPENSSL_cleanse(digits_.data(), digits_.size()); }

// --- MyNumberCard ---

Result<Response> MyNumberCard::exchange(std::span<const uint8_t> command) {
  auto r = connection_->transmit(command);
  if (!r) ap_ = Ap::unknown, ef_ = 0;  // after a transport failure nothing about the card is known
  return r;
}

Result<MyNumberCard> MyNumberCard::open(CardConnection& connection) {
  MyNumberCard card(connection);
  if (auto selected = card.select_ap(Ap::jpki); !selected) return selected.error();
  if (auto s = card.select_ef(kTokenInfo, "token information (JPKI EF 0006)"); !s) return s.error();
  auto r = card.exchange(make_command(0x00, 0xB0, 0x00, 0x00, {}, 32));
  if (!r) return r.error();
  if (!r->ok() && !is_warning_end_of_file(r->sw)) return card_error(r->sw, "reading the token label (JPKI EF 0006)");
  std::string label(r->data.begin(), r->data.end());
  label.erase(label.find_last_not_of(std::string(" \0", 2)) + 1);
  for (char& c : label)
    if (c < 0x20 || c > 0x7E) c = '?';  // labels are ASCII; keep messages and JSON clean
  card.token_label_ = label;
  if (label.rfind("JPKIAPICCTOKEN", 0) == 0) card.kind_ = CardKind::physical_card;
  else if (label == "JPKIAPGPSETOKEN" || label == "JPKIAPIOSTOKEN") card.kind_ = CardKind::smartphone;
  else
    return make_error(ONSHI_E_WRONG_CARD, "card", "the card in '" + connection.reader() + "' has a JPKI application with the unknown token label '" + label + "'",
                      "use the patient's My Number card (マイナンバーカード) or a smartphone with スマホ用電子証明書");
  return card;
}

Result<void> MyNumberCard::select_ap(Ap ap) {
  if (ap_ == ap) return {};
  const std::span<const uint8_t> aid = ap == Ap::jpki ? std::span<const uint8_t>(kJpkiAid) : std::span<const uint8_t>(kTextAid);
  auto r = exchange(make_command(0x00, 0xA4, 0x04, 0x0C, aid));
  if (!r) return r.error();
  if (!r->ok()) {
    if (ap == Ap::jpki) {
      Error e = make_error(ONSHI_E_WRONG_CARD, "card",
                           "the card in '" + connection_->reader() + "' is not a My Number card (SELECT of the JPKI application answered " + sw_text(r->sw) + ")",
                           "put the patient's My Number card (マイナンバーカード) on the reader");
      e.native_code = r->sw;
      return e;
    }
    return card_error(r->sw, "selecting the 券面事項入力補助AP");
  }
  ap_ = ap;
  ef_ = 0;
  return {};
}

Result<void> MyNumberCard::select_ef(uint16_t fid, const char* what) {
  if (ef_ == fid) return {};
  const uint8_t id[] = {uint8_t(fid >> 8), uint8_t(fid)};
  auto r = exchange(make_command(0x00, 0xA4, 0x02, 0x0C, id));
  if (!r) return r.error();
  if (!r->ok()) return card_error(r->sw, std::string("selecting ") + what);
  ef_ = fid;
  return {};
}

// Reads a whole TLV-structured EF. Where extended length may work: one READ
// BINARY by short EF id for the whole file (2 APDUs fewer than SELECT + chunks).
// Otherwise: SELECT, then 256-byte chunks, the first giving the BER length. A
// card or reader refusing the extended form switches the connection to short APDUs.
Result<Bytes> MyNumberCard::read_file(uint16_t fid, const char* what, size_t max_size) {
  const bool extended = connection_->extended_length() != ExtendedLength::unsupported;
  if (!extended)
    if (auto s = select_ef(fid, what); !s) return s.error();
  Bytes file;
  std::optional<size_t> total;
  while (!total || file.size() < *total) {
    const size_t chunk_max = extended ? kExtendedMax : kShortMax;
    const size_t want = total ? std::min(chunk_max, *total - file.size()) : chunk_max;
    const bool by_sfi = extended && file.empty();  // P1 = 80|SFI selects the EF; offsets follow in P1-P2
    const size_t offset = file.size();
    auto r = exchange(by_sfi ? make_command(0x00, 0xB0, uint8_t(0x80 | fid), 0x00, {}, want)
                             : make_command(0x00, 0xB0, uint8_t(offset >> 8), uint8_t(offset), {}, want));
    const bool probing = by_sfi && connection_->extended_length() == ExtendedLength::unknown;
    if (probing && ((!r && connection_->card_present()) || (r && refuses_extended(r->sw)))) {
      connection_->set_extended_length(ExtendedLength::unsupported);
      return read_file(fid, what, max_size);
    }
    if (!r) return r.error();
    if (!r->ok() && !is_warning_end_of_file(r->sw)) return card_error(r->sw, std::string("reading ") + what);
    if (by_sfi) {
      ef_ = fid;
      connection_->set_extended_length(ExtendedLength::supported);
    }
    if (r->data.empty())
      return make_error(ONSHI_E_PROTOCOL, "card", std::string("reading ") + what + ": the file ended after " + std::to_string(file.size()) + " bytes, before its BER length",
                        "the card's data is damaged; use another identification method (R-M2, R-M3)");
    file.insert(file.end(), r->data.begin(), r->data.end());
    if (!total) {
      auto header = parse_tlv_header(file, std::string("reading ") + what);
      if (!header) return header.error();
      if (header->total_size() > max_size || header->total_size() > 0x7FFF)
        return make_error(ONSHI_E_PROTOCOL, "card", std::string(what) + " claims " + std::to_string(header->total_size()) + " bytes, more than such a file can hold",
                          "the card's data is damaged; use another identification method (R-M2, R-M3)");
      total = header->total_size();
    }
  }
  file.resize(*total);  // drop filler after the TLV
  return file;
}

Result<Bytes> MyNumberCard::read_auth_certificate() {
  if (auto s = select_ap(Ap::jpki); !s) return s.error();
  auto file = read_file(kAuthCert, "the auth certificate (JPKI EF 000A)", kMaxCertificateSize);
  if (!file && file.error().native_code == 0x6982 && kind_ == CardKind::smartphone) {
    Error e = file.error();
    e.message = "the smartphone's auth certificate can be read only after its PIN is verified";
    e.hint = "verify the smartphone PIN first (R-PHONE)";
    return e;
  }
  return file;
}

Result<Bytes> MyNumberCard::read_auth_ca_certificate() {
  if (auto s = select_ap(Ap::jpki); !s) return s.error();
  return read_file(kAuthCaCert, "the auth CA certificate (JPKI EF 000B)", kMaxCertificateSize);
}

Result<int> MyNumberCard::pin_tries(uint16_t fid, const char* what) {
  if (auto s = select_ef(fid, what); !s) return s.error();
  const uint8_t status_query[] = {0x00, 0x20, 0x00, 0x80};  // VERIFY without data costs no try
  auto r = exchange(status_query);
  if (!r) return r.error();
  if (r->sw == 0x9000) return kAuthPinMaxTries;  // already verified in this session
  if (r->sw == 0x6984) return 0;
  if ((r->sw & 0xFFF0) == 0x63C0) return int(r->sw & 0x0F);
  return card_error(r->sw, std::string("reading the try counter of ") + what);
}

Result<int> MyNumberCard::auth_pin_tries_left() {
  if (auto s = select_ap(Ap::jpki); !s) return s.error();
  return pin_tries(kAuthPin, "the auth PIN (JPKI EF 0018)");
}

Result<void> MyNumberCard::verify(uint16_t fid, const Pin& pin, const char* what) {
  auto tries = pin_tries(fid, what);
  if (!tries) return tries.error();
  if (*tries == 0) return pin_locked(what);  // a locked PIN gets no VERIFY at all
  std::array<uint8_t, 9> apdu = {0x00, 0x20, 0x00, 0x80, 0x04};
  std::copy(pin.bytes().begin(), pin.bytes().end(), apdu.begin() + 5);
  auto r = exchange(apdu);
  OPENSSL_cleanse(apdu.data(), apdu.size());
  if (!r) return r.error();
  if (r->ok()) return {};
  if (r->sw == 0x6984 || r->sw == 0x63C0) return pin_locked(what);
  if ((r->sw & 0xFFF0) == 0x63C0) {
    const int left = r->sw & 0x0F;
    Error e = make_error(ONSHI_E_PIN_WRONG, "card", std::string("wrong PIN for ") + what + "; " + std::to_string(left) + (left == 1 ? " try" : " tries") + " left",
                         left == 1 ? "one more wrong entry locks the card (R-PIN); if unsure, check identity another way (R-VIS)"
                                   : "ask the patient to enter the PIN again; 3 wrong entries in a row lock it (R-PIN)");
    e.native_code = left;
    return e;
  }
  return card_error(r->sw, std::string("verifying ") + what);
}

Result<void> MyNumberCard::verify_auth_pin(const Pin& pin) {
  if (auto s = select_ap(Ap::jpki); !s) return s.error();
  return verify(kAuthPin, pin, "the auth PIN (利用者証明用電子証明書)");
}

Result<Bytes> MyNumberCard::sign(std::span<const uint8_t> challenge) {
  Bytes digest_info(std::begin(kSha256DigestInfo), std::end(kSha256DigestInfo));
  digest_info.resize(digest_info.size() + 32);
  unsigned int digest_len = 0;
  if (EVP_Digest(challenge.data(), challenge.size(), digest_info.data() + sizeof kSha256DigestInfo, &digest_len, EVP_sha256(), nullptr) != 1)
    return make_error(ONSHI_E_INTERNAL, "card", "SHA-256 of the challenge failed");
  if (auto s = select_ap(Ap::jpki); !s) return s.error();
  if (auto s = select_ef(kAuthKey, "the auth key (JPKI EF 0017)"); !s) return s.error();
  auto r = exchange(make_command(0x80, 0x2A, 0x00, 0x80, digest_info, kShortMax));
  if (!r) return r.error();
  if (r->sw == 0x6982)
    return make_error(ONSHI_E_REFUSED, "card", "signing with the auth key needs the auth PIN verified in this session",
                      "call verify_auth_pin() on this connection first");
  if (!r->ok()) return card_error(r->sw, "signing with the auth key (JPKI EF 0017)");
  if (r->data.size() != 256)
    return make_error(ONSHI_E_PROTOCOL, "card", "the card returned a " + std::to_string(r->data.size()) + "-byte signature; RSA-2048 gives 256",
                      "retry; if it persists, use another identification method");
  return std::move(r->data);
}

Result<BasicFour> MyNumberCard::read_basic_four(const Pin& text_pin) {
  if (auto s = select_ap(Ap::text); !s) return s.error();
  if (auto v = verify(kTextPin, text_pin, "the 券面事項入力補助 PIN"); !v) return v.error();
  const char* what = "the 基本4情報 (入力補助AP EF 0002)";
  auto file = read_file(kBasicFour, what, 4096);
  if (!file) return file.error();
  auto outer = parse_tlv_header(*file, what);
  if (!outer) return outer.error();
  auto items = parse_tlv_list(std::span<const uint8_t>(*file).subspan(outer->header_size), what);
  if (!items) return items.error();
  BasicFour four;
  for (const Tlv& item : *items) {
    const std::string value(item.value.begin(), item.value.end());
    switch (item.tag) {
      case 0xDF22: four.name = value; break;
      case 0xDF23: four.address = value; break;
      case 0xDF24: four.birth_date = value; break;
      case 0xDF25: four.sex = value; break;
      default: break;  // DF21 offset table and anything newer
    }
  }
  if (!valid_utf8(four.name) || !valid_utf8(four.address) || !valid_utf8(four.birth_date) || !valid_utf8(four.sex))
    return make_error(ONSHI_E_PROTOCOL, "card", std::string(what) + " is not valid UTF-8",
                      "type the patient's details from the card face instead");
  if (four.name.empty() || four.birth_date.size() != 8)
    return make_error(ONSHI_E_PROTOCOL, "card", std::string(what) + " lacks the name or an 8-digit birth date",
                      "type the patient's details from the card face instead");
  return four;
}

// --- composition ---

Result<CardInfo> read_card_info(MyNumberCard& card, const std::string& reader, Date today) {
  CardInfo info;
  info.reader = reader;
  info.kind = card.kind();
  info.token_label = card.token_label();
  auto der = card.read_auth_certificate();
  if (der) {
    auto facts = parse_certificate(*der);
    if (!facts) return facts.error();
    info.certificate_status = evaluate_certificate(*facts, card.kind(), today);
    info.auth_certificate = std::move(*facts);
  } else if (!(card.kind() == CardKind::smartphone && der.error().code == ONSHI_E_REFUSED)) {
    return der.error();
  }
  auto tries = card.auth_pin_tries_left();
  if (!tries) return tries.error();
  info.pin_tries_left = *tries;
  return info;
}

PinResult pin_result(const Result<void>& outcome) {
  if (outcome.ok()) return {PinResult::Outcome::verified, kAuthPinMaxTries};
  switch (outcome.error().code) {
    case ONSHI_E_PIN_WRONG: return {PinResult::Outcome::wrong, outcome.error().native_code};
    case ONSHI_E_PIN_LOCKED: return {PinResult::Outcome::locked, 0};
    default: return {PinResult::Outcome::failed, -1};
  }
}

}  // namespace onshi::reader
