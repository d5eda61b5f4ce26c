// Template of a card-reader plugin. It reports one reader that never holds a
// card; replace the bodies marked TODO with calls to your hardware.
//
// The rules that matter (docs/plugin-contract.md):
// - every extension function is guarded: no exception may leave the plugin;
// - errors say what happened and what the receptionist can do (hint);
// - a PIN is checked for format before anything is sent, never retried, never
//   logged, and wiped from every buffer of yours after use.
#include <onshi/abi/onshi_ext_card_reader.h>
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/plugin.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

namespace {

constexpr const char* kReaderName = "Example Reader 00";

onshi_status write(const onshi_writer* out, const std::string& text) {
  return out->write(out->ctx, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// A PIN copy that is wiped however the function ends.
class PinBuffer {
 public:
  explicit PinBuffer(const char* pin) {
    size_t n = pin ? std::strlen(pin) : 0;
    len_ = std::min(n, sizeof buf_);
    std::memcpy(buf_, pin ? pin : "", len_);
    valid_ = n == 4 && std::all_of(buf_, buf_ + 4, [](char c) { return c >= '0' && c <= '9'; });
  }
  ~PinBuffer() {
    volatile char* p = buf_;
    for (size_t i = 0; i < sizeof buf_; ++i) p[i] = 0;
  }
  bool valid() const { return valid_; }

 private:
  char buf_[16] = {};
  size_t len_ = 0;
  bool valid_ = false;
};

onshi::Error pin_format_error() {
  return onshi::make_error(ONSHI_E_INVALID_ARGUMENT, "card", "the PIN must be 4 digits (nothing was sent to the card)",
                           "ask the patient to enter the 4-digit PIN again");
}

onshi::Error no_card_error() {
  return onshi::make_error(ONSHI_E_NO_CARD, "com.example.reader", std::string("no card in ") + kReaderName,
                           "ask the patient to place the My Number card on the reader");
}

class ExampleReader : public onshi::plugin::Instance {
 public:
  explicit ExampleReader(onshi::plugin::Host host) : host_(host) {}

  const void* extension(std::string_view id) override {
    static const onshi_card_reader_v1 reader = {sizeof(onshi_card_reader_v1), &list_readers, &set_listener,
                                                &card_info, &read_certificate, &verify_pin, &sign, &read_basic4,
                                                &cancel,
                                                // sign_with_certificate: a reader that cannot read a
                                                // smartphone's certificate leaves it null (R-PHONE).
                                                nullptr};
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    if (id == ONSHI_EXT_CARD_READER) return &reader;
    if (id == ONSHI_EXT_DIAGNOSTICS) return &diagnostics;
    return nullptr;
  }

 private:
  static ExampleReader& self(onshi_instance* i) { return onshi::plugin::self<ExampleReader>(i); }

  static onshi_status ONSHI_ABI list_readers(onshi_instance*, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      // TODO: enumerate your readers.
      if (onshi_status st = write(out, std::string("{\"schema\":\"onshi.reader.readers/1\",\"readers\":[{\"name\":\"") +
                                           kReaderName + "\",\"card_present\":false}]}"))
        return onshi::make_error(st, "com.example.reader", "the host refused the output");
      return {};
    });
  }

  static onshi_status ONSHI_ABI set_listener(onshi_instance* i, const onshi_reader_listener* listener,
                                             onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      // TODO: start or stop watching your hardware; deliver events with host.post().
      std::lock_guard lock(self(i).mutex_);
      self(i).listener_ = listener ? *listener : onshi_reader_listener{};
      return {};
    });
  }

  static onshi_status ONSHI_ABI card_info(onshi_instance*, const char*, const onshi_writer*, onshi_error* err) {
    return onshi::fill_error(err, no_card_error());  // TODO: read the card
  }

  static onshi_status ONSHI_ABI read_certificate(onshi_instance*, const char*, int32_t, const onshi_writer*,
                                                 onshi_error* err) {
    return onshi::fill_error(err, no_card_error());
  }

  static onshi_status ONSHI_ABI verify_pin(onshi_instance*, const char*, const char* pin, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      PinBuffer p(pin);
      if (!p.valid()) return pin_format_error();
      return no_card_error();  // TODO: VERIFY once, then reset the card
    });
  }

  static onshi_status ONSHI_ABI sign(onshi_instance*, const char*, const char* pin, onshi_bytes, const onshi_writer*,
                                     onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      PinBuffer p(pin);
      if (!p.valid()) return pin_format_error();
      return no_card_error();
    });
  }

  static onshi_status ONSHI_ABI read_basic4(onshi_instance*, const char*, const char* pin, const onshi_writer*,
                                            onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      PinBuffer p(pin);
      if (!p.valid()) return pin_format_error();
      return no_card_error();
    });
  }

  static onshi_status ONSHI_ABI cancel(onshi_instance*) { return ONSHI_OK; }

  static onshi_status ONSHI_ABI self_test(onshi_instance*, const onshi_writer* out, onshi_error*) {
    return write(out, "{\"ok\":true,\"checks\":[{\"name\":\"readers\",\"ok\":true,\"detail\":\"1 reader\"}]}");
  }

  onshi::plugin::Host host_;
  std::mutex mutex_;
  onshi_reader_listener listener_{};
};

onshi::Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view) {
  return std::unique_ptr<onshi::plugin::Instance>(new ExampleReader(host));
}

}  // namespace

ONSHI_PLUGIN_DEFINE("com.example.reader", make)
