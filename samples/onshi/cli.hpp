// Shared plumbing of the onshi subcommands: argument parsing, opening the SDK,
// printing errors that say what to do next, and the exit codes scripts rely on.
#pragma once

#include <onshi/host.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::cli {

// Exit codes (documented in `onshi --help`). With --json every command prints one
// JSON object whose "ok" is true exactly when the exit code is kOk; a failure has
// "error": {"code", "domain", "message", "hint"} (hint: what to do next).
enum Exit : int {
  kOk = 0,           // done; for checks: the answer is "valid"
  kNegative = 1,     // done, and the answer is "no": an invalid number, a lost qualification, a wrong or
                     // locked PIN, a rule that refuses (ONSHI_E_REFUSED), a plugin that failed to load
  kUsage = 2,        // the command line is wrong (also a bad --config or --now)
  kUnavailable = 3,  // a plugin, reader, card, file or service needed is not there or does not answer in time
  kFailed = 4,       // the operation failed; the message says why and what to do
};

// --name value / --name=value / --flag / positionals (a value never starts with "--").
class Args {
 public:
  Args(std::vector<std::string> argv, std::vector<std::string> flags);
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;  // repeatable options
  bool flag(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  // Names given that the command does not know ("" when all known).
  std::string unknown(const std::vector<std::string>& known) const;

 private:
  std::multimap<std::string, std::string> options_;
  std::vector<std::string> positionals_;
};

// Options every subcommand understands.
inline const std::vector<std::string> kCommonOptions = {"json", "plugin-dir", "config",  "state-dir", "oqs-root",
                                                        "now",  "rehearsal",  "verbose", "help"};

// Whether errors are printed as JSON (main.cpp sets it from --json before a command runs, so that
// usage_error() answers in JSON too).
void set_json_output(bool on);
bool json_output();

// --state-dir, else $ONSHI_STATE_DIR, else $XDG_STATE_HOME/onshi, else ~/.local/state/onshi.
std::string state_dir(const Args& args);

// The SDK clock for rehearsals, demos and tests: --now, else $ONSHI_NOW, else the system clock
// (nullopt). Accepted: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, in JST unless it ends
// with Z (UTC) or +HH:MM. The time given stays fixed while the command runs.
Result<std::optional<int64_t>> pinned_time_ms(const Args& args);

// Opens the SDK with --plugin-dir (repeatable), --config FILE, --state-dir DIR,
// --oqs-root DIR (the 資格確認端末's shared folder, for onshi.eligibility), and pins its
// clock with --now / $ONSHI_NOW. Every command opens the SDK here.
Result<Sdk> open_sdk(const Args& args);

// The "error" object of a JSON answer.
nlohmann::json error_json(const Error& e);

// Prints an error (as JSON with --json) and returns the exit code for it.
int fail(const Args& args, const Error& e);
// The exit code an error means (fail() without the printing).
int exit_code(const Error& e);
// A wrong command line: the message and the usage (stderr, or JSON on stdout with --json); exit 2.
int usage_error(const std::string& message, const std::string& usage);

void print_json(const nlohmann::json& j);

// The string at `key` of a JSON object; "" when absent or not a string.
std::string field(const nlohmann::json& j, const char* key);

// A 公費 an outcome's qualification carries (public_expenses[]: a 医療券 or a PMH block), on one line.
std::string kouhi_line(const nlohmann::json& public_expense);

// How the reception window words an eligibility outcome ("kind" of onshi.eligibility.outcome/1):
// the one table for every command that shows one (verify, history, bulk, demo).
struct OutcomeWords {
  const char* japanese;  // as the terminal's own screen says it
  const char* english;
  const char* next;      // what to do, when the plugin's hint says nothing
  int exit;              // the exit code it means (failed: see verify's exit_code)
};
const OutcomeWords& outcome_words(std::string_view kind);

// The PIN from stdin (prompted without echo on a terminal), in a buffer wiped however the
// command ends; never from argv, never logged.
class PinInput {
 public:
  PinInput();
  ~PinInput();
  PinInput(const PinInput&) = delete;
  PinInput& operator=(const PinInput&) = delete;
  const char* c_str() const { return buf_; }

 private:
  char buf_[64] = {};
};

}  // namespace onshi::cli
