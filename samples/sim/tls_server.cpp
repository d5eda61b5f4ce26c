#include "tls_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace onshi::sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

// The "bad certificate" fault: a self-signed certificate for localhost that no client trusts.
void use_self_signed(ssl::context& ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400 * 30);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1")) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

void say(const std::string& line) {
  static std::mutex m;
  std::lock_guard lock(m);
  std::cout << "tls " << line << std::endl;
}

}  // namespace

struct TlsServer::Impl {
  TlsServerOptions o;
  HttpHandler handler;
  std::mutex handler_mutex;
  net::io_context io;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{io};

  Impl(TlsServerOptions options, HttpHandler h) : o(std::move(options)), handler(std::move(h)) {
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    if (o.fault == "bad-cert") {
      use_self_signed(ctx);
    } else {
      ctx.use_certificate_chain_file(o.cert.string(), ec);
      if (ec) throw std::runtime_error("--tls-cert " + o.cert.string() + ": " + ec.message());
      ctx.use_private_key_file(o.key.string(), ssl::context::pem, ec);
      if (ec) throw std::runtime_error("--tls-key " + o.key.string() + ": " + ec.message());
    }
    if (!o.client_ca.empty()) {
      ctx.load_verify_file(o.client_ca.string(), ec);
      if (ec) throw std::runtime_error("--tls-client-ca " + o.client_ca.string() + ": " + ec.message());
      ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    const tcp::endpoint at(net::ip::make_address(o.address), static_cast<unsigned short>(o.port));
    acceptor.open(at.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(at, ec);
    if (ec) throw std::runtime_error("cannot bind " + o.address + ":" + std::to_string(o.port) + ": " + ec.message());
    if (o.fault != "refuse") acceptor.listen();  // bound but not listening: the kernel refuses every connection
  }

  void session(tcp::socket socket) {
    if (o.fault == "close") {
      say("close (fault)");
      return;  // the socket closes here, before any TLS
    }
    timeval tv{10, 0};  // a client that stalls never holds a thread for long
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssl::stream<tcp::socket> stream(std::move(socket), ctx);
    error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return say("handshake refused: " + ec.message());
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(16u << 20);
    http::read(stream, buffer, parser, ec);
    if (ec) return say("read failed: " + ec.message());
    const auto& req = parser.get();
    const std::string target(req.target());
    const std::string prefix = o.base_path + "/";
    HttpReply reply;
    if (o.fault == "maintenance") {  // R-MAINT: the central system's nightly and announced maintenance
      reply = {503, "text/plain; charset=UTF-8", "メンテナンス中 in maintenance"};
    } else if (o.fault == "maintenance-sjis") {  // the same page as a Windows server writes it
      reply = {503, "text/plain; charset=Shift_JIS", "\x83\x81\x83\x93\x83\x65\x83\x69\x83\x93\x83\x58\x92\x86 in maintenance"};
    } else if (req.method() != http::verb::post) {
      reply = {405, "text/plain; charset=UTF-8", "POST only"};
    } else if (target.rfind(prefix, 0) != 0 || target.size() == prefix.size()) {
      reply = {404, "text/plain; charset=UTF-8", "no interface at " + target};
    } else {
      std::lock_guard lock(handler_mutex);
      reply = handler(target.substr(prefix.size()), req.body());
    }
    say(std::to_string(reply.status) + " " + target);
    if (o.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(o.delay_ms));

    http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
    res.set(http::field::server, "onshi-sim");
    res.set(http::field::content_type, reply.content_type);
    res.keep_alive(false);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    if (o.fault == "reset" || o.fault == "slow") {
      std::ostringstream s;
      s << res;
      const std::string bytes = s.str();
      if (o.fault == "reset") {
        net::write(stream, net::buffer(bytes.data(), bytes.size() / 2), ec);
        stream.lowest_layer().set_option(net::socket_base::linger(true, 0), ec);  // close → RST
        stream.lowest_layer().close(ec);
        return say("reset (fault)");
      }
      for (size_t at = 0; at < bytes.size() && !ec; at += 16) {
        net::write(stream, net::buffer(bytes.data() + at, std::min<size_t>(16, bytes.size() - at)), ec);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    } else {
      http::write(stream, res, ec);
    }
    stream.shutdown(ec);
  }

  void accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      std::thread([this, s = std::move(socket)]() mutable { session(std::move(s)); }).detach();
    }
  }
};

TlsServer::TlsServer(TlsServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

TlsServer::~TlsServer() = default;

int TlsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void TlsServer::start() {
  if (impl_->o.fault == "refuse") return;  // nothing to accept
  std::thread([impl = impl_.get()] { impl->accept_loop(); }).detach();
}

}  // namespace onshi::sim
