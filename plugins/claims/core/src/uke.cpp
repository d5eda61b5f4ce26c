#include <onshi/claims/uke.hpp>

#include <onshi/text/encoding.hpp>

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <memory>

namespace onshi::claims {
namespace {

Error encoding_error(std::string message, std::string hint) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "claims", std::move(message), std::move(hint));
}

std::string code_point_label(UChar32 cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", unsigned(cp));
  icu::UnicodeString one(cp);
  std::string utf8;
  one.toUTF8String(utf8);
  return "'" + utf8 + "' (" + buf + ")";
}

// The UKE character set: printable ASCII, half-width kana (JIS X 0201) and JIS X 0208 levels 1/2,
// but not 凜 and 熙 (EAA3/EAA4, added to JIS X 0208 in 1990 and not in the 記録条件仕様).
bool in_uke_charset(char32_t cp) {
  if (cp >= 0x20 && cp <= 0x7E) return true;
  if (cp >= 0xFF61 && cp <= 0xFF9F) return true;
  return text::in_jis_x0208(cp) && cp != U'凜' && cp != U'熙';
}

}  // namespace

std::string to_kanji_mode(std::string_view utf8, bool katakana) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> fullwidth(icu::Transliterator::createInstance(
      katakana ? "Halfwidth-Fullwidth; Hiragana-Katakana" : "Halfwidth-Fullwidth", UTRANS_FORWARD, status));
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
  if (U_SUCCESS(status)) fullwidth->transliterate(text);
  // Unicode has two code points for these; only the second is in Shift_JIS.
  text.findAndReplace(icu::UnicodeString(UChar32(0x301C)), icu::UnicodeString(UChar32(0xFF5E)));  // 〜 → ～
  text.findAndReplace(icu::UnicodeString(UChar32(0x2212)), icu::UnicodeString(UChar32(0xFF0D)));  // − → －
  text.findAndReplace(icu::UnicodeString(UChar32(0x2014)), icu::UnicodeString(UChar32(0x2015)));  // — → ―
  std::string out;
  text.toUTF8String(out);
  return out;
}

Result<std::string> encode_shift_jis(std::string_view utf8, std::string_view what) {
  if (text::invalid_utf8_at(utf8) != std::string_view::npos)
    return encoding_error(std::string(what) + ": the text is not valid UTF-8", "pass the text as UTF-8");
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    UChar32 cp;
    U8_NEXT(s, i, length, cp);
    if (!in_uke_charset(static_cast<char32_t>(cp)))
      return encoding_error(std::string(what) + ": character " + code_point_label(cp) +
                                " is outside the UKE character set (Shift_JIS, JIS X 0208 levels 1/2)",
                            "replace it with its common form (e.g. 髙→高) or with ● as オン資 does (R-BLACKDOT)");
  }
  auto sjis = text::encode_from_utf8(utf8, text::Encoding::shift_jis, what);
  if (!sjis) return encoding_error(sjis.error().message, "pass the text as UTF-8");
  return sjis;
}

std::string record_line(const Record& record) {
  std::string line = record.id;
  for (const Field& f : record.fields) line += "," + f.value;
  return line;
}

Result<std::string> render_uke(const std::vector<Record>& records) {
  std::string out;
  for (const Record& record : records) {
    out += record.id;
    for (size_t i = 0; i < record.fields.size(); ++i) {
      const Field& f = record.fields[i];
      std::string what = "UKE " + record.id + " field " + std::to_string(i + 1) + " (" + f.name + ")";
      for (char c : f.value)
        if (c == ',' || c == '"' || static_cast<unsigned char>(c) < 0x20)
          return encoding_error(what + ": contains a comma, quote or control character, which UKE CSV cannot hold",
                                "write it full-width (，) or remove it");
      auto encoded = encode_shift_jis(f.value, what);
      if (!encoded) return encoded.error();
      out += "," + *encoded;
    }
    out += "\r\n";
  }
  return out;
}

Result<std::string> render_receipt_file(const Clinic& clinic, int payer_office, Date claim_month,
                                        const std::vector<Record>& receipts, int receipt_count,
                                        long total_points) {
  Record ir{"IR",
            {{"審査支払機関", std::to_string(payer_office)},
             {"都道府県", clinic.prefecture},
             {"点数表", "1"},
             {"医療機関コード", clinic.code},
             {"予備", ""},
             {"医療機関名称", to_kanji_mode(clinic.name)},
             {"請求年月", compact_month(claim_month)},
             {"マルチボリューム識別", "00"},
             {"電話番号", clinic.phone}}};
  Record go{"GO",
            {{"総件数", std::to_string(receipt_count)},
             {"総合計点数", std::to_string(total_points)},
             {"マルチボリューム識別", "99"}}};
  std::vector<Record> all{ir};
  all.insert(all.end(), receipts.begin(), receipts.end());
  all.push_back(go);
  auto text = render_uke(all);
  if (!text) return text.error();
  return *text + '\x1A';
}

}  // namespace onshi::claims
