// Shift_JIS (CP932, as お薬手帳 apps and Windows EMRs write it) to UTF-8 with ICU.
// Internal to the core.
#pragma once

#include <onshi/result.hpp>

#include <string>
#include <string_view>

namespace onshi::disaster::detail {

// Fails on the first byte sequence that is not CP932; `where` names the input
// for the error ("part 1, line 3").
Result<std::string> shift_jis_to_utf8(std::string_view bytes, const std::string& where);

}  // namespace onshi::disaster::detail
