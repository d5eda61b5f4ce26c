// The real `onshi serve` (ONSHI_CLI_EXE) as a process for a test: started with a configuration file,
// its port read once it listens, stopped (SIGTERM) or killed (SIGKILL) by its own pid.
#pragma once

#include "files.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace onshi::test {

class ServeProcess {
 public:
  // `config` is written to DIR/serve.json; its output goes to DIR/serve.log.
  ServeProcess(const fs::path& dir, const std::string& config) : dir_(dir) {
    write_bytes(dir_ / "serve.json", config);
    start();
  }
  ~ServeProcess() { stop(SIGTERM); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  void start() {
    std::error_code ec;
    fs::remove(dir_ / "serve.port", ec);
    std::vector<std::string> args = {ONSHI_CLI_EXE, "serve", "--config", (dir_ / "serve.json").string(), "--port-file",
                                     (dir_ / "serve.port").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "serve.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 500 && pid_ > 0 && port_ == 0; ++i) {
      port_ = std::atoi(read_bytes(dir_ / "serve.port").c_str());
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  void stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    port_ = 0;
  }
  int port() const { return port_; }
  std::string log() const { return read_bytes(dir_ / "serve.log"); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace onshi::test
