// The reader core against onshi-vcard through the real pcscd + vpcd.
#include "virtual_card.hpp"

#include <onshi/reader/json.hpp>
#include <onshi/reader/mynumber_card.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <functional>
#include <sstream>
#include <thread>

namespace onshi::reader::test {
namespace {
using namespace std::chrono_literals;

// VERIFY with PIN data (the card masks the PIN itself): "0020008004XXXXXXXX".
constexpr const char* kVerifyWithPin = "0020008004";
constexpr const char* kSelectIndividualNumber = "00A4020C020001";
const Date kToday{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{21}};

std::unique_ptr<PcscContext> context() {
  auto ctx = PcscContext::establish();
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
  return std::move(ctx).value();
}

struct Session {
  std::unique_ptr<PcscContext> ctx = context();
  std::unique_ptr<CardConnection> connection;
  std::optional<MyNumberCard> card;

  // Connects and opens; on failure `error` holds why.
  Result<void> open() {
    auto c = ctx->connect(kReader);
    if (!c) return c.error();
    connection = std::move(c).value();
    auto m = MyNumberCard::open(*connection);
    if (!m) return m.error();
    card.emplace(std::move(m).value());
    return {};
  }
};

Pin pin(const char* digits) { return std::move(Pin::from_digits(digits)).value(); }

TEST(ReaderCard, R_NOMYNUM_card_info_without_pin_matches_issued_certificate) {
  VirtualCard vcard({"--today", "2026-11-21"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->kind, CardKind::physical_card);
  EXPECT_EQ(info->token_label, "JPKIAPICCTOKEN2");
  EXPECT_EQ(info->pin_tries_left, 3);
  ASSERT_TRUE(info->auth_certificate);
  EXPECT_EQ(info->auth_certificate->der, vcard.auth_cert_der());
  EXPECT_EQ(info->certificate_status->verdict, Verdict::valid);
  const auto log = vcard.apdus();
  EXPECT_EQ(count_prefix(log, kVerifyWithPin), 0u);
  EXPECT_EQ(count_prefix(log, kSelectIndividualNumber), 0u);
  const nlohmann::json doc = *info;
  EXPECT_EQ(doc["schema"], "onshi.reader.card-info/1");
  EXPECT_EQ(doc["auth_certificate"]["verdict"], "valid");
}

TEST(ReaderCard, reads_each_certificate_in_one_extended_apdu_when_the_reader_allows) {
  VirtualCard vcard;
  Session s;
  ASSERT_TRUE(s.open().ok());
  const auto before = s.connection->apdu_count();
  auto cert = s.card->read_auth_certificate();
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  auto ca = s.card->read_auth_ca_certificate();
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  EXPECT_EQ(s.connection->apdu_count() - before, 2u);
  EXPECT_EQ(s.connection->extended_length(), ExtendedLength::supported);
  EXPECT_EQ(*cert, vcard.auth_cert_der());
  EXPECT_EQ(count_prefix(vcard.apdus(), "00B08A0000000"), 1u);
}

TEST(ReaderCard, falls_back_to_256_byte_chunks_when_the_card_refuses_extended_length) {
  VirtualCard vcard({"--short-only"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto cert = s.card->read_auth_certificate();
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ(*cert, vcard.auth_cert_der());
  EXPECT_EQ(s.connection->extended_length(), ExtendedLength::unsupported);
  const auto log = vcard.apdus();
  EXPECT_EQ(count_prefix(log, "00B08A0000000"), 1u);  // refused with 6700
  EXPECT_EQ(count_prefix(log, "00A4020C02000A"), 1u);
  EXPECT_EQ(count_prefix(log, "00B00"), (cert->size() + 255) / 256 + 1);  // chunks + the token label read
}

TEST(ReaderCard, follows_61xx_with_get_response) {
  VirtualCard vcard({"--sw-at", "3:6100"});  // APDU 3 reads the token label
  Session s;
  ASSERT_TRUE(s.open().ok());
  EXPECT_EQ(s.card->token_label(), "JPKIAPICCTOKEN2");
  EXPECT_EQ(count_prefix(vcard.apdus(), "00C00000"), 1u);
}

TEST(ReaderCard, detects_my_number_card_by_aid_not_atr) {
  VirtualCard vcard({"--blank"});  // same JPKI ATR, no JPKI application
  Session s;
  auto r = s.open();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ONSHI_E_WRONG_CARD);
  EXPECT_EQ(r.error().native_code, 0x6A82);
}

TEST(ReaderCard, R_PIN_wrong_pin_counts_down_then_locks_without_further_verify) {
  VirtualCard vcard({"--pin", "4821"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  for (int left : {2, 1}) {
    auto r = s.card->verify_auth_pin(pin("1111"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ONSHI_E_PIN_WRONG);
    EXPECT_EQ(r.error().native_code, left);
    EXPECT_EQ(pin_result(r).tries_left, left);
  }
  auto third = s.card->verify_auth_pin(pin("1111"));
  EXPECT_EQ(third.error().code, ONSHI_E_PIN_LOCKED);
  auto right_but_late = s.card->verify_auth_pin(pin("4821"));
  EXPECT_EQ(right_but_late.error().code, ONSHI_E_PIN_LOCKED);
  EXPECT_NE(right_but_late.error().hint.find("R-VIS"), std::string::npos);
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 3u);  // none for the locked card
  EXPECT_EQ(*s.card->auth_pin_tries_left(), 0);
}

// 1-based index of the first VERIFY carrying a PIN in an APDU log.
size_t first_verify_with_pin(const std::vector<std::string>& log) {
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i].rfind(kVerifyWithPin, 0) == 0) return i + 1;
  return 0;
}

// A card (or reader) answering the PIN's VERIFY with 6Cxx ("wrong Le") must not make us send the
// PIN again with its last digit replaced: that cost a second try, and the right PIN read as wrong.
TEST(ReaderCard, R_PIN_a_6Cxx_answer_to_verify_is_never_resent) {
  for (const char* typed : {"1111", "1234"}) {
    size_t k = 0;
    {
      VirtualCard probe({"--pin", "1234"});
      Session s;
      ASSERT_TRUE(s.open().ok());
      (void)s.card->verify_auth_pin(pin(typed));
      k = first_verify_with_pin(probe.apdus());
      ASSERT_GT(k, 0u);
    }
    VirtualCard vcard({"--pin", "1234", "--sw-at", std::to_string(k) + ":6C04"});
    Session s;
    ASSERT_TRUE(s.open().ok());
    auto r = s.card->verify_auth_pin(pin(typed));
    ASSERT_FALSE(r.ok()) << typed;
    EXPECT_NE(r.error().code, ONSHI_E_PIN_WRONG) << typed << ": " << r.error().message;
    EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 1u) << typed;
    // The card counted one try for the wrong PIN, none for the right one.
    EXPECT_EQ(*s.card->auth_pin_tries_left(), std::string(typed) == "1234" ? 3 : 2) << typed;
  }
}

TEST(ReaderCard, R_PIN_typo_is_refused_before_it_can_cost_a_try) {
  VirtualCard vcard;
  Session s;
  ASSERT_TRUE(s.open().ok());
  for (const char* typo : {"123", "12345", "12a4", "", "１２３４"}) {
    auto p = Pin::from_digits(typo);
    ASSERT_FALSE(p.ok()) << typo;
    EXPECT_EQ(p.error().code, ONSHI_E_INVALID_ARGUMENT);
  }
  EXPECT_EQ(*s.card->auth_pin_tries_left(), 3);
  EXPECT_EQ(count_prefix(vcard.apdus(), "0020"), 1u);  // just the status query
}

TEST(ReaderCard, R_PIN_locked_card_reports_locked_and_sends_no_verify) {
  VirtualCard vcard({"--locked"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pin_tries_left, 0);
  auto r = s.card->verify_auth_pin(pin("1234"));
  EXPECT_EQ(r.error().code, ONSHI_E_PIN_LOCKED);
  EXPECT_EQ(nlohmann::json(pin_result(r))["outcome"], "locked");
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 0u);
}

TEST(ReaderCard, R_PIN_verified_pin_signs_challenge_verifiable_with_certificate) {
  VirtualCard vcard({"--pin", "4821"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  const Bytes challenge = {'n', 'o', 'n', 'c', 'e', 1, 2, 3};
  auto unsigned_attempt = s.card->sign(challenge);
  ASSERT_FALSE(unsigned_attempt.ok());
  EXPECT_EQ(unsigned_attempt.error().code, ONSHI_E_REFUSED);
  ASSERT_TRUE(s.card->verify_auth_pin(pin("4821")).ok());
  auto signature = s.card->sign(challenge);
  ASSERT_TRUE(signature.ok()) << signature.error().message;

  const Bytes der = vcard.auth_cert_der();
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, long(der.size()));
  ASSERT_NE(cert, nullptr);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert)), 1);
  EXPECT_EQ(EVP_DigestVerify(md, signature->data(), signature->size(), challenge.data(), challenge.size()), 1);
  EVP_MD_CTX_free(md);
  X509_free(cert);
}

TEST(ReaderCard, R_NOMYNUM_basic_four_uses_its_own_pin_and_never_selects_the_individual_number) {
  VirtualCard vcard({"--pin", "4821", "--text-pin", "7395", "--name", "番号　太郎", "--birth", "1990-04-01", "--sex", "1"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto wrong = s.card->read_basic_four(pin("4821"));  // the auth PIN does not open it
  EXPECT_EQ(wrong.error().code, ONSHI_E_PIN_WRONG);
  auto four = s.card->read_basic_four(pin("7395"));
  ASSERT_TRUE(four.ok()) << four.error().message;
  EXPECT_EQ(four->name, "番号　太郎");
  EXPECT_EQ(four->birth_date, "19900401");
  EXPECT_EQ(four->sex, "1");
  EXPECT_EQ(*s.card->auth_pin_tries_left(), 3);  // separate counters; JPKI re-selected
  EXPECT_EQ(count_prefix(vcard.apdus(), kSelectIndividualNumber), 0u);
  EXPECT_EQ(vcard.output().find("individual-number"), std::string::npos);
}

TEST(ReaderCard, R_NOMYNUM_the_apdu_log_check_would_catch_a_select_of_the_individual_number) {
  // The guard above must be able to fail: select EF 0001 in the 入力補助AP by hand.
  VirtualCard vcard;
  Session s;
  ASSERT_TRUE(s.open().ok());
  const uint8_t select_text_ap[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
  const uint8_t select_0001[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01};
  ASSERT_TRUE(s.connection->transmit(select_text_ap).ok());
  auto r = s.connection->transmit(select_0001);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sw, 0x6A82);  // the vcard holds no individual number
  EXPECT_EQ(count_prefix(vcard.apdus(), kSelectIndividualNumber), 1u);
  EXPECT_NE(vcard.output().find("individual-number"), std::string::npos);
}

TEST(ReaderCard, R_PHONE_smartphone_token_needs_pin_for_certificate_and_has_no_grace) {
  VirtualCard vcard({"--smartphone", "--today", "2026-11-21", "--cert", "expired-yesterday", "--pin", "4821"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  EXPECT_EQ(s.card->kind(), CardKind::smartphone);
  EXPECT_EQ(s.card->token_label(), "JPKIAPGPSETOKEN");
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_FALSE(info->auth_certificate);
  ASSERT_TRUE(s.card->verify_auth_pin(pin("4821")).ok());
  info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok() && info->auth_certificate);
  EXPECT_EQ(info->certificate_status->verdict, Verdict::expired);
  auto usable = check_certificate(*info->certificate_status, CardKind::smartphone, Use::qualification);
  EXPECT_EQ(usable.error().code, ONSHI_E_CERT_EXPIRED);
  EXPECT_NE(usable.error().message.find("R-PHONE"), std::string::npos);
}

TEST(ReaderCard, R_GRACE_card_expired_last_month_allows_qualification_only) {
  VirtualCard vcard({"--today", "2026-11-21", "--cert", "in-grace"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->certificate_status->verdict, Verdict::grace);
  EXPECT_TRUE(check_certificate(*info->certificate_status, CardKind::physical_card, Use::qualification).ok());
  EXPECT_EQ(check_certificate(*info->certificate_status, CardKind::physical_card, Use::drug_and_clinical_info).error().code,
            ONSHI_E_CERT_EXPIRED);
}

TEST(ReaderCard, R_CERT_fifth_birthday_persona_expires_on_the_fifth_birthday_after_issue) {
  // Issued a year before 2026-11-21; birthdays after that: 2026-02-17 (1st) ... 2030-02-17 (5th).
  VirtualCard vcard({"--today", "2026-11-21", "--birth", "1980-02-17", "--cert", "fifth-birthday"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(support::iso_date(info->auth_certificate->not_after), "2030-02-17");
  EXPECT_EQ(info->certificate_status->verdict, Verdict::valid);
}

TEST(ReaderCard, R_ALERT_certificate_expiring_next_month_is_flagged) {
  VirtualCard vcard({"--today", "2026-11-21", "--cert", "alert"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->certificate_status->verdict, Verdict::alert);
}

TEST(ReaderCard, R_GRACE_past_grace_is_expired) {
  VirtualCard vcard({"--today", "2026-11-21", "--cert", "past-grace"});
  Session s;
  ASSERT_TRUE(s.open().ok());
  auto info = read_card_info(*s.card, kReader, kToday);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->certificate_status->verdict, Verdict::expired);
}

// Runs `flow` against a card pulled at APDU k, for every k the clean flow sends.
void pull_at_every_apdu(const std::vector<std::string>& card_args, const std::function<Result<void>(Session&)>& flow,
                        size_t max_verifies) {
  size_t clean_count = 0;
  {
    VirtualCard vcard(card_args);
    Session s;
    ASSERT_TRUE(flow(s).ok());
    clean_count = vcard.apdus().size();
  }
  ASSERT_GT(clean_count, 0u);
  for (size_t k = 1; k <= clean_count; ++k) {
    auto args = card_args;
    args.insert(args.end(), {"--drop-at", std::to_string(k)});
    VirtualCard vcard(args);
    Session s;
    auto r = flow(s);
    ASSERT_FALSE(r.ok()) << "pulled at APDU " << k;
    EXPECT_EQ(r.error().code, ONSHI_E_CARD_REMOVED) << "pulled at APDU " << k << ": " << r.error().message;
    EXPECT_TRUE(r.error().retryable);
    const auto log = vcard.apdus();
    EXPECT_EQ(log.size(), k) << "nothing is sent after the card is gone";
    EXPECT_LE(count_prefix(log, kVerifyWithPin), max_verifies) << "pulled at APDU " << k;
  }
}

TEST(ReaderCard, card_pulled_at_every_apdu_of_the_certificate_read_gives_card_removed) {
  pull_at_every_apdu({"--short-only"}, [](Session& s) -> Result<void> {
    if (auto o = s.open(); !o) return o;
    if (auto c = s.card->read_auth_certificate(); !c) return c.error();
    if (auto c = s.card->read_auth_ca_certificate(); !c) return c.error();
    return {};
  }, 0);
}

TEST(ReaderCard, R_PIN_card_pulled_at_every_apdu_of_the_pin_flow_never_repeats_verify) {
  pull_at_every_apdu({"--pin", "4821"}, [](Session& s) -> Result<void> {
    if (auto o = s.open(); !o) return o;
    if (auto t = s.card->auth_pin_tries_left(); !t) return t.error();
    if (auto v = s.card->verify_auth_pin(pin("4821")); !v) return v;
    const uint8_t challenge[] = {1, 2, 3};
    if (auto g = s.card->sign(challenge); !g) return g.error();
    return {};
  }, 1);
}

TEST(ReaderCard, pcscd_restart_mid_session_is_survived) {
  VirtualCard vcard;
  auto ctx = context();
  {
    auto c = ctx->connect(kReader);
    ASSERT_TRUE(c.ok());
    auto card = MyNumberCard::open(**c);
    ASSERT_TRUE(card.ok());
    ASSERT_EQ(run(std::string(ONSHI_PCSCD_SCRIPT) + " restart"), 0);
    auto lost = card->read_auth_certificate();
    ASSERT_FALSE(lost.ok());
    EXPECT_TRUE(lost.error().retryable) << lost.error().message;
  }
  // The same context recovers: it waits out the restart and reconnects.
  ASSERT_TRUE(ctx->wait_for(kReader, Presence::present, 10s).ok());
  auto readers = ctx->list_readers();
  ASSERT_TRUE(readers.ok());
  auto c = ctx->connect(kReader);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto card = MyNumberCard::open(**c);
  ASSERT_TRUE(card.ok());
  auto cert = card->read_auth_certificate();
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(*cert, vcard.auth_cert_der());
}

TEST(ReaderCard, lists_readers_and_reports_no_card_and_unknown_reader) {
  VirtualCard vcard;
  auto ctx = context();
  auto readers = ctx->list_readers();
  ASSERT_TRUE(readers.ok());
  const ReaderList list{*readers};
  const nlohmann::json doc = list;
  EXPECT_EQ(doc["schema"], "onshi.reader.readers/1");
  bool ours = false, empty = false;
  for (const auto& r : *readers) {
    ours |= r.name == kReader && r.card_present;
    empty |= r.name == kEmptyReader && !r.card_present;
  }
  EXPECT_TRUE(ours && empty);
  EXPECT_EQ(ctx->connect(kEmptyReader).error().code, ONSHI_E_NO_CARD);
  EXPECT_EQ(ctx->connect("No Such Reader 00 00").error().code, ONSHI_E_NO_DEVICE);
}

TEST(ReaderCard, wait_for_card_times_out_and_can_be_cancelled) {
  auto ctx = context();
  auto timed = ctx->wait_for(kEmptyReader, Presence::present, 300ms);
  EXPECT_EQ(timed.error().code, ONSHI_E_TIMEOUT);
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    ctx->cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto cancelled = ctx->wait_for(kEmptyReader, Presence::present, 10s);
  canceller.join();
  EXPECT_EQ(cancelled.error().code, ONSHI_E_CANCELLED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ReaderCard, R_PIN_never_appears_in_any_log_or_output) {
  const std::string auth_pin = "4821", text_pin = "7395";
  std::string everything;
  {
    VirtualCard vcard({"--pin", auth_pin, "--text-pin", text_pin});
    Session s;
    ASSERT_TRUE(s.open().ok());
    auto wrong = s.card->verify_auth_pin(pin("1111"));
    auto right = s.card->verify_auth_pin(pin(auth_pin.c_str()));
    auto four = s.card->read_basic_four(pin(text_pin.c_str()));
    auto info = read_card_info(*s.card, kReader, kToday);
    ASSERT_TRUE(right.ok() && four.ok() && info.ok());
    everything += wrong.error().message + wrong.error().hint;
    everything += nlohmann::json(pin_result(wrong)).dump() + nlohmann::json(pin_result(right)).dump();
    everything += nlohmann::json(*four).dump() + nlohmann::json(*info).dump();
    for (const auto& line : vcard.apdus()) everything += line + "\n";
    everything += vcard.output();
  }
  // pcscd's lines start with an 8-digit time delta ("00084821 winscard.c…"): not what it logged.
  std::istringstream pcscd_log(read_text(ONSHI_PCSCD_LOG));
  for (std::string line; std::getline(pcscd_log, line);) everything += line.substr(std::min(line.size(), size_t{9})) + "\n";
  for (const std::string& secret : {auth_pin, text_pin, std::string("34383231"), std::string("37333935")})
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
  EXPECT_NE(everything.find("0020008004XXXXXXXX"), std::string::npos);  // the VERIFYs were there, masked
}

TEST(ReaderCard, interop_pkcs15_tool_reads_the_same_auth_certificate) {
  VirtualCard vcard;
  Bytes ours;
  {
    Session s;
    ASSERT_TRUE(s.open().ok());
    auto cert = s.card->read_auth_certificate();
    ASSERT_TRUE(cert.ok());
    ours = *cert;
  }
  const std::string pem = vcard.state_dir() + "/pkcs15-tool-auth.pem";
  ASSERT_EQ(run("pkcs15-tool --reader 0 --read-certificate 01 --output " + pem + " >/dev/null 2>&1"), 0);
  const std::string text = read_text(pem);
  BIO* bio = BIO_new_mem_buf(text.data(), int(text.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  EXPECT_EQ(Bytes(der, der + len), ours);
  OPENSSL_free(der);
  X509_free(cert);
}

}  // namespace
}  // namespace onshi::reader::test
