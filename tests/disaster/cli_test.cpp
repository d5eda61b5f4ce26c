// `onshi disaster ...` run as a user would: against the real onshi-sim over a temporary folder
// root, and offline (お薬手帳 QR import, the clinic's own earlier retrievals). The SDK clock is
// pinned with ONSHI_NOW. Every command opens its own SDK, so the declaration and the local
// history come back from the host's store (onshi.host.store/1) between commands.
#include "sim_support.hpp"

#include "cli_run.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <future>

namespace onshi::disaster::test {
namespace {

using nlohmann::json;

constexpr const char* kDuring = "2024-01-02T00:30:00Z";   // 1/2 09:30 JST
constexpr const char* kAfterEnd = "2024-01-07T15:00:00Z"; // 1/8 00:00 JST

using onshi::test::CliRun;
using onshi::test::shell_quote;

class DisasterCli : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path root = dir.path / "oqs";

  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root / sub);
  }

  CliRun onshi(const std::vector<std::string>& args, const std::string& now = kDuring) const {
    std::vector<std::string> line = args;
    if (args.at(0) == "disaster" && args.size() > 1 && args[1] != "import-qr")
      line.insert(line.end(), {"--oqs-root", root.string(), "--rehearsal"});  // the 2024 Noto scenario replayed
    return onshi::test::run(onshi::test::command_line(
        ONSHI_CLI, line,
        "env -u ONSHI_PLUGIN_PATH -u ONSHI_ROLE ONSHI_NOW=" + shell_quote(now) +
            " ONSHI_STATE_DIR=" + shell_quote((dir.path / "state").string())));
  }

  CliRun declare(const std::string& role = "doctor") const {
    return onshi({"disaster", "on", "--ref", "令和6年能登半島地震（テスト）", "--area", "13101,17", "--until",
                  "2024-01-07", "--from", "2024-01-01T07:10:00Z", "--role", role, "--who", "dr-001"},
                 "2024-01-01T08:00:00Z");
  }

  static std::string data(const char* name) { return (fs::path(ONSHI_DISASTER_DATA) / name).string(); }
};

std::vector<std::string> kyoko(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"disaster", "lookup", "--name", "高橋 京子", "--birth", "1958-03-03", "--sex", "F",
                                   "--who", "dr-001"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--role") == extra.end()) args.insert(args.end(), {"--role", "doctor"});
  return args;
}

TEST_F(DisasterCli, every_subcommand_has_help_and_a_bad_line_is_a_usage_error) {
  for (const char* sub : {"on", "off", "status", "lookup", "import-qr"}) {
    const CliRun r = onshi({"disaster", sub, "--help"});
    EXPECT_EQ(r.exit, 0) << sub;
    EXPECT_NE(r.out.find(std::string("onshi disaster ") + sub), std::string::npos) << r.out;
  }
  EXPECT_EQ(onshi({"disaster"}).exit, 2);
  EXPECT_EQ(onshi({"disaster", "lookup", "--name", "x"}).exit, 2);
  const CliRun why = onshi(kyoko({"--address", "河井町", "--no-intent-life-risk"}));
  EXPECT_EQ(why.exit, 2);
  EXPECT_NE(why.err.find("--why"), std::string::npos) << why.err;
}

TEST_F(DisasterCli, R_DISASTER_on_status_lookup_narrowed_then_confirmed_then_off) {
  Sim sim(root, dir.path / "sim.log");
  const CliRun on = declare();
  ASSERT_EQ(on.exit, 0) << on.err << on.out;
  EXPECT_NE(on.out.find("有効 (active)"), std::string::npos) << on.out;
  const CliRun status = onshi({"disaster", "status", "--json"});
  ASSERT_EQ(status.exit, 0) << status.err;
  EXPECT_EQ(status.doc()["state"], "active");

  const CliRun ask = onshi(kyoko({"--consent"}));
  EXPECT_EQ(ask.exit, 1) << ask.err;
  EXPECT_NE(ask.out.find("次に聞く next item:   住所 (address"), std::string::npos) << ask.out;
  EXPECT_EQ(ask.out.find("ワルファリン"), std::string::npos);

  const CliRun found = onshi(kyoko({"--address", "河井町", "--consent"}));
  ASSERT_EQ(found.exit, 0) << found.err << found.out;
  EXPECT_NE(found.out.find("髙橋　京子"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("ワルファリン"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("出典 source: 国 (national system)"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("処方 prescriber: 輪島内科医院"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("日数 days: 28"), std::string::npos) << found.out;

  const CliRun json_run = onshi(kyoko({"--address", "河井町", "--consent", "--json"}));
  ASSERT_EQ(json_run.exit, 0) << json_run.err;
  EXPECT_EQ(json_run.doc()["ok"], true);
  EXPECT_EQ(json_run.doc()["outcome"], "confirmed");

  EXPECT_EQ(onshi({"disaster", "off", "--who", "dr-001", "--role", "doctor"}).exit, 0);
  EXPECT_EQ(onshi({"disaster", "status"}).exit, 1);
  const CliRun refused = onshi(kyoko({"--address", "河井町", "--consent"}));
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("was ended"), std::string::npos) << refused.err;
}

TEST_F(DisasterCli, R_DISASTER_refused_outside_a_declaration_and_after_its_end_by_the_clock) {
  Sim sim(root, dir.path / "sim.log");
  const CliRun none = onshi(kyoko({"--address", "河井町", "--consent"}));
  EXPECT_EQ(none.exit, 1);
  EXPECT_NE(none.err.find("no disaster is declared"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("what to do:"), std::string::npos) << none.err;
  ASSERT_EQ(declare().exit, 0);
  EXPECT_EQ(onshi(kyoko({"--address", "河井町", "--consent"}), "2024-01-07T14:59:00Z").exit, 0);
  const CliRun after = onshi(kyoko({"--address", "河井町", "--consent"}), kAfterEnd);
  EXPECT_EQ(after.exit, 1);
  EXPECT_NE(after.err.find("closed at"), std::string::npos) << after.err;
  EXPECT_EQ(onshi({"disaster", "status"}, kAfterEnd).exit, 1);
}

TEST_F(DisasterCli, R_DISASTER_consent_required_and_the_simulator_receives_nothing_without_it) {
  Sim sim(root, dir.path / "sim.log");
  ASSERT_EQ(declare().exit, 0);
  const CliRun r = onshi(kyoko({"--address", "河井町"}));
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("no consent"), std::string::npos) << r.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sim.answered("DST"), 0) << sim.log();
}

TEST_F(DisasterCli, R_DISASTER_role_clerk_is_refused) {
  Sim sim(root, dir.path / "sim.log");
  EXPECT_EQ(declare("clerk").exit, 1);
  ASSERT_EQ(declare().exit, 0);
  const CliRun r = onshi(kyoko({"--address", "河井町", "--consent", "--role", "clerk"}));
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("role clerk"), std::string::npos) << r.err;
  EXPECT_EQ(sim.answered("DST"), 0);
}

TEST_F(DisasterCli, R_DISASTER_life_exception_and_variant_kanji_end_to_end_stranger_not_shown) {
  Sim sim(root, dir.path / "sim.log");
  ASSERT_EQ(declare().exit, 0);
  const CliRun r = onshi({"disaster", "lookup", "--name", "山崎 徳子", "--birth", "19471120", "--sex", "F", "--address",
                       "七尾市", "--no-intent-life-risk", "--why", "意識障害", "--who", "dr-001", "--role", "doctor"});
  ASSERT_EQ(r.exit, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("山﨑　德子"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("同意なし・生命身体保護の例外"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ドネペジル"), std::string::npos);
  EXPECT_EQ(r.out.find("ゾルピデム"), std::string::npos) << "a near-miss stranger's drug was shown";
  EXPECT_EQ(r.out.find("山崎　徳代"), std::string::npos);
}

TEST_F(DisasterCli, R_DISASTER_offline_local_history_after_a_consented_lookup) {
  {
    Sim sim(root, dir.path / "sim.log");
    ASSERT_EQ(declare().exit, 0);
    ASSERT_EQ(onshi(kyoko({"--address", "河井町", "--consent"})).exit, 0);
  }
  const CliRun r = onshi(kyoko({"--address", "河井町", "--consent", "--offline"}));
  ASSERT_EQ(r.exit, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("院内の過去取得 local history"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("出典 source: 院内の過去取得 (local history)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ワルファリン"), std::string::npos);
}

TEST_F(DisasterCli, R_DISASTER_okusuri_techo_qr_split_parts_and_bad_input) {
  const CliRun split = onshi({"disaster", "import-qr", data("techo-split-2of2.txt"), data("techo-split-1of2.txt")});
  ASSERT_EQ(split.exit, 0) << split.err;
  EXPECT_NE(split.out.find("2 part(s)"), std::string::npos) << split.out;
  EXPECT_NE(split.out.find("出典 source: お薬手帳 (okusuri techo)"), std::string::npos) << split.out;
  const CliRun json_run = onshi({"disaster", "import-qr", data("techo-single.txt"), "--json"});
  ASSERT_EQ(json_run.exit, 0) << json_run.err;
  EXPECT_EQ(json_run.doc()["schema"], "onshi.disaster.techo/1");

  const CliRun half = onshi({"disaster", "import-qr", data("techo-split-1of2.txt")});
  EXPECT_EQ(half.exit, 4) << half.out;
  const CliRun bad = onshi({"disaster", "import-qr", data("techo-bad-drug-before-visit.txt")});
  EXPECT_EQ(bad.exit, 4);
  EXPECT_NE(bad.err.find("line"), std::string::npos) << bad.err;
  EXPECT_EQ(onshi({"disaster", "import-qr", data("no-such-file.txt")}).exit, 3);
}

// Security findings 3 and 6 as a user meets them: no role means no role (the CLI used to assume a
// doctor), a pinned clock without --rehearsal is refused, and `disaster audit` checks the chain.
TEST_F(DisasterCli, R_DISASTER_no_assumed_role_no_pinned_clock_outside_a_drill_and_an_audited_audit) {
  Sim sim(root, dir.path / "sim.log");
  ASSERT_EQ(declare().exit, 0);
  const CliRun no_role = onshi({"disaster", "lookup", "--name", "高橋 京子", "--birth", "1958-03-03", "--sex", "F",
                                "--who", "dr-001", "--consent"});
  EXPECT_EQ(no_role.exit, 2) << no_role.out << no_role.err;
  EXPECT_NE((no_role.out + no_role.err).find("--role is required"), std::string::npos);
  const CliRun not_a_drill = onshi::test::run(onshi::test::command_line(
      ONSHI_CLI, {"disaster", "lookup", "--name", "高橋 京子", "--birth", "1958-03-03", "--sex", "F", "--who", "dr-001",
                  "--role", "doctor", "--consent", "--oqs-root", root.string(), "--json"},
      "env -u ONSHI_PLUGIN_PATH -u ONSHI_ROLE ONSHI_NOW=" + shell_quote(kDuring) +
          " ONSHI_STATE_DIR=" + shell_quote((dir.path / "state").string())));
  EXPECT_EQ(not_a_drill.exit, 1) << not_a_drill.out << not_a_drill.err;
  EXPECT_NE(not_a_drill.out.find("pinned"), std::string::npos) << not_a_drill.out;
  EXPECT_EQ(sim.answered("DST"), 0);
  const CliRun audit = onshi({"disaster", "audit", "--role", "authorised_staff", "--authorised-by", "director-01",
                              "--who", "ns-010", "--json"});
  ASSERT_EQ(audit.exit, 0) << audit.out << audit.err;
  const auto doc = nlohmann::json::parse(audit.out);
  EXPECT_TRUE(doc["chain"]["ok"].get<bool>());
  EXPECT_EQ(doc["records"][0]["event"], "audit_read");  // this very read, newest first
  EXPECT_EQ(onshi({"disaster", "audit", "--role", "clerk", "--who", "clerk-007"}).exit, 1);
}

// Issue 18: `onshi audit verify` says where the audit log's chain breaks, by entry number and time,
// for each way someone holding the database file can change it: one entry edited, one deleted, two
// swapped. Every check is itself audited, after the break, so the break stays where it was.
TEST_F(DisasterCli, R_DISASTER_audit_verify_names_the_entry_where_an_edited_deleted_or_reordered_log_breaks) {
  ASSERT_EQ(declare().exit, 0);  // entry 1
  auto verify = [&](bool as_json = true) {
    std::vector<std::string> args = {"audit", "verify", "--role", "doctor", "--who", "dr-001", "--rehearsal"};
    if (as_json) args.push_back("--json");
    return onshi(args);
  };
  for (int entry = 2; entry <= 5; ++entry) {  // each check is an entry: 2..5
    const CliRun intact = verify();
    ASSERT_EQ(intact.exit, 0) << intact.out << intact.err;
    EXPECT_EQ(intact.doc()["chain"]["records"], entry);
    EXPECT_EQ(intact.doc()["chain"]["head"]["seq"], entry);
  }
  const fs::path db = dir.path / "state" / "onshi.db", pristine = dir.path / "pristine.db";
  ASSERT_FALSE(fs::exists(db.string() + "-wal") && fs::file_size(db.string() + "-wal") > 0) << "closed cleanly";
  fs::copy_file(db, pristine);
  // The rows of the audit log in storage order, and one SQL change made to them.
  auto tamper = [&](const std::string& what) {
    fs::copy_file(pristine, db, fs::copy_options::overwrite_existing);
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    std::vector<int64_t> ids;
    sqlite3_stmt* rows = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(handle, "SELECT id FROM records WHERE collection = 'audit' ORDER BY id", -1, &rows,
                                 nullptr), SQLITE_OK);
    while (sqlite3_step(rows) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(rows, 0));
    sqlite3_finalize(rows);
    ASSERT_EQ(ids.size(), 5u);
    std::string sql = what;
    for (size_t k = 0; k < ids.size(); ++k)
      for (size_t at; (at = sql.find("#" + std::to_string(k + 1))) != std::string::npos;)
        sql.replace(at, 2, std::to_string(ids[k]));
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "") << sql;
    sqlite3_free(error);
    sqlite3_close(handle);
  };
  struct Case {
    const char* name;
    std::string sql;
    int found_seq;     // the entry found where entry 3 belongs
    const char* why;
  } cases[] = {
      {"an entry edited", R"(UPDATE records SET doc = replace(doc, '"dr-001"', '"dr-999"') WHERE id = #3)", 3,
       "content was changed"},
      {"an entry deleted", "DELETE FROM records WHERE id = #3", 4, "removed or re-ordered"},
      {"two entries swapped",
       "UPDATE records SET doc = CASE id WHEN #3 THEN (SELECT doc FROM records WHERE id = #4) "
       "ELSE (SELECT doc FROM records WHERE id = #3) END WHERE id IN (#3, #4)",
       4, "removed or re-ordered"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    tamper(c.sql);
    const CliRun broken = verify();
    EXPECT_EQ(broken.exit, 1) << broken.out << broken.err;
    const json chain = broken.doc()["chain"];
    EXPECT_EQ(chain["ok"], false);
    EXPECT_EQ(chain["broken_at"], 3);
    EXPECT_NE(chain.value("why", "").find(c.why), std::string::npos) << chain.dump();
    EXPECT_EQ(chain["last_intact"]["seq"], 2) << chain.dump();
    EXPECT_FALSE(chain["last_intact"].value("real_at", "").empty()) << "when: " << chain.dump();
    EXPECT_EQ(chain["found"]["seq"], c.found_seq) << chain.dump();
    const CliRun text = verify(false);  // as staff read it: the entry and its time
    EXPECT_EQ(text.exit, 1);
    EXPECT_NE(text.out.find("BROKEN at entry 3"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("JST"), std::string::npos) << text.out;
  }
  const CliRun clerk = onshi({"audit", "verify", "--role", "clerk", "--who", "clerk-007", "--rehearsal"});
  EXPECT_EQ(clerk.exit, 1) << "a role that may not look up may not read the log either";
}

// Issue 18, two processes on one state folder: desks (and a CLI beside the EMR) each sealed their
// record after the same head, the chain forked, and the log then read as tampered with. Sealing is
// one step for every process on the folder now: eight at once leave one intact chain.
TEST_F(DisasterCli, R_DISASTER_desks_writing_the_audit_log_at_once_leave_one_intact_chain) {
  ASSERT_EQ(declare().exit, 0);  // entry 1
  auto verify = [&](const std::string& who) {
    return onshi({"audit", "verify", "--role", "doctor", "--who", who, "--rehearsal", "--json"});
  };
  std::vector<std::future<CliRun>> desks;
  for (int i = 0; i < 8; ++i) desks.push_back(std::async(std::launch::async, verify, "dr-" + std::to_string(i)));
  for (auto& d : desks) {
    const CliRun r = d.get();
    EXPECT_EQ(r.exit, 0) << r.out << r.err;
  }
  const CliRun after = verify("dr-final");
  ASSERT_EQ(after.exit, 0) << after.out;
  EXPECT_EQ(after.doc()["chain"]["records"], 10) << "the declaration, eight checks and this one";
}

}  // namespace
}  // namespace onshi::disaster::test
