// Errors as every route answers them: {"schema": "onshi.error/1", "status": "ONSHI_E_…", "code",
// "message", "hint", "plugin"?, "native_code"?, "retryable"}, with an HTTP status a client can act on.
#pragma once

#include <onshi/result.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace onshi::service {

inline constexpr const char* kErrorSchema = "onshi.error/1";

// "ONSHI_E_NOT_FOUND" for -7; "ONSHI_E_VENDOR" for a vendor's code; "ONSHI_E_UNKNOWN" otherwise.
const char* status_name(onshi_status code);
// The HTTP status of an SDK status (INVALID_ARGUMENT 400, NOT_FOUND 404, REFUSED 409, ...).
unsigned http_status(onshi_status code);
// The error document; `plugin` names whose error it is ("" for the service's own).
nlohmann::json error_document(const Error& e, std::string_view plugin = {});

}  // namespace onshi::service
