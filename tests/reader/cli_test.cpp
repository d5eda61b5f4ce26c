// `onshi card info` and `onshi card verify-pin` run as a user would (bin/onshi finds
// the plugin in its default folder), against onshi-vcard in the real pcscd + vpcd.
// The CLI's clock is the system clock, so the personas use the vcard's default
// "today" (the same JST day).
#include "cli_run.hpp"
#include "plugin_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace onshi::reader::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using onshi::test::CliRun;

class CardCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(ONSHI_TEST_WORK_DIR) / "cli";  // no pid in paths the PIN checks scan: it could hold the digits
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `onshi args...` with `input` on stdin; plugins only from the default folder.
  CliRun onshi(const std::vector<std::string>& args, const std::string& input = "") {
    return onshi::test::run(onshi::test::command_line(ONSHI_CLI, args,
                                                      "env -u ONSHI_PLUGIN_PATH ONSHI_STATE_DIR=" +
                                                          onshi::test::shell_quote((dir_ / "state").string())),
                            input);
  }

  fs::path dir_;
};

TEST_F(CardCli, card_alone_lists_its_subcommands) {
  const CliRun r = onshi({"card"});
  EXPECT_EQ(r.exit, 2);
  EXPECT_NE(r.out.find("card info"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("card verify-pin --pin-stdin"), std::string::npos) << r.out;
  EXPECT_EQ(onshi({"card", "frobnicate"}).exit, 2);
  EXPECT_EQ(onshi({"card", "--help"}).exit, 0);
}

TEST_F(CardCli, R_CERT_card_info_json_of_a_valid_card_exits_0) {
  VirtualCard vcard({"--cert", "valid"});
  const CliRun r = onshi({"card", "info", "--json"});
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  const json doc = r.doc();
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["verdict"]["ja"], "有効");
  EXPECT_EQ(doc["card"]["reader"], kReader);
  EXPECT_EQ(doc["card"]["pin_tries_left"], 3);
  EXPECT_EQ(doc["card"]["auth_certificate"]["verdict"], "valid");
  EXPECT_FALSE(doc["card"]["auth_certificate"].contains("der_base64"));
  EXPECT_FALSE(doc["next"].get<std::string>().empty());
}

TEST_F(CardCli, R_GRACE_card_info_in_grace_is_usable_for_qualification_only) {
  VirtualCard vcard({"--cert", "in-grace"});
  const CliRun r = onshi({"card", "info", "--reader", kReader});
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("猶予期間中"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no drug or clinical information"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("マイナンバーカード"), std::string::npos);
}

TEST_F(CardCli, R_CERT_card_info_of_an_expired_card_exits_1) {
  VirtualCard vcard({"--cert", "past-grace"});
  const CliRun r = onshi({"card", "info", "--json"});
  ASSERT_EQ(r.exit, 1) << r.out << r.err;
  const json doc = r.doc();
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["verdict"]["ja"], "期限切れ");
  EXPECT_NE(doc["next"].get<std::string>().find("R-M2"), std::string::npos);
}

TEST_F(CardCli, card_info_without_a_card_exits_3_and_says_what_to_do) {
  const CliRun r = onshi({"card", "info"});
  EXPECT_EQ(r.exit, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("what to do"), std::string::npos) << r.err;
  const CliRun json_run = onshi({"card", "info", "--json", "--reader", kEmptyReader});
  EXPECT_EQ(json_run.exit, 3);
  EXPECT_EQ(json_run.doc()["ok"], false);
  EXPECT_EQ(json_run.doc()["error"]["code"], ONSHI_E_NO_CARD);
}

TEST_F(CardCli, R_PIN_verify_pin_exit_codes_and_the_pin_never_shows_S8) {
  const std::string pin = "4821", wrong = "1111";
  VirtualCard vcard({"--pin", pin});
  std::string everything;
  auto run = [&](const std::vector<std::string>& args, const std::string& input) {
    CliRun r = onshi(args, input);
    everything += r.out + r.err;
    return r;
  };

  const CliRun refused = run({"card", "verify-pin", "--json"}, pin + "\n");  // no --pin-stdin
  EXPECT_EQ(refused.exit, 2);
  const CliRun on_argv = run({"card", "verify-pin", "--pin-stdin", pin}, "");
  EXPECT_EQ(on_argv.exit, 2) << "a PIN on the command line is refused";
  const CliRun malformed = run({"card", "verify-pin", "--pin-stdin", "--verbose"}, "12a4\n");
  EXPECT_EQ(malformed.exit, 2) << malformed.err;
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 0u) << "nothing sent for a malformed PIN";

  const CliRun bad = run({"card", "verify-pin", "--pin-stdin", "--verbose"}, wrong + "\n");
  EXPECT_EQ(bad.exit, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("2 tries left"), std::string::npos) << bad.out;
  const CliRun bad_json = run({"card", "verify-pin", "--pin-stdin", "--json"}, wrong + "\r\n");
  EXPECT_EQ(bad_json.exit, 1);
  EXPECT_EQ(bad_json.doc()["outcome"], "wrong");
  EXPECT_EQ(bad_json.doc()["tries_left"], 1);

  const CliRun good = run({"card", "verify-pin", "--pin-stdin", "--verbose", "--json"}, pin + "\n");
  EXPECT_EQ(good.exit, 0) << good.out << good.err;
  EXPECT_EQ(good.doc()["outcome"], "verified");
  EXPECT_NE(good.err.find("onshi.reader.pcsc"), std::string::npos) << "--verbose logged the plugin";
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 3u);

  for (const std::string& secret : {pin, wrong, std::string("34383231"), std::string("31313131")})
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
  // pcscd's log: the PINs as the APDU would carry them (its timestamps hold any 4 digits).
  const std::string pcscd_log = read_text(ONSHI_PCSCD_LOG);
  for (const std::string& apdu_pin : {std::string("34383231"), std::string("31313131")})
    EXPECT_EQ(pcscd_log.find(apdu_pin), std::string::npos) << apdu_pin;
}

TEST_F(CardCli, R_PIN_verify_pin_on_a_locked_card_points_to_a_visual_check) {
  VirtualCard vcard({"--locked"});
  const CliRun r = onshi({"card", "verify-pin", "--pin-stdin"}, "1234\n");
  EXPECT_EQ(r.exit, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("目視確認"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("municipality"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("コンビニ kiosk"), std::string::npos) << "where else the patient can unlock it: " << r.out;
  EXPECT_EQ(count_prefix(vcard.apdus(), kVerifyWithPin), 0u);
}

// A smartphone card's PIN is reset in the マイナポータルアプリ, not at the municipality (R-PIN, R-M10).
TEST_F(CardCli, R_PIN_a_locked_smartphone_card_says_where_its_pin_is_reset) {
  VirtualCard vcard({"--smartphone", "--locked"});
  const CliRun r = onshi({"card", "info"});
  EXPECT_NE(r.out.find("マイナポータルアプリ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("R-M10"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("市区町村"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace onshi::reader::test
