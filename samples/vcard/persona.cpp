#include "persona.hpp"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace onshi::vcard {
namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

std::string date_text(year_month_day d, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

// The same day-of-month `months` later (or earlier), clamped to the month's end.
year_month_day add_months(year_month_day d, int months) {
  const year_month ym = year_month(d.year(), d.month()) + std::chrono::months{months};
  year_month_day r = ym / d.day();
  if (!r.ok()) r = year_month_day_last(r.year(), month_day_last(r.month()));
  return r;
}

// The n-th birthday strictly after `after` (a 29 February birthday falls on 28 February).
year_month_day nth_birthday_after(year_month_day birth, year_month_day after, int n) {
  auto birthday_in = [&](year y) {
    year_month_day b{y, birth.month(), birth.day()};
    return b.ok() ? b : year_month_day{year_month_day_last(y, month_day_last(birth.month()))};
  };
  year y = after.year();
  if (sys_days(birthday_in(y)) <= sys_days(after)) ++y;
  return birthday_in(y + years{n - 1});
}

year_month_day issued_on(const Persona& p) { return add_months(p.today, -12); }

struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
using Pkey = std::shared_ptr<EVP_PKEY>;
using Cert = std::unique_ptr<X509, X509Free>;

// Loads an RSA-2048 key from `path`, or creates and stores one.
Pkey load_or_create_key(const fs::path& path) {
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (k) return Pkey(k, PkeyFree{});
  }
  Pkey key(EVP_RSA_gen(2048), PkeyFree{});
  if (!key) return nullptr;
  const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return nullptr;
  const bool ok = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) return nullptr;
  fs::rename(tmp, path);  // atomic: concurrent cards never see half a key
  return key;
}

X509_NAME* make_name(const std::vector<std::pair<const char*, std::string>>& parts) {
  X509_NAME* name = X509_NAME_new();
  for (const auto& [field, value] : parts)
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  return name;
}

// Times follow J-LIS practice: from 00:00:00 JST on the first day to 23:59:59 JST on the last.
std::string asn1_start(year_month_day d) { return date_text(year_month_day(sys_days(d) - days{1}), "%04d%02u%02u150000Z"); }
std::string asn1_end(year_month_day d) { return date_text(d, "%04d%02u%02u145959Z"); }

Cert make_certificate(EVP_PKEY* subject_key, X509_NAME* subject, EVP_PKEY* issuer_key, X509_NAME* issuer,
                      year_month_day first_day, year_month_day last_day, bool is_ca) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[8];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7F;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_set_subject_name(cert.get(), subject);
  X509_set_issuer_name(cert.get(), issuer);
  ASN1_TIME_set_string_X509(X509_getm_notBefore(cert.get()), asn1_start(first_day).c_str());
  ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), asn1_end(last_day).c_str());
  X509_set_pubkey(cert.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, cert.get(), nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
      {NID_key_usage, is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
      {NID_subject_key_identifier, "hash"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

Bytes der(X509* cert) {
  unsigned char* out = nullptr;
  const int len = i2d_X509(cert, &out);
  Bytes bytes(out, out + std::max(len, 0));
  OPENSSL_free(out);
  return bytes;
}

void write_file(const fs::path& path, const Bytes& bytes) {
  const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
  std::ofstream(tmp, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
  fs::rename(tmp, path);
}

// BER-TLV with a two-byte tag.
Bytes tlv(uint16_t tag, const Bytes& value) {
  Bytes out = {uint8_t(tag >> 8), uint8_t(tag)};
  const size_t n = value.size();
  if (n < 0x80) out.push_back(uint8_t(n));
  else if (n < 0x100) out.insert(out.end(), {0x81, uint8_t(n)});
  else out.insert(out.end(), {0x82, uint8_t(n >> 8), uint8_t(n)});
  out.insert(out.end(), value.begin(), value.end());
  return out;
}
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// 入力補助AP EF 0002: FF 20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }.
Bytes basic_four(const Persona& p) {
  const Bytes items[] = {tlv(0xDF22, text(p.name)), tlv(0xDF23, text(p.address)),
                         tlv(0xDF24, text(date_text(p.birth, "%04d%02u%02u"))), tlv(0xDF25, text(std::to_string(p.sex)))};
  Bytes items_bytes;
  for (const auto& i : items) items_bytes.insert(items_bytes.end(), i.begin(), i.end());
  const size_t table_size = 11;  // DF 21 08 + four 2-byte offsets from the start of the file
  const size_t body_size = table_size + items_bytes.size();
  size_t offset = tlv(0xFF20, Bytes(body_size)).size() - body_size + table_size;
  Bytes offsets;
  for (const auto& i : items) {
    offsets.insert(offsets.end(), {uint8_t(offset >> 8), uint8_t(offset)});
    offset += i.size();
  }
  Bytes body = tlv(0xDF21, offsets);
  body.insert(body.end(), items_bytes.begin(), items_bytes.end());
  return tlv(0xFF20, body);
}

// 券面AP EF 0002, reduced to what the vcard needs to say: birth date, sex, card
// expiry and, unless the card is photo-less, a face-photo placeholder (DF27).
Bytes card_face(const Persona& p, const std::string& card_expiry) {
  Bytes body = tlv(0xDF22, text(date_text(p.birth, "%04d%02u%02u")));
  const Bytes parts[] = {tlv(0xDF23, text(std::to_string(p.sex))),
                         p.photo ? tlv(0xDF27, text("JPEG2000-PLACEHOLDER")) : Bytes{},
                         tlv(0xDF29, text(card_expiry))};
  for (const auto& part : parts) body.insert(body.end(), part.begin(), part.end());
  return tlv(0xFF20, body);
}

// EF 0006: a 160-byte CK_TOKEN_INFO; the first 32 bytes are the space-padded label.
Bytes token_info(bool smartphone) {
  Bytes info(160, 0);
  auto put = [&](size_t at, size_t width, const std::string& s) {
    for (size_t i = 0; i < width; ++i) info[at + i] = i < s.size() ? uint8_t(s[i]) : ' ';
  };
  put(0, 32, smartphone ? "JPKIAPGPSETOKEN" : "JPKIAPICCTOKEN2");
  put(32, 32, "onshi-vcard");
  put(64, 16, "virtual");
  put(80, 16, "0000000000000001");
  return info;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoi(s);
  return true;
}

}  // namespace

year_month_day parse_date(const std::string& t) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  const bool ok = std::sscanf(t.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ||
                  (t.size() == 8 && std::sscanf(t.c_str(), "%4d%2d%2d%c", &y, &m, &d, &tail) == 3);
  if (!ok) return year_month_day{year{0}, month{0}, day{0}};
  return year_month_day{year{y}, month{unsigned(m)}, day{unsigned(d)}};
}

year_month_day jst_today() { return year_month_day{floor<days>(system_clock::now() + hours{9})}; }

std::string set_persona_field(Persona& p, const std::string& key, const std::string& value) {
  auto date = [&](year_month_day& field) {
    field = parse_date(value);
    return field.ok() ? "" : "--" + key + " wants a date YYYY-MM-DD, got '" + value + "'";
  };
  auto count = [&](int& field, int max) {
    return parse_int(value, field) && field <= max ? "" : "--" + key + " wants a number 0.." + std::to_string(max);
  };
  auto digits = [&](std::string& field) {
    if (value.size() != 4 || value.find_first_not_of("0123456789") != std::string::npos)
      return "--" + key + " wants 4 digits";
    field = value;
    return std::string();
  };
  if (key == "today") return date(p.today);
  if (key == "not-after") return date(p.not_after);
  if (key == "birth") return date(p.birth);
  if (key == "cert") {
    static const char* presets[] = {"valid", "alert", "fifth-birthday", "expired-yesterday", "in-grace", "past-grace"};
    for (const char* preset : presets)
      if (value == preset) return p.cert = value, "";
    return "--cert wants one of valid, alert, fifth-birthday, expired-yesterday, in-grace, past-grace";
  }
  if (key == "smartphone") return p.smartphone = true, "";
  if (key == "no-photo") return p.photo = false, "";
  if (key == "blank") return p.blank = true, "";
  if (key == "short-only") return p.short_only = true, "";
  if (key == "locked") return p.pin_tries = 0, "";
  if (key == "pin") return digits(p.pin);
  if (key == "text-pin") return digits(p.text_pin);
  if (key == "pin-tries") return count(p.pin_tries, 3);
  if (key == "text-pin-tries") return count(p.text_pin_tries, 3);
  if (key == "name") return p.name = value, "";
  if (key == "address") return p.address = value, "";
  if (key == "sex") {
    if (value != "1" && value != "2" && value != "9") return "--sex wants 1, 2 or 9";
    return p.sex = value[0] - '0', "";
  }
  return "unknown persona field '" + key + "'";
}

std::string load_persona_file(Persona& p, const std::string& path) {
  std::ifstream in(path);
  if (!in) return "cannot read persona file " + path;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = line.substr(0, line.find('#'));
    const auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    const auto eq = line.find('=');
    const std::string key = trim(line.substr(0, eq));
    if (key.empty()) continue;
    const std::string value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
    if (auto error = set_persona_field(p, key, value); !error.empty())
      return path + ":" + std::to_string(number) + ": " + error;
  }
  return "";
}

year_month_day certificate_not_after(const Persona& p) {
  if (p.not_after.ok()) return p.not_after;
  const sys_days today(p.today);
  if (p.cert == "alert") return add_months(p.today, 1);
  if (p.cert == "fifth-birthday") return nth_birthday_after(p.birth, issued_on(p), 5);
  if (p.cert == "expired-yesterday") return year_month_day(today - days{1});
  if (p.cert == "in-grace") return add_months(p.today, -1);
  if (p.cert == "past-grace") return add_months(p.today, -6);
  return add_months(p.today, 24);
}

std::string build_card_content(const Persona& p, const std::string& state_dir, CardContent& out) {
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  const fs::path dir(state_dir);
  Pkey ca_key = load_or_create_key(dir / "test-ca.key.pem");
  Pkey auth_key = load_or_create_key(dir / "auth.key.pem");
  if (!ca_key || !auth_key) return "cannot create or read keys in state dir " + state_dir + " (is it writable?)";

  X509_NAME* ca_name = make_name({{"C", "JP"}, {"O", "onshi test"}, {"CN", "onshi-vcard test JPKI user authentication CA"}});
  // Like a real auth certificate, the subject names no person.
  char opaque_id[32];
  std::snprintf(opaque_id, sizeof opaque_id, "VCARD%08X", unsigned(std::hash<std::string>{}(p.name + p.address)));
  X509_NAME* subject = make_name({{"C", "JP"}, {"CN", opaque_id}});
  const year_month_day issued = issued_on(p);
  Cert ca = make_certificate(ca_key.get(), ca_name, ca_key.get(), ca_name, add_months(p.today, -120), add_months(p.today, 120), true);
  Cert auth = make_certificate(auth_key.get(), subject, ca_key.get(), ca_name, issued, certificate_not_after(p), false);
  X509_NAME_free(ca_name);
  X509_NAME_free(subject);
  if (!ca || !auth) return "cannot issue the test certificates";

  out.auth_cert = der(auth.get());
  out.auth_ca_cert = der(ca.get());
  write_file(dir / "auth-cert.der", out.auth_cert);
  write_file(dir / "auth-ca-cert.der", out.auth_ca_cert);
  out.token_info = token_info(p.smartphone);
  out.smartphone = p.smartphone;
  out.auth_key = auth_key;
  out.auth_pin = {p.pin, 3, p.pin_tries, false};
  out.sign_password = {"SIGN1234", 5, 5, false};
  out.text_pin = {p.text_pin, 3, p.text_pin_tries, false};
  out.basic_four = basic_four(p);
  out.card_expiry = date_text(nth_birthday_after(p.birth, issued, 10), "%04d%02u%02u");
  out.card_face = card_face(p, out.card_expiry);
  out.blank = p.blank;
  out.short_only = p.short_only;
  return "";
}

}  // namespace onshi::vcard
