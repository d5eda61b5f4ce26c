#include "errors.hpp"

namespace onshi::service {

namespace {

struct Mapping {
  onshi_status code;
  const char* name;
  unsigned http;
};

// Where the answer is the client's to fix: 4xx; where the peer or a device is: 502/503/504.
constexpr Mapping kMappings[] = {
    {ONSHI_E_INVALID_ARGUMENT, "ONSHI_E_INVALID_ARGUMENT", 400},
    {ONSHI_E_NOT_SUPPORTED, "ONSHI_E_NOT_SUPPORTED", 501},
    {ONSHI_E_BUFFER_TOO_SMALL, "ONSHI_E_BUFFER_TOO_SMALL", 500},
    {ONSHI_E_TIMEOUT, "ONSHI_E_TIMEOUT", 504},
    {ONSHI_E_CANCELLED, "ONSHI_E_CANCELLED", 409},
    {ONSHI_E_BUSY, "ONSHI_E_BUSY", 503},
    {ONSHI_E_NOT_FOUND, "ONSHI_E_NOT_FOUND", 404},
    {ONSHI_E_NO_DEVICE, "ONSHI_E_NO_DEVICE", 503},
    {ONSHI_E_NO_CARD, "ONSHI_E_NO_CARD", 409},
    {ONSHI_E_CARD_REMOVED, "ONSHI_E_CARD_REMOVED", 409},
    {ONSHI_E_WRONG_CARD, "ONSHI_E_WRONG_CARD", 422},
    {ONSHI_E_PIN_WRONG, "ONSHI_E_PIN_WRONG", 422},
    {ONSHI_E_PIN_LOCKED, "ONSHI_E_PIN_LOCKED", 423},
    {ONSHI_E_CERT_EXPIRED, "ONSHI_E_CERT_EXPIRED", 422},
    {ONSHI_E_AUTH, "ONSHI_E_AUTH", 502},  // a plugin's peer refused (the service's own: 401, below)
    {ONSHI_E_NETWORK, "ONSHI_E_NETWORK", 502},
    {ONSHI_E_PROTOCOL, "ONSHI_E_PROTOCOL", 502},
    {ONSHI_E_IO, "ONSHI_E_IO", 500},
    {ONSHI_E_REFUSED, "ONSHI_E_REFUSED", 409},
    {ONSHI_E_NOT_INITIALIZED, "ONSHI_E_NOT_INITIALIZED", 503},
    {ONSHI_E_INTERNAL, "ONSHI_E_INTERNAL", 500},
};

}  // namespace

const char* status_name(onshi_status code) {
  for (const auto& m : kMappings)
    if (m.code == code) return m.name;
  return code <= ONSHI_E_VENDOR_BASE ? "ONSHI_E_VENDOR" : "ONSHI_E_UNKNOWN";
}

unsigned http_status(onshi_status code) {
  for (const auto& m : kMappings)
    if (m.code == code) return m.http;
  return 500;
}

nlohmann::json error_document(const Error& e, std::string_view plugin) {
  nlohmann::json doc = {{"schema", kErrorSchema},
                        {"status", status_name(e.code)},
                        {"code", e.code},
                        {"message", e.message},
                        {"hint", e.hint},
                        {"retryable", e.retryable}};
  if (!plugin.empty()) doc["plugin"] = plugin;
  if (!e.domain.empty()) doc["domain"] = e.domain;
  if (e.native_code) doc["native_code"] = e.native_code;
  return doc;
}

}  // namespace onshi::service
