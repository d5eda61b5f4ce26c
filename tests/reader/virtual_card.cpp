#include "virtual_card.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace onshi::reader::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string fresh_dir() {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::path(ONSHI_TEST_WORK_DIR) / ("card-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void wait_for(Presence want) {
  auto ctx = PcscContext::establish();
  if (!ctx) throw std::runtime_error("PC/SC: " + ctx.error().message);
  auto r = (*ctx)->wait_for(kReader, want, 10s);
  if (!r) throw std::runtime_error("virtual card did not become " + std::string(want == Presence::present ? "present" : "absent") + ": " + r.error().message);
}

}  // namespace

VirtualCard::VirtualCard(std::vector<std::string> args) : dir_(fresh_dir()) {
  // Whoever used the reader before (another test, the demo) may have left a card pcscd still
  // shows: its ghost would answer "present" for ours and be gone by the first APDU.
  wait_for(Presence::absent);
  state_dir_ = (fs::path(ONSHI_TEST_WORK_DIR) / "vcard-state").string();  // keys are reused across tests
  std::vector<std::string> argv = {ONSHI_VCARD_PATH, "--state-dir", state_dir_, "--apdu-log", dir_ + "/apdu.log"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string err = dir_ + "/stderr.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  try {
    wait_for(Presence::present);
  } catch (...) {
    ::kill(pid_, SIGTERM);  // no destructor runs after a throwing constructor
    ::waitpid(pid_, nullptr, 0);
    throw;
  }
}

VirtualCard::~VirtualCard() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  try {
    wait_for(Presence::absent);  // so the next test never meets this card's ghost
  } catch (const std::exception& e) {
    std::fprintf(stderr, "VirtualCard: %s\n", e.what());
  }
}

std::vector<std::string> VirtualCard::apdus() const {
  std::vector<std::string> lines;
  std::istringstream in(read_text(dir_ + "/apdu.log"));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string VirtualCard::output() const { return read_text(dir_ + "/stderr.log"); }

Bytes VirtualCard::auth_cert_der() const {
  const std::string s = read_text(state_dir_ + "/auth-cert.der");
  return Bytes(s.begin(), s.end());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

size_t count_prefix(const std::vector<std::string>& log, const std::string& prefix) {
  size_t n = 0;
  for (const auto& line : log) n += line.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace onshi::reader::test
