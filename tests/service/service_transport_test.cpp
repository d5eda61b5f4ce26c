// The SDK at a desk uses `onshi serve` unchanged: an EMR's calls of onshi.eligibility/1 through the C
// API, with only the configuration saying "transport": "service", against a real `onshi serve` (TLS,
// the desk's token or client certificate) owning the real onshi-sim's folders.
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/host.hpp>
#include <onshi/support/base64.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sys/stat.h>

#include "document_inbox.hpp"
#include "serve_process.hpp"
#include "sim_process.hpp"

namespace onshi::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", digest[i]);
    out += b;
  }
  return out;
}

json insured(const std::string& insurer, const std::string& number, const std::string& birth) {
  return {{"kind", "insured"}, {"insurer_number", insurer}, {"number", number}, {"birth_date", birth}};
}

// The terminal-side PC: onshi-sim and `onshi serve` over TLS with two desks, one by token, one by
// client certificate (CN 1311111111 from make-tls-certs.sh).
class DeskFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir;
    const std::string cmd = "sh '" + std::string(ONSHI_TLS_CERT_SCRIPT) + "' '" + pki_->path.string() + "' >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(oqs_.path / sub);
    sim_.emplace(std::vector<std::string>{"serve", "--root", oqs_.path.string(), "--poll", "20"}, work_.path / "sim.log");
    const json config = {
        {"listen", "127.0.0.1:0"},
        {"state_dir", (work_.path / "state").string()},
        {"plugin_dirs", {ONSHI_PLUGIN_BUILD_DIR}},
        {"use_default_plugin_dirs", false},
        {"plugins", {{"onshi.eligibility", {{"folder", {{"root", oqs_.path.string()}, {"rescan_ms", 50}}}}}}},
        {"tls", {{"cert_file", pki("server.pem")}, {"key_file", pki("server.key")}, {"client_ca_file", pki("ca.pem")}}},
        {"desks",
         {{{"name", "reception-1"}, {"token_sha256", sha256_hex("desk token of reception-1")}},
          {{"name", "kensa"}, {"client_cert", {{"subject_cn", "1311111111"}}}}}}};
    serve_.emplace(work_.path, config.dump());
    ASSERT_GT(serve_->port(), 0) << serve_->log();
    write_bytes(work_.path / "token", "desk token of reception-1\n");
    ::chmod((work_.path / "token").c_str(), 0600);
  }

  static std::string pki(const char* file) { return (pki_->path / file).string(); }

  // The SDK at a desk: the eligibility plugin pointed at the service, nothing else changed.
  Sdk desk(json service) {
    service["url"] = "https://localhost:" + std::to_string(serve_->port());
    service["ca_file"] = pki("ca.pem");
    SdkOptions o;
    o.host_name = "emr-at-a-desk";
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
    o.state_dir = (work_.path / ("desk-" + std::to_string(++desks_))).string();
    o.config_json = json{{"onshi.eligibility", {{"transport", "service"}, {"service", service}}}}.dump();
    o.log_level = ONSHI_LOG_ERROR + 1;
    auto sdk = Sdk::open(o);
    EXPECT_TRUE(sdk.ok());
    return std::move(sdk).value();
  }
  Sdk reception() { return desk({{"token_file", (work_.path / "token").string()}}); }
  Sdk kensa() { return desk({{"cert_file", pki("client.pem")}, {"key_file", pki("client.key")}}); }

  static Extension<onshi_eligibility_v1> eligibility(const Sdk& sdk) {
    auto e = sdk.extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY);
    EXPECT_TRUE(e.ok());
    return *e;
  }
  // query_async through the C API; the outcome document.
  static json ask(const Sdk& sdk, const json& request) {
    auto e = eligibility(sdk);
    Completion done;
    const std::string text = request.dump();
    uint64_t op = 0;
    onshi_error err = empty_error();
    EXPECT_EQ(e.vtable->query_async(e.instance, bytes_of(text), done.get(), &op, &err), ONSHI_OK) << err.message;
    EXPECT_TRUE(done.wait_for(30s));
    EXPECT_EQ(done.calls(), 1);
    auto r = done.result();
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? json::parse(*r) : json();
  }

  static inline TempDir* pki_ = nullptr;
  TempDir work_, oqs_;
  std::optional<SimProcess> sim_;
  std::optional<ServeProcess> serve_;
  int desks_ = 0;
};

TEST_F(DeskFixture, an_emr_at_a_desk_queries_through_the_service_by_token_or_certificate) {
  Sdk at_reception = reception();
  json o = ask(at_reception, insured("06139992", "5678", "19800515"));
  EXPECT_EQ(o["schema"], "onshi.eligibility.outcome/1");
  EXPECT_EQ(o["kind"], "valid");
  EXPECT_EQ(o["qualifications"][0]["insured_identification_number"], "5678");
  EXPECT_EQ(o["patient"]["reference_number"], "K-000123") << "the service's plugin matched its 照会番号";
  Sdk at_kensa = kensa();
  o = ask(at_kensa, insured("138123", "456789", "19850220"));
  EXPECT_EQ(o["qualifications"][0]["insured_identification_number"], "456789");
  EXPECT_EQ(sim_->answered("OQSsiquc01"), 2);
  const std::string log = serve_->log();
  EXPECT_NE(log.find("\"desk\":\"reception-1\""), std::string::npos);
  EXPECT_NE(log.find("\"desk\":\"kensa\""), std::string::npos);
}

TEST_F(DeskFixture, R_NOMYNUM_a_bad_request_is_refused_at_the_desk_and_never_reaches_the_service) {
  Sdk at_reception = reception();
  auto e = eligibility(at_reception);
  const std::string text = insured("06139992", "1234 5678 9012", "19800515").dump();
  Completion done;
  onshi_error err = empty_error();
  uint64_t op = 0;
  EXPECT_EQ(e.vtable->query_async(e.instance, bytes_of(text), done.get(), &op, &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("number"), std::string::npos) << err.message;
  EXPECT_EQ(serve_->log().find("onshi.eligibility/1/query"), std::string::npos) << "nothing was sent";
}

TEST_F(DeskFixture, a_desk_the_service_does_not_know_gets_a_failed_outcome_saying_so) {
  write_bytes(work_.path / "token", "a token nobody configured");
  Sdk stranger = reception();
  const json o = ask(stranger, insured("06139992", "5678", "19800515"));
  EXPECT_EQ(o["kind"], "failed");
  EXPECT_EQ(o["code"], std::to_string(ONSHI_E_AUTH));
  EXPECT_NE(o["message"].get<std::string>().find("not one this service knows"), std::string::npos) << o["message"];
  EXPECT_EQ(sim_->answered("OQSsiquc01"), 0);
}

TEST_F(DeskFixture, exchange_through_the_service_gives_the_terminals_bytes) {
  Sdk at_reception = reception();
  auto e = eligibility(at_reception);
  const std::string request = kSimYzkRequest;
  Completion done;
  uint64_t op = 0;
  onshi_error err = empty_error();
  ASSERT_EQ(e.vtable->exchange_async(e.instance, "YZKsiquc01", bytes_of(request), done.get(), &op, &err), ONSHI_OK);
  ASSERT_TRUE(done.wait_for(30s));
  auto answer = done.result();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(oqs_.path / "res")) names.push_back(f.path().filename().string());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(*answer, read_bytes(oqs_.path / "res" / names[0])) << "byte for byte, as the terminal wrote it";
}

TEST_F(DeskFixture, face_results_reach_the_desk_that_expects_the_patient_and_no_other) {
  Sdk at_reception = reception(), at_kensa = kensa();
  DocumentInbox reception_faces, kensa_faces;
  onshi_error err = empty_error();
  auto r = eligibility(at_reception), k = eligibility(at_kensa);
  ASSERT_EQ(r.vtable->set_face_listener(r.instance, &reception_faces.listener, &err), ONSHI_OK) << err.message;
  ASSERT_EQ(k.vtable->set_face_listener(k.instance, &kensa_faces.listener, &err), ONSHI_OK) << err.message;
  // The desk says whom it expects, through the SDK (onshi.documents/1 "expect").
  auto docs = at_reception.extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.eligibility");
  ASSERT_TRUE(docs.ok());
  Completion expected;
  const std::string expectation = json{{"birth_date", "19850220"}, {"window_seconds", 120}}.dump();
  uint64_t op = 0;
  ASSERT_EQ(docs->vtable->call_async(docs->instance, ONSHI_EXT_ELIGIBILITY, "expect", bytes_of(expectation), nullptr,
                                     expected.get(), &op, &err),
            ONSHI_OK)
      << err.message;
  ASSERT_TRUE(expected.wait_for(15s));
  ASSERT_TRUE(expected.result().ok()) << expected.result().error().message;
  EXPECT_EQ(json::parse(*expected.result())["desk"], "reception-1");
  std::this_thread::sleep_for(300ms);  // both streams are open
  write_bytes(oqs_.path / "sim-control" / "face", "kokuho-valid\n");
  ASSERT_TRUE(reception_faces.wait_for_count(1, 15s));
  EXPECT_EQ(reception_faces.documents[0]["schema"], "onshi.eligibility.outcome/1");
  EXPECT_EQ(reception_faces.documents[0]["qualifications"][0]["birthdate"], "19850220");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(kensa_faces.size(), 0u) << "another desk's patient";
  ASSERT_EQ(r.vtable->set_face_listener(r.instance, nullptr, &err), ONSHI_OK);
  ASSERT_EQ(k.vtable->set_face_listener(k.instance, nullptr, &err), ONSHI_OK);
}

}  // namespace
}  // namespace onshi::test
