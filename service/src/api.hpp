// The routes of the HTTP API (openapi.json): who is asking (a desk's token or client certificate;
// only /v1/health needs neither), what they may see (their own jobs and events, and the clinic-wide
// queue), and every loaded plugin's functions by name. Each request is logged and audited with its
// desk by the Journal; never its body.
#pragma once

#include "config.hpp"
#include "events.hpp"
#include "faces.hpp"
#include "functions.hpp"
#include "jobs.hpp"
#include "journal.hpp"
#include "page.hpp"
#include "server.hpp"

#include <onshi/host.hpp>

#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>

namespace onshi::service {

class Api {
 public:
  // `page`: the reception page's files, served at / without credentials (none: the API alone).
  Api(const Config& config, Journal& journal, const Sdk& sdk, const Functions& functions, Jobs& jobs, Events& events,
      Faces& faces, const Page* page);
  ~Api();
  void handle(const std::shared_ptr<Exchange>& exchange);
  // For /v1/status: how many connections the server holds.
  void count_connections(std::function<std::size_t()> count) { connections_ = std::move(count); }
  void listening_on(std::string address_port) { listening_ = std::move(address_port); }

 private:
  struct Call;
  const Desk* authenticate(const HttpRequest& r) const;
  void route(Call& call);
  void call_function(Call& call, const std::string& extension, const std::string& name);
  void wait_for(Call& call, const std::string& id, int seconds, std::function<void(bool done)> then);
  nlohmann::json status(const Desk& desk) const;
  nlohmann::json plugins() const;
  int wait_seconds(const HttpRequest& r) const;

  const Config& config_;
  Journal& journal_;
  const Sdk& sdk_;
  const Functions& functions_;
  Jobs& jobs_;
  Events& events_;
  Faces& faces_;
  const Page* page_;
  boost::asio::thread_pool workers_;  // synchronous plugin calls: a card operation blocks
  std::function<std::size_t()> connections_;
  std::string listening_;
  int64_t started_ms_;
};

}  // namespace onshi::service
