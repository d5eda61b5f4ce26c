// Data at rest (issue 18): a clinic's day through every plugin, run as a user runs it (the onshi
// CLI, each command its own process) under umask 022, against the real simulator; then every file
// the SDK left is walked. What it keeps is about patients: the store and its journal, the audit log
// and its key, the sequence, face and job files, the UKE and the 申立書 must be the owner's alone
// (files 0600, folders 0700), and nothing may be left in the temp folder.
#include "cli_run.hpp"
#include "sim_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <string>
#include <vector>

namespace onshi::test {
namespace {

using nlohmann::json;

struct AtRest : ::testing::Test {
  TempDir dir;
  fs::path root = dir.path / "oqs", state = dir.path / "state", tmp = dir.path / "tmp", out = dir.path / "out";

  void SetUp() override {
    for (const fs::path& p : {root / "req", root / "res", root / "face", tmp, out}) fs::create_directories(p);
  }
  // `onshi ARGS...` under umask 022, with its own state folder and an empty TMPDIR of its own.
  CliRun onshi(std::vector<std::string> args) const {
    args.insert(args.end(), {"--oqs-root", root.string()});
    return run("umask 022; " + command_line(ONSHI_CLI, args,
                                            "env -u ONSHI_PLUGIN_PATH -u ONSHI_ROLE TMPDIR=" + shell_quote(tmp.string()) +
                                                " ONSHI_STATE_DIR=" + shell_quote(state.string())));
  }
};

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", unsigned(mode & 07777));
  return text;
}

// Every file and folder under `top` (itself included) whose mode lets anyone but the owner in.
std::vector<std::string> open_to_others(const fs::path& top, size_t& walked) {
  std::vector<std::string> found;
  auto check = [&](const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return;
    ++walked;
    const mode_t want = S_ISDIR(st.st_mode) ? 0700 : 0600;
    if ((st.st_mode & 07777) != want) found.push_back(p.string() + " is " + octal(st.st_mode));
  };
  check(top);
  for (const auto& e : fs::recursive_directory_iterator(top)) check(e.path());
  return found;
}

TEST_F(AtRest, a_days_work_under_umask_022_keeps_everything_owner_only_and_nothing_in_the_temp_folder) {
  SimProcess sim({"serve", "--root", root.string(), "--poll", "20", "--bulk-polls", "1"});
  ASSERT_EQ(onshi({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515"}).exit, 0);
  ASSERT_EQ(onshi({"register-ref", "--ref", "C-1", "--insurer", "06139992", "--number", "5678", "--patient", "P1"}).exit, 0);
  const fs::path csv = dir.path / "appointments.csv";  // the EMR's own file
  write_bytes(csv, "patient_id,insurer_number,symbol,number,branch,birth_date\nA1,06139992,,5678,,19800515\n");
  ASSERT_EQ(onshi({"bulk", csv.string()}).exit, 0);
  ASSERT_EQ(onshi({"history", "--ref", "C-1"}).exit, 0);
  // Disaster mode, a look-up with consent, and the audit log checked (a drill on the pinned day).
  const std::vector<std::string> doctor = {"--role", "doctor", "--who", "dr-001", "--rehearsal", "--now", "2024-01-02T09:30"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) { return a.insert(a.end(), b.begin(), b.end()), a; };
  ASSERT_EQ(onshi(with({"disaster", "on", "--ref", "drill", "--area", "17,13101", "--until", "2024-01-07"}, doctor)).exit, 0);
  const CliRun lookup = onshi(with({"disaster", "lookup", "--name", "山崎 徳子", "--birth", "1947-11-20", "--sex", "F",
                                    "--address", "七尾市", "--consent"}, doctor));
  EXPECT_EQ(lookup.exit, 0) << lookup.out << lookup.err;
  ASSERT_EQ(onshi(with({"audit", "verify"}, doctor)).exit, 0);
  // The bill: the UKE lines and the 被保険者資格申立書.
  const fs::path claim = dir.path / "claim.json", prefill = dir.path / "prefill.json";
  write_bytes(claim, read_bytes(fs::path(ONSHI_CLAIMS_GOLDEN) / "verified_shaho.json"));
  write_bytes(prefill, json{{"schema", "onshi.claims.statement-prefill/1"},
                            {"patient", {{"name", "高橋 花子"}, {"birth_date", "1945-06-01"}}},
                            {"today", "2026-11-10"}}.dump());
  ASSERT_EQ(onshi({"claim", claim.string(), "--uke-out", (out / "claim.UKE").string()}).exit, 0);
  ASSERT_EQ(onshi({"form", prefill.string(), "--out", (out / "form.html").string()}).exit, 0);

  size_t walked = 0;
  EXPECT_EQ(open_to_others(state, walked), std::vector<std::string>{}) << "the state folder";
  for (const char* kept : {"onshi.db", "onshi.eligibility/sequence", "onshi.disaster/audit.key", "starting"})
    EXPECT_TRUE(fs::exists(state / kept)) << kept << ": the walk must see what the day wrote";
  EXPECT_GE(walked, 9u);
  for (const char* file : {"claim.UKE", "form.html"}) {
    struct stat st {};
    ASSERT_EQ(::stat((out / file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file << " is " << octal(st.st_mode);
  }
  EXPECT_TRUE(fs::is_empty(tmp)) << "something was left in TMPDIR: " << fs::directory_iterator(tmp)->path();
}

}  // namespace
}  // namespace onshi::test
