// `onshi demo` end to end (issue 8): the reception day against the simulator and a
// virtual card in the real pcscd, checked patient by patient from its --json. The
// expectations are this test's own, from the simulator's personas and the rules.
#include "cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace {

using nlohmann::json;

struct DemoRun {
  int exit = -1;
  json doc;
};

// `env` (VAR=value …) for the demo's own processes, e.g. a simulator fault.
DemoRun run_demo(const std::string& env = "") {
  const onshi::test::CliRun run =
      onshi::test::run(onshi::test::command_line(ONSHI_CLI, {"demo", "--json"}, env.empty() ? "" : "env " + env));
  return {run.exit, json::parse(run.out, nullptr, false)};
}

std::string notes(const json& patient) {
  std::string all;
  for (const auto& n : patient["notes"]) all += n.get<std::string>() + "\n";
  return all;
}

struct Expect {
  const char* method;
  const char* outcome;
  const char* route;  // "" when nothing is billed
  int ratio;          // 0 when nothing is billed
};

TEST(Demo, R_GRACE_R_VIS_R_CLAIM_R_KUBUN_every_patient_of_the_day_gets_the_expected_outcome_and_bill) {
  const DemoRun r = run_demo();
  ASSERT_EQ(r.exit, 0);
  ASSERT_TRUE(r.doc.is_object()) << "not JSON";
  EXPECT_EQ(r.doc["ok"], true);
  const json& day = r.doc["patients"];
  const Expect expected[] = {
      {"card", "valid", "R-CLAIM-OK", 3},     // card + PIN
      {"visual", "valid", "R-CLAIM-OK", 3},   // PIN locked → 目視確認 (R-VIS)
      {"card", "valid", "R-CLAIM-OK", 3},     // photo-less card: PIN only
      {"card", "valid", "R-KUBUN-05", 10},    // in grace (R-GRACE); 区分 05 pays 10割 at the window (R-KUBUN-05)
      {"insured", "valid", "R-CLAIM-OK", 2},  // past grace → the 資格確認書's numbers; 高齢受給者 2割
      {"card", "valid", "R-CLAIM-OK", 3},     // smartphone: certificate read after its PIN (R-PHONE)
      {"face", "valid", "R-CLAIM-OK", 3},     // face-reader push
      {"insured", "valid", "R-CLAIM-OK", 3},  // 資格確認書 numbers
      {"card", "lost", "R-CLAIM-B", 3},       // lost → billed on the old numbers
      {"card", "no_data", "R-CLAIM-C", 3},    // first visit, no record → 申立書, 不詳
      {"card", "valid", "R-CLAIM-OK", 1},     // 後期高齢者 1割
      {"insured", "valid", "R-CLAIM-OK", 2},  // 未就学 2割
      {"disaster", "confirmed", "", 0},       // disaster mode, consent first (R-DISASTER)
  };
  ASSERT_EQ(day.size(), std::size(expected));
  for (size_t i = 0; i < day.size(); ++i) {
    const json& row = day[i]["row"];
    SCOPED_TRACE("patient " + std::to_string(i + 1) + ": " + row.value("scenario", "") + "\n" + notes(day[i]));
    EXPECT_EQ(row.value("method", ""), expected[i].method);
    EXPECT_EQ(row.value("outcome", ""), expected[i].outcome);
    EXPECT_EQ(row.value("route", ""), expected[i].route);
    EXPECT_EQ(row.value("ratio", 0), expected[i].ratio);
  }
  EXPECT_NE(notes(day[3]).find("猶予"), std::string::npos) << "in grace: qualification only, said so";
  EXPECT_NE(notes(day[1]).find("R-VIS"), std::string::npos);
  // Disaster: the one person, found through her old kanji, her drugs and nobody else's.
  EXPECT_EQ(day[12]["row"].value("name", ""), "山﨑　德子");
  EXPECT_GE(day[12]["row"].value("drug_lines", 0), 1);
  EXPECT_NE(notes(day[12]).find("ドネペジル"), std::string::npos);
  EXPECT_EQ(notes(day[12]).find("ゾルピデム"), std::string::npos) << "a near-miss stranger's drug was shown";
  // After the day, the 居宅同意取得型 re-query before the rounds: the 生活保護 patient, checked again without
  // her card, is billed 公費単独 with her 公費負担者番号 / 受給者番号 from the answer (R-KUBUN: 区分 A1).
  const json home = r.doc.value("home_visits", json::object()).value("patients", json::array());
  const auto aid = std::find_if(home.begin(), home.end(),
                                [](const json& v) { return v["row"].value("name", "") == "保護　花子"; });
  ASSERT_NE(aid, home.end()) << home.dump();
  EXPECT_EQ((*aid)["row"].value("outcome", ""), "valid");
  EXPECT_EQ((*aid)["row"].value("method", ""), "home_visit");
  EXPECT_EQ((*aid)["row"].value("route", ""), "R-CLAIM-OK");
  EXPECT_EQ((*aid)["row"].value("ratio", -1), 0);
  EXPECT_EQ((*aid)["row"].value("kouhi_billed", json()), json::array({"12136016 / 0054320"}));
  EXPECT_NE(notes(*aid).find("医療券 12136016 / 0054320"), std::string::npos) << notes(*aid);
  // マイナ保険証利用率 over the day's 12 online checks (the disaster look-up is not one).
  EXPECT_EQ(r.doc["usage_rate"].value("total_count", 0), 12);
  EXPECT_EQ(r.doc["usage_rate"].value("card_count", 0), 9);
}

// Issue 18: with the central system unreachable, the demo printed twelve "not verified" patients, a
// マイナ保険証利用率 computed from those failures, and exited 0. A check that could not be made is the
// demo failing: it stops there, says why, computes no rate (R-RATE: an attempt that never reached the
// system counts in neither), and exits 3 (a service unavailable).
TEST(Demo, R_RATE_the_day_stops_loudly_when_the_central_system_cannot_be_reached) {
  const DemoRun r = run_demo("ONSHI_DEMO_SIM_FAULT=refuse");
  EXPECT_EQ(r.exit, 3);
  ASSERT_TRUE(r.doc.is_object()) << "not JSON";
  EXPECT_EQ(r.doc["ok"], false);
  const std::string message = r.doc["error"].value("message", "");
  EXPECT_NE(message.find("stopped at patient 1 of 13"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << "the demo talks to its simulator by address: " << message;
  EXPECT_FALSE(r.doc["error"].value("hint", "").empty());
  EXPECT_EQ(r.doc["patients"].size(), 1u) << "no more patients after the system was found unreachable";
  EXPECT_FALSE(r.doc.contains("usage_rate")) << "no rate from checks that never reached the system";
}

}  // namespace
