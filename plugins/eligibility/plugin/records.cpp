#include "records.hpp"

#include <onshi/support/document.hpp>

#include <algorithm>
#include <set>

#include "documents.hpp"

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;

// A 10,000-patient job is ~1.3 MB of JSON: more than one document of the toolkit's default size.
constexpr size_t kMaxBulkRequestBytes = 16u << 20;

bool digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }
bool is_day(std::string_view s) { return s.size() == 8 && digits(s); }

// ---- the request documents: read field by field, a field that cannot be used named by its path

// A bulk row gives the insurance numbers, or a 照会番号 whose registered numbers the core looks up.
void check_row(BulkPatient& p) {
  if (p.patient_id.empty()) support::fail("patient_id", "(the EMR's own id) is required");
  if (!p.birth_date.empty() && !is_day(p.birth_date)) support::fail("birth_date", "must be the 生年月日 as YYYYMMDD");
  refuse_individual_number("reference_number", p.reference_number);
  refuse_individual_number("number", p.number);
  if (!p.reference_number.empty() && p.number.empty()) return;
  auto padded = padded_insurer_number(p.insurer_number);
  if (!padded) support::fail("insurer_number", "must be the 保険者番号: 8 digits, or 6 digits for 国保");
  p.insurer_number = *padded;
  if (p.number.empty()) support::fail("number", "(被保険者番号) is required, or a registered reference_number");
  if (p.birth_date.empty()) support::fail("birth_date", "must be the 生年月日 as YYYYMMDD");
}

// A registration row: the 照会番号 and the numbers it stands for.
void check_row(Reference& r) {
  if (r.reference_number.empty() || r.reference_number.size() > 50)
    support::fail("reference_number", "(照会番号, the clinic's patient number) must be 1 to 50 characters");
  refuse_individual_number("reference_number", r.reference_number);
  refuse_individual_number("number", r.number);
  auto padded = padded_insurer_number(r.insurer_number);
  if (!padded) support::fail("insurer_number", "must be the 保険者番号: 8 digits, or 6 digits for 国保");
  r.insurer_number = *padded;
  if (r.number.empty()) support::fail("number", "(被保険者番号) is required");
  if (!r.birth_date.empty() && !is_day(r.birth_date)) support::fail("birth_date", "must be YYYYMMDD");
  if (r.patient_id.empty()) r.patient_id = r.reference_number;  // it is the clinic's own patient number
}

// The rows at `key`, at least one: each checked by its check_row, its `id` unique among them.
template <class Row>
void read_rows(const json& doc, const char* key, std::vector<Row>& rows, std::string Row::*id, const char* id_key) {
  support::read_array(doc, key, rows);
  if (rows.empty()) support::fail(key, "must be a non-empty array");
  std::set<std::string> seen;
  for (size_t i = 0; i < rows.size(); ++i)
    support::within(std::string(key) + "[" + std::to_string(i) + "]", [&] {
      check_row(rows[i]);
      if (!seen.insert(rows[i].*id).second) support::fail(id_key, "repeats an earlier row");
    });
}

// onshi.eligibility.bulk-request/1 {patients: [...], limit_consent?, label?}
struct BulkRequestDocument {
  BulkRequest request;
};

void from_json(const json& doc, BulkRequestDocument& d) {
  read_rows(doc, "patients", d.request.patients, &BulkPatient::patient_id, "patient_id");
  support::read(doc, "limit_consent", d.request.limit_consent);
  support::read(doc, "label", d.request.label);
}

// onshi.eligibility.deferred-request/1 {checks: [...]}: one row per visit (patient_id), with the
// numbers to check by or a registered 照会番号, and what the patient showed (R-M9).
struct DeferredRequestDocument {
  std::vector<BulkPatient> checks;
};

void from_json(const json& doc, DeferredRequestDocument& d) {
  read_rows(doc, "checks", d.checks, &BulkPatient::patient_id, "patient_id");
  for (size_t i = 0; i < d.checks.size(); ++i)
    support::within("checks[" + std::to_string(i) + "]", [&] {
      BulkPatient& c = d.checks[i];
      if (!c.visit_date.empty() && !support::parse_date(c.visit_date, "visit_date")) support::fail("visit_date", "must be YYYY-MM-DD");
      if (c.visit_date.empty()) support::fail("visit_date", "(the day of the visit the check belongs to) is required");
    });
}

// onshi.eligibility.reference-request/1 {registrations: [...]}
struct ReferenceRequestDocument {
  std::vector<Reference> registrations;
};

void from_json(const json& doc, ReferenceRequestDocument& d) {
  read_rows(doc, "registrations", d.registrations, &Reference::reference_number, "reference_number");
}

// onshi.eligibility.window-query/1: the core's WindowQuery, every field checked there.
struct WindowRequestDocument {
  WindowQuery query;
};
void from_json(const json& doc, WindowRequestDocument& d) { from_json(doc, d.query); }

// ---- the configuration (the plugin's own section, read through the host)

BulkSettings read_settings(const onshi::plugin::Host& host) {
  BulkSettings s;
  if (host.config("transport").value_or("folder") == "folder") s.folder_root = host.config("folder.root").value_or("");
  s.medical_institution_code = host.config("medical_institution_code").value_or(kDemoInstitutionCode);
  auto number = [&](const char* key, long long fallback) {
    auto v = host.config(key);
    if (!v || !digits(*v) || v->size() > 12) return fallback;
    return std::max(1LL, std::stoll(*v));
  };
  s.poll_interval = std::chrono::milliseconds(number("bulk.poll_ms", 5000));
  s.chunk_size = static_cast<size_t>(std::min(number("bulk.chunk_size", 1000), 1000LL));
  return s;
}

// ---- the caller's listener and completion, as the core's callbacks

Result<BulkJobs::Done> done_of(const onshi_completion* done) {
  if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility-records", "no completion given", "pass an onshi_completion");
  return BulkJobs::Done([c = *done](Result<std::string> result) { onshi::plugin::complete(c, result); });
}

BulkJobs::Progress progress_of(const onshi_document_listener* listener) {
  if (!listener || !ONSHI_HAS_FIELD(onshi_document_listener, listener, on_document) || !listener->on_document)
    return nullptr;
  return [l = *listener](const json& doc) {
    const std::string text = doc.dump();
    l.on_document(l.ctx, ONSHI_OK, bytes_of(text), nullptr);
  };
}

}  // namespace

// The C functions: a request read, handed to the core, its operation id returned.
struct Api {
  static Records& self(onshi_instance* i) { return onshi::plugin::self<RecordsInstance>(i).records(); }

  static onshi_status ONSHI_ABI bulk_start_async(onshi_instance* i, onshi_bytes request,
                                                 const onshi_document_listener* progress, const onshi_completion* done,
                                                 uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto on_done = done_of(done);
      if (!on_done) return std::move(on_done).error();
      auto read = read_request<BulkRequestDocument>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_BULK_REQUEST,
                                                    kMaxBulkRequestBytes);
      if (!read) return std::move(read).error();
      auto id = self(i).jobs_.start(read->request, progress_of(progress), std::move(*on_done));
      if (!id) return std::move(id).error();
      if (out_operation) *out_operation = *id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI bulk_resume_async(onshi_instance* i, const char* job_id,
                                                  const onshi_document_listener* progress, const onshi_completion* done,
                                                  uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto on_done = done_of(done);
      if (!on_done) return std::move(on_done).error();
      const auto job = job_id ? std::optional<std::string>(job_id) : std::nullopt;
      auto id = self(i).jobs_.resume(job, progress_of(progress), std::move(*on_done));
      if (!id) return std::move(id).error();
      if (out_operation) *out_operation = *id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI bulk_jobs(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto doc = self(i).jobs_.jobs();
      if (!doc) return std::move(doc).error();
      return onshi::plugin::write_to(out, *doc);
    });
  }

  static onshi_status ONSHI_ABI register_reference_async(onshi_instance* i, onshi_bytes request,
                                                         const onshi_completion* done, uint64_t* out_operation,
                                                         onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto on_done = done_of(done);
      if (!on_done) return std::move(on_done).error();
      auto read = read_request<ReferenceRequestDocument>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_REQUEST);
      if (!read) return std::move(read).error();
      auto id = self(i).jobs_.register_references(std::move(read->registrations), std::move(*on_done));
      if (!id) return std::move(id).error();
      if (out_operation) *out_operation = *id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI history_find(onshi_instance* i, onshi_bytes query, const onshi_writer* out,
                                             onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto doc = self(i).history_.find(text_of(query));
      if (!doc) return std::move(doc).error();
      return onshi::plugin::write_to(out, *doc);
    });
  }

  static onshi_status ONSHI_ABI deferred_add(onshi_instance* i, onshi_bytes request, const onshi_writer* out,
                                             onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto read = read_request<DeferredRequestDocument>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_REQUEST);
      if (!read) return std::move(read).error();
      auto doc = self(i).jobs_.defer(std::move(read->checks));
      if (!doc) return std::move(doc).error();
      return onshi::plugin::write_to(out, *doc);
    });
  }

  static onshi_status ONSHI_ABI deferred_run_async(onshi_instance* i, const onshi_document_listener* progress,
                                                   const onshi_completion* done, uint64_t* out_operation,
                                                   onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto on_done = done_of(done);
      if (!on_done) return std::move(on_done).error();
      auto id = self(i).jobs_.run_deferred(progress_of(progress), std::move(*on_done));
      if (!id) return std::move(id).error();
      if (out_operation) *out_operation = *id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI deferred_list(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto doc = self(i).jobs_.deferred();
      if (!doc) return std::move(doc).error();
      return onshi::plugin::write_to(out, *doc);
    });
  }

  static onshi_status ONSHI_ABI window_query_async(onshi_instance* i, onshi_bytes request,
                                                   const onshi_document_listener*, const onshi_completion* done,
                                                   uint64_t* out_operation, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> Result<void> {
      auto on_done = done_of(done);
      if (!on_done) return std::move(on_done).error();
      auto read = read_request<WindowRequestDocument>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_WINDOW_QUERY);
      if (!read) return std::move(read).error();
      auto id = self(i).jobs_.query_window(std::move(read->query), std::move(*on_done));
      if (!id) return std::move(id).error();
      if (out_operation) *out_operation = *id;
      return {};
    });
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t operation) {
    return onshi::plugin::guarded(nullptr, [&]() -> Result<void> {
      self(i).jobs_.cancel(operation);
      return {};
    });
  }
};

Records::Records(onshi::plugin::Host host, Reactor& reactor)
    : host_(host),
      store_(host),
      terminal_(host),
      history_(host, store_),
      jobs_(BulkServices{reactor, store_, terminal_, [host] { return host.now(); }, read_settings(host)}) {}

const onshi_eligibility_records_v1* Records::table() {
  static const onshi_eligibility_records_v1 t = {sizeof(onshi_eligibility_records_v1), &Api::bulk_start_async,
                                                 &Api::bulk_resume_async,              &Api::bulk_jobs,
                                                 &Api::register_reference_async,      &Api::history_find,
                                                 &Api::cancel,                         &Api::deferred_add,
                                                 &Api::deferred_run_async,             &Api::deferred_list,
                                                 &Api::window_query_async};
  return &t;
}

void Records::expect(uint64_t op, const char* how) {
  std::lock_guard lock(expected_mutex_);
  expected_[op] = how;
}

json Records::on_outcome(uint64_t op, const Outcome& outcome) {
  std::string how = op == 0 ? "face" : "";
  if (op != 0) {
    std::lock_guard lock(expected_mutex_);
    if (auto it = expected_.find(op); it != expected_.end()) {
      how = it->second;
      expected_.erase(it);
    }
  }
  if (how.empty()) how = outcome.reference_classification.value_or("") == "1" ? "card" : "insured";
  HistoryContext ctx{how, history_.now_unix_ms(), "", "", ""};
  json doc = history_.matched_document(outcome, ctx);
  history_.record(outcome, ctx);
  run_deferred_when_back(outcome);
  return doc;
}

void Records::run_deferred_when_back(const Outcome& outcome) {
  const bool reached = outcome.kind != OutcomeKind::failed || outcome.stage != FailureStage::transport;
  if (!reached || outcome.kind == OutcomeKind::in_progress || !jobs_.deferred_queued()) return;
  auto run = jobs_.run_deferred(nullptr, [host = host_](Result<std::string> result) {
    if (result) host.info("deferred checks (R-M9) ran after the link came back; onshi deferred list shows them");
    else host.warn("deferred checks (R-M9): " + result.error().message);
  });
  if (run) host_.info("the link is back: running the deferred checks (R-M9)");
  else if (run.error().code != ONSHI_E_NOT_FOUND) host_.warn("deferred checks (R-M9): " + run.error().message);
}

}  // namespace onshi::eligibility::plugin
