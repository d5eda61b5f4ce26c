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

}  // namespace onshi::eligibility::test
