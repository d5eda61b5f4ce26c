// Runs a program as a user would from a shell, for the tests of every command-line tool (the
// onshi CLI, the demo): arguments quoted for the shell, a string on stdin, stdout and stderr
// kept apart, and the exit status.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace onshi::test {

struct CliRun {
  int exit = -1;  // -1: it did not exit normally (or could not be started)
  std::string out, err;
  nlohmann::json doc() const { return nlohmann::json::parse(out); }
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `env_prefix` (for instance "env -u ONSHI_PLUGIN_PATH"), then the program and its arguments, quoted.
inline std::string command_line(const std::string& program, const std::vector<std::string>& args,
                                const std::string& env_prefix = "") {
  std::string command = env_prefix.empty() ? shell_quote(program) : env_prefix + " " + shell_quote(program);
  for (const auto& a : args) command += " " + shell_quote(a);
  return command;
}

// Runs a shell command line with `input` on stdin. stdin and stderr pass through files in a
// folder of their own, removed afterwards (a PIN given on stdin does not stay on disk).
inline CliRun run(const std::string& command, const std::string& input = "") {
  namespace fs = std::filesystem;
  CliRun r;
  std::string dir_template = (fs::temp_directory_path() / "onshi-cli-XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) return r;
  const fs::path dir = dir_template, in = dir / "stdin", err = dir / "stderr";
  std::ofstream(in, std::ios::binary) << input;
  const std::string line = command + " <" + shell_quote(in.string()) + " 2>" + shell_quote(err.string());
  if (FILE* pipe = ::popen(line.c_str(), "r")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.out.append(buffer, n);
    const int status = ::pclose(pipe);
    r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err, std::ios::binary);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

}  // namespace onshi::test
