// `onshi verify card` end to end, as a receptionist runs it: the reader plugin talks to onshi-vcard
// through the real pcscd + vpcd (the `pcscd` fixture), the card signs the challenge of onshi-sim
// serving TLS, and the eligibility plugin carries the query over mutual TLS. The CLI's clock is the
// system clock, so the card and the simulator use today's JST date too.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "tls_support.hpp"
#include "virtual_card.hpp"

namespace onshi::eligibility {
namespace {

using namespace test;
using nlohmann::json;

using onshi::test::CliRun;

// Runs `onshi args...` with `input` on stdin.
CliRun onshi(const std::vector<std::string>& args, const std::string& input = "") {
  return onshi::test::run(onshi::test::command_line(ONSHI_CLI_EXE, args, "env -u ONSHI_PLUGIN_PATH"), input);
}

struct CardCli : ::testing::Test {
  TempDir dir;
  // The SDK configuration: the eligibility plugin over TLS to the simulator on `port`.
  fs::path config(int port) {
    const json cfg = {{"onshi.eligibility",
                       {{"transport", "tls"},
                        {"tls",
                         {{"url", "https://localhost:" + std::to_string(port) + "/oqs"},
                          {"ca_file", (pki() / "ca.pem").string()},
                          {"cert_file", (pki() / "client.pem").string()},
                          {"key_file", (pki() / "client.key").string()},
                          {"timeout_ms", 10000}}}}}};
    const fs::path file = dir.path / "config.json";
    std::ofstream(file) << cfg.dump();
    return file;
  }
  std::vector<std::string> common(int port) {
    return {"--plugin-dir", ONSHI_PLUGIN_BUILD_DIR, "--config", config(port).string(), "--state-dir",
            (dir.path / "state").string()};
  }
};

TEST_F(CardCli, R_PIN_verify_card_runs_reader_challenge_signature_and_query_over_tls) {
  onshi::reader::test::VirtualCard vcard({"--cert", "valid", "--pin", "4821"});
  TlsSimProcess sim({"--card-ca", vcard.state_dir() + "/auth-ca-cert.der"});
  ASSERT_GT(sim.port(), 0);

  auto args = common(sim.port());
  args.insert(args.begin(), {"verify", "card", "--pin-stdin", "--json", "--timeout", "30"});
  const CliRun r = onshi(args, "4821\n");
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["outcome"]["kind"], "valid");
  EXPECT_EQ(doc["outcome"]["reference_classification"], "1");  // a card answer, as from the face reader
  EXPECT_EQ(r.out.find("4821"), std::string::npos);              // the PIN is never printed
  EXPECT_EQ(r.err.find("4821"), std::string::npos);

  // A wrong PIN: a "no" (exit 1) with the tries left; nothing reaches the server.
  const CliRun wrong = onshi(args, "1111\n");
  EXPECT_EQ(wrong.exit, 1) << wrong.out << wrong.err;
  EXPECT_EQ(json::parse(wrong.out)["outcome"], "pin_wrong");
  EXPECT_EQ(json::parse(wrong.out)["tries_left"], 2);

  // 目視確認 (R-VIS): the certificate only, no PIN.
  args[2] = "--visual-check";
  const CliRun visual = onshi(args);
  EXPECT_EQ(visual.exit, 0) << visual.out << visual.err;
  EXPECT_EQ(json::parse(visual.out)["outcome"]["kind"], "valid");
}

}  // namespace
}  // namespace onshi::eligibility
