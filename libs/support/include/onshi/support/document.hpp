// The JSON documents that cross the C boundary ("schema": "onshi.<area>.<name>/<n>"), read and
// written one way by every plugin: parsed under a size limit, checked for their schema, read field
// by field through nlohmann's from_json with the helpers below, and refused with the path of the
// field at fault ("field patient.birth_date: expected a date YYYY-MM-DD").
//
//   void from_json(const json& j, Patient& p) {            // beside Patient, for nlohmann's lookup
//     read(j, "name", p.name);
//     read(j, "sex", p.sex, kSexes);                        // an EnumNames table
//     read_object(j, "address", p.address);                 // nested: errors say "address.<field>"
//   }
//   Result<Patient> p = read_document<Patient>(text, "onshi.example.patient/1");
#pragma once

#include <onshi/result.hpp>
#include <onshi/support/dates.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onshi::support {

using nlohmann::json;

inline constexpr std::size_t kMaxDocumentBytes = 1u << 20;

// A field that cannot be read. Its message is the field's path, then the problem; each parent
// (read_object, read_array) puts its own key in front as the error passes through.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(std::string_view key, const std::string& problem);

// The value of `key` in an object, or nullptr when absent or null (the two mean the same).
const json* find(const json& object, const char* key);

// A fixed table of the names an enum takes in documents; the first entry is the fallback name.
//   constexpr EnumNames<Sex, 3> kSexes{{{"male", Sex::male}, {"female", Sex::female}, {"unset", Sex::unset}}};
template <class E, std::size_t N>
struct EnumNames {
  std::pair<const char*, E> entries[N];

  const char* name(E value) const {
    for (const auto& [n, v] : entries)
      if (v == value) return n;
    return entries[0].first;
  }
  std::optional<E> value(std::string_view name) const {
    for (const auto& [n, v] : entries)
      if (name == n) return v;
    return std::nullopt;
  }
  std::string allowed() const {
    std::string out;
    for (const auto& [n, v] : entries) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
  }
};

// ---- reading one field; an absent field leaves `out` as it was
void read(const json& j, const char* key, std::string& out);
void read(const json& j, const char* key, std::optional<std::string>& out);
void read(const json& j, const char* key, bool& out);
void read(const json& j, const char* key, std::optional<bool>& out);
void read(const json& j, const char* key, std::optional<Date>& out);  // "YYYY-MM-DD" or "YYYYMMDD"
long long read_integer(const json& value, const char* key, long long min, long long max);
template <class Int>
void read(const json& j, const char* key, Int& out, long long min, long long max) {
  if (const json* v = find(j, key)) out = static_cast<Int>(read_integer(*v, key, min, max));
}
template <class Int>
void read(const json& j, const char* key, std::optional<Int>& out, long long min, long long max) {
  if (const json* v = find(j, key)) out = static_cast<Int>(read_integer(*v, key, min, max));
}
template <class E, std::size_t N>
void read(const json& j, const char* key, E& out, const EnumNames<E, N>& names) {
  const json* v = find(j, key);
  if (!v) return;
  const std::optional<E> e = v->is_string() ? names.value(v->get_ref<const std::string&>()) : std::nullopt;
  if (!e) fail(key, "expected one of " + names.allowed());
  out = *e;
}
template <class E, std::size_t N>
void read(const json& j, const char* key, std::optional<E>& out, const EnumNames<E, N>& names) {
  if (!find(j, key)) return;
  read(j, key, out.emplace(), names);
}
std::string required_text(const json& j, const char* key);

// Runs `read_inner`; an error inside is reported under `key` ("key.inner: ...").
template <class Fn>
void within(std::string_view key, Fn&& read_inner) {
  try {
    read_inner();
  } catch (const FieldError& e) {
    throw FieldError(std::string(key) + "." + e.what());
  } catch (const json::exception&) {
    throw FieldError(std::string(key) + ": has the wrong type");
  }
}
// A nested object, read by its own from_json.
template <class T>
void read_object(const json& j, const char* key, T& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_object()) fail(key, "expected an object");
    within(key, [&] { v->get_to(out); });
  }
}
template <class T>
void read_object(const json& j, const char* key, std::optional<T>& out) {
  if (find(j, key)) read_object(j, key, out.emplace());
}
// An array of objects or values, each read by its own from_json; errors say "key[i]".
template <class T>
void read_array(const json& j, const char* key, std::vector<T>& out) {
  const json* v = find(j, key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected an array");
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i)
    within(std::string(key) + "[" + std::to_string(i) + "]", [&] { out.push_back((*v)[i].get<T>()); });
}

// ---- writing
inline json optional_value(const std::optional<Date>& d) { return d ? json(iso_date(*d)) : json(nullptr); }
template <class T>
json optional_value(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// ---- whole documents
// Parses `text` (at most max_bytes, UTF-8 JSON, an object whose "schema" is `schema`).
Result<json> parse_document(std::string_view text, std::string_view schema, std::size_t max_bytes = kMaxDocumentBytes);
// A request document: like parse_document, but the schema may be left out (callers written before
// it existed); when given it must be `schema`.
Result<json> parse_request(std::string_view text, std::string_view schema, std::size_t max_bytes = kMaxDocumentBytes);
// Checks an already parsed document's schema; the error names the schema found.
Result<void> check_schema(const json& document, std::string_view schema);
// The error every reader gives for a field that cannot be read, or for an exception of
// nlohmann's: INVALID_ARGUMENT, "<schema> document: field <path>: <problem>".
Error document_error(std::string_view schema, const std::exception& e);

template <class T>
Result<T> from_document(const json& document, std::string_view schema) {
  if (auto ok = check_schema(document, schema); !ok) return std::move(ok).error();
  try {
    return document.get<T>();
  } catch (const std::exception& e) {
    return document_error(schema, e);
  }
}
template <class T>
Result<T> read_document(std::string_view text, std::string_view schema, std::size_t max_bytes = kMaxDocumentBytes) {
  auto document = parse_document(text, schema, max_bytes);
  if (!document) return std::move(document).error();
  return from_document<T>(*document, schema);
}
// `value` as a document of `schema` (its to_json, then the "schema" key).
template <class T>
json document_of(std::string_view schema, const T& value) {
  json j = value;
  j["schema"] = schema;
  return j;
}

}  // namespace onshi::support
