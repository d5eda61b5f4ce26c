// A well-behaved C++ plugin built with onshi/plugin.hpp. Its diagnostics report
// the host clock as it sees it and its configuration; config {"fail_create": true}
// makes create() fail so the "create" stage can be tested.
#include <onshi/abi/onshi_ext_diagnostics.h>
#include <onshi/plugin.hpp>

#include <string>

namespace {

class Good : public onshi::plugin::Instance {
 public:
  Good(onshi::plugin::Host host, std::string config) : host_(host), config_(std::move(config)) {}

  const void* extension(std::string_view id) override {
    static const onshi_diagnostics_v1 diagnostics = {sizeof(onshi_diagnostics_v1), &self_test};
    return id == ONSHI_EXT_DIAGNOSTICS ? &diagnostics : nullptr;
  }

 private:
  static onshi_status ONSHI_ABI self_test(onshi_instance* instance, const onshi_writer* out, onshi_error* err) {
    return onshi::plugin::guarded(err, [&]() -> onshi::Result<void> {
      auto& self = onshi::plugin::self<Good>(instance);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(self.host_.now().time_since_epoch()).count();
      std::string json = "{\"ok\":true,\"plugin\":\"" ONSHI_TEST_PLUGIN_ID "\",\"now_unix_ms\":" + std::to_string(ms) +
                         ",\"config\":" + self.config_ + ",\"greeting\":\"" +
                         self.host_.config("greeting").value_or("") + "\",\"checks\":[]}";
      onshi_status st = out->write(out->ctx, reinterpret_cast<const uint8_t*>(json.data()), json.size());
      if (st != ONSHI_OK) return onshi::make_error(st, "test", "writer refused");
      return {};
    });
  }

  onshi::plugin::Host host_;
  std::string config_;
};

onshi::Result<std::unique_ptr<onshi::plugin::Instance>> make(onshi::plugin::Host host, std::string_view config) {
  if (config.find("\"fail_create\":true") != std::string_view::npos)
    return onshi::make_error(ONSHI_E_INVALID_ARGUMENT, "test", "fail_create was set in the configuration",
                             "remove fail_create from the test configuration");
  host.info("good plugin created");
  return std::unique_ptr<onshi::plugin::Instance>(new Good(host, std::string(config)));
}

}  // namespace

ONSHI_PLUGIN_DEFINE(ONSHI_TEST_PLUGIN_ID, make)
