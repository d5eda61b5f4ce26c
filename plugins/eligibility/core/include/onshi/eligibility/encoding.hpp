// Character encodings of the terminal's XML files (Shift_JIS or UTF-8) and the
// character-set checks a name or address needs before matching or billing (R-BLACKDOT).
#pragma once

#include <onshi/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility {

enum class TextEncoding { shift_jis, utf8 };

// The label written in the XML declaration: "Shift_JIS" or "UTF-8".
std::string_view encoding_label(TextEncoding encoding);
// Accepts the labels seen in the field (Shift_JIS, SJIS, windows-31j, cp932, UTF-8, ...).
Result<TextEncoding> encoding_from_label(std::string_view label);

// Strict conversions: an illegal byte sequence or an unmappable character is an
// error naming `what` (a file or element) and the offset, never a silent '?'.
// Shift_JIS means the Windows variant (cp932) the terminal writes.
Result<std::string> decode_to_utf8(std::string_view bytes, TextEncoding from, std::string_view what);
Result<std::string> encode_from_utf8(std::string_view utf8, TextEncoding to, std::string_view what);

// R-BLACKDOT: what the EMR must know about a name or address before matching on it.
struct CharsetFlags {
  bool black_dot = false;                 // contains '●': the insurer's system could not store a character
  std::vector<char32_t> outside_jis_x0208; // each such character once, in order of appearance
  bool any() const { return black_dot || !outside_jis_x0208.empty(); }
};
// ASCII and half-width katakana (JIS X 0201) count as inside; everything else is
// checked against ICU's JIS X 0208 table (the one behind ISO-2022-JP).
CharsetFlags check_charset(std::string_view utf8);

}  // namespace onshi::eligibility
