#include "functions.hpp"

#include <memory>

namespace onshi::service {

using nlohmann::json;

Functions Functions::discover(const Sdk& sdk, std::vector<std::string>* problems) {
  Functions out;
  for (const auto& p : sdk.plugins()) {
    if (!p.loaded()) continue;
    auto docs = sdk.extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, p.id.c_str());
    if (!docs) continue;  // a plugin without onshi.documents/1 offers nothing by name
    std::string text;
    const onshi_writer w = append_to(text);
    onshi_error err = empty_error();
    const json list = docs->vtable->list(docs->instance, &w, &err) == ONSHI_OK ? json::parse(text, nullptr, false) : json();
    if (!list.is_object() || !list.contains("functions") || !list["functions"].is_array()) {
      if (problems) problems->push_back(p.id + ": onshi.documents/1 gave no readable list of functions");
      continue;
    }
    for (const json& f : list["functions"]) {
      Function fn;
      fn.extension = f.value("extension", "");
      fn.name = f.value("name", "");
      fn.plugin = p.id;
      fn.async = f.value("async", false);
      fn.request_schema = f.value("request", "");
      fn.response_schema = f.value("response", "");
      fn.media_type = f.value("media_type", "application/json");
      fn.instance = docs->instance;
      fn.table = docs->vtable;
      if (fn.extension.empty() || fn.name.empty() || fn.name.find('/') != std::string::npos) continue;
      if (out.find(fn.extension, fn.name)) {
        if (problems) problems->push_back(p.id + ": " + fn.href() + " is already served by another plugin");
        continue;
      }
      out.all_.push_back(std::move(fn));
    }
  }
  return out;
}

const Function* Functions::find(std::string_view extension, std::string_view name) const {
  for (const auto& f : all_)
    if (f.extension == extension && f.name == name) return &f;
  return nullptr;
}

json Functions::document() const {
  json list = json::array();
  for (const auto& f : all_)
    list.push_back({{"extension", f.extension},
                    {"name", f.name},
                    {"plugin", f.plugin},
                    {"async", f.async},
                    {"request", f.request_schema},
                    {"response", f.response_schema},
                    {"media_type", f.media_type},
                    {"href", f.href()}});
  return {{"schema", "onshi.functions/1"}, {"functions", list}};
}

Result<std::string> Functions::call(const Function& f, std::string_view request) {
  std::string out;
  const onshi_writer w = append_to(out);
  onshi_error err = empty_error();
  const onshi_status st =
      f.table->call(f.instance, f.extension.c_str(), f.name.c_str(), bytes_of(request), &w, &err);
  if (st != ONSHI_OK) return to_error(st, err);
  return out;
}

namespace {

// One asynchronous call's callbacks, freed by its completion (which comes exactly once).
struct Call {
  std::function<void(std::string_view)> progress;
  std::function<void(Result<std::string>)> done;
  onshi_document_listener listener{sizeof(onshi_document_listener), this, &on_progress};
  onshi_completion completion{sizeof(onshi_completion), this, &on_done};

  static void ONSHI_ABI on_progress(void* ctx, onshi_status st, onshi_bytes doc, const onshi_error*) {
    auto& self = *static_cast<Call*>(ctx);
    if (st == ONSHI_OK && self.progress) self.progress(text_of(doc));
  }
  static void ONSHI_ABI on_done(void* ctx, onshi_status st, onshi_bytes result, const onshi_error* err) {
    std::unique_ptr<Call> self(static_cast<Call*>(ctx));
    if (st == ONSHI_OK) return self->done(std::string(text_of(result)));
    self->done(err ? to_error(st, *err) : make_error(st, "plugin", "the operation failed without a reason"));
  }
};

}  // namespace

Result<uint64_t> Functions::start(const Function& f, std::string_view request,
                                  std::function<void(std::string_view)> progress,
                                  std::function<void(Result<std::string>)> done) {
  auto call = std::make_unique<Call>();
  call->progress = std::move(progress);
  call->done = std::move(done);
  uint64_t op = 0;
  onshi_error err = empty_error();
  const onshi_status st = f.table->call_async(f.instance, f.extension.c_str(), f.name.c_str(), bytes_of(request),
                                              &call->listener, &call->completion, &op, &err);
  if (st != ONSHI_OK) return to_error(st, err);
  call.release();  // its completion frees it
  return op;
}

void Functions::cancel(const Function& f, uint64_t operation) { f.table->cancel(f.instance, operation); }

}  // namespace onshi::service
