#include "json_check.hpp"

#include <cctype>

namespace onshi::service {

namespace {

class Checker {
 public:
  Checker(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> run() {
    space();
    if (!value(0)) return error_;
    space();
    if (at_ < s_.size()) {
      fail("the end of the document");
      return error_;
    }
    return std::nullopt;
  }

 private:
  bool value(int depth) {
    if (depth > max_depth_) return fail("less nesting (at most " + std::to_string(max_depth_) + " levels)"), false;
    if (at_ >= s_.size()) return fail("a value");
    switch (s_[at_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }

  bool object(int depth) {
    ++at_;
    space();
    if (peek('}')) return ++at_, true;
    for (;;) {
      space();
      if (!peek('"')) return fail("a member name in double quotes");
      if (!string()) return false;
      space();
      if (!peek(':')) return fail("':'");
      ++at_;
      space();
      if (!value(depth + 1)) return false;
      space();
      if (peek('}')) return ++at_, true;
      if (!peek(',')) return fail("',' or '}'");
      ++at_;
    }
  }

  bool array(int depth) {
    ++at_;
    space();
    if (peek(']')) return ++at_, true;
    for (;;) {
      space();
      if (!value(depth + 1)) return false;
      space();
      if (peek(']')) return ++at_, true;
      if (!peek(',')) return fail("',' or ']'");
      ++at_;
    }
  }

  bool string() {
    ++at_;
    while (at_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[at_]);
      if (c == '"') return ++at_, true;
      if (c < 0x20) return fail("a control character escaped (\\n, \\u0000, ...)");
      if (c == '\\') {
        ++at_;
        if (at_ >= s_.size()) break;
        const char e = s_[at_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k)
            if (at_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[at_ + k])))
              return at_ += k, fail("4 hex digits after \\u");
          at_ += 5;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return fail("a valid escape");
        ++at_;
        continue;
      }
      if (c >= 0x80 && !utf8()) return false;
      else if (c < 0x80) ++at_;
    }
    return fail("the closing '\"' of a string");
  }

  // One UTF-8 sequence (the body must be UTF-8: RFC 8259 §8.1), as RFC 3629 §4 has it: no overlong
  // forms, no UTF-16 surrogates, nothing above U+10FFFF (the plugins' parser refuses those too).
  bool utf8() {
    const unsigned char c = static_cast<unsigned char>(s_[at_]);
    const int n = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
    if (n < 0) return fail("UTF-8 text");
    // The second byte's range is narrower after E0, ED, F0 and F4.
    const unsigned char low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (int k = 1; k <= n; ++k) {
      if (at_ + k >= s_.size()) return fail("UTF-8 text");
      const unsigned char b = static_cast<unsigned char>(s_[at_ + k]);
      if (k == 1 ? b < low || b > high : (b & 0xC0) != 0x80) return fail("UTF-8 text");
    }
    at_ += n + 1;
    return true;
  }

  bool number() {
    const std::size_t start = at_;
    if (peek('-')) ++at_;
    if (peek('0')) ++at_;
    else if (!digits()) return at_ = start, fail("a value");
    if (peek('.') && (++at_, !digits())) return fail("digits after '.'");
    if (peek('e') || peek('E')) {
      ++at_;
      if (peek('+') || peek('-')) ++at_;
      if (!digits()) return fail("digits in the exponent");
    }
    return true;
  }

  bool digits() {
    const std::size_t start = at_;
    while (at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9') ++at_;
    return at_ > start;
  }

  bool word(std::string_view w) {
    if (s_.substr(at_, w.size()) != w) return fail("a value");
    at_ += w.size();
    return true;
  }

  void space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
  }
  bool peek(char c) const { return at_ < s_.size() && s_[at_] == c; }

  bool fail(std::string expected) {
    JsonSyntaxError e;
    e.offset = at_;
    for (std::size_t k = 0; k < at_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') ++e.line, e.column = 1;
      else if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80) ++e.column;
    }
    e.expected = std::move(expected);
    error_ = std::move(e);
    return false;
  }

  std::string_view s_;
  int max_depth_;
  std::size_t at_ = 0;
  JsonSyntaxError error_;
};

}  // namespace

std::optional<JsonSyntaxError> json_syntax_error(std::string_view text, int max_depth) {
  return Checker(text, max_depth).run();
}

}  // namespace onshi::service
