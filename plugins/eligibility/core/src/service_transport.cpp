#include <onshi/eligibility/service_transport.hpp>

#include "https_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <thread>

namespace onshi::eligibility {

namespace net = boost::asio;
using nlohmann::json;

namespace {

const detail::HttpsSettings kServiceSettings{"service",
                                             "the \"service\" section of the \"onshi.eligibility\" configuration"};
// A call waits this long more than the service is asked to wait, for the answer to travel.
constexpr auto kSlack = std::chrono::seconds(5);
// An event stream with nothing for this long is opened again (the service sends a heartbeat every 15 s).
constexpr auto kQuietStream = std::chrono::seconds(45);

Error from_service(const json& doc, const std::string& where) {
  Error e = make_error(doc.value("code", ONSHI_E_PROTOCOL), "service",
                       "the service at " + where + ": " + doc.value("message", std::string("failed")) +
                           (doc.contains("plugin") ? " (" + doc.value("plugin", std::string()) + ")" : ""),
                       doc.value("hint", std::string()), doc.value("native_code", 0));
  e.retryable = doc.value("retryable", false);
  return e;
}

// The service's onshi.error/1, or what the HTTP status says when the body is none.
Error service_error(const detail::HttpsAnswer& a, const std::string& where) {
  const json doc = json::parse(a.body, nullptr, false);
  if (doc.is_object() && doc.contains("status")) return from_service(doc, where);
  return make_error(ONSHI_E_PROTOCOL, "service", where + " answered HTTP " + std::to_string(a.status) + " to " + a.url,
                    "check service.url: it must name an onshi serve (https://host:port)", static_cast<int32_t>(a.status));
}

}  // namespace

struct ServiceTransport::Impl : std::enable_shared_from_this<Impl> {
  struct Call {
    std::string job;  // the service's job, once it answered 202
    std::chrono::steady_clock::time_point deadline;
    std::shared_ptr<detail::HttpsCall> http;
  };

  Reactor& reactor;
  ServiceOptions options;
  std::shared_ptr<net::ssl::context> ctx;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
  // [reactor]
  std::map<uint64_t, std::function<void(Result<std::string>)>> pending;
  uint64_t next_id = 1;
  std::function<void(std::string)> on_face;
  uint64_t face_generation = 0;
  // [I/O thread]
  std::map<uint64_t, Call> calls;
  std::shared_ptr<detail::HttpsCall> stream;
  net::steady_timer retry{io};
  bool streaming = false;
  uint64_t stream_generation = 0, last_seq = 0;
  std::string partial;  // an event not yet complete

  Impl(Reactor& r, ServiceOptions o, std::shared_ptr<net::ssl::context> c)
      : reactor(r), options(std::move(o)), ctx(std::move(c)) {}

  std::string where() const { return tls_endpoint(options.https); }

  detail::HttpsRequest request(boost::beast::http::verb method, std::string target) const {
    detail::HttpsRequest r;
    r.method = method;
    r.target = options.https.base_path + std::move(target);
    r.accept = "application/json";
    if (!options.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + options.token);
    return r;
  }

  // [reactor]
  void deliver(uint64_t id, Result<std::string> result) {
    auto it = pending.find(id);
    if (it == pending.end()) return;  // cancelled meanwhile: the first word was final
    auto done = std::move(it->second);
    pending.erase(it);
    reactor.post([done = std::move(done), r = std::make_shared<Result<std::string>>(std::move(result))]() mutable {
      done(std::move(*r));
    });
  }

  // [I/O thread]
  void finish(uint64_t id, Result<std::string> result) {
    calls.erase(id);
    reactor.post([weak = weak_from_this(), id, r = std::make_shared<Result<std::string>>(std::move(result))]() mutable {
      if (auto self = weak.lock()) self->deliver(id, std::move(*r));
    });
  }

  int seconds_left(const Call& c) const {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(c.deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 300));
  }

  // [I/O thread]
  void post(uint64_t id, const std::string& target, std::string document) {
    Call& c = calls[id];
    c.deadline = std::chrono::steady_clock::now() + options.timeout;
    auto r = request(boost::beast::http::verb::post, target + "?wait=" + std::to_string(seconds_left(c)));
    r.content_type = "application/json";
    r.body = std::move(document);
    r.timeout = options.timeout + kSlack;
    c.http = detail::start_https(io, *ctx, options.https, kServiceSettings, std::move(r),
                                 [weak = weak_from_this(), id](Result<detail::HttpsAnswer> a) {
                                   if (auto self = weak.lock()) self->on_answer(id, std::move(a));
                                 });
  }

  void on_answer(uint64_t id, Result<detail::HttpsAnswer> a) {
    auto it = calls.find(id);
    if (it == calls.end()) return;  // cancelled
    if (!a) return finish(id, std::move(a).error());
    if (a->status == 200 || a->status == 201) return finish(id, std::move(a->body));
    if (a->status != 202) return finish(id, service_error(*a, where()));
    const json doc = json::parse(a->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("job"))
      return finish(id, make_error(ONSHI_E_PROTOCOL, "service", where() + " answered 202 without a job",
                                   "check service.url: it must name an onshi serve"));
    it->second.job = doc.value("job", "");
    follow(id);
  }

  // The service keeps the job: ask after it until it ends or our time is up.
  void follow(uint64_t id) {
    Call& c = calls.at(id);
    const int left = seconds_left(c);
    if (left <= 0) {
      drop_job(c.job);
      Error e = make_error(ONSHI_E_TIMEOUT, "service",
                           "no answer from the service at " + where() + " within " +
                               std::to_string(options.timeout.count()) + " ms",
                           "check the service and the terminal, then ask again; raise service.timeout_ms if they are slow");
      e.retryable = true;
      return finish(id, std::move(e));
    }
    auto r = request(boost::beast::http::verb::get, "/v1/jobs/" + c.job + "?wait=" + std::to_string(left));
    r.timeout = std::chrono::seconds(left) + kSlack;
    c.http = detail::start_https(io, *ctx, options.https, kServiceSettings, std::move(r),
                                 [weak = weak_from_this(), id](Result<detail::HttpsAnswer> a) {
                                   if (auto self = weak.lock()) self->on_job(id, std::move(a));
                                 });
  }

  void on_job(uint64_t id, Result<detail::HttpsAnswer> a) {
    if (!calls.count(id)) return;
    if (!a) return finish(id, std::move(a).error());
    if (a->status != 200) return finish(id, service_error(*a, where()));
    const json job = json::parse(a->body, nullptr, false);
    const std::string state = job.is_object() ? job.value("state", "") : "";
    if (state == "running") return follow(id);
    if (state == "done" && job.contains("result")) return finish(id, job["result"].dump());
    if (state == "done" && job.contains("result_text")) return finish(id, job.value("result_text", ""));
    if (job.is_object() && job.contains("error")) return finish(id, from_service(job["error"], where()));
    finish(id, make_error(ONSHI_E_PROTOCOL, "service", where() + " gave a job without its answer",
                          job.is_object() ? job.value("note", std::string("ask again")) : std::string("ask again")));
  }

  // Best effort: nobody waits for the answer of a job we gave up.
  void drop_job(const std::string& job) {
    if (job.empty()) return;
    detail::start_https(io, *ctx, options.https, kServiceSettings,
                        request(boost::beast::http::verb::delete_, "/v1/jobs/" + job), [](Result<detail::HttpsAnswer>) {});
  }

  // ---- the event stream

  // [I/O thread]
  void open_stream() {
    if (!streaming) return;
    auto r = request(boost::beast::http::verb::get,
                     "/v1/events" + (last_seq ? "?since=" + std::to_string(last_seq) : std::string()));
    r.accept = "text/event-stream";
    r.timeout = kQuietStream;
    partial.clear();
    const uint64_t generation = stream_generation;
    auto weak = weak_from_this();
    stream = detail::start_https(
        io, *ctx, options.https, kServiceSettings, std::move(r),
        [weak, generation](Result<detail::HttpsAnswer> a) {
          auto self = weak.lock();
          if (self && generation == self->stream_generation && (!a || a->status != 200))
            self->reopen_later(self->options.reconnect * 5);  // refused or unreachable: less often
        },
        [weak, generation](std::string_view data) {
          if (auto self = weak.lock(); self && generation == self->stream_generation) self->feed(data);
        },
        [weak, generation](Error) {
          if (auto self = weak.lock(); self && generation == self->stream_generation) self->reopen_later(self->options.reconnect);
        });
  }

  void reopen_later(std::chrono::milliseconds delay) {
    if (!streaming) return;
    retry.expires_after(delay);
    retry.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->open_stream();
    });
  }

  // Server-sent events: "id: <seq>", "event: <kind>", "data: <onshi.event/1>", then a blank line.
  void feed(std::string_view data) {
    partial.append(data);
    for (auto end = partial.find("\n\n"); end != std::string::npos; end = partial.find("\n\n")) {
      const std::string block = partial.substr(0, end);
      partial.erase(0, end + 2);
      std::string payload;
      for (size_t at = 0; at < block.size();) {
        const size_t nl = std::min(block.find('\n', at), block.size());
        const std::string_view line(block.data() + at, nl - at);
        if (line.starts_with("data: ")) payload += line.substr(6);
        at = nl + 1;
      }
      const json event = json::parse(payload, nullptr, false);
      if (!event.is_object()) continue;
      last_seq = std::max(last_seq, event.value("seq", uint64_t(0)));
      if (event.value("kind", "") != "face" || !event.contains("data")) continue;
      reactor.post([weak = weak_from_this(), outcome = event["data"].dump()] {
        if (auto self = weak.lock(); self && self->on_face) self->on_face(outcome);
      });
    }
  }

  void stop_thread() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

ServiceTransport::ServiceTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<void> ServiceTransport::check(const ServiceOptions& options) {
  if (options.https.host.empty())
    return make_error(ONSHI_E_NOT_FOUND, "service", "the service is not configured (no service.url)",
                      "set service.url (https://host:port of the onshi serve that owns the terminal) in " +
                          kServiceSettings.section);
  if (options.token.empty() && options.https.cert_file.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "service", "the service needs to know this desk: no service.token_file "
                                                          "and no service.cert_file",
                      "give the desk's token file, or its client certificate and key, in " + kServiceSettings.section);
  auto ctx = detail::client_context(options.https, kServiceSettings);
  if (!ctx) return std::move(ctx).error();
  return {};
}

Result<std::unique_ptr<ServiceTransport>> ServiceTransport::open(Reactor& reactor, ServiceOptions options) {
  if (auto checked = check(options); !checked) return std::move(checked).error();
  auto ctx = detail::client_context(options.https, kServiceSettings);
  if (!ctx) return std::move(ctx).error();
  auto impl = std::make_shared<Impl>(reactor, std::move(options), std::move(*ctx));
  impl->thread = std::thread([raw = impl.get()] { raw->io.run(); });
  return std::unique_ptr<ServiceTransport>(new ServiceTransport(std::move(impl)));
}

ServiceTransport::~ServiceTransport() {
  impl_->on_face = nullptr;
  impl_->stop_thread();  // nothing runs on the I/O thread any more: what is pending is cancelled below
  std::vector<uint64_t> ids;
  for (const auto& [id, done] : impl_->pending) ids.push_back(id);
  for (uint64_t id : ids) impl_->deliver(id, make_error(ONSHI_E_CANCELLED, "service", "the service transport was closed"));
}

uint64_t ServiceTransport::call(std::string_view path, std::string document, std::function<void(Result<std::string>)> done) {
  Impl& s = *impl_;
  const uint64_t id = s.next_id++;
  s.pending[id] = std::move(done);
  net::post(s.io, [weak = std::weak_ptr<Impl>(impl_), id, target = std::string(path), doc = std::move(document)]() mutable {
    if (auto self = weak.lock()) self->post(id, target, std::move(doc));
  });
  return id;
}

void ServiceTransport::cancel(uint64_t id) {
  Impl& s = *impl_;
  if (!s.pending.count(id)) return;
  s.deliver(id, make_error(ONSHI_E_CANCELLED, "service", "the request to the service at " + s.where() + " was cancelled"));
  net::post(s.io, [weak = std::weak_ptr<Impl>(impl_), id] {
    auto self = weak.lock();
    if (!self) return;
    auto it = self->calls.find(id);
    if (it == self->calls.end()) return;
    detail::cancel_https(it->second.http);
    self->drop_job(it->second.job);
    self->calls.erase(it);
  });
}

void ServiceTransport::listen(std::function<void(std::string)> on_face) {
  Impl& s = *impl_;
  const bool start = static_cast<bool>(on_face);
  s.on_face = std::move(on_face);  // [reactor]: deliveries run here too, so none runs for an old listener
  net::post(s.io, [weak = std::weak_ptr<Impl>(impl_), start] {
    auto self = weak.lock();
    if (!self || self->streaming == start) return;
    self->streaming = start;
    ++self->stream_generation;
    self->retry.cancel();
    detail::cancel_https(self->stream);
    self->stream.reset();
    if (start) self->open_stream();
  });
}

}  // namespace onshi::eligibility
