// Is a request body JSON, and if not, where does it go wrong? Checked without copying anything out of
// the body (no parser's buffers, no DOM): the body may carry a PIN, which must exist in one wiped
// buffer only. The plugin that takes the document reads its fields itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::service {

struct JsonSyntaxError {
  std::size_t offset = 0;  // bytes from the start
  std::size_t line = 1, column = 1;
  std::string expected;    // "a value", "',' or '}'", ...
};

// nullopt when `text` is one JSON value (RFC 8259, nesting at most `max_depth` deep) and nothing else.
std::optional<JsonSyntaxError> json_syntax_error(std::string_view text, int max_depth = 64);

}  // namespace onshi::service
