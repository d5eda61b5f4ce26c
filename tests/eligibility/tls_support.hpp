// Helpers for the TLS tests: the test PKI (make-tls-certs.sh, made once per process) and
// onshi-sim serving TLS on a loopback port of its own choosing.
#pragma once

#include "test_support.hpp"

#include <cstdlib>
#include <optional>
#include <thread>

namespace onshi::eligibility::test {

// The test PKI of this process, made once.
inline const fs::path& pki() {
  static TempDir dir;
  static const bool made = [] {
    const std::string cmd = "sh '" + std::string(ONSHI_TLS_CERT_SCRIPT) + "' '" + dir.path.string() + "' >/dev/null";
    return std::system(cmd.c_str()) == 0;
  }();
  EXPECT_TRUE(made) << "make-tls-certs.sh failed";
  return dir.path;
}

// `onshi-sim serve --tls-port 0 ...` with the test server certificate (or `server_cert`), client
// certificates required from the test CA, and `extra` arguments; port() once it listens.
class TlsSimProcess {
 public:
  explicit TlsSimProcess(std::vector<std::string> extra, const std::string& server_cert = "server.pem") {
    std::vector<std::string> args = {"serve",
                                     "--tls-port",
                                     "0",
                                     "--tls-port-file",
                                     (dir_.path / "port").string(),
                                     "--tls-cert",
                                     (pki() / server_cert).string(),
                                     "--tls-key",
                                     (pki() / "server.key").string(),
                                     "--tls-client-ca",
                                     (pki() / "ca.pem").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    process_.emplace(args);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(dir_.path / "port") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    port_ = std::atoi(read_bytes(dir_.path / "port").c_str());
  }
  int port() const { return port_; }

 private:
  TempDir dir_;
  std::optional<SimProcess> process_;
  int port_ = 0;
};

#ifdef ONSHI_HOSTILE_TLS_SERVER
// A TLS server that is not ours (hostile_tls_server.py: Python's ssl) in one of its modes:
// old-protocol, no-encryption, huge-body. Stopped (SIGTERM) when this goes away.
class HostileTlsServer {
 public:
  explicit HostileTlsServer(const std::string& mode) {
    const std::string port_file = (dir_.path / "port").string();
    std::vector<std::string> args = {"/usr/bin/env", "python3", ONSHI_HOSTILE_TLS_SERVER, mode,
                                     (pki() / "server.pem").string(), (pki() / "server.key").string(), port_file};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ > 0 && !fs::exists(port_file) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    port_ = std::atoi(read_bytes(port_file).c_str());
  }
  ~HostileTlsServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  HostileTlsServer(const HostileTlsServer&) = delete;
  HostileTlsServer& operator=(const HostileTlsServer&) = delete;
  int port() const { return port_; }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};
#endif

}  // namespace onshi::eligibility::test
