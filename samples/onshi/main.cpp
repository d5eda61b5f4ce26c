// onshi: the sample EMR's command line over the SDK.
#include "commands.hpp"

#include <iostream>

namespace {

const std::vector<onshi::cli::Command>& commands() {
  using namespace onshi::cli;
  static const std::vector<Command> list = [] {
    std::vector<Command> all;
    for (auto part : {plugin_commands, card_commands, eligibility_commands, records_commands, claims_commands, disaster_commands, demo_commands, serve_commands})
      for (auto& c : part()) all.push_back(std::move(c));
    return all;
  }();
  return list;
}

using onshi::cli::Command;
using onshi::cli::Subcommand;

void print_entry(const char* usage, const char* summary) {
  std::cout << "  " << usage << "\n      " << summary << "\n";
}

void print_help() {
  std::cout << "onshi: オンライン資格確認 at the reception window (sample EMR over the onshi SDK)\n\n"
               "usage: onshi <command> [<subcommand>] [options]\n"
               "       onshi <command> [<subcommand>] --help    (or: onshi help <command> [<subcommand>])\n"
               "\ncommands:\n";
  for (const auto& c : commands()) {
    if (c.subcommands.empty()) print_entry(c.usage, c.summary);
    for (const auto& s : c.subcommands) print_entry(s.usage, s.summary);
  }
  std::cout << "\noptions every command takes:\n"
               "  --json             print the result as one JSON object: \"ok\" is true exactly when the exit\n"
               "                     status is 0; a failure has \"error\": {code, domain, message, hint}\n"
               "  --plugin-dir DIR   search DIR for plugins first (repeatable; ONSHI_PLUGIN_PATH too)\n"
               "  --config FILE      SDK configuration: {\"<plugin id>\": {...}}\n"
               "  --state-dir DIR    where the SDK and plugins keep state (default ~/.local/state/onshi;\n"
               "                     ONSHI_STATE_DIR too)\n"
               "  --oqs-root DIR     the 資格確認端末's shared folder (holding req, res, face)\n"
               "  --now TIME         pin the SDK clock: YYYY-MM-DDTHH:MM (JST), YYYY-MM-DD, or ...Z for UTC\n"
               "                     (tests, demos, scripts; ONSHI_NOW too). Disaster mode refuses a pinned\n"
               "                     clock unless --rehearsal; certificates and purges always use the real time\n"
               "  --rehearsal        this is a drill (防災訓練): a pinned clock may drive disaster mode, and the\n"
               "                     audit log marks it so, with the real time beside it\n"
               "  --verbose          log what the SDK and plugins do (to stderr)\n"
               "  --help             this command's usage\n"
               "\nexit status: 0 done (valid), 1 done with a negative answer, 2 bad command line,\n"
               "             3 a plugin/reader/card/service is unavailable, 4 the operation failed\n";
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

const Subcommand* find_subcommand(const Command& c, const std::string& name) {
  for (const auto& s : c.subcommands)
    if (name == s.name) return &s;
  return nullptr;
}

std::string subcommand_names(const Command& c) {
  std::string names;
  for (const auto& s : c.subcommands) names += (names.empty() ? "" : ", ") + std::string(s.name);
  return names;
}

// `onshi <command> --help`: its usage and summary, and each subcommand's.
void print_command_help(const Command& c) {
  std::cout << "usage: " << c.usage << "\n" << c.summary << "\n";
  if (c.subcommands.empty()) return;
  std::cout << "\nsubcommands (onshi " << c.name << " <subcommand> --help for one):\n";
  for (const auto& s : c.subcommands) print_entry(s.usage, s.summary);
}

void print_subcommand_help(const Subcommand& s) { std::cout << "usage: " << s.usage << "\n" << s.summary << "\n"; }

// An error before any command ran (unknown command or subcommand): JSON with --json.
int usage_failure(bool json, const std::string& message, const std::string& hint) {
  if (json) {
    std::cout << nlohmann::json{{"ok", false},
                                {"error", onshi::cli::error_json(onshi::make_error(ONSHI_E_INVALID_ARGUMENT, "usage",
                                                                                   message, hint))}}
                     .dump(2)
              << "\n";
  } else {
    std::cerr << "onshi: " << message << "\n  what to do: " << hint << "\n";
  }
  return onshi::cli::kUsage;
}

// `onshi help [<command> [<subcommand>]]`.
int help(const std::vector<std::string>& words) {
  if (words.empty()) {
    print_help();
    return onshi::cli::kOk;
  }
  const Command* c = find_command(words[0]);
  if (!c) return usage_failure(false, "unknown command '" + words[0] + "'", "run `onshi --help` for the commands");
  if (words.size() < 2 || c->subcommands.empty()) {
    print_command_help(*c);
    return onshi::cli::kOk;
  }
  const Subcommand* s = find_subcommand(*c, words[1]);
  if (!s)
    return usage_failure(false, "unknown " + std::string(c->name) + " subcommand '" + words[1] + "'",
                         "one of: " + subcommand_names(*c));
  print_subcommand_help(*s);
  return onshi::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace onshi::cli;
  if (argc < 2 || std::string(argv[1]) == "--help") {
    print_help();
    return argc < 2 ? kUsage : kOk;
  }
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (std::string(argv[1]) == "help") return help(rest);
  const std::string name = argv[1];
  const Command* c = find_command(name);
  if (!c) {
    const Args args(rest, {});
    return usage_failure(args.flag("json"), "unknown command '" + name + "'",
                         "run `onshi --help` for the commands and what each does");
  }
  const Args args(rest, c->flags);
  set_json_output(args.flag("json"));
  // One mechanism for every command's subcommands: help, a missing one, an unknown one.
  const Subcommand* sub = nullptr;
  if (!c->subcommands.empty() && !args.positionals().empty()) {
    sub = find_subcommand(*c, args.positionals()[0]);
    // Never echo an unknown word: it may be a PIN typed in the wrong place.
    if (!sub)
      return usage_failure(args.flag("json"), "unknown " + name + " subcommand",
                           "one of: " + subcommand_names(*c) + " (onshi " + name + " --help)");
  }
  if (args.flag("help")) {
    if (sub) print_subcommand_help(*sub);
    else print_command_help(*c);
    return kOk;
  }
  if (!c->subcommands.empty() && !sub) {
    if (args.flag("json"))
      return usage_failure(true, name + " needs a subcommand", "one of: " + subcommand_names(*c));
    print_command_help(*c);
    return kUsage;
  }
  try {
    return c->run(args);
  } catch (const std::exception& e) {  // a bug: say so instead of aborting
    return fail(args, onshi::make_error(ONSHI_E_INTERNAL, "cli", std::string("internal error: ") + e.what(),
                                        "report this with the command line used and `onshi plugins --json`"));
  }
}
