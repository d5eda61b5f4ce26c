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
#include <onshi/eligibility/service_transport.hpp>
#include <onshi/eligibility/tls_transport.hpp>
#include <onshi/support/files.hpp>
#include <onshi/plugin.hpp>

#include <onshi/support/base64.hpp>

#include "by_name.hpp"
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
  bool use_service = false;  // "transport": "service": through an onshi serve (a desk)
  ServiceOptions service;
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

// "service": {"url": "https://host:port", "token_file" (or "cert_file" + "key_file"), "ca_file",
// "key_passphrase_file"?, "timeout_ms"?} (docs/decisions/service.md, "The SDK at a desk").
Result<void> read_service(const json& section, ServiceOptions& s) {
  if (!section.is_object()) return config_error("service", "must be an object {\"url\": \"https://host:port\", ...}");
  std::string url, token_file;
  for (auto [key, into] : {std::pair{"url", &url}, {"token_file", &token_file}}) {
    auto it = section.find(key);
    if (it == section.end()) continue;
    if (!it->is_string()) return config_error(std::string("service.") + key, "must be a string");
    *into = it->get<std::string>();
  }
  if (url.empty()) return config_error("service.url", "is required: https://host:port of the onshi serve");
  if (auto applied = apply_tls_url(url, s.https, "service"); !applied) return applied;
  for (auto [key, into] : {std::pair{"ca_file", &s.https.ca_file}, {"cert_file", &s.https.cert_file},
                           {"key_file", &s.https.key_file}, {"key_passphrase_file", &s.https.key_passphrase_file}}) {
    auto it = section.find(key);
    if (it == section.end()) continue;
    if (!it->is_string()) return config_error(std::string("service.") + key, "must be a file path");
    *into = it->get<std::string>();
  }
  if (!token_file.empty()) {  // the desk's token proves the desk: nobody else on the PC may read it
    if (auto private_ = support::check_owner_only(token_file, "config", "service.token_file"); !private_)
      return std::move(private_).error();
    auto token = support::read_file(token_file, 4096);
    if (!token || !token->has_value())
      return config_error("service.token_file", token_file + " cannot be read");
    s.token = std::move(**token);
    while (!s.token.empty() && (s.token.back() == '\n' || s.token.back() == '\r' || s.token.back() == ' '))
      s.token.pop_back();
  }
  auto timeout = read_ms(section, "timeout_ms", s.timeout, "service");
  if (!timeout) return std::move(timeout).error();
  s.timeout = *timeout;
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
    if (*transport != "folder" && *transport != "tls" && *transport != "service")
      return config_error("transport", "must be \"folder\", \"tls\" or \"service\"");
    c.use_tls = *transport == "tls";
    c.use_service = *transport == "service";
  }
  if (auto tls = doc.find("tls"); tls != doc.end())
    if (auto read = read_tls(*tls, c.tls); !read) return std::move(read).error();
  if (c.use_service) {
    auto service = doc.find("service");
    if (service == doc.end()) return config_error("service", "is required with \"transport\": \"service\"");
    if (auto read = read_service(*service, c.service); !read) return std::move(read).error();
  }
  if (auto dir = doc.find("state_dir"); dir != doc.end() && dir->is_string()) c.state_dir = dir->get<std::string>();
  // No state folder: nothing is kept on disk at all, never in a temp folder others can read.
  return c;
}

using onshi::plugin::complete;

class EligibilityPlugin final : public EligibilityInstance {
 public:
  EligibilityPlugin(onshi::plugin::Host host, Config config)
      : host_(host), config_(std::move(config)), reactor_(host) {}

  // Destroys the core on the strand; every pending operation completes with ONSHI_E_CANCELLED.
  ~EligibilityPlugin() override {
    reactor_.run_and_wait([this] {
      auto pending = std::move(core_.pending);
      core_.pending.clear();
      core_.face.reset();
      core_.face_listener = {};
      core_.event_listener = {};
      core_.transport.reset();  // its own cancellations are posted and then dropped by shut_down
      core_.tls.reset();
      core_.service.reset();
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
    if (id == ONSHI_EXT_DOCUMENTS) return documents_table();             // by_name.cpp
    if (id == ONSHI_EXT_EVENTS) return events_table();
    return nullptr;
  }

 private:
  enum class Reply { outcome, raw, challenge, exchange, document };  // what a completion carries
  struct Pending {
    onshi_completion done;
    Reply reply;
    uint64_t request = 0;  // the transport's id
  };
  // Touched on the strand only.
  struct Core {
    std::unique_ptr<FolderTransport> transport;
    std::unique_ptr<TlsTransport> tls;  // "transport": "tls"
    std::unique_ptr<ServiceTransport> service;  // "transport": "service"
    bool service_faces = false;  // this desk's face results come from the service's events
    std::unique_ptr<FaceFolder> face;
    std::map<uint64_t, Pending> pending;  // by operation id
    onshi_document_listener face_listener{};   // set_face_listener: outcome documents
    onshi_document_listener event_listener{};  // onshi.events/1: the same as plugin events
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
    if (config_.use_service) return ServiceTransport::check(config_.service);
    if (!config_.use_tls) return folder_ready();
    return TlsTransport::check(config_.tls);
  }

  // [strand] Opens the transport the first time it is needed (the share may be mounted late).
  Result<void> open_transport() {
    if (config_.use_service) return open_once(core_.service, reactor_, config_.service);
    if (config_.use_tls) return open_once(core_.tls, reactor_, config_.tls);
    if (core_.transport) return {};
    FolderOptions o;
    o.root = config_.root;
    o.state_dir = config_.state_dir;
    o.timeout = config_.timeout;
    o.rescan_interval = config_.rescan;
    o.random_name_part = config_.random_name_part;
    return open_once(core_.transport, reactor_, std::move(o));
  }

  template <class Transport, class Options>
  static Result<void> open_once(std::unique_ptr<Transport>& slot, Reactor& reactor, Options options) {
    if (slot) return {};
    auto opened = Transport::open(reactor, std::move(options));
    if (!opened) return std::move(opened).error();
    slot = std::move(opened).value();
    return {};
  }

  // [any-thread] Queues one request; its completion comes exactly once. Over the folders, `progress`
  // (may be null) hears the request's name before it is placed (onshi.eligibility.placed/1).
  Result<uint64_t> start(std::string_view file_prefix, std::chrono::year_month_day today, std::string bytes,
                         const onshi_completion* done, Reply reply, const onshi_document_listener* progress = nullptr) {
    if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", "no completion given", "pass an onshi_completion");
    if (auto ready = transport_ready(); !ready) return std::move(ready).error();
    const uint64_t op = next_operation_++;
    const onshi_document_listener told = progress && progress->on_document ? *progress : onshi_document_listener{};
    reactor_.post([this, op, prefix = std::string(file_prefix), bytes = std::move(bytes), done = *done, reply, today,
                   told] {
      if (auto opened = open_transport(); !opened) return complete(done, std::move(opened).error());
      core_.pending[op] = Pending{done, reply};
      auto on_answer = [this, op](Result<Answer> a) { finish(op, std::move(a)); };
      if (core_.tls) {
        core_.pending[op].request = core_.tls->submit(prefix, bytes, std::move(on_answer));
        return;
      }
      PlacingCallback placing;
      if (told.on_document)
        placing = [told, bytes, reply](const std::string& name) { tell_placed(told, name, bytes, reply); };
      core_.pending[op].request = core_.transport->submit(prefix, today, bytes, std::move(on_answer), placing);
    });
    return op;
  }

  // The name a request is about to be placed under, and how to wait for its answer after a restart.
  static void tell_placed(const onshi_document_listener& l, const std::string& name, const std::string& bytes,
                          Reply reply) {
    const json doc = {{"schema", ONSHI_SCHEMA_ELIGIBILITY_PLACED},
                      {"request_name", name},
                      {"resume",
                       {{"function", "await"},
                        {"request",
                         {{"schema", ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST},
                          {"request_name", name},
                          {"request_base64", support::base64_encode(bytes)},
                          {"reply", reply == Reply::exchange ? "exchange" : "outcome"}}}}}};
    const std::string text = doc.dump();
    l.on_document(l.ctx, ONSHI_OK, bytes_of(text), nullptr);
  }

  // [any-thread] A call of the service that owns the terminal ("transport": "service"), by path.
  Result<uint64_t> start_service(std::string path, std::string document, const onshi_completion* done, Reply reply) {
    if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", "no completion given", "pass an onshi_completion");
    if (auto ready = transport_ready(); !ready) return std::move(ready).error();
    const uint64_t op = next_operation_++;
    reactor_.post([this, op, path = std::move(path), document = std::move(document), done = *done, reply]() mutable {
      if (auto opened = open_transport(); !opened) return complete(done, std::move(opened).error());
      core_.pending[op] = Pending{done, reply};
      core_.pending[op].request = core_.service->call(
          path, std::move(document), [this, op](Result<std::string> answer) { finish_document(op, std::move(answer)); });
    });
    return op;
  }

  // [strand] The service's answer: passed on as it came (the service's plugin made it), exchange's
  // bytes decoded, and a transport failure as a `failed` outcome, as over the folders (R-RES).
  void finish_document(uint64_t op, Result<std::string> answer) {
    auto it = core_.pending.find(op);
    if (it == core_.pending.end()) return;
    const Pending p = it->second;
    core_.pending.erase(it);
    complete(p.done, onshi::plugin::caught([&]() -> Result<std::string> {
      if (!answer && (answer.error().code == ONSHI_E_CANCELLED || p.reply != Reply::outcome)) return answer.error();
      if (!answer) return outcome_document(decide(Result<QualificationResponse>(answer.error()))).dump();
      if (p.reply != Reply::raw) return std::move(*answer);
      const json doc = json::parse(*answer, nullptr, false);
      auto raw = doc.is_object() ? support::base64_decode(doc.value("answer_base64", "")) : std::nullopt;
      if (!raw)
        return make_error(ONSHI_E_PROTOCOL, "service", "the service's exchange answer carries no answer_base64",
                          "check that service.url names an onshi serve with the eligibility plugin");
      return std::move(*raw);
    }));
  }

  // [any-thread] Card queries and challenges exist only on the direct connection (or through a
  // service that has one).
  Result<void> tls_only(const char* what) const {
    if (config_.use_tls || config_.use_service) return {};
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
    if (reply == Reply::exchange) {
      if (!answer) return answer.error();
      return json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_ANSWER}, {"answer_base64", support::base64_encode(answer->raw)}}
          .dump();
    }
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

  // [strand] A face file of the folder: its outcome (kept in the history) to both listeners.
  void deliver_face(uint64_t generation, Result<FaceResult> r) {
    if (generation != core_.listener_generation) return;
    deliver_face_document(r ? onshi::plugin::caught([&]() -> Result<json> {
      return records_.on_outcome(0, decide(view_as<QualificationResponse>(r->message)));
    })
                            : Result<json>(r.error()));
  }

  // [strand] One face result to both listeners: the outcome to set_face_listener's, the same as an
  // event to onshi.events/1's (a file that stays unreadable only to the former).
  void deliver_face_document(Result<json> doc) {
    const onshi_document_listener faces = core_.face_listener, events = core_.event_listener;
    if (!doc) {
      if (!faces.on_document) return host_.warn("a face result was not delivered: " + doc.error().message);
      onshi_error err = empty_error();
      fill_error(&err, doc.error());
      return faces.on_document(faces.ctx, doc.error().code, onshi_bytes{nullptr, 0}, &err);
    }
    if (faces.on_document) {
      const std::string text = doc->dump();
      faces.on_document(faces.ctx, ONSHI_OK, bytes_of(text), nullptr);
    }
    if (events.on_document) {  // through a service, it was routed to this desk already: for everyone here
      const std::string text = face_event(*doc, /*routed=*/config_.use_service).dump();
      events.on_document(events.ctx, ONSHI_OK, bytes_of(text), nullptr);
    }
  }

  // A face outcome as an onshi.plugin-event/1, routed to the desk expecting this patient: by birth
  // date and, once registered, 照会番号 (R-SHOUKAI).
  static json face_event(const json& outcome, bool routed) {
    if (routed) return {{"schema", ONSHI_SCHEMA_PLUGIN_EVENT}, {"kind", "face"}, {"data", outcome}};
    json route = json::object();
    const json* first = outcome.contains("qualifications") && outcome["qualifications"].is_array() &&
                                !outcome["qualifications"].empty()
                            ? &outcome["qualifications"][0]
                            : nullptr;
    if (first && first->contains("birthdate")) route["birth_date"] = (*first)["birthdate"];
    if (outcome.contains("patient") && outcome["patient"].contains("reference_number"))
      route["reference_number"] = outcome["patient"]["reference_number"];
    else if (first && first->contains("reference_number"))
      route["reference_number"] = (*first)["reference_number"];
    return {{"schema", ONSHI_SCHEMA_PLUGIN_EVENT}, {"kind", "face"}, {"route", route}, {"data", outcome}};
  }

  // ---- onshi.eligibility/1 ----

  static onshi_status ONSHI_ABI query_async(onshi_instance* i, onshi_bytes request_json, const onshi_completion* done,
                                            uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto op = self(i).query(text_of(request_json), nullptr, done);
      if (!op) return std::move(op).error();
      if (out_operation) *out_operation = *op;
      return {};
    });
  }

  Result<uint64_t> query(std::string_view request_json, const onshi_document_listener* progress,
                         const onshi_completion* done) override {
    if (request_kind(request_json) == "card")
      if (auto tls = tls_only("a query by the My Number card (kind \"card\")"); !tls) return tls.error();
    auto query = read_query(request_json);  // checked here too: a bad field or R-NOMYNUM never leaves the desk
    if (!query) return std::move(query).error();
    if (config_.use_service)
      return start_service("/v1/" ONSHI_EXT_ELIGIBILITY "/query", std::string(request_json), done, Reply::outcome);
    const auto today = support::jst_day(host_.now());  // one day for the header and the file name
    const auto* card = std::get_if<CardQuery>(&*query);
    auto xml = card ? card_request(*card, config_.medical_institution_code, today)
                    : qualification_request(std::get<InsuredQuery>(*query), config_.medical_institution_code, today);
    if (!xml) return std::move(xml).error();
    auto op = start(prefix::qualification, today, std::move(*xml), done, Reply::outcome, progress);
    if (op) records_.expect(*op, card ? (card->visual_check ? "visual" : "card") : "insured");  // for the history
    return op;
  }

  static onshi_status ONSHI_ABI exchange_async(onshi_instance* i, const char* file_prefix, onshi_bytes request_xml,
                                               const onshi_completion* done, uint64_t* out_operation,
                                               onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      auto op = me.send(file_prefix ? file_prefix : "", std::string(text_of(request_xml)), nullptr, done, Reply::raw);
      if (!op) return std::move(op).error();
      if (out_operation) *out_operation = *op;
      return {};
    });
  }

  Result<uint64_t> exchange(std::string_view file_prefix, std::string request_xml,
                            const onshi_document_listener* progress, const onshi_completion* done) override {
    return send(file_prefix, std::move(request_xml), progress, done, Reply::exchange);
  }

  // A ready XmlMsg request of the interface `p` ("YZKsiquc01").
  Result<uint64_t> send(std::string_view p, std::string request_xml, const onshi_document_listener* progress,
                        const onshi_completion* done, Reply reply) {
    if (p.size() != 10 || p.find_first_of("_/.\\") != std::string_view::npos)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility",
                        "file_prefix must be an interface name of 10 characters such as \"YZKsiquc01\"",
                        "pass the prefix of eligibility-xml.md §2.3, without req/res");
    if (config_.use_service)
      return start_service("/v1/" ONSHI_EXT_ELIGIBILITY "/exchange",
                           json{{"schema", ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_REQUEST},
                                {"file_prefix", std::string(p)},
                                {"xml_base64", support::base64_encode(request_xml)}}
                               .dump(),
                           done, reply == Reply::raw ? Reply::raw : Reply::document);
    return start(p, support::jst_day(host_.now()), std::move(request_xml), done, reply, progress);
  }

  Result<uint64_t> expect(std::string_view request_json, const onshi_completion* done) override {
    if (!config_.use_service)
      return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                        "saying whom a desk expects belongs to a desk of an onshi serve (\"transport\": \"service\")",
                        "at the service itself, POST /v1/desk/expectations");
    return start_service("/v1/desk/expectations", std::string(request_json), done, Reply::document);
  }

  Result<uint64_t> await(std::string_view request_json, const onshi_completion* done) override {
    auto doc = parse_request(request_json, ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST);
    if (!doc) return std::move(doc).error();
    std::string name, bytes64, reply_name = "outcome";
    try {
      support::read(*doc, "request_name", name);
      support::read(*doc, "request_base64", bytes64);
      support::read(*doc, "reply", reply_name);
    } catch (const std::exception& e) {
      return support::document_error(ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST, e);
    }
    auto bytes = support::base64_decode(bytes64);
    if (name.empty() || !bytes || (reply_name != "outcome" && reply_name != "exchange"))
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility",
                        ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST " needs request_name, request_base64 (the request's "
                        "bytes) and reply \"outcome\" or \"exchange\"",
                        "pass the \"resume\" request of the onshi.eligibility.placed/1 progress document as it came");
    if (config_.use_tls || config_.use_service)
      return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility",
                        "waiting for a request placed in the shared folder needs the folder transport; this plugin "
                        "talks to " + std::string(config_.use_tls ? "the server over TLS" : "an onshi serve"),
                        "send the request again");
    if (auto ready = folder_ready(); !ready) return std::move(ready).error();
    if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", "no completion given", "pass an onshi_completion");
    const Reply reply = reply_name == "exchange" ? Reply::exchange : Reply::outcome;
    const uint64_t op = next_operation_++;
    if (reply == Reply::outcome) records_.expect(op, "insured");
    reactor_.post([this, op, name, bytes = std::move(*bytes), done = *done, reply] {
      if (auto opened = open_transport(); !opened) return complete(done, std::move(opened).error());
      core_.pending[op] = Pending{done, reply};
      core_.pending[op].request =
          core_.transport->await(name, bytes, [this, op](Result<Answer> a) { finish(op, std::move(a)); });
    });
    return op;
  }

  static onshi_status ONSHI_ABI challenge_async(onshi_instance* i, const onshi_completion* done,
                                                uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto& me = self(i);
      if (auto tls = me.tls_only("a challenge for a card query"); !tls) return tls;
      if (me.config_.use_service) {
        auto op = me.start_service("/v1/" ONSHI_EXT_ELIGIBILITY "/challenge", "{}", done, Reply::document);
        if (!op) return std::move(op).error();
        if (out_operation) *out_operation = *op;
        return {};
      }
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
      if (me.core_.service) me.core_.service->cancel(it->second.request);
      else if (me.core_.tls) me.core_.tls->cancel(it->second.request);
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
      return me.listen_for_faces(&Core::face_listener, listener, "the face listener");
    });
  }

  Result<void> set_event_listener(const onshi_document_listener* listener) override {
    return listen_for_faces(&Core::event_listener, listener, "the event listener");
  }

  // [any-thread] Sets one of the two face listeners; the face folder is watched while either is set.
  Result<void> listen_for_faces(onshi_document_listener Core::*slot, const onshi_document_listener* listener,
                                const char* what) {
    const bool starting = listener != nullptr;
    if (starting && (!ONSHI_HAS_FIELD(onshi_document_listener, listener, on_document) || !listener->on_document))
      return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility", std::string(what) + " has no on_document",
                        "pass a complete onshi_document_listener, or NULL to stop");
    if (starting && !config_.face)
      return make_error(ONSHI_E_NOT_SUPPORTED, "eligibility", "face results are turned off (\"face\": false)",
                        "set \"face\": true in the \"onshi.eligibility\" configuration");
    if (starting)
      if (auto ready = config_.use_service ? transport_ready() : folder_ready(); !ready) return std::move(ready).error();
    Result<void> result;
    reactor_.run_and_wait([&] {
      core_.*slot = starting ? *listener : onshi_document_listener{};
      result = watch_face_folder();
      if (!result) core_.*slot = {};
    });
    return result;
  }

  // [strand] Watches the face folder while anyone listens, closes it when nobody does (results still
  // queued for it are then dropped). Each result goes to the listeners set when it is delivered.
  Result<void> watch_face_folder() {
    if (!core_.face_listener.on_document && !core_.event_listener.on_document) {
      core_.face.reset();
      if (core_.service) core_.service->listen(nullptr);
      core_.service_faces = false;
      ++core_.listener_generation;
      return {};
    }
    if (config_.use_service) {  // this desk's face results, as the service routed them
      if (core_.service_faces) return {};
      if (auto opened = open_transport(); !opened) return opened;
      const uint64_t generation = core_.listener_generation;
      core_.service->listen([this, generation](std::string outcome) {
        if (generation != core_.listener_generation) return;
        json doc = json::parse(outcome, nullptr, false);
        deliver_face_document(doc.is_object() ? Result<json>(std::move(doc))
                                              : Result<json>(make_error(ONSHI_E_PROTOCOL, "service",
                                                                        "the service sent a face result that is not JSON")));
      });
      core_.service_faces = true;
      return {};
    }
    if (core_.face) return {};
    const uint64_t generation = core_.listener_generation;
    FaceOptions o;
    o.face_dir = config_.root / "face";
    o.state_dir = config_.state_dir;
    o.rescan_interval = config_.rescan;
    auto face = FaceFolder::open(reactor_, o,
                                 [this, generation](Result<FaceResult> r) { deliver_face(generation, std::move(r)); });
    if (!face) return std::move(face).error();
    core_.face = std::move(face).value();
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
