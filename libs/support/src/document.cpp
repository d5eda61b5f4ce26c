#include <onshi/support/document.hpp>

#include <optional>

namespace onshi::support {

void fail(std::string_view key, const std::string& problem) {
  throw FieldError(std::string(key) + ": " + problem);
}

const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

void read(const json& j, const char* key, std::string& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_string()) fail(key, "expected a string");
    out = v->get<std::string>();
  }
}

void read(const json& j, const char* key, std::optional<std::string>& out) {
  if (find(j, key)) read(j, key, out.emplace());
}

void read(const json& j, const char* key, bool& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_boolean()) fail(key, "expected true or false");
    out = v->get<bool>();
  }
}

void read(const json& j, const char* key, std::optional<bool>& out) {
  if (find(j, key)) read(j, key, out.emplace());
}

void read(const json& j, const char* key, std::optional<Date>& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_string()) fail(key, "expected a date string YYYY-MM-DD");
    auto d = parse_date(v->get_ref<const std::string&>(), key);
    if (!d) fail(key, "'" + v->get<std::string>().substr(0, 32) + "' is not a date YYYY-MM-DD");
    out = *d;
  }
}

long long read_integer(const json& v, const char* key, long long min, long long max) {
  if (!v.is_number_integer()) fail(key, "expected an integer");
  const bool in_range = v.is_number_unsigned() ? v.get<unsigned long long>() <= static_cast<unsigned long long>(max)
                                               : v.get<long long>() >= min && v.get<long long>() <= max;
  if (!in_range) fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v.get<long long>();
}

std::string required_text(const json& j, const char* key) {
  if (!find(j, key)) fail(key, "is required");
  std::string out;
  read(j, key, out);
  return out;
}

namespace {
Error invalid(std::string_view schema, const std::string& problem, std::string hint) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "document", std::string(schema) + " document: " + problem,
                    std::move(hint));
}
}  // namespace

Result<void> check_schema(const json& document, std::string_view schema) {
  if (!document.is_object()) return invalid(schema, "the top level is not a JSON object", "send a JSON object");
  const json* found = find(document, "schema");
  if (!found || !found->is_string() || found->get_ref<const std::string&>() != schema)
    return invalid(schema,
                   "\"schema\" is " + (found ? found->dump() : std::string("missing")) + ", expected \"" +
                       std::string(schema) + "\"",
                   "set \"schema\": \"" + std::string(schema) + "\" (a newer schema needs a newer plugin)");
  return {};
}

// nlohmann's lexer takes a NUL byte as the end of its input, so `{…}` + NUL + anything would be read
// as the object alone; JSON has no NUL outside a string and none inside one.
std::optional<Error> nul_byte(std::string_view text, std::string_view schema) {
  const size_t at = text.find('\0');
  if (at == std::string_view::npos) return std::nullopt;
  return invalid(schema, "a NUL byte at offset " + std::to_string(at) + ": not valid JSON",
                 "send the document alone, without a terminating NUL or bytes after it");
}

Result<json> parse_document(std::string_view text, std::string_view schema, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return invalid(schema, std::to_string(text.size()) + " bytes is over the limit of " + std::to_string(max_bytes),
                   "send a smaller document");
  if (auto nul = nul_byte(text, schema)) return std::move(*nul);
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return invalid(schema, "not valid JSON (or not UTF-8)",
                   "send a UTF-8 JSON object with \"schema\": \"" + std::string(schema) + "\"");
  if (auto ok = check_schema(j, schema); !ok) return std::move(ok).error();
  return j;
}

Result<json> parse_request(std::string_view text, std::string_view schema, std::size_t max_bytes) {
  json doc = text.size() > max_bytes || nul_byte(text, schema) ? json(json::value_t::discarded)
                                                               : json::parse(text, nullptr, false);
  if (doc.is_discarded()) return parse_document(text, schema, max_bytes).error();  // its words for why
  if (doc.is_object() && !find(doc, "schema")) doc["schema"] = schema;
  if (auto ok = check_schema(doc, schema); !ok) return std::move(ok).error();
  return doc;
}

Error document_error(std::string_view schema, const std::exception& e) {
  if (dynamic_cast<const FieldError*>(&e))
    return invalid(schema, std::string("field ") + e.what(), "correct that field (docs/ describes each document)");
  return invalid(schema, e.what(), "correct the document (docs/ describes each document)");
}

}  // namespace onshi::support
