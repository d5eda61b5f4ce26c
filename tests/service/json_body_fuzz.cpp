// Fuzz target: every request body onshi serve takes goes through json_syntax_error first, the scanner
// that copies nothing (a body may hold a PIN). Any bytes give a verdict, never a crash or a leak, and
// the verdict is the one the plugins' own parser (nlohmann-json) reaches, so a body the service lets
// through is one a plugin can read, and one it refuses is said where:
// - an error's position is inside the body, and its line is the count of newlines before it;
// - the 64-level bound only ever adds a "nesting" refusal;
// - without that bound the scanner accepts exactly what nlohmann::json::accept accepts, but for two
//   choices RFC 8259 leaves open, where the two differ on purpose: a leading byte order mark (§8.1:
//   the scanner refuses it) and an escaped UTF-16 surrogate (§8.2: the scanner lets the plugin decide);
//   and a NUL byte, which nlohmann takes as the end of the input and the scanner refuses; and a number
//   beyond a double, which nlohmann refuses (§6 lets it) and the scanner leaves to the plugin.
// Seeds (json-corpus/): request bodies desks send, and the malformed ones tests/service sends.
#include "json_check.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

// Nesting as deep as the body is long is checked without the bound for bodies up to this size (the
// scanner recurses once per level; libFuzzer's inputs are 4096 bytes unless a seed is longer).
constexpr size_t kMaxCompared = 8192;

bool escapes_a_surrogate(std::string_view text) {
  for (size_t at = text.find("\\u"); at != std::string_view::npos; at = text.find("\\u", at + 1))
    if (at + 3 < text.size() && (text[at + 2] == 'd' || text[at + 2] == 'D') &&
        std::string_view("89abcdefABCDEF").find(text[at + 3]) != std::string_view::npos)
      return true;
  return false;
}

// A number beyond a double (29e576): valid JSON that nlohmann refuses, as RFC 8259 §6 lets it; the
// scanner checks syntax only and lets the plugin say so.
bool out_of_range(std::string_view text) {
  try {
    (void)nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range&) {
    return true;
  } catch (...) {
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto bounded = onshi::service::json_syntax_error(text);
  if (bounded) {
    if (bounded->offset > size || bounded->expected.empty() || bounded->column < 1) __builtin_trap();
    if (bounded->line != 1 + size_t(std::count(text.begin(), text.begin() + bounded->offset, '\n'))) __builtin_trap();
  }
  if (size > kMaxCompared) return 0;
  const auto unbounded = onshi::service::json_syntax_error(text, static_cast<int>(size) + 1);
  if (!bounded && unbounded) __builtin_trap();
  if (bounded && !unbounded && bounded->expected.find("nesting") == std::string::npos) __builtin_trap();
  // nlohmann's lexer takes a NUL byte as the end of its input (it accepts `{}` + NUL + junk); the
  // scanner, like libs/support's parse_document, refuses any NUL.
  if (text.find('\0') != std::string_view::npos) {
    if (!unbounded) __builtin_trap();
    return 0;
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF" || escapes_a_surrogate(text)) return 0;
  const bool accepted = nlohmann::json::accept(text);
  if (unbounded && accepted) __builtin_trap();
  if (!unbounded && !accepted && !out_of_range(text)) __builtin_trap();
  return 0;
}
