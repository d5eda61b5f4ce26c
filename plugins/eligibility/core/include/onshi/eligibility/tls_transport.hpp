// The direct transport: the same XmlMsg documents the folder transport writes, POSTed over
// HTTP/1.1 with mutual TLS to the オンライン資格確認 server (our profile, since the real API is
// closed: docs/decisions/eligibility-tls.md). One TLS connection per exchange.
//
// Shape as FolderTransport: submit/cancel on the reactor's thread, `done` exactly once and always
// through Reactor::post. Asio needs a thread that runs its io_context and the host's executor
// offers no Asio executor across the C ABI, so sockets live on one I/O thread owned by the
// transport; it never runs a caller's code, it only posts results to the reactor.
#pragma once

#include <onshi/eligibility/folder_transport.hpp>
#include <onshi/eligibility/reactor.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::eligibility {

struct TlsOptions {
  std::string host;                 // DNS name or IP literal; SNI and RFC 2818 host name check use it
  std::string port = "443";
  std::string base_path = "/oqs";   // interfaces are POSTed to base_path + "/" + interface
  std::filesystem::path ca_file;    // PEM: the CA(s) the server's certificate must chain to
  std::filesystem::path cert_file;  // PEM: the clinic's client certificate (chain); empty = none
  std::filesystem::path key_file;   // PEM: its private key, readable by its owner only (never logged)
  std::filesystem::path key_passphrase_file;  // when the key is encrypted: a file holding its passphrase
  std::chrono::milliseconds timeout{30000};  // the whole exchange: resolve, connect, handshake, write, read
  ReadLimits limits;  // limits.max_bytes also bounds the HTTP body
};

// "https://host[:port][/base/path]" → host, port, base_path of `into`. IPv6 literals in [brackets].
// `setting` names the key in errors ("tls" → "tls.url").
Result<void> apply_tls_url(std::string_view url, TlsOptions& into, std::string_view setting = "tls");
// "host:port", as messages name the server.
std::string tls_endpoint(const TlsOptions& options);

// The answer to POST base_path/challenge, our profile's nonce for a card-authenticated query.
struct Challenge {
  std::string base64;  // 32 random bytes
  int valid_seconds = 0;
};
// From the challenge answer (SegmentOfResult 1, MessageBody/Challenge); ONSHI_E_PROTOCOL otherwise.
Result<Challenge> challenge_of(const XmlMsg& answer);

class TlsTransport {
 public:
  // Loads the CA, certificate and key files; an error names the file and the config key.
  static Result<std::unique_ptr<TlsTransport>> open(Reactor& reactor, TlsOptions options);
  // Only checks what open() would load (any thread; for diagnostics and early errors).
  static Result<void> check(const TlsOptions& options);
  ~TlsTransport();  // pending requests complete with ONSHI_E_CANCELLED; the I/O thread is joined

  // POSTs request_bytes (an XmlMsg, Shift_JIS or UTF-8 as its declaration says) to
  // base_path + "/" + interface ("OQSsiquc01", "challenge", ...). `done` gets the parsed answer
  // (Answer::raw holds the body as received) or an error naming host:port and what to do:
  // ONSHI_E_NETWORK / ONSHI_E_TIMEOUT / ONSHI_E_BUSY (retryable), ONSHI_E_AUTH (a certificate
  // refused either way), ONSHI_E_PROTOCOL (HTTP 400, an unreadable answer), ONSHI_E_NOT_SUPPORTED
  // (404). Call on the reactor's thread; returns an id for cancel().
  uint64_t submit(std::string_view interface, std::string_view request_bytes, AnswerCallback done);
  void cancel(uint64_t request_id);

  struct Impl;

 private:
  explicit TlsTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onshi::eligibility
