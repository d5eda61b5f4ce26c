#include "cli.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace onshi::cli {

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
               name != "help" && i + 1 < argv.size()) {
      value = argv[++i];
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

Result<Sdk> open_sdk(const Args& args) {
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
  return Sdk::open(o);
}

int fail(const Args& args, const Error& e) {
  if (args.flag("json")) {
    print_json({{"ok", false},
                {"error", {{"code", e.code}, {"domain", e.domain}, {"message", e.message}, {"hint", e.hint}}}});
  } else {
    std::cerr << "onshi: " << e.message << "\n";
    if (!e.hint.empty()) std::cerr << "  what to do: " << e.hint << "\n";
  }
  switch (e.code) {
    case ONSHI_E_INVALID_ARGUMENT: return kUsage;
    case ONSHI_E_NOT_FOUND:
    case ONSHI_E_NO_DEVICE:
    case ONSHI_E_NO_CARD:
    case ONSHI_E_NOT_SUPPORTED:
    case ONSHI_E_NETWORK: return kUnavailable;
    default: return kFailed;
  }
}

int usage_error(const std::string& message, const std::string& usage) {
  std::cerr << "onshi: " << message << "\nusage: " << usage << "\n";
  return kUsage;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

onshi_writer string_writer(std::string& text) {
  return {&text, [](void* ctx, const uint8_t* data, uint64_t size) -> onshi_status {
            static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), size);
            return ONSHI_OK;
          }};
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

}  // namespace onshi::cli
