// onshi: the sample EMR's command line over the SDK.
#include "commands.hpp"

#include <iostream>

namespace {

const std::vector<onshi::cli::Command>& commands() {
  using namespace onshi::cli;
  static const std::vector<Command> list = [] {
    std::vector<Command> all;
    for (auto part : {plugin_commands, card_commands, eligibility_commands, records_commands, claims_commands, disaster_commands})
      for (auto& c : part()) all.push_back(std::move(c));
    return all;
  }();
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
               "  --state-dir DIR    where the SDK and plugins keep state (default ~/.local/state/onshi)\n"
               "  --oqs-root DIR     the 資格確認端末's shared folder (holding req, res, face)\n"
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
