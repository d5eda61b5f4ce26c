// Pure parts of the reader core: APDU building, BER, PIN input, certificate
// facts and verdicts, JSON documents. No PC/SC.
#include <onshi/reader/json.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace onshi::reader {
namespace {
using namespace std::chrono;

Date d(int y, unsigned m, unsigned day) { return Date{year{y}, month{m}, std::chrono::day{day}}; }

CertificateFacts expiring_on(Date not_after) {
  CertificateFacts c;
  c.not_before = d(2025, 2, 18);
  c.not_after = not_after;
  return c;
}

Verdict verdict_on(Date not_after, CardKind kind, Date today) {
  return evaluate_certificate(expiring_on(not_after), kind, today).verdict;
}

TEST(ReaderApdu, builds_short_and_extended_commands) {
  EXPECT_EQ(to_hex(make_command(0x00, 0x20, 0x00, 0x80)), "00200080");
  EXPECT_EQ(to_hex(make_command(0x00, 0xB0, 0x01, 0x00, {}, 256)), "00B0010000");
  EXPECT_EQ(to_hex(make_command(0x00, 0xB0, 0x8A, 0x00, {}, kExtendedMax)), "00B08A00000000");
  const uint8_t id[] = {0x00, 0x0A};
  EXPECT_EQ(to_hex(make_command(0x00, 0xA4, 0x02, 0x0C, id)), "00A4020C02000A");
  const Bytes big(300, 0xAB);
  const Bytes ext = make_command(0x80, 0x2A, 0x00, 0x80, big, 256);
  EXPECT_EQ(to_hex(std::span(ext).first(7)), "802A008000012C");
  EXPECT_EQ(ext.size(), 7 + 300 + 2u);
}

TEST(ReaderBer, parses_short_long_and_multibyte_tag_headers) {
  const uint8_t cert[] = {0x30, 0x82, 0x04, 0xD2};
  auto h = parse_tlv_header(cert, "cert");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->tag, 0x30u);
  EXPECT_EQ(h->total_size(), 4u + 0x04D2);
  const uint8_t one[] = {0x30, 0x81, 0xC8};
  EXPECT_EQ(parse_tlv_header(one, "x")->total_size(), 3u + 200);
  const uint8_t ff20[] = {0xFF, 0x20, 0x05};
  EXPECT_EQ(parse_tlv_header(ff20, "x")->tag, 0xFF20u);
}

TEST(ReaderBer, rejects_truncated_indefinite_and_huge_lengths) {
  const std::vector<Bytes> bad = {{}, {0x30}, {0x30, 0x82, 0x04}, {0x30, 0x80}, {0x30, 0x85, 1, 2, 3, 4, 5}, {0xFF}, {0xFF, 0xA0, 0x80, 0x81}};
  for (const auto& b : bad) {
    auto h = parse_tlv_header(b, "EF 000A");
    ASSERT_FALSE(h.ok()) << to_hex(b);
    EXPECT_EQ(h.error().code, ONSHI_E_PROTOCOL);
    EXPECT_NE(h.error().message.find("EF 000A"), std::string::npos);
  }
  const uint8_t overrun[] = {0xDF, 0x22, 0x05, 'a', 'b'};
  EXPECT_FALSE(parse_tlv_list(overrun, "x").ok());
  const uint8_t with_filler[] = {0xDF, 0x22, 0x01, 'a', 0xDF, 0x25, 0x01, '2', 0xFF, 0xFF};
  auto items = parse_tlv_list(with_filler, "x");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].tag, 0xDF25u);
}

TEST(ReaderPin, R_PIN_only_four_ascii_digits_are_accepted) {
  EXPECT_TRUE(Pin::from_digits("0000").ok());
  for (const char* bad : {"", "123", "12345", "12 4", "abcd", "１２３４", "-123"}) {
    auto p = Pin::from_digits(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_EQ(p.error().message.find(bad[0] ? bad : "\x01"), std::string::npos);  // never echoes input
  }
}

// Certificate that ends 2030-02-17: alert from 2029-11-17, grace through 2030-05-31.
TEST(ReaderVerdict, R_ALERT_starts_three_months_before_expiry) {
  const Date end = d(2030, 2, 17);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2029, 11, 16)), Verdict::valid);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2029, 11, 17)), Verdict::alert);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2029, 11, 18)), Verdict::alert);
  EXPECT_EQ(verdict_on(end, CardKind::smartphone, d(2029, 11, 17)), Verdict::alert);
}

TEST(ReaderVerdict, R_CERT_valid_through_the_expiry_day_inclusive) {
  const Date end = d(2030, 2, 17);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 2, 16)), Verdict::alert);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 2, 17)), Verdict::alert);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 2, 18)), Verdict::grace);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2025, 2, 17)), Verdict::not_yet_valid);
}

TEST(ReaderVerdict, R_GRACE_runs_three_months_from_the_end_of_the_expiry_month) {
  const Date end = d(2030, 2, 17);
  const auto s = evaluate_certificate(expiring_on(end), CardKind::physical_card, d(2030, 3, 1));
  ASSERT_TRUE(s.grace_until);
  EXPECT_EQ(support::iso_date(*s.grace_until), "2030-05-31");
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 5, 30)), Verdict::grace);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 5, 31)), Verdict::grace);
  EXPECT_EQ(verdict_on(end, CardKind::physical_card, d(2030, 6, 1)), Verdict::expired);
  // Across a year end, and from a month's last day.
  EXPECT_EQ(support::iso_date(*evaluate_certificate(expiring_on(d(2030, 11, 30)), CardKind::physical_card, d(2030, 12, 1)).grace_until), "2031-02-28");
}

TEST(ReaderVerdict, R_PHONE_smartphone_has_no_grace) {
  const Date end = d(2030, 2, 17);
  EXPECT_EQ(verdict_on(end, CardKind::smartphone, d(2030, 2, 17)), Verdict::alert);
  EXPECT_EQ(verdict_on(end, CardKind::smartphone, d(2030, 2, 18)), Verdict::expired);
  EXPECT_FALSE(evaluate_certificate(expiring_on(end), CardKind::smartphone, d(2030, 2, 18)).grace_until);
}

TEST(ReaderVerdict, R_ALERT_clamps_to_the_end_of_a_shorter_month) {
  const auto s = evaluate_certificate(expiring_on(d(2030, 5, 31)), CardKind::physical_card, d(2030, 1, 1));
  EXPECT_EQ(support::iso_date(s.alert_from), "2030-02-28");
}

TEST(ReaderVerdict, R_GRACE_use_decides_what_an_expired_certificate_allows) {
  const Date end = d(2030, 2, 17);
  const auto grace = evaluate_certificate(expiring_on(end), CardKind::physical_card, d(2030, 3, 1));
  EXPECT_TRUE(check_certificate(grace, CardKind::physical_card, Use::qualification).ok());
  auto drugs = check_certificate(grace, CardKind::physical_card, Use::drug_and_clinical_info);
  ASSERT_FALSE(drugs.ok());
  EXPECT_EQ(drugs.error().code, ONSHI_E_CERT_EXPIRED);
  EXPECT_NE(drugs.error().message.find("R-GRACE"), std::string::npos);
  const auto gone = evaluate_certificate(expiring_on(end), CardKind::physical_card, d(2030, 6, 1));
  EXPECT_EQ(check_certificate(gone, CardKind::physical_card, Use::qualification).error().code, ONSHI_E_CERT_EXPIRED);
  const auto phone = evaluate_certificate(expiring_on(end), CardKind::smartphone, d(2030, 2, 18));
  EXPECT_NE(check_certificate(phone, CardKind::smartphone, Use::qualification).error().message.find("R-PHONE"), std::string::npos);
}

TEST(ReaderVerdict, jst_day_changes_at_15_00_utc) {
  const auto t = sys_days(d(2030, 2, 17)) + hours{14} + minutes{59} + seconds{59};
  EXPECT_EQ(support::iso_date(support::jst_day(t)), "2030-02-17");
  EXPECT_EQ(support::iso_date(support::jst_day(t + seconds{1})), "2030-02-18");
}

// A real X.509 certificate built here, ending 2030-02-17 14:59:59Z (23:59:59 JST).
Bytes make_certificate(const char* not_after) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("TESTID"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("JP"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250217150000Z");
  ASN1_TIME_set_string_X509(X509_getm_notAfter(x), not_after);
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

TEST(ReaderCertificate, R_CERT_facts_are_read_in_jst_days) {
  auto facts = parse_certificate(make_certificate("20300217145959Z"));
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(support::iso_date(facts->not_before), "2025-02-18");
  EXPECT_EQ(support::iso_date(facts->not_after), "2030-02-17");
  EXPECT_EQ(facts->serial_hex, "1234");
  EXPECT_NE(facts->subject.find("CN=TESTID"), std::string::npos);
}

TEST(ReaderCertificate, rejects_garbage_and_trailing_bytes) {
  EXPECT_EQ(parse_certificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).error().code, ONSHI_E_PROTOCOL);
  Bytes padded = make_certificate("20300217145959Z");
  padded.push_back(0xFF);
  EXPECT_FALSE(parse_certificate(padded).ok());
  EXPECT_FALSE(parse_certificate(Bytes{}).ok());
}

TEST(ReaderJson, card_info_round_trips_with_schema) {
  CardInfo info;
  info.reader = "Virtual PCD 00 00";
  info.token_label = "JPKIAPICCTOKEN2";
  info.pin_tries_left = 2;
  auto facts = parse_certificate(make_certificate("20300217145959Z"));
  ASSERT_TRUE(facts.ok());
  info.certificate_status = evaluate_certificate(*facts, info.kind, d(2030, 3, 1));
  info.auth_certificate = *facts;
  const nlohmann::json doc = info;
  EXPECT_EQ(doc["schema"], ONSHI_SCHEMA_READER_CARD_INFO);
  EXPECT_EQ(doc["auth_certificate"]["verdict"], "grace");
  EXPECT_EQ(doc["auth_certificate"]["grace_until"], "2030-05-31");
  auto back = support::from_document<CardInfo>(nlohmann::json::parse(doc.dump()), ONSHI_SCHEMA_READER_CARD_INFO);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->auth_certificate->der, facts->der);
  EXPECT_EQ(back->certificate_status->verdict, Verdict::grace);
  EXPECT_EQ(back->pin_tries_left, 2);
}

TEST(ReaderJson, malformed_documents_give_errors_not_exceptions) {
  EXPECT_EQ(support::from_document<PinResult>(nlohmann::json{{"schema", "onshi.reader.card-info/1"}}, ONSHI_SCHEMA_READER_PIN_RESULT)
                .error()
                .code,
            ONSHI_E_INVALID_ARGUMENT);
  auto bad = support::from_document<PinResult>(
      nlohmann::json{{"schema", ONSHI_SCHEMA_READER_PIN_RESULT}, {"outcome", "maybe"}, {"tries_left", 1}}, ONSHI_SCHEMA_READER_PIN_RESULT);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field outcome: expected one of verified, wrong, locked, failed"), std::string::npos)
      << bad.error().message;
  auto good = support::from_document<PinResult>(nlohmann::json(PinResult{PinResult::Outcome::wrong, 1}), ONSHI_SCHEMA_READER_PIN_RESULT);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->outcome, PinResult::Outcome::wrong);
}

}  // namespace
}  // namespace onshi::reader
