#include <onshi/eligibility/encoding.hpp>

#include <unicode/ucnv.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <memory>

namespace onshi::eligibility {
namespace {

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

// ICU name of the converter: the terminal is Windows, so "Shift_JIS" is cp932.
const char* icu_name(TextEncoding e) { return e == TextEncoding::shift_jis ? "windows-31j" : "UTF-8"; }

Result<Converter> open_strict(const char* name) {
  UErrorCode status = U_ZERO_ERROR;
  Converter c(ucnv_open(name, &status));
  if (U_FAILURE(status))
    return make_error(ONSHI_E_INTERNAL, "xml", std::string("ICU has no converter ") + name + ": " + u_errorName(status),
                      "install the full ICU data (libicu72)");
  ucnv_setToUCallBack(c.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  ucnv_setFromUCallBack(c.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  return c;
}

// Offset of the first byte that does not start a well-formed UTF-8 sequence (ICU's
// definition: no overlongs, surrogates or values past U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < len) {
    uint64_t word;  // skip ASCII eight bytes at a time: markup is most of any answer
    if (i + 8 <= len && (std::memcpy(&word, s + i, 8), (word & 0x8080808080808080u) == 0)) {
      i += 8;
      continue;
    }
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    if (cp < 0) return static_cast<std::size_t>(start);
  }
  return std::string_view::npos;
}

Result<void> check_utf8(std::string_view text, std::string_view what) {
  const std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return {};
  return make_error(ONSHI_E_PROTOCOL, "xml",
                    std::string(what) + ": bytes near offset " + std::to_string(at) + " are not valid UTF-8",
                    "check that the XML declaration names the encoding the file is really written in");
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

}  // namespace

std::string_view encoding_label(TextEncoding encoding) {
  return encoding == TextEncoding::shift_jis ? "Shift_JIS" : "UTF-8";
}

Result<TextEncoding> encoding_from_label(std::string_view label) {
  const std::string l = lower(label);
  if (l == "utf-8" || l == "utf8") return TextEncoding::utf8;
  if (l == "shift_jis" || l == "shift-jis" || l == "sjis" || l == "x-sjis" || l == "windows-31j" || l == "cp932" ||
      l == "ms932" || l == "ms_kanji")
    return TextEncoding::shift_jis;
  return make_error(ONSHI_E_NOT_SUPPORTED, "xml", "unsupported XML encoding \"" + std::string(label) + "\"",
                    "the terminal writes Shift_JIS or UTF-8; set the 文字コード識別 of the 連携アプリ to one of them");
}

Result<std::string> decode_to_utf8(std::string_view bytes, TextEncoding from, std::string_view what) {
  // UTF-8 stays as it is: checking it is all a round trip through UTF-16 would do.
  if (from == TextEncoding::utf8) {
    if (auto valid = check_utf8(bytes, what); !valid) return std::move(valid).error();
    return std::string(bytes);
  }
  auto to_u = open_strict(icu_name(from));
  if (!to_u) return std::move(to_u).error();
  std::u16string wide(bytes.size() + 1, u'\0');  // one byte never yields more than one UTF-16 unit here
  const char* src = bytes.data();
  UChar* dst = reinterpret_cast<UChar*>(wide.data());
  UErrorCode status = U_ZERO_ERROR;
  ucnv_toUnicode(to_u->get(), &dst, dst + wide.size(), &src, bytes.data() + bytes.size(), nullptr, true, &status);
  if (U_FAILURE(status))
    return make_error(ONSHI_E_PROTOCOL, "xml",
                      std::string(what) + ": bytes near offset " + std::to_string(src - bytes.data()) + " are not valid " +
                          std::string(encoding_label(from)),
                      "check that the XML declaration names the encoding the file is really written in");
  wide.resize(dst - reinterpret_cast<UChar*>(wide.data()));

  auto to_utf8 = open_strict("UTF-8");
  if (!to_utf8) return std::move(to_utf8).error();
  std::string out(wide.size() * 3 + 1, '\0');
  status = U_ZERO_ERROR;
  int32_t n = ucnv_fromUChars(to_utf8->get(), out.data(), static_cast<int32_t>(out.size()),
                              reinterpret_cast<const UChar*>(wide.data()), static_cast<int32_t>(wide.size()), &status);
  if (U_FAILURE(status))
    return make_error(ONSHI_E_PROTOCOL, "xml", std::string(what) + ": text cannot be represented as UTF-8",
                      "the file holds unpaired surrogates; ask the sender to re-create it");
  out.resize(n);
  return out;
}

Result<std::string> encode_from_utf8(std::string_view utf8, TextEncoding to, std::string_view what) {
  if (auto valid = check_utf8(utf8, what); !valid) return std::move(valid).error();
  if (to == TextEncoding::utf8) return std::string(utf8);

  auto conv = open_strict(icu_name(to));
  if (!conv) return std::move(conv).error();
  // Convert code point by code point so an unmappable one can be named.
  std::string out;
  out.reserve(utf8.size());
  int32_t i = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t len = static_cast<int32_t>(utf8.size());
  while (i < len) {
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    UChar units[2];
    int32_t nunits = 0;
    U16_APPEND_UNSAFE(units, nunits, cp);
    char buf[16];
    UErrorCode status = U_ZERO_ERROR;
    ucnv_reset(conv->get());
    int32_t n = ucnv_fromUChars(conv->get(), buf, sizeof buf, units, nunits, &status);
    if (U_FAILURE(status)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return make_error(ONSHI_E_INVALID_ARGUMENT, "xml",
                        std::string(what) + ": character '" + std::string(utf8.substr(start, i - start)) + "' (" + code +
                            ") has no Shift_JIS code",
                        "write the file as UTF-8, or replace the character (the terminal itself sends '●')");
    }
    out.append(buf, n);
  }
  return out;
}

namespace {

// ICU's answer for one code point: can ISO-2022-JP (ASCII, JIS X 0201 Roman, JIS X 0208) write it?
bool jis_x0208_by_icu(UChar32 cp) {
  thread_local Converter jis = [] {
    auto c = open_strict("ISO-2022-JP");
    return c ? std::move(c).value() : Converter{};
  }();
  if (!jis) return false;
  UChar units[2];
  int32_t nunits = 0;
  U16_APPEND_UNSAFE(units, nunits, cp);
  char buf[16];
  UErrorCode status = U_ZERO_ERROR;
  ucnv_reset(jis.get());
  ucnv_fromUChars(jis.get(), buf, sizeof buf, units, nunits, &status);
  return U_SUCCESS(status);
}

// The same answer, asked of ICU once per BMP code point for the life of the process: a
// conversion per character made the check a tenth of a typed parse. 0 = not asked yet.
bool inside_jis_x0208(UChar32 cp) {
  enum : uint8_t { unknown, inside, outside };
  static std::array<std::atomic<uint8_t>, 0x10000> known{};
  if (cp > 0xFFFF) return jis_x0208_by_icu(cp);  // rare enough to ask each time
  std::atomic<uint8_t>& k = known[static_cast<std::size_t>(cp)];
  uint8_t v = k.load(std::memory_order_relaxed);
  if (v == unknown) k.store(v = jis_x0208_by_icu(cp) ? inside : outside, std::memory_order_relaxed);
  return v == inside;
}

}  // namespace

CharsetFlags check_charset(std::string_view utf8) {
  CharsetFlags flags;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t len = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < len) {
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    if (cp == 0x25CF) {
      flags.black_dot = true;
      continue;
    }
    if (cp >= 0 && (cp < 0x80 || (cp >= 0xFF61 && cp <= 0xFF9F))) continue;
    const bool inside = cp >= 0 && inside_jis_x0208(cp);
    const char32_t c = cp < 0 ? U'\uFFFD' : static_cast<char32_t>(cp);
    if (!inside && std::find(flags.outside_jis_x0208.begin(), flags.outside_jis_x0208.end(), c) ==
                       flags.outside_jis_x0208.end())
      flags.outside_jis_x0208.push_back(c);
  }
  return flags;
}

}  // namespace onshi::eligibility
