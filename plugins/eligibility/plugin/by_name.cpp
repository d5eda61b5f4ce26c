// onshi.documents/1 and onshi.events/1 of the eligibility plugin: each function of onshi.eligibility/1
// and onshi.eligibility-records/1 by name, for hosts that serve them (onshi serve). Thin adapters:
// what a C function takes as plain arguments comes as a document field (bytes in base64), and the
// work is the C function's own.
#include "by_name.hpp"

#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>
#include <onshi/support/base64.hpp>
#include <onshi/support/document.hpp>

#include "documents.hpp"

namespace onshi::eligibility::plugin {

namespace {

using nlohmann::json;
using onshi::plugin::DocumentFunction;
using onshi::plugin::guarded;

EligibilityInstance& instance(onshi_instance* i) { return onshi::plugin::self<EligibilityInstance>(i); }
const onshi_eligibility_v1& eligibility(onshi_instance* i) {
  return *static_cast<const onshi_eligibility_v1*>(instance(i).extension(ONSHI_EXT_ELIGIBILITY));
}
const onshi_eligibility_records_v1& records() { return *Records::table(); }

// The documents that carry what the C functions take as plain arguments (bytes in base64).
struct ByName {
  std::string file_name, message_base64;  // parse
  std::string file_prefix, xml_base64;    // exchange
  std::string job;                        // bulk_resume
};
void from_json(const json& doc, ByName& r) {
  for (auto [key, field] : {std::pair{"file_name", &r.file_name}, {"message_base64", &r.message_base64},
                            {"file_prefix", &r.file_prefix}, {"xml_base64", &r.xml_base64}, {"job", &r.job}})
    support::read(doc, key, *field);
}

Result<std::string> decoded(const std::string& text, const char* key, const char* schema) {
  auto bytes = support::base64_decode(text);
  if (!bytes)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "eligibility",
                      std::string(schema) + " document: field " + key + " must be base64 (RFC 4648, with padding)",
                      "encode the bytes in base64");
  return std::move(*bytes);
}

// Runs an asynchronous start that returns the operation id.
template <class Start>
onshi_status started(uint64_t* out_operation, onshi_error* err, Start start) {
  return guarded(err, [&]() -> Result<void> {
    Result<uint64_t> op = start();
    if (!op) return std::move(op).error();
    if (out_operation) *out_operation = *op;
    return {};
  });
}

// ---- onshi.eligibility/1

onshi_status ONSHI_ABI query(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress,
                             const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return started(op, err, [&] { return instance(i).query(text_of(request), progress, done); });
}

onshi_status ONSHI_ABI challenge(onshi_instance* i, onshi_bytes, const onshi_document_listener*,
                                 const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return eligibility(i).challenge_async(i, done, op, err);
}

onshi_status ONSHI_ABI exchange(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress,
                                const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return started(op, err, [&]() -> Result<uint64_t> {
    auto doc = read_request<ByName>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_REQUEST);
    if (!doc) return std::move(doc).error();
    auto xml = decoded(doc->xml_base64, "xml_base64", ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_REQUEST);
    if (!xml) return std::move(xml).error();
    return instance(i).exchange(doc->file_prefix, std::move(*xml), progress, done);
  });
}

onshi_status ONSHI_ABI await(onshi_instance* i, onshi_bytes request, const onshi_document_listener*,
                             const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return started(op, err, [&] { return instance(i).await(text_of(request), done); });
}

onshi_status ONSHI_ABI expect(onshi_instance* i, onshi_bytes request, const onshi_document_listener*,
                              const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return started(op, err, [&] { return instance(i).expect(text_of(request), done); });
}

onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t op) { return eligibility(i).cancel(i, op); }

onshi_status ONSHI_ABI parse(onshi_instance* i, onshi_bytes request, const onshi_writer* out, onshi_error* err) {
  std::string name, message;
  const onshi_status read = guarded(err, [&]() -> Result<void> {
    auto doc = read_request<ByName>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_PARSE_REQUEST);
    if (!doc) return std::move(doc).error();
    auto bytes = decoded(doc->message_base64, "message_base64", ONSHI_SCHEMA_ELIGIBILITY_PARSE_REQUEST);
    if (!bytes) return std::move(bytes).error();
    name = doc->file_name;
    message = std::move(*bytes);
    return {};
  });
  if (read != ONSHI_OK) return read;
  return eligibility(i).parse(i, name.empty() ? nullptr : name.c_str(), bytes_of(message), out, err);
}

// ---- onshi.eligibility-records/1

// bulk_start's progress, each document told how to carry the job on after the caller's crash.
struct ResumableBulk {
  onshi_document_listener caller{};
  onshi_completion caller_done{};
  onshi_document_listener progress{sizeof(onshi_document_listener), this, &on_progress};
  onshi_completion done{sizeof(onshi_completion), this, &on_done};

  static void ONSHI_ABI on_progress(void* ctx, onshi_status st, onshi_bytes doc, const onshi_error* err) {
    const auto& self = *static_cast<ResumableBulk*>(ctx);
    if (!self.caller.on_document) return;
    json d = st == ONSHI_OK ? json::parse(text_of(doc), nullptr, false) : json();
    if (!d.is_object() || !d.contains("job")) return self.caller.on_document(self.caller.ctx, st, doc, err);
    d["resume"] = {{"function", "bulk_resume"},
                   {"request", {{"schema", ONSHI_SCHEMA_ELIGIBILITY_BULK_RESUME_REQUEST}, {"job", d["job"]}}}};
    const std::string text = d.dump();
    self.caller.on_document(self.caller.ctx, st, bytes_of(text), err);
  }
  static void ONSHI_ABI on_done(void* ctx, onshi_status st, onshi_bytes result, const onshi_error* err) {
    std::unique_ptr<ResumableBulk> self(static_cast<ResumableBulk*>(ctx));
    self->caller_done.done(self->caller_done.ctx, st, result, err);
  }
};

onshi_status ONSHI_ABI bulk_start(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress,
                                  const onshi_completion* done, uint64_t* op, onshi_error* err) {
  if (!ONSHI_HAS_FIELD(onshi_completion, done, done) || !done->done)
    return records().bulk_start_async(i, request, progress, done, op, err);  // refused there, with its words
  auto wrap = std::make_unique<ResumableBulk>();
  if (progress && ONSHI_HAS_FIELD(onshi_document_listener, progress, on_document)) wrap->caller = *progress;
  wrap->caller_done = *done;
  const onshi_status st = records().bulk_start_async(i, request, &wrap->progress, &wrap->done, op, err);
  if (st == ONSHI_OK) wrap.release();  // freed by its completion
  return st;
}

onshi_status ONSHI_ABI bulk_resume(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress,
                                   const onshi_completion* done, uint64_t* op, onshi_error* err) {
  std::string job;
  const onshi_status read = guarded(err, [&]() -> Result<void> {
    if (!request.size) return {};
    auto doc = read_request<ByName>(text_of(request), ONSHI_SCHEMA_ELIGIBILITY_BULK_RESUME_REQUEST);
    if (!doc) return std::move(doc).error();
    job = doc->job;
    return {};
  });
  if (read != ONSHI_OK) return read;
  return records().bulk_resume_async(i, job.empty() ? nullptr : job.c_str(), progress, done, op, err);
}

onshi_status ONSHI_ABI bulk_jobs(onshi_instance* i, onshi_bytes, const onshi_writer* out, onshi_error* err) {
  return records().bulk_jobs(i, out, err);
}

onshi_status ONSHI_ABI register_reference(onshi_instance* i, onshi_bytes request, const onshi_document_listener*,
                                          const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return records().register_reference_async(i, request, done, op, err);
}

onshi_status ONSHI_ABI history_find(onshi_instance* i, onshi_bytes query, const onshi_writer* out, onshi_error* err) {
  return records().history_find(i, query, out, err);
}

onshi_status ONSHI_ABI deferred_add(onshi_instance* i, onshi_bytes request, const onshi_writer* out, onshi_error* err) {
  return records().deferred_add(i, request, out, err);
}

onshi_status ONSHI_ABI deferred_run(onshi_instance* i, onshi_bytes, const onshi_document_listener* progress,
                                    const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return records().deferred_run_async(i, progress, done, op, err);
}

onshi_status ONSHI_ABI deferred_list(onshi_instance* i, onshi_bytes, const onshi_writer* out, onshi_error* err) {
  return records().deferred_list(i, out, err);
}

onshi_status ONSHI_ABI window_query(onshi_instance* i, onshi_bytes request, const onshi_document_listener* progress,
                                    const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return records().window_query_async(i, request, progress, done, op, err);
}

onshi_status ONSHI_ABI cancel_records(onshi_instance* i, uint64_t op) { return records().cancel(i, op); }

constexpr const char* kRecords = ONSHI_EXT_ELIGIBILITY_RECORDS;

constexpr DocumentFunction kDocuments[] = {
    {ONSHI_EXT_ELIGIBILITY, "query", ONSHI_SCHEMA_ELIGIBILITY_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_OUTCOME, nullptr,
     &query, &cancel},
    {ONSHI_EXT_ELIGIBILITY, "challenge", "", ONSHI_SCHEMA_ELIGIBILITY_CHALLENGE, nullptr, &challenge, &cancel},
    {ONSHI_EXT_ELIGIBILITY, "exchange", ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_REQUEST,
     ONSHI_SCHEMA_ELIGIBILITY_EXCHANGE_ANSWER, nullptr, &exchange, &cancel},
    {ONSHI_EXT_ELIGIBILITY, "await", ONSHI_SCHEMA_ELIGIBILITY_AWAIT_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_OUTCOME, nullptr,
     &await, &cancel},
    {ONSHI_EXT_ELIGIBILITY, "parse", ONSHI_SCHEMA_ELIGIBILITY_PARSE_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_PARSED, &parse},
    {ONSHI_EXT_ELIGIBILITY, "expect", "onshi.expectation-request/1", "onshi.expectation/1", nullptr, &expect, &cancel},
    {kRecords, "bulk_start", ONSHI_SCHEMA_ELIGIBILITY_BULK_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT, nullptr,
     &bulk_start, &cancel_records},
    {kRecords, "bulk_resume", ONSHI_SCHEMA_ELIGIBILITY_BULK_RESUME_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT,
     nullptr, &bulk_resume, &cancel_records},
    {kRecords, "bulk_jobs", "", ONSHI_SCHEMA_ELIGIBILITY_BULK_JOBS, &bulk_jobs},
    {kRecords, "register_reference", ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_REQUEST,
     ONSHI_SCHEMA_ELIGIBILITY_REFERENCE_RESULT, nullptr, &register_reference, &cancel_records},
    {kRecords, "history_find", ONSHI_SCHEMA_ELIGIBILITY_HISTORY_QUERY, ONSHI_SCHEMA_ELIGIBILITY_HISTORY,
     &history_find},
    {kRecords, "deferred_add", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_REQUEST, ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_LIST,
     &deferred_add},
    {kRecords, "deferred_run", "", ONSHI_SCHEMA_ELIGIBILITY_BULK_RESULT, nullptr, &deferred_run, &cancel_records},
    {kRecords, "deferred_list", "", ONSHI_SCHEMA_ELIGIBILITY_DEFERRED_LIST, &deferred_list},
    {kRecords, "window_query", ONSHI_SCHEMA_ELIGIBILITY_WINDOW_QUERY, ONSHI_SCHEMA_ELIGIBILITY_WINDOW_RESULT, nullptr,
     &window_query, &cancel_records},
};

onshi_status ONSHI_ABI set_event_listener(onshi_instance* i, const onshi_document_listener* listener,
                                          onshi_error* err) {
  return guarded(err, [&] { return instance(i).set_event_listener(listener); });
}

}  // namespace

const onshi_documents_v1* documents_table() { return onshi::plugin::documents_extension<kDocuments>(); }

const onshi_events_v1* events_table() {
  static const onshi_events_v1 table = {sizeof(onshi_events_v1), &set_event_listener};
  return &table;
}

}  // namespace onshi::eligibility::plugin
