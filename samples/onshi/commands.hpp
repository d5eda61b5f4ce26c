// The onshi subcommands; each returns an exit code (cli.hpp).
#pragma once

#include "cli.hpp"

namespace onshi::cli {

inline constexpr const char* kPluginsUsage = "onshi plugins [--json] [--plugin-dir DIR]...";
int cmd_plugins(const Args& args);

}  // namespace onshi::cli
