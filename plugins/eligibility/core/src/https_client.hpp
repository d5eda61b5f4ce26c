// One HTTPS exchange on an Asio I/O thread, shared by the direct TLS transport (XmlMsg to the central
// system) and the service transport (JSON to `onshi serve`): the client context (TLS 1.2+, the
// server verified against ca_file with the RFC 2818 name check, our certificate and a key only its
// owner reads), SNI, one deadline for the whole exchange, a bounded body, and errors that say which
// step failed and which setting to look at ("tls.ca_file", "service.url", ...).
#pragma once

#include <onshi/eligibility/tls_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace onshi::eligibility::detail {

// Where the settings of an HTTPS peer live, for messages: keys are `<setting>.url`, `<setting>.ca_file`, ...
struct HttpsSettings {
  std::string setting;  // "tls" or "service"
  std::string section;  // "the \"tls\" section of the \"onshi.eligibility\" configuration"
};

struct HttpsRequest {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string target;  // "/oqs/OQSsiquc01"
  std::string content_type, accept, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{30000};  // the whole exchange; a stream: until its header
};

struct HttpsAnswer {
  unsigned status = 0;
  std::string content_type, body;
  std::string url;  // "https://host:port/target", for messages
};

// The error, marked as worth trying again (a network failure, a busy server).
Error retryable(Error e);

// The client's TLS context; an error names the file and its setting.
Result<std::shared_ptr<boost::asio::ssl::context>> client_context(const TlsOptions& o, const HttpsSettings& s);

class HttpsCall;

// Starts one exchange on `io` (its thread): `done` exactly once, on that thread. With `on_data`, the
// answer's body is a stream: `done` comes with the status once the header arrived (an error status
// with its body), then `on_data` with each piece until the server closes, ended by `ended` (never
// after cancel). Returns a handle for cancel().
std::shared_ptr<HttpsCall> start_https(boost::asio::io_context& io, boost::asio::ssl::context& ctx, const TlsOptions& o,
                                       const HttpsSettings& s, HttpsRequest request,
                                       std::function<void(Result<HttpsAnswer>)> done,
                                       std::function<void(std::string_view)> on_data = {},
                                       std::function<void(Error)> ended = {});
// [I/O thread] Stops it; a pending `done` gets ONSHI_E_CANCELLED.
void cancel_https(const std::shared_ptr<HttpsCall>& call);

}  // namespace onshi::eligibility::detail
