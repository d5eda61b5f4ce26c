// The state folder's disk full, and read-only (issue 18): the SDK says so in words that say what to
// do, the patient at the window still gets their answer when it can be had, and nothing is left
// half-written: the store passes SQLite's integrity check and holds exactly what it held, the audit
// chain is intact, no RECEIPTC.UKE or temporary file is left behind.
//
// The disk is a 1 MiB tmpfs mounted in a mount namespace of this test's own (so it needs root, or
// is skipped), filled with a file until ENOSPC, or remounted read-only. The commands are the onshi
// CLI as a user runs it, each its own process, against the real simulator.
#include "cli_run.hpp"
#include "sim_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace onshi::test {
namespace {

using nlohmann::json;

// Every name under `top` but SQLite's journal files (which come and go with each connection).
std::set<std::string> names_under(const fs::path& top) {
  std::set<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(top)) {
    const std::string name = e.path().lexically_relative(top).string();
    if (!name.ends_with("-wal") && !name.ends_with("-shm")) names.insert(name);
  }
  return names;
}

class StateDisk : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path root = dir.path / "oqs", disk = dir.path / "disk", state = disk / "state", out = disk / "out";
  std::unique_ptr<SimProcess> sim;

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: a tmpfs in a mount namespace of its own";
    // This process's own mount namespace: the tmpfs is seen by the commands it starts and by no one
    // else, and goes away with it.
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << std::strerror(errno);
    fs::create_directories(disk);
    ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700"), 0)
        << std::strerror(errno);
    for (const fs::path& p : {root / "req", root / "res", root / "face", out}) fs::create_directories(p);
    sim = std::make_unique<SimProcess>(std::vector<std::string>{"serve", "--root", root.string(), "--poll", "20"});
    // A morning's work while there was room: one verification kept, disaster mode on, a bill.
    ASSERT_EQ(verify().exit, 0);
    const CliRun on = onshi({"disaster", "on", "--ref", "drill", "--area", "17,13101", "--until", "2024-01-07",
                             "--role", "doctor", "--who", "dr-001", "--rehearsal", "--now", "2024-01-02T09:30"});
    ASSERT_EQ(on.exit, 0) << on.out << on.err;
    ASSERT_EQ(claim("morning.UKE").exit, 0);
    before = names_under(disk);
  }
  void TearDown() override {
    sim.reset();
    if (::geteuid() == 0) ::umount2(disk.c_str(), MNT_DETACH);
  }

  std::set<std::string> before;

  CliRun onshi(std::vector<std::string> args) const {
    args.insert(args.end(), {"--oqs-root", root.string()});
    return run(command_line(ONSHI_CLI, args,
                            "env -u ONSHI_PLUGIN_PATH -u ONSHI_ROLE ONSHI_STATE_DIR=" + shell_quote(state.string())));
  }
  CliRun verify() const {
    return onshi({"verify", "insured", "--insurer", "06139992", "--number", "5678", "--birth", "19800515"});
  }
  CliRun switch_off() const {
    return onshi({"disaster", "off", "--reason", "over", "--role", "doctor", "--who", "dr-001", "--rehearsal", "--now",
                  "2024-01-02T10:30"});
  }
  CliRun claim(const std::string& uke) const {
    return onshi({"claim", (fs::path(ONSHI_CLAIMS_GOLDEN) / "verified_shaho.json").string(), "--uke-out",
                  (out / uke).string()});
  }

  // After the fault is gone: the store is whole and holds what it held before, nothing was added.
  void expect_as_before() {
    EXPECT_EQ(names_under(disk), before) << "a file left half-written, or a temporary file left behind";
    const CliRun integrity = run("python3 -c " + shell_quote("import sqlite3,sys; print(sqlite3.connect(sys.argv[1])"
                                                            ".execute('pragma integrity_check').fetchone()[0])") +
                                 " " + shell_quote((state / "onshi.db").string()));
    EXPECT_EQ(integrity.out, "ok\n") << integrity.err;
    const CliRun history = onshi({"history", "--json"});
    ASSERT_EQ(history.exit, 0) << history.err;
    EXPECT_EQ(history.doc()["entries"].size(), 1u) << "the morning's one verification, nothing half-kept";
    const CliRun status = onshi({"disaster", "status", "--json", "--rehearsal", "--now", "2024-01-02T11:00"});
    EXPECT_EQ(status.doc().value("state", ""), "active") << "the switch that could not be stored did not take effect";
    const CliRun audit = onshi({"audit", "verify", "--role", "doctor", "--who", "dr-001", "--rehearsal", "--now",
                                "2024-01-02T11:00", "--json"});
    EXPECT_EQ(audit.exit, 0) << audit.out << audit.err;
  }
};

TEST_F(StateDisk, a_full_disk_is_named_the_answer_still_shown_and_nothing_half_written) {
  {  // fill it to the last byte
    std::ofstream filler(disk / "filler", std::ios::binary);
    const std::string block(4096, '\0');
    while (filler.write(block.data(), block.size())) filler.flush();
  }
  const CliRun answered = verify();
  EXPECT_EQ(answered.exit, 0) << "the patient's answer does not depend on the history: " << answered.err;
  EXPECT_NE(answered.out.find("資格有効"), std::string::npos) << answered.out;
  EXPECT_NE(answered.err.find("not kept"), std::string::npos) << "said out loud: " << answered.err;
  EXPECT_NE(answered.err.find("is full"), std::string::npos) << answered.err;
  const CliRun off = switch_off();
  EXPECT_NE(off.exit, 0);
  EXPECT_NE(off.err.find("is full"), std::string::npos) << off.err;
  const CliRun bill = claim("noon.UKE");
  EXPECT_NE(bill.exit, 0);
  EXPECT_NE(bill.err.find("disk is full"), std::string::npos) << bill.err;
  fs::remove(disk / "filler");
  expect_as_before();
}

TEST_F(StateDisk, a_read_only_state_folder_is_named_and_nothing_half_written) {
  ASSERT_EQ(::mount(nullptr, disk.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr), 0)
      << std::strerror(errno);
  const CliRun verified = verify();
  EXPECT_EQ(verified.exit, 3) << "no request can be numbered: " << verified.out;
  EXPECT_NE(verified.out.find("read-only file system"), std::string::npos) << verified.out;
  const CliRun off = switch_off();
  EXPECT_NE(off.exit, 0);
  EXPECT_NE(off.err.find("writable"), std::string::npos) << off.err;
  const CliRun bill = claim("noon.UKE");
  EXPECT_NE(bill.exit, 0);
  EXPECT_NE(bill.err.find("read-only"), std::string::npos) << bill.err;
  ASSERT_EQ(::mount(nullptr, disk.c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV, nullptr), 0);
  expect_as_before();
}

}  // namespace
}  // namespace onshi::test
