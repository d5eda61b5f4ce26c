// Fuzz target: a plugin's manifest is a vendor's bytes, read before anything of the plugin runs.
// Any bytes give a Manifest or an Error naming the file and the field; never an exception (it
// would cross onshi_sdk_open's C boundary), a crash or a leak.
#include "manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = onshi::host::parse_manifest(text, "/plugins/fuzz/fuzz.onshi-plugin.json");
  // A manifest accepted names a library beside it, never elsewhere (a path in "library" is refused).
  if (manifest && manifest->library.parent_path() != "/plugins/fuzz") __builtin_trap();
  return 0;
}
