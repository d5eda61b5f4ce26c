#include <onshi/reader/json.hpp>

#include <onshi/support/base64.hpp>

namespace onshi::reader {

using support::EnumNames;
using support::fail;
using support::json;
using support::read;
using support::required_text;

namespace {

constexpr EnumNames<Verdict, 5> kVerdicts{{{"valid", Verdict::valid},
                                           {"alert", Verdict::alert},
                                           {"grace", Verdict::grace},
                                           {"expired", Verdict::expired},
                                           {"not-yet-valid", Verdict::not_yet_valid}}};
constexpr EnumNames<CardKind, 2> kKinds{{{"card", CardKind::physical_card}, {"smartphone", CardKind::smartphone}}};
constexpr EnumNames<PinResult::Outcome, 4> kOutcomes{{{"verified", PinResult::Outcome::verified},
                                                      {"wrong", PinResult::Outcome::wrong},
                                                      {"locked", PinResult::Outcome::locked},
                                                      {"failed", PinResult::Outcome::failed}}};

Date required_date(const json& j, const char* key) {
  std::optional<Date> d;
  read(j, key, d);
  if (!d) fail(key, "is required");
  return *d;
}

struct ReaderEntry {
  ReaderInfo info;
};
void from_json(const json& j, ReaderEntry& e) {
  e.info.name = required_text(j, "name");
  read(j, "card_present", e.info.card_present);
}

}  // namespace

void to_json(json& j, const ReaderList& list) {
  j = {{"schema", ONSHI_SCHEMA_READER_READERS}, {"readers", json::array()}};
  for (const auto& r : list.readers) j["readers"].push_back({{"name", r.name}, {"card_present", r.card_present}});
}

void from_json(const json& j, ReaderList& list) {
  std::vector<ReaderEntry> entries;
  support::read_array(j, "readers", entries);
  list.readers.clear();
  for (auto& e : entries) list.readers.push_back(std::move(e.info));
}

void to_json(json& j, const CardInfo& info) {
  j = {{"schema", ONSHI_SCHEMA_READER_CARD_INFO},
       {"reader", info.reader},
       {"kind", kKinds.name(info.kind)},
       {"token_label", info.token_label},
       {"pin_tries_left", info.pin_tries_left},
       {"auth_certificate", nullptr}};
  if (info.auth_certificate && info.certificate_status) {
    const auto& c = *info.auth_certificate;
    const auto& s = *info.certificate_status;
    j["auth_certificate"] = {{"subject", c.subject},
                             {"issuer", c.issuer},
                             {"serial", c.serial_hex},
                             {"not_before", support::iso_date(c.not_before)},
                             {"not_after", support::iso_date(c.not_after)},
                             {"der_base64", support::base64_encode({reinterpret_cast<const char*>(c.der.data()), c.der.size()})},
                             {"verdict", kVerdicts.name(s.verdict)},
                             {"alert_from", support::iso_date(s.alert_from)},
                             {"grace_until", support::optional_value(s.grace_until)}};
  }
}

namespace {
struct Certificate {
  CertificateFacts facts;
  CertificateStatus status;
};
void from_json(const json& c, Certificate& out) {
  out.facts.subject = required_text(c, "subject");
  out.facts.issuer = required_text(c, "issuer");
  out.facts.serial_hex = required_text(c, "serial");
  out.facts.not_before = required_date(c, "not_before");
  out.facts.not_after = required_date(c, "not_after");
  const auto der = support::base64_decode(required_text(c, "der_base64"));
  if (!der) fail("der_base64", "is not base64");
  out.facts.der.assign(der->begin(), der->end());
  read(c, "verdict", out.status.verdict, kVerdicts);
  out.status.expires_on = out.facts.not_after;
  out.status.alert_from = required_date(c, "alert_from");
  read(c, "grace_until", out.status.grace_until);
}
}  // namespace

void from_json(const json& j, CardInfo& info) {
  info.reader = required_text(j, "reader");
  read(j, "kind", info.kind, kKinds);
  info.token_label = required_text(j, "token_label");
  read(j, "pin_tries_left", info.pin_tries_left, -1, 3);
  std::optional<Certificate> certificate;
  support::read_object(j, "auth_certificate", certificate);
  info.auth_certificate.reset();
  info.certificate_status.reset();
  if (!certificate) return;
  info.auth_certificate = std::move(certificate->facts);
  info.certificate_status = certificate->status;
}

void to_json(json& j, const PinResult& r) {
  j = {{"schema", ONSHI_SCHEMA_READER_PIN_RESULT}, {"outcome", kOutcomes.name(r.outcome)}, {"tries_left", r.tries_left}};
}

void from_json(const json& j, PinResult& r) {
  read(j, "outcome", r.outcome, kOutcomes);
  read(j, "tries_left", r.tries_left, -1, 3);
}

void to_json(json& j, const BasicFour& f) {
  j = {{"schema", ONSHI_SCHEMA_READER_BASIC_FOUR}, {"name", f.name}, {"address", f.address}, {"birth_date", f.birth_date}, {"sex", f.sex}};
}

void from_json(const json& j, BasicFour& f) {
  for (auto [key, field] : {std::pair{"name", &f.name}, {"address", &f.address}, {"birth_date", &f.birth_date}, {"sex", &f.sex}})
    *field = required_text(j, key);
}

}  // namespace onshi::reader
