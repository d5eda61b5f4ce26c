// onshi serve: reads the configuration, opens the SDK (the plugins it names, the one store), carries
// on the jobs a previous run accepted, and serves until told to stop.
#include <onshi/service/serve.hpp>

#include "api.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "faces.hpp"
#include "functions.hpp"
#include "jobs.hpp"
#include "journal.hpp"
#include "page.hpp"
#include "server.hpp"

#include <onshi/abi/onshi_ext_events.h>
#include <onshi/host.hpp>
#include <onshi/support/base64.hpp>
#include <onshi/support/files.hpp>

#include <openssl/rand.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>
#include <thread>

namespace onshi::service {

namespace {

using nlohmann::json;

enum Exit { kOk = 0, kBadConfig = 2, kUnavailable = 3 };

// Events the plugins report (onshi.events/1), to the desks they concern.
class PluginEvents {
 public:
  PluginEvents(Events& events, Faces& faces, const Config& config, Journal& journal)
      : events_(events), faces_(faces), config_(config), journal_(journal) {}

  void listen(const Sdk& sdk) {
    for (const auto& p : sdk.plugins()) {
      if (!p.loaded()) continue;
      auto ext = sdk.extension<onshi_events_v1>(ONSHI_EXT_EVENTS, p.id.c_str());
      if (!ext) continue;
      auto& l = listeners_.emplace_back(std::make_unique<Listener>(Listener{this, p.id}));
      l->listener = {sizeof(onshi_document_listener), l.get(), &Listener::on_document};
      onshi_error err = empty_error();
      if (ext->vtable->set_listener(ext->instance, &l->listener, &err) != ONSHI_OK)
        journal_.line("warn", "no_events", {{"plugin", p.id}, {"message", err.message}, {"hint", err.hint}});
    }
  }

 private:
  struct Listener {
    PluginEvents* owner;
    std::string plugin;
    onshi_document_listener listener{};
    static void ONSHI_ABI on_document(void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
      auto& self = *static_cast<Listener*>(ctx);
      if (st == ONSHI_OK) self.owner->dispatch(self.plugin, json::parse(text_of(doc), nullptr, false));
    }
  };

  void dispatch(const std::string& plugin, const json& e) {
    if (!e.is_object() || !e.contains("kind") || !e["kind"].is_string()) return;
    const std::string kind = e["kind"];
    if (e.contains("route")) return faces_.route(plugin, e);  // one patient's: one desk, or the queue
    json data = e.value("data", json::object());
    std::vector<std::string> to;
    if (e.contains("reader") && e["reader"].is_string())  // one reader's: the desks at it
      for (const auto& d : config_.desks)
        if (std::find(d.readers.begin(), d.readers.end(), e["reader"].get<std::string>()) != d.readers.end())
          to.push_back(d.name);
    if (to.empty()) to.push_back(kEveryDesk);
    const bool durable = kind != "card" && may_keep(data);  // a card put down is news only now
    events_.publish(kind, plugin, std::move(to), std::move(data), durable);
  }

  Events& events_;
  Faces& faces_;
  const Config& config_;
  Journal& journal_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

int new_token() {
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  std::string token = support::base64_encode(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  for (char& c : token) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!token.empty() && token.back() == '=') token.pop_back();
  std::cout << json{{"token", token}, {"token_sha256", sha256_hex(token)},
                    {"note", "give the token to the desk (keep it secret); put only token_sha256 in the desk's "
                             "entry of the service's configuration"}}
                   .dump(2)
            << "\n";
  return kOk;
}

SdkOptions sdk_options(const Config& config, const ServeArgs& args, Journal& journal, bool with_state) {
  SdkOptions o;
  o.host_name = "onshi serve";
  o.host_version = ONSHI_SERVICE_VERSION;
  o.plugin_dirs = args.plugin_dirs;
  o.plugin_dirs.insert(o.plugin_dirs.end(), config.plugin_dirs.begin(), config.plugin_dirs.end());
  o.use_default_dirs = config.use_default_dirs;
  std::vector<std::string> ids;
  for (const auto& [id, section] : config.plugins.items()) ids.push_back(id);
  o.enabled_ids = ids;
  o.config_json = config.plugins.dump();
  if (with_state) o.state_dir = config.state_dir.string();
  o.log_level = config.verbose || args.verbose ? ONSHI_LOG_DEBUG : ONSHI_LOG_INFO;
  o.log = [&journal](int32_t level, std::string_view plugin, std::string_view message) {
    journal.sdk_line(level, plugin, message);
  };
  return o;
}

// The plugins the configuration names that did not load: each with its stage, words and hint.
std::vector<json> missing_plugins(const Config& config, const Sdk& sdk) {
  std::vector<json> out;
  for (const auto& [id, section] : config.plugins.items()) {
    auto p = sdk.plugin(id);
    if (!p) out.push_back({{"plugin", id}, {"message", "no plugin " + id + " was found"},
                           {"hint", "install it, or add its folder to \"plugin_dirs\""}});
    else if (!p->loaded())
      out.push_back({{"plugin", id}, {"stage", p->stage}, {"message", p->message}, {"hint", p->hint}});
  }
  return out;
}

// The reception page's files: from "www_dir" (an error when it cannot be read), else from the folder
// installed beside the program (a warning when absent: the API is served alone), none with "page": false.
Result<std::optional<Page>> reception_page(const Config& config, Journal& journal) {
  if (!config.page) return std::optional<Page>();
  auto page = Page::load(config.www_dir.empty() ? Page::default_dir() : config.www_dir);
  if (page) return std::optional<Page>(std::move(*page));
  if (!config.www_dir.empty()) return std::move(page).error();
  journal.line("warn", "no_page", error_document(page.error()));
  return std::optional<Page>();
}

int check_config(const ServeArgs& args) {
  Journal journal(args.verbose);
  auto config = read_config(args.config);
  json report = {{"ok", false}, {"config", args.config}};
  if (!config) {
    report["error"] = error_document(config.error());
    std::cout << report.dump(2) << "\n";
    return kBadConfig;
  }
  report["listen"] = config->address + ":" + std::to_string(config->port);
  report["tls"] = config->tls.has_value();
  json desks = json::array();
  for (const auto& d : config->desks) desks.push_back(d.name);
  report["desks"] = desks;
  if (auto page = reception_page(*config, journal); !page) {
    report["error"] = error_document(page.error());
    std::cout << report.dump(2) << "\n";
    return kBadConfig;
  } else {
    report["page_files"] = page->has_value() ? (*page)->files() : 0;
  }
  if (auto tls = Server::check_tls(*config); !tls) {
    report["error"] = error_document(tls.error());
    std::cout << report.dump(2) << "\n";
    return kBadConfig;
  }
  auto sdk = Sdk::open(sdk_options(*config, args, journal, /*with_state=*/false));  // loads, keeps nothing
  if (!sdk) {
    report["error"] = error_document(sdk.error());
    std::cout << report.dump(2) << "\n";
    return kUnavailable;
  }
  const auto missing = missing_plugins(*config, *sdk);
  report["plugins_not_loaded"] = missing;
  report["functions"] = Functions::discover(*sdk).all().size();
  report["ok"] = missing.empty();
  std::cout << report.dump(2) << "\n";
  return missing.empty() ? kOk : kUnavailable;
}

}  // namespace

int serve(const ServeArgs& args) {
  if (args.new_token) return new_token();
  if (args.check_only) return check_config(args);
  auto config = read_config(args.config);
  Journal journal(args.verbose || (config && config->verbose));
  if (!config) {
    journal.line("error", "bad_configuration", error_document(config.error()));
    return kBadConfig;
  }
  // SIGTERM and SIGINT are taken by one thread of ours: blocked before any other thread exists.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (auto made = support::make_private_dirs(config->state_dir); !made) {
    journal.line("error", "no_state_folder", error_document(made.error()));
    return kUnavailable;
  }
  // Declared before the SDK they serve, so that they outlive its closing.
  std::optional<Events> events;
  std::optional<Jobs> jobs;
  std::optional<Faces> faces;
  std::optional<PluginEvents> plugin_events;
  auto sdk = Sdk::open(sdk_options(*config, args, journal, /*with_state=*/true));
  if (!sdk) {
    journal.line("error", "sdk_not_opened", error_document(sdk.error()));
    return kUnavailable;
  }
  for (const auto& m : missing_plugins(*config, *sdk)) journal.line("error", "plugin_not_loaded", m);
  const onshi::plugin::Host app(sdk->app_host());
  journal.attach_store(app, config->retention.audit);
  std::vector<std::string> problems;
  const Functions functions = Functions::discover(*sdk, &problems);
  for (const auto& p : problems) journal.line("warn", "functions", {{"message", p}});
  events.emplace(app, *config, journal);
  events->load();
  faces.emplace(app, *events, journal, *config);
  faces->load();
  jobs.emplace(app, functions, *events, journal, *config);
  auto page = reception_page(*config, journal);
  if (!page) {
    journal.line("error", "bad_configuration", error_document(page.error()));
    return kBadConfig;
  }
  Api api(*config, journal, *sdk, functions, *jobs, *events, *faces, page->has_value() ? &**page : nullptr);
  auto server = Server::open(*config, journal, [&api](std::shared_ptr<Exchange> ex) { api.handle(ex); });
  if (!server) {
    journal.line("error", "not_listening", error_document(server.error()));
    return kUnavailable;
  }
  api.count_connections([s = server->get()] { return s->connections(); });
  const std::string listening = config->address + ":" + std::to_string((*server)->port());
  api.listening_on(listening);
  if (!args.port_file.empty())
    support::write_file_atomically(args.port_file, std::to_string((*server)->port()));
  plugin_events.emplace(*events, *faces, *config, journal);
  plugin_events->listen(*sdk);
  jobs->resume_unfinished();
  journal.line("info", "listening", {{"listen", listening},
                                     {"tls", config->tls.has_value()}, {"desks", config->desks.size()},
                                     {"functions", functions.all().size()}});
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    journal.line("info", "stopping", {{"signal", sig}});
    (*server)->stop();
  });
  stopper.detach();
  (*server)->run();
  // What was accepted and not yet answered stays in the store for the next start. The SDK is not
  // closed: closing withdraws requests still waiting in req, which the next start awaits instead.
  jobs->stop_recording();
  journal.flush();
  std::fflush(nullptr);
  std::_Exit(kOk);
}

}  // namespace onshi::service
