// The onshi.disaster plugin as an EMR reaches it: through the SDK, with the eligibility plugin
// carrying its messages (the host's exchange service) to the real onshi-sim, the host's store
// holding the declaration, audit log and local history, and the host clock pinned.
// Needs the host's store and exchange services (onshi.host.store/1, onshi.host.exchange/1).
#include "document_inbox.hpp"
#include "sim_support.hpp"

#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_events.h>
#include <onshi/host.hpp>
#include <onshi/support/base64.hpp>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace onshi::disaster::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Reply {
  onshi_status status = ONSHI_E_INTERNAL;
  Error error;
  json doc;
};

// A completed call's reply (ONSHI_E_TIMEOUT while it has not completed).
Reply reply_of(const Completion& done) {
  auto result = done.result();
  if (!result) return {result.error().code, result.error(), {}};
  return {ONSHI_OK, {}, json::parse(*result)};
}

json doctor() { return {{"id", "dr-001"}, {"role", "doctor"}}; }
// The person responsible for disaster mode reads the audit log: staff the head of the facility authorised.
json auditor() { return {{"id", "ns-010"}, {"role", "authorised_staff"}, {"authorised_by", "director-01"}}; }

json declaration(const json& who = doctor()) {
  return {{"schema", "onshi.disaster.declare-request/1"},
          {"reference", "令和6年能登半島地震（テスト）"},
          {"area", {"13101", "17"}},
          {"opens_at", "2024-01-01T07:10:00Z"},
          {"closes_at", "2024-01-07"},  // 24:00 JST
          {"operator", who}};
}

json kyoko(const json& consent = {{"kind", "verbal"}}) {
  json q = {{"schema", "onshi.disaster.lookup-request/1"},
            {"name", "高橋 京子"},
            {"birthdate", "1958-03-03"},
            {"sex", "female"},
            {"operator", doctor()}};
  if (!consent.is_null()) q["consent"] = consent;
  return q;
}

class DisasterPlugin : public ::testing::Test {
 protected:
  TempDir root, state;
  std::optional<Sdk> sdk;
  Extension<onshi_disaster_v1> ext;

  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
  }

  void open(bool with_state = true) {
    SdkOptions o;
    o.host_name = "disaster-plugin-test";
    o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
    o.use_default_dirs = false;
    o.enabled_ids = std::vector<std::string>{"onshi.eligibility", "onshi.disaster"};
    if (with_state) o.state_dir = state.path.string();
    o.config_json =
        json{{"onshi.eligibility", {{"folder", {{"root", root.path.string()}, {"rescan_ms", 100}}}}}}.dump();
    o.log_level = ONSHI_LOG_ERROR + 1;
    auto opened = Sdk::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    sdk.emplace(std::move(opened).value());
    auto info = sdk->plugin("onshi.disaster");
    ASSERT_TRUE(info && info->loaded()) << (info ? info->stage + ": " + info->message : "not found");
    auto e = sdk->extension<onshi_disaster_v1>(ONSHI_EXT_DISASTER, "onshi.disaster");
    ASSERT_TRUE(e.ok()) << e.error().message;
    ext = *e;
    sdk->set_time_ms(kDeclaredAtMs);
    sdk->set_rehearsal(true);  // the Noto scenario of 2024 replayed: a drill on a pinned clock
  }

  Reply call(onshi_document_fn onshi_disaster_v1::*fn, const json& in) {
    const std::string text = in.dump();
    std::string out;
    onshi_writer w = append_to(out);
    onshi_error err = empty_error();
    Reply r;
    r.status = (ext.vtable->*fn)(ext.instance, bytes_of(text), &w, &err);
    if (r.status == ONSHI_OK) r.doc = json::parse(out);
    else r.error = to_error(r.status, err);
    return r;
  }

  Reply lookup(const json& request) {
    Completion done;
    const std::string text = request.dump();
    onshi_error err = empty_error();
    uint64_t op = 0;
    const onshi_status st = ext.vtable->lookup_async(ext.instance, bytes_of(text), done.get(), &op, &err);
    if (st != ONSHI_OK) {
      EXPECT_EQ(done.calls(), 0) << "no completion after a call that did not start";
      return {st, to_error(st, err), {}};
    }
    EXPECT_TRUE(done.wait_for(30s)) << "the look-up never completed";
    EXPECT_EQ(done.calls(), 1);
    return reply_of(done);
  }

  void declare() {
    const Reply r = call(&onshi_disaster_v1::declare, declaration());
    ASSERT_EQ(r.status, ONSHI_OK) << r.error.message << " / " << r.error.hint;
    sdk->set_time_ms(kDuringMs);
  }

  std::vector<json> audit(const std::string& event = {}) {
    json request = {{"schema", "onshi.disaster.audit-request/1"}, {"limit", 1000}, {"operator", auditor()}};
    if (!event.empty()) request["event"] = event;
    const Reply r = call(&onshi_disaster_v1::audit, request);
    EXPECT_EQ(r.status, ONSHI_OK) << r.error.message;
    if (r.status == ONSHI_OK) EXPECT_TRUE(r.doc["chain"]["ok"].get<bool>()) << r.doc["chain"].dump();
    std::vector<json> records;
    if (r.status == ONSHI_OK)  // the reads of the log are in it too: leave them out of what tests count
      for (const auto& rec : r.doc["records"])
        if (rec["event"] != "audit_read" || event == "audit_read") records.push_back(rec);
    return records;
  }
};

std::vector<std::string> drug_names(const json& answer) {
  std::vector<std::string> names;
  for (const auto& l : answer["drug_history"]["lines"]) names.push_back(l["drug_name"]);
  return names;
}

bool has(const std::vector<std::string>& list, const std::string& text) {
  for (const auto& s : list)
    if (s.find(text) != std::string::npos) return true;
  return false;
}

// ---- the declaration ----------------------------------------------------------------------------

TEST_F(DisasterPlugin, R_DISASTER_refused_outside_a_declaration_and_nothing_is_sent) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  sdk->set_time_ms(kDuringMs);
  const Reply r = lookup(kyoko());
  EXPECT_EQ(r.status, ONSHI_E_REFUSED);
  EXPECT_NE(r.error.message.find("no disaster is declared"), std::string::npos) << r.error.message;
  EXPECT_FALSE(r.error.hint.empty());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sim.answered("DST"), 0) << sim.log();
  const auto refused = audit("refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["operator_id"], "dr-001");
}

TEST_F(DisasterPlugin, R_DISASTER_refused_after_the_declared_end_by_the_host_clock) {
  open();
  declare();
  EXPECT_EQ(call(&onshi_disaster_v1::status, json::object()).doc["state"], "active");
  sdk->set_time_ms(kAfterEndMs);  // 1/7 24:00 JST
  const Reply s = call(&onshi_disaster_v1::status, json::object());
  EXPECT_EQ(s.doc["state"], "expired");
  const Reply r = lookup(kyoko());
  EXPECT_EQ(r.status, ONSHI_E_REFUSED);
  EXPECT_NE(r.error.message.find("closed at 2024-01-07T15:00:00Z"), std::string::npos) << r.error.message;
}

TEST_F(DisasterPlugin, R_DISASTER_declaration_survives_a_restart_and_ends_by_hand) {
  open();
  declare();
  sdk.reset();
  open();
  sdk->set_time_ms(kDuringMs);
  const Reply s = call(&onshi_disaster_v1::status, json::object());
  ASSERT_EQ(s.status, ONSHI_OK) << s.error.message;
  EXPECT_EQ(s.doc["state"], "active");
  EXPECT_TRUE(s.doc["facility"]["covered"].get<bool>());
  const Reply off = call(&onshi_disaster_v1::end,
                         {{"schema", "onshi.disaster.end-request/1"}, {"reason", "閉塞"}, {"operator", doctor()}});
  ASSERT_EQ(off.status, ONSHI_OK) << off.error.message;
  EXPECT_EQ(off.doc["state"], "ended_by_hand");
  EXPECT_EQ(lookup(kyoko()).status, ONSHI_E_REFUSED);
  EXPECT_EQ(audit("declaration_on").size(), 1u);
  EXPECT_EQ(audit("declaration_off").size(), 1u);
}

TEST_F(DisasterPlugin, R_DISASTER_a_clerk_may_neither_switch_nor_look_up) {
  open();
  const json clerk = {{"id", "clerk-007"}, {"role", "clerk"}};
  EXPECT_EQ(call(&onshi_disaster_v1::declare, declaration(clerk)).status, ONSHI_E_REFUSED);
  declare();
  json q = kyoko();
  q["operator"] = clerk;
  const Reply r = lookup(q);
  EXPECT_EQ(r.status, ONSHI_E_REFUSED);
  EXPECT_NE(r.error.message.find("role clerk"), std::string::npos) << r.error.message;
  json staff = kyoko();
  staff["operator"] = {{"id", "st-1"}, {"role", "authorised_staff"}};  // not said who authorised them
  EXPECT_EQ(lookup(staff).status, ONSHI_E_REFUSED);
}

// ---- consent ------------------------------------------------------------------------------------

TEST_F(DisasterPlugin, R_DISASTER_consent_required_before_anything_is_sent) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  declare();
  const Reply r = lookup(kyoko(nullptr));
  EXPECT_EQ(r.status, ONSHI_E_REFUSED);
  EXPECT_NE(r.error.message.find("no consent"), std::string::npos) << r.error.message;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sim.answered("DST"), 0) << "the simulator received a request before consent:\n" << sim.log();
  EXPECT_TRUE(fs::is_empty(root.path / "req"));
  EXPECT_TRUE(audit("search_sent").empty());
}

TEST_F(DisasterPlugin, R_DISASTER_life_or_body_exception_is_chosen_explicitly_and_audited_as_such) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  declare();
  // The exception without circumstances is not an exception.
  EXPECT_EQ(lookup(kyoko({{"kind", "life_protection_exception"}})).status, ONSHI_E_INVALID_ARGUMENT);
  json q = kyoko({{"kind", "life_protection_exception"}, {"circumstances", "意識障害で搬送、本人確認は家族から"}});
  q["address"] = "河井町";
  const Reply r = lookup(q);
  ASSERT_EQ(r.status, ONSHI_OK) << r.error.message;
  EXPECT_EQ(r.doc["outcome"], "confirmed");
  EXPECT_EQ(r.doc["consent"], "life_protection_exception");
  EXPECT_FALSE(r.doc["kept_for_later"].get<bool>()) << "the exception allows viewing, not keeping";
  const auto consents = audit("consent_recorded");
  ASSERT_EQ(consents.size(), 1u);
  EXPECT_EQ(consents[0]["consent"], "life_protection_exception");
  EXPECT_NE(consents[0]["outcome"].get<std::string>().find("意識障害"), std::string::npos) << consents[0].dump();
  for (const auto& a : audit()) EXPECT_EQ(a.dump().find("マイナンバー"), std::string::npos);
}

// ---- narrowing and names ---------------------------------------------------------------------------

TEST_F(DisasterPlugin, R_DISASTER_ambiguous_candidates_are_narrowed_by_asking_for_the_next_item) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  declare();
  const Reply first = lookup(kyoko());
  ASSERT_EQ(first.status, ONSHI_OK) << first.error.message;
  EXPECT_EQ(first.doc["outcome"], "ask_more");
  EXPECT_EQ(first.doc["lookup"]["candidate_count"], 3);
  EXPECT_EQ(first.doc["lookup"]["ask"][0], "address");
  EXPECT_TRUE(first.doc["lookup"]["person"].is_null()) << "no identity before one person is confirmed";
  EXPECT_TRUE(first.doc["drug_history"].is_null());
  EXPECT_EQ(sim.answered("DSTsiquc02"), 0) << "no drug request for an unconfirmed person";

  json q = kyoko();
  q["address"] = "河井町";  // 住所の一部
  const Reply second = lookup(q);
  ASSERT_EQ(second.status, ONSHI_OK) << second.error.message;
  ASSERT_EQ(second.doc["outcome"], "confirmed") << second.doc.dump(1);
  EXPECT_EQ(second.doc["lookup"]["person"]["name"], "髙橋　京子");  // 髙 matched 高
  const auto names = drug_names(second.doc);
  EXPECT_TRUE(has(names, "ワルファリン")) << second.doc.dump(1);
  EXPECT_FALSE(has(names, "メトホルミン")) << "another 高橋 京子's drugs";
  EXPECT_EQ(second.doc["drug_history"]["lines"][0]["sources"][0], "national_system");
  EXPECT_TRUE(second.doc["kept_for_later"].get<bool>());
  EXPECT_EQ(audit("candidates_narrowed").size(), 2u);
}

TEST_F(DisasterPlugin, R_DISASTER_kanji_variants_match_and_a_near_miss_stranger_does_not) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  declare();
  const json q = {{"schema", "onshi.disaster.lookup-request/1"}, {"name", "山崎 徳子"}, {"birthdate", "19471120"},
                  {"sex", "female"},   {"address", "七尾市小島町"},   {"operator", doctor()},
                  {"consent", {{"kind", "verbal"}}}};
  const Reply r = lookup(q);
  ASSERT_EQ(r.status, ONSHI_OK) << r.error.message;
  ASSERT_EQ(r.doc["outcome"], "confirmed") << r.doc.dump(1);
  EXPECT_EQ(r.doc["lookup"]["candidate_count"], 2) << "the simulator sends the near miss too";
  EXPECT_EQ(r.doc["lookup"]["person"]["name"], "山﨑　德子");
  const auto names = drug_names(r.doc);
  EXPECT_TRUE(has(names, "ドネペジル"));
  EXPECT_FALSE(has(names, "ゾルピデム")) << "the near-miss stranger's drugs were shown";
}

// ---- offline -------------------------------------------------------------------------------------

TEST_F(DisasterPlugin, R_DISASTER_local_history_answers_offline_after_a_consented_lookup) {
  {
    Sim sim(root.path, root.path / "sim.log");
    open();
    declare();
    json q = kyoko();
    q["address"] = "河井町";
    ASSERT_EQ(lookup(q).doc["outcome"], "confirmed");
  }
  json q = kyoko();
  q["address"] = "輪島市河井町";
  q["name"] = "たかはし きょうこ";  // kana this time
  const Reply r = call(&onshi_disaster_v1::search_local, q);
  ASSERT_EQ(r.status, ONSHI_OK) << r.error.message;
  EXPECT_EQ(r.doc["source"], "local_history");
  ASSERT_EQ(r.doc["outcome"], "confirmed") << r.doc.dump(1);
  EXPECT_EQ(r.doc["drug_history"]["lines"][0]["sources"][0], "local_history");
  EXPECT_TRUE(has(drug_names(r.doc), "ワルファリン"));
  json none = q;
  none.erase("consent");
  EXPECT_EQ(call(&onshi_disaster_v1::search_local, none).status, ONSHI_E_REFUSED);
}

TEST_F(DisasterPlugin, okusuri_techo_split_parts_join_in_any_order_and_bad_bytes_are_named) {
  open();
  const std::string one = read_text(fs::path(ONSHI_DISASTER_DATA) / "techo-split-1of2.txt");
  const std::string two = read_text(fs::path(ONSHI_DISASTER_DATA) / "techo-split-2of2.txt");
  const onshi_bytes parts[] = {bytes_of(two), bytes_of(one)};
  std::string out;
  onshi_writer w = append_to(out);
  onshi_error err = empty_error();
  ASSERT_EQ(ext.vtable->import_qr(ext.instance, parts, 2, &w, &err), ONSHI_OK) << err.message;
  const json doc = json::parse(out);
  EXPECT_EQ(doc["schema"], "onshi.disaster.techo/1");
  EXPECT_FALSE(doc["drug_history"]["lines"].empty());
  EXPECT_EQ(doc["drug_history"]["lines"][0]["sources"][0], "okusuri_techo");

  const std::string bad = read_text(fs::path(ONSHI_DISASTER_DATA) / "techo-bad-bytes.txt");
  const onshi_bytes bad_part[] = {bytes_of(bad)};
  err = empty_error();
  EXPECT_EQ(ext.vtable->import_qr(ext.instance, bad_part, 1, &w, &err), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("line"), std::string::npos) << err.message;
}

// ---- by name (onshi.documents/1) and switches as events (onshi.events/1): what onshi serve offers

TEST_F(DisasterPlugin, R_DISASTER_every_function_is_offered_by_name_and_each_switch_is_an_event) {
  open();
  auto info = sdk->plugin("onshi.disaster");
  EXPECT_EQ(info->provides, (std::vector<std::string>{ONSHI_EXT_DISASTER, ONSHI_EXT_DIAGNOSTICS, ONSHI_EXT_DOCUMENTS,
                                                      ONSHI_EXT_EVENTS}));
  auto docs = sdk->extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.disaster");
  auto events = sdk->extension<onshi_events_v1>(ONSHI_EXT_EVENTS, "onshi.disaster");
  ASSERT_TRUE(docs.ok() && events.ok());
  std::string listed;
  onshi_writer lw = append_to(listed);
  onshi_error err = empty_error();
  ASSERT_EQ(docs->vtable->list(docs->instance, &lw, &err), ONSHI_OK);
  std::vector<std::string> names;
  const json list = json::parse(listed);
  for (const auto& f : list["functions"]) names.push_back(f["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"declare", "end", "status", "lookup", "import_qr", "search_local", "audit"}));

  onshi::test::DocumentInbox inbox;
  ASSERT_EQ(events->vtable->set_listener(events->instance, &inbox.listener, &err), ONSHI_OK) << err.message;
  auto by_name = [&](const char* function, const json& request) {
    const std::string text = request.dump();
    std::string out;
    onshi_writer w = append_to(out);
    onshi_error e = empty_error();
    Reply r;
    r.status = docs->vtable->call(docs->instance, ONSHI_EXT_DISASTER, function, bytes_of(text), &w, &e);
    if (r.status == ONSHI_OK) r.doc = json::parse(out);
    else r.error = to_error(r.status, e);
    return r;
  };
  const Reply on = by_name("declare", declaration());
  ASSERT_EQ(on.status, ONSHI_OK) << on.error.message;
  sdk->set_time_ms(kDuringMs);
  const Reply off = by_name("end", {{"schema", "onshi.disaster.end-request/1"}, {"reason", "閉塞"}, {"operator", doctor()}});
  ASSERT_EQ(off.status, ONSHI_OK) << off.error.message;
  ASSERT_TRUE(inbox.wait_for_count(2));
  {
    std::lock_guard lock(inbox.mutex);
    EXPECT_EQ(inbox.documents[0]["kind"], "disaster");
    EXPECT_EQ(inbox.documents[0]["data"], on.doc);
    EXPECT_EQ(inbox.documents[1]["data"]["state"], "ended_by_hand");
    EXPECT_FALSE(inbox.documents[0].contains("route")) << "the whole clinic hears of a switch";
  }
  ASSERT_EQ(events->vtable->set_listener(events->instance, nullptr, &err), ONSHI_OK);
  EXPECT_EQ(by_name("status", json::object()).doc["state"], "ended_by_hand");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(inbox.size(), 2u) << "a status read is no switch";

  const std::string one = read_text(fs::path(ONSHI_DISASTER_DATA) / "techo-split-1of2.txt");
  const std::string two = read_text(fs::path(ONSHI_DISASTER_DATA) / "techo-split-2of2.txt");
  const onshi_bytes parts[] = {bytes_of(two), bytes_of(one)};
  std::string direct;
  onshi_writer w = append_to(direct);
  ASSERT_EQ(ext.vtable->import_qr(ext.instance, parts, 2, &w, &err), ONSHI_OK) << err.message;
  const Reply named = by_name("import_qr", {{"parts_base64", {support::base64_encode(two), support::base64_encode(one)}}});
  ASSERT_EQ(named.status, ONSHI_OK) << named.error.message;
  EXPECT_EQ(named.doc, json::parse(direct));
  const Reply bad = by_name("import_qr", {{"parts_base64", {"%%%"}}});
  EXPECT_EQ(bad.status, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(bad.error.message.find("parts_base64[0]"), std::string::npos) << bad.error.message;
}

// ---- cancellation -------------------------------------------------------------------------------

// No simulator answers, so each search waits: cancelling one, or closing the plugin under another,
// completes it exactly once, and the exchange's own late end is dropped.
TEST_F(DisasterPlugin, a_lookup_completes_once_when_cancelled_or_when_the_plugin_closes) {
  Completion cancelled, closed;  // outlive the SDK
  open();
  declare();
  const std::string text = kyoko().dump();
  uint64_t op = 0;
  onshi_error err = empty_error();
  EXPECT_EQ(ext.vtable->lookup_async(ext.instance, bytes_of(text), cancelled.get(), &op, &err), ONSHI_OK)
      << err.message;
  EXPECT_EQ(ext.vtable->cancel(ext.instance, op), ONSHI_OK);
  EXPECT_TRUE(cancelled.wait_for(30s)) << "a cancelled look-up never completed";
  EXPECT_NE(cancelled.status(), ONSHI_OK);
  EXPECT_EQ(ext.vtable->cancel(ext.instance, op), ONSHI_E_NOT_FOUND) << "a finished look-up is not pending";

  EXPECT_EQ(ext.vtable->lookup_async(ext.instance, bytes_of(text), closed.get(), &op, &err), ONSHI_OK) << err.message;
  sdk.reset();
  EXPECT_TRUE(closed.wait_for(5s)) << "closing the plugin left a look-up open";
  EXPECT_EQ(closed.status(), ONSHI_E_CANCELLED);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(cancelled.calls(), 1);
  EXPECT_EQ(closed.calls(), 1);
}

TEST_F(DisasterPlugin, without_the_hosts_store_every_step_says_so_and_nothing_is_sent) {
  open(/*with_state=*/false);
  const Reply r = call(&onshi_disaster_v1::declare, declaration());
  EXPECT_NE(r.status, ONSHI_OK);
  EXPECT_FALSE(r.error.message.empty());
  EXPECT_FALSE(r.error.hint.empty());
  EXPECT_NE(lookup(kyoko()).status, ONSHI_OK);
}

// Security finding 3: with the clock set back by --now after `disaster off`, a look-up used to be
// sent and the drugs shown. A pinned clock now opens nothing unless the session is a drill; the
// audit log keeps the real time beside each record's time either way.
TEST_F(DisasterPlugin, R_DISASTER_a_pinned_clock_outside_a_rehearsal_switches_and_looks_up_nothing) {
  Sim sim(root.path, root.path / "sim.log");
  open();
  declare();
  ASSERT_EQ(call(&onshi_disaster_v1::end, json{{"schema", "onshi.disaster.end-request/1"}, {"operator", doctor()}}).status,
            ONSHI_OK);
  sdk->set_rehearsal(false);  // the same pinned clock, now claimed to be the real day
  sdk->set_time_ms(kDuringMs - 3600000);
  const Reply r = lookup(kyoko());
  EXPECT_EQ(r.status, ONSHI_E_REFUSED);
  EXPECT_NE(r.error.message.find("pinned"), std::string::npos) << r.error.message;
  EXPECT_NE(r.error.hint.find("rehearsal"), std::string::npos) << r.error.hint;
  EXPECT_EQ(call(&onshi_disaster_v1::declare, declaration()).status, ONSHI_E_REFUSED);
  EXPECT_EQ(sim.answered("DSTsiquc01"), 0) << "nothing reached the system";
  sdk->set_time_ms(0);  // the real time: disaster mode is off, as it was ended
  EXPECT_EQ(lookup(kyoko()).status, ONSHI_E_REFUSED);
  sdk->set_rehearsal(true);
  sdk->set_time_ms(kDuringMs);
  int at_real_time = 0;
  for (const auto& a : audit()) {
    EXPECT_FALSE(a.value("real_at", "").empty()) << a.dump();
    EXPECT_TRUE(a["clock"] == "rehearsal" || a["clock"] == "real") << a.dump();
    at_real_time += a["clock"] == "real";
  }
  EXPECT_EQ(at_real_time, 1);  // the look-up refused on the real clock (the disaster had ended)
}

// Security finding 6: the audit log could be edited without a trace, read by anyone, unaudited,
// and did not say who authorised the staff who acted.
TEST_F(DisasterPlugin, R_DISASTER_the_audit_log_is_a_chain_read_only_by_permitted_roles_and_every_read_audited) {
  open();
  declare();
  json staff_declaration = declaration(auditor());
  staff_declaration["closes_at"] = "2024-01-08";  // an extension, by authorised staff
  ASSERT_EQ(call(&onshi_disaster_v1::declare, staff_declaration).status, ONSHI_OK);
  auto records = audit();
  ASSERT_GE(records.size(), 2u);
  EXPECT_EQ(records.front()["authorised_by"], "director-01");  // newest first: the extension
  for (const auto& a : records) EXPECT_EQ(a["seal"].get<std::string>().size(), 64u);

  const json clerk = {{"id", "clerk-007"}, {"role", "clerk"}};
  const Reply refused = call(&onshi_disaster_v1::audit, json{{"schema", "onshi.disaster.audit-request/1"}, {"operator", clerk}});
  EXPECT_EQ(refused.status, ONSHI_E_REFUSED);
  EXPECT_EQ(audit("audit_read").size(), 2u);  // the read above and this one; the clerk's is a refusal
  EXPECT_FALSE(audit("refused").empty());

  // Someone with the database file changes a record: the chain breaks there.
  sdk.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((state.path / "onshi.db").c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE records SET doc = replace(doc, '\"operator_id\":\"dr-001\"', '\"operator_id\":\"dr-999\"') "
                         "WHERE collection = 'audit' AND id = (SELECT min(id) FROM records WHERE collection = 'audit')",
                         nullptr, nullptr, &error),
            SQLITE_OK)
      << (error ? error : "");
  sqlite3_close(db);
  open();
  const Reply read = call(&onshi_disaster_v1::audit,
                          json{{"schema", "onshi.disaster.audit-request/1"}, {"operator", auditor()}});
  ASSERT_EQ(read.status, ONSHI_OK) << read.error.message;
  EXPECT_FALSE(read.doc["chain"]["ok"].get<bool>());
  EXPECT_EQ(read.doc["chain"]["broken_at"], 1);
}

}  // namespace
}  // namespace onshi::disaster::test
