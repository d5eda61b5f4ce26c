// The reader's documents as they cross the C boundary (nlohmann::json). Each
// top-level document carries "schema": "onshi.reader.<doc>/1":
//   readers     {"readers": [{"name", "card_present"}]}
//   card-info   {"reader", "kind": "card"|"smartphone", "token_label", "pin_tries_left",
//                "auth_certificate": null | {"subject", "issuer", "serial", "not_before",
//                "not_after", "der_base64", "verdict", "alert_from", "grace_until"}}
//   pin-result  {"outcome": "verified"|"wrong"|"locked"|"failed", "tries_left"}
//   basic-four  {"name", "address", "birth_date", "sex"}
// Dates are JST calendar days "YYYY-MM-DD". No PIN and no individual number ever
// appears in any of them.
#pragma once

#include <onshi/reader/mynumber_card.hpp>

#include <nlohmann/json.hpp>

namespace onshi::reader {

// The readers document wraps PcscContext::list_readers().
struct ReaderList {
  std::vector<ReaderInfo> readers;
};

void to_json(nlohmann::json& j, const ReaderList& list);
void from_json(const nlohmann::json& j, ReaderList& list);

void to_json(nlohmann::json& j, const CardInfo& info);
void from_json(const nlohmann::json& j, CardInfo& info);
void to_json(nlohmann::json& j, const PinResult& result);
void from_json(const nlohmann::json& j, PinResult& result);
void to_json(nlohmann::json& j, const BasicFour& four);
void from_json(const nlohmann::json& j, BasicFour& four);

// from_json throws on a malformed document (nlohmann's way); this wrapper turns
// that into ONSHI_E_INVALID_ARGUMENT naming the document and the field.
inline constexpr const char* kReadersSchema = "onshi.reader.readers/1";
inline constexpr const char* kCardInfoSchema = "onshi.reader.card-info/1";
inline constexpr const char* kPinResultSchema = "onshi.reader.pin-result/1";
inline constexpr const char* kBasicFourSchema = "onshi.reader.basic-four/1";

template <class T>
Result<T> parse_document(const nlohmann::json& j, const char* schema) {
  try {
    if (j.value("schema", std::string()) != schema)
      return make_error(ONSHI_E_INVALID_ARGUMENT, "json", std::string("expected a document with schema ") + schema,
                        "pass the document the reader plugin produced");
    return j.get<T>();
  } catch (const std::exception& e) {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "json", std::string(schema) + ": " + e.what(),
                      "pass the document the reader plugin produced");
  }
}

}  // namespace onshi::reader
