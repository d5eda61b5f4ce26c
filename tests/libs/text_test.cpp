// libs/text: the cp932 converter against ICU's own answers, and the JIS X 0208 check (R-BLACKDOT).
#include <onshi/text/encoding.hpp>

#include <gtest/gtest.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <string>
#include <vector>

namespace onshi::text {
namespace {

TEST(Encoding, shift_jis_decoding_matches_icu_for_every_code) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* icu = ucnv_open("windows-31j", &status);
  ASSERT_TRUE(U_SUCCESS(status));
  ucnv_setToUCallBack(icu, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  auto by_icu = [&](const std::string& bytes) -> std::optional<std::string> {
    UErrorCode st = U_ZERO_ERROR;
    ucnv_reset(icu);
    icu::UnicodeString u(bytes.data(), static_cast<int32_t>(bytes.size()), icu, st);
    if (U_FAILURE(st)) return std::nullopt;
    std::string out;
    return u.toUTF8String(out);
  };
  const std::string before = "<a>0123456789abc", after = "</a> 0123456789abcdef";  // 16 ASCII bytes, then the code
  int checked = 0, differences = 0;
  auto check = [&](std::string code) {
    const std::string bytes = before + code + after;
    const auto ours = decode_to_utf8(bytes, Encoding::shift_jis, "code");
    const auto theirs = by_icu(bytes);
    ++checked;
    if (ours.ok() != theirs.has_value() || (ours.ok() && *ours != *theirs)) {
      if (++differences <= 5) ADD_FAILURE() << "code " << std::hex << code << " decodes differently from ICU";
    }
  };
  for (int b = 0; b < 0x100; ++b) check(std::string(1, static_cast<char>(b)));
  for (int lead = 0x81; lead <= 0xFC; ++lead)
    for (int trail = 0x40; trail <= 0xFC; ++trail)
      check(std::string{static_cast<char>(lead), static_cast<char>(trail)});
  ucnv_close(icu);
  EXPECT_EQ(differences, 0) << "of " << checked << " codes";
}

// check_charset remembers ICU's cp932 answer per code point; it must be the answer ICU gives when
// asked each time, for every BMP character (surrogates cannot be UTF-8): JIS X 0208 is a double
// byte in rows 1–8 or 16–84 of windows-31j (libs/text).
TEST(Charset, R_BLACKDOT_charset_check_matches_icu_for_every_bmp_character) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* cp932 = ucnv_open("windows-31j", &status);
  ASSERT_TRUE(U_SUCCESS(status)) << u_errorName(status);
  ucnv_setFallback(cp932, false);
  ucnv_setFromUCallBack(cp932, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  auto icu_inside = [&](char32_t cp) {
    UChar units[2];
    int32_t n = 0;
    U16_APPEND_UNSAFE(units, n, cp);
    unsigned char buf[16];
    UErrorCode s = U_ZERO_ERROR;
    ucnv_reset(cp932);
    const int32_t len = ucnv_fromUChars(cp932, reinterpret_cast<char*>(buf), sizeof buf, units, n, &s);
    if (U_FAILURE(s) || len != 2) return false;
    const unsigned row = buf[0] <= 0x9F ? (buf[0] - 0x81) * 2 + (buf[1] >= 0x9F ? 2 : 1)
                                        : (buf[0] - 0xC1) * 2 + (buf[1] >= 0x9F ? 2 : 1);
    const unsigned cell = buf[1] >= 0x9F ? buf[1] - 0x9E : buf[1] - (buf[1] >= 0x80 ? 0x40 : 0x3F);
    return (row >= 1 && row <= 8) || (row >= 16 && row <= 83) || (row == 84 && cell <= 6);
  };
  for (char32_t block = 0; block < 0x10000; block += 0x100) {
    if (block >= 0xD800 && block < 0xE000) continue;
    std::string text;
    std::vector<char32_t> outside;
    bool black_dot = false;
    for (char32_t cp = block; cp < block + 0x100; ++cp) {
      char utf8[4];
      int32_t len = 0;
      U8_APPEND_UNSAFE(utf8, len, cp);
      text.append(utf8, len);
      if (cp == 0x25CF) black_dot = true;
      else if (cp >= 0x80 && !(cp >= 0xFF61 && cp <= 0xFF9F) && !icu_inside(cp)) outside.push_back(cp);
    }
    for (int pass = 0; pass < 2; ++pass) {  // the first asks ICU, the second reads what was remembered
      const CharsetFlags flags = check_charset(text);
      ASSERT_EQ(flags.outside_jis_x0208, outside) << "block U+" << std::hex << static_cast<unsigned>(block);
      ASSERT_EQ(flags.black_dot, black_dot);
    }
  }
  ucnv_close(cp932);
  // As the terminal writes it: ～ (U+FF5E) is JIS X 0208's 0x2141; the NEC/IBM extensions are not.
  EXPECT_TRUE(in_jis_x0208(U'～'));
  EXPECT_TRUE(in_jis_x0208(U'熙'));
  EXPECT_FALSE(in_jis_x0208(U'〜'));
  EXPECT_FALSE(in_jis_x0208(U'髙'));
  EXPECT_FALSE(in_jis_x0208(U'①'));
  EXPECT_FALSE(in_jis_x0208(U'A'));
}

}  // namespace
}  // namespace onshi::text
