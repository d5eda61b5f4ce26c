// The real onshi-sim (ONSHI_SIM_EXE, defined by each test target that starts it), for the tests
// of every suite: kept running for a test, or run to completion (`onshi-sim face ...`).
#pragma once

#include "files.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace onshi::test {

// A YZKsiquc01 request (one insured person's 薬剤情報) that onshi-sim answers, for tests that send raw
// bytes through exchange_async.
inline constexpr const char* kSimYzkRequest =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader><MedicalInstitutionCode>1311111111"
    "</MedicalInstitutionCode><InsurerNumber>06139992</InsurerNumber><InsuredPersonIdentificationNumber>5678"
    "</InsuredPersonIdentificationNumber></MessageHeader><MessageBody><FileCategory>2</FileCategory>"
    "</MessageBody></XmlMsg>";

// Starts `onshi-sim ARGS...`, its stdout into `out` (created, or emptied), /dev/null when empty;
// -1 when it cannot be started.
inline pid_t spawn_sim(std::vector<std::string> args, const fs::path& out = {}) {
  args.insert(args.begin(), ONSHI_SIM_EXE);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out.empty())
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// onshi-sim started with the given arguments and stopped (SIGTERM) by its own pid. With a
// `log_file`, its stdout (one line per request taken: "answer <file>") is kept there, and the
// constructor returns once it says it is serving (it creates its folders first).
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> args, fs::path log_file = {}) : log_(std::move(log_file)) {
    pid_ = spawn_sim(std::move(args), log_);
    if (pid_ > 0 && !log_.empty())
      for (int i = 0; i < 100 && log().find("serving") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ~SimProcess() { stop(); }
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  bool started() const { return pid_ > 0; }
  // What it printed so far ("" without a log).
  std::string log() const { return log_.empty() ? std::string() : read_bytes(log_); }
  // The answer files it wrote for requests of an interface (e.g. "DSTsiquc01"), in order; a name
  // twice is a request name used twice. Empty without a log.
  std::vector<std::string> answered_names(const std::string& prefix) const {
    std::vector<std::string> names;
    std::istringstream lines(log());
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("answer " + prefix, 0) == 0) names.push_back(line.substr(7));
    return names;
  }
  // How many requests of an interface it answered (0 without a log).
  int answered(const std::string& prefix) const { return static_cast<int>(answered_names(prefix).size()); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
};

// Runs `onshi-sim ARGS...` to completion (its stdout to /dev/null); its exit status, -1 when it
// could not be started or did not exit normally.
inline int run_sim(std::vector<std::string> args) {
  const pid_t pid = spawn_sim(std::move(args));
  if (pid < 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace onshi::test
