// onshi: the sample EMR's command line over the SDK.
#include "commands.hpp"

#include <iostream>

namespace {

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  int (*run)(const onshi::cli::Args&);
  std::vector<std::string> flags;  // options that take no value
};

const std::vector<Command>& commands() {
  using namespace onshi::cli;
  static const std::vector<Command> list = {
      {"plugins", kPluginsUsage, "list the plugins found, their extensions and load state", cmd_plugins, {}},
  };
  return list;
}

void print_help() {
  std::cout << "onshi: オンライン資格確認 at the reception window (sample EMR over the onshi SDK)\n\n"
               "usage: onshi <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) std::cout << "  " << c.usage << "\n      " << c.summary << "\n";
  std::cout << "\noptions every command takes:\n"
               "  --json             print the result as JSON\n"
               "  --plugin-dir DIR   search DIR for plugins first (repeatable; ONSHI_PLUGIN_PATH too)\n"
               "  --config FILE      SDK configuration: {\"<plugin id>\": {...}}\n"
               "  --state-dir DIR    where the SDK keeps its state\n"
               "  --verbose          log what the SDK and plugins do (to stderr)\n"
               "\nexit status: 0 done (valid), 1 done with a negative answer, 2 bad command line,\n"
               "             3 a plugin/reader/card/service is unavailable, 4 the operation failed\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    print_help();
    return argc < 2 ? onshi::cli::kUsage : onshi::cli::kOk;
  }
  const std::string name = argv[1];
  for (const auto& c : commands()) {
    if (name != c.name) continue;
    onshi::cli::Args args(std::vector<std::string>(argv + 2, argv + argc), c.flags);
    if (args.flag("help")) {
      std::cout << "usage: " << c.usage << "\n" << c.summary << "\n";
      return onshi::cli::kOk;
    }
    try {
      return c.run(args);
    } catch (const std::exception& e) {  // a bug: say so instead of aborting
      std::cerr << "onshi: internal error: " << e.what() << "\n  what to do: report this with the command line used\n";
      return onshi::cli::kFailed;
    }
  }
  std::cerr << "onshi: unknown command '" << name << "'\n";
  print_help();
  return onshi::cli::kUsage;
}
