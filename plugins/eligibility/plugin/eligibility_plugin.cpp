// The onshi.eligibility plugin: onshi.eligibility/1 over the 資格確認端末's shared folders or directly
// over TLS, wrapping the core library (FolderTransport, TlsTransport, FaceFolder, decide) on the
// host's executor.
//
// Threads: extension functions come from any thread; everything that touches the core runs on the
// host's strand for this plugin (HostReactor), so the core and `core_` need no lock.
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_eligibility.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <onshi/eligibility/face_folder.hpp>
#include <onshi/eligibility/folder_transport.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/eligibility/tls_transport.hpp>
#include <onshi/plugin.hpp>

#include "documents.hpp"
#include "host_reactor.hpp"
#include "records.hpp"

namespace onshi::eligibility::plugin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPluginId = "onshi.eligibility";

struct Config {
  fs::path root;  // empty: not configured
  std::chrono::milliseconds timeout{60000}, rescan{500};
  bool random_name_part = true;  // folder.random_name_part
  std::string medical_institution_code = kDemoInstitutionCode;
  bool face = true;
  fs::path state_dir;
  bool use_tls = false;  // "transport": "tls" (default "folder")
  TlsOptions tls;        // tls.host empty: not configured
};

Error config_error(const std::string& field, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "config",
                    std::string(kPluginId) + " configuration: " + field + " " + what,
                    "fix the \"" + std::string(kPluginId) + "\" section of the SDK configuration");
}

Result<std::chrono::milliseconds> read_ms(const json& section, const char* key, std::chrono::milliseconds fallback,
                                          const char* section_name = "folder") {
  auto it = section.find(key);
  if (it == section.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() <= 0)
    return config_error(std::string(section_name) + "." + key, "must be a positive number of milliseconds");
  return std::chrono::milliseconds(it->get<long long>());
}

// "tls": {"url": "https://host:port/path" (or "host", "port", "base_path"), "ca_file", "cert_file",
// "key_file", "timeout_ms"} (docs/decisions/eligibility-tls.md).
Result<void> read_tls(const json& section, TlsOptions& tls) {
  if (!section.is_object()) return config_error("tls", "must be an object {\"url\": \"https://host:port/path\", ...}");
  auto text = [&](const char* key, std::string& into) -> Result<void> {
    auto it = section.find(key);
    if (it == section.end()) return {};
    if (!it->is_string()) return config_error(std::string("tls.") + key, "must be a string");
    into = it->get<std::string>();
    return {};
  };
  std::string url, port, ca, cert, key, passphrase;
  for (auto [k, into] : {std::pair{"url", &url}, {"host", &tls.host}, {"port", &port}, {"base_path", &tls.base_path},
                         {"ca_file", &ca}, {"cert_file", &cert}, {"key_file", &key},
                         {"key_passphrase_file", &passphrase}})
    if (auto r = text(k, *into); !r) return r;
  if (!url.empty() && !tls.host.empty()) return config_error("tls.url", "and tls.host cannot both be set");
  if (!url.empty()) {
    if (auto applied = apply_tls_url(url, tls); !applied) return applied;
  } else if (!port.empty()) {
    tls.port = port;
  }
  if (!tls.base_path.empty() && tls.base_path.front() != '/') return config_error("tls.base_path", "must start with /");
  tls.ca_file = ca;
  tls.cert_file = cert;
  tls.key_file = key;
  tls.key_passphrase_file = passphrase;
  auto timeout = read_ms(section, "timeout_ms", std::chrono::milliseconds(30000), "tls");
  if (!timeout) return std::move(timeout).error();
  tls.timeout = *timeout;
  return {};
}

Result<Config> read_config(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return config_error("section", "is not a JSON object");
  Config c;
  if (auto folder = doc.find("folder"); folder != doc.end()) {
    if (!folder->is_object()) return config_error("folder", "must be an object {\"root\": DIR, ...}");
    if (auto root = folder->find("root"); root != folder->end()) {
      if (!root->is_string()) return config_error("folder.root", "must be a folder path");
      c.root = root->get<std::string>();
    }
    auto timeout = read_ms(*folder, "timeout_ms", c.timeout);
    if (!timeout) return std::move(timeout).error();
    auto rescan = read_ms(*folder, "rescan_ms", c.rescan);
    if (!rescan) return std::move(rescan).error();
    c.timeout = *timeout;
    c.rescan = *rescan;
    if (auto random = folder->find("random_name_part"); random != folder->end()) {
      if (!random->is_boolean()) return config_error("folder.random_name_part", "must be true or false");
      c.random_name_part = random->get<bool>();
    }
  }
  if (auto code = doc.find("medical_institution_code"); code != doc.end()) {
    const std::string value = code->is_string() ? code->get<std::string>() : "";
    if (value.size() != 10 || value.find_first_not_of("0123456789") != std::string::npos)
      return config_error("medical_institution_code", "must be the 10-digit 医療機関コード");
    c.medical_institution_code = value;
  }
  if (auto face = doc.find("face"); face != doc.end()) {
    if (!face->is_boolean()) return config_error("face", "must be true or false");
    c.face = face->get<bool>();
  }
  if (auto transport = doc.find("transport"); transport != doc.end()) {
    if (*transport != "folder" && *transport != "tls") return config_error("transport", "must be \"folder\" or \"tls\"");
    c.use_tls = *transport == "tls";
  }
  if (auto tls = doc.find("tls"); tls != doc.end())
    if (auto read = read_tls(*tls, c.tls); !read) return std::move(read).error();
  if (auto dir = doc.find("state_dir"); dir != doc.end() && dir->is_string()) c.state_dir = dir->get<std::string>();
  // No state folder: nothing is kept on disk at all, never in a temp folder others can read.
  return c;
}

using onshi::plugin::complete;

class EligibilityPlugin final : public RecordsInstance {
 public:
  EligibilityPlugin(onshi::plugin::Host host, Config config)
      : host_(host), config_(std::move(config)), reactor_(host) {}

  // Destroys the core on the strand; every pending operation completes with ONSHI_E_CANCELLED.
  ~EligibilityPlugin() override {
    reactor_.run_and_wait([this] {
      auto pending = std::move(core_.pending);
      core_.pending.clear();
      core_.face.reset();
      core_.listener = {};
      core_.transport.reset();  // its own cancellations are posted and then dropped by shut_down
      core_.tls.reset();
      for (auto& [op, p] : pending)
        complete(p.done, make_error(ONSHI_E_CANCELLED, "eligibility", "the eligibility plugin was closed"));
      reactor_.shut_down();
    });
  }

  const void* extension(std::string_view id) override {
    static const onshi_eligibility_v1 eligibility = {sizeof(onshi_eligibility_v1), &query_async, &exchange_async,
                                                     &cancel,  &parse,       &set_face_listener, &challenge_async};
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    if (id == ONSHI_EXT_ELIGIBILITY) return &eligibility;
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    if (id == ONSHI_EXT_ELIGIBILITY_RECORDS) return Records::table();  // records.cpp
    if (id == ONSHI_EXT_DOCUMENTS) return Records::documents();
    return nullptr;
  }

 private:
  enum class Reply { outcome, raw, challenge };  // what a completion carries
  struct Pending {
    onshi_completion done;
    Reply reply;
    uint64_t request = 0;  // the transport's id
  };
  // Touched on the strand only.
  struct Core {
    std::unique_ptr<FolderTransport> transport;
    std::unique_ptr<TlsTransport> tls;  // "transport": "tls"
    std::unique_ptr<FaceFolder> face;
    std::map<uint64_t, Pending> pending;  // by operation id
    onshi_document_listener listener{};
    uint64_t listener_generation = 0;  // a face result queued for an older listener is dropped
  };

  static EligibilityPlugin& self(onshi_instance* i) { return onshi::plugin::self<EligibilityPlugin>(i); }

  // [any-thread] The share is configured and mounted (req and res are there).
  Result<void> folder_ready() const {
    const std::string hint =
        "mount the terminal's shared folder and set folder.root in the \"onshi.eligibility\" "
        "configuration (onshi: --oqs-root DIR)";
    if (config_.root.empty())
      return make_error(ONSHI_E_NOT_FOUND, "folder", "the 資格確認端末's shared folder is not configured", hint);
    std::error_code ec;
    for (const char* sub : {"req", "res"})
      if (!fs::is_directory(config_.root / sub, ec))
        return make_error(
            ONSHI_E_NOT_FOUND, "folder",
            "the 資格確認端末's shared folder is not reachable: " + (config_.root / sub).string() + " does not exist",
            hint);
    return {};
  }

  // [any-thread] The configured transport can be used: the share is there, or the TLS files load.
  Result<void> transport_ready() const {
    if (!config_.use_tls) return folder_ready();
    return TlsTransport::check(config_.tls);
  }

  // [strand] Opens the transport the first time it is needed (the share may be mounted late).
  Result<void> open_transport() {
    if (config_.use_tls) {
      if (core_.tls) return {};
      auto tls = TlsTransport::open(reactor_, config_.tls);
      if (!tls) return std::move(tls).error();
      core_.tls = std::move(tls).value();
      return {};
    }
    if (core_.transport) return {};
    FolderOptions o;
    o.root = config_.root;
    o.state_dir = config_.state_dir;
    o.timeout = config_.timeout;
    o.rescan_interval = config_.rescan;
    o.random_name_part = config_.random_name_part;
    auto transport = FolderTransport::open(reactor_, o);
    if (!transport) return std::move(transport).error();
    core_.transport = std::move(transport).value();
    return {};
  }

  // [any-thread] Queues one request; its completion comes exactly once.
  Result<uint64_t> start(std::string_view file_prefix, std::chrono::year_month_day today, std::string bytes,
                         const onshi_completion* done, Reply reply) {
    if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", "no completion given", "pass an onshi_completion");
    if (auto ready = transport_ready(); !ready) return std::move(ready).error();
    const uint64_t op = next_operation_++;
    reactor_.post([this, op, prefix = std::string(file_prefix), bytes = std::move(bytes), done = *done, reply, today] {
      if (auto opened = open_transport(); !opened) return complete(done, std::move(opened).error());
      core_.pending[op] = Pending{done, reply};
      auto on_answer = [this, op](Result<Answer> a) { finish(op, std::move(a)); };
      core_.pending[op].request = core_.tls ? core_.tls->submit(prefix, bytes, std::move(on_answer))
                                            : core_.transport->submit(prefix, today, bytes, std::move(on_answer));
    });
    return op;
  }

  // [any-thread] Card queries and challenges exist only on the direct connection.
  Result<void> tls_only(const char* what) const {
    if (config_.use_tls) return {};
    return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                      std::string(what) + " needs the direct TLS transport; this plugin uses the 資格確認端末's shared "
                                          "folder, where card results arrive from the face reader instead",
                      "set \"transport\": \"tls\" and the \"tls\" section in the \"onshi.eligibility\" "
                      "configuration, or use the face reader (watch-face) or a query by insurance numbers");
  }

  // [strand]
  void finish(uint64_t op, Result<Answer> answer) {
    auto it = core_.pending.find(op);
    if (it == core_.pending.end()) return;
    const Pending p = it->second;
    core_.pending.erase(it);
    // Erased above, so the caller hears exactly once here, whatever building the document throws.
    complete(p.done, onshi::plugin::caught([&]() -> Result<std::string> { return reply_of(op, p.reply, answer); }));
  }

  Result<std::string> reply_of(uint64_t op, Reply reply, const Result<Answer>& answer) {
    if (!answer && answer.error().code == ONSHI_E_CANCELLED) return answer.error();
    if (reply == Reply::raw) return answer ? Result<std::string>(answer->raw) : Result<std::string>(answer.error());
    if (reply == Reply::challenge) {
      if (!answer) return answer.error();
      auto challenge = challenge_of(answer->message);
      if (!challenge) return challenge.error();
      return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_CHALLENGE},
                  {"challenge", challenge->base64},
                  {"valid_seconds", challenge->valid_seconds}}
          .dump();
    }
    // Every other transport failure (timeout, .err, unreadable) is a `failed` outcome (R-RES).
    const Outcome outcome = answer ? decide(view_as<QualificationResponse>(answer->message))
                                   : decide(Result<QualificationResponse>(answer.error()));
    return records_.on_outcome(op, outcome).dump();  // + history (records.cpp)
  }

  // [strand]
  void deliver_face(uint64_t generation, Result<FaceResult> r) {
    const onshi_document_listener l = core_.listener;
    if (generation != core_.listener_generation || !l.on_document) return;
    if (!r) {
      onshi_error err = empty_error();
      fill_error(&err, r.error());
      return l.on_document(l.ctx, r.error().code, onshi_bytes{nullptr, 0}, &err);
    }
    const auto doc = onshi::plugin::caught([&]() -> Result<std::string> {
      return records_.on_outcome(0, decide(view_as<QualificationResponse>(r->message))).dump();
    });
    if (!doc) {
      onshi_error err = empty_error();
      fill_error(&err, doc.error());
      return l.on_document(l.ctx, doc.error().code, onshi_bytes{nullptr, 0}, &err);
    }
    l.on_document(l.ctx, ONSHI_OK, bytes_of(*doc), nullptr);
  }

  // ---- onshi.eligibility/1 ----

  static onshi_status ONSHI_ABI query_async(onshi_instance* i, onshi_bytes request_json, const onshi_completion* done,
                                            uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      if (request_kind(text_of(request_json)) == "card")
        if (auto tls = me.tls_only("a query by the My Number card (kind \"card\")"); !tls) return tls;
      auto query = read_query(text_of(request_json));
      if (!query) return std::move(query).error();
      const auto today = support::jst_day(me.host_.now());  // one day for the header and the file name
      const auto* card = std::get_if<CardQuery>(&*query);
      auto xml = card ? card_request(*card, me.config_.medical_institution_code, today)
                      : qualification_request(std::get<InsuredQuery>(*query), me.config_.medical_institution_code, today);
      if (!xml) return std::move(xml).error();
      auto op = me.start(prefix::qualification, today, std::move(*xml), done, Reply::outcome);
      if (!op) return std::move(op).error();
      me.records_.expect(*op, card ? (card->visual_check ? "visual" : "card") : "insured");  // for the history
      if (out_operation) *out_operation = *op;
      return {};
    });
  }

  static onshi_status ONSHI_ABI exchange_async(onshi_instance* i, const char* file_prefix, onshi_bytes request_xml,
                                               const onshi_completion* done, uint64_t* out_operation,
                                               onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      const std::string_view p = file_prefix ? file_prefix : "";
      if (p.size() != 10 || p.find_first_of("_/.") != std::string_view::npos)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility",
                          "file_prefix must be an interface name of 10 characters such as \"YZKsiquc01\"",
                          "pass the prefix of eligibility-xml.md §2.3, without req/res");
      auto& me = self(i);
      auto op = me.start(p, support::jst_day(me.host_.now()), std::string(text_of(request_xml)), done, Reply::raw);
      if (!op) return std::move(op).error();
      if (out_operation) *out_operation = *op;
      return {};
    });
  }

  static onshi_status ONSHI_ABI challenge_async(onshi_instance* i, const onshi_completion* done,
                                                uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      if (auto tls = me.tls_only("a challenge for a card query"); !tls) return tls;
      const auto today = support::jst_day(me.host_.now());
      auto xml = challenge_request(me.config_.medical_institution_code, today);
      if (!xml) return std::move(xml).error();
      auto op = me.start("challenge", today, std::move(*xml), done, Reply::challenge);
      if (!op) return std::move(op).error();
      if (out_operation) *out_operation = *op;
      return {};
    });
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t operation) {
    auto& me = self(i);
    me.reactor_.post([&me, operation] {
      auto it = me.core_.pending.find(operation);
      if (it == me.core_.pending.end()) return;
      if (me.core_.tls) me.core_.tls->cancel(it->second.request);
      else if (me.core_.transport) me.core_.transport->cancel(it->second.request);
    });
    return ONSHI_OK;
  }

  static onshi_status ONSHI_ABI parse(onshi_instance*, const char* file_name, onshi_bytes message,
                                      const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto doc = parsed_document(file_name ? file_name : "", text_of(message));
      if (!doc) return std::move(doc).error();
      return onshi::plugin::write_to(out, *doc);
    });
  }

  static onshi_status ONSHI_ABI set_face_listener(onshi_instance* i, const onshi_document_listener* listener,
                                                  onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      const bool starting = listener != nullptr;
      if (starting && (!ONSHI_HAS_FIELD(onshi_document_listener, listener, on_document) || !listener->on_document))
        return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", "the face listener has no on_document",
                          "pass a complete onshi_document_listener, or NULL to stop");
      if (starting && !me.config_.face)
        return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility", "face results are turned off (\"face\": false)",
                          "set \"face\": true in the \"onshi.eligibility\" configuration");
      if (starting)
        if (auto ready = me.folder_ready(); !ready) return std::move(ready).error();
      Result<void> result;
      me.reactor_.run_and_wait([&] { result = me.replace_face_listener(listener); });
      return result;
    });
  }

  // [strand] After it returns, no call of the old listener runs or will come.
  Result<void> replace_face_listener(const onshi_document_listener* listener) {
    core_.face.reset();
    core_.listener = {};
    const uint64_t generation = ++core_.listener_generation;
    if (!listener) return {};
    FaceOptions o;
    o.face_dir = config_.root / "face";
    o.state_dir = config_.state_dir;
    o.rescan_interval = config_.rescan;
    auto face = FaceFolder::open(reactor_, o,
                                 [this, generation](Result<FaceResult> r) { deliver_face(generation, std::move(r)); });
    if (!face) return std::move(face).error();
    core_.face = std::move(face).value();
    core_.listener = *listener;
    return {};
  }

  // ---- onshi.diagnostics/1 ----

  static onshi_status ONSHI_ABI self_test(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      const auto folder = me.folder_ready();
      std::error_code ec;
      const bool face_dir = fs::is_directory(me.config_.root / "face", ec);
      json checks = json::array();
      if (me.config_.use_tls) {  // the files load; no connection is made here
        const TlsOptions& t = me.config_.tls;
        const auto tls = TlsTransport::check(t);
        checks.push_back({{"name", "tls"},
                          {"ok", tls.ok()},
                          {"detail", tls ? "https://" + tls_endpoint(t) + t.base_path + ", CA " + t.ca_file.string() +
                                               ", client certificate " +
                                               (t.cert_file.empty() ? std::string("none") : t.cert_file.string())
                                         : tls.error().message}});
      }
      checks.push_back(
          {{"name", "folder"},
           {"ok", folder.ok()},
           {"detail", folder ? "req and res found under " + me.config_.root.string() : folder.error().message}});
      checks.push_back({{"name", "face"},
                        {"ok", !me.config_.face || face_dir},
                        {"detail", !me.config_.face ? std::string("turned off")
                                   : face_dir       ? "face folder found"
                                                    : "no face folder under the shared folder"}});
      checks.push_back(
          {{"name", "medical_institution_code"},
           {"ok", true},
           {"detail", me.config_.medical_institution_code + (me.config_.medical_institution_code == kDemoInstitutionCode
                                                                 ? " (the demo default: configure the clinic's own)"
                                                                 : "")}});
      const bool transport_ok = me.config_.use_tls ? checks.front()["ok"].get<bool>() : folder.ok();
      const json report = {
          {"ok", transport_ok},
          {"plugin", kPluginId},
          {"now_unix_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(me.host_.now().time_since_epoch()).count()},
          {"checks", checks}};
      return onshi::plugin::write_to(out, report.dump());
    });
  }

  onshi::plugin::Host host_;
  const Config config_;
  HostReactor reactor_;
  Core core_;
  std::atomic<uint64_t> next_operation_{1};
  Records records_{host_, reactor_};  // last: destroyed first, after the destructor shut the reactor down

 public:
  Records& records() override { return records_; }
};

Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view config_json) {
  auto config = read_config(config_json);
  if (!config) return std::move(config).error();
  // Without the executor nothing could ever complete: refuse now, with the reason.
  if (!host.post([] {}))
    return make_error(ONSHI_E_NOT_SUPPORTED, kPluginId, "the host offers no executor service (onshi.host.executor/1)",
                      "use an onshi host SDK that provides the executor");
  // The server's certificate is checked at the host's clock, like every other date.
  if (config->use_tls && config->tls.host.empty())
    host.warn("\"transport\": \"tls\" without tls.url: eligibility queries fail until the server is configured");
  if (!config->use_tls && config->root.empty())
    host.warn("no folder.root configured: eligibility queries fail until the 資格確認端末's shared folder is set");
  return std::unique_ptr<onshi::plugin::Instance>(new EligibilityPlugin(host, std::move(*config)));
}

}  // namespace
}  // namespace onshi::eligibility::plugin

ONSHI_PLUGIN_DEFINE(onshi::eligibility::plugin::kPluginId, onshi::eligibility::plugin::make)
