#include <onshi/eligibility/tls_transport.hpp>

#include "https_client.hpp"

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
const detail::HttpsSettings kSettings{"tls", kConfig};
using detail::retryable;

std::string content_type_of(std::string_view xml) {
  const std::string_view decl = xml.substr(0, std::min<size_t>(xml.find("?>"), 200));
  for (std::string_view sjis : {"Shift_JIS", "shift_jis", "SHIFT_JIS", "windows-31j", "cp932"})
    if (decl.find(sjis) != std::string_view::npos) return "application/xml; charset=Shift_JIS";
  return "application/xml; charset=UTF-8";
}


// The central system's answer: an XmlMsg (200), or the HTTP status as what to do.
Result<Answer> answer_of(const std::string& interface, Result<detail::HttpsAnswer> reply, const TlsOptions& o) {
  if (!reply) return std::move(reply).error();
  detail::HttpsAnswer& response = *reply;
  const unsigned status = response.status;
  const std::string& url = response.url;
  if (status == 200) {
    auto msg = read_xml_msg(response.body, "the answer of " + url, o.limits);
    if (!msg)
      return make_error(ONSHI_E_PROTOCOL, kDomain, msg.error().message,
                        "the server answered something that is not an XmlMsg; report it to its operator", 200);
    return Answer{interface, url, std::move(msg).value(), std::move(response.body)};
  }
  // The server's own words (text or XmlMsg, UTF-8 or Shift_JIS), cut short, for the message.
  std::string said = text::readable(response.body, 300);
  for (char& c : said)
    if (c == '\n' || c == '\r') c = ' ';
  const std::string path = o.base_path + "/" + interface;
  const std::string head = tls_endpoint(o) + " answered HTTP " + std::to_string(status) + " to POST " + path +
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
  return e;
}

}  // namespace

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
  std::map<uint64_t, std::weak_ptr<detail::HttpsCall>> running;  // [I/O thread] what cancel can stop

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
    detail::cancel_https(it->second.lock());
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
  auto ctx = detail::client_context(options, kSettings);
  if (!ctx) return std::move(ctx).error();
  return {};
}

Result<std::unique_ptr<TlsTransport>> TlsTransport::open(Reactor& reactor, TlsOptions options) {
  if (auto checked = check(options); !checked) return std::move(checked).error();
  auto ctx = detail::client_context(options, kSettings);
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
  auto finish = [weak, id, &reactor, interface = std::string(interface)](Result<detail::HttpsAnswer> reply) {
    // [I/O thread] → the reactor, where the bookkeeping lives. The Impl outlives the I/O thread.
    auto self = weak.lock();
    if (!self) return;
    self->running.erase(id);
    auto r = std::make_shared<Result<Answer>>(answer_of(interface, std::move(reply), self->options));
    reactor.post([weak, id, r]() mutable {
      if (auto self = weak.lock()) self->deliver(id, std::move(*r));
    });
  };
  detail::HttpsRequest request;
  request.target = s.options.base_path + "/" + std::string(interface);
  request.content_type = content_type_of(request_bytes);
  request.accept = "application/xml";
  request.body = std::string(request_bytes);
  request.timeout = s.options.timeout;
  net::post(s.io, [weak, id, request = std::move(request), finish = std::move(finish)]() mutable {
    auto self = weak.lock();
    if (!self) return;
    self->running[id] = detail::start_https(self->io, *self->ctx, self->options, kSettings, std::move(request),
                                            std::move(finish));
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

Result<void> apply_tls_url(std::string_view url, TlsOptions& into, std::string_view setting) {
  auto bad = [&](const std::string& why) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "config", std::string(setting) + ".url \"" + std::string(url) + "\" " + why,
                      "write it as https://host:port/path in the \"" + std::string(setting) +
                          "\" section of the \"onshi.eligibility\" configuration");
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
