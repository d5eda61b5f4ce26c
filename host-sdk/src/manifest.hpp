// A plugin's manifest (*.onshi-plugin.json), read before its library is opened
// so that the host can list, filter and refuse plugins without running vendor code.
#pragma once

#include <onshi/abi/onshi_plugin.h>
#include <onshi/result.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::host {

inline constexpr const char* kManifestSuffix = ".onshi-plugin.json";

struct Manifest {
  std::filesystem::path path;     // the manifest file (absolute)
  std::string id, name, vendor, version, license;
  onshi_version abi{};
  std::filesystem::path library;  // absolute, resolved against the manifest's folder
  std::string thread_safety = "none";  // none | instance | full
  std::vector<std::string> provides;
  std::vector<std::string> reader_names;  // readers only: PC/SC reader name patterns it serves
};

// Reads and checks one manifest; the error names the file and the field.
Result<Manifest> read_manifest(const std::filesystem::path& file);
// The same from its text (a vendor's bytes: fuzzed by tests/host/manifest_fuzz.cpp).
Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& file);

}  // namespace onshi::host
