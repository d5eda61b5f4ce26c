// onshi/result.hpp: errors as values, shared by host, plugins and samples.
// Header-only and compiled into each binary; it never crosses the C boundary
// itself (onshi_error does).
#pragma once

#include <onshi/abi/onshi_status.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace onshi {

// A failure a person can act on: what happened (naming the plugin, reader,
// file or field) and what to do next.
struct Error {
  onshi_status code = ONSHI_E_INTERNAL;
  std::string domain;      // "pcsc", "card", "xml", "folder", "claims", ...
  std::string message;     // what happened
  std::string hint;        // what to do next; may be empty
  int32_t native_code = 0; // SW1SW2, SCARD_E_*, errno, tries left, ...
  bool retryable = false;
  bool user_actionable = false;
};

inline Error make_error(onshi_status code, std::string domain, std::string message,
                        std::string hint = {}, int32_t native_code = 0) {
  Error e;
  e.code = code;
  e.domain = std::move(domain);
  e.message = std::move(message);
  e.hint = std::move(hint);
  e.native_code = native_code;
  e.user_actionable = !e.hint.empty();
  return e;
}

// The C record a callee fills when it fails (onshi_error is caller-owned and
// may be an older, shorter struct: only the fields inside struct_size are written).
inline onshi_status fill_error(onshi_error* out, const Error& e) {
  if (out && out->struct_size >= sizeof(uint32_t)) {
    onshi_error full{};
    full.struct_size = out->struct_size;
    full.code = e.code;
    full.native_code = e.native_code;
    full.flags = (e.retryable ? ONSHI_ERROR_RETRYABLE : 0u) | (e.user_actionable ? ONSHI_ERROR_USER_ACTIONABLE : 0u);
    std::snprintf(full.domain, sizeof full.domain, "%s", e.domain.c_str());
    std::snprintf(full.message, sizeof full.message, "%s", e.message.c_str());
    std::snprintf(full.hint, sizeof full.hint, "%s", e.hint.c_str());
    std::memcpy(out, &full, std::min<size_t>(out->struct_size, sizeof full));
  }
  return e.code;
}

inline Error to_error(onshi_status code, const onshi_error& c) {
  Error e;
  e.code = code;
  e.native_code = c.native_code;
  e.domain = c.domain;
  e.message = c.message[0] ? c.message : "failed with status " + std::to_string(code);
  e.hint = c.hint;
  e.retryable = (c.flags & ONSHI_ERROR_RETRYABLE) != 0;
  e.user_actionable = (c.flags & ONSHI_ERROR_USER_ACTIONABLE) != 0;
  return e;
}

inline onshi_error empty_error() {
  onshi_error e{};
  e.struct_size = sizeof e;
  return e;
}

// A value or an Error (GCC 12 has no std::expected).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace onshi
