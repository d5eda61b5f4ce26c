// S5 / issue 5: kill -9 during a 一括照会 of 2,000 patients at every point of the job, restart,
// resume: zero resubmitted uploads (the 01req the simulator answered are counted in its res folder),
// zero lost results (every patient has exactly one result and one history entry). The job runs in
// a real child process (bulk_driver) that is SIGKILLed at the named point, against the real
// simulator process on real folders. The state machine alone, killed at every put: bulk_job_test.cpp.
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace onshi::eligibility {
namespace {

using namespace test;
using nlohmann::json;

constexpr int kPatients = 2000;  // two uploads of 1,000 (bulk.chunk_size)

struct DriverRun {
  bool killed = false;
  int exit = -1;
};

DriverRun run_driver(std::vector<std::string> args) {
  args.insert(args.begin(), ONSHI_BULK_DRIVER_EXE);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  DriverRun run;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return run;
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  run.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

int uploads_answered(const fs::path& root) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(root / "res"))
    n += e.path().filename().string().rfind("OQSmuquc01res_", 0) == 0;
  return n;
}

struct BulkCrash : ::testing::TestWithParam<const char*> {};

TEST_P(BulkCrash, S5_kill9_then_resume_no_resubmitted_upload_no_lost_result) {
  TempDir root, state;
  for (const char* sub : {"req", "res", "face"}) fs::create_directories(root.path / sub);
  SimProcess sim({"serve", "--root", root.path.string(), "--poll", "20", "--bulk-polls", "2"});
  ASSERT_TRUE(sim.started());
  const std::vector<std::string> common = {"--plugin-dir", ONSHI_PLUGIN_BUILD_DIR, "--state", state.path.string(),
                                           "--root", root.path.string()};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), common.begin(), common.end());
    return more;
  };
  const DriverRun first = run_driver(with({"--patients", std::to_string(kPatients), "--kill-at", GetParam()}));
  ASSERT_TRUE(first.killed) << "the driver was to die at stage " << GetParam() << " (exit " << first.exit << ")";

  const fs::path out = state.path / "result.json";
  const DriverRun second = run_driver(with({"--resume", "--out", out.string()}));
  ASSERT_EQ(second.exit, 0);
  const json doc = json::parse(read_bytes(out));
  const json& result = doc["result"];
  EXPECT_EQ(result["state"], "done");
  EXPECT_EQ(result["total"], kPatients);
  ASSERT_EQ(result["results"].size(), size_t(kPatients)) << "lost results";
  for (int i = 0; i < kPatients; i += 997) {
    char id[16];
    std::snprintf(id, sizeof id, "P%05d", i);
    ASSERT_TRUE(result["results"].contains(id)) << id;
  }
  EXPECT_EQ(result["results"]["P00000"]["kind"], "valid");
  EXPECT_EQ(result["results"]["P00002"]["kind"], "lost");
  EXPECT_EQ(result["results"]["P00004"]["kind"], "no_data");
  EXPECT_EQ(doc["history_bulk"], kPatients) << "one history entry per patient, none twice";
  EXPECT_EQ(uploads_answered(root.path), 2) << "an upload was sent twice (or lost)";
}

// saved: the job is stored, nothing sent. uploading: the chunk is marked as being sent, the file is
// not written yet (only asking the terminal can tell). sent: the 01req is in req, its answer not
// recorded. waiting: polling with the reception number. downloaded: the results are read, not yet
// stored. received:1: the first batch is stored, the second not.
INSTANTIATE_TEST_SUITE_P(KillPoints, BulkCrash,
                         ::testing::Values("saved", "uploading", "sent", "waiting", "downloaded", "received"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace onshi::eligibility
