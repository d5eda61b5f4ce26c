#include "manifest.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace onshi::host {
namespace {

Error manifest_error(const std::filesystem::path& file, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "manifest", file.string() + ": " + what,
                    "fix the manifest or reinstall the plugin package; see docs/plugin-contract.md");
}

}  // namespace

Result<Manifest> read_manifest(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return manifest_error(file, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_manifest(text.str(), file);
}

Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range (fuzzing found it)
    return manifest_error(file, "is not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) return manifest_error(file, "is not a JSON object");

  auto string_field = [&](const char* key, bool required, std::string& out) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return !required;
    if (!it->is_string() || (required && it->get<std::string>().empty())) return false;
    out = it->get<std::string>();
    return true;
  };

  Manifest m;
  m.path = std::filesystem::absolute(file);
  // Every field is checked for its type before it is read: nothing here may throw (onshi_sdk_open is C).
  if (auto version = j.find("manifest_version"); version == j.end() || *version != 1)
    return manifest_error(file, "\"manifest_version\" must be 1");
  if (!string_field("id", true, m.id)) return manifest_error(file, "\"id\" is missing or not a string");
  std::string library;
  if (!string_field("library", true, library)) return manifest_error(file, "\"library\" is missing or not a string");
  if (!string_field("name", false, m.name) || !string_field("vendor", false, m.vendor) ||
      !string_field("version", false, m.version) || !string_field("license", false, m.license) ||
      !string_field("thread_safety", false, m.thread_safety))
    return manifest_error(file, "\"name\", \"vendor\", \"version\", \"license\" and \"thread_safety\" must be strings");
  if (m.thread_safety != "none" && m.thread_safety != "instance" && m.thread_safety != "full")
    return manifest_error(file, "\"thread_safety\" must be \"none\", \"instance\" or \"full\"");

  auto abi = j.find("abi");
  auto version_number = [](const nlohmann::json& n) { return n.is_number_unsigned() && n.get<uint64_t>() <= 0xFFFF; };
  if (abi == j.end() || !abi->is_object() || !version_number((*abi)["major"]) ||
      !version_number(abi->value("minor", nlohmann::json(0))))
    return manifest_error(file, "\"abi\" must be {\"major\": N, \"minor\": N} (N from 0 to 65535)");
  m.abi.major = abi->at("major").get<uint16_t>();
  m.abi.minor = abi->value("minor", uint16_t{0});

  auto provides = j.find("provides");
  if (provides == j.end() || !provides->is_array() || provides->empty())
    return manifest_error(file, "\"provides\" must list at least one extension id");
  for (const auto& p : *provides) {
    if (!p.is_string() || p.get<std::string>().find('/') == std::string::npos)
      return manifest_error(file, "each \"provides\" entry must be an id like \"onshi.card-reader/1\"");
    m.provides.push_back(p.get<std::string>());
  }
  if (auto match = j.find("match"); match != j.end() && match->is_object()) {
    for (const auto& n : match->value("pcsc_reader_name", nlohmann::json::array()))
      if (n.is_string()) m.reader_names.push_back(n.get<std::string>());
  }

  std::filesystem::path lib(library);
  if (lib.is_absolute() || lib.has_parent_path())
    return manifest_error(file, "\"library\" must be a file name beside the manifest");
  m.library = m.path.parent_path() / lib;
  return m;
}

}  // namespace onshi::host
