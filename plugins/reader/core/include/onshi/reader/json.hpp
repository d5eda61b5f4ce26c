// The reader's documents as they cross the C boundary (nlohmann::json). Each
// top-level document carries "schema": "onshi.reader.<doc>/1":
//   readers     {"readers": [{"name", "card_present"}]}
//   card-info   {"reader", "kind": "card"|"smartphone", "token_label", "pin_tries_left",
//                "auth_certificate": null | {"subject", "issuer", "serial", "not_before",
//                "not_after", "der_base64", "verdict", "alert_from", "grace_until"}}
//   pin-result  {"outcome": "verified"|"wrong"|"locked"|"failed", "tries_left"}
//   basic-four  {"name", "address", "birth_date", "sex"}
// Dates are JST calendar days "YYYY-MM-DD". No PIN and no individual number ever
// appears in any of them. Read them with support::from_document<T>(doc, ONSHI_SCHEMA_READER_...).
#pragma once

#include <onshi/reader/mynumber_card.hpp>

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/support/document.hpp>

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

}  // namespace onshi::reader
