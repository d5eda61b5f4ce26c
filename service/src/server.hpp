// HTTP/1.1 over TCP or TLS (Boost.Beast), WebSocket and SSE, and every bound a slow or hostile client
// meets: a header in header_timeout and a body in body_timeout (408), a header of max_header_bytes
// (431), a body of max_body_bytes (413, refused from its Content-Length before it is read), at most
// max_connections at once (503), a client that does not read its answers or events is dropped. What
// a request asks is the Handler's (api.cpp); the server only carries it.
#pragma once

#include "config.hpp"
#include "events.hpp"
#include "journal.hpp"

#include <onshi/result.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::service {

struct HttpRequest {
  std::string method, target, path;  // path: target without its query, percent-decoded
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string_view body;  // lent until the answer is given; wiped when the request goes
  std::string remote;
  bool tls = false;
  std::string cert_sha256, cert_cn;  // the client certificate the TLS handshake verified ("" when none)
  bool websocket = false;            // an Upgrade: websocket request

  std::string header(const std::string& lower_name) const;
  std::string query_value(const std::string& name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One request being answered (the connection it came on).
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;
  // Exactly once, from any thread.
  virtual void respond(HttpResponse response) = 0;
  // Instead of respond: this connection becomes an event stream (a WebSocket when the request asked
  // for one, else Server-Sent Events); `attach` receives its sink once it is ready.
  virtual void stream_events(std::function<void(std::shared_ptr<EventSink>)> attach) = 0;
  // The network's executor, for timers of a request that waits.
  virtual boost::asio::io_context& context() = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

class Server {
 public:
  // Binds the address and loads the TLS files; errors name the setting and what to do.
  static Result<std::unique_ptr<Server>> open(const Config& config, Journal& journal, Handler handler);
  // Checks what open() would load, without binding (onshi serve --check-config).
  static Result<void> check_tls(const Config& config);
  ~Server();

  unsigned short port() const;
  // Serves on config.threads threads until stop(); the caller's thread is one of them.
  void run();
  void stop();  // from any thread (a signal handler's helper thread)
  std::size_t connections() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::service
