// The onshi subcommands. Each area's file defines its commands (name, usage,
// summary, options that take no value, and the function); main.cpp lists them.
#pragma once

#include "cli.hpp"

#include <vector>

namespace onshi::cli {

// A word after the command (`onshi card info`): main.cpp prints its usage for
// `onshi card info --help`, lists them for `onshi card --help`, and refuses a
// missing or unknown one (exit 2) before the command runs.
struct Subcommand {
  const char* name;
  const char* usage;
  const char* summary;
};

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  int (*run)(const Args& args);                // returns an exit code (cli.hpp)
  std::vector<std::string> flags = {};         // options that take no value
  std::vector<Subcommand> subcommands = {};    // none: the command takes no subcommand
};

std::vector<Command> plugin_commands();       // cmd_plugins.cpp: plugins
std::vector<Command> card_commands();         // cmd_card.cpp: card info, card verify-pin
std::vector<Command> eligibility_commands();  // cmd_eligibility.cpp: verify, parse, watch-face
std::vector<Command> claims_commands();       // cmd_claims.cpp: claim, insurer-check, copay, form, usage-rate
std::vector<Command> records_commands();      // cmd_records.cpp: bulk, history, register-ref, deferred, requery
std::vector<Command> disaster_commands();     // cmd_disaster.cpp: disaster on|off|status|lookup|import-qr
std::vector<Command> demo_commands();         // cmd_demo.cpp: demo
std::vector<Command> serve_commands();        // cmd_serve.cpp: serve (the service of service/)

}  // namespace onshi::cli
