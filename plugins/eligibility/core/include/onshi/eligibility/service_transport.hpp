// The SDK at a desk, through `onshi serve` (docs/decisions/service.md, "The SDK at a desk"): the
// eligibility functions go to the service that owns the terminal's folders, by name over HTTPS
// (POST /v1/onshi.eligibility/1/<function>, the desk's token or client certificate), and this desk's
// face results come from its event stream. An EMR that links the SDK at a desk changes only its
// configuration ("transport": "service").
//
// Shape as the other transports: call/cancel on the reactor's thread, `done` exactly once and always
// through Reactor::post; sockets on one I/O thread of the transport's own.
#pragma once

#include <onshi/eligibility/reactor.hpp>
#include <onshi/eligibility/tls_transport.hpp>
#include <onshi/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace onshi::eligibility {

struct ServiceOptions {
  // host, port, base_path from service.url (https only: a desk's token and patients' data cross the
  // LAN); ca_file, cert_file, key_file, key_passphrase_file; limits.
  TlsOptions https;
  std::string token;  // the desk's token (service.token_file); none with a client certificate
  std::chrono::milliseconds timeout{60000};  // one call, the service's own wait included
  std::chrono::milliseconds reconnect{2000};  // the event stream, after it broke
};

class ServiceTransport {
 public:
  // Loads the TLS files; an error names the file and its service.* setting.
  static Result<std::unique_ptr<ServiceTransport>> open(Reactor& reactor, ServiceOptions options);
  static Result<void> check(const ServiceOptions& options);
  ~ServiceTransport();  // pending calls complete with ONSHI_E_CANCELLED; the I/O thread is joined

  // POST `path` (/v1/onshi.eligibility/1/query, /v1/desk/expectations) with `document`: the service's
  // answer (a job it keeps is followed to its end), or its onshi.error/1 as the Error (its status,
  // words and hint; the service's host:port named). Call on the reactor's thread; returns an id for
  // cancel().
  uint64_t call(std::string_view path, std::string document, std::function<void(Result<std::string>)> done);
  // Completes the call with ONSHI_E_CANCELLED at once, and asks the service to cancel its job.
  void cancel(uint64_t id);
  // This desk's face results (the `data` of the service's events of kind "face"), on the reactor, as
  // they come; the stream is opened again after a break, from the last event seen. nullptr stops:
  // after it returns no call of the old one runs or will come.
  void listen(std::function<void(std::string outcome)> on_face);

  struct Impl;

 private:
  explicit ServiceTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onshi::eligibility
