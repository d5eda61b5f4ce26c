// The onshi.disaster plugin: "onshi.disaster/1" (onshi_ext_disaster.h) over the disaster core's
// DisasterDesk, plus "onshi.diagnostics/1". The declaration, the audit log and the local history
// live in the host's store; DSTsiquc01 (search) and DSTsiquc02 (drug information) go out through
// the host's exchange service; "now" is the host clock.
//
// Threads: extension functions come from any thread and exchange completions from host threads;
// one mutex guards the desk (the core is not thread-safe). No host call that may complete
// synchronously is made while it is held.
#include "by_name.hpp"
#include "host_store.hpp"

#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/abi/onshi_ext_events.h>
#include <onshi/disaster/desk.hpp>
#include <onshi/disaster/jahis.hpp>
#include <onshi/disaster/json.hpp>
#include <onshi/oqs/drug_history.hpp>
#include <onshi/oqs/messages.hpp>
#include <onshi/plugin.hpp>
#include <onshi/support/dates.hpp>
#include <onshi/support/document.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

namespace onshi::disaster::plugin {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr const char* kPluginId = "onshi.disaster";
// The simulator's clinic (samples/sim/personas.json) in 東京都千代田区: the demo works unconfigured.
constexpr const char* kDemoInstitutionCode = "1311111111";
constexpr const char* kDemoPrefecture = "13";
constexpr const char* kDemoMunicipality = "13101";
constexpr const char* kSearchPrefix = "DSTsiquc01";
constexpr const char* kDrugPrefix = "DSTsiquc02";

struct Config {
  std::string medical_institution_code = kDemoInstitutionCode;
  FacilityLocation location{kDemoPrefecture, kDemoMunicipality};
  int drug_months = 12;  // months of dispensing asked for, this month included
};

Error invalid(std::string what, std::string hint) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", std::move(what), std::move(hint));
}

Error config_error(const std::string& field, const std::string& what) {
  return invalid(std::string(kPluginId) + " configuration: " + field + " " + what,
                 "fix the \"" + std::string(kPluginId) + "\" section of the SDK configuration");
}

bool digits(const std::string& s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789") == std::string::npos;
}

Result<Config> read_config(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return config_error("section", "is not a JSON object");
  Config c;
  if (auto code = doc.find("medical_institution_code"); code != doc.end()) {
    c.medical_institution_code = code->is_string() ? code->get<std::string>() : "";
    if (!digits(c.medical_institution_code, 10))
      return config_error("medical_institution_code", "must be the 10-digit 医療機関コード");
  }
  if (auto loc = doc.find("location"); loc != doc.end()) {
    if (!loc->is_object()) return config_error("location", "must be {\"prefecture_code\", \"municipality_code\"}");
    c.location = {loc->value("prefecture_code", ""), loc->value("municipality_code", "")};
    if (!digits(c.location.prefecture_code, 2) || !digits(c.location.municipality_code, 5) ||
        c.location.municipality_code.substr(0, 2) != c.location.prefecture_code)
      return config_error("location", "needs the 2-digit prefecture code and the 5-digit municipality code of the "
                                      "facility (全国地方公共団体コード without its check digit, e.g. 17 and 17204)");
  }
  if (auto months = doc.find("drug_months"); months != doc.end()) {
    if (!months->is_number_integer() || months->get<int>() < 1 || months->get<int>() > 60)
      return config_error("drug_months", "must be a number of months from 1 to 60");
    c.drug_months = months->get<int>();
  }
  return c;
}

// ---- the requests (onshi_ext_disaster.h), read with libs/support: an error names the field

constexpr int kMaxInt = std::numeric_limits<int>::max();

// Who does it, in which role: every request that switches or looks up names its operator.
void read_operator(const json& j, Operator& who) {
  if (!support::find(j, "operator"))
    support::fail("operator", "is required: {\"id\": staff id, \"role\": doctor|dentist|pharmacist|authorised_staff, "
                              "\"authorised_by\" for authorised staff}");
  support::read_object(j, "operator", who);
}

// "17" (a prefecture), "17204" (a municipality), "172049" (with its check digit), or an object.
std::vector<AreaEntry> read_area(const json& j) {
  const json* list = support::find(j, "area");
  if (!list || !list->is_array() || list->empty())
    support::fail("area", "is required: prefecture codes (\"17\") or municipality codes (\"17204\")");
  std::vector<AreaEntry> out;
  for (size_t k = 0; k < list->size(); ++k) {
    const json& a = (*list)[k];
    const std::string key = "area[" + std::to_string(k) + "]";
    if (a.is_object()) {
      support::within(key, [&] { out.push_back(a.get<AreaEntry>()); });
      continue;
    }
    std::string code = a.is_string() ? a.get<std::string>() : "";
    if (digits(code, 6)) code.pop_back();
    if (digits(code, 2)) out.push_back({code, "", ""});
    else if (digits(code, 5)) out.push_back({code.substr(0, 2), code, ""});
    else support::fail(key, "'" + code + "' is not a prefecture code (\"17\") or a municipality code (\"17204\")");
  }
  return out;
}

// A time, or a date meaning the start of that day in JST (opens) / its 24:00 (closes); absent or "": none.
std::optional<TimePoint> read_when(const json& j, const char* key, bool end_of_day) {
  std::string text;
  support::read(j, key, text);
  if (text.empty()) return std::nullopt;
  if (text.size() == 10 || text.size() == 8) {
    if (auto d = parse_date(text, key)) return support::jst_midnight(*d) + days(end_of_day ? 1 : 0);
  } else if (auto t = parse_time(text, key)) {
    return *t;
  }
  support::fail(key, "'" + text.substr(0, 40) + "' is not a date YYYY-MM-DD (JST) or a time YYYY-MM-DDTHH:MM:SSZ");
}

struct DeclareRequest {
  Operator by;
  Declaration declaration;            // opens_at is set from `opens_at` below
  std::optional<TimePoint> opens_at;  // none: now
  std::string notice;                 // of an extension
};

void from_json(const json& j, DeclareRequest& r) {
  read_operator(j, r.by);
  r.declaration.area = read_area(j);
  support::read(j, "reference", r.declaration.reference);
  const auto closes = read_when(j, "closes_at", true);
  if (!closes)
    support::fail("closes_at", "is required: the end date (YYYY-MM-DD, meaning 24:00 JST) or time of the notice");
  r.declaration.closes_at = *closes;
  r.opens_at = read_when(j, "opens_at", false);
  support::read(j, "notice", r.notice);
}

struct EndRequest {
  Operator by;
  std::string reason;
};

void from_json(const json& j, EndRequest& r) {
  read_operator(j, r.by);
  support::read(j, "reason", r.reason);
}

struct ConsentGiven {
  std::string kind;  // verbal | life_protection_exception; empty: none was recorded
  std::string circumstances;
};

void from_json(const json& j, ConsentGiven& c) {
  support::read(j, "kind", c.kind);
  support::read(j, "circumstances", c.circumstances);
}

struct LookupRequest {
  Operator by;
  PersonQuery query;
  ConsentGiven consent;
  bool keep_for_later = true;
};

void from_json(const json& j, LookupRequest& r) {
  read_operator(j, r.by);
  j.get_to(r.query);  // the core's lookup-request fields
  support::read_object(j, "consent", r.consent);
  support::read(j, "keep_for_later", r.keep_for_later);
}

struct AuditRequest {
  Operator by;        // who reads: the read is audited, and needs a role that may look up
  int limit = 100;    // the newest N records
  std::string event;  // only this event; empty: all
};

void from_json(const json& j, AuditRequest& r) {
  read_operator(j, r.by);
  support::read(j, "limit", r.limit, 1, kMaxInt);
  support::read(j, "event", r.event);
}

TimePoint now_of(const Host& host) { return floor<seconds>(host.now()); }

// Disaster mode acts on the real time: a clock a test or a tool pinned may not open it, reopen an
// ended one or look anyone up, unless the session is a declared drill (rehearsal).
Result<void> real_time_or_rehearsal(const Host& host) {
  if (host.clock_mode() != ONSHI_CLOCK_PINNED) return {};
  return make_error(ONSHI_E_REFUSED, "disaster",
                    "the SDK clock is pinned (" + iso_time(now_of(host)) +
                        "): disaster mode switches and looks up on the real time only",
                    "for a drill, declare it a rehearsal (onshi: --rehearsal; onshi_sdk_set_rehearsal); otherwise "
                    "leave the clock alone (no --now, no ONSHI_NOW)");
}

year_month jst_month(TimePoint t) {
  const year_month_day day = support::jst_day(t);
  return day.year() / day.month();
}

struct State;

// One look-up in flight: search, then (for one confirmed person) drug information.
struct Lookup {
  std::shared_ptr<State> state;  // released when it finishes (State::pending holds the look-up)
  uint64_t op = 0;
  onshi_completion done{};
  LookupPermit permit;
  PersonQuery query;
  Consent consent;
  bool keep = false;
  bool drugs_stage = false;
  std::optional<ConfirmedPerson> person{};
  NarrowingOutcome outcome{};
  uint64_t exchange_op = 0;  // of the exchange in flight, for cancel
  bool finished = false;
};

struct State : std::enable_shared_from_this<State> {
  Host host;
  Config config;
  StoreAuditSink audit{host};
  StoreLocalHistory local{host};
  std::mutex mutex;  // guards desk and pending
  std::optional<DisasterDesk> desk;
  std::map<uint64_t, std::shared_ptr<Lookup>> pending;
  std::atomic<uint64_t> next_op{1}, next_file{1};
  std::mutex listener_mutex;  // held while the events listener runs, so a stop waits for it
  onshi_document_listener listener{};

  State(Host h, Config c) : host(h), config(std::move(c)) {}

  // A switch as an onshi.plugin-event/1 for the whole clinic, on the plugin's strand (never under
  // `mutex`: the listener may call back in).
  void announce(const json& status) {
    const std::string text =
        json{{"schema", ONSHI_SCHEMA_PLUGIN_EVENT}, {"kind", "disaster"}, {"data", status}}.dump();
    host.post([self = shared_from_this(), text] {
      std::lock_guard lock(self->listener_mutex);
      if (self->listener.on_document) self->listener.on_document(self->listener.ctx, ONSHI_OK, bytes_of(text), nullptr);
    });
  }

  // [locked] The desk as the store has it: another process (or an earlier run) may have switched.
  Result<DisasterDesk*> synced() {
    if (auto ok = require_store(host); !ok) return std::move(ok).error();
    auto state = load_declaration(host);
    if (!state) return std::move(state).error();
    desk->restore(std::move(state->declaration), state->ended_at, std::move(state->end_reason));
    return &*desk;
  }

  // [locked] After a switch: the desk's state becomes the stored one; if that fails, the stored one stays.
  Result<void> persist(TimePoint now) {
    const DeclarationStatus s = desk->status(now);
    auto saved = save_declaration(host, {s.declaration, s.ended_at, s.end_reason}, now);
    if (!saved) {
      if (auto back = load_declaration(host))
        desk->restore(std::move(back->declaration), back->ended_at, std::move(back->end_reason));
      Error e = std::move(saved).error();
      e.message = "the switch was audited but could not be stored, so it did not take effect: " + e.message;
      e.hint = "check the SDK's state folder (disk full, permissions), then switch again";
      return e;
    }
    return {};
  }

  json status_document(TimePoint now) const {
    const DeclarationStatus s = desk->status(now);
    json doc = s;
    doc["now"] = iso_time(now);
    doc["facility"] = {{"medical_institution_code", config.medical_institution_code},
                       {"prefecture_code", config.location.prefecture_code},
                       {"municipality_code", config.location.municipality_code},
                       {"covered", s.declaration && covers(*s.declaration, config.location)}};
    return doc;
  }

  std::string file_id(TimePoint now) {
    return "DST" + compact_time(now) + std::to_string(10000 + next_file++ % 10000).substr(1);
  }
};

json answer_document(const char* source, const NarrowingOutcome& outcome, const json& drugs, bool kept,
                     const Consent& consent, const std::string& declaration, std::string note = {}) {
  return {{"schema", ONSHI_SCHEMA_DISASTER_LOOKUP_ANSWER},
          {"source", source},
          {"outcome", outcome_kind_name(outcome.kind)},
          {"lookup", outcome},
          {"drug_history", drugs},
          {"kept_for_later", kept},
          {"consent", consent_name(consent.kind())},
          {"declaration", declaration},
          {"note", std::move(note)}};
}

// The YZKsiquc01res-shaped answer of DSTsiquc02 → the core's drug records (libs/oqs reads it).
Result<std::vector<DrugRecord>> national_drugs_of(std::string_view xml, std::string& note) {
  auto message = onshi::oqs::parse_message<onshi::oqs::DrugInfoResponse>(xml, "DSTsiquc02res");
  if (!message) return std::move(message).error();
  auto history = onshi::oqs::drug_history_of(*message);
  if (!history && history.error().code == ONSHI_E_NOT_FOUND) {  // ResultCode 2: nothing recorded
    note = "the national system has no drug information for this person (" + history.error().message + ")";
    return std::vector<DrugRecord>{};
  }
  if (!history) {
    Error e = std::move(history).error();
    e.hint = "keep the answer file and report it; the look-up can be repeated";
    return e;
  }
  return national_drugs(*history);
}

class DisasterPlugin final : public onshi::plugin::Instance {
 public:
  explicit DisasterPlugin(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // Every pending look-up completes (cancelled) before the instance goes; a late exchange
  // completion finds its look-up finished and the State still alive (it holds a reference).
  ~DisasterPlugin() override {
    std::vector<std::shared_ptr<Lookup>> open;
    {
      std::lock_guard lock(state_->mutex);
      for (auto& [op, l] : state_->pending) {
        l->finished = true;  // a late exchange completion finds it so and drops it
        open.push_back(l);
      }
      state_->pending.clear();
    }
    for (auto& l : open) {
      if (l->exchange_op) state_->host.cancel_exchange(l->exchange_op);
      onshi::plugin::complete(l->done, make_error(ONSHI_E_CANCELLED, "disaster", "the disaster plugin was closed"));
    }
  }

  const void* extension(std::string_view id) override {
    static const onshi_disaster_v1 disaster = {sizeof(onshi_disaster_v1), &declare, &end, &status,
                                               &lookup_async, &cancel, &import_qr, &search_local, &audit};
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    static const onshi_events_v1 events = {sizeof(onshi_events_v1), &set_event_listener};
    if (id == ONSHI_EXT_DISASTER) return &disaster;
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    if (id == ONSHI_EXT_DOCUMENTS) return documents_table();  // by_name.cpp
    if (id == ONSHI_EXT_EVENTS) return &events;
    return nullptr;
  }

 private:
  static State& state(onshi_instance* i) { return *onshi::plugin::self<DisasterPlugin>(i).state_; }

  // ---- switching ----

  static onshi_status ONSHI_ABI declare(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto request = support::read_document<DeclareRequest>(text_of(in), ONSHI_SCHEMA_DISASTER_DECLARE_REQUEST);
      if (!request) return std::move(request).error();
      State& s = state(i);
      if (auto real = real_time_or_rehearsal(s.host); !real) return real;
      const TimePoint now = now_of(s.host);
      Declaration d = std::move(request->declaration);
      d.opens_at = request->opens_at.value_or(now);
      std::lock_guard lock(s.mutex);
      auto desk = s.synced();
      if (!desk) return std::move(desk).error();
      const DeclarationStatus current = (*desk)->status(now);
      // The same notice again with a later end is its extension (その2, その3 …).
      const bool extension = current.declaration && !current.ended_at &&
                             current.declaration->reference == d.reference &&
                             d.closes_at > current.declaration->closes_at;
      const std::string notice = request->notice.empty() ? "re-declared with a later end" : request->notice;
      auto switched = extension ? (*desk)->extend(d.closes_at, notice, request->by, now)
                                : (*desk)->declare(std::move(d), request->by, now);
      if (!switched) return switched;
      if (auto saved = s.persist(now); !saved) return saved;
      const json status = s.status_document(now);
      s.announce(status);
      return onshi::plugin::write_to(out, status.dump());
    });
  }

  static onshi_status ONSHI_ABI end(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto request = support::read_document<EndRequest>(text_of(in), ONSHI_SCHEMA_DISASTER_END_REQUEST);
      if (!request) return std::move(request).error();
      State& s = state(i);
      if (auto real = real_time_or_rehearsal(s.host); !real) return real;
      const TimePoint now = now_of(s.host);
      std::lock_guard lock(s.mutex);
      auto desk = s.synced();
      if (!desk) return std::move(desk).error();
      const std::string reason = request->reason.empty() ? "ended by hand" : request->reason;
      if (auto ended = (*desk)->end(reason, request->by, now); !ended) return ended;
      if (auto saved = s.persist(now); !saved) return saved;
      const json status = s.status_document(now);
      s.announce(status);
      return onshi::plugin::write_to(out, status.dump());
    });
  }

  static onshi_status ONSHI_ABI status(onshi_instance* i, onshi_bytes, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      State& s = state(i);
      const TimePoint now = now_of(s.host);
      std::lock_guard lock(s.mutex);
      auto desk = s.synced();
      if (!desk) return std::move(desk).error();
      return onshi::plugin::write_to(out, s.status_document(now).dump());
    });
  }

  // onshi.events/1: the switches (declare, end) as they happen.
  static onshi_status ONSHI_ABI set_event_listener(onshi_instance* i, const onshi_document_listener* listener,
                                                   onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      if (listener && (!ONSHI_HAS_FIELD(onshi_document_listener, listener, on_document) || !listener->on_document))
        return invalid("the event listener has no on_document", "pass a complete onshi_document_listener, or NULL");
      State& s = state(i);
      std::lock_guard lock(s.listener_mutex);
      s.listener = listener ? *listener : onshi_document_listener{};
      return {};
    });
  }

  // ---- look-up ----

  struct Opened {
    LookupPermit permit;
    PersonQuery query;
    Consent consent;
    bool keep;
  };

  // [locked] The gate every look-up passes, in this order: declaration and role, the items, consent.
  static Result<Opened> open_lookup(State& s, const LookupRequest& request, TimePoint now) {
    const Operator& who = request.by;
    auto desk = s.synced();
    if (!desk) return std::move(desk).error();
    auto permit = (*desk)->open_lookup(who, now);
    if (!permit) return std::move(permit).error();
    if (auto ok = validate(request.query); !ok) return std::move(ok).error();
    const std::string& kind = request.consent.kind;
    if (kind.empty())
      return (*desk)->refuse(who, now, "no consent recorded: nothing is searched or shown before the patient agrees",
                             "ask the patient and record verbal consent; only if they cannot express intent and "
                             "viewing protects life or body, choose the exception and say why");
    Result<Consent> consent =
        kind == "verbal" ? Consent::verbal(who.id, now)
        : kind == "life_protection_exception"
            ? Consent::life_protection_exception(who.id, now, request.consent.circumstances)
            : Result<Consent>(invalid("consent.kind '" + kind + "' is not verbal or life_protection_exception",
                                      "record \"verbal\" consent, or the explicit exception"));
    if (!consent) return std::move(consent).error();
    const bool keep = consent->kind() == ConsentKind::verbal && request.keep_for_later;
    return Opened{std::move(*permit), request.query, std::move(*consent), keep};
  }

  static onshi_status ONSHI_ABI lookup_async(onshi_instance* i, onshi_bytes in, const onshi_completion* done,
                                             uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
        return invalid("no completion given", "pass an onshi_completion");
      auto request = support::read_document<LookupRequest>(text_of(in), ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST);
      if (!request) return std::move(request).error();
      State& s = state(i);
      if (auto real = real_time_or_rehearsal(s.host); !real) return real;
      auto self = s.shared_from_this();
      const TimePoint now = now_of(s.host);
      std::shared_ptr<Lookup> l;
      std::string xml;
      {
        std::lock_guard lock(s.mutex);
        if (auto ok = require_store(s.host); !ok) return ok;
        if (!s.host.has_exchange())
          return make_error(kUnavailable, "disaster",
                            "the host offers no exchange service (onshi.host.exchange/1) to send the disaster search",
                            "use a host SDK that provides it, with the eligibility plugin loaded; offline, search "
                            "the local history or import the お薬手帳 QR");
        auto opened = open_lookup(s, *request, now);
        if (!opened) return std::move(opened).error();
        l = std::make_shared<Lookup>(Lookup{.state = self,
                                            .op = s.next_op++,
                                            .done = *done,
                                            .permit = std::move(opened->permit),
                                            .query = std::move(opened->query),
                                            .consent = std::move(opened->consent),
                                            .keep = opened->keep});
        auto search = s.desk->search_request(l->permit, l->query, s.file_id(now), now);
        if (!search) return std::move(search).error();
        xml = std::move(*search);
        s.pending[l->op] = l;
      }
      if (auto sent = send(s, l, kSearchPrefix, xml); !sent) {
        std::lock_guard lock(s.mutex);
        s.pending.erase(l->op);
        return sent;
      }
      if (out_operation) *out_operation = l->op;
      return {};
    });
  }

  // Hands `xml` to the host's exchange; the answer comes back in on_exchange, which holds the look-up.
  static Result<void> send(State& s, const std::shared_ptr<Lookup>& l, const char* prefix, const std::string& xml) {
    auto op = s.host.exchange(prefix, xml, [l](Result<std::string> answer) { on_exchange(l, std::move(answer)); });
    if (!op) {
      Error e = std::move(op).error();
      if (e.hint.empty()) e.hint = "check the 資格確認端末 and the eligibility plugin (onshi plugins); offline, search "
                                   "the local history or import the お薬手帳 QR";
      return e;
    }
    std::lock_guard lock(s.mutex);
    l->exchange_op = *op;
    return {};
  }

  static void on_exchange(const std::shared_ptr<Lookup>& l, Result<std::string> answer) {
    try {
      step(l, std::move(answer));
    } catch (const std::exception& e) {  // the look-up still completes, and nothing unwinds into the host
      finish(l, make_error(ONSHI_E_INTERNAL, "disaster", std::string("unexpected: ") + e.what(),
                           "report this to the plugin's vendor"));
    }
  }

  // Ends the look-up once; the completion runs with no lock held (the EMR may call back in).
  static void finish(const std::shared_ptr<Lookup>& l, Result<std::string> result) {
    std::shared_ptr<State> s;
    {
      std::lock_guard lock(l->state->mutex);
      if (l->finished) return;
      l->finished = true;
      l->state->pending.erase(l->op);
      s = std::move(l->state);
    }
    onshi::plugin::complete(l->done, result);
  }

  static void step(const std::shared_ptr<Lookup>& l, Result<std::string> answer) {
    if (!answer) return finish(l, std::move(answer).error());
    std::optional<Result<std::string>> result;  // set when the look-up ends here
    std::string next_xml;
    {
      std::shared_ptr<State> s = l->state;  // only this exchange's callback touches it now
      if (!s) return;
      const TimePoint now = now_of(s->host);
      std::lock_guard lock(s->mutex);
      if (l->finished) return;
      if (!l->drugs_stage) {
        auto outcome = s->desk->read_search_response(l->permit, l->query, *answer, now);
        if (!outcome) {
          result = std::move(outcome).error();
        } else if (l->outcome = std::move(*outcome);
                   l->outcome.kind != NarrowingOutcome::Kind::confirmed || !l->outcome.person) {
          result = answer_document("national_system", l->outcome, nullptr, false, l->consent, l->permit.declaration())
                       .dump();
        } else {
          l->person = *l->outcome.person;
          const year_month to = jst_month(now);
          const year_month from = to - months(s->config.drug_months - 1);
          auto request =
              s->desk->drug_request(l->permit, *l->person, l->consent, DrugPeriod{from, to}, s->file_id(now), now);
          if (!request) result = std::move(request).error();
          else l->drugs_stage = true, next_xml = std::move(*request);
        }
      } else {
        result = drug_answer(*s, *l, *answer, now);
      }
    }
    if (result) return finish(l, std::move(*result));
    if (auto sent = send(*l->state, l, kDrugPrefix, next_xml); !sent) finish(l, std::move(sent).error());
  }

  // [locked] The drug information of the confirmed person, merged for display, kept if agreed.
  static Result<std::string> drug_answer(State& s, Lookup& l, const std::string& answer, TimePoint now) {
    std::string note;
    auto records = national_drugs_of(answer, note);
    if (!records) return std::move(records).error();
    auto view = s.desk->view_drug_history(l.permit, *l.person, l.consent, *records, now);
    if (!view) return std::move(view).error();
    bool kept = false;
    if (l.keep && !records->empty()) {
      // Keeping is a convenience for later visits: its failure does not hide what was fetched.
      auto k = s.desk->keep_for_later(l.permit, *l.person, l.consent, *records, s.local, now);
      kept = k.ok();
      if (!k) note += (note.empty() ? "" : "; ") + std::string("not kept for later: ") + k.error().message;
    }
    return answer_document("national_system", l.outcome, json(*view), kept, l.consent, l.permit.declaration(), note)
        .dump();
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t operation) {
    State& s = state(i);
    uint64_t exchange_op = 0;
    {
      std::lock_guard lock(s.mutex);
      auto it = s.pending.find(operation);
      if (it == s.pending.end()) return ONSHI_E_NOT_FOUND;
      exchange_op = it->second->exchange_op;
    }
    if (exchange_op) s.host.cancel_exchange(exchange_op);
    return ONSHI_OK;
  }

  static onshi_status ONSHI_ABI search_local(onshi_instance* i, onshi_bytes in, const onshi_writer* out,
                                             onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto request = support::read_document<LookupRequest>(text_of(in), ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST);
      if (!request) return std::move(request).error();
      State& s = state(i);
      if (auto real = real_time_or_rehearsal(s.host); !real) return real;
      const TimePoint now = now_of(s.host);
      std::lock_guard lock(s.mutex);
      if (auto ok = require_store(s.host); !ok) return ok;
      auto opened = open_lookup(s, *request, now);
      if (!opened) return std::move(opened).error();
      auto found = s.desk->search_local_history(opened->permit, opened->query, opened->consent, s.local, now);
      if (!found) return std::move(found).error();
      json drugs = nullptr;
      if (found->outcome.kind == NarrowingOutcome::Kind::confirmed && found->outcome.person) {
        auto view = s.desk->view_drug_history(opened->permit, *found->outcome.person, opened->consent, found->drugs, now);
        if (!view) return std::move(view).error();
        drugs = *view;
      }
      return onshi::plugin::write_to(out, answer_document("local_history", found->outcome, drugs, false,
                                                          opened->consent, opened->permit.declaration(),
                                                          "the clinic's own earlier retrievals, kept with consent for " +
                                                              std::to_string(kRetention.count()) + " days")
                                              .dump());
    });
  }

  // The newest records, after the whole chain was checked; the read itself is audited (and listed).
  static onshi_status ONSHI_ABI audit(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto request = support::read_document<AuditRequest>(text_of(in), ONSHI_SCHEMA_DISASTER_AUDIT_REQUEST);
      if (!request) return std::move(request).error();
      State& s = state(i);
      const TimePoint now = now_of(s.host);
      std::lock_guard lock(s.mutex);
      auto desk = s.synced();
      if (!desk) return std::move(desk).error();
      const std::string what = "the newest " + std::to_string(request->limit) + " records" +
                               (request->event.empty() ? "" : " of event " + request->event);
      if (auto read = (*desk)->audit_read(request->by, now, what); !read) return read;  // first: nothing unaudited
      auto log = s.audit.read_all();
      if (!log) return std::move(log).error();
      json list = json::array();
      for (auto it = log->records.rbegin(); it != log->records.rend() && list.size() < size_t(request->limit); ++it)
        if (request->event.empty() || it->value("event", "") == request->event) list.push_back(*it);
      const ChainCheck& c = log->chain;
      json chain = {{"ok", c.ok}, {"records", c.records}};
      // Where: the entry found where the chain breaks and the last one that still fits, with their
      // times (what someone checking the log needs to tell the clinic when it happened).
      auto entry = [](const json& r) {
        json e = json::object();
        for (const char* key : {"seq", "at", "real_at", "event", "seal"})
          if (r.is_object() && r.contains(key)) e[key] = r[key];
        return e;
      };
      if (!c.ok) {
        chain.update({{"broken_at", c.broken_at}, {"why", c.why}});
        if (c.position < log->records.size()) chain["found"] = entry(log->records[c.position]);
        if (c.position > 0 && c.position <= log->records.size()) chain["last_intact"] = entry(log->records[c.position - 1]);
      } else if (!log->records.empty()) {
        chain["head"] = entry(log->records.back());  // keep a copy elsewhere: a cut-off tail shows against it
      }
      return onshi::plugin::write_to(out, json{{"schema", ONSHI_SCHEMA_DISASTER_AUDIT}, {"chain", chain},
                                               {"records", list}}.dump());
    });
  }

  // ---- お薬手帳 ----

  static onshi_status ONSHI_ABI import_qr(onshi_instance* i, const onshi_bytes* parts, uint32_t count,
                                          const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      if (count == 0 || !parts) return invalid("no QR part was given", "pass the bytes of every part of the code");
      std::vector<std::string> texts;
      for (uint32_t k = 0; k < count; ++k) texts.emplace_back(text_of(parts[k]));
      auto book = read_jahis(texts);
      if (!book) return std::move(book).error();
      State& s = state(i);
      DrugHistoryView view;
      {
        std::lock_guard lock(s.mutex);  // the matcher is the desk's
        auto names = s.desk->matcher();
        if (!names) return std::move(names).error();
        view = merge_history(**names, book->drugs);
      }
      const json doc = {{"schema", ONSHI_SCHEMA_DISASTER_TECHO}, {"version", book->version}, {"parts", count},
                        {"patient", book->patient},             {"warnings", book->warnings}, {"drug_history", view}};
      return onshi::plugin::write_to(out, doc.dump());
    });
  }

  // ---- onshi.diagnostics/1 ----

  static onshi_status ONSHI_ABI self_test(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      State& s = state(i);
      const bool store = s.host.has_store();
      const bool exchange = s.host.has_exchange();
      const bool demo = s.config.medical_institution_code == kDemoInstitutionCode;
      json checks = json::array(
          {{{"name", "store"}, {"ok", store},
            {"detail", store ? "declaration, audit log and local history in the host's store"
                             : "no onshi.host.store/1: disaster mode cannot run"}},
           {{"name", "exchange"}, {"ok", exchange},
            {"detail", exchange ? "searches go out through onshi.host.exchange/1"
                                : "no onshi.host.exchange/1: only the local history and お薬手帳 import work"}},
           {{"name", "facility"}, {"ok", true},
            {"detail", s.config.medical_institution_code + " in " + s.config.location.municipality_code +
                           (demo ? " (the demo default: configure the clinic's own code and location)" : "")}}});
      const json report = {{"ok", store && exchange}, {"plugin", kPluginId},
                           {"now_unix_ms", unix_ms(now_of(s.host))}, {"checks", checks}};
      return onshi::plugin::write_to(out, report.dump());
    });
  }

  friend Result<std::unique_ptr<onshi::plugin::Instance>> make(Host, std::string_view);
  std::shared_ptr<State> state_;
};

Result<std::unique_ptr<onshi::plugin::Instance>> make(Host host, std::string_view config_json) {
  auto config = read_config(config_json);
  if (!config) return std::move(config).error();
  auto state = std::make_shared<State>(host, std::move(*config));
  auto desk = DisasterDesk::create({state->config.medical_institution_code, state->config.location}, state->audit);
  if (!desk) return std::move(desk).error();
  state->desk.emplace(std::move(*desk));
  if (!host.has_store())
    host.warn("no onshi.host.store/1: disaster mode is unavailable (it keeps its declaration and audit log there)");
  return std::unique_ptr<onshi::plugin::Instance>(new DisasterPlugin(std::move(state)));
}

}  // namespace
}  // namespace onshi::disaster::plugin

ONSHI_PLUGIN_DEFINE(onshi::disaster::plugin::kPluginId, onshi::disaster::plugin::make)
