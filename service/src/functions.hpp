// Every document function of every loaded plugin, found through onshi.documents/1 (the C API only):
// what POST /v1/<extension>/<function> calls. The service holds no code for any plugin.
#pragma once

#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/host.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::service {

struct Function {
  std::string extension, name;  // "onshi.claims/1", "decide"
  std::string plugin;           // "onshi.claims"
  bool async = false;
  std::string request_schema, response_schema, media_type;
  onshi_instance* instance = nullptr;
  const onshi_documents_v1* table = nullptr;

  std::string href() const { return "/v1/" + extension + "/" + name; }
};

class Functions {
 public:
  // Asks every loaded plugin that offers onshi.documents/1 for its list; the first plugin to offer an
  // extension's function serves it (as onshi_sdk_find_extension picks the first).
  static Functions discover(const Sdk& sdk, std::vector<std::string>* problems = nullptr);

  const Function* find(std::string_view extension, std::string_view name) const;
  const std::vector<Function>& all() const { return all_; }
  // GET /v1/functions: {"schema": "onshi.functions/1", "functions": [{extension, name, plugin, async,
  // request, response, media_type, href}]}
  nlohmann::json document() const;

  // A synchronous function: its answer (in its media type), or the plugin's error.
  static Result<std::string> call(const Function& f, std::string_view request);
  // An asynchronous one: `progress` for each progress document and `done` once, both on host
  // threads; the operation id for cancel. When it cannot start, neither is ever called.
  static Result<uint64_t> start(const Function& f, std::string_view request,
                                std::function<void(std::string_view)> progress,
                                std::function<void(Result<std::string>)> done);
  static void cancel(const Function& f, uint64_t operation);

 private:
  std::vector<Function> all_;
};

}  // namespace onshi::service
