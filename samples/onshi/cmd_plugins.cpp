// onshi plugins [--json]: every plugin found, with its load state or why it failed.
#include "cli.hpp"
#include "commands.hpp"

#include <iomanip>
#include <iostream>

namespace onshi::cli {

namespace {

constexpr const char* kPluginsUsage = "onshi plugins [--json] [--plugin-dir DIR]...";

int cmd_plugins(const Args& args) {
  if (auto bad = args.unknown({}); !bad.empty()) return usage_error("unknown option --" + bad, kPluginsUsage);
  auto sdk = open_sdk(args);
  if (!sdk) return fail(args, sdk.error());
  auto plugins = sdk->plugins();
  bool all_loaded = true;
  for (const auto& p : plugins) all_loaded &= p.state != ONSHI_PLUGIN_FAILED;

  if (args.flag("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : plugins) {
      nlohmann::json j = {{"id", p.id},
                          {"name", p.name},
                          {"vendor", p.vendor},
                          {"version", p.version},
                          {"abi", std::to_string(p.abi.major) + "." + std::to_string(p.abi.minor)},
                          {"provides", p.provides},
                          {"thread_safety", p.thread_safety},
                          {"manifest", p.manifest_path},
                          {"library", p.library_path},
                          {"state", p.state_name()}};
      if (p.state == ONSHI_PLUGIN_FAILED)
        j["error"] = {{"stage", p.stage}, {"code", p.error_code}, {"message", p.message}, {"hint", p.hint}};
      if (!p.warnings.empty()) j["warnings"] = p.warnings;
      list.push_back(j);
    }
    print_json({{"ok", all_loaded}, {"sdk_version", onshi_sdk_version()}, {"plugins", list}});
    return all_loaded ? kOk : kNegative;
  }

  if (plugins.empty()) {
    std::cout << "No plugins found. Search path: --plugin-dir, ONSHI_PLUGIN_PATH, and the onshi/plugins folder "
                 "next to libonshi_host.\n";
    return kOk;
  }
  for (const auto& p : plugins) {
    std::cout << std::left << std::setw(28) << p.id << " " << std::setw(8) << p.version << " ABI " << p.abi.major
              << "." << p.abi.minor << "  " << p.state_name() << "\n";
    std::cout << "    provides: ";
    for (size_t i = 0; i < p.provides.size(); ++i) std::cout << (i ? ", " : "") << p.provides[i];
    std::cout << "\n    library:  " << p.library_path << "\n";
    if (p.state == ONSHI_PLUGIN_FAILED)
      std::cout << "    failed at " << p.stage << ": " << p.message << "\n    what to do: " << p.hint << "\n";
    if (!p.warnings.empty()) std::cout << "    warning: " << p.warnings << "\n";
  }
  return all_loaded ? kOk : kNegative;
}

}  // namespace

std::vector<Command> plugin_commands() {
  return {{"plugins", kPluginsUsage, "list the plugins found, their extensions and load state", cmd_plugins}};
}

}  // namespace onshi::cli
