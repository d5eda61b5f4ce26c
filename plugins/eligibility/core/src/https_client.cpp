#include "https_client.hpp"

#include <onshi/support/files.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <fstream>

namespace onshi::eligibility::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

Error retryable(Error e) {
  e.retryable = true;
  return e;
}

namespace {

constexpr const char* kDomain = "tls";

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string asn1_time_text(const ASN1_TIME* t) {
  if (!t) return "?";
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min);
  return buf;
}

std::string name_text(const X509_NAME* name) {
  if (!name) return "?";
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

// The DNS names and IP addresses a certificate is valid for, for messages.
std::string names_of(X509* cert) {
  std::string out;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
    std::string item;
    if (n->type == GEN_DNS)
      item.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)), ASN1_STRING_length(n->d.dNSName));
    else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 4) {
      const unsigned char* a = ASN1_STRING_get0_data(n->d.iPAddress);
      item = std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
    }
    if (!item.empty()) out += (out.empty() ? "" : ", ") + item;
  }
  GENERAL_NAMES_free(sans);
  return out.empty() ? name_text(X509_get_subject_name(cert)) : out;
}

// The client context: TLS 1.2 at least, OpenSSL's default ciphers at its security level, no
// renegotiation, the server verified against ca_file, our certificate if any
// (docs/decisions/eligibility-tls.md, "Posture").
Result<std::shared_ptr<ssl::context>> context_for(const TlsOptions& o, const HttpsSettings& s) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  ctx->set_verify_mode(ssl::verify_peer);
  auto file_error = [&](const std::filesystem::path& file, const char* key, const std::string& what) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain,
                      s.setting + "." + key + " " + file.string() + ": " + what,
                      "give a readable PEM file in " + s.section);
  };
  if (o.ca_file.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain, s.setting + ".ca_file is not set: the server cannot be verified",
                      "set " + s.setting + ".ca_file to the CA certificate of the server in " + s.section);
  for (auto [file, key] : {std::pair{&o.ca_file, "ca_file"}, {&o.cert_file, "cert_file"}, {&o.key_file, "key_file"},
                           {&o.key_passphrase_file, "key_passphrase_file"}})
    if (!file->empty() && !std::ifstream(*file)) return file_error(*file, key, "cannot be read");
  if (o.cert_file.empty() != o.key_file.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain, s.setting + ".cert_file and " + s.setting + ".key_file must be set together",
                      "give both the client certificate and its key in " + s.section);
  error_code ec;
  ctx->load_verify_file(o.ca_file.string(), ec);
  if (ec) return file_error(o.ca_file, "ca_file", "holds no PEM certificate (" + ec.message() + ")");
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file.string(), ec);
    if (ec) return file_error(o.cert_file, "cert_file", "holds no PEM certificate (" + ec.message() + ")");
    // The key proves this clinic to the server: nobody else on the PC may read it.
    for (auto [file, key] : {std::pair{&o.key_file, ".key_file"}, {&o.key_passphrase_file, ".key_passphrase_file"}})
      if (auto private_ = support::check_owner_only(*file, kDomain, s.setting + key); !private_)
        return std::move(private_).error();
    auto secret = std::make_shared<std::string>();
    if (!o.key_passphrase_file.empty()) {
      auto passphrase = support::read_file(o.key_passphrase_file, 1024);
      if (!passphrase || !passphrase->has_value())
        return file_error(o.key_passphrase_file, "key_passphrase_file", "cannot be read");
      *secret = std::move(**passphrase);
      while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
    }
    ctx->set_password_callback([secret](std::size_t, ssl::context::password_purpose) { return *secret; });
    ctx->use_private_key_file(o.key_file.string(), ssl::context::pem, ec);
    // The key is loaded: nothing needs the passphrase again.
    OPENSSL_cleanse(secret->data(), secret->size());
    ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
    if (ec)
      return file_error(o.key_file, "key_file",
                        "holds no PEM private key, or not one this passphrase opens (" + ec.message() + ")");
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      return file_error(o.key_file, "key_file", "is not the key of " + o.cert_file.string());
  }
  return ctx;
}

}  // namespace

// ---- one exchange, on the I/O thread --------------------------------------------------------

class HttpsCall : public std::enable_shared_from_this<HttpsCall> {
 public:
  using Finish = std::function<void(Result<HttpsAnswer>)>;

  enum class Phase { resolve, connect, handshake, write, read };

  const TlsOptions& o;  // owned by the transport, which outlives its I/O thread
  const HttpsSettings& s;
  std::string path;
  std::chrono::milliseconds timeout;
  tcp::resolver resolver;
  beast::ssl_stream<beast::tcp_stream> stream;
  net::steady_timer deadline;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  Finish finish;
  std::function<void(std::string_view)> on_data;  // a streamed body
  std::function<void(Error)> ended;
  Phase phase = Phase::resolve;
  bool timed_out = false, cancelled = false, finished = false, streaming = false;
  // What the server's certificate was refused for (from the verify callback).
  int verify_error = 0;
  std::string peer_subject, peer_issuer, peer_names, peer_not_before, peer_not_after;

  HttpsCall(net::io_context& io, ssl::context& ctx, const TlsOptions& options, const HttpsSettings& settings,
            HttpsRequest r, Finish f, std::function<void(std::string_view)> data, std::function<void(Error)> end)
      : o(options),
        s(settings),
        path(std::move(r.target)),
        timeout(r.timeout),
        resolver(io),
        stream(io, ctx),
        deadline(io),
        finish(std::move(f)),
        on_data(std::move(data)),
        ended(std::move(end)) {
    request.method(r.method);
    request.target(path);
    request.version(11);
    request.set(http::field::host, tls_endpoint(o));
    request.set(http::field::user_agent, "onshi-eligibility/1");
    if (!r.content_type.empty()) request.set(http::field::content_type, r.content_type);
    if (!r.accept.empty()) request.set(http::field::accept, r.accept);
    request.set(http::field::connection, "close");  // one exchange per connection
    for (const auto& [name, value] : r.headers) request.set(name, value);
    request.body() = std::move(r.body);
    request.prepare_payload();
    parser.body_limit(o.limits.max_bytes);
  }

  std::string where() const { return tls_endpoint(o); }

  void start() {
    auto self = shared_from_this();
    deadline.expires_after(timeout);
    deadline.async_wait([self](const error_code& ec) {
      if (ec || self->finished) return;
      self->timed_out = true;
      self->stop();
    });
    if (!prepare_ssl()) return;
    resolver.async_resolve(o.host, o.port, [self](const error_code& ec, tcp::resolver::results_type results) {
      if (ec) return self->fail(ec);
      self->phase = Phase::connect;
      beast::get_lowest_layer(self->stream).async_connect(results, [self](const error_code& ec, const tcp::endpoint&) {
        if (ec) return self->fail(ec);
        self->phase = Phase::handshake;
        self->stream.async_handshake(ssl::stream_base::client, [self](const error_code& ec) {
          if (ec) return self->fail(ec);
          self->phase = Phase::write;
          http::async_write(self->stream, self->request, [self](const error_code& ec, std::size_t) {
            if (ec) return self->fail(ec);
            self->phase = Phase::read;
            if (self->on_data) return self->read_stream_header();
            http::async_read(self->stream, self->buffer, self->parser,
                             [self](const error_code& ec, std::size_t) { self->on_response(ec); });
          });
        });
      });
    });
  }

  // SNI (names only, RFC 6066), the RFC 2818 host check, the host clock, and a note of why a
  // certificate was refused so the message can say it.
  bool prepare_ssl() {
    SSL* ssl_handle = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    const bool ip = is_ip_literal(o.host);
    if (!ip) SSL_set_tlsext_host_name(ssl_handle, o.host.c_str());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, o.host.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, o.host.c_str(), 0);
    if (set != 1) {
      done(make_error(ONSHI_E_INVALID_ARGUMENT, kDomain, "cannot check the server's name against \"" + o.host + "\"",
                      "check the host in " + s.setting + ".url"));
      return false;
    }
    // Validity at the real time (OpenSSL's default): never at a clock a test or a drill pinned.
    stream.set_verify_callback([this](bool preverified, ssl::verify_context& vc) {
      if (!preverified && verify_error == 0) {
        X509_STORE_CTX* store = vc.native_handle();
        verify_error = X509_STORE_CTX_get_error(store);
        if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
          peer_subject = name_text(X509_get_subject_name(cert));
          peer_issuer = name_text(X509_get_issuer_name(cert));
          peer_names = names_of(cert);
          peer_not_before = asn1_time_text(X509_get0_notBefore(cert));
          peer_not_after = asn1_time_text(X509_get0_notAfter(cert));
        }
      }
      return preverified;
    });
    return true;
  }

  // [I/O thread] Cancel or timeout: everything pending ends with operation_aborted.
  void stop() {
    resolver.cancel();
    error_code ignored;
    beast::get_lowest_layer(stream).socket().cancel(ignored);
    beast::get_lowest_layer(stream).socket().close(ignored);
  }

  void on_response(const error_code& ec) {
    if (ec) return fail(ec);
    auto& response = parser.get();
    done(HttpsAnswer{response.result_int(), std::string(response[http::field::content_type]), std::move(response.body()),
                     "https://" + where() + path});
  }

  // A streamed body (server-sent events): the header first, then each piece as it comes. A quiet
  // stream is given up after `timeout` (the server's heartbeats keep a live one awake).
  void read_stream_header() {
    http::async_read_header(stream, buffer, parser, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->fail(ec);
      auto& response = self->parser.get();
      if (response.result_int() != 200)  // an error: read its document, then it is the answer
        return http::async_read(self->stream, self->buffer, self->parser,
                                [self](const error_code& ec, std::size_t) { self->on_response(ec); });
      self->streaming = true;
      self->done(HttpsAnswer{200, std::string(response[http::field::content_type]), "", "https://" + self->where() + self->path},
                 /*keep_open=*/true);
      self->read_stream();
    });
  }

  void read_stream() {
    if (buffer.size() > 0) {
      const auto data = buffer.data();
      on_data({static_cast<const char*>(data.data()), data.size()});
      buffer.consume(buffer.size());
    }
    deadline.expires_after(timeout);
    deadline.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->cancelled) return;
      self->timed_out = true;
      self->stop();
    });
    stream.async_read_some(buffer.prepare(16 * 1024), [self = shared_from_this()](const error_code& ec, std::size_t n) {
      self->deadline.cancel();
      if (ec) {
        if (!self->cancelled && self->ended)
          self->ended(self->timed_out ? retryable(make_error(ONSHI_E_TIMEOUT, kDomain, "the stream from " + self->where() +
                                                                                        " went quiet",
                                                             "it is opened again"))
                                      : self->describe(ec));
        return self->stop();
      }
      self->buffer.commit(n);
      self->read_stream();
    });
  }

  void fail(const error_code& ec) { done(describe(ec)); }

  Error describe(const error_code& ec) const {
    const std::string at = where();
    if (cancelled) return make_error(ONSHI_E_CANCELLED, kDomain, "the request to " + at + " was cancelled");
    if (timed_out) {
      static const char* doing[] = {"resolving the name", "connecting", "in the TLS handshake", "sending the request",
                                    "waiting for the answer"};
      return retryable(make_error(ONSHI_E_TIMEOUT, kDomain,
                                  "no answer from " + at + " within " + std::to_string(timeout.count()) +
                                      " ms (stopped while " + doing[static_cast<int>(phase)] + ")",
                                  "check the network line to the server and try again; raise " + s.setting +
                                      ".timeout_ms if the line is slow"));
    }
    if (phase == Phase::resolve)
      return retryable(make_error(ONSHI_E_NETWORK, kDomain, "cannot resolve the server name " + o.host + ": " + ec.message(),
                                  "check the host in " + s.setting + ".url and this PC's DNS / network settings, then try again",
                                  ec.value()));
    if (phase == Phase::connect)
      return retryable(make_error(
          ONSHI_E_NETWORK, kDomain,
          "cannot connect to " + at + ": " +
              (ec == net::error::connection_refused ? std::string("connection refused (nothing listens there)")
                                                    : ec.message()),
          "check that the server is running and that " + s.setting + ".url names its host and port, then try again", ec.value()));
    if (verify_error != 0) return refused_server_certificate();
    if (ec.category() == net::error::get_ssl_category()) {
      const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
      // No ServerHello yet: nothing was agreed, so a handshake_failure alert is about what we offered
      // (versions, suites), not about our certificate; trying again changes nothing.
      SSL* ssl = const_cast<beast::ssl_stream<beast::tcp_stream>&>(stream).native_handle();
      const bool nothing_agreed = phase == Phase::handshake && SSL_get_current_cipher(ssl) == nullptr;
      if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
          reason == SSL_R_NO_SHARED_CIPHER || reason == SSL_R_NO_CIPHERS_AVAILABLE ||
          reason == SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY ||
          (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE && nothing_agreed))
        return make_error(ONSHI_E_AUTH, kDomain,
                          at + " offers no TLS version or cipher suite this client accepts (" + ec.message() + ")",
                          "the SDK speaks TLS 1.2 or newer with OpenSSL's default encrypted suites, never less: the "
                          "server must offer them; report it to its operator",
                          ec.value());
      const bool about_our_certificate =
          reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED || reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
          reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
          reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED || reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
          reason == SSL_R_TLSV1_ALERT_ACCESS_DENIED;
      if (about_our_certificate && o.cert_file.empty())
        return make_error(ONSHI_E_AUTH, kDomain,
                          at + " requires a client certificate and none is configured (TLS alert: " + ec.message() + ")",
                          "set " + s.setting + ".cert_file and " + s.setting + ".key_file to the client certificate in " +
                              s.section,
                          ec.value());
      if (about_our_certificate)
        return make_error(ONSHI_E_AUTH, kDomain,
                          at + " refused our client certificate " + o.cert_file.string() + " (TLS alert: " +
                              ec.message() + ")",
                          "use the client certificate issued for this server (" + s.setting + ".cert_file, " + s.setting +
                              ".key_file); check that it has not expired",
                          ec.value());
    }
    const bool broken = ec == net::error::eof || ec == net::error::connection_reset ||
                        ec == net::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
                        ec == http::error::partial_message || ec == net::error::broken_pipe;
    if (phase == Phase::handshake)
      return retryable(make_error(ONSHI_E_NETWORK, kDomain,
                                  at + " closed the connection during the TLS handshake (" + ec.message() + ")",
                                  "try again; if it repeats, check " + s.setting + ".url, the client certificate and "
                                  "that the server accepts this clinic",
                                  ec.value()));
    if (broken)
      return retryable(make_error(ONSHI_E_NETWORK, kDomain,
                                  "the connection to " + at + " broke before the whole answer arrived (" + ec.message() +
                                      ")",
                                  "try again: a 資格確認 may safely be asked again", ec.value()));
    if (ec.category() == make_error_code(http::error::body_limit).category())
      return make_error(ONSHI_E_PROTOCOL, kDomain,
                        at + " sent an answer that is not valid HTTP/1.1 or too large (" + ec.message() + ")",
                        "report this to the server's operator", ec.value());
    return retryable(make_error(ONSHI_E_NETWORK, kDomain, "talking to " + at + " failed: " + ec.message(),
                                "check the network line to the server and try again", ec.value()));
  }

  Error refused_server_certificate() const {
    const std::string at = where();
    const std::string about = " (subject " + peer_subject + ", issuer " + peer_issuer + ")";
    std::string message, hint;
    switch (verify_error) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        message = at + " presented a certificate that expired on " + peer_not_after + about;
        hint = "the server's operator must renew its certificate; also check this PC's date and time";
        break;
      case X509_V_ERR_CERT_NOT_YET_VALID:
        message = at + " presented a certificate valid only from " + peer_not_before + about;
        hint = "check this PC's date and time; otherwise the server's operator must fix its certificate";
        break;
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        message = at + " presented a certificate for " + peer_names + ", not for " + o.host + " (RFC 2818 name check)";
        hint = "connect by the name the server's certificate was issued for (" + s.setting + ".url); it may also be an "
               "impostor";
        break;
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        message = at + " presented a certificate not issued by the CA in " + s.setting + ".ca_file " + o.ca_file.string() +
                  about;
        hint = "set " + s.setting + ".ca_file to the CA certificate of the server's network; if it is right, this server "
               "is not the one it claims to be";
        break;
      default:
        message = at + " presented a certificate that was refused: " +
                  X509_verify_cert_error_string(verify_error) + about;
        hint = "check " + s.setting + ".ca_file and " + s.setting + ".url; report the message to the server's operator";
    }
    return make_error(ONSHI_E_AUTH, kDomain, "refused: " + message, hint, verify_error);
  }

  void done(Result<HttpsAnswer> result, bool keep_open = false) {
    if (finished) return;
    finished = true;
    deadline.cancel();
    if (!keep_open) {
      error_code ignored;
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream).socket().close(ignored);
    }
    finish(std::move(result));
  }
};


Result<std::shared_ptr<ssl::context>> client_context(const TlsOptions& o, const HttpsSettings& s) {
  return context_for(o, s);
}

std::shared_ptr<HttpsCall> start_https(net::io_context& io, ssl::context& ctx, const TlsOptions& o,
                                       const HttpsSettings& s, HttpsRequest request,
                                       std::function<void(Result<HttpsAnswer>)> done,
                                       std::function<void(std::string_view)> on_data, std::function<void(Error)> ended) {
  auto call = std::make_shared<HttpsCall>(io, ctx, o, s, std::move(request), std::move(done), std::move(on_data),
                                          std::move(ended));
  net::post(io, [call] { call->start(); });
  return call;
}

void cancel_https(const std::shared_ptr<HttpsCall>& call) {
  if (!call) return;
  call->cancelled = true;
  call->stop();
}

}  // namespace onshi::eligibility::detail
