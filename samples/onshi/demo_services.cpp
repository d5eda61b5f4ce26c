#include "demo_services.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace onshi::cli::demo {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- Process

Result<Process> Process::spawn(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A child starts with no signal blocked, whatever this process blocks (demo --serve blocks SIGINT/SIGTERM).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  Process p;
  const int rc = posix_spawn(&p.pid_, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    p.pid_ = -1;
    return make_error(ONSHI_E_NOT_FOUND, "demo", "cannot start " + argv[0] + ": " + std::strerror(rc),
                      "build everything first (scripts/build.sh); the demo runs the programs beside `onshi`");
  }
  return p;
}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

int Process::wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Process::running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

void Process::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) != 0) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

// ---- Services

namespace {

fs::path self_dir() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path();
}

// A helper script: installed beside the data (share/onshi/demo), else the source tree's.
fs::path script(const char* installed_name, const char* source_path) {
  std::error_code ec;
  fs::path installed = (self_dir() / ONSHI_DEMO_INSTALLED_DIR / installed_name).lexically_normal();
  return fs::is_regular_file(installed, ec) ? installed : fs::path(source_path);
}

int run_script(const fs::path& script, const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv = {"/bin/sh", script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = Process::spawn(argv, log);
  return p ? p->wait() : -1;
}

}  // namespace

fs::path Services::program(const char* name) const { return self_dir() / name; }

Result<void> Services::wait_until(const std::function<bool()>& ready, const std::string& what, const fs::path& log) {
  for (int i = 0; i < 100; ++i) {
    if (ready()) return {};
    std::this_thread::sleep_for(100ms);
  }
  return make_error(ONSHI_E_TIMEOUT, "demo", what + " did not come up within 10 s", "see " + log.string());
}

Result<void> Services::start(const std::function<bool()>& pcsc_up) {
  std::error_code ec;
  fs::create_directories(work_ / "logs", ec);
  oqs_ = work_ / "oqs";
  pki_ = work_ / "pki";

  progress_("PC/SC (pcscd + vpcd) …");
  if (!pcsc_up()) {
    if (geteuid() != 0)
      return make_error(ONSHI_E_NO_DEVICE, "demo", "the PC/SC service (pcscd) is not running",
                        "start it (sudo systemctl start pcscd.socket) with the vpcd driver installed "
                        "(apt install pcscd vsmartcard-vpcd), or run the demo as root so it starts pcscd itself");
    const fs::path log = work_ / "logs" / "pcscd.log";
    if (run_script(script("pcscd.sh", ONSHI_PCSCD_SCRIPT_SOURCE), {"start"}, log) != 0)
      return make_error(ONSHI_E_NO_DEVICE, "demo", "pcscd could not be started", "see " + log.string());
    started_pcscd_ = true;
    if (auto up = wait_until(pcsc_up, "pcscd", log); !up) return up;
  }

  progress_("test PKI for the TLS connection …");
  const fs::path pki_log = work_ / "logs" / "pki.log";
  if (run_script(script("make-tls-certs.sh", ONSHI_CERTS_SCRIPT_SOURCE), {pki_.string()}, pki_log) != 0)
    return make_error(ONSHI_E_IO, "demo", "the test certificates could not be made",
                      "see " + pki_log.string() + " (the demo needs the openssl command)");

  // The virtual card's issuing CA, which the simulator trusts, is made on its first start.
  progress_("virtual card's certificate authority …");
  const fs::path vcard_log = work_ / "logs" / "vcard.log";
  auto first = Process::spawn({program("onshi-vcard").string(), "--state-dir", (work_ / "vcard").string()}, vcard_log);
  if (!first) return std::move(first).error();
  const fs::path card_ca = work_ / "vcard" / "auth-ca-cert.der";
  auto made = wait_until([&] { return fs::exists(card_ca); }, "onshi-vcard", vcard_log);
  first->stop();
  if (!made) return made;

  progress_("simulator of the central system (folders + TLS) …");
  const fs::path sim_log = work_ / "logs" / "sim.log";
  const fs::path port_file = work_ / "tls.port";
  std::vector<std::string> sim_argv = {program("onshi-sim").string(), "serve", "--root", oqs_.string(),
                                       "--tls-address", "127.0.0.1", "--tls-port", "0",
                                       "--tls-port-file", port_file.string(), "--tls-cert", (pki_ / "server.pem").string(),
                                       "--tls-key", (pki_ / "server.key").string(), "--tls-client-ca",
                                       (pki_ / "ca.pem").string(), "--card-ca", card_ca.string()};
  // ONSHI_DEMO_SIM_FAULT (refuse, reset, slow, …: onshi-sim's --tls-fault) shows the demo failing
  // as it must when the central system cannot be reached; its test sets it.
  if (const char* fault = std::getenv("ONSHI_DEMO_SIM_FAULT"); fault && *fault)
    sim_argv.insert(sim_argv.end(), {"--tls-fault", fault});
  auto sim = Process::spawn(sim_argv, sim_log);
  if (!sim) return std::move(sim).error();
  sim_ = std::move(*sim);
  auto listening = wait_until(
      [&] {
        std::ifstream in(port_file);
        return bool(in >> tls_port_) && tls_port_ > 0;
      },
      "onshi-sim", sim_log);
  if (!listening) return listening;
  return {};
}

Services::~Services() {
  card_.stop();
  sim_.stop();
  if (started_pcscd_)
    run_script(script("pcscd.sh", ONSHI_PCSCD_SCRIPT_SOURCE), {"stop"}, work_ / "logs" / "pcscd.log");
}

std::string Services::config_json() const {
  nlohmann::json c;
  c["onshi.eligibility"] = {{"transport", "tls"},
                            {"folder", {{"root", oqs_.string()}}},
                            {"tls",
                             {{"url", "https://127.0.0.1:" + std::to_string(tls_port_) + "/oqs"},
                              {"ca_file", (pki_ / "ca.pem").string()},
                              {"cert_file", (pki_ / "client.pem").string()},
                              {"key_file", (pki_ / "client.key").string()},
                              {"timeout_ms", 10000}}},
                            {"bulk", {{"poll_ms", 1000}}}};  // the simulator answers at once; a terminal wants 5 s
  // The simulator's disaster data set is the 2024 Noto earthquake's: ask for five years of drugs.
  c["onshi.disaster"] = {{"drug_months", 60}};
  return c.dump();
}

Result<void> Services::insert_card(const std::vector<std::string>& persona_flags, const std::function<bool()>& present) {
  card_.stop();
  // pcscd notices a card that left only at its next poll: wait for the empty reader, or the new
  // card's "present" could be the old one's ghost, gone by the first APDU.
  const fs::path log = work_ / "logs" / "vcard.log";
  if (auto empty = wait_until([&] { return !present(); }, "the empty reader", log); !empty) return empty;
  std::vector<std::string> argv = {program("onshi-vcard").string(), "--state-dir", (work_ / "vcard").string()};
  argv.insert(argv.end(), persona_flags.begin(), persona_flags.end());
  auto card = Process::spawn(argv, log);
  if (!card) return std::move(card).error();
  card_ = std::move(*card);
  return wait_until(present, "the virtual card", log);
}

void Services::remove_card(const std::function<bool()>& absent) {
  card_.stop();
  (void)wait_until(absent, "the empty reader", work_ / "logs" / "vcard.log");
}

Result<void> Services::set_card_owner(const std::string& sim_persona) {
  std::ofstream out(oqs_ / "sim-control" / "card-persona", std::ios::trunc);
  if (!(out << sim_persona << "\n"))
    return make_error(ONSHI_E_IO, "demo", "cannot write the simulator's control file", "check " + oqs_.string());
  return {};
}

Result<void> Services::push_face(const std::string& sim_persona) {
  const fs::path tmp = oqs_ / "sim-control" / ".face.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << sim_persona << "\n"))
      return make_error(ONSHI_E_IO, "demo", "cannot write the simulator's control file", "check " + oqs_.string());
  }
  std::error_code ec;
  fs::rename(tmp, oqs_ / "sim-control" / "face", ec);  // whole, so the sim never reads half of it
  if (ec) return make_error(ONSHI_E_IO, "demo", "cannot hand the face push to the simulator: " + ec.message(), "");
  return {};
}

}  // namespace onshi::cli::demo
