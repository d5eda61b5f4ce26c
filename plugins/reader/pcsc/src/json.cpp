#include <onshi/reader/json.hpp>

#include <openssl/evp.h>

#include <cstdio>
#include <stdexcept>

namespace onshi::reader {
using nlohmann::json;

namespace {

std::string base64(const Bytes& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), int(bytes.size()));
  out.resize(size_t(n));
  return out;
}

Bytes unbase64(const std::string& text) {
  Bytes out(3 * (text.size() / 4) + 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0 || text.size() % 4) throw std::invalid_argument("der_base64 is not base64");
  size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(size_t(n) - padding);
  return out;
}

Date date_from(const json& j) {
  const std::string s = j.get<std::string>();
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) throw std::invalid_argument("bad date " + s);
  const Date date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!date.ok()) throw std::invalid_argument("bad date " + s);
  return date;
}

template <class Enum, size_t N>
Enum enum_from(const json& j, const std::pair<Enum, const char*> (&names)[N]) {
  const std::string s = j.get<std::string>();
  for (const auto& [value, name] : names)
    if (s == name) return value;
  throw std::invalid_argument("unknown value '" + s + "'");
}

constexpr std::pair<Verdict, const char*> kVerdicts[] = {{Verdict::valid, "valid"},
                                                         {Verdict::alert, "alert"},
                                                         {Verdict::grace, "grace"},
                                                         {Verdict::expired, "expired"},
                                                         {Verdict::not_yet_valid, "not-yet-valid"}};
constexpr std::pair<CardKind, const char*> kKinds[] = {{CardKind::physical_card, "card"}, {CardKind::smartphone, "smartphone"}};
constexpr std::pair<PinResult::Outcome, const char*> kOutcomes[] = {{PinResult::Outcome::verified, "verified"},
                                                                    {PinResult::Outcome::wrong, "wrong"},
                                                                    {PinResult::Outcome::locked, "locked"},
                                                                    {PinResult::Outcome::failed, "failed"}};

template <class Enum, size_t N>
const char* name_of(Enum value, const std::pair<Enum, const char*> (&names)[N]) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "unknown";
}

}  // namespace

void to_json(json& j, const ReaderList& list) {
  j = {{"schema", kReadersSchema}, {"readers", json::array()}};
  for (const auto& r : list.readers) j["readers"].push_back({{"name", r.name}, {"card_present", r.card_present}});
}

void from_json(const json& j, ReaderList& list) {
  list.readers.clear();
  for (const auto& r : j.at("readers")) list.readers.push_back({r.at("name").get<std::string>(), r.at("card_present").get<bool>()});
}

void to_json(json& j, const CardInfo& info) {
  j = {{"schema", kCardInfoSchema},
       {"reader", info.reader},
       {"kind", name_of(info.kind, kKinds)},
       {"token_label", info.token_label},
       {"pin_tries_left", info.pin_tries_left},
       {"auth_certificate", nullptr}};
  if (info.auth_certificate && info.certificate_status) {
    const auto& c = *info.auth_certificate;
    const auto& s = *info.certificate_status;
    j["auth_certificate"] = {{"subject", c.subject},
                             {"issuer", c.issuer},
                             {"serial", c.serial_hex},
                             {"not_before", to_string(c.not_before)},
                             {"not_after", to_string(c.not_after)},
                             {"der_base64", base64(c.der)},
                             {"verdict", name_of(s.verdict, kVerdicts)},
                             {"alert_from", to_string(s.alert_from)},
                             {"grace_until", s.grace_until ? json(to_string(*s.grace_until)) : json(nullptr)}};
  }
}

void from_json(const json& j, CardInfo& info) {
  info.reader = j.at("reader").get<std::string>();
  info.kind = enum_from(j.at("kind"), kKinds);
  info.token_label = j.at("token_label").get<std::string>();
  info.pin_tries_left = j.at("pin_tries_left").get<int>();
  info.auth_certificate.reset();
  info.certificate_status.reset();
  const json& c = j.at("auth_certificate");
  if (c.is_null()) return;
  CertificateFacts facts;
  facts.subject = c.at("subject").get<std::string>();
  facts.issuer = c.at("issuer").get<std::string>();
  facts.serial_hex = c.at("serial").get<std::string>();
  facts.not_before = date_from(c.at("not_before"));
  facts.not_after = date_from(c.at("not_after"));
  facts.der = unbase64(c.at("der_base64").get<std::string>());
  CertificateStatus status;
  status.verdict = enum_from(c.at("verdict"), kVerdicts);
  status.expires_on = facts.not_after;
  status.alert_from = date_from(c.at("alert_from"));
  if (!c.at("grace_until").is_null()) status.grace_until = date_from(c.at("grace_until"));
  info.auth_certificate = std::move(facts);
  info.certificate_status = status;
}

void to_json(json& j, const PinResult& r) {
  j = {{"schema", kPinResultSchema}, {"outcome", name_of(r.outcome, kOutcomes)}, {"tries_left", r.tries_left}};
}

void from_json(const json& j, PinResult& r) {
  r.outcome = enum_from(j.at("outcome"), kOutcomes);
  r.tries_left = j.at("tries_left").get<int>();
}

void to_json(json& j, const BasicFour& f) {
  j = {{"schema", kBasicFourSchema}, {"name", f.name}, {"address", f.address}, {"birth_date", f.birth_date}, {"sex", f.sex}};
}

void from_json(const json& j, BasicFour& f) {
  f.name = j.at("name").get<std::string>();
  f.address = j.at("address").get<std::string>();
  f.birth_date = j.at("birth_date").get<std::string>();
  f.sex = j.at("sex").get<std::string>();
}

}  // namespace onshi::reader
