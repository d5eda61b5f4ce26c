// For the disaster plugin and CLI tests: a scratch folder, the real onshi-sim whose log says
// which requests reached it, the 2024 Noto times, and the data files.
#pragma once

#include "files.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace onshi::disaster::test {

namespace fs = std::filesystem;

inline std::string read_text(const fs::path& p) { return onshi::test::read_bytes(p); }
using onshi::test::TempDir;

// onshi-sim serving ROOT; its stdout (one line per request taken: "answer <file>") goes to `log`.
class Sim {
 public:
  Sim(const fs::path& root, const fs::path& log) : log_(log) {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root / sub);
    std::vector<std::string> args = {ONSHI_SIM_EXE, "serve", "--root", root.string(), "--poll", "50"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    // Serving once it has said so (it creates the folders first).
    for (int i = 0; i < 100 && read_text(log_).find("serving") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ~Sim() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  std::string log() const { return read_text(log_); }
  // How many requests of an interface (e.g. "DSTsiquc01") it answered.
  int answered(const std::string& prefix) const {
    const std::string text = log();
    int n = 0;
    for (size_t at = 0; (at = text.find("answer " + prefix, at)) != std::string::npos; ++at) ++n;
    return n;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
};

// 2024-01-02 09:30 JST, inside the test declaration that runs to 2024-01-07 24:00 JST.
inline constexpr int64_t kDuringMs = 1704155400000;     // 2024-01-02T00:30:00Z
inline constexpr int64_t kDeclaredAtMs = 1704096000000; // 2024-01-01T08:00:00Z
inline constexpr int64_t kAfterEndMs = 1704639600000;   // 2024-01-07T15:00:00Z = 1/8 00:00 JST

}  // namespace onshi::disaster::test
