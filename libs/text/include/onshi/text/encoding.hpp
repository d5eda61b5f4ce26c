// Text as the terminal, the card apps and the レセプト files write it: UTF-8 or Shift_JIS, where
// Shift_JIS always means Windows' cp932 (ICU "windows-31j"), converted strictly. And the one
// definition of the JIS X 0208 character set that R-BLACKDOT and the UKE rule build on.
#pragma once

#include <onshi/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::text {

enum class Encoding { shift_jis, utf8 };

// The label written in an XML declaration: "Shift_JIS" or "UTF-8".
std::string_view encoding_label(Encoding encoding);
// Accepts the labels seen in the field (Shift_JIS, SJIS, windows-31j, cp932, UTF-8, ...).
Result<Encoding> encoding_from_label(std::string_view label);

// Strict conversions: an illegal byte sequence or an unmappable character is an error naming
// `what` (a file, element or field) and the offset, never a silent '?'. One cached ICU mapping
// per process serves every caller.
Result<std::string> decode_to_utf8(std::string_view bytes, Encoding from, std::string_view what);
Result<std::string> encode_from_utf8(std::string_view utf8, Encoding to, std::string_view what);
// Someone else's text (a terminal's .err file, a server's error page) fit for a message: the first
// `max_bytes` of it as UTF-8 when it is UTF-8 or Shift_JIS, else "(N bytes in an unknown encoding)".
// Never invalid UTF-8, so it can go into any document or log.
std::string readable(std::string_view bytes, std::size_t max_bytes = 400);
// At most `max_bytes` of UTF-8 `text`, never cutting a character in two (for echoing input).
std::string utf8_prefix(std::string_view text, std::size_t max_bytes);

// A number as typed at a window: full-width digits (０-９) become ASCII, and spaces and hyphens of
// any width are dropped. Anything else is kept as it is.
std::string fold_digits(std::string_view typed);
// R-NOMYNUM: 12 digits, however typed (spaced, hyphenated, full-width), is the shape of an
// individual number (マイナンバー): never checked, sent, kept or shown.
bool looks_like_individual_number(std::string_view typed);

// Offset of the first byte of `text` that is not well-formed UTF-8, or std::string_view::npos.
std::size_t invalid_utf8_at(std::string_view text);

// JIS X 0208 (rows 1–8 and 16–84) as cp932 writes it: the character's Shift_JIS code is a
// double byte in those rows (so U+FF5E ～ is inside, as the terminal sends it, and the NEC/IBM
// extensions are outside). ASCII and half-width kana are JIS X 0201, not in this set.
bool in_jis_x0208(char32_t cp);

// R-BLACKDOT: what the EMR must know about a name or address before matching on it.
struct CharsetFlags {
  bool black_dot = false;                   // contains '●': the insurer's system could not store a character
  std::vector<char32_t> outside_jis_x0208;  // each such character once, in order of appearance
  bool any() const { return black_dot || !outside_jis_x0208.empty(); }
};
// ASCII and half-width katakana (JIS X 0201) count as inside; everything else must be in_jis_x0208.
CharsetFlags check_charset(std::string_view utf8);

}  // namespace onshi::text
