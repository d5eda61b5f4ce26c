// The onshi.reader.pcsc plugin as an EMR reaches it: through onshi::Sdk and the
// "onshi.card-reader/1" table, against onshi-vcard in the real pcscd + vpcd.
#include "document_inbox.hpp"
#include "plugin_support.hpp"

#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_events.h>
#include <onshi/reader/mynumber_card.hpp>
#include <onshi/support/base64.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <condition_variable>
#include <thread>

namespace onshi::reader::test {
namespace {

using nlohmann::json;
using namespace std::chrono;
using namespace std::chrono_literals;

// A moment given as a JST wall-clock time, in Unix milliseconds (JST = UTC+9).
int64_t jst_ms(int y, unsigned m, unsigned d, int hour = 12, int minute = 0, int second = 0) {
  const sys_seconds utc = sys_days(year{y} / month{m} / day{d}) + hours{hour - 9} + minutes{minute} + seconds{second};
  return duration_cast<milliseconds>(utc.time_since_epoch()).count();
}

class ReaderPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    SdkOptions o;
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.reader.pcsc"};
    o.log_level = ONSHI_LOG_DEBUG;
    o.log = [this](int32_t, std::string_view, std::string_view message) {
      std::lock_guard lock(log_mutex_);
      log_ += std::string(message) + "\n";
    };
    auto sdk = Sdk::open(o);
    ASSERT_TRUE(sdk.ok()) << sdk.error().message;
    sdk_.emplace(std::move(sdk).value());
    auto ext = sdk_->extension<onshi_card_reader_v1>(ONSHI_EXT_CARD_READER, "onshi.reader.pcsc");
    ASSERT_TRUE(ext.ok()) << ext.error().message;
    reader_ = *ext;
    sdk_->set_time_ms(jst_ms(2026, 11, 21));  // the day the personas below are issued for
  }

  Result<json> card_info(const char* reader = nullptr) {
    std::string out;
    const onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    if (onshi_status st = reader_.vtable->card_info(reader_.instance, reader, &w, &err)) return to_error(st, err);
    return json::parse(out);
  }

  Result<Bytes> certificate(int32_t which) {
    std::string out;
    const onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    if (onshi_status st = reader_.vtable->read_certificate(reader_.instance, nullptr, which, &w, &err))
      return to_error(st, err);
    return Bytes(out.begin(), out.end());
  }

  Error verify(const char* pin) {
    onshi_error err = empty_error();
    const onshi_status st = reader_.vtable->verify_pin(reader_.instance, kReader.c_str(), pin, &err);
    if (st != ONSHI_OK) return to_error(st, err);
    Error verified;
    verified.code = ONSHI_OK;
    return verified;
  }

  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  std::optional<Sdk> sdk_;
  Extension<onshi_card_reader_v1> reader_;
  std::mutex log_mutex_;
  std::string log_;
};

struct Persona {
  std::vector<std::string> args;
  const char* kind;
  const char* verdict;  // nullptr: no certificate before the PIN
};

TEST_F(ReaderPlugin, R_CERT_R_ALERT_R_GRACE_R_PHONE_card_info_gives_the_verdict_of_each_persona) {
  const Persona personas[] = {
      {{"--cert", "valid"}, "card", "valid"},
      {{"--cert", "alert"}, "card", "alert"},
      {{"--cert", "in-grace"}, "card", "grace"},
      {{"--cert", "past-grace"}, "card", "expired"},
      {{"--smartphone", "--cert", "expired-yesterday"}, "smartphone", nullptr},  // R-PHONE: certificate after the PIN
  };
  for (const auto& p : personas) {
    auto args = p.args;
    args.insert(args.end(), {"--today", "2026-11-21"});
    VirtualCard vcard(args);
    auto info = card_info();
    ASSERT_TRUE(info.ok()) << p.args[1] << ": " << info.error().message;
    EXPECT_EQ((*info)["schema"], "onshi.reader.card-info/1");
    EXPECT_EQ((*info)["reader"], kReader);
    EXPECT_EQ((*info)["kind"], p.kind);
    EXPECT_EQ((*info)["pin_tries_left"], 3);
    if (!p.verdict) {
      EXPECT_TRUE((*info)["auth_certificate"].is_null());
      continue;
    }
    EXPECT_EQ((*info)["auth_certificate"]["verdict"], p.verdict) << p.args[1];
    EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 0u) << "card_info needs no PIN";
  }
}

TEST_F(ReaderPlugin, R_GRACE_R_ALERT_verdict_follows_the_host_clock_in_jst) {
  // Physical card valid through 2026-11-20 (JST): grace runs through 2027-02-28.
  VirtualCard vcard({"--today", "2026-11-21", "--cert", "expired-yesterday"});
  const struct {
    int64_t now;
    const char* verdict;
  } moments[] = {
      {jst_ms(2026, 11, 20, 23, 59, 59), "alert"},  // 14:59:59 UTC: still the 20th in Japan
      {jst_ms(2026, 11, 21, 0, 0, 0), "grace"},     // 15:00 UTC the day before
      {jst_ms(2027, 2, 28, 23, 59, 59), "grace"},
      {jst_ms(2027, 3, 1, 0, 0, 0), "expired"},
      {jst_ms(2026, 7, 1), "valid"},
  };
  for (const auto& m : moments) {
    sdk_->set_time_ms(m.now);
    auto info = card_info(kReader.c_str());
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ((*info)["auth_certificate"]["verdict"], m.verdict) << m.now;
    EXPECT_EQ((*info)["auth_certificate"]["not_after"], "2026-11-20");
  }
}

TEST_F(ReaderPlugin, R_PIN_wrong_pin_counts_down_and_the_right_one_verifies_once_per_call) {
  VirtualCard vcard({"--pin", "4821"});
  for (int left : {2, 1}) {
    const Error e = verify("1111");
    EXPECT_EQ(e.code, ONSHI_E_PIN_WRONG);
    EXPECT_EQ(e.native_code, left);
    EXPECT_NE(e.message.find(std::to_string(left)), std::string::npos) << e.message;
    EXPECT_FALSE(e.hint.empty());
  }
  EXPECT_EQ(verify("4821").code, ONSHI_OK);
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 3u);  // one VERIFY per call, never retried
  auto info = card_info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["pin_tries_left"], 3);  // the right PIN reset the counter
  const std::string everything = log();
  EXPECT_NE(everything.find("verify_pin"), std::string::npos) << "the log is captured";
  for (const char* secret : {"4821", "1111", "34383231", "31313131"}) EXPECT_EQ(everything.find(secret), std::string::npos);
}

TEST_F(ReaderPlugin, R_PIN_locked_card_is_reported_without_any_verify_sent) {
  VirtualCard vcard({"--locked"});
  const Error e = verify("1234");
  EXPECT_EQ(e.code, ONSHI_E_PIN_LOCKED);
  EXPECT_NE(e.hint.find("R-VIS"), std::string::npos) << e.hint;
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 0u);
  EXPECT_GE(count_prefix(vcard.apdus(), "00200080"), 1u);  // only the counter query
}

TEST_F(ReaderPlugin, R_PIN_malformed_pin_is_refused_before_anything_is_sent) {
  VirtualCard vcard({"--pin", "4821"});
  const size_t before = vcard.apdus().size();
  for (const char* typo : {"123", "12345", "12a4", "", "１２３４", " 4821", static_cast<const char*>(nullptr)}) {
    const Error e = verify(typo);
    EXPECT_EQ(e.code, ONSHI_E_INVALID_ARGUMENT) << (typo ? typo : "NULL");
    onshi_error err = empty_error();
    std::string sink;
    const onshi_writer w = append_to(sink);
    const uint8_t challenge[] = {1};
    EXPECT_EQ(reader_.vtable->sign(reader_.instance, nullptr, typo, {challenge, 1}, &w, &err), ONSHI_E_INVALID_ARGUMENT);
  }
  EXPECT_EQ(vcard.apdus().size(), before) << "no APDU at all";
  auto info = card_info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["pin_tries_left"], 3);
}

TEST_F(ReaderPlugin, R_PIN_sign_gives_a_signature_the_certificate_verifies) {
  VirtualCard vcard({"--pin", "4821"});
  auto der = certificate(ONSHI_CERT_AUTH);
  ASSERT_TRUE(der.ok()) << der.error().message;
  EXPECT_EQ(*der, vcard.auth_cert_der());
  auto ca_der = certificate(ONSHI_CERT_AUTH_CA);
  ASSERT_TRUE(ca_der.ok()) << ca_der.error().message;

  const std::string challenge = "challenge from the 資格確認端末";
  std::string signature;
  const onshi_writer w = append_to(signature);
  onshi_error err = empty_error();
  ASSERT_EQ(reader_.vtable->sign(reader_.instance, nullptr, "4821",
                                 bytes_of(challenge), &w, &err),
            ONSHI_OK)
      << err.message;
  ASSERT_EQ(signature.size(), 256u);

  const unsigned char* p = der->data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, long(der->size())), X509_free);
  p = ca_der->data();
  std::unique_ptr<X509, decltype(&X509_free)> ca(d2i_X509(nullptr, &p, long(ca_der->size())), X509_free);
  ASSERT_TRUE(cert && ca);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.get())), 1) << "the CA certificate issued the auth certificate";
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), reinterpret_cast<const uint8_t*>(signature.data()), signature.size(),
                             reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size()),
            1);
  signature[0] ^= 1;  // the check above can fail
  EXPECT_NE(EVP_DigestVerify(md.get(), reinterpret_cast<const uint8_t*>(signature.data()), signature.size(),
                             reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size()),
            1);
}

// R-PHONE: a smartphone's certificate cannot be read before its PIN; sign_with_certificate
// reads it after the one VERIFY and signs in the same session.
TEST_F(ReaderPlugin, R_PHONE_sign_with_certificate_reads_a_smartphone_certificate_after_the_pin) {
  VirtualCard vcard({"--smartphone", "--pin", "4821"});
  EXPECT_FALSE(certificate(ONSHI_CERT_AUTH).ok()) << "a smartphone certificate was read without the PIN";
  ASSERT_TRUE(ONSHI_HAS_FIELD(onshi_card_reader_v1, reader_.vtable, sign_with_certificate));
  const std::string challenge = "challenge";
  std::string signature, der;
  const onshi_writer sig = append_to(signature), cert = append_to(der);
  onshi_error err = empty_error();
  ASSERT_EQ(reader_.vtable->sign_with_certificate(reader_.instance, nullptr, "4821",
                                                  bytes_of(challenge),
                                                  &sig, &cert, &err),
            ONSHI_OK)
      << err.message;
  EXPECT_EQ(std::vector<uint8_t>(der.begin(), der.end()), vcard.auth_cert_der());
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> x509(d2i_X509(nullptr, &p, long(der.size())), X509_free);
  ASSERT_TRUE(x509);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x509.get())), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), reinterpret_cast<const uint8_t*>(signature.data()), signature.size(),
                             reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size()),
            1);
  err = empty_error();
  signature.clear();
  der.clear();
  EXPECT_EQ(reader_.vtable->sign_with_certificate(reader_.instance, nullptr, "1111",
                                                  bytes_of(challenge),
                                                  &sig, &cert, &err),
            ONSHI_E_PIN_WRONG);
  EXPECT_TRUE(der.empty()) << "nothing is read after a wrong PIN";
}

TEST_F(ReaderPlugin, R_PIN_a_verified_pin_does_not_outlive_the_call) {
  VirtualCard vcard({"--pin", "4821"});
  ASSERT_EQ(verify("4821").code, ONSHI_OK);
  // The plugin reset the card when verify_pin returned: a new session cannot sign.
  auto ctx = PcscContext::establish();
  ASSERT_TRUE(ctx.ok());
  auto connection = (*ctx)->connect(kReader);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto card = MyNumberCard::open(**connection);
  ASSERT_TRUE(card.ok());
  const uint8_t challenge[] = {1, 2, 3};
  auto signature = card->sign(challenge);
  ASSERT_FALSE(signature.ok());
  EXPECT_EQ(signature.error().code, ONSHI_E_REFUSED);
}

TEST_F(ReaderPlugin, R_NOMYNUM_basic_four_needs_its_own_pin_and_never_touches_the_individual_number) {
  VirtualCard vcard({"--pin", "4821", "--text-pin", "7395", "--name", "番号　太郎", "--birth", "1990-04-01"});
  auto read = [&](const char* pin) -> Result<json> {
    std::string out;
    const onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    if (onshi_status st = reader_.vtable->read_basic4(reader_.instance, nullptr, pin, &w, &err)) return to_error(st, err);
    return json::parse(out);
  };
  auto wrong = read("4821");  // the auth PIN does not open the 入力補助AP
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ONSHI_E_PIN_WRONG);
  auto four = read("7395");
  ASSERT_TRUE(four.ok()) << four.error().message;
  EXPECT_EQ((*four)["schema"], "onshi.reader.basic-four/1");
  EXPECT_EQ((*four)["name"], "番号　太郎");
  EXPECT_EQ((*four)["birth_date"], "19900401");
  EXPECT_EQ(count_prefix(vcard.apdus(), "00A4020C020001"), 0u);
  EXPECT_EQ(vcard.output().find("individual-number"), std::string::npos);
}

TEST_F(ReaderPlugin, no_card_and_unknown_reader_are_errors_a_receptionist_can_act_on) {
  auto none = card_info();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ONSHI_E_NO_CARD);
  EXPECT_FALSE(none.error().hint.empty());
  auto unknown = card_info("No Such Reader 00 00");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ONSHI_E_NO_DEVICE);
  EXPECT_NE(unknown.error().message.find("No Such Reader"), std::string::npos);
}

// What a listener received, for tests to wait on.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<int32_t, std::string>> seen;
  // reader "" matches the service events, which name none.
  bool wait_for(int32_t kind, const std::string& reader = kReader) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] {
      for (const auto& [k, r] : seen)
        if (k == kind && r == reader) return true;
      return false;
    });
  }
  void clear() {
    std::lock_guard lock(mutex);
    seen.clear();
  }
  onshi_reader_listener listener() {
    return {sizeof(onshi_reader_listener), this, [](void* ctx, const onshi_reader_event* e) {
              auto& ev = *static_cast<Events*>(ctx);
              std::lock_guard lock(ev.mutex);
              ev.seen.emplace_back(e->kind, e->reader);
              ev.changed.notify_all();
            }};
  }
};

TEST_F(ReaderPlugin, listener_sees_a_card_inserted_and_removed_and_nothing_after_it_stops) {
  Events events;
  auto listener = events.listener();
  onshi_error err = empty_error();
  ASSERT_EQ(reader_.vtable->set_listener(reader_.instance, &listener, &err), ONSHI_OK) << err.message;
  {
    VirtualCard vcard;
    EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_CARD_INSERTED));
  }
  EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_CARD_REMOVED));
  ASSERT_EQ(reader_.vtable->set_listener(reader_.instance, nullptr, &err), ONSHI_OK);
  size_t count = 0;
  {
    std::lock_guard lock(events.mutex);
    count = events.seen.size();
    EXPECT_EQ(events.seen.front().first, ONSHI_READER_EVENT_CARD_INSERTED) << "no event for the state at start";
  }
  VirtualCard again;  // would be an event if the listener were still running
  std::this_thread::sleep_for(500ms);
  std::lock_guard lock(events.mutex);
  EXPECT_EQ(events.seen.size(), count);
}

// The listener outlives pcscd: it says the service went and came back, and the
// cards inserted afterwards are still events.
TEST_F(ReaderPlugin, listener_reports_the_service_lost_and_back_across_a_pcscd_restart) {
  Events events;
  auto listener = events.listener();
  onshi_error err = empty_error();
  ASSERT_EQ(reader_.vtable->set_listener(reader_.instance, &listener, &err), ONSHI_OK) << err.message;
  ASSERT_EQ(run(std::string(ONSHI_PCSCD_SCRIPT) + " stop"), 0);
  EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_SERVICE_LOST, ""));
  ASSERT_EQ(run(std::string(ONSHI_PCSCD_SCRIPT) + " start"), 0);
  EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_SERVICE_BACK, ""));
  {
    VirtualCard vcard;
    EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_CARD_INSERTED));
  }
  EXPECT_TRUE(events.wait_for(ONSHI_READER_EVENT_CARD_REMOVED));
  ASSERT_EQ(reader_.vtable->set_listener(reader_.instance, nullptr, &err), ONSHI_OK);
}

// ---- by name (onshi.documents/1) and card events as documents (onshi.events/1): what onshi serve offers

struct ByName {
  Extension<onshi_documents_v1> docs;
  Result<json> call(const char* function, const json& request) const {
    const std::string text = request.is_null() ? std::string() : request.dump();
    std::string out;
    const onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    if (onshi_status st = docs.vtable->call(docs.instance, ONSHI_EXT_CARD_READER, function, bytes_of(text), &w, &err))
      return to_error(st, err);
    return json::parse(out);
  }
};

TEST_F(ReaderPlugin, R_PIN_every_function_is_offered_by_name_with_the_same_answer_and_the_pin_never_logged) {
  auto info = sdk_->plugin("onshi.reader.pcsc");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->provides, (std::vector<std::string>{ONSHI_EXT_CARD_READER, ONSHI_EXT_DIAGNOSTICS,
                                                      ONSHI_EXT_DOCUMENTS, ONSHI_EXT_EVENTS}));
  auto docs = sdk_->extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.reader.pcsc");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  const ByName by_name{*docs};
  std::string listed;
  const onshi_writer lw = append_to(listed);
  onshi_error err = empty_error();
  ASSERT_EQ(docs->vtable->list(docs->instance, &lw, &err), ONSHI_OK);
  std::vector<std::string> names;
  const json list = json::parse(listed);
  for (const auto& f : list["functions"]) {
    EXPECT_EQ(f["async"], false) << f["name"];
    names.push_back(f["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"list_readers", "card_info", "read_certificate", "verify_pin", "sign",
                                             "read_basic4"}));

  VirtualCard vcard({"--pin", "4821"});
  auto direct = card_info();
  auto named = by_name.call("card_info", {{"reader", kReader}});
  ASSERT_TRUE(direct.ok() && named.ok());
  EXPECT_EQ(*named, *direct);
  auto cert = by_name.call("read_certificate", json::object());
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  auto der = support::base64_decode((*cert)["certificate_base64"].get<std::string>());
  ASSERT_TRUE(der);
  EXPECT_EQ(Bytes(der->begin(), der->end()), vcard.auth_cert_der());

  const size_t before = vcard.apdus().size();
  auto typo = by_name.call("verify_pin", {{"pin", "12a4"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_EQ(typo.error().message.find("12a4"), std::string::npos) << typo.error().message;
  EXPECT_EQ(by_name.call("verify_pin", json::object()).error().code, ONSHI_E_INVALID_ARGUMENT) << "no PIN given";
  EXPECT_EQ(vcard.apdus().size(), before) << "a PIN that is not 4 digits costs no try";
  auto wrong = by_name.call("verify_pin", {{"reader", kReader}, {"pin", "1111"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ONSHI_E_PIN_WRONG);
  EXPECT_EQ(wrong.error().native_code, 2);
  auto right = by_name.call("verify_pin", {{"pin", "4821"}});
  ASSERT_TRUE(right.ok()) << right.error().message;
  EXPECT_EQ((*right)["verified"], true);

  const std::string challenge = "challenge from the 資格確認端末";
  auto signed_ = by_name.call("sign", {{"pin", "4821"}, {"challenge_base64", support::base64_encode(challenge)}});
  ASSERT_TRUE(signed_.ok()) << signed_.error().message;
  auto signature = support::base64_decode((*signed_)["signature_base64"].get<std::string>());
  auto signer = support::base64_decode((*signed_)["certificate_base64"].get<std::string>());
  ASSERT_TRUE(signature && signer);
  EXPECT_EQ(*signer, *der);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(signer->data());
  std::unique_ptr<X509, decltype(&X509_free)> x509(d2i_X509(nullptr, &p, long(signer->size())), X509_free);
  ASSERT_TRUE(x509);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x509.get())), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), reinterpret_cast<const uint8_t*>(signature->data()), signature->size(),
                             reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size()),
            1);
  const std::string everything = log();
  EXPECT_NE(everything.find("verify_pin"), std::string::npos) << "the log is captured";
  for (const char* secret : {"4821", "1111", "12a4"}) EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
}

TEST_F(ReaderPlugin, card_events_arrive_as_documents_naming_their_reader) {
  auto events = sdk_->extension<onshi_events_v1>(ONSHI_EXT_EVENTS, "onshi.reader.pcsc");
  ASSERT_TRUE(events.ok());
  onshi::test::DocumentInbox inbox;
  onshi_error err = empty_error();
  ASSERT_EQ(events->vtable->set_listener(events->instance, &inbox.listener, &err), ONSHI_OK) << err.message;
  { VirtualCard vcard; }
  ASSERT_TRUE(inbox.wait_for_count(2));
  {
    std::lock_guard lock(inbox.mutex);
    EXPECT_EQ(inbox.documents[0]["schema"], ONSHI_SCHEMA_PLUGIN_EVENT);
    EXPECT_EQ(inbox.documents[0]["kind"], "card");
    EXPECT_EQ(inbox.documents[0]["reader"], kReader);
    EXPECT_EQ(inbox.documents[0]["data"]["event"], "card_inserted");
    EXPECT_EQ(inbox.documents[1]["data"]["event"], "card_removed");
  }
  ASSERT_EQ(events->vtable->set_listener(events->instance, nullptr, &err), ONSHI_OK);
}

TEST_F(ReaderPlugin, diagnostics_report_the_service_and_the_host_clock) {
  auto diag = sdk_->extension<onshi_diagnostics_v1>(ONSHI_EXT_DIAGNOSTICS, "onshi.reader.pcsc");
  ASSERT_TRUE(diag.ok());
  std::string out;
  const onshi_writer w = append_to(out);
  onshi_error err = empty_error();
  ASSERT_EQ(diag->vtable->self_test(diag->instance, &w, &err), ONSHI_OK);
  const json report = json::parse(out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["now_unix_ms"], jst_ms(2026, 11, 21));
  EXPECT_EQ(report["checks"][1]["detail"], "2026-11-21");
}

}  // namespace
}  // namespace onshi::reader::test
