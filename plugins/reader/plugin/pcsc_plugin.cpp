// onshi.reader.pcsc: the PC/SC reader core (onshi_reader_core) as the
// "onshi.card-reader/1" extension, plus "onshi.diagnostics/1".
//
// Every card operation is atomic: connect (exclusive), work, and the connection's
// destructor resets the card, so no verified PIN outlives the call. Operations on
// one reader run one at a time. "Today" is the host clock's day in JST.
#include "by_name.hpp"
#include "reader_events.hpp"

#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/plugin.hpp>
#include <onshi/reader/json.hpp>
#include <onshi/reader/mynumber_card.hpp>

#include <map>
#include <mutex>

namespace onshi::reader::plugin {
namespace {

using onshi::plugin::guarded;
using nlohmann::json;

constexpr const char* kPluginId = "onshi.reader.pcsc";

// Bytes of the card (a certificate, a signature) to the caller's writer.
Result<void> write_bytes(const onshi_writer* out, std::span<const uint8_t> bytes) {
  return onshi::plugin::write_to(out, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

Error missing(const char* what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, kPluginId, std::string(what) + " is NULL",
                    "pass a valid " + std::string(what) + " to the card-reader extension");
}

// Checked before any reader is touched, so a typo never costs a try (R-PIN).
Result<Pin> checked_pin(const char* digits) { return Pin::from_digits(digits ? std::string_view(digits) : std::string_view()); }

class PcscPlugin : public onshi::plugin::Instance {
 public:
  explicit PcscPlugin(onshi::plugin::Host host) : host_(host), events_(host), event_documents_(host) {}

  const void* extension(std::string_view id) override {
    static const onshi_card_reader_v1 reader = {sizeof(onshi_card_reader_v1), &list_readers, &set_listener,
                                                &card_info, &read_certificate, &verify_pin, &sign, &read_basic4,
                                                &cancel, &sign_with_certificate};
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    static const onshi_events_v1 events = {sizeof(onshi_events_v1), &set_event_listener};
    if (id == ONSHI_EXT_CARD_READER) return &reader;
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    if (id == ONSHI_EXT_DOCUMENTS) return documents_table();  // by_name.cpp
    if (id == ONSHI_EXT_EVENTS) return &events;
    return nullptr;
  }

 private:
  static PcscPlugin& self(onshi_instance* i) { return onshi::plugin::self<PcscPlugin>(i); }

  // ---- the PC/SC context: established on first use, so the plugin loads even
  // while pcscd is down; the core re-establishes it after a pcscd restart.

  template <class Call>
  auto with_context(Call call) -> decltype(call(std::declval<PcscContext&>())) {
    std::lock_guard lock(context_mutex_);
    if (!context_) {
      auto established = PcscContext::establish();
      if (!established) return established.error();
      context_ = std::move(established).value();
      std::lock_guard target(cancel_mutex_);
      cancel_target_ = context_.get();  // lives as long as the instance
    }
    return call(*context_);
  }

  Result<std::vector<ReaderInfo>> readers() {
    return with_context([](PcscContext& c) { return c.list_readers(); });
  }

  // The reader named, or the first one holding a card.
  Result<std::string> resolve_reader(const char* reader) {
    if (reader && *reader) return std::string(reader);
    auto all = readers();
    if (!all) return all.error();
    if (all->empty())
      return make_error(ONSHI_E_NO_DEVICE, "pcsc", "no card reader is connected",
                        "connect the card reader (check its cable), then retry");
    for (const auto& r : *all)
      if (r.card_present) return r.name;
    return make_error(ONSHI_E_NO_CARD, "pcsc", "no card in any of the " + std::to_string(all->size()) + " card readers",
                      "put the My Number card on the reader");
  }

  std::mutex& reader_mutex(const std::string& reader) {
    std::lock_guard lock(reader_mutexes_mutex_);
    auto& m = reader_mutexes_[reader];
    if (!m) m = std::make_unique<std::mutex>();
    return *m;
  }

  // Runs work(card, reader name) on an exclusive connection, one operation per
  // reader at a time; the card is reset when the connection closes. `operation`
  // names the call in the log (never with a PIN).
  template <class Work>
  Result<void> with_card(const char* reader_arg, const char* operation, Work work) {
    auto reader = resolve_reader(reader_arg);
    Result<void> outcome = [&]() -> Result<void> {
      if (!reader) return reader.error();
      std::lock_guard one_at_a_time(reader_mutex(*reader));
      auto connection = with_context([&](PcscContext& c) { return c.connect(*reader); });
      if (!connection) return connection.error();
      auto card = MyNumberCard::open(**connection);
      if (!card) return card.error();
      return work(*card, *reader);
    }();
    const std::string where = reader ? " on '" + *reader + "'" : std::string();
    if (outcome) host_.debug(std::string(operation) + where + ": done");
    else host_.info(std::string(operation) + where + ": " + outcome.error().message);
    return outcome;
  }

  Date today() const { return support::jst_day(host_.now()); }

  // ---- onshi.card-reader/1

  static onshi_status ONSHI_ABI list_readers(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      if (!out) return missing("out_json");
      auto all = self(i).readers();
      if (!all) return all.error();
      return onshi::plugin::write_to(out, json(ReaderList{*all}).dump());
    });
  }

  static onshi_status ONSHI_ABI set_listener(onshi_instance* i, const onshi_reader_listener* listener,
                                             onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      PcscPlugin& p = self(i);
      std::lock_guard lock(p.listener_mutex_);
      return p.events_.set_listener(listener);
    });
  }

  static onshi_status ONSHI_ABI set_event_listener(onshi_instance* i, const onshi_document_listener* listener,
                                                   onshi_error* err) {
    return guarded(err, [&] { return self(i).event_documents_.set_listener(listener); });
  }

  static onshi_status ONSHI_ABI card_info(onshi_instance* i, const char* reader, const onshi_writer* out,
                                          onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      if (!out) return missing("out_json");
      PcscPlugin& p = self(i);
      const Date today = p.today();
      return p.with_card(reader, "card_info", [&](MyNumberCard& card, const std::string& name) -> Result<void> {
        auto info = read_card_info(card, name, today);
        if (!info) return info.error();
        return onshi::plugin::write_to(out, json(*info).dump());
      });
    });
  }

  static onshi_status ONSHI_ABI read_certificate(onshi_instance* i, const char* reader, int32_t which,
                                                 const onshi_writer* out, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      if (!out) return missing("out_der");
      if (which != ONSHI_CERT_AUTH && which != ONSHI_CERT_AUTH_CA)
        return make_error(ONSHI_E_INVALID_ARGUMENT, kPluginId,
                          "read_certificate: unknown certificate " + std::to_string(which),
                          "pass ONSHI_CERT_AUTH (0) or ONSHI_CERT_AUTH_CA (1)");
      return self(i).with_card(reader, "read_certificate", [&](MyNumberCard& card, const std::string&) -> Result<void> {
        auto der = which == ONSHI_CERT_AUTH ? card.read_auth_certificate() : card.read_auth_ca_certificate();
        if (!der) return der.error();
        return write_bytes(out, *der);
      });
    });
  }

  static onshi_status ONSHI_ABI verify_pin(onshi_instance* i, const char* reader, const char* pin, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      auto checked = checked_pin(pin);
      if (!checked) return checked.error();
      return self(i).with_card(reader, "verify_pin", [&](MyNumberCard& card, const std::string&) {
        return card.verify_auth_pin(*checked);
      });
    });
  }

  static onshi_status ONSHI_ABI sign(onshi_instance* i, const char* reader, const char* pin, onshi_bytes challenge,
                                     const onshi_writer* out, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      auto checked = checked_pin(pin);
      if (!checked) return checked.error();
      if (!out) return missing("out_signature");
      if (!challenge.data && challenge.size) return missing("challenge.data");
      const std::span<const uint8_t> data(challenge.data, size_t(challenge.size));
      return self(i).with_card(reader, "sign", [&](MyNumberCard& card, const std::string&) -> Result<void> {
        if (auto verified = card.verify_auth_pin(*checked); !verified) return verified;
        auto signature = card.sign(data);
        if (!signature) return signature.error();
        return write_bytes(out, *signature);
      });
    });
  }

  static onshi_status ONSHI_ABI sign_with_certificate(onshi_instance* i, const char* reader, const char* pin,
                                                      onshi_bytes challenge, const onshi_writer* out,
                                                      const onshi_writer* out_certificate, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      auto checked = checked_pin(pin);
      if (!checked) return checked.error();
      if (!out) return missing("out_signature");
      if (!out_certificate) return missing("out_certificate_der");
      if (!challenge.data && challenge.size) return missing("challenge.data");
      const std::span<const uint8_t> data(challenge.data, size_t(challenge.size));
      return self(i).with_card(reader, "sign_with_certificate",
                               [&](MyNumberCard& card, const std::string&) -> Result<void> {
                                 if (auto verified = card.verify_auth_pin(*checked); !verified) return verified;
                                 auto der = card.read_auth_certificate();
                                 if (!der) return der.error();
                                 auto signature = card.sign(data);
                                 if (!signature) return signature.error();
                                 if (auto w = write_bytes(out_certificate, *der); !w) return w;
                                 return write_bytes(out, *signature);
                               });
    });
  }

  static onshi_status ONSHI_ABI read_basic4(onshi_instance* i, const char* reader, const char* pin,
                                            const onshi_writer* out, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      auto checked = checked_pin(pin);
      if (!checked) return checked.error();
      if (!out) return missing("out_json");
      return self(i).with_card(reader, "read_basic4", [&](MyNumberCard& card, const std::string&) -> Result<void> {
        auto four = card.read_basic_four(*checked);
        if (!four) return four.error();
        return onshi::plugin::write_to(out, json(*four).dump());
      });
    });
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance* i) {
    onshi_error ignored = empty_error();
    return guarded(&ignored, [&]() -> Result<void> {
      PcscPlugin& p = self(i);
      // Not with_context(): cancelling must not wait behind the call it cancels.
      std::lock_guard lock(p.cancel_mutex_);
      if (p.cancel_target_) p.cancel_target_->cancel();
      return {};
    });
  }

  // ---- onshi.diagnostics/1: is PC/SC reachable, and which day the plugin thinks it is.

  static onshi_status ONSHI_ABI self_test(onshi_instance* i, const onshi_writer* out, onshi_error* err) {
    return guarded(err, [&]() -> Result<void> {
      if (!out) return missing("out_json");
      PcscPlugin& p = self(i);
      auto all = p.readers();
      std::string detail;
      if (all) {
        size_t with_card = 0;
        for (const auto& r : *all) with_card += r.card_present;
        detail = std::to_string(all->size()) + " card readers, " + std::to_string(with_card) + " holding a card";
      } else {
        detail = all.error().message + "; " + all.error().hint;
      }
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(p.host_.now().time_since_epoch());
      json checks = json::array({{{"name", "pcsc_service"}, {"ok", all.ok()}, {"detail", detail}},
                                 {{"name", "today_jst"}, {"ok", true}, {"detail", support::iso_date(p.today())}}});
      return onshi::plugin::write_to(out, json{{"ok", all.ok()}, {"plugin", kPluginId}, {"now_unix_ms", now.count()}, {"checks", checks}}.dump());
    });
  }

  onshi::plugin::Host host_;
  std::mutex context_mutex_;
  std::unique_ptr<PcscContext> context_;
  std::mutex cancel_mutex_;
  PcscContext* cancel_target_ = nullptr;
  std::mutex reader_mutexes_mutex_;
  std::map<std::string, std::unique_ptr<std::mutex>> reader_mutexes_;
  std::mutex listener_mutex_;
  ReaderEvents events_;  // last: stopped (and their threads joined) before the rest goes
  CardEventDocuments event_documents_;
};

Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view) {
  return std::unique_ptr<onshi::plugin::Instance>(new PcscPlugin(host));
}

}  // namespace
}  // namespace onshi::reader::plugin

ONSHI_PLUGIN_DEFINE("onshi.reader.pcsc", onshi::reader::plugin::make)
