#include <onshi/text/encoding.hpp>

#include <unicode/ucnv.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace onshi::text {
namespace {

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

// ICU name of the converter: the terminal is Windows, so "Shift_JIS" is cp932.
const char* icu_name(Encoding e) { return e == Encoding::shift_jis ? "windows-31j" : "UTF-8"; }

Result<Converter> open_strict(const char* name) {
  UErrorCode status = U_ZERO_ERROR;
  Converter c(ucnv_open(name, &status));
  if (U_FAILURE(status))
    return make_error(ONSHI_E_INTERNAL, "text", std::string("ICU has no converter ") + name + ": " + u_errorName(status),
                      "install the full ICU data (libicu72)");
  ucnv_setToUCallBack(c.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  ucnv_setFromUCallBack(c.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  return c;
}

// Length of the well-formed UTF-8 sequence at `s` (Unicode Table 3-7, what ICU's U8_NEXT
// accepts: no overlongs, surrogates or values past U+10FFFF), or 0.
int32_t utf8_sequence_length(const uint8_t* s, int32_t left) {
  const uint8_t c = s[0];
  auto cont = [&](int32_t k, uint8_t lo = 0x80, uint8_t hi = 0xBF) { return k < left && s[k] >= lo && s[k] <= hi; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF)
    return cont(1, c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF) && cont(2) ? 3 : 0;
  if (c >= 0xF0 && c <= 0xF4)
    return cont(1, c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Length of the ASCII run that `s` starts with, 16 bytes at a time where SSE2 is there (every
// x86-64), else 8: markup, most of any answer, is ASCII.
std::size_t ascii_run(const uint8_t* s, std::size_t len) {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= len; i += 16)
    if (const unsigned high = static_cast<unsigned>(_mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)))))
      return i + static_cast<std::size_t>(std::countr_zero(high));
#else
  for (uint64_t w; i + 8 <= len; i += 8)
    if (std::memcpy(&w, s + i, 8), w & 0x8080808080808080u)
      return i + static_cast<std::size_t>(std::countr_zero(w & 0x8080808080808080u)) / 8;
#endif
  while (i < len && s[i] < 0x80) ++i;
  return i;
}

// Offset of the first byte that does not start a well-formed UTF-8 sequence (ICU's
// definition: no overlongs, surrogates or values past U+10FFFF), or npos.
std::size_t first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (true) {
    i += static_cast<int32_t>(ascii_run(s + i, static_cast<std::size_t>(len - i)));
    if (i >= len) break;
    do {  // a run of other characters (a name, an address) at once
      const int32_t n = utf8_sequence_length(s + i, len - i);
      if (n == 0) return static_cast<std::size_t>(i);
      i += n;
    } while (i < len && s[i] >= 0x80);
  }
  return std::string_view::npos;
}

Result<void> check_utf8(std::string_view text, std::string_view what) {
  const std::size_t at = first_invalid_utf8(text);
  if (at == std::string_view::npos) return {};
  return make_error(ONSHI_E_PROTOCOL, "text",
                    std::string(what) + ": bytes near offset " + std::to_string(at) + " are not valid UTF-8",
                    "check that the XML declaration names the encoding the file is really written in");
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

// The converter behind cp932_unit, one per thread (ICU converters are not thread-safe).
const Result<Converter>& cp932_converter() {
  thread_local const Result<Converter> conv = open_strict(icu_name(Encoding::shift_jis));
  return conv;
}

// ICU's windows-31j maps these three ASCII control bytes to one another (0x1A→U+001C, 0x1C→U+007F,
// 0x7F→U+001A); every other byte below 0x80 is itself.
constexpr std::array<char, 3> kIcuMovedControls = {'\x1A', '\x1C', '\x7F'};

// ICU's cp932 mapping of one character — a byte, or a lead and a trail byte (lead << 8 | trail) —
// asked of ICU once per code for the life of the process: a
// conversion call per character, or per run of characters, cost as much as the whole parse.
// The UTF-16 unit, or -1 for bytes ICU refuses.
int32_t cp932_by_icu(unsigned code) {
  const auto& conv = cp932_converter();
  if (!conv) return -1;
  const char in[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  const bool two = code > 0xFF;
  UChar out[4];
  UErrorCode status = U_ZERO_ERROR;
  ucnv_reset(conv->get());
  const int32_t n = ucnv_toUChars(conv->get(), out, 4, two ? in : in + 1, two ? 2 : 1, &status);
  return U_SUCCESS(status) && n == 1 ? out[0] : -1;
}

// The other way: ICU's cp932 bytes for one code point as count << 16 | bytes (lead << 8 | trail,
// or the byte; no bytes at all for the default-ignorable ones ICU drops), or -1.
int32_t cp932_bytes_by_icu(UChar32 cp) {
  const auto& conv = cp932_converter();
  if (!conv) return -1;
  UChar units[2];
  int32_t nunits = 0;
  U16_APPEND_UNSAFE(units, nunits, cp);
  char buf[8];
  UErrorCode status = U_ZERO_ERROR;
  ucnv_reset(conv->get());
  const int32_t n = ucnv_fromUChars(conv->get(), buf, sizeof buf, units, nunits, &status);
  if (U_FAILURE(status) || n > 2) return -1;
  const int32_t bytes = n == 0 ? 0 : n == 1 ? static_cast<uint8_t>(buf[0]) : static_cast<uint8_t>(buf[0]) << 8 | static_cast<uint8_t>(buf[1]);
  return n << 16 | bytes;
}

int32_t cp932_bytes(UChar32 cp) {
  if (cp < 0 || cp > 0xFFFF) return cp932_bytes_by_icu(cp);  // none in cp932; rare enough to ask each time
  static std::array<std::atomic<int32_t>, 0x10000> known{};  // 0 = not asked yet, else the answer + 2
  std::atomic<int32_t>& k = known[static_cast<std::size_t>(cp)];
  int32_t v = k.load(std::memory_order_relaxed);
  if (v == 0) k.store(v = cp932_bytes_by_icu(cp) + 2, std::memory_order_relaxed);
  return v - 2;
}

int32_t cp932_unit(unsigned code) {
  static std::array<std::atomic<int32_t>, 0x10000> known{};  // 0 = not asked yet, else the answer + 2
  std::atomic<int32_t>& k = known[code];
  int32_t v = k.load(std::memory_order_relaxed);
  if (v == 0) k.store(v = cp932_by_icu(code) + 2, std::memory_order_relaxed);
  return v - 2;
}

}  // namespace

std::string_view encoding_label(Encoding encoding) {
  return encoding == Encoding::shift_jis ? "Shift_JIS" : "UTF-8";
}

Result<Encoding> encoding_from_label(std::string_view label) {
  const std::string l = lower(label);
  if (l == "utf-8" || l == "utf8") return Encoding::utf8;
  if (l == "shift_jis" || l == "shift-jis" || l == "sjis" || l == "x-sjis" || l == "windows-31j" || l == "cp932" ||
      l == "ms932" || l == "ms_kanji")
    return Encoding::shift_jis;
  return make_error(ONSHI_E_NOT_SUPPORTED, "text", "unsupported XML encoding \"" + std::string(label) + "\"",
                    "the terminal writes Shift_JIS or UTF-8; set the 文字コード識別 of the 連携アプリ to one of them");
}

Result<std::string> decode_to_utf8(std::string_view bytes, Encoding from, std::string_view what) {
  // UTF-8 stays as it is: checking it is all a round trip through UTF-16 would do.
  if (from == Encoding::utf8) {
    if (auto valid = check_utf8(bytes, what); !valid) return std::move(valid).error();
    return std::string(bytes);
  }
  if (const auto& conv = cp932_converter(); !conv) return conv.error();
  // The whole buffer in one pass. ASCII runs, most of any answer, are copied as they are,
  // unless the file holds one of the three control bytes ICU's cp932 maps elsewhere; every
  // other character goes through ICU's mapping (cp932_unit). cp932 has no shift state.
  const bool controls = std::any_of(kIcuMovedControls.begin(), kIcuMovedControls.end(),
                                    [&](char c) { return bytes.find(c) != std::string_view::npos; });
  // A byte yields at most 3 bytes of UTF-8 (half-width kana); not zeroed first, which cost more
  // than the conversion, and copied into the string at the end.
  const auto buffer = std::make_unique_for_overwrite<char[]>(3 * bytes.size() + 32);
  char* d = buffer.get();
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t len = bytes.size();
  std::size_t i = 0;
  while (i < len) {
    if (!controls) {  // an ASCII run is itself
      const std::size_t ascii = ascii_run(s + i, len - i);
      std::memcpy(d, s + i, ascii);
      d += ascii;
      i += ascii;
      if (i == len) break;
    }
    const unsigned lead = s[i];
    const bool two = (lead >= 0x81 && lead <= 0x9F) || (lead >= 0xE0 && lead <= 0xFC);
    const int32_t u = two && i + 1 < len ? cp932_unit(lead << 8 | s[i + 1]) : two ? -1 : cp932_unit(lead);
    if (u < 0)
      return make_error(ONSHI_E_PROTOCOL, "text",
                        std::string(what) + ": bytes near offset " + std::to_string(i) + " are not valid " +
                            std::string(encoding_label(from)),
                        "check that the XML declaration names the encoding the file is really written in");
    i += two ? 2 : 1;
    if (u < 0x80) {
      *d++ = static_cast<char>(u);
    } else if (u < 0x800) {
      *d++ = static_cast<char>(0xC0 | (u >> 6));
      *d++ = static_cast<char>(0x80 | (u & 0x3F));
    } else {  // cp932 maps into the BMP only
      *d++ = static_cast<char>(0xE0 | (u >> 12));
      *d++ = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
      *d++ = static_cast<char>(0x80 | (u & 0x3F));
    }
  }
  return std::string(buffer.get(), d);
}

Result<std::string> encode_from_utf8(std::string_view utf8, Encoding to, std::string_view what) {
  if (auto valid = check_utf8(utf8, what); !valid) return std::move(valid).error();
  if (to == Encoding::utf8) return std::string(utf8);

  if (const auto& conv = cp932_converter(); !conv) return conv.error();
  // ASCII runs are copied (but the three control bytes ICU moves); every other code point goes
  // through ICU's mapping (cp932_bytes), so an unmappable one can be named.
  std::string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t len = static_cast<int32_t>(utf8.size());
  auto moved = [](uint8_t b) { return std::find(kIcuMovedControls.begin(), kIcuMovedControls.end(), b) != kIcuMovedControls.end(); };
  int32_t i = 0;
  while (i < len) {
    const int32_t run = i;
    while (i < len && s[i] < 0x80 && !moved(s[i])) ++i;
    out.append(utf8.data() + run, static_cast<std::size_t>(i - run));
    if (i == len) break;
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    const int32_t b = cp932_bytes(cp);
    if (b < 0) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return make_error(ONSHI_E_INVALID_ARGUMENT, "text",
                        std::string(what) + ": character '" + std::string(utf8.substr(start, i - start)) + "' (" + code +
                            ") has no Shift_JIS code",
                        "write the file as UTF-8, or replace the character (the terminal itself sends '●')");
    }
    if ((b >> 16) == 2) out += static_cast<char>((b >> 8) & 0xFF);
    if ((b >> 16) >= 1) out += static_cast<char>(b & 0xFF);
  }
  return out;
}

std::size_t invalid_utf8_at(std::string_view text) { return first_invalid_utf8(text); }

std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;  // back to a character's start
  return std::string(text.substr(0, end));
}

std::string fold_digits(std::string_view typed) {
  std::string out;
  const auto* s = reinterpret_cast<const uint8_t*>(typed.data());
  const int32_t len = static_cast<int32_t>(typed.size());
  for (int32_t i = 0; i < len;) {
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    if (cp >= 0xFF10 && cp <= 0xFF19) out += static_cast<char>('0' + (cp - 0xFF10));
    else if (cp == ' ' || cp == '-' || cp == 0x3000 || cp == 0x2010 || cp == 0x2011 || cp == 0x2012 ||
             cp == 0x2013 || cp == 0x2212 || cp == 0xFF0D || cp == 0x30FC || cp == 0xFF70)
      continue;  // spaces and the hyphens and long vowel marks an IME gives for "-"
    else out.append(typed.substr(start, i - start));
  }
  return out;
}

bool looks_like_individual_number(std::string_view typed) {
  const std::string digits = fold_digits(typed);
  return digits.size() == 12 && digits.find_first_not_of("0123456789") == std::string::npos;
}

std::string readable(std::string_view bytes, std::size_t max_bytes) {
  const std::string_view head = bytes.substr(0, max_bytes);
  for (auto enc : {Encoding::utf8, Encoding::shift_jis})
    for (std::size_t cut = 0; cut < 4 && cut <= head.size(); ++cut)  // a character cut in two at the end
      if (auto t = decode_to_utf8(head.substr(0, head.size() - cut), enc, "text"))
        return *t + (head.size() < bytes.size() ? "…" : "");
  return "(" + std::to_string(bytes.size()) + " bytes in an unknown encoding)";
}

bool in_jis_x0208(char32_t cp) {
  if (cp > 0xFFFF) return false;  // cp932 maps into the BMP only
  const int32_t b = cp932_bytes(static_cast<UChar32>(cp));
  if (b < 0 || (b >> 16) != 2) return false;
  const unsigned lead = (b >> 8) & 0xFF, trail = b & 0xFF;
  return (lead >= 0x81 && lead <= 0x84) || (lead >= 0x88 && lead <= 0x9F) || (lead >= 0xE0 && lead <= 0xE9) ||
         (lead == 0xEA && trail <= 0xA4);  // rows 1–8, 16–84 (row 84 ends at 熙, EAA4)
}

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
    const bool inside = cp >= 0 && in_jis_x0208(static_cast<char32_t>(cp));
    const char32_t c = cp < 0 ? U'\uFFFD' : static_cast<char32_t>(cp);
    if (!inside && std::find(flags.outside_jis_x0208.begin(), flags.outside_jis_x0208.end(), c) ==
                       flags.outside_jis_x0208.end())
      flags.outside_jis_x0208.push_back(c);
  }
  return flags;
}

}  // namespace onshi::text
