// The onshi.eligibility plugin as an EMR reaches it: through the SDK (onshi::Sdk), against the real
// onshi-sim process; and the onshi CLI commands run as a user would.
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <onshi/abi/onshi_ext_events.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <onshi/host.hpp>
#include <onshi/support/base64.hpp>
#include <thread>

#include "cli_run.hpp"
#include "document_inbox.hpp"
#include "records_support.hpp"
#include "test_support.hpp"

namespace onshi::eligibility {
namespace {

using namespace test;
using namespace std::chrono_literals;
using nlohmann::json;

const fs::path kData = ONSHI_OQS_TEST_DATA;

std::string load(const fs::path& p) { return read_bytes(p); }

// A completed call's outcome document.
json outcome_of(const Completion& done) { return json::parse(*done.result()); }

using FaceInbox = onshi::test::DocumentInbox;  // face documents pushed to the listener

json insured(const std::string& insurer, const std::string& number) {
  return {{"schema", "onshi.eligibility.request/1"},
          {"kind", "insured"},
          {"insurer_number", insurer},
          {"number", number},
          {"birth_date", "19850220"}};
}

struct PluginFixture : ::testing::Test {
  TempDir root, state;
  std::optional<Sdk> sdk;
  Extension<onshi_eligibility_v1> ext;

  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
  }
  // folder: the plugin's "folder" section (root added unless given).
  void open(json folder = json::object(), bool with_root = true) {
    if (with_root && !folder.contains("root")) folder["root"] = root.path.string();
    folder["rescan_ms"] = 100;
    SdkOptions o;
    o.host_name = "eligibility-plugin-test";
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
    o.state_dir = state.path.string();
    o.config_json = json{{"onshi.eligibility", {{"folder", folder}}}}.dump();
    o.log_level = ONSHI_LOG_ERROR + 1;
    auto opened = Sdk::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    sdk.emplace(std::move(opened).value());
    auto info = sdk->plugin("onshi.eligibility");
    ASSERT_TRUE(info && info->loaded()) << (info ? info->message + " " + info->hint : "not found");
    auto e = sdk->extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY, "onshi.eligibility");
    ASSERT_TRUE(e.ok()) << e.error().message;
    ext = *e;
  }
  onshi_status query(const json& request, Completion& done, uint64_t* op = nullptr, Error* error = nullptr) {
    const std::string text = request.dump();
    uint64_t ignored = 0;
    onshi_error err = empty_error();
    const onshi_status st = ext.vtable->query_async(ext.instance, bytes_of(text), done.get(), op ? op : &ignored, &err);
    if (error && st != ONSHI_OK) *error = to_error(st, err);
    return st;
  }
  json ask(const json& request) {
    Completion done;
    EXPECT_EQ(query(request, done), ONSHI_OK);
    EXPECT_TRUE(done.wait_for(15s));
    EXPECT_EQ(done.status(), ONSHI_OK) << done.result().error().message;
    return outcome_of(done);
  }
  Result<json> parse(const std::string& file_name, const std::string& bytes) {
    return parse_file(ext, file_name, bytes);
  }
  json diagnostics() {
    auto d = sdk->extension<onshi_diagnostics_v1>(ONSHI_EXT_DIAGNOSTICS, "onshi.eligibility");
    EXPECT_TRUE(d.ok());
    std::string text;
    onshi_writer w = append_to(text);
    onshi_error err = empty_error();
    EXPECT_EQ(d->vtable->self_test(d->instance, &w, &err), ONSHI_OK) << err.message;
    return json::parse(text);
  }
  std::vector<std::string> files(const char* sub) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(root.path / sub)) names.push_back(e.path().filename().string());
    return names;
  }
};

// ---- queries against the simulator ------------------------------------------------------------

TEST_F(PluginFixture, R_RES_valid_answer_becomes_a_valid_outcome_with_the_fields_a_claim_needs) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  open();
  const json o = ask(insured("06139992", "5678"));
  EXPECT_EQ(o["schema"], "onshi.eligibility.outcome/1");
  EXPECT_EQ(o["kind"], "valid");
  ASSERT_EQ(o["qualifications"].size(), 1u);
  EXPECT_EQ(o["qualifications"][0]["insurer_number"], "06139992");  // R-FIELDS, exactly as sent
  EXPECT_EQ(o["qualifications"][0]["insured_identification_number"], "5678");
  EXPECT_EQ(o["qualifications"][0]["reference_number"], "K-000123");
}

TEST_F(PluginFixture, R_RES_lost_answer_keeps_the_old_qualification) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  open();
  const json o = ask(insured("06131114", "2222"));
  EXPECT_EQ(o["kind"], "lost");
  ASSERT_EQ(o["qualifications"].size(), 1u);
  EXPECT_FALSE(o["qualifications"][0]["disqualification_date"].get<std::string>().empty());
}

TEST_F(PluginFixture, six_digit_insurer_is_sent_space_padded_and_the_date_is_the_host_clocks_day_in_JST) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  open();
  sdk->set_time_ms(1775057400000);  // 2026-04-01T15:30:00Z = 2026-04-02 00:30 JST
  const json o = ask(insured("138123", "456789"));
  EXPECT_EQ(o["kind"], "valid");
  EXPECT_EQ(o["qualifications"][0]["insurer_number"], "  138123");
  ASSERT_EQ(files("res").size(), 1u);
  EXPECT_EQ(files("res")[0].rfind("OQSsiquc01res_202604020001", 0), 0u) << files("res")[0];
}

TEST_F(PluginFixture, rejected_request_err_becomes_a_failed_transport_outcome_with_the_terminals_text) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50", "--fault", "err"});
  open();
  const json o = ask(insured("06139992", "5678"));
  EXPECT_EQ(o["kind"], "failed");
  EXPECT_EQ(o["stage"], "transport");
  EXPECT_EQ(o["code"], std::to_string(ONSHI_E_PROTOCOL));
  EXPECT_NE(o["message"].get<std::string>().find("E0001"), std::string::npos) << o["message"];
}

TEST_F(PluginFixture, no_answer_times_out_as_a_retryable_failure_and_our_request_is_removed) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50", "--fault", "no-answer"});
  open({{"timeout_ms", 700}});
  const json o = ask(insured("06139992", "5678"));
  EXPECT_EQ(o["kind"], "failed");
  EXPECT_EQ(o["code"], std::to_string(ONSHI_E_TIMEOUT));
  EXPECT_EQ(o["retryable"], true);
  EXPECT_TRUE(files("req").empty());
}

TEST_F(PluginFixture, cancel_completes_once_with_cancelled_and_removes_our_request) {
  open();  // no simulator: the request waits in req
  Completion done;
  uint64_t op = 0;
  ASSERT_EQ(query(insured("06139992", "5678"), done, &op), ONSHI_OK);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (files("req").empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(files("req").size(), 1u);
  EXPECT_EQ(ext.vtable->cancel(ext.instance, op), ONSHI_OK);
  ASSERT_TRUE(done.wait_for(15s));
  EXPECT_EQ(done.status(), ONSHI_E_CANCELLED);
  EXPECT_TRUE(files("req").empty());
  ext.vtable->cancel(ext.instance, op);  // too late: nothing more happens
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(done.calls(), 1);
}

TEST_F(PluginFixture, closing_the_sdk_completes_a_pending_query_with_cancelled) {
  open();
  Completion done;  // outlives the Sdk
  ASSERT_EQ(query(insured("06139992", "5678"), done), ONSHI_OK);
  std::this_thread::sleep_for(100ms);
  sdk.reset();
  ASSERT_TRUE(done.wait_for(1s));
  EXPECT_EQ(done.status(), ONSHI_E_CANCELLED);
  EXPECT_EQ(done.calls(), 1);
}

TEST_F(PluginFixture, exchange_returns_the_raw_answer_bytes) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50", "--encoding", "sjis"});
  open();
  const std::string request = onshi::test::kSimYzkRequest;
  Completion done;
  uint64_t op = 0;
  onshi_error err = empty_error();
  ASSERT_EQ(ext.vtable->exchange_async(ext.instance, "YZKsiquc01", bytes_of(request), done.get(), &op, &err), ONSHI_OK)
      << err.message;
  ASSERT_TRUE(done.wait_for(15s));
  const auto answer = done.result();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  const auto names = files("res");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(*answer, load(root.path / "res" / names[0]));  // byte for byte, Shift_JIS as written
  EXPECT_NE(answer->find("encoding=\"Shift_JIS\""), std::string::npos);
}

// ---- configuration and requests ---------------------------------------------------------------

TEST_F(PluginFixture, without_a_configured_root_create_succeeds_and_each_call_says_how_to_set_it) {
  open(json::object(), /*with_root=*/false);
  Completion done;
  Error e;
  EXPECT_EQ(query(insured("06139992", "5678"), done, nullptr, &e), ONSHI_E_NOT_FOUND);
  EXPECT_NE(e.message.find("not configured"), std::string::npos) << e.message;
  EXPECT_NE(e.hint.find("--oqs-root"), std::string::npos) << e.hint;
  FaceInbox inbox;
  onshi_error err = empty_error();
  EXPECT_EQ(ext.vtable->set_face_listener(ext.instance, &inbox.listener, &err), ONSHI_E_NOT_FOUND);
  EXPECT_EQ(diagnostics()["ok"], false);
  EXPECT_EQ(done.calls(), 0);
}

TEST_F(PluginFixture, a_root_that_is_not_mounted_is_named_in_the_error) {
  open({{"root", (root.path / "not-mounted").string()}});
  Completion done;
  Error e;
  EXPECT_EQ(query(insured("06139992", "5678"), done, nullptr, &e), ONSHI_E_NOT_FOUND);
  EXPECT_NE(e.message.find("not-mounted"), std::string::npos) << e.message;
}

TEST_F(PluginFixture, diagnostics_report_the_folder_and_the_host_clock) {
  open();
  sdk->set_time_ms(1775057400000);
  const json d = diagnostics();
  EXPECT_EQ(d["ok"], true);
  EXPECT_EQ(d["now_unix_ms"], 1775057400000);
}

TEST_F(PluginFixture, bad_requests_are_refused_naming_the_field) {
  open();
  Completion done;
  Error e;
  EXPECT_EQ(query(json{{"kind", "card"}}, done, nullptr, &e), ONSHI_E_NOT_SUPPORTED);
  json no_birth = insured("06139992", "5678");
  no_birth["birth_date"] = "1985-02-20";
  EXPECT_EQ(query(no_birth, done, nullptr, &e), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("birth_date"), std::string::npos) << e.message;
  EXPECT_EQ(query(insured("1234", "5678"), done, nullptr, &e), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("insurer_number"), std::string::npos) << e.message;
  EXPECT_EQ(done.calls(), 0);
}

// R-NOMYNUM: a 被保険者番号 or 記号 of 12 digits however typed is refused before anything is written,
// and the digits are not echoed in the error.
TEST_F(PluginFixture, R_NOMYNUM_twelve_digits_as_number_or_symbol_are_refused_not_sent_not_echoed) {
  open();
  for (const std::string typed : {"123456789012", "1234 5678 9012", "1234-5678-9012",
                                  "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12"})
    for (const char* field : {"number", "symbol"}) {
      SCOPED_TRACE(typed + " as " + field);
      json request = insured("06139992", "5678");
      request[field] = typed;
      Completion done;
      Error e;
      EXPECT_EQ(query(request, done, nullptr, &e), ONSHI_E_INVALID_ARGUMENT);
      EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
      EXPECT_EQ((e.message + e.hint).find("9012"), std::string::npos) << e.message;
      EXPECT_EQ(done.calls(), 0);
    }
  EXPECT_TRUE(files("req").empty());
}

// Security finding 5: without a state folder the plugin used to keep its sequence and face marks in
// the temp folder, where other users read them. It keeps them in memory now and writes nothing there.
TEST_F(PluginFixture, without_a_state_folder_a_query_works_and_nothing_is_left_in_the_temp_folder) {
  TempDir tmp;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp.path.c_str(), 1);
  {
    SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
    SdkOptions o;
    o.host_name = "eligibility-plugin-test";
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
    o.config_json = json{{"onshi.eligibility", {{"folder", {{"root", root.path.string()}, {"rescan_ms", 100}}}}}}.dump();
    o.log_level = ONSHI_LOG_ERROR + 1;
    auto opened = Sdk::open(o);  // no state_dir
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    sdk.emplace(std::move(opened).value());
    auto e = sdk->extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY, "onshi.eligibility");
    ASSERT_TRUE(e.ok()) << e.error().message;
    ext = *e;
    EXPECT_EQ(ask(insured("06139992", "5678"))["kind"], "valid");
    EXPECT_EQ(ask(insured("06131114", "2222"))["kind"], "lost") << "the second name in memory differs";
    sdk.reset();
  }
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  for (const auto& entry : fs::recursive_directory_iterator(tmp.path)) ADD_FAILURE() << "left: " << entry.path();
}

// Security finding 5: what the plugin keeps in its state folder (sequence, face marks, the store) is
// its owner's only, whatever the umask.
TEST_F(PluginFixture, what_the_plugin_keeps_is_owner_only_whatever_the_umask) {
  const mode_t old = ::umask(022);
  {
    SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
    open();
    FaceInbox inbox;
    onshi_error err = empty_error();
    ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, &inbox.listener, &err), ONSHI_OK) << err.message;
    EXPECT_EQ(ask(insured("06139992", "5678"))["kind"], "valid");
    ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
    EXPECT_TRUE(inbox.wait_for_count(1));
    ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, nullptr, &err), ONSHI_OK);
    sdk.reset();
  }
  ::umask(old);
  int seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(state.path)) {
    struct stat st {};
    ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
    const mode_t want = S_ISDIR(st.st_mode) ? 0700 : 0600;
    EXPECT_EQ(st.st_mode & 0777, want) << entry.path();
    ++seen;
  }
  EXPECT_GT(seen, 1) << "the plugin kept something";
}

// ---- parse ------------------------------------------------------------------------------------

TEST_F(PluginFixture, R_RES_parse_of_a_lost_answer_gives_the_tree_as_sent_and_the_outcome) {
  open();
  auto p = parse("OQSsiquc01res_lost_old_utf8.xml", load(kData / "OQSsiquc01res_lost_old_utf8.xml"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)["schema"], "onshi.eligibility.parsed/1");
  EXPECT_EQ((*p)["type"], "OQSsiquc01res");
  EXPECT_EQ((*p)["message"]["MessageBody"]["QualificationValidity"], "2");
  EXPECT_EQ((*p)["outcome"]["kind"], "lost");
}

TEST_F(PluginFixture, R_BLACKDOT_parse_of_a_face_push_flags_the_name_and_the_address) {
  open();
  auto p = parse("OQSsiquc01res_face_blackdot_utf8.xml", load(kData / "OQSsiquc01res_face_blackdot_utf8.xml"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)["type"], "OQSsiquc01res_face");
  const json& q = (*p)["outcome"]["qualifications"][0];
  std::map<std::string, json> notes;
  for (const auto& n : q["charset_notes"]) notes[n["field"]] = n;
  EXPECT_EQ(notes["Name"]["black_dot"], true);
  EXPECT_EQ(notes["Address"]["outside_jis_x0208"], json::array({"﨑"}));
}

TEST_F(PluginFixture, R_FIELDS_parse_without_a_file_name_types_from_the_body_and_keeps_values_exact) {
  open();
  auto face = parse("", load(kData / "face_shuffled_utf8.xml"));
  ASSERT_TRUE(face.ok()) << face.error().message;
  EXPECT_EQ((*face)["type"], "OQSsiquc01res_face");  // ReferenceClassification 1: a card reading
  EXPECT_EQ((*face)["message"]["MessageBody"]["ResultList"]["ResultOfQualificationConfirmation"]["InsurerNumber"],
            "  123456");
  EXPECT_EQ((*face)["outcome"]["qualifications"][0]["insured_branch_number"], "01");

  auto request = parse("", load(kData / "request_shuffled_sjis.xml"));
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ((*request)["type"], "OQSsiquc01req");
  EXPECT_EQ((*request)["encoding"], "Shift_JIS");
  EXPECT_FALSE(request->contains("outcome"));
}

TEST_F(PluginFixture, parse_of_a_drug_answer_gives_the_drug_history_document) {
  open();
  auto p = parse("YZKsiquc01res_shaho_valid_sjis.xml", load(kData / "YZKsiquc01res_shaho_valid_sjis.xml"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)["type"], "YZKsiquc01res");
  EXPECT_EQ((*p)["drug_history"]["schema"], "onshi.drug-history/1");
  EXPECT_EQ((*p)["drug_history"]["dispensings"].size(), 4u);
  EXPECT_EQ((*p)["drug_history"]["dispensings"][0]["drug_name"], "アムロジピン錠５ｍｇ");
}

TEST_F(PluginFixture, parse_of_broken_bytes_names_the_file) {
  open();
  auto p = parse("OQSsiquc01res_broken.xml", "<XmlMsg><MessageHeader>");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ONSHI_E_PROTOCOL);
  EXPECT_NE(p.error().message.find("OQSsiquc01res_broken.xml"), std::string::npos) << p.error().message;
}

// ---- face pushes ------------------------------------------------------------------------------

TEST_F(PluginFixture, face_push_from_the_simulator_reaches_the_listener_until_it_is_removed) {
  open();
  FaceInbox inbox;
  onshi_error err = empty_error();
  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, &inbox.listener, &err), ONSHI_OK) << err.message;
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
  ASSERT_TRUE(inbox.wait_for_count(1));
  EXPECT_EQ(inbox.documents[0]["schema"], "onshi.eligibility.outcome/1");
  EXPECT_EQ(inbox.documents[0]["kind"], "valid");
  EXPECT_EQ(inbox.documents[0]["qualifications"][0]["insurer_number"], "  138123");

  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, nullptr, &err), ONSHI_OK);
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "blackdot"}), 0);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(inbox.size(), 1u);
}

// Security finding 4: a face file whose name holds &#xD800; vanished, marked processed, and nobody
// heard of it. Now the desk is told (an error for that file) and the next push still arrives.
TEST_F(PluginFixture, a_face_file_with_a_broken_character_reference_reaches_the_listener_as_an_error) {
  open();
  FaceInbox inbox;
  onshi_error err = empty_error();
  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, &inbox.listener, &err), ONSHI_OK) << err.message;
  std::string broken = load(kData / "OQSsiquc01res_face_blackdot_utf8.xml");
  const auto name = broken.find("<Name>");
  ASSERT_NE(name, std::string::npos);
  broken.insert(name + 6, "&#xD800;");
  write_bytes(root.path / "face" / "OQSsiquc01res_face_13111111110123456789abcdef0123_20260401093000.xml", broken);
  ASSERT_TRUE(inbox.wait_for_count(1, 15s));
  EXPECT_NE(inbox.documents[0].value("status", 0), 0) << inbox.documents[0].dump();
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
  ASSERT_TRUE(inbox.wait_for_count(2));
  EXPECT_EQ(inbox.documents[1]["kind"], "valid");
}

TEST_F(PluginFixture, a_listener_may_remove_itself_from_inside_its_call) {
  open();
  struct SelfRemoving {
    Extension<onshi_eligibility_v1> ext;
    std::atomic<int> calls{0};
    std::atomic<onshi_status> removed{ONSHI_E_INTERNAL};
  } state{ext};
  onshi_document_listener listener{sizeof(onshi_document_listener), &state,
                                   [](void* ctx, onshi_status, onshi_bytes, const onshi_error*) {
                                     auto& s = *static_cast<SelfRemoving*>(ctx);
                                     ++s.calls;
                                     onshi_error err = empty_error();
                                     s.removed = s.ext.vtable->set_face_listener(s.ext.instance, nullptr, &err);
                                   }};
  onshi_error err = empty_error();
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "blackdot"}), 0);
  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, &listener, &err), ONSHI_OK) << err.message;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (state.calls == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(state.calls, 1);  // the second file was never delivered: the listener was gone
  EXPECT_EQ(state.removed, ONSHI_OK);
}

// ---- by name (onshi.documents/1) and as events (onshi.events/1): what onshi serve offers ----------

using support::base64_encode;

struct ByNameFixture : PluginFixture {
  Extension<onshi_documents_v1> docs;
  void open_by_name(json folder = json::object()) {
    open(std::move(folder));
    auto d = sdk->extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.eligibility");
    ASSERT_TRUE(d.ok()) << d.error().message;
    docs = *d;
  }
  Result<json> call(const char* extension, const char* function, const json& request) {
    const std::string text = request.dump();
    std::string out;
    const onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    if (onshi_status st = docs.vtable->call(docs.instance, extension, function, bytes_of(text), &w, &err))
      return to_error(st, err);
    return json::parse(out);
  }
  onshi_status start(const char* function, const json& request, Completion& done, FaceInbox* progress = nullptr,
                     Error* error = nullptr) {
    const std::string text = request.dump();
    uint64_t op = 0;
    onshi_error err = empty_error();
    const onshi_status st = docs.vtable->call_async(docs.instance, ONSHI_EXT_ELIGIBILITY, function, bytes_of(text),
                                                    progress ? &progress->listener : nullptr, done.get(), &op, &err);
    if (error && st != ONSHI_OK) *error = to_error(st, err);
    return st;
  }
};

TEST_F(ByNameFixture, every_function_is_offered_by_name_with_the_same_answer) {
  open_by_name();
  auto info = sdk->plugin("onshi.eligibility");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->provides, (std::vector<std::string>{ONSHI_EXT_ELIGIBILITY, ONSHI_EXT_ELIGIBILITY_RECORDS,
                                                      ONSHI_EXT_DIAGNOSTICS, ONSHI_EXT_DOCUMENTS, ONSHI_EXT_EVENTS}));
  EXPECT_EQ(info->warnings, "") << "every extension is one the host knows";
  std::string listed;
  const onshi_writer lw = append_to(listed);
  onshi_error err = empty_error();
  ASSERT_EQ(docs.vtable->list(docs.instance, &lw, &err), ONSHI_OK);
  std::vector<std::string> names, async;
  const json list = json::parse(listed);
  for (const auto& f : list["functions"]) {
    names.push_back(f["name"]);
    if (f["async"] == true) async.push_back(f["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"query", "challenge", "exchange", "await", "parse", "expect",
                                             "bulk_start", "bulk_resume", "bulk_jobs", "register_reference",
                                             "history_find", "deferred_add", "deferred_run", "deferred_list",
                                             "window_query"}));
  EXPECT_EQ(async, (std::vector<std::string>{"query", "challenge", "exchange", "await", "expect", "bulk_start",
                                             "bulk_resume", "register_reference", "deferred_run", "window_query"}));

  const std::string file = "OQSsiquc01res_202604010001.xml";
  const std::string bytes = load(kData / "OQSsiquc01res_lost_old_utf8.xml");
  auto direct = parse(file, bytes);
  auto named = call(ONSHI_EXT_ELIGIBILITY, "parse", {{"file_name", file}, {"message_base64", base64_encode(bytes)}});
  ASSERT_TRUE(direct.ok() && named.ok()) << (named ? direct.error().message : named.error().message);
  EXPECT_EQ(*named, *direct);
  auto bad = call(ONSHI_EXT_ELIGIBILITY, "parse", {{"message_base64", "not base64!"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(bad.error().message.find("message_base64"), std::string::npos) << bad.error().message;
  auto jobs = call(ONSHI_EXT_ELIGIBILITY_RECORDS, "bulk_jobs", json::object());
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_EQ((*jobs)["schema"], ONSHI_SCHEMA_ELIGIBILITY_BULK_JOBS);
}

// A caller that crashes after sending (onshi serve, kill -9) waits for the answer afterwards instead
// of sending again: the query says where it is placed before the file appears, and await takes the
// answer that echoes the request's own identifier, and no other.
TEST_F(ByNameFixture, a_placed_request_is_awaited_after_a_restart_and_never_sent_twice) {
  open_by_name({{"timeout_ms", 1500}});  // no simulator yet: the request waits in req
  FaceInbox progress;
  Completion first;
  ASSERT_EQ(start("query", insured("06139992", "5678"), first, &progress), ONSHI_OK);
  ASSERT_TRUE(progress.wait_for_count(1));
  const json placed = progress.documents[0];
  EXPECT_EQ(placed["schema"], ONSHI_SCHEMA_ELIGIBILITY_PLACED);
  const std::string name = placed["request_name"];
  const json resume = placed["resume"];
  EXPECT_EQ(resume["function"], "await");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!fs::exists(root.path / "req" / name) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(files("req"), std::vector<std::string>{name}) << "placed under the name it was told, and only there";
  const std::string request_bytes = load(root.path / "req" / name);
  EXPECT_EQ(base64_encode(request_bytes), resume["request"]["request_base64"]);
  // The crash: the process goes, its request stays in req (closing would withdraw it).
  sdk.reset();
  write_bytes(root.path / "req" / name, request_bytes);

  test::TempDir sim_log;
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"}, sim_log.path / "sim.log");
  open_by_name({{"timeout_ms", 1500}});
  Completion answered;
  ASSERT_EQ(start("await", resume["request"], answered), ONSHI_OK);
  ASSERT_TRUE(answered.wait_for(15s));
  ASSERT_TRUE(answered.result().ok()) << answered.result().error().message;
  const json outcome = json::parse(*answered.result());
  EXPECT_EQ(outcome["kind"], "valid");
  EXPECT_EQ(outcome["qualifications"][0]["insured_identification_number"], "5678");
  EXPECT_EQ(sim.answered("OQSsiquc01"), 1) << "sent once, never again";
  EXPECT_TRUE(files("req").empty());

  // The same name with another request's bytes (another identifier): the answer there is not taken.
  std::string other = request_bytes;
  const auto at = other.find("<ArbitraryFileIdentifier>");
  ASSERT_NE(at, std::string::npos);
  other[at + 25] = other[at + 25] == '0' ? '1' : '0';
  json forged = resume["request"];
  forged["request_base64"] = base64_encode(other);
  Completion refused;
  ASSERT_EQ(start("await", forged, refused), ONSHI_OK);
  ASSERT_TRUE(refused.wait_for(15s));
  const json timed_out = json::parse(*refused.result());
  EXPECT_EQ(timed_out["kind"], "failed");
  EXPECT_EQ(timed_out["code"], std::to_string(ONSHI_E_TIMEOUT));
  EXPECT_TRUE(timed_out.value("qualifications", json::array()).empty());

  for (const json& bad : {json{{"request_name", "../res/" + name}, {"request_base64", base64_encode(request_bytes)}},
                          json{{"request_name", name}, {"request_base64", base64_encode("<XmlMsg/>")}}}) {
    Completion never;
    Error e;
    EXPECT_EQ(start("await", bad, never, nullptr, &e), ONSHI_OK);  // refused at once by the transport ...
    ASSERT_TRUE(never.wait_for(5s));
    const json failed = json::parse(*never.result());
    EXPECT_EQ(failed["kind"], "failed") << bad.dump();  // ... as a failed outcome naming why
    EXPECT_EQ(failed["code"], std::to_string(ONSHI_E_INVALID_ARGUMENT));
  }
}

TEST_F(ByNameFixture, face_results_are_events_routed_by_birth_date_and_reach_both_listeners_once) {
  open_by_name();
  auto events = sdk->extension<onshi_events_v1>(ONSHI_EXT_EVENTS, "onshi.eligibility");
  ASSERT_TRUE(events.ok());
  FaceInbox as_events, as_outcomes;
  onshi_error err = empty_error();
  ASSERT_EQ(events->vtable->set_listener(events->instance, &as_events.listener, &err), ONSHI_OK) << err.message;
  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, &as_outcomes.listener, &err), ONSHI_OK) << err.message;
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
  ASSERT_TRUE(as_events.wait_for_count(1));
  ASSERT_TRUE(as_outcomes.wait_for_count(1));
  const json event = as_events.documents[0];
  EXPECT_EQ(event["schema"], ONSHI_SCHEMA_PLUGIN_EVENT);
  EXPECT_EQ(event["kind"], "face");
  EXPECT_EQ(event["data"], as_outcomes.documents[0]);
  EXPECT_EQ(event["route"]["birth_date"], event["data"]["qualifications"][0]["birthdate"]);
  EXPECT_EQ(event["route"]["birth_date"].get<std::string>().size(), 8u);

  ASSERT_EQ(ext.vtable->set_face_listener(ext.instance, nullptr, &err), ONSHI_OK);
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "blackdot"}), 0);
  ASSERT_TRUE(as_events.wait_for_count(2)) << "the events listener still hears";
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(as_outcomes.size(), 1u);
  EXPECT_EQ(as_events.size(), 2u) << "each face file once";
  ASSERT_EQ(events->vtable->set_listener(events->instance, nullptr, &err), ONSHI_OK);
}

// ---- the onshi CLI ----------------------------------------------------------------------------

using onshi::test::CliRun;

CliRun run_cli(const std::vector<std::string>& args) {
  return onshi::test::run(onshi::test::command_line(ONSHI_CLI_EXE, args));
}

struct CliFixture : ::testing::Test {
  TempDir root, state;
  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
  }
  std::vector<std::string> common() {
    return {"--plugin-dir",     ONSHI_PLUGIN_BUILD_DIR, "--oqs-root",
            root.path.string(), "--state-dir",          state.path.string()};
  }
  CliRun run(std::vector<std::string> args) {
    for (auto& a : common()) args.push_back(a);
    return run_cli(args);
  }
};

TEST_F(CliFixture, R_RES_verify_insured_valid_exits_0) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  auto r = run({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515", "--json",
                "--timeout", "20"});
  ASSERT_EQ(r.exit, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["outcome"]["kind"], "valid");
}

TEST_F(CliFixture, R_RES_verify_insured_lost_exits_1_and_says_so) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  auto r =
      run({"verify", "insured", "--insurer", "06131114", "--number", "2222", "--birth", "19881111", "--timeout", "20"});
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("資格無効 (lost"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("what to do:"), std::string::npos) << r.out;
}

// Security finding 1, as the issue reproduced it: a slow terminal, two PCs with their own state
// folders, B asking 0.7 s after A. B used to get A's patient as 有効, into B's history too.
TEST_F(CliFixture, two_pcs_on_one_share_each_get_their_own_patient_never_the_others) {
  SimProcess sim({"serve", "--root", root.path.string(), "--delay", "2000"});
  TempDir pc_a, pc_b;
  auto verify = [&](const std::vector<std::string>& patient, const TempDir& pc) {
    std::vector<std::string> args = {"verify", "insured", "--json", "--timeout", "20", "--plugin-dir",
                                     ONSHI_PLUGIN_BUILD_DIR, "--oqs-root", root.path.string(),
                                     "--state-dir", pc.path.string()};
    args.insert(args.begin() + 2, patient.begin(), patient.end());
    return run_cli(args);
  };
  auto a = std::async(std::launch::async, [&] {
    return verify({"--insurer", "06139992", "--number", "5678", "--birth", "19800515"}, pc_a);
  });
  std::this_thread::sleep_for(700ms);
  const CliRun b = verify({"--insurer", "06131114", "--number", "2222", "--birth", "19881111"}, pc_b);
  const CliRun ra = a.get();
  ASSERT_EQ(ra.exit, 0) << ra.out << ra.err;
  EXPECT_EQ(json::parse(ra.out)["outcome"]["kind"], "valid");
  EXPECT_EQ(b.exit, 1) << b.out << b.err;  // lost: B's own patient, never A's 有効
  EXPECT_EQ(json::parse(b.out)["outcome"]["kind"], "lost");
}

TEST_F(CliFixture, two_processes_on_one_state_folder_both_get_their_answers) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50"});
  auto first = std::async(std::launch::async, [&] {
    return run({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515", "--json",
                "--timeout", "20"});
  });
  const CliRun second = run({"verify", "insured", "--insurer", "06131114", "--number", "2222", "--birth", "19881111",
                             "--json", "--timeout", "20"});
  const CliRun one = first.get();
  EXPECT_EQ(json::parse(one.out)["outcome"]["kind"], "valid") << one.out << one.err;
  EXPECT_EQ(json::parse(second.out)["outcome"]["kind"], "lost") << second.out << second.err;
}

TEST_F(CliFixture, verify_without_a_reachable_share_exits_3) {
  auto r = run_cli({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515",
                    "--plugin-dir", ONSHI_PLUGIN_BUILD_DIR, "--oqs-root", (root.path / "absent").string(),
                    "--state-dir", state.path.string(), "--json"});
  EXPECT_EQ(r.exit, 3) << r.out;
  EXPECT_EQ(json::parse(r.out)["ok"], false);
}

TEST_F(CliFixture, verify_gives_up_after_its_timeout_with_exit_3_and_withdraws_the_request) {
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "50", "--fault", "no-answer"});
  auto r = run({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515", "--json",
                "--timeout", "0.5"});
  EXPECT_EQ(r.exit, 3) << r.out;
  EXPECT_EQ(json::parse(r.out)["error"]["code"], ONSHI_E_TIMEOUT);
  EXPECT_TRUE(fs::is_empty(root.path / "req"));
}

TEST_F(CliFixture, verify_alone_lists_its_modes) {
  auto r = run({"verify"});
  EXPECT_EQ(r.exit, 2);
  EXPECT_NE(r.out.find("insured"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("card"), std::string::npos) << r.out;
}

TEST_F(CliFixture, parse_prints_the_typed_message_with_its_outcome) {
  auto r = run({"parse", (kData / "OQSsiquc01res_lost_old_utf8.xml").string(), "--json"});
  ASSERT_EQ(r.exit, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["type"], "OQSsiquc01res");
  EXPECT_EQ(j["outcome"]["kind"], "lost");
}

TEST_F(CliFixture, watch_face_count_1_prints_a_pushed_result_as_one_json_line) {
  auto watching = std::async(std::launch::async, [&] {
    return run({"watch-face", "--json", "--count", "1", "--timeout", "20"});
  });
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "kokuho-valid"}), 0);
  const CliRun r = watching.get();
  ASSERT_EQ(r.exit, 0) << r.out;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["outcome"]["kind"], "valid");
}

}  // namespace
}  // namespace onshi::eligibility
