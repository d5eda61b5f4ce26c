// R-M9 システム障害時: the checks an outage postponed, kept in the host's store as a 一括照会 job in
// state "deferred" (onshi.eligibility-records/1 deferred_add / deferred_run_async / deferred_list),
// through the SDK against the real simulator, and the whole flow from the command line: the
// claims plugin routes the visit to verify_later, the check is queued, it runs when the link is
// back, and the claim is filed on the numbers it found instead of the 不詳 7s.
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <nlohmann/json.hpp>
#include <onshi/host.hpp>

#include <thread>

#include "records_support.hpp"

namespace onshi::eligibility::deferred {
namespace {

using namespace test;
using namespace std::chrono_literals;
using nlohmann::json;

// A persona of samples/sim/personas.json: valid, and one whose qualification is lost.
json check(const char* visit, const char* insurer, const char* number, const char* birth) {
  return {{"patient_id", visit},  {"visit_date", "2026-03-15"}, {"presented", {"my_number_card"}},
          {"outage", "network"},  {"insurer_number", insurer},  {"number", number},
          {"birth_date", birth}};
}

// The SDK clock is not pinned here: the store deletes what expired by the real clock (R-RETAIN).
struct Deferred : RecordsSdk {
  void SetUp() override {
    make_folders();
    open();
  }
  void TearDown() override { close(); }
  void open() {
    open_sdk("deferred-test");
    ASSERT_TRUE(ONSHI_HAS_FIELD(onshi_eligibility_records_v1, rec.vtable, deferred_list));
  }
  void close() { close_sdk(); }

  // A vector, not a json: `{check}` would be the check itself, not an array of it, under clang.
  onshi_status add(std::vector<json> checks, json* answer = nullptr, std::string* message = nullptr) {
    std::string text;
    onshi_writer w = append_to(text);
    onshi_error err = empty_error();
    const std::string request = json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_REQUEST}, {"checks", json(checks)}}.dump();
    const onshi_status st = rec.vtable->deferred_add(rec.instance, bytes_of(request), &w, &err);
    if (answer && st == ONSHI_OK) *answer = json::parse(text);
    if (message) *message = err.message;
    return st;
  }
  json list() {
    std::string text;
    onshi_writer w = append_to(text);
    onshi_error err = empty_error();
    EXPECT_EQ(rec.vtable->deferred_list(rec.instance, &w, &err), ONSHI_OK) << err.message;
    return text.empty() ? json() : json::parse(text)["checks"];
  }
  json by_visit(const std::string& visit) {
    for (const auto& c : list())
      if (c["patient_id"] == visit) return c;
    return json();
  }
  json verify(const char* insurer, const char* number, const char* birth) {
    Completion done;
    const std::string request =
        json{{"kind", "insured"}, {"insurer_number", insurer}, {"number", number}, {"birth_date", birth}}.dump();
    onshi_error err = empty_error();
    uint64_t op = 0;
    EXPECT_EQ(elig.vtable->query_async(elig.instance, bytes_of(request), done.get(), &op, &err), ONSHI_OK);
    EXPECT_TRUE(done.wait_for(20s));
    return done.result() ? json::parse(*done.result()) : json();
  }
};

TEST_F(Deferred, R_M9_checks_survive_a_restart_and_run_when_the_link_is_back) {
  // The link is down (no terminal answers): the checks are only stored.
  json queued;
  ASSERT_EQ(add({check("V-1", "06139992", "5678", "19800515"),
                 {{"patient_id", "V-2"}, {"visit_date", "2026-03-15"}, {"presented", {"smartphone"}},
                  {"reference_number", "R-404"}}},
                &queued),
            ONSHI_OK);
  ASSERT_EQ(queued["checks"].size(), 2u);
  EXPECT_EQ(queued["checks"][0]["state"], "queued");
  json again = check("V-1", "06139992", "5678", "19800515");
  again["presented"] = {"my_number_card", "eligibility_certificate"};
  ASSERT_EQ(add({again}), ONSHI_OK);  // the same visit again replaces its check
  EXPECT_EQ(list().size(), 2u);

  close();  // a restart: everything is in the host store
  open();
  ASSERT_EQ(list().size(), 2u);
  EXPECT_EQ(by_visit("V-1")["state"], "queued");
  EXPECT_EQ(by_visit("V-1")["presented"], (json{"my_number_card", "eligibility_certificate"}));

  // The link is back: the first check that reaches the system runs the queue by itself.
  start_sim();
  EXPECT_EQ(verify("06131114", "2222", "19881111")["kind"], "lost");
  for (int i = 0; i < 200 && by_visit("V-1")["state"] != "done"; ++i) std::this_thread::sleep_for(50ms);
  const json v1 = by_visit("V-1"), v2 = by_visit("V-2");
  EXPECT_EQ(v1["state"], "done") << v1.dump();
  EXPECT_EQ(v1["outcome"]["kind"], "valid");
  EXPECT_EQ(v1["recheck"], "valid");
  EXPECT_EQ(v1["outcome"]["qualifications"][0]["insured_identification_number"], "5678");
  EXPECT_EQ(v2["state"], "done");
  EXPECT_EQ(v2["recheck"], "failed") << "照会番号 R-404 is not registered: " << v2.dump();

  // Nothing is queued any more.
  Completion done;
  uint64_t op = 0;
  onshi_error err = empty_error();
  EXPECT_EQ(rec.vtable->deferred_run_async(rec.instance, nullptr, done.get(), &op, &err), ONSHI_E_NOT_FOUND);
  EXPECT_NE(std::string(err.message).find("no deferred check"), std::string::npos) << err.message;
}

TEST_F(Deferred, R_M9_run_reports_the_result_against_each_visit) {
  start_sim();
  ASSERT_EQ(add({check("V-1", "06139992", "5678", "19800515"), check("V-3", "06131114", "2222", "19881111")}), ONSHI_OK);
  Completion done;
  uint64_t op = 0;
  onshi_error err = empty_error();
  ASSERT_EQ(rec.vtable->deferred_run_async(rec.instance, nullptr, done.get(), &op, &err), ONSHI_OK) << err.message;
  ASSERT_TRUE(done.wait_for(20s));
  ASSERT_EQ(done.status(), ONSHI_OK) << done.result().error().message;
  const json result = json::parse(*done.result());
  EXPECT_EQ(result["schema"], ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT);
  EXPECT_EQ(result["results"]["V-1"]["kind"], "valid");
  EXPECT_EQ(result["results"]["V-3"]["kind"], "lost");
  EXPECT_EQ(by_visit("V-3")["recheck"], "lost");
  EXPECT_EQ(by_visit("V-3")["visit_date"], "2026-03-15");
}

TEST_F(Deferred, R_M9_a_check_that_cannot_be_used_is_refused_naming_the_field) {
  std::string message;
  json no_day = check("V-1", "06139992", "5678", "19800515");
  no_day.erase("visit_date");
  EXPECT_EQ(add({no_day}, nullptr, &message), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("checks[0].visit_date"), std::string::npos) << message;
  json nothing = {{"patient_id", "V-9"}, {"visit_date", "2026-03-15"}};
  EXPECT_EQ(add({nothing}, nullptr, &message), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(message.find("checks[0].insurer_number"), std::string::npos) << message;
  json my_number = check("V-1", "06139992", "123456789012", "19800515");  // R-NOMYNUM
  EXPECT_EQ(add({my_number}, nullptr, &message), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_EQ(message.find("123456789012"), std::string::npos) << message;
  EXPECT_EQ(add({}), ONSHI_E_INVALID_ARGUMENT);
  EXPECT_TRUE(list().empty()) << "nothing refused was stored";
}

// ---- the whole flow from the command line ------------------------------------------------------

using onshi::test::CliRun;

struct DeferredCli : RecordsCliFolders {
  fs::path write(const std::string& name, const json& doc) {
    write_bytes(state.path / name, doc.dump());
    return state.path / name;
  }
};

TEST_F(DeferredCli, R_M9_an_outage_visit_is_billed_on_the_numbers_found_later_not_on_7s) {
  // At the window the network is down: the card cannot be checked; the patient says the numbers.
  json visit = {{"schema", "onshi.claims.input/1"},
                {"visit_date", "2026-03-15"},
                {"visit", "revisit"},
                {"presented", {{"my_number_card", true}, {"card_check", "failed"}}},
                {"outage", "network"},
                {"patient",
                 {{"name", "診療　太郎"}, {"birth_date", "1980-05-15"}, {"sex", "male"}, {"chart_number", "V-1"},
                  {"address", "東京都千代田区1-1"}}},
                {"asked", {{"insurer_number", "06139992"}, {"number", "5678"}}}};
  const CliRun at_window = run({"claim", write("visit.json", visit).string(), "--json"});
  EXPECT_EQ(at_window.exit, 1) << "nothing is filed yet: " << at_window.out << at_window.err;
  const json routed = json::parse(at_window.out);
  ASSERT_EQ(routed["route"]["id"], "R-M9") << at_window.out;
  const fs::path routed_file = write("routed.json", routed);

  const CliRun queued = run({"deferred", "add", routed_file.string()});
  ASSERT_EQ(queued.exit, 0) << queued.out << queued.err;
  EXPECT_NE(queued.out.find("queued  V-1  2026-03-15  06139992 5678"), std::string::npos) << queued.out;
  // The terminal does not answer yet: the run gives up, its upload stays stored (its fate unknown).
  EXPECT_EQ(run({"deferred", "run", "--timeout", "2"}).exit, 3);

  // Back: the run carries on (the upload already in req is answered, not sent again).
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "20", "--bulk-polls", "1"});
  const CliRun ran = run({"deferred", "run", "--json"});
  EXPECT_EQ(ran.exit, 0) << ran.out << ran.err;
  const json outcome = json::parse(ran.out)["results"]["V-1"];
  ASSERT_EQ(outcome["kind"], "valid") << ran.out;
  const CliRun listed = run({"deferred", "list"});
  EXPECT_NE(listed.out.find("done  V-1"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("(recheck: valid)"), std::string::npos) << listed.out;

  // The claim again, with what the check found: R-CLAIM-OK on those numbers.
  const json& q = outcome["qualifications"][0];
  visit["recheck"] = "valid";
  visit["online"] = {{"insurer_number", q["insurer_number"]},
                     {"symbol", q.value("insured_card_symbol", "")},
                     {"number", q["insured_identification_number"]},
                     {"branch", q.value("insured_branch_number", "")}};
  const CliRun billed = run({"claim", write("billed.json", visit).string(), "--json"});
  ASSERT_EQ(billed.exit, 0) << billed.out << billed.err;
  const json claim = json::parse(billed.out);
  EXPECT_EQ(claim["route"]["id"], "R-CLAIM-OK");
  EXPECT_EQ(claim["method"]["id"], "R-M9");
  EXPECT_EQ(claim["records"][1]["fields"][0]["value"], "06139992");
  EXPECT_EQ(claim["uke_text"].get<std::string>().find("7777777"), std::string::npos);
}

}  // namespace
}  // namespace onshi::eligibility::deferred
