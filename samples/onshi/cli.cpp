#include "cli.hpp"

#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace onshi::cli {

namespace {
bool g_json_output = false;
}  // namespace

void set_json_output(bool on) { g_json_output = on; }
bool json_output() { return g_json_output; }

Args::Args(std::vector<std::string> argv, std::vector<std::string> flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positionals_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (std::find(flags.begin(), flags.end(), name) == flags.end() && name != "json" && name != "verbose" &&
               name != "help" && i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
      value = argv[++i];  // a value never starts with "--" (write --name=--x for that)
    }
    options_.emplace(name, value);
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::values(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = options_.equal_range(name); it != end; ++it) out.push_back(it->second);
  return out;
}

bool Args::flag(const std::string& name) const { return options_.count(name) > 0; }

std::string Args::unknown(const std::vector<std::string>& known) const {
  for (const auto& [name, value] : options_) {
    if (std::find(known.begin(), known.end(), name) == known.end() &&
        std::find(kCommonOptions.begin(), kCommonOptions.end(), name) == kCommonOptions.end())
      return name;
  }
  return {};
}

std::string state_dir(const Args& args) {
  if (auto dir = args.value("state-dir")) return *dir;
  if (const char* env = std::getenv("ONSHI_STATE_DIR")) return env;
  if (const char* xdg = std::getenv("XDG_STATE_HOME")) return std::string(xdg) + "/onshi";
  if (const char* home = std::getenv("HOME")) return std::string(home) + "/.local/state/onshi";
  return ".onshi-state";
}

Result<std::optional<int64_t>> pinned_time_ms(const Args& args) {
  std::string text, source;
  if (auto v = args.value("now")) {
    text = *v;
    source = "--now";
  } else if (const char* env = std::getenv("ONSHI_NOW"); env && *env) {
    text = env;
    source = "ONSHI_NOW";
  } else {
    return std::optional<int64_t>{};
  }
  auto bad = [&] {
    return make_error(ONSHI_E_INVALID_ARGUMENT, "cli", source + " '" + text + "' is not a date and time",
                      "write it as YYYY-MM-DDTHH:MM (JST, e.g. 2026-11-10T09:30), YYYY-MM-DD, or with Z for UTC; "
                      "leave it out to use the system clock");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return bad();
  size_t at = 10;
  if (at < text.size() && (text[at] == 'T' || text[at] == ' ')) {
    if (std::sscanf(text.c_str() + at + 1, "%2d:%2d%n", &h, &mi, &used) != 2 || used != 5) return bad();
    at += 6;
    if (at < text.size() && text[at] == ':') {
      if (std::sscanf(text.c_str() + at + 1, "%2d%n", &sec, &used) != 1 || used != 2) return bad();
      at += 3;
    }
  }
  int offset_minutes = 9 * 60;  // JST: the domain's time zone (no DST)
  const std::string zone = text.substr(at);
  if (zone == "Z") {
    offset_minutes = 0;
  } else if (!zone.empty()) {
    int oh = 0, om = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
        std::sscanf(zone.c_str() + 1, "%2d:%2d%n", &oh, &om, &used) != 2 || used != 5)
      return bad();
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
  }
  using namespace std::chrono;
  const year_month_day day{year{y}, month{unsigned(mo)}, std::chrono::day{unsigned(d)}};
  if (!day.ok() || h > 23 || mi > 59 || sec > 59) return bad();
  const sys_seconds t = sys_days{day} + hours(h) + minutes(mi) + seconds(sec) - minutes(offset_minutes);
  return std::optional<int64_t>{duration_cast<milliseconds>(t.time_since_epoch()).count()};
}

Result<Sdk> open_sdk(const Args& args) {
  auto pinned = pinned_time_ms(args);  // checked before anything is opened
  if (!pinned) return pinned.error();
  SdkOptions o;
  o.host_name = "onshi (sample EMR)";
  o.plugin_dirs = args.values("plugin-dir");
  o.use_default_dirs = true;
  o.state_dir = state_dir(args);
  nlohmann::json config = nlohmann::json::object();
  if (auto file = args.value("config")) {
    std::ifstream in(*file);
    if (!in)
      return make_error(ONSHI_E_NOT_FOUND, "config", "cannot read the configuration file " + *file,
                        "check the path given to --config");
    std::stringstream text;
    text << in.rdbuf();
    config = nlohmann::json::parse(text.str(), nullptr, false);
    if (config.is_discarded() || !config.is_object())
      return make_error(ONSHI_E_INVALID_ARGUMENT, "config", *file + " is not a JSON object",
                        "write it as {\"<plugin id>\": {...}}");
  }
  // Flags for the settings a clinic changes most.
  if (auto root = args.value("oqs-root")) config["onshi.eligibility"]["folder"]["root"] = *root;
  o.config_json = config.dump();
  o.log_level = args.flag("verbose") ? ONSHI_LOG_DEBUG : ONSHI_LOG_ERROR;
  o.log = [](int32_t, std::string_view plugin, std::string_view message) {
    std::cerr << "[" << plugin << "] " << message << "\n";
  };
  auto sdk = Sdk::open(o);
  if (sdk && *pinned) sdk->set_time_ms(**pinned);
  if (sdk && args.flag("rehearsal")) sdk->set_rehearsal(true);
  return sdk;
}

nlohmann::json error_json(const Error& e) {
  return {{"code", e.code}, {"domain", e.domain}, {"message", e.message}, {"hint", e.hint}};
}

int fail(const Args& args, const Error& e) {
  if (args.flag("json") || json_output()) {
    print_json({{"ok", false}, {"error", error_json(e)}});
  } else {
    std::cerr << "onshi: " << e.message << "\n";
    if (!e.hint.empty()) std::cerr << "  what to do: " << e.hint << "\n";
  }
  return exit_code(e);
}

int exit_code(const Error& e) {
  switch (e.code) {
    case ONSHI_E_INVALID_ARGUMENT: return kUsage;
    case ONSHI_E_PIN_WRONG:
    case ONSHI_E_PIN_LOCKED:
    case ONSHI_E_CERT_EXPIRED:
    case ONSHI_E_REFUSED: return kNegative;
    case ONSHI_E_NOT_FOUND:
    case ONSHI_E_NO_DEVICE:
    case ONSHI_E_NO_CARD:
    case ONSHI_E_CARD_REMOVED:
    case ONSHI_E_WRONG_CARD:
    case ONSHI_E_NOT_SUPPORTED:
    case ONSHI_E_NOT_INITIALIZED:
    case ONSHI_E_TIMEOUT:
    case ONSHI_E_BUSY:
    case ONSHI_E_NETWORK: return kUnavailable;
    default: return kFailed;
  }
}

int usage_error(const std::string& message, const std::string& usage) {
  if (json_output()) {
    print_json({{"ok", false},
                {"error", error_json(make_error(ONSHI_E_INVALID_ARGUMENT, "usage", message,
                                                "correct the command line; usage: " + usage))},
                {"usage", usage}});
  } else {
    std::cerr << "onshi: " << message << "\nusage: " << usage << "\n";
  }
  return kUsage;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

std::string field(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string kouhi_line(const nlohmann::json& p) {
  std::string line = (p.value("source", "") == "medical_aid" ? "医療券 " : "公費 ") + p.value("payer_number", "") + " / " +
                     p.value("recipient_number", "");
  if (p.contains("name")) line += "  " + p.value("name", "");
  if (p.contains("treatment_month")) line += "  診療年月 " + p.value("treatment_month", "");
  if (p.contains("valid_until")) line += "  until " + p.value("valid_until", "");
  if (p.contains("self_pay_amount")) line += "  本人支払額 " + p.value("self_pay_amount", "") + "円";
  if (p.value("other_institution", false)) line += "  for another 指定医療機関: call the 福祉事務所 before billing";
  if (p.value("always_reimbursed", false)) line += "  償還払い only: not on the claim";
  return line;
}


PinInput::PinInput() {
  const bool terminal = ::isatty(STDIN_FILENO);
  termios saved{};
  if (terminal && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    std::cerr << "PIN (4 digits): " << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  size_t n = 0;
  for (ssize_t got; n < sizeof buf_ - 1 && (got = ::read(STDIN_FILENO, buf_ + n, sizeof buf_ - 1 - n)) > 0;) {
    n += size_t(got);
    if (std::memchr(buf_, '\n', n)) break;
  }
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  // One trailing newline (and a CR before it) is the end of the line, not part of the PIN.
  if (n > 0 && buf_[n - 1] == '\n') --n;
  if (n > 0 && buf_[n - 1] == '\r') --n;
  buf_[n] = '\0';
}

PinInput::~PinInput() {
  volatile char* p = buf_;
  for (size_t i = 0; i < sizeof buf_; ++i) p[i] = 0;
}

const OutcomeWords& outcome_words(std::string_view kind) {
  static const std::pair<std::string_view, OutcomeWords> kWords[] = {
      {"valid", {"資格有効", "valid", "proceed with reception and bill with the qualification shown", kOk}},
      {"lost",
       {"資格無効", "lost: the qualification shown is the old one",
        "ask for the patient's current insurance; keep the old qualification shown for the claim", kNegative}},
      {"lost_with_new",
       {"資格無効（新しい資格あり）", "lost, a new qualification exists",
        "ask for the new insurance card (or use the My Number card) and check again", kNegative}},
      {"no_data",
       {"該当資格なし", "no data",
        "check the numbers and the birth date against the card and try again; else use a 申立書", kNegative}},
      {"needs_person",
       {"複数該当", "several matches",
        "confirm with the patient which qualification applies (never pick one automatically)", kNegative}},
      {"withheld",
       {"一部非表示", "the insurer withholds part of the data",
        "use only what is shown; ask the patient for the rest; nothing of it is stored", kNegative}},
      {"in_progress", {"処理中", "still being processed", "ask again in a minute", kUnavailable}},
      {"failed",
       {"確認できませんでした", "the check failed", "try again; if it keeps failing, check the 資格確認端末", kFailed}}};
  for (const auto& [name, words] : kWords)
    if (name == kind) return words;
  return kWords[std::size(kWords) - 1].second;
}

}  // namespace onshi::cli
