#include "shift_jis.hpp"

#include <onshi/text/encoding.hpp>

namespace onshi::disaster::detail {

Result<std::string> shift_jis_to_utf8(std::string_view bytes, const std::string& where) {
  auto text = text::decode_to_utf8(bytes, text::Encoding::shift_jis, where);
  if (!text)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", where + ": bytes that are not Shift_JIS (CP932) text",
                      "scan the QR code again; if it keeps failing, the app wrote another encoding");
  return text;
}

}  // namespace onshi::disaster::detail
