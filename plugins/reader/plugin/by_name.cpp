// onshi.documents/1 of the reader plugin: thin adapters over its own onshi.card-reader/1 table, the
// plain arguments (reader, which, pin, challenge bytes) as fields of a small JSON document.
//
// A PIN never reaches the JSON parser: its value is copied out of the request into a buffer of its
// own and blanked in the copy that is parsed, and the buffer is wiped after the call (R-PIN). The
// request bytes are the caller's, who wipes them (onshi serve does).
#include "by_name.hpp"

#include <onshi/support/base64.hpp>
#include <onshi/support/document.hpp>

#include <openssl/crypto.h>

#include <cstring>
#include <string>

namespace onshi::reader::plugin {

namespace {

using nlohmann::json;
using onshi::plugin::DocumentFunction;
using onshi::plugin::guarded;

constexpr const char* kSchemaRequest = ONSHI_SCHEMA_READER_REQUEST;

const onshi_card_reader_v1& reader(onshi_instance* i) {
  return *static_cast<const onshi_card_reader_v1*>(
      onshi::plugin::self<onshi::plugin::Instance>(i).extension(ONSHI_EXT_CARD_READER));
}

// The "pin" field's value, taken out of the request before it is parsed; wiped when it goes.
class PinField {
 public:
  ~PinField() { OPENSSL_cleanse(digits_, sizeof digits_); }
  const char* c_str() const { return digits_; }
  bool present() const { return present_; }

  // `text` with the PIN's characters replaced by '0' in a copy (wiped by its owner), the PIN kept
  // here. Only a plain value of at most 15 characters is taken; anything else is left for the
  // parser and then refused as "not 4 digits" without being echoed.
  std::string take_from(std::string_view text) {
    std::string copy(text);
    for (size_t at = copy.find("\"pin\""); at != std::string::npos; at = copy.find("\"pin\"", at + 1)) {
      size_t v = at + 5;
      while (v < copy.size() && std::isspace(static_cast<unsigned char>(copy[v]))) ++v;
      if (v >= copy.size() || copy[v] != ':') continue;
      ++v;
      while (v < copy.size() && std::isspace(static_cast<unsigned char>(copy[v]))) ++v;
      if (v >= copy.size() || copy[v] != '"') continue;
      const size_t end = copy.find('"', v + 1);
      if (end == std::string::npos || end - v - 1 >= sizeof digits_) continue;
      if (copy.find('\\', v + 1) < end) continue;
      std::memcpy(digits_, copy.data() + v + 1, end - v - 1);
      std::memset(copy.data() + v + 1, 'x', end - v - 1);
      present_ = true;
      break;
    }
    return copy;
  }

 private:
  char digits_[16] = {};
  bool present_ = false;
};

struct ReaderRequest {
  std::string reader, which, challenge_base64;
};
void from_json(const json& doc, ReaderRequest& r) {
  for (auto [key, field] : {std::pair{"reader", &r.reader}, {"which", &r.which}, {"challenge_base64", &r.challenge_base64}})
    support::read(doc, key, *field);
}

// The request without its PIN, read; `pin` holds the PIN (absent: a call that needs one refuses it).
Result<ReaderRequest> read_request(onshi_bytes in, PinField& pin) {
  if (!in.size) return ReaderRequest{};
  std::string text = pin.take_from(text_of(in));
  auto doc = support::parse_request(text, kSchemaRequest);
  OPENSSL_cleanse(text.data(), text.size());
  if (!doc) return std::move(doc).error();
  return support::from_document<ReaderRequest>(*doc, kSchemaRequest);
}

const char* reader_of(const ReaderRequest& r) { return r.reader.empty() ? nullptr : r.reader.c_str(); }

// The writer's bytes as base64 in a field of a small document.
struct Collected {
  std::string bytes;
  onshi_writer writer = append_to(bytes);
};

template <class Call>
onshi_status with_request(onshi_instance*, onshi_bytes in, onshi_error* err, Call call) {
  PinField pin;
  ReaderRequest request;
  const onshi_status read = guarded(err, [&]() -> Result<void> {
    auto r = read_request(in, pin);
    if (!r) return std::move(r).error();
    request = std::move(*r);
    return {};
  });
  if (read != ONSHI_OK) return read;
  return call(request, pin);
}

onshi_status ONSHI_ABI list_readers(onshi_instance* i, onshi_bytes, const onshi_writer* out, onshi_error* err) {
  return reader(i).list_readers(i, out, err);
}

onshi_status ONSHI_ABI card_info(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return with_request(i, in, err, [&](const ReaderRequest& r, PinField&) {
    return reader(i).card_info(i, reader_of(r), out, err);
  });
}

onshi_status ONSHI_ABI read_certificate(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return with_request(i, in, err, [&](const ReaderRequest& r, PinField&) -> onshi_status {
    if (r.which != "" && r.which != "auth" && r.which != "auth_ca")
      return fill_error(err, make_error(ONSHI_E_INVALID_ARGUMENT, "onshi.reader.pcsc",
                                        "field which must be \"auth\" (利用者証明用電子証明書) or \"auth_ca\" (its CA)",
                                        "leave it out for the auth certificate"));
    Collected der;
    const onshi_status st =
        reader(i).read_certificate(i, reader_of(r), r.which == "auth_ca" ? ONSHI_CERT_AUTH_CA : ONSHI_CERT_AUTH,
                                   &der.writer, err);
    if (st != ONSHI_OK) return st;
    return guarded(err, [&] {
      return onshi::plugin::write_to(out, json{{"schema", ONSHI_SCHEMA_READER_CERTIFICATE},
                                               {"which", r.which.empty() ? "auth" : r.which},
                                               {"certificate_base64", support::base64_encode(der.bytes)}}
                                              .dump());
    });
  });
}

onshi_status ONSHI_ABI verify_pin(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return with_request(i, in, err, [&](const ReaderRequest& r, PinField& pin) -> onshi_status {
    const onshi_status st = reader(i).verify_pin(i, reader_of(r), pin.c_str(), err);
    if (st != ONSHI_OK) return st;
    return guarded(err, [&] {
      return onshi::plugin::write_to(out, json{{"schema", ONSHI_SCHEMA_READER_PIN_RESULT}, {"verified", true}}.dump());
    });
  });
}

onshi_status ONSHI_ABI sign(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return with_request(i, in, err, [&](const ReaderRequest& r, PinField& pin) -> onshi_status {
    auto challenge = support::base64_decode(r.challenge_base64);
    if (!challenge || challenge->empty())
      return fill_error(err, make_error(ONSHI_E_INVALID_ARGUMENT, "onshi.reader.pcsc",
                                        "field challenge_base64 must be the challenge's bytes in base64",
                                        "pass the challenge of onshi.eligibility/1 challenge as it came"));
    Collected signature, certificate;
    const auto& t = reader(i);
    const onshi_status st =
        ONSHI_HAS_FIELD(onshi_card_reader_v1, &t, sign_with_certificate) && t.sign_with_certificate
            ? t.sign_with_certificate(i, reader_of(r), pin.c_str(), bytes_of(*challenge), &signature.writer,
                                      &certificate.writer, err)
            : t.sign(i, reader_of(r), pin.c_str(), bytes_of(*challenge), &signature.writer, err);
    if (st != ONSHI_OK) return st;
    return guarded(err, [&] {
      json doc = {{"schema", ONSHI_SCHEMA_READER_SIGNATURE}, {"signature_base64", support::base64_encode(signature.bytes)}};
      if (!certificate.bytes.empty()) doc["certificate_base64"] = support::base64_encode(certificate.bytes);
      return onshi::plugin::write_to(out, doc.dump());
    });
  });
}

onshi_status ONSHI_ABI read_basic4(onshi_instance* i, onshi_bytes in, const onshi_writer* out, onshi_error* err) {
  return with_request(i, in, err, [&](const ReaderRequest& r, PinField& pin) {
    return reader(i).read_basic4(i, reader_of(r), pin.c_str(), out, err);
  });
}

constexpr const char* kReader = ONSHI_EXT_CARD_READER;

constexpr DocumentFunction kDocuments[] = {
    {kReader, "list_readers", "", ONSHI_SCHEMA_READER_READERS, &list_readers},
    {kReader, "card_info", ONSHI_SCHEMA_READER_REQUEST, ONSHI_SCHEMA_READER_CARD_INFO, &card_info},
    {kReader, "read_certificate", ONSHI_SCHEMA_READER_REQUEST, ONSHI_SCHEMA_READER_CERTIFICATE, &read_certificate},
    {kReader, "verify_pin", ONSHI_SCHEMA_READER_REQUEST, ONSHI_SCHEMA_READER_PIN_RESULT, &verify_pin},
    {kReader, "sign", ONSHI_SCHEMA_READER_REQUEST, ONSHI_SCHEMA_READER_SIGNATURE, &sign},
    {kReader, "read_basic4", ONSHI_SCHEMA_READER_REQUEST, ONSHI_SCHEMA_READER_BASIC_FOUR, &read_basic4},
};

const char* event_name(int32_t kind) {
  switch (kind) {
    case ONSHI_READER_EVENT_CARD_INSERTED: return "card_inserted";
    case ONSHI_READER_EVENT_CARD_REMOVED: return "card_removed";
    case ONSHI_READER_EVENT_READER_ADDED: return "reader_added";
    case ONSHI_READER_EVENT_READER_REMOVED: return "reader_removed";
    case ONSHI_READER_EVENT_SERVICE_LOST: return "service_lost";
    case ONSHI_READER_EVENT_SERVICE_BACK: return "service_back";
    default: return "unknown";
  }
}

}  // namespace

const onshi_documents_v1* documents_table() { return onshi::plugin::documents_extension<kDocuments>(); }

Result<void> CardEventDocuments::set_listener(const onshi_document_listener* listener) {
  if (listener && (!ONSHI_HAS_FIELD(onshi_document_listener, listener, on_document) || !listener->on_document))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "onshi.reader.pcsc", "the event listener has no on_document",
                      "pass a complete onshi_document_listener, or NULL to stop");
  if (!listener) {
    auto stopped = events_.set_listener(nullptr);  // after it returns, on_event is not running
    std::lock_guard lock(mutex_);
    listener_ = {};
    return stopped;
  }
  {
    std::lock_guard lock(mutex_);
    listener_ = *listener;
  }
  const onshi_reader_listener bridge{sizeof(onshi_reader_listener), this, &on_event};
  return events_.set_listener(&bridge);
}

void ONSHI_ABI CardEventDocuments::on_event(void* ctx, const onshi_reader_event* event) {
  auto& self = *static_cast<CardEventDocuments*>(ctx);
  const std::string name = event->reader;
  const std::string text = json{{"schema", ONSHI_SCHEMA_PLUGIN_EVENT},
                                {"kind", "card"},
                                {"reader", name},
                                {"data", {{"event", event_name(event->kind)}, {"reader", name}}}}
                               .dump();
  std::lock_guard lock(self.mutex_);
  if (self.listener_.on_document) self.listener_.on_document(self.listener_.ctx, ONSHI_OK, bytes_of(text), nullptr);
}

}  // namespace onshi::reader::plugin
