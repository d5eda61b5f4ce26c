// What every `onshi` command promises, checked across all of them (issue 8, item 2):
// `--help` on each command and subcommand (exit 0, a usage line), `--json` failures as one JSON
// object with "ok": false and an error that says what to do, "ok" true exactly when the exit
// status is 0, and one clock option (--now, or $ONSHI_NOW) for scripts and demos. The commands
// are read from `onshi --help`, so a command added later is covered too.
#include "cli_run.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using onshi::test::CliRun;

class OnshiCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("onshi-samples-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `onshi args...` with its state in the test's folder, the plugins from their default
  // folder (ONSHI_PLUGIN_PATH ignored) and the system clock unless `env` pins it.
  CliRun onshi(const std::vector<std::string>& args, const std::string& env = "") const {
    return onshi::test::run(onshi::test::command_line(
        ONSHI_CLI, args,
        "env -u ONSHI_PLUGIN_PATH -u ONSHI_NOW ONSHI_STATE_DIR=" + onshi::test::shell_quote((dir_ / "state").string()) +
            " " + env));
  }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  fs::path dir_;
};

// The words after "onshi " on the lines of a help text that start with "  onshi ".
std::vector<std::vector<std::string>> usage_lines(const std::string& help) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  onshi ", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    lines.push_back(w);
  }
  return lines;
}

TEST_F(OnshiCli, every_command_and_subcommand_answers_help_with_a_usage_line) {
  const CliRun top = onshi({"--help"});
  ASSERT_EQ(top.exit, 0) << top.err;
  EXPECT_EQ(top.out.find("onshi: "), 0u) << top.out;
  EXPECT_NE(top.out.find("\nusage: onshi <command>"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("--now"), std::string::npos) << "the clock option is documented once, for every command";
  EXPECT_EQ(onshi({}).exit, 2);

  std::set<std::string> commands;
  for (const auto& w : usage_lines(top.out))
    if (!w.empty()) commands.insert(w[0]);
  for (const char* expected : {"plugins", "card", "verify", "parse", "watch-face", "bulk", "history", "register-ref",
                               "deferred", "requery", "claim", "insurer-check", "copay", "form", "usage-rate",
                               "disaster"})
    EXPECT_TRUE(commands.count(expected)) << "`onshi --help` does not list " << expected;

  const std::map<std::string, std::set<std::string>> expected_subcommands = {
      {"card", {"info", "verify-pin"}},
      {"verify", {"insured", "card"}},
      {"audit", {"verify"}},
      {"deferred", {"add", "run", "list"}},
      {"requery", {"home-visit", "online", "medical-aid"}},
      {"disaster", {"on", "off", "status", "lookup", "import-qr", "audit"}}};
  for (const auto& command : commands) {
    const CliRun help = onshi({command, "--help"});
    EXPECT_EQ(help.exit, 0) << command << "\n" << help.err;
    EXPECT_EQ(help.out.rfind("usage: onshi " + command, 0), 0u) << command << ":\n" << help.out;
    EXPECT_EQ(onshi({"help", command}).out, help.out) << command;

    std::set<std::string> subcommands;
    if (help.out.find("\nsubcommands") != std::string::npos)
      for (const auto& w : usage_lines(help.out))
        if (w.size() > 1 && w[0] == command) subcommands.insert(w[1]);
    if (auto it = expected_subcommands.find(command); it != expected_subcommands.end())
      EXPECT_EQ(subcommands, it->second) << command;
    else
      EXPECT_TRUE(subcommands.empty()) << command;
    for (const auto& sub : subcommands) {
      const CliRun r = onshi({command, sub, "--help"});
      EXPECT_EQ(r.exit, 0) << command << " " << sub << "\n" << r.err;
      EXPECT_EQ(r.out.rfind("usage: onshi " + command + " " + sub, 0), 0u) << command << " " << sub << ":\n" << r.out;
      EXPECT_EQ(onshi({"help", command, sub}).out, r.out) << command << " " << sub;
    }
    if (!subcommands.empty()) {
      const CliRun none = onshi({command});  // a missing subcommand: the list, exit 2
      EXPECT_EQ(none.exit, 2) << command;
      EXPECT_NE(none.out.find("subcommands"), std::string::npos) << none.out;
      const CliRun unknown = onshi({command, "1234", "--help"});  // never echoed: it may be a PIN
      EXPECT_EQ(unknown.exit, 2) << command;
      EXPECT_EQ(unknown.err.find("1234"), std::string::npos) << unknown.err;
      EXPECT_NE(unknown.err.find("what to do"), std::string::npos) << unknown.err;
    }
  }
}

// A failing command with --json prints one JSON object: ok false, and an error with a message and
// what to do. Without --json the same failure says what to do on stderr.
TEST_F(OnshiCli, json_of_every_failing_command_is_ok_false_with_what_to_do) {
  const std::string missing = (dir_ / "missing.file").string();
  const std::string absent_share = (dir_ / "no-share").string();
  const fs::path prefill = write("prefill.json", R"({"schema": "onshi.claims.statement-prefill/1"})");
  struct Case {
    std::vector<std::string> args;
    int exit;
  };
  const std::vector<Case> cases = {
      {{"nosuch"}, 2},
      {{"plugins", "--bogus"}, 2},
      {{"card"}, 2},
      {{"card", "frobnicate"}, 2},
      {{"card", "info", "--bogus"}, 2},
      {{"card", "verify-pin"}, 2},
      {{"verify"}, 2},
      {{"verify", "insured"}, 2},
      {{"verify", "card"}, 2},
      {{"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515", "--oqs-root",
        absent_share},
       3},
      {{"parse"}, 2},
      {{"parse", missing}, 3},
      {{"watch-face", "--count", "0"}, 2},
      {{"bulk"}, 2},
      {{"bulk", missing}, 3},
      {{"bulk", "--timeout", "soon", "--jobs"}, 2},
      {{"history", "--since", "2026-01-01"}, 2},
      {{"register-ref", "--ref", "X"}, 2},
      {{"claim"}, 2},
      {{"claim", missing}, 3},
      {{"insurer-check"}, 2},
      {{"copay"}, 2},
      {{"copay", "--birth", "2020-01-01", "--now", "yesterday"}, 2},
      {{"form", prefill.string()}, 2},
      {{"usage-rate"}, 2},
      {{"usage-rate", "--month", "2026-11", "--from", missing}, 3},
      {{"disaster"}, 2},
      {{"disaster", "on"}, 2},
      {{"disaster", "lookup"}, 2},
      {{"disaster", "import-qr"}, 2},
      {{"disaster", "import-qr", missing}, 3},
      {{"disaster", "status"}, 1},  // no declaration: a negative answer
  };
  for (const auto& c : cases) {
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    std::vector<std::string> with_json = c.args;
    with_json.push_back("--json");
    const CliRun r = onshi(with_json);
    EXPECT_EQ(r.exit, c.exit) << line << "--json\n" << r.out << r.err;
    const json doc = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << line << "--json printed:\n" << r.out;
    EXPECT_EQ(doc.value("ok", true), false) << line << r.out;
    if (c.exit == 1) continue;  // a negative answer is a result, not an error
    ASSERT_TRUE(doc.contains("error")) << line << r.out;
    EXPECT_FALSE(doc["error"].value("message", "").empty()) << line << r.out;
    EXPECT_FALSE(doc["error"].value("hint", "").empty()) << line << "says nothing about what to do:\n" << r.out;

    const CliRun text = onshi(c.args);
    EXPECT_EQ(text.exit, c.exit) << line;
    EXPECT_TRUE(text.err.find("what to do") != std::string::npos || text.err.find("usage: onshi") != std::string::npos ||
                text.out.find("usage: onshi") != std::string::npos)
        << line << "says nothing about what to do:\n" << text.out << text.err;
  }
}

TEST_F(OnshiCli, json_ok_is_true_exactly_when_the_exit_status_is_0) {
  const fs::path checks = write("checks.json", R"([{"date": "2026-11-02", "my_number_card": true}])");
  const std::vector<std::vector<std::string>> runs = {
      {"plugins"},
      {"copay", "--birth", "2020-01-01"},
      {"insurer-check", "06139992"},
      {"insurer-check", "06139992"},
      {"usage-rate", "--month", "2026-11", "--from", checks.string()},
      {"history"},
      {"bulk", "--jobs"},
      {"disaster", "status"},
  };
  for (auto args : runs) {
    args.push_back("--json");
    const CliRun r = onshi(args);
    const json doc = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << args[0] << ":\n" << r.out << r.err;
    ASSERT_TRUE(doc.contains("ok") && doc["ok"].is_boolean()) << args[0] << ":\n" << r.out;
    EXPECT_EQ(doc["ok"].get<bool>(), r.exit == 0) << args[0] << " exited " << r.exit << ":\n" << r.out;
  }
}

// One clock for every command: --now, else $ONSHI_NOW; JST unless it says Z.
TEST_F(OnshiCli, now_pins_the_sdk_clock_in_jst_or_utc) {
  auto on = [&](std::vector<std::string> args, const std::string& env = "") {
    args.insert(args.begin(), {"copay", "--birth", "2020-01-01", "--json"});
    const CliRun r = onshi(args, env);
    EXPECT_EQ(r.exit, 0) << r.out << r.err;
    return json::parse(r.out, nullptr, false).value("on", "");
  };
  EXPECT_EQ(on({"--now", "2024-03-31T23:59"}), "2024-03-31");
  EXPECT_EQ(on({"--now", "2024-03-31T15:00Z"}), "2024-04-01");  // 00:00 JST
  EXPECT_EQ(on({"--now", "2024-03-31T14:59:59Z"}), "2024-03-31");
  EXPECT_EQ(on({"--now", "2024-04-01"}), "2024-04-01");
  EXPECT_EQ(on({"--now=2024-03-31T15:00+00:00"}), "2024-04-01");
  EXPECT_EQ(on({}, "ONSHI_NOW=2024-01-02T00:30:00Z"), "2024-01-02");
  EXPECT_EQ(on({"--now", "2025-05-05T10:00"}, "ONSHI_NOW=2024-01-02T00:30:00Z"), "2025-05-05");  // the option wins

  for (const char* bad : {"2024-02-30", "2024-03-31T24:00", "tomorrow", "2024-03-31T10:00+9"}) {
    const CliRun r = onshi({"copay", "--birth", "2020-01-01", "--now", bad});
    EXPECT_EQ(r.exit, 2) << bad;
    EXPECT_NE(r.err.find("YYYY-MM-DDTHH:MM"), std::string::npos) << r.err;
  }
  const CliRun env_bad = onshi({"disaster", "status"}, "ONSHI_NOW=soon");
  EXPECT_EQ(env_bad.exit, 2);
  EXPECT_NE(env_bad.err.find("ONSHI_NOW"), std::string::npos) << env_bad.err;
}

}  // namespace
