// What the onshi.eligibility-records/1 tests share: the SDK over the eligibility plugin of the build,
// the terminal's folder `root` (the simulator's) and a state folder, with fast rescans and polls;
// and `onshi` run the same way, as a user runs the records commands.
#pragma once

#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <nlohmann/json.hpp>
#include <onshi/host.hpp>

#include "cli_run.hpp"
#include "test_support.hpp"

#include <optional>
#include <string>
#include <vector>

namespace onshi::eligibility::test {

inline SdkOptions records_sdk_options(const fs::path& root, const fs::path& state, const char* host_name) {
  SdkOptions o;
  o.host_name = host_name;
  o.plugin_dirs = {ONSHI_PLUGIN_BUILD_DIR};
  o.use_default_dirs = false;
  o.enabled_ids = std::vector<std::string>{"onshi.eligibility"};
  o.state_dir = state.string();
  o.config_json = nlohmann::json{{"onshi.eligibility",
                                  {{"folder", {{"root", root.string()}, {"rescan_ms", 50}}}, {"bulk", {{"poll_ms", 50}}}}}}
                      .dump();
  o.log_level = ONSHI_LOG_ERROR + 1;
  return o;
}

// parse(file_name, bytes) of onshi.eligibility/1: the onshi.eligibility.parsed/1 document, or the error.
inline Result<nlohmann::json> parse_file(const Extension<onshi_eligibility_v1>& ext, const std::string& file_name,
                                         const std::string& bytes) {
  std::string text;
  onshi_writer w = append_to(text);
  onshi_error err = empty_error();
  const onshi_status st =
      ext.vtable->parse(ext.instance, file_name.empty() ? nullptr : file_name.c_str(), bytes_of(bytes), &w, &err);
  if (st != ONSHI_OK) return to_error(st, err);
  return nlohmann::json::parse(text);
}

// The terminal's folders, the simulator on them when started, and the SDK with both extensions.
struct RecordsSdk : ::testing::Test {
  TempDir root, state;
  std::optional<SimProcess> sim;
  std::optional<Sdk> sdk;
  Extension<onshi_eligibility_v1> elig;
  Extension<onshi_eligibility_records_v1> rec;

  void make_folders() {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
  }
  void start_sim() {
    sim.emplace(std::vector<std::string>{"serve", "--root", root.path.string(), "--poll", "20", "--bulk-polls", "1"});
  }
  void open_sdk(const char* host_name) {
    auto opened = Sdk::open(records_sdk_options(root.path, state.path, host_name));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    sdk.emplace(std::move(opened).value());
    auto e = sdk->extension<onshi_eligibility_v1>(ONSHI_EXT_ELIGIBILITY, "onshi.eligibility");
    ASSERT_TRUE(e.ok()) << e.error().message;
    elig = *e;
    auto r = sdk->extension<onshi_eligibility_records_v1>(ONSHI_EXT_ELIGIBILITY_RECORDS, "onshi.eligibility");
    ASSERT_TRUE(r.ok()) << r.error().message;
    rec = *r;
  }
  void close_sdk() {
    rec = {};
    elig = {};
    sdk.reset();
  }
};

struct RecordsCliFolders : ::testing::Test {
  TempDir root, state;
  void SetUp() override {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
    write_bytes(state.path / "config.json",
                nlohmann::json{{"onshi.eligibility", {{"folder", {{"rescan_ms", 50}}}, {"bulk", {{"poll_ms", 50}}}}}}
                    .dump());
  }
  onshi::test::CliRun run(std::vector<std::string> args) {
    for (const auto& a : {"--plugin-dir", ONSHI_PLUGIN_BUILD_DIR, "--oqs-root"}) args.push_back(a);
    args.push_back(root.path.string());
    args.push_back("--state-dir");
    args.push_back(state.path.string());
    args.push_back("--config");
    args.push_back((state.path / "config.json").string());
    return onshi::test::run(onshi::test::command_line(ONSHI_CLI_EXE, args));
  }
};

}  // namespace onshi::eligibility::test
