#include "server.hpp"

#include "errors.hpp"

#include <onshi/support/files.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <deque>
#include <optional>
#include <thread>

namespace onshi::service {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using nlohmann::json;

namespace {

// Frees memory only after overwriting it: a request body (a PIN for the card reader) and the bytes
// read off the socket never stay behind in freed memory.
template <class T>
struct Wiping {
  using value_type = T;
  Wiping() = default;
  template <class U>
  Wiping(const Wiping<U>&) {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const Wiping<U>&) const { return true; }
  template <class U>
  bool operator!=(const Wiping<U>&) const { return false; }
};

using Body = http::basic_string_body<char, std::char_traits<char>, Wiping<char>>;
using Request = http::request<Body>;
using Buffer = beast::basic_flat_buffer<Wiping<char>>;

constexpr auto kHeartbeat = std::chrono::seconds(15);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

HttpResponse refusal(unsigned status, onshi_status code, const std::string& message, const std::string& hint) {
  return {status, "application/json", error_document(make_error(code, "serve", message, hint)).dump(), {}};
}

Error tls_error(const std::string& key, const std::filesystem::path& file, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "tls", "tls." + key + " " + file.string() + ": " + what,
                    "give a readable PEM file in the \"tls\" section of the service's configuration");
}

// TLS 1.2 at least, no renegotiation; client certificates asked for (not required: a desk may use a
// token, and health needs nothing) and verified against client_ca_file when one is configured.
Result<std::shared_ptr<ssl::context>> server_context(const TlsSettings& t) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  auto secret = std::make_shared<std::string>();
  if (!t.key_passphrase_file.empty()) {
    auto passphrase = support::read_file(t.key_passphrase_file, 1024);
    if (!passphrase || !passphrase->has_value()) return tls_error("key_passphrase_file", t.key_passphrase_file, "cannot be read");
    *secret = std::move(**passphrase);
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) secret->pop_back();
  }
  ctx->set_password_callback([secret](std::size_t, ssl::context::password_purpose) { return *secret; });
  error_code ec;
  ctx->use_certificate_chain_file(t.cert_file.string(), ec);
  if (ec) return tls_error("cert_file", t.cert_file, "holds no PEM certificate (" + ec.message() + ")");
  ctx->use_private_key_file(t.key_file.string(), ssl::context::pem, ec);
  OPENSSL_cleanse(secret->data(), secret->size());
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  if (ec) return tls_error("key_file", t.key_file, "is not the key of tls.cert_file, or cannot be read (" + ec.message() + ")");
  if (!t.client_ca_file.empty()) {
    ctx->load_verify_file(t.client_ca_file.string(), ec);
    if (ec) return tls_error("client_ca_file", t.client_ca_file, "holds no PEM certificate (" + ec.message() + ")");
    SSL_CTX_set_client_CA_list(ctx->native_handle(), SSL_load_client_CA_file(t.client_ca_file.c_str()));
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

template <class Stream>
constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::query_value(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

struct Server::Impl {
  const Config& config;
  Journal& journal;
  Handler handler;
  net::io_context io;
  tcp::acceptor acceptor;
  std::shared_ptr<ssl::context> tls;
  std::atomic<std::size_t> connections{0};
  net::steady_timer retry;

  Impl(const Config& c, Journal& j, Handler h)
      : config(c), journal(j), handler(std::move(h)), io(c.threads), acceptor(io), retry(io) {}

  void accept();
  void start_session(tcp::socket socket);
};

namespace {

// Counts a connection for as long as any part of it (HTTP, then perhaps a WebSocket) is alive.
struct Counted {
  explicit Counted(std::atomic<std::size_t>& n) : n(n) { ++n; }
  ~Counted() { --n; }
  std::atomic<std::size_t>& n;
};

// A WebSocket of events (GET /v1/events with Upgrade: websocket).
template <class Stream>
class WsSession : public EventSink, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Server::Impl& server, Stream&& stream, std::shared_ptr<Counted> counted)
      : server_(server), ws_(std::move(stream)), counted_(std::move(counted)) {}

  void accept(std::shared_ptr<Request> request, std::function<void(std::shared_ptr<EventSink>)> attach) {
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own pings and timeouts from here
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "onshi-serve"); }));
    ws_.read_message_max(64 * 1024);
    ws_.text(true);
    ws_.async_accept(*request, [self = this->shared_from_this(), request, attach](error_code ec) {
      if (ec) return;
      attach(self);
      self->read();
    });
  }

  bool deliver(uint64_t, const std::string&, const std::string& frame) override {
    if (closed_) return false;
    if (++queued_ > server_.config.limits.max_stream_queue) return close(), false;
    net::post(ws_.get_executor(), [self = this->shared_from_this(), frame] {
      self->queue_.push_back(frame);
      self->write_next();
    });
    return true;
  }

 private:
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      self->in_.consume(self->in_.size());  // a desk has nothing to say on this stream
      self->read();
    });
  }
  void write_next() {
    if (writing_ || queue_.empty() || closed_) return;
    writing_ = true;
    ws_.async_write(net::buffer(queue_.front()), [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->queue_.pop_front();
      --self->queued_;
      if (ec) return self->close();
      self->write_next();
    });
  }
  void close() {
    if (closed_.exchange(true)) return;
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

  Server::Impl& server_;
  websocket::stream<Stream> ws_;
  std::shared_ptr<Counted> counted_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> queued_{0};
};

// One connection: requests one after another (keep-alive), or, once asked, an SSE stream.
template <class Stream>
class Session : public Exchange, public EventSink, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& server, Stream&& stream, std::string remote, std::shared_ptr<Counted> counted,
          bool overloaded)
      : server_(server),
        limits_(server.config.limits),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        counted_(std::move(counted)),
        overloaded_(overloaded) {
    request_.remote = std::move(remote);
    request_.tls = kTls<Stream>;
  }

  void start() {
    if constexpr (kTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(limits_.header_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
        beast::get_lowest_layer(self->stream_).expires_never();
        if (ec) return;  // no TLS, or a certificate the client CA did not issue: nothing to answer
        self->read_peer_certificate();
        self->read_request();
      });
    } else {
      read_request();
    }
  }

  // ---- Exchange

  const HttpRequest& request() const override { return request_; }
  net::io_context& context() override { return server_.io; }

  void respond(HttpResponse response) override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), r = std::move(response)]() mutable { self->write(std::move(r)); });
  }

  void stream_events(std::function<void(std::shared_ptr<EventSink>)> attach) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), attach = std::move(attach)] {
      if (self->request_.websocket) return self->upgrade(attach);
      self->start_sse(attach);
    });
  }

  // ---- EventSink (SSE)

  bool deliver(uint64_t seq, const std::string& kind, const std::string& frame) override {
    if (closed_) return false;
    if (++queued_ > limits_.max_stream_queue) return close(), false;
    std::string message = "id: " + std::to_string(seq) + "\nevent: " + kind + "\ndata: " + frame + "\n\n";
    net::post(stream_.get_executor(), [self = this->shared_from_this(), m = std::move(message)]() mutable {
      self->queue_.push_back(std::move(m));
      self->write_next();
    });
    return true;
  }

 private:
  // ---- reading a request, within its bounds

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    arm(limits_.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->timer_.cancel();
      if (ec) return self->read_failed(ec);
      self->on_header();
    });
  }

  void on_header() {
    if (overloaded_)
      return refuse(refusal(503, ONSHI_E_BUSY, "the service has as many connections as it takes",
                                   "try again in a moment"),
                    {{"Retry-After", "1"}});
    if (auto length = parser_->content_length(); length && *length > limits_.max_body_bytes)
      return refuse(refusal(413, ONSHI_E_INVALID_ARGUMENT,
                                   "the request body is " + std::to_string(*length) + " bytes, over the limit of " +
                                       std::to_string(limits_.max_body_bytes),
                                   "send a smaller document (limits.max_body_bytes in the service's configuration)"));
    if (parser_->is_done()) return dispatch();
    const auto& head = parser_->get();
    if (beast::iequals(head[http::field::expect], "100-continue")) {  // curl asks before a large body
      auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      return http::async_write(stream_, *go_on, [self = this->shared_from_this(), go_on](error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    arm(limits_.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->timer_.cancel();
      if (ec) return self->read_failed(ec);
      self->dispatch();
    });
  }

  // A client that sends too slowly is cut off: the read is cancelled and told why.
  void arm(std::chrono::milliseconds limit) {
    timed_out_ = false;
    timer_.expires_after(limit);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec) return;
      self->timed_out_ = true;
      error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().cancel(ignored);
    });
  }

  void read_failed(error_code ec) {
    if (timed_out_) {
      if (!parser_->got_some()) return close();  // an idle keep-alive connection: nothing to say
      return refuse(refusal(408, ONSHI_E_TIMEOUT, "the request did not arrive in time",
                                   "send the whole request at once (header within " +
                                       std::to_string(limits_.header_timeout.count()) + " ms, body within " +
                                       std::to_string(limits_.body_timeout.count()) + " ms)"));
    }
    if (ec == http::error::body_limit)
      return refuse(refusal(413, ONSHI_E_INVALID_ARGUMENT,
                                   "the request body is over the limit of " + std::to_string(limits_.max_body_bytes) +
                                       " bytes",
                                   "send a smaller document"));
    if (ec == http::error::header_limit)
      return refuse(refusal(431, ONSHI_E_INVALID_ARGUMENT,
                                   "the request's header is over " + std::to_string(limits_.max_header_bytes) + " bytes",
                                   "send fewer or shorter header fields"));
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return refuse(refusal(400, ONSHI_E_INVALID_ARGUMENT, "not an HTTP/1.1 request: " + ec.message(),
                                   "speak HTTP/1.1 (curl, any HTTP library)"));
    close();
  }

  void dispatch() {
    Request& m = parser_->get();
    request_.method = std::string(m.method_string());
    request_.target = std::string(m.target());
    const auto q = request_.target.find('?');
    request_.path = percent_decoded(request_.target.substr(0, q));
    request_.query.clear();
    if (q != std::string::npos) {
      std::string_view rest = std::string_view(request_.target).substr(q + 1);
      while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        request_.query.emplace(percent_decoded(pair.substr(0, eq)),
                               eq == std::string_view::npos ? std::string() : percent_decoded(pair.substr(eq + 1)));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      }
    }
    request_.headers.clear();
    for (const auto& f : m) request_.headers[lower({f.name_string().data(), f.name_string().size()})] = std::string(f.value());
    request_.body = std::string_view(m.body().data(), m.body().size());
    request_.websocket = websocket::is_upgrade(m);
    keep_alive_ = m.keep_alive();
    server_.handler(this->shared_from_this());
  }

  // ---- answering

  void write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "onshi-serve");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive_ && !closing_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(limits_.write_timeout);
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](error_code ec, std::size_t) {
      beast::get_lowest_layer(self->stream_).expires_never();
      if (ec || !res->keep_alive()) return self->close();
      self->parser_.reset();  // the request's bytes are wiped as they go
      if (self->buffer_.size() == 0) self->buffer_.shrink_to_fit();
      self->read_request();
    });
  }

  // An error the server itself answers (before any route): logged, and the connection closed after it.
  void refuse(HttpResponse r, std::vector<std::pair<std::string, std::string>> headers = {}) {
    closing_ = true;
    for (auto& h : headers) r.headers.push_back(std::move(h));
    server_.journal.request({"", parser_ && parser_->is_header_done() ? std::string(parser_->get().method_string()) : "",
                             parser_ && parser_->is_header_done() ? std::string(parser_->get().target().substr(
                                                                        0, parser_->get().target().find('?')))
                                                                  : "",
                             r.status, 0, request_.remote});
    write(std::move(r));
  }

  // Closes after what was written; what the client still sends is read and dropped for a moment, so
  // that unread bytes (a refused body) do not make the kernel reset the connection before the client
  // read its answer.
  void close() {
    if (closed_.exchange(true)) return;
    timer_.cancel();
    error_code ignored;
    if constexpr (kTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {
        error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      timer_.expires_after(std::chrono::seconds(1));
      timer_.async_wait([self = this->shared_from_this()](error_code ec) {
        error_code ignored;
        if (!ec) self->stream_.socket().close(ignored);
      });
      drain();
    }
  }

  void drain() {
    stream_.socket().async_read_some(net::buffer(peek_), [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (!ec) return self->drain();
      self->timer_.cancel();
      error_code ignored;
      self->stream_.socket().close(ignored);
    });
  }

  void read_peer_certificate() {
    if constexpr (kTls<Stream>) {
      SSL* ssl = stream_.native_handle();
      X509* cert = SSL_get_peer_certificate(ssl);
      if (!cert) return;
      if (SSL_get_verify_result(ssl) == X509_V_OK) {
        unsigned char* der = nullptr;
        const int n = i2d_X509(cert, &der);
        if (n > 0) request_.cert_sha256 = sha256_hex({reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)});
        OPENSSL_free(der);
        char cn[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) request_.cert_cn = cn;
      }
      X509_free(cert);
    }
  }

  // ---- event streams

  void start_sse(const std::function<void(std::shared_ptr<EventSink>)>& attach) {
    std::string head = "HTTP/1.1 200 OK\r\nServer: onshi-serve\r\nContent-Type: text/event-stream\r\n"
                       "Cache-Control: no-store\r\nConnection: close\r\n";
    const std::string origin = request_.header("origin");
    if (!origin.empty() && std::find(server_.config.allowed_origins.begin(), server_.config.allowed_origins.end(),
                                     origin) != server_.config.allowed_origins.end())
      head += "Access-Control-Allow-Origin: " + origin + "\r\nVary: Origin\r\n";
    head += "\r\n: onshi events\n\n";
    queue_.push_back(std::move(head));
    write_next();
    attach(this->shared_from_this());
    heartbeat();
    watch_for_close();
  }

  void upgrade(const std::function<void(std::shared_ptr<EventSink>)>& attach) {
    auto request = std::make_shared<Request>(parser_->release());
    auto ws = std::make_shared<WsSession<Stream>>(server_, std::move(stream_), counted_);
    ws->accept(std::move(request), attach);
  }

  void heartbeat() {
    timer_.expires_after(kHeartbeat);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      ++self->queued_;
      self->queue_.push_back(": ping\n\n");  // keeps proxies open, and finds a vanished client
      self->write_next();
      self->heartbeat();
    });
  }

  void watch_for_close() {
    stream_.async_read_some(net::buffer(peek_), [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      self->watch_for_close();
    });
  }

  void write_next() {
    if (writing_ || queue_.empty() || closed_) return;
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(limits_.write_timeout);
    net::async_write(stream_, net::buffer(queue_.front()), [self = this->shared_from_this()](error_code ec, std::size_t) {
      beast::get_lowest_layer(self->stream_).expires_never();
      self->writing_ = false;
      self->queue_.pop_front();
      if (self->queued_ > 0) --self->queued_;
      if (ec) return self->close();
      self->write_next();
    });
  }

  Server::Impl& server_;
  const Limits& limits_;
  Stream stream_;
  net::steady_timer timer_;
  std::shared_ptr<Counted> counted_;
  bool overloaded_;
  Buffer buffer_;
  std::optional<http::request_parser<Body>> parser_;
  HttpRequest request_;
  bool keep_alive_ = true, closing_ = false, timed_out_ = false;
  std::atomic<bool> closed_{false};
  // SSE
  std::deque<std::string> queue_;
  bool writing_ = false;
  std::atomic<std::size_t> queued_{0};
  char peek_[256];
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;  // stopping
    if (ec) {  // out of descriptors, for instance: wait a little rather than spin
      journal.line("warn", "accept_failed", {{"message", ec.message()}});
      retry.expires_after(std::chrono::milliseconds(100));
      return retry.async_wait([this](error_code e) {
        if (!e) accept();
      });
    }
    start_session(std::move(socket));
    accept();
  });
}

void Server::Impl::start_session(tcp::socket socket) {
  const bool overloaded = connections >= config.limits.max_connections;
  auto counted = std::make_shared<Counted>(connections);
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string() : peer.address().to_string();
  if (tls)
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), remote, counted, overloaded)
        ->start();
  else
    std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)), remote, counted,
                                                  overloaded)
        ->start();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }

Result<void> Server::check_tls(const Config& config) {
  if (!config.tls) return {};
  auto ctx = server_context(*config.tls);
  if (!ctx) return std::move(ctx).error();
  return {};
}

Result<std::unique_ptr<Server>> Server::open(const Config& config, Journal& journal, Handler handler) {
  auto impl = std::make_unique<Impl>(config, journal, std::move(handler));
  if (config.tls) {
    auto ctx = server_context(*config.tls);
    if (!ctx) return std::move(ctx).error();
    impl->tls = std::move(*ctx);
  }
  error_code ec;
  const tcp::endpoint at(net::ip::make_address(config.address, ec), config.port);
  const auto where = config.address + ":" + std::to_string(config.port);
  auto failed = [&](const char* doing) {
    return make_error(ONSHI_E_IO, "serve", std::string("cannot ") + doing + " " + where + ": " + ec.message(),
                      "another program may use the port: stop it, or change \"listen\" in the configuration");
  };
  impl->acceptor.open(at.protocol(), ec);
  if (ec) return failed("open a socket for");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  impl->acceptor.bind(at, ec);
  if (ec) return failed("listen on");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  impl->accept();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const {
  error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::run() {
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->config.threads; ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  net::post(impl_->io, [impl = impl_.get()] {
    error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
}

std::size_t Server::connections() const { return impl_->connections; }

}  // namespace onshi::service
