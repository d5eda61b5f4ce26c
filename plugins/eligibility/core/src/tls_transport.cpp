#include <onshi/eligibility/tls_transport.hpp>

#include <onshi/support/base64.hpp>
#include <onshi/support/files.hpp>
#include <onshi/text/encoding.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

namespace onshi::eligibility {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr const char* kDomain = "tls";
constexpr const char* kConfig = "the \"tls\" section of the \"onshi.eligibility\" configuration";

Error retryable(Error e) {
  e.retryable = true;
  return e;
}

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
Result<std::shared_ptr<ssl::context>> client_context(const TlsOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  ctx->set_verify_mode(ssl::verify_peer);
  auto file_error = [&](const std::filesystem::path& file, const char* key, const std::string& what) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain,
                      "tls." + std::string(key) + " " + file.string() + ": " + what,
                      "give a readable PEM file in " + std::string(kConfig));
  };
  if (o.ca_file.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain, "tls.ca_file is not set: the server cannot be verified",
                      "set tls.ca_file to the CA certificate of the オンライン資格確認 server in " + std::string(kConfig));
  for (auto [file, key] : {std::pair{&o.ca_file, "ca_file"}, {&o.cert_file, "cert_file"}, {&o.key_file, "key_file"},
                           {&o.key_passphrase_file, "key_passphrase_file"}})
    if (!file->empty() && !std::ifstream(*file)) return file_error(*file, key, "cannot be read");
  if (o.cert_file.empty() != o.key_file.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, kDomain, "tls.cert_file and tls.key_file must be set together",
                      "give both the clinic's client certificate and its key in " + std::string(kConfig));
  error_code ec;
  ctx->load_verify_file(o.ca_file.string(), ec);
  if (ec) return file_error(o.ca_file, "ca_file", "holds no PEM certificate (" + ec.message() + ")");
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file.string(), ec);
    if (ec) return file_error(o.cert_file, "cert_file", "holds no PEM certificate (" + ec.message() + ")");
    // The key proves this clinic to the server: nobody else on the PC may read it.
    for (auto [file, key] : {std::pair{&o.key_file, "tls.key_file"}, {&o.key_passphrase_file, "tls.key_passphrase_file"}})
      if (auto private_ = support::check_owner_only(*file, kDomain, key); !private_) return std::move(private_).error();
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

std::string content_type_of(std::string_view xml) {
  const std::string_view decl = xml.substr(0, std::min<size_t>(xml.find("?>"), 200));
  for (std::string_view sjis : {"Shift_JIS", "shift_jis", "SHIFT_JIS", "windows-31j", "cp932"})
    if (decl.find(sjis) != std::string_view::npos) return "application/xml; charset=Shift_JIS";
  return "application/xml; charset=UTF-8";
}

}  // namespace

// ---- one exchange, on the I/O thread --------------------------------------------------------

struct Exchange : std::enable_shared_from_this<Exchange> {
  using Finish = std::function<void(Result<Answer>)>;

  enum class Phase { resolve, connect, handshake, write, read };

  const TlsOptions& o;  // owned by the transport's Impl, which outlives the I/O thread
  std::string interface, path;
  tcp::resolver resolver;
  beast::ssl_stream<beast::tcp_stream> stream;
  net::steady_timer deadline;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  Finish finish;
  Phase phase = Phase::resolve;
  bool timed_out = false, cancelled = false, finished = false;
  // What the server's certificate was refused for (from the verify callback).
  int verify_error = 0;
  std::string peer_subject, peer_issuer, peer_names, peer_not_before, peer_not_after;

  Exchange(net::io_context& io, ssl::context& ctx, const TlsOptions& options, std::string iface,
           std::string_view body, Finish f)
      : o(options),
        interface(std::move(iface)),
        path(options.base_path + "/" + interface),
        resolver(io),
        stream(io, ctx),
        deadline(io),
        finish(std::move(f)) {
    request.method(http::verb::post);
    request.target(path);
    request.version(11);
    request.set(http::field::host, tls_endpoint(o));
    request.set(http::field::user_agent, "onshi-eligibility/1");
    request.set(http::field::content_type, content_type_of(body));
    request.set(http::field::accept, "application/xml");
    request.set(http::field::connection, "close");  // one exchange per connection (docs: HTTP profile)
    request.body() = std::string(body);
    request.prepare_payload();
    parser.body_limit(o.limits.max_bytes);
  }

  std::string where() const { return tls_endpoint(o); }

  void start() {
    auto self = shared_from_this();
    deadline.expires_after(o.timeout);
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
                      "check the host in tls.url"));
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
    const unsigned status = response.result_int();
    const std::string url = "https://" + where() + path;
    if (status == 200) {
      auto msg = read_xml_msg(response.body(), "the answer of " + url, o.limits);
      if (!msg)
        return done(make_error(ONSHI_E_PROTOCOL, kDomain, msg.error().message,
                               "the server answered something that is not an XmlMsg; report it to its operator", 200));
      return done(Answer{interface, url, std::move(msg).value(), std::move(response.body())});
    }
    // The server's own words (text or XmlMsg, UTF-8 or Shift_JIS), cut short, for the message.
    std::string said = text::readable(response.body(), 300);
    for (char& c : said)
      if (c == '\n' || c == '\r') c = ' ';
    const std::string head = where() + " answered HTTP " + std::to_string(status) + " to POST " + path +
                             (said.empty() ? "" : ": " + said);
    Error e;
    if (status == 400)
      e = make_error(ONSHI_E_PROTOCOL, kDomain, head,
                     "the server could not read the request (as the terminal's .err): check its fields and send again");
    else if (status == 401 || status == 403)
      e = make_error(ONSHI_E_AUTH, kDomain, head,
                     "the server does not accept this clinic: check tls.cert_file and the medical_institution_code");
    else if (status == 404)
      e = make_error(ONSHI_E_NOT_SUPPORTED, kDomain, head,
                     "the server offers no such interface: check tls.url's path (base path) in " + std::string(kConfig));
    else if (status == 503)
      e = retryable(make_error(ONSHI_E_BUSY, kDomain, head,
                               "the server is busy or in maintenance: try again in a few minutes (R-MAINT)"));
    else if (status >= 500)
      e = retryable(make_error(ONSHI_E_PROTOCOL, kDomain, head, "the server failed: try again; if it repeats, call its "
                                                                "support desk"));
    else
      e = make_error(ONSHI_E_PROTOCOL, kDomain, head, "unexpected HTTP status: report it to the server's operator");
    e.native_code = static_cast<int32_t>(status);
    done(std::move(e));
  }

  void fail(const error_code& ec) { done(describe(ec)); }

  Error describe(const error_code& ec) const {
    const std::string at = where();
    if (cancelled) return make_error(ONSHI_E_CANCELLED, kDomain, "the request to " + at + " was cancelled");
    if (timed_out) {
      static const char* doing[] = {"resolving the name", "connecting", "in the TLS handshake", "sending the request",
                                    "waiting for the answer"};
      return retryable(make_error(ONSHI_E_TIMEOUT, kDomain,
                                  "no answer from " + at + " within " + std::to_string(o.timeout.count()) +
                                      " ms (stopped while " + doing[static_cast<int>(phase)] + ")",
                                  "check the network line to the server and try again; raise tls.timeout_ms if the "
                                  "line is slow"));
    }
    if (phase == Phase::resolve)
      return retryable(make_error(ONSHI_E_NETWORK, kDomain, "cannot resolve the server name " + o.host + ": " + ec.message(),
                                  "check the host in tls.url and this PC's DNS / network settings, then try again",
                                  ec.value()));
    if (phase == Phase::connect)
      return retryable(make_error(
          ONSHI_E_NETWORK, kDomain,
          "cannot connect to " + at + ": " +
              (ec == net::error::connection_refused ? std::string("connection refused (nothing listens there)")
                                                    : ec.message()),
          "check that the server is running and that tls.url names its host and port, then try again", ec.value()));
    if (verify_error != 0) return refused_server_certificate();
    if (ec.category() == net::error::get_ssl_category()) {
      const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
      const bool about_our_certificate =
          reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED || reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
          reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
          reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED || reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
          reason == SSL_R_TLSV1_ALERT_ACCESS_DENIED;
      if (about_our_certificate && o.cert_file.empty())
        return make_error(ONSHI_E_AUTH, kDomain,
                          at + " requires a client certificate and none is configured (TLS alert: " + ec.message() + ")",
                          "set tls.cert_file and tls.key_file to the clinic's client certificate in " +
                              std::string(kConfig),
                          ec.value());
      if (about_our_certificate)
        return make_error(ONSHI_E_AUTH, kDomain,
                          at + " refused our client certificate " + o.cert_file.string() + " (TLS alert: " +
                              ec.message() + ")",
                          "use the clinic's client certificate issued for this server (tls.cert_file, tls.key_file); "
                          "check that it has not expired",
                          ec.value());
    }
    const bool broken = ec == net::error::eof || ec == net::error::connection_reset ||
                        ec == net::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
                        ec == http::error::partial_message || ec == net::error::broken_pipe;
    if (phase == Phase::handshake)
      return retryable(make_error(ONSHI_E_NETWORK, kDomain,
                                  at + " closed the connection during the TLS handshake (" + ec.message() + ")",
                                  "try again; if it repeats, check tls.url, the client certificate and that the "
                                  "server accepts this clinic",
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
        hint = "connect by the name the server's certificate was issued for (tls.url); it may also be an impostor";
        break;
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        message = at + " presented a certificate not issued by the CA in tls.ca_file " + o.ca_file.string() + about;
        hint = "set tls.ca_file to the オンライン資格確認 network's CA certificate; if it is right, this server is not "
               "the one it claims to be";
        break;
      default:
        message = at + " presented a certificate that was refused: " +
                  X509_verify_cert_error_string(verify_error) + about;
        hint = "check tls.ca_file and tls.url; report the message to the server's operator";
    }
    return make_error(ONSHI_E_AUTH, kDomain, "refused: " + message, hint, verify_error);
  }

  void done(Result<Answer> result) {
    if (finished) return;
    finished = true;
    deadline.cancel();
    error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream).socket().close(ignored);
    finish(std::move(result));
  }
};

// ---- the transport --------------------------------------------------------------------------

struct TlsTransport::Impl : std::enable_shared_from_this<Impl> {
  Reactor& reactor;
  TlsOptions options;
  std::shared_ptr<ssl::context> ctx;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
  std::map<uint64_t, AnswerCallback> pending;              // [reactor] waiting for their answer
  uint64_t next_id = 1;                                    // [reactor]
  std::map<uint64_t, std::weak_ptr<Exchange>> running;     // [I/O thread] what cancel can stop

  Impl(Reactor& r, TlsOptions o, std::shared_ptr<ssl::context> c)
      : reactor(r), options(std::move(o)), ctx(std::move(c)) {}

  // [reactor]
  void deliver(uint64_t id, Result<Answer> result) {
    auto it = pending.find(id);
    if (it == pending.end()) return;  // cancelled meanwhile: the first word was final
    AnswerCallback done = std::move(it->second);
    pending.erase(it);
    reactor.post([done = std::move(done), r = std::make_shared<Result<Answer>>(std::move(result))]() mutable {
      done(std::move(*r));
    });
  }

  // [I/O thread]
  void cancel_exchange(uint64_t id) {
    auto it = running.find(id);
    if (it == running.end()) return;
    if (auto ex = it->second.lock()) {
      ex->cancelled = true;
      ex->stop();
    }
    running.erase(it);
  }

  void stop_thread() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

TlsTransport::TlsTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<void> TlsTransport::check(const TlsOptions& options) {
  if (options.host.empty())
    return make_error(ONSHI_E_NOT_FOUND, kDomain, "the オンライン資格確認 server is not configured (no tls.url)",
                      "set tls.url (https://host:port/path) in " + std::string(kConfig));
  auto ctx = client_context(options);
  if (!ctx) return std::move(ctx).error();
  return {};
}

Result<std::unique_ptr<TlsTransport>> TlsTransport::open(Reactor& reactor, TlsOptions options) {
  if (auto checked = check(options); !checked) return std::move(checked).error();
  auto ctx = client_context(options);
  if (!ctx) return std::move(ctx).error();
  auto impl = std::make_shared<Impl>(reactor, std::move(options), std::move(*ctx));
  impl->thread = std::thread([raw = impl.get()] { raw->io.run(); });
  return std::unique_ptr<TlsTransport>(new TlsTransport(std::move(impl)));
}

TlsTransport::~TlsTransport() {
  impl_->stop_thread();  // no exchange runs any more: what is pending is cancelled below
  std::vector<uint64_t> ids;
  for (const auto& [id, p] : impl_->pending) ids.push_back(id);
  for (uint64_t id : ids)
    impl_->deliver(id, make_error(ONSHI_E_CANCELLED, kDomain, "the TLS transport was closed"));
}

uint64_t TlsTransport::submit(std::string_view interface, std::string_view request_bytes, AnswerCallback done) {
  Impl& s = *impl_;
  const uint64_t id = s.next_id++;
  s.pending[id] = std::move(done);
  std::weak_ptr<Impl> weak = impl_;
  Reactor& reactor = s.reactor;
  auto finish = [weak, id, &reactor](Result<Answer> r) {
    // [I/O thread] → the reactor, where the bookkeeping lives. The Impl outlives the I/O thread.
    if (auto self = weak.lock()) self->running.erase(id);
    reactor.post([weak, id, r = std::make_shared<Result<Answer>>(std::move(r))]() mutable {
      if (auto self = weak.lock()) self->deliver(id, std::move(*r));
    });
  };
  auto exchange = std::make_shared<Exchange>(s.io, *s.ctx, s.options, std::string(interface), request_bytes,
                                             std::move(finish));
  net::post(s.io, [weak, id, exchange] {
    if (auto self = weak.lock()) self->running[id] = exchange;
    exchange->start();
  });
  return id;
}

void TlsTransport::cancel(uint64_t request_id) {
  Impl& s = *impl_;
  if (!s.pending.count(request_id)) return;
  s.deliver(request_id, make_error(ONSHI_E_CANCELLED, kDomain, "the request to " + tls_endpoint(s.options) +
                                                                   " was cancelled"));
  std::weak_ptr<Impl> weak = impl_;
  net::post(s.io, [weak, request_id] {
    if (auto self = weak.lock()) self->cancel_exchange(request_id);
  });
}

// ---- helpers --------------------------------------------------------------------------------

Result<void> apply_tls_url(std::string_view url, TlsOptions& into) {
  auto bad = [&](const std::string& why) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "config", "tls.url \"" + std::string(url) + "\" " + why,
                      "write it as https://host:port/path in " + std::string(kConfig));
  };
  constexpr std::string_view scheme = "https://";
  if (!url.starts_with(scheme)) return bad("must start with https://");
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string host, port = "443";
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [IPv6 address]");
    host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("has something after the IPv6 address");
      port = std::string(authority.substr(close + 2));
    }
  } else {
    const auto colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
  }
  if (host.empty()) return bad("names no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) == 0 || std::stoi(port) > 65535)
    return bad("has a bad port");
  into.host = host;
  into.port = port;
  into.base_path = path;
  return {};
}

std::string tls_endpoint(const TlsOptions& o) {
  return (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" + o.port;
}

Result<Challenge> challenge_of(const XmlMsg& answer) {
  auto text = [](const Element& e, std::string_view name) {
    const Element* c = e.child(name);
    return c ? c->text : std::string();
  };
  const std::string segment = text(answer.header, "SegmentOfResult");
  if (segment != "1")
    return make_error(ONSHI_E_PROTOCOL, kDomain,
                      "the server gave no challenge: " +
                          (text(answer.header, "ErrorMessage").empty() ? "SegmentOfResult " + segment
                                                                       : text(answer.header, "ErrorCode") + " " +
                                                                             text(answer.header, "ErrorMessage")),
                      "try again; if it repeats, call the server's support desk with this code");
  Challenge c;
  c.base64 = text(answer.body, "Challenge");
  const auto raw = support::base64_decode(c.base64);
  if (!raw || raw->size() < 16)
    return make_error(ONSHI_E_PROTOCOL, kDomain, "the server's challenge is not base64 of at least 16 bytes",
                      "report this to the server's operator");
  const std::string seconds = text(answer.body, "ChallengeValidSeconds");
  c.valid_seconds = !seconds.empty() && seconds.size() < 7 && seconds.find_first_not_of("0123456789") == std::string::npos
                        ? std::stoi(seconds)
                        : 0;
  return c;
}

}  // namespace onshi::eligibility
