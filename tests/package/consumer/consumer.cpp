// An EMR using the installed SDK through <onshi/host.hpp>: it opens the SDK with
// the default search (the plugin folder installed next to libonshi_host), lists
// the plugins, requires the ones named on the command line to be loaded from
// that folder, and makes one real call to the claims plugin. Exits 0 when all held.
//
//   onshi_consumer [PLUGIN_ID...]
#include <onshi/abi/onshi_ext_claims.h>
#include <onshi/host.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

onshi_status ONSHI_ABI append(void* ctx, const uint8_t* data, uint64_t size) {
  static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), size);
  return ONSHI_OK;
}

// "valid": true / false in a number-check document, without a JSON library.
int valid_field(const std::string& doc) {
  auto at = doc.find("\"valid\"");
  if (at == std::string::npos) return -1;
  at = doc.find_first_not_of(" \t\r\n:", at + 7);
  if (at == std::string::npos) return -1;
  if (doc.compare(at, 4, "true") == 0) return 1;
  if (doc.compare(at, 5, "false") == 0) return 0;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("onshi SDK %s, installed plugins in %s\n", onshi_sdk_version(), ONSHI_PLUGIN_DIR);
  auto sdk = onshi::Sdk::open({.host_name = "onshi-package-consumer"});
  if (!sdk.ok()) {
    std::printf("FAIL open: %s (%s)\n", sdk.error().message.c_str(), sdk.error().hint.c_str());
    return 1;
  }

  const std::string plugin_dir = ONSHI_PLUGIN_DIR;
  const auto plugins = sdk->plugins();
  for (const auto& p : plugins)
    std::printf("  %-24s %-11s %s%s%s\n", p.id.c_str(), p.state_name(), p.library_path.c_str(),
                p.loaded() ? "" : "  ", p.loaded() ? "" : (p.stage + ": " + p.message).c_str());
  check(!plugins.empty(), "plugins found in the installed plugin folder");
  for (int i = 1; i < argc; ++i) {
    const auto p = sdk->plugin(argv[i]);
    check(p && p->loaded(), std::string(argv[i]) + " is loaded");
    check(p && p->library_path.starts_with(plugin_dir),
          std::string(argv[i]) + " comes from " + plugin_dir + (p ? " (" + p->library_path + ")" : ""));
  }

  // One real call, when the claims plugin was built (-DONSHI_SKIP_PARTS=claims leaves it out).
  if (!sdk->plugin("onshi.claims")) {
    std::printf("(no onshi.claims plugin installed: no call made)\n");
  } else {
    auto claims = sdk->extension<onshi_claims_v1>(ONSHI_EXT_CLAIMS);
    check(claims.ok(), "a loaded plugin provides " ONSHI_EXT_CLAIMS);
    if (claims.ok()) {
      auto number_check = [&](std::string_view number) {
        const std::string request =
            R"({"schema":"onshi.claims.number-request/1","kind":"insurer","number":")" + std::string(number) + "\"}";
        std::string reply;
        const onshi_writer out{&reply, &append};
        onshi_error err = onshi::empty_error();
        const onshi_status st = claims->vtable->check_number(
            claims->instance, onshi::bytes_of(request), &out, &err);
        std::printf("  insurer %.*s -> %s\n", int(number.size()), number.data(),
                    st == ONSHI_OK ? reply.c_str() : err.message);
        return st == ONSHI_OK ? valid_field(reply) : -1;
      };
      check(number_check("138057") == 1, "insurer number 138057 is valid");
      check(number_check("138058") == 0, "insurer number 138058 has a wrong check digit");
    }
  }

  std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: all checks passed");
  return failures ? 1 : 0;
}
