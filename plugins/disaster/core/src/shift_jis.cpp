#include "shift_jis.hpp"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <memory>

namespace onshi::disaster::detail {

Result<std::string> shift_jis_to_utf8(std::string_view bytes, const std::string& where) {
  UErrorCode st = U_ZERO_ERROR;
  // windows-31j is what QR apps and Windows write (IBM/NEC extensions such as 髙 included).
  std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open("windows-31j", &st), &ucnv_close);
  if (U_FAILURE(st))
    return make_error(ONSHI_E_INTERNAL, "disaster", "ICU has no windows-31j (Shift_JIS) converter",
                      "check that the ICU data library (libicudata) is installed");
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &st);
  icu::UnicodeString text(bytes.data(), static_cast<int32_t>(bytes.size()), conv.get(), st);
  if (U_FAILURE(st))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                      where + ": bytes that are not Shift_JIS (CP932) text",
                      "scan the QR code again; if it keeps failing, the app wrote another encoding");
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace onshi::disaster::detail
