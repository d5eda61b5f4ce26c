// The claims commands of the sample EMR CLI, run as a user would: `onshi <command> ...`
// with the plugin found in its default folder; output and exit status checked.
#include "claims_cases.hpp"
#include "claims_test_util.hpp"
#include "cli_run.hpp"

#include <onshi/claims/numbers.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using onshi::test::CliRun;

class ClaimsCli : public ::testing::Test {
 public:
  // Runs `onshi args...`; state goes to the test's folder, ONSHI_PLUGIN_PATH is ignored.
  CliRun onshi(const std::vector<std::string>& args) const {
    return onshi::test::run(onshi::test::command_line(
        ONSHI_CLI, args,
        "env -u ONSHI_PLUGIN_PATH ONSHI_STATE_DIR=" + onshi::test::shell_quote((dir_.path / "state").string())));
  }

  fs::path write(const std::string& name, const std::string& text) const {
    onshi::test::write_bytes(dir_.path / name, text);
    return dir_.path / name;
  }

  onshi::test::TempDir dir_;
};

std::string golden_path(const char* name) { return claims_test::golden(name).string(); }

// Today in JST (what the CLI reads from the SDK clock, which follows the system clock here).
std::string today_jst(const char* format) {
  std::time_t t = std::time(nullptr) + 9 * 3600;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

CliRun usage_rate(const ClaimsCli& t, const char* month, int cards, int total, std::vector<std::string> more) {
  json list = json::array();
  for (int i = 0; i < total; ++i) list.push_back({{"date", std::string(month) + "-05"}, {"my_number_card", i < cards}});
  std::vector<std::string> args{"usage-rate", "--month", month, "--from",
                                t.write(std::string("rate-") + month + ".json", list.dump()).string()};
  args.insert(args.end(), more.begin(), more.end());
  return t.onshi(args);
}

TEST_F(ClaimsCli, EveryCommandHasHelp) {
  for (const char* command : {"claim", "insurer-check", "copay", "form", "usage-rate"}) {
    auto r = onshi({command, "--help"});
    EXPECT_EQ(r.exit, 0) << command;
    EXPECT_EQ(r.out.rfind(std::string("usage: onshi ") + command, 0), 0u) << r.out;
  }
  EXPECT_NE(onshi({"usage-rate", "--help"}).out.find("durable verification history"), std::string::npos);
  // The UKE of `onshi claim` is the insurance part only, and says so.
  EXPECT_NE(onshi({"claim", "--help"}).out.find("INSURANCE PART"), std::string::npos);
}

// ---- onshi claim ---------------------------------------------------------------------------

TEST_F(ClaimsCli, R_CLAIM_C_ClaimPrintsTheRouteRatioAndRecords) {
  auto r = onshi({"claim", golden_path("unknown_c_kouki.json")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("区分 route:        R-CLAIM-C 不詳レセプト (unknown)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2割 (rule declared_on_statement)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[R-M7]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("保険者番号=77777779"), std::string::npos) << r.out;
}

TEST_F(ClaimsCli, ClaimJsonIsTheResultDocumentWithOk) {
  auto r = onshi({"claim", golden_path("verified_shaho.json"), "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  json result = r.doc();
  EXPECT_EQ(result["ok"], true);
  EXPECT_EQ(result["schema"], "onshi.claims.result/1");
  EXPECT_EQ(result["route"]["id"], "R-CLAIM-OK");
}

TEST_F(ClaimsCli, ClaimUkeShowsTheLinesAndUkeOutWritesTheGoldenFile) {
  const fs::path out = dir_.path / "RECEIPTC.UKE";
  auto r = onshi({"claim", golden_path("kouki_1wari.json"), "--uke", "--uke-out", out.string()});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("\nHO,"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
  EXPECT_EQ(claims_test::read_bytes(out), claims_test::read_bytes(claims_test::golden("kouki_1wari.UKE")));
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write)
      << "a レセプト is about a patient: owner only (security finding 5)";
}

TEST_F(ClaimsCli, R_M8_NothingShownExitsOneAndWritesNoFile) {
  json input = {{"schema", "onshi.claims.input/1"},
                {"visit_date", "2026-11-10"},
                {"patient", {{"name", "検証 太郎"}, {"birth_date", "1990-01-01"}, {"sex", "male"}}}};
  const fs::path out = dir_.path / "none.UKE";
  auto plain = onshi({"claim", write("m8.json", input.dump()).string()});
  EXPECT_EQ(plain.exit, 1) << plain.err;
  EXPECT_NE(plain.out.find("R-M8"), std::string::npos) << plain.out;
  auto with_file = onshi({"claim", (dir_.path / "m8.json").string(), "--uke-out", out.string()});
  EXPECT_EQ(with_file.exit, 1);  // R-M8 is the negative answer (exit 1) with or without --uke-out
  EXPECT_NE(with_file.err.find("R-M8"), std::string::npos) << with_file.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ClaimsCli, ClaimWithoutAVisitDateBillsTodayFromTheSdkClock) {
  json input = json::parse(claims_test::read_bytes(claims_test::golden("verified_shaho.json")));
  input.erase("visit_date");
  auto r = onshi({"claim", write("today.json", input.dump()).string(), "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  const json result = r.doc();
  const json& re = result["records"][0];
  ASSERT_EQ(re["id"], "RE");
  EXPECT_EQ(re["fields"][2]["value"], today_jst("%Y%m"));  // 診療年月
}

TEST_F(ClaimsCli, ClaimErrorsSayWhatToDo) {
  auto missing = onshi({"claim", (dir_.path / "nope.json").string()});
  EXPECT_EQ(missing.exit, 3);
  EXPECT_NE(missing.err.find("nope.json"), std::string::npos) << missing.err;
  json input = json::parse(claims_test::read_bytes(claims_test::golden("verified_shaho.json")));
  input["visit"] = "weekly";
  auto bad = onshi({"claim", write("bad.json", input.dump()).string(), "--json"});
  EXPECT_EQ(bad.exit, 2);
  EXPECT_EQ(bad.doc()["ok"], false);
  EXPECT_NE(bad.doc()["error"]["message"].get<std::string>().find("field visit"), std::string::npos) << bad.out;
  EXPECT_EQ(onshi({"claim"}).exit, 2);
  EXPECT_EQ(onshi({"claim", golden_path("verified_shaho.json"), "--bogus"}).exit, 2);
}

// ---- onshi insurer-check -------------------------------------------------------------------

TEST_F(ClaimsCli, R_ACCURACY_InsurerCheckExitsZeroOnlyWhenValid) {
  // 後期高齢者医療広域連合 of 大阪 (27): 39 27 000 + its 検証番号.
  std::string kouki = "3927000";
  kouki += char('0' + onshi::claims::check_digit(kouki));
  std::string wrong = kouki;
  wrong.back() = char('0' + (wrong.back() - '0' + 5) % 10);

  auto valid = onshi({"insurer-check", kouki});
  EXPECT_EQ(valid.exit, 0) << valid.err;
  EXPECT_NE(valid.out.find("有効 valid"), std::string::npos) << valid.out;
  EXPECT_NE(valid.out.find("kouki"), std::string::npos) << valid.out;

  auto invalid = onshi({"insurer-check", wrong});
  EXPECT_EQ(invalid.exit, 1);
  EXPECT_NE(invalid.out.find("無効 invalid"), std::string::npos) << invalid.out;
  EXPECT_NE(invalid.out.find("digit 8"), std::string::npos) << invalid.out;

  auto as_json = onshi({"insurer-check", wrong, "--json"});
  EXPECT_EQ(as_json.exit, 1);
  EXPECT_EQ(as_json.doc()["ok"], false);
  EXPECT_EQ(as_json.doc()["valid"], false);
}

TEST_F(ClaimsCli, InsurerCheckOtherKindsAndABadKind) {
  std::string recipient = "765432";
  recipient += char('0' + onshi::claims::check_digit(recipient));
  std::string wrong = recipient;
  wrong.back() = char('0' + (wrong.back() - '0' + 1) % 10);
  EXPECT_EQ(onshi({"insurer-check", recipient, "--kind", "recipient"}).exit, 0);
  EXPECT_EQ(onshi({"insurer-check", wrong, "--kind", "recipient"}).exit, 1);
  auto bad = onshi({"insurer-check", "1234", "--kind", "passport"});
  EXPECT_EQ(bad.exit, 2);
  EXPECT_NE(bad.err.find("field kind: expected one of insurer, public-expense, recipient"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("--kind"), std::string::npos) << bad.err;
}

// A マイナンバー typed into the insurer field is refused and never printed back.
TEST_F(ClaimsCli, R_NOMYNUM_ATwelveDigitNumberIsRefusedWithoutEchoingIt) {
  const std::string twelve = "123456789018";
  for (const char* kind : {"insurer", "public-expense", "recipient"}) {
    auto text = onshi({"insurer-check", twelve, "--kind", kind});
    EXPECT_EQ(text.exit, 1) << kind;
    EXPECT_NE(text.out.find("individual number"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find(twelve), std::string::npos) << text.out;
    EXPECT_EQ(text.err.find(twelve), std::string::npos) << text.err;
    auto as_json = onshi({"insurer-check", twelve, "--kind", kind, "--json"});
    EXPECT_EQ(as_json.doc()["valid"], false);
    EXPECT_EQ(as_json.out.find(twelve), std::string::npos) << as_json.out;
  }
}

// ---- onshi copay ---------------------------------------------------------------------------

TEST_F(ClaimsCli, R_RATIO_CopayPrintsTheRatioAndTheRule) {
  auto r = onshi({"copay", "--birth", "1950-04-02", "--on", "2025-04-02", "--card-ratio", "1"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("1割 (rule kouki_card)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("後期高齢者"), std::string::npos) << r.out;
  auto missing = onshi({"copay", "--birth", "1950-04-02", "--on", "2025-04-02"});
  EXPECT_EQ(missing.exit, 2);
  EXPECT_NE(missing.err.find("card_ratio"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("on the command line it is --card-ratio N"), std::string::npos) << missing.err;
  EXPECT_EQ(onshi({"copay", "--birth", "1990-01-01", "--card-ratio", "two"}).exit, 2);
  EXPECT_EQ(onshi({"copay"}).exit, 2);
}

TEST_F(ClaimsCli, CopayOnDefaultsToTodayFromTheSdkClock) {
  auto implicit = onshi({"copay", "--birth", "2021-06-15", "--json"});
  ASSERT_EQ(implicit.exit, 0) << implicit.err;
  EXPECT_EQ(implicit.doc()["on"], today_jst("%Y-%m-%d"));
  auto explicit_today = onshi({"copay", "--birth", "2021-06-15", "--on", today_jst("%Y-%m-%d"), "--json"});
  EXPECT_EQ(implicit.doc(), explicit_today.doc());
}

// ---- onshi form ----------------------------------------------------------------------------

TEST_F(ClaimsCli, FormWritesTheStatementWithThePatientsNameEscaped) {
  json prefill = {{"schema", "onshi.claims.statement-prefill/1"},
                  {"patient", {{"name", "高橋 <花子> & 娘"}, {"birth_date", "1945-06-01"}}},
                  {"today", "2026-11-10"}};
  const fs::path html = dir_.path / "form.html";
  auto r = onshi({"form", write("prefill.json", prefill.dump()).string(), "--out", html.string()});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("form.html"), std::string::npos) << r.out;
  const std::string page = claims_test::read_bytes(html);
  EXPECT_NE(page.find("高橋 &lt;花子&gt; &amp; 娘"), std::string::npos);
  EXPECT_EQ(page.find("<花子>"), std::string::npos);
  EXPECT_NE(page.find("2026 年 11 月 10 日"), std::string::npos);
  EXPECT_EQ(fs::status(html).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(ClaimsCli, FormDatesTheStatementTodayAndRequiresOut) {
  json prefill = {{"schema", "onshi.claims.statement-prefill/1"}, {"patient", {{"name", "高橋 花子"}}}};
  const fs::path input = write("prefill.json", prefill.dump());
  EXPECT_EQ(onshi({"form", input.string()}).exit, 2);
  auto r = onshi({"form", input.string(), "--out", (dir_.path / "f.html").string(), "--json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.doc()["ok"], true);
  const std::string today = today_jst("%Y") + " 年 " + std::to_string(std::stoi(today_jst("%m"))) + " 月 " +
                            std::to_string(std::stoi(today_jst("%d"))) + " 日";
  EXPECT_NE(claims_test::read_bytes(dir_.path / "f.html").find(today), std::string::npos) << today;
}

// ---- onshi usage-rate ----------------------------------------------------------------------

// `onshi usage-rate` over a month of n checks, c of them with the card.
CliRun usage_rate(const ClaimsCli& t, const char* month, int cards, int total, std::vector<std::string> more = {});

TEST_F(ClaimsCli, R_RATE_UsageRatePrintsTheRateTheAdditionInForceAndWhatItDecides) {
  json list = json::array();
  for (int i = 0; i < 8; ++i) list.push_back({{"date", "2024-11-0" + std::to_string(i + 1)}, {"my_number_card", i < 2}});
  list.push_back({{"date", "2024-10-31"}, {"my_number_card", true}});  // not this month
  const fs::path from = write("checks.json", list.dump());
  auto r = onshi({"usage-rate", "--month", "2024-11", "--from", from.string()});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("25.0 % (2 / 8 online checks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in force in 2024-11: 医療DX推進体制整備加算, 加算1/2/3 at 15 % 10 % 5 %"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("算定月 2025-02 (M−3, principal): 医療DX推進体制整備加算 加算2 10 点, needs 20 %"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("出典 source: 中医協"), std::string::npos) << r.out;

  auto as_json = onshi({"usage-rate", "--month", "2024-11", "--from", from.string(), "--facility", "dental", "--json"});
  ASSERT_EQ(as_json.exit, 0) << as_json.err;
  EXPECT_EQ(as_json.doc()["decides"][0]["tier"], 2);
  EXPECT_EQ(as_json.doc()["decides"][0]["points"], 8);
  EXPECT_EQ(as_json.doc()["facility"], "dental");
}

// The issue's cases: each rate decides a LATER period, read under that period's row.
TEST_F(ClaimsCli, R_RATE_TheIssueCasesAtTheirBoundaries) {
  auto nov = usage_rate(*this, "2024-11", 16, 100);
  EXPECT_NE(nov.out.find("算定月 2025-02 (M−3, principal): 医療DX推進体制整備加算 加算3 8 点, needs 10 %"), std::string::npos)
      << nov.out;
  auto aug = usage_rate(*this, "2024-08", 16, 100);
  ASSERT_EQ(aug.exit, 0) << aug.err;  // was refused
  EXPECT_NE(aug.out.find("in force in 2024-08: 医療DX推進体制整備加算, no rate requirement"), std::string::npos) << aug.out;
  EXPECT_NE(aug.out.find("算定月 2024-11 (M−3, principal): 医療DX推進体制整備加算 加算1 11 点"), std::string::npos) << aug.out;
  auto jan = usage_rate(*this, "2026-01", 35, 100);
  EXPECT_NE(jan.out.find("算定月 2026-04 (M−3, principal): 医療DX推進体制整備加算 加算3 10 点 / 加算6 8 点 without 電子処方箋, "
                         "needs 30 %"),
            std::string::npos)
      << jan.out;
  EXPECT_EQ(jan.out.find("医療DX推進体制整備加算 加算1"), std::string::npos) << jan.out;
  auto pediatric = usage_rate(*this, "2026-01", 28, 100, {"--pediatric"});
  EXPECT_NE(pediatric.out.find("needs 27 % (小児科特例)"), std::string::npos) << pediatric.out;
}

TEST_F(ClaimsCli, R_RATE_EveryMonthFrom2024_07ToToday_NamesTheAdditionInForceAndItsSource) {
  for (int y = 2024, m = 7; y * 100 + m <= 202612; m == 12 ? (++y, m = 1) : ++m) {
    const std::string month = std::to_string(y) + (m < 10 ? "-0" : "-") + std::to_string(m);
    auto r = usage_rate(*this, month.c_str(), 50, 100);
    ASSERT_EQ(r.exit, 0) << month << r.err;
    const std::string name = y * 100 + m >= 202606 ? "電子的診療情報連携体制整備加算" : "医療DX推進体制整備加算";
    EXPECT_NE(r.out.find("in force in " + month + ": " + name), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  出典 source: "), std::string::npos) << r.out;
  }
}

TEST_F(ClaimsCli, R_RATE_2026_FromJune2026TheNewAdditionAndNoRuleGuessedForLaterRates) {
  auto may = usage_rate(*this, "2026-05", 60, 100);
  EXPECT_NE(may.out.find("in force in 2026-05: 医療DX推進体制整備加算"), std::string::npos) << may.out;
  auto december = usage_rate(*this, "2026-12", 55, 100);
  ASSERT_EQ(december.exit, 0) << december.err;
  EXPECT_NE(december.out.find("in force in 2026-12: 電子的診療情報連携体制整備加算, rate requirement 30 %"), std::string::npos)
      << december.out;
  EXPECT_EQ(december.out.find("医療DX推進体制整備加算"), std::string::npos) << december.out;
  EXPECT_NE(december.out.find("no rule known"), std::string::npos) << december.out;
  auto before = usage_rate(*this, "2024-05", 55, 100);
  EXPECT_NE(before.out.find("in force in 2024-05: no rule known"), std::string::npos) << before.out;
}

TEST_F(ClaimsCli, UsageRateErrors) {
  const fs::path from = write("checks.json", R"([{"date": "2026-11-02", "my_number_card": true}])");
  EXPECT_EQ(onshi({"usage-rate", "--from", from.string()}).exit, 2);
  auto empty_month = onshi({"usage-rate", "--month", "2026-12", "--from", from.string()});
  EXPECT_EQ(empty_month.exit, 3);
  EXPECT_NE(empty_month.err.find("what to do"), std::string::npos) << empty_month.err;
  auto not_a_list = onshi({"usage-rate", "--month", "2026-11", "--from", write("obj.json", "{}").string()});
  EXPECT_EQ(not_a_list.exit, 2);
  EXPECT_NE(not_a_list.err.find("obj.json"), std::string::npos) << not_a_list.err;
}

}  // namespace

// ---- the issue-17 claim cases through `onshi claim --json` (claims_cases.hpp) -----------------

namespace {
void run_cases(const ClaimsCli& t, const std::string& rule) {
  const auto cases = claims_cases::cases(rule);
  ASSERT_FALSE(cases.empty()) << rule;
  int n = 0;
  for (const auto& c : cases) {
    auto r = t.onshi({"claim", t.write("case" + std::to_string(++n) + ".json", c.input.dump()).string(), "--json"});
    const json doc = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << c.name << ": " << r.out << r.err;
    const bool error = doc.contains("error") && !doc.contains("schema");
    EXPECT_EQ(r.exit, error ? (c.expect.error == "R-KOUKI-75" ? 1 : 2) : (c.expect.records ? 0 : 1)) << c.name;
    claims_cases::check(c, error ? nullptr : &doc, error ? doc["error"].value("message", "") : "");
  }
}
}  // namespace

TEST_F(ClaimsCli, R_KUBUN_05_PaysTenWariAndFilesNoElectronicClaim) { run_cases(*this, "R-KUBUN-05"); }
TEST_F(ClaimsCli, R_DISASTER_CLAIM_OralDeclarationFillsWithNines) { run_cases(*this, "R-DISASTER-CLAIM"); }
TEST_F(ClaimsCli, R_KOUKI_75_TheOldInsurerIsNeverBilledFromThe75thBirthday) { run_cases(*this, "R-KOUKI-75"); }
TEST_F(ClaimsCli, R_RATIO_ImpossibleDeclaredRatioWarnsAndTheLimitClassSetsTheNote) { run_cases(*this, "R-RATIO"); }
TEST_F(ClaimsCli, R_M5_OldCardsAndTheProvisionalHandlingByDate) { run_cases(*this, "R-M5"); }
TEST_F(ClaimsCli, R_M9_AnOutageWaitsForTheCheckAndBillsWhatItFinds) { run_cases(*this, "R-M9"); }
TEST_F(ClaimsCli, R_M10_TheSmartphonePortalVerifiesAndTheNoticeNeedsTheCard) { run_cases(*this, "R-M10"); }
TEST_F(ClaimsCli, R_FIELDS_KouhiFromTheOnlineResultFillsTheKoRecords) { run_cases(*this, "R-FIELDS"); }

TEST_F(ClaimsCli, R_KUBUN_05_WritesNoReceiptFileAndSaysWhy) {
  const auto cases = claims_cases::cases("R-KUBUN-05");
  json input = cases.front().input;
  input["clinic"] = {{"prefecture", "13"}, {"code", "1234567"}, {"name", "オンシ内科"}, {"phone", "03-1234-5678"}};
  const fs::path out = dir_.path / "RECEIPTC.UKE";
  auto r = onshi({"claim", write("k05.json", input.dump()).string(), "--uke-out", out.string()});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("特別療養費"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ClaimsCli, R_CLAIM_C_InsurerCheckAcceptsTheUnknownNumbers) {
  for (const char* fill : {"77777777", "77777779"}) {
    auto r = onshi({"insurer-check", fill});
    EXPECT_EQ(r.exit, 0) << fill << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("有効 valid"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("不詳"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("is not a 医療保険 法別"), std::string::npos) << r.out;
  }
  EXPECT_EQ(onshi({"insurer-check", "77777778"}).exit, 1);
}

// ---- onshi claim merge ------------------------------------------------------------------------

TEST_F(ClaimsCli, R_CLAIM_C_ClaimMergeFillsTheRececonFileInPlace) {
  const fs::path file = dir_.path / "RECEIPTC.UKE";
  const std::string original = claims_test::read_bytes(claims_test::recon_file());
  onshi::test::write_bytes(file, original);
  json claim = claims_cases::input("2026-11-10", claims_cases::patient("1960-01-01"), claims_cases::kCardFailed);
  claim["statement"] = {{"insurance", "shaho"}};
  const fs::path input = write("visit-2001.json", claim.dump());
  auto r = onshi({"claim", "merge", "--into", file.string(), input.string()});
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("merged " + input.string() + ": カルテ番号 2001 202611 (R-CLAIM-C), receipt at line 7, 5 comments added"),  // no 事業所名
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("HO 保険者番号: 00000000 → 77777777"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GO 総件数 2, 総合計点数 588"), std::string::npos) << r.out;
  const std::string merged = claims_test::read_bytes(file);
  EXPECT_NE(merged, original);
  EXPECT_NE(merged.find("\r\nCO,01,1,820000246,\r\n"), std::string::npos);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  // --out leaves the レセコン's file alone; merging the merged file again changes nothing.
  const fs::path out = dir_.path / "again.UKE";
  auto again = onshi({"claim", "merge", "--into", file.string(), "--out", out.string(), input.string(), "--json"});
  ASSERT_EQ(again.exit, 0) << again.err;
  EXPECT_EQ(again.doc()["merged"][0]["comments_added"], 0);
  EXPECT_EQ(claims_test::read_bytes(out), merged);
  EXPECT_FALSE(again.doc().contains("receipt_file_base64"));
}

TEST_F(ClaimsCli, UKE_ClaimMergeRefusesAFileThatDoesNotParseNamingLineAndField) {
  std::string broken = claims_test::read_bytes(claims_test::recon_file());
  broken.replace(broken.find("\r\nSN,1,01,,,,00,,\r\n"), 2, "\n");
  const fs::path file = dir_.path / "RECEIPTC.UKE";
  onshi::test::write_bytes(file, broken);
  json claim = claims_cases::input("2026-11-10", claims_cases::patient("1960-01-01"), claims_cases::kCardFailed);
  claim["statement"] = {{"insurance", "shaho"}};
  auto r = onshi({"claim", "merge", "--into", file.string(), write("c.json", claim.dump()).string()});
  EXPECT_EQ(r.exit, 2) << r.out;
  EXPECT_NE(r.err.find("RECEIPTC.UKE line 3: a record ends in a bare CR or LF"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("what to do"), std::string::npos) << r.err;
  EXPECT_EQ(claims_test::read_bytes(file), broken) << "a refused merge writes nothing";
  EXPECT_EQ(onshi({"claim", "merge", "--into", file.string()}).exit, 2);  // no claim given
}
