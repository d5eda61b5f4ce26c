#include "api.hpp"

#include "errors.hpp"
#include "json_check.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>

namespace onshi::service {

namespace net = boost::asio;
using nlohmann::json;

namespace {

HttpResponse json_response(unsigned status, const json& doc) {
  return {status, "application/json", doc.dump(-1, ' ', false, json::error_handler_t::replace), {}};
}

HttpResponse error_response(const Error& e, const std::string& plugin = {}, unsigned status = 0) {
  return json_response(status ? status : http_status(e.code), error_document(e, plugin));
}

HttpResponse error_response(unsigned status, onshi_status code, std::string message, std::string hint) {
  return error_response(make_error(code, "serve", std::move(message), std::move(hint)), {}, status);
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

json accepted(const std::string& id) {
  return {{"schema", "onshi.job/1"}, {"job", id}, {"state", "running"}, {"href", "/v1/jobs/" + id}};
}

HttpResponse answer_of(const Jobs::Answer& a, const std::string& plugin) {
  if (a.state == JobState::done) return {200, a.media_type, a.result, {}};
  return error_response(a.error, plugin);
}

}  // namespace

// One request on its way: who asked, and the one reply it gets (logged and audited).
struct Api::Call {
  Api& api;
  std::shared_ptr<Exchange> ex;
  const Desk* desk = nullptr;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  const HttpRequest& r() const { return ex->request(); }
  void reply(HttpResponse res) {
    const std::string origin = r().header("origin");
    const auto& allowed = api.config_.allowed_origins;
    if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
      res.headers.emplace_back("Access-Control-Allow-Origin", origin);
      res.headers.emplace_back("Vary", "Origin");
    }
    // A browser may not guess another type than the one sent, nor tell anyone where it came from.
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    log(res.status);
    ex->respond(std::move(res));
  }
  void log(unsigned status) const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    api.journal_.request({desk ? desk->name : "", r().method, r().path, status, ms.count(), r().remote});
  }
};

Api::Api(const Config& config, Journal& journal, const Sdk& sdk, const Functions& functions, Jobs& jobs,
         Events& events, Faces& faces, const Page* page)
    : config_(config),
      journal_(journal),
      sdk_(sdk),
      functions_(functions),
      jobs_(jobs),
      events_(events),
      faces_(faces),
      page_(page),
      workers_(static_cast<std::size_t>(config.workers)),
      started_ms_(real_now_ms()) {}

Api::~Api() { workers_.join(); }

const Desk* Api::authenticate(const HttpRequest& r) const {
  std::string token;
  const std::string authorization = r.header("authorization");
  if (authorization.rfind("Bearer ", 0) == 0) token = authorization.substr(7);
  else if (r.path == "/v1/events") token = r.query_value("access_token");  // browsers cannot set a header there
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (!token.empty()) {
    const std::string hash = sha256_hex(token);
    for (const auto& d : config_.desks)
      if (!d.token_sha256.empty() && same_secret(d.token_sha256, hash)) return &d;
    return nullptr;  // a wrong token is refused even with a good certificate: it was meant
  }
  if (r.cert_sha256.empty()) return nullptr;
  for (const auto& d : config_.desks)
    if ((!d.cert_sha256.empty() && d.cert_sha256 == r.cert_sha256) || (!d.cert_cn.empty() && d.cert_cn == r.cert_cn))
      return &d;
  return nullptr;
}

void Api::handle(const std::shared_ptr<Exchange>& exchange) {
  Call call{*this, exchange};
  const HttpRequest& r = call.r();
  if (r.method == "OPTIONS") {  // a browser's preflight (CORS): it carries no credentials
    const std::string origin = r.header("origin");
    if (std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), origin) == config_.allowed_origins.end())
      return call.reply(error_response(403, ONSHI_E_REFUSED, "origin '" + origin + "' may not use this service",
                                       "add it to \"allowed_origins\" in the service's configuration"));
    return call.reply({204, "text/plain", "",
                       {{"Access-Control-Allow-Methods", "GET, POST, DELETE"},
                        {"Access-Control-Allow-Headers", "Authorization, Content-Type, Prefer, Last-Event-ID"},
                        {"Access-Control-Max-Age", "600"}}});
  }
  if (r.path == "/v1/health") {
    if (r.method != "GET") return call.reply(error_response(405, ONSHI_E_NOT_SUPPORTED, "use GET", "GET /v1/health"));
    return call.reply(json_response(200, {{"status", "ok"}, {"version", ONSHI_SERVICE_VERSION}}));
  }
  if (page_ && r.path.rfind("/v1/", 0) != 0)  // the page's files hold no data: served to anyone
    if (auto file = page_->answer(r)) return call.reply(std::move(*file));
  call.desk = authenticate(r);
  if (!call.desk) {
    const bool offered = !r.header("authorization").empty() || !r.query_value("access_token").empty();
    HttpResponse refused = error_response(
        401, ONSHI_E_AUTH,
        offered ? "the desk token is not one this service knows" : "no desk credentials were sent",
        "send \"Authorization: Bearer <the desk's token>\", or connect with the desk's client certificate");
    refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"onshi\"");
    return call.reply(std::move(refused));
  }
  try {
    route(call);
  } catch (const std::exception& e) {  // a bug: say so, and keep serving
    journal_.line("error", "internal", {{"route", r.path}, {"message", e.what()}});
    call.reply(error_response(500, ONSHI_E_INTERNAL, std::string("internal error: ") + e.what(),
                              "report this with the service's log"));
  }
}

int Api::wait_seconds(const HttpRequest& r) const {
  const std::string w = r.query_value("wait");
  if (w.empty() || w.size() > 6 || w.find_first_not_of("0123456789") != std::string::npos)
    return config_.limits.default_wait_s;
  return std::min(std::stoi(w), config_.limits.max_wait_s);
}

void Api::route(Call& call) {
  const HttpRequest& r = call.r();
  const std::string& desk = call.desk->name;
  if (r.path.rfind("/v1/", 0) != 0)
    return call.reply(error_response(404, ONSHI_E_NOT_FOUND, "no route " + r.path, "every route starts with /v1/"));
  const std::vector<std::string> s = segments(std::string_view(r.path).substr(4));
  const std::string& m = r.method;
  auto wrong_method = [&](const char* allowed) {
    HttpResponse res = error_response(405, ONSHI_E_NOT_SUPPORTED, m + " is not offered on " + r.path,
                                      std::string("use ") + allowed);
    res.headers.emplace_back("Allow", allowed);
    call.reply(std::move(res));
  };
  if (s.size() == 1 && s[0] == "status") return m == "GET" ? call.reply(json_response(200, status(*call.desk))) : wrong_method("GET");
  if (s.size() == 1 && s[0] == "plugins") return m == "GET" ? call.reply(json_response(200, plugins())) : wrong_method("GET");
  if (s.size() == 1 && s[0] == "functions")
    return m == "GET" ? call.reply(json_response(200, functions_.document())) : wrong_method("GET");
  if (s.size() == 1 && s[0] == "jobs") return m == "GET" ? call.reply(json_response(200, jobs_.list(desk))) : wrong_method("GET");
  if (s.size() == 2 && s[0] == "jobs") {
    const std::string id = s[1];
    const auto none = [&] {
      call.reply(error_response(404, ONSHI_E_NOT_FOUND, "no job " + id + " of desk " + desk,
                                "GET /v1/jobs lists this desk's jobs"));
    };
    if (m == "DELETE") {
      auto v = jobs_.cancel(desk, id);
      return v ? call.reply(json_response(202, *v)) : none();
    }
    if (m != "GET") return wrong_method("GET, DELETE");
    auto v = jobs_.view(desk, id);
    if (!v) return none();
    const int wait = r.query_value("wait").empty() ? 0 : wait_seconds(r);
    if ((*v)["state"] != "running" || wait == 0) return call.reply(json_response(200, *v));
    auto shared = std::make_shared<Call>(call);
    return wait_for(*shared, id, wait, [this, shared, id](bool) {
      shared->reply(json_response(200, *jobs_.view(shared->desk->name, id)));
    });
  }
  if (s.size() == 1 && s[0] == "events") {
    if (m != "GET") return wrong_method("GET");
    std::string since = r.query_value("since");
    if (since.empty()) since = r.header("last-event-id");
    if (since.size() > 19 || since.find_first_not_of("0123456789") != std::string::npos)
      return call.reply(error_response(400, ONSHI_E_INVALID_ARGUMENT, "since must be an event's seq",
                                       "give the seq of the last event received (0 for every event kept)"));
    const std::optional<uint64_t> after = since.empty() ? std::nullopt : std::optional<uint64_t>(std::stoull(since));
    call.log(r.websocket ? 101 : 200);
    return call.ex->stream_events(
        [this, desk, after](std::shared_ptr<EventSink> sink) { events_.subscribe(desk, after, sink); });
  }
  if (s.size() >= 2 && s[0] == "desk" && s[1] == "expectations") {
    if (s.size() == 3) {
      if (m != "DELETE") return wrong_method("DELETE");
      return faces_.forget(desk, s[2]) ? call.reply({204, "application/json", "", {}})
                                       : call.reply(error_response(404, ONSHI_E_NOT_FOUND, "no expectation " + s[2] + " of desk " + desk,
                                                                   "GET /v1/desk/expectations lists them"));
    }
    if (m == "GET") return call.reply(json_response(200, faces_.expectations(desk)));
    if (m != "POST") return wrong_method("GET, POST");
    if (auto bad = json_syntax_error(r.body))
      return call.reply(error_response(400, ONSHI_E_INVALID_ARGUMENT,
                                       "the request body is not JSON: line " + std::to_string(bad->line) + ", column " +
                                           std::to_string(bad->column) + " (byte " + std::to_string(bad->offset) +
                                           "): expected " + bad->expected,
                                       "send onshi.expectation-request/1 as JSON"));
    auto made = faces_.expect(desk, json::parse(r.body));
    return made ? call.reply(json_response(201, *made)) : call.reply(error_response(made.error()));
  }
  if (s.size() == 1 && s[0] == "queue") return m == "GET" ? call.reply(json_response(200, faces_.queue())) : wrong_method("GET");
  if (s.size() == 3 && s[0] == "queue" && s[2] == "claim") {
    if (m != "POST") return wrong_method("POST");
    auto claimed = faces_.claim(desk, s[1]);
    return claimed ? call.reply(json_response(200, *claimed)) : call.reply(error_response(claimed.error()));
  }
  // POST /v1/<extension id>/<function>: the extension id has a slash of its own (onshi.claims/1).
  const auto last = r.path.rfind('/');
  return call_function(call, r.path.substr(4, last - 4), r.path.substr(last + 1));
}

void Api::call_function(Call& call, const std::string& extension, const std::string& name) {
  const HttpRequest& r = call.r();
  const Function* f = functions_.find(extension, name);
  if (!f)
    return call.reply(error_response(404, ONSHI_E_NOT_FOUND,
                                     "no loaded plugin offers " + extension + " function '" + name + "'",
                                     "GET /v1/functions lists every function; GET /v1/plugins says which plugins "
                                     "failed to load and why"));
  if (r.method != "POST") {
    HttpResponse res = error_response(405, ONSHI_E_NOT_SUPPORTED, "functions are called with POST", "POST " + f->href());
    res.headers.emplace_back("Allow", "POST");
    return call.reply(std::move(res));
  }
  if (!r.body.empty())
    if (auto bad = json_syntax_error(r.body))
      return call.reply(error_response(400, ONSHI_E_INVALID_ARGUMENT,
                                       "the request body is not JSON: line " + std::to_string(bad->line) + ", column " +
                                           std::to_string(bad->column) + " (byte " + std::to_string(bad->offset) +
                                           "): expected " + bad->expected,
                                       "send the " + (f->request_schema.empty() ? std::string("request") : f->request_schema) +
                                           " document as UTF-8 JSON"));
  auto shared = std::make_shared<Call>(call);
  if (!f->async) {  // on a worker: a card operation may block for seconds
    return net::post(workers_, [shared, f] {
      auto result = Functions::call(*f, shared->r().body);
      shared->reply(result ? HttpResponse{200, f->media_type, std::move(*result), {}} : error_response(result.error(), f->plugin));
    });
  }
  const std::string& desk = call.desk->name;
  if (jobs_.unfinished(desk) >= config_.limits.max_jobs_per_desk) {
    HttpResponse busy = error_response(429, ONSHI_E_BUSY,
                                       "desk " + desk + " already has " + std::to_string(config_.limits.max_jobs_per_desk) +
                                           " unfinished jobs",
                                       "wait for their answers (GET /v1/events), then send more");
    busy.headers.emplace_back("Retry-After", "1");
    return call.reply(std::move(busy));
  }
  auto id = jobs_.submit(desk, *f, std::string(r.body));
  if (!id) return call.reply(error_response(id.error(), f->plugin));
  const bool at_once = r.header("prefer").find("respond-async") != std::string::npos;
  const int wait = at_once ? 0 : wait_seconds(r);
  if (wait == 0) {
    HttpResponse res = json_response(202, accepted(*id));
    res.headers.emplace_back("X-Onshi-Job", *id);
    return call.reply(std::move(res));
  }
  wait_for(*shared, *id, wait, [this, shared, id = *id, plugin = f->plugin](bool done) {
    auto a = done ? jobs_.answer(shared->desk->name, id) : std::nullopt;
    HttpResponse res = a ? answer_of(*a, plugin) : json_response(202, accepted(id));
    res.headers.emplace_back("X-Onshi-Job", id);  // the job whose events and record this answer is
    shared->reply(std::move(res));
  });
}

void Api::wait_for(Call& call, const std::string& id, int seconds, std::function<void(bool done)> then) {
  struct Waiting {
    explicit Waiting(net::io_context& io) : strand(net::make_strand(io)), timer(strand) {}
    net::strand<net::io_context::executor_type> strand;
    net::steady_timer timer;
    std::atomic<bool> fired{false};
    uint64_t waiter = 0;
  };
  auto w = std::make_shared<Waiting>(call.ex->context());
  auto finish = [this, w, id, then = std::move(then)](bool done) {
    if (w->fired.exchange(true)) return;
    if (!done) jobs_.forget(id, w->waiter);
    net::post(w->strand, [w] { w->timer.cancel(); });
    then(done);
  };
  net::post(w->strand, [w, seconds, finish] {
    w->timer.expires_after(std::chrono::seconds(seconds));
    w->timer.async_wait([finish](boost::system::error_code ec) {
      if (!ec) finish(false);
    });
  });
  if (!jobs_.when_done(call.desk->name, id, w->waiter, [finish] { finish(true); })) finish(true);
}

json Api::status(const Desk& desk) const {
  json plugins = json::array();
  for (const auto& p : sdk_.plugins())
    if (p.state != ONSHI_PLUGIN_NOT_ENABLED) plugins.push_back({{"id", p.id}, {"state", p.state_name()}, {"version", p.version}});
  return {{"schema", "onshi.status/1"},
          {"version", ONSHI_SERVICE_VERSION},
          {"started", started_ms_},
          {"uptime_s", (real_now_ms() - started_ms_) / 1000},
          {"listen", listening_},
          {"tls", config_.tls.has_value()},
          {"desk", desk.name},
          {"desks", config_.desks.size()},
          {"plugins", plugins},
          {"functions", functions_.all().size()},
          {"jobs", jobs_.counts()},
          {"events", {{"last_seq", events_.last_seq()}, {"streams", events_.streams()}}},
          {"queue", {{"entries", faces_.queued()}}},
          {"connections", connections_ ? connections_() : 0}};
}

json Api::plugins() const {
  json list = json::array();
  for (const auto& p : sdk_.plugins()) {
    if (p.state == ONSHI_PLUGIN_NOT_ENABLED) continue;
    json e = {{"id", p.id}, {"name", p.name}, {"vendor", p.vendor}, {"version", p.version}, {"state", p.state_name()},
              {"provides", p.provides}};
    if (!p.loaded()) e.update({{"stage", p.stage}, {"message", p.message}, {"hint", p.hint}});
    list.push_back(std::move(e));
  }
  return {{"schema", "onshi.plugins/1"}, {"plugins", list}};
}

}  // namespace onshi::service
