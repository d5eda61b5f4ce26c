// onshi-sim's TLS endpoint: HTTP/1.1 over TLS (Boost.Beast + OpenSSL), the profile of
// docs/decisions/eligibility-tls.md. It only speaks HTTP; what to answer comes from the handler.
// One thread accepts; each connection gets its own thread (one exchange, then close).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace onshi::sim {

struct TlsServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;                        // 0: any free port (see TlsServer::port())
  std::filesystem::path cert, key;     // the server's certificate chain and key (PEM)
  std::filesystem::path client_ca;     // set: every client must present a certificate from this CA (mutual TLS)
  std::string base_path = "/oqs";      // interfaces live at base_path/<interface>
  int delay_ms = 0;                    // latency before each answer
  // none | refuse (bind but never listen: connections are refused) | close (accept, then close before TLS)
  // | reset (half the answer, then a TCP reset) | slow (the answer in 16-byte pieces, 200 ms apart)
  // | bad-cert (serve a self-signed certificate made at start instead of `cert`)
  std::string fault = "none";
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/xml; charset=UTF-8";
  std::string body;
};
// (interface, request body) → reply. Called from connection threads, one call at a time.
using HttpHandler = std::function<HttpReply(const std::string& interface, const std::string& body)>;

class TlsServer {
 public:
  // Throws std::runtime_error naming the file or address that failed.
  TlsServer(TlsServerOptions options, HttpHandler handler);
  ~TlsServer();
  int port() const;  // the bound port
  void start();      // accepts on a thread of its own until the process ends

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::sim
