// onshi.documents/1 of the disaster plugin: thin adapters over its own onshi.disaster/1 table. Every
// function already takes a document but import_qr, whose QR parts come as {"parts_base64": [...]}.
#include "by_name.hpp"

#include <onshi/abi/onshi_ext_disaster.h>
#include <onshi/plugin.hpp>
#include <onshi/support/base64.hpp>
#include <onshi/support/document.hpp>

#include <string>
#include <vector>

namespace onshi::disaster::plugin {

namespace {

using onshi::plugin::DocumentFunction;

const onshi_disaster_v1& disaster(onshi_instance* i) {
  return *static_cast<const onshi_disaster_v1*>(onshi::plugin::self<onshi::plugin::Instance>(i).extension(ONSHI_EXT_DISASTER));
}

template <onshi_document_fn onshi_disaster_v1::*Fn>
onshi_status ONSHI_ABI forward(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return (disaster(i).*Fn)(i, in, out, err);
}

onshi_status ONSHI_ABI lookup(onshi_instance* i, onshi_bytes in, const onshi_document_listener*,
                              const onshi_completion* done, uint64_t* op, onshi_error* err) {
  return disaster(i).lookup_async(i, in, done, op, err);
}

onshi_status ONSHI_ABI cancel(onshi_instance* i, uint64_t op) { return disaster(i).cancel(i, op); }

struct QrRequest {
  std::vector<std::string> parts_base64;
};
void from_json(const nlohmann::json& doc, QrRequest& r) { support::read_array(doc, "parts_base64", r.parts_base64); }

onshi_status ONSHI_ABI import_qr(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  std::vector<std::string> parts;
  const onshi_status read = onshi::plugin::guarded(err, [&]() -> Result<void> {
    // Base64 is 4/3 of the parts, which import_qr itself bounds (1 MiB in all).
    auto doc = support::parse_request(text_of(in), ONSHI_SCHEMA_DISASTER_QR_REQUEST, 2 * support::kMaxDocumentBytes);
    if (!doc) return std::move(doc).error();
    auto request = support::from_document<QrRequest>(*doc, ONSHI_SCHEMA_DISASTER_QR_REQUEST);
    if (!request) return std::move(request).error();
    for (size_t k = 0; k < request->parts_base64.size(); ++k) {
      auto bytes = support::base64_decode(request->parts_base64[k]);
      if (!bytes)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                          ONSHI_SCHEMA_DISASTER_QR_REQUEST " document: field parts_base64[" + std::to_string(k) +
                              "] must be base64 (RFC 4648, with padding)",
                          "encode each QR part's raw bytes in base64");
      parts.push_back(std::move(*bytes));
    }
    return {};
  });
  if (read != ONSHI_OK) return read;
  std::vector<onshi_bytes> views;
  for (const auto& p : parts) views.push_back(bytes_of(p));
  return disaster(i).import_qr(i, views.data(), static_cast<uint32_t>(views.size()), out, err);
}

constexpr DocumentFunction kDocuments[] = {
    {ONSHI_EXT_DISASTER, "declare", ONSHI_SCHEMA_DISASTER_DECLARE_REQUEST, ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS,
     &forward<&onshi_disaster_v1::declare>},
    {ONSHI_EXT_DISASTER, "end", ONSHI_SCHEMA_DISASTER_END_REQUEST, ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS,
     &forward<&onshi_disaster_v1::end>},
    {ONSHI_EXT_DISASTER, "status", "", ONSHI_SCHEMA_DISASTER_DECLARATION_STATUS, &forward<&onshi_disaster_v1::status>},
    {ONSHI_EXT_DISASTER, "lookup", ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST, ONSHI_SCHEMA_DISASTER_LOOKUP_ANSWER, nullptr,
     &lookup, &cancel},
    {ONSHI_EXT_DISASTER, "import_qr", ONSHI_SCHEMA_DISASTER_QR_REQUEST, ONSHI_SCHEMA_DISASTER_TECHO, &import_qr},
    {ONSHI_EXT_DISASTER, "search_local", ONSHI_SCHEMA_DISASTER_LOOKUP_REQUEST, ONSHI_SCHEMA_DISASTER_LOOKUP_ANSWER,
     &forward<&onshi_disaster_v1::search_local>},
    {ONSHI_EXT_DISASTER, "audit", ONSHI_SCHEMA_DISASTER_AUDIT_REQUEST, ONSHI_SCHEMA_DISASTER_AUDIT,
     &forward<&onshi_disaster_v1::audit>},
};

}  // namespace

const onshi_documents_v1* documents_table() { return onshi::plugin::documents_extension<kDocuments>(); }

}  // namespace onshi::disaster::plugin
