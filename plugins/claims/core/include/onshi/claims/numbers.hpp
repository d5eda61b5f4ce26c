// onshi/claims/numbers.hpp: 保険者番号, 公費負担者番号 and 受給者番号 checks before
// billing (R-ACCURACY: mistyped 記号・番号 are the top reason claims come back).
#pragma once

#include <onshi/claims/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::claims {

// 検証番号 of a digit string (mod 10, weights 2,1,2,… from the right, products'
// digits summed). Returns -1 unless `body` is all digits.
int check_digit(std::string_view body);

struct InsurerNumber {
  std::string digits;      // 6 or 8 digits, no padding
  std::string houbetsu;    // 法別番号; empty for 6-digit 国保
  std::string prefecture;  // 都道府県番号 01–47
  PayerKind kind = PayerKind::shaho;
  std::string padded() const;  // HO 保険者番号: 8 characters, space-padded on the left
};

// 8 digits, 6 digits (国保) or a 6-digit number space-padded to 8. The fill numbers below are not
// insurers (法別 77, 99 do not exist): they fail here.
Result<InsurerNumber> parse_insurer_number(std::string_view text);

// The fill numbers the SDK writes when no insurer is known: "不詳 (R-CLAIM-C)" for 77777777 and
// 77777779, "disaster (R-DISASTER-CLAIM)" for 99999999 (the dated rules' tables); nullopt otherwise.
std::optional<std::string> fill_number_rule(std::string_view text);

// 法別 rules that depend on the person: 07 (自衛官) is 本人 only, 39 has no 枝番.
Result<void> check_houbetsu_consistency(const InsurerNumber& insurer, const Qualification& q);

struct PublicExpenseNumber {
  std::string digits;
  std::string houbetsu;
  std::vector<Warning> warnings;  // a local (8x) number whose 検証番号 does not match
};
Result<PublicExpenseNumber> parse_public_expense_number(std::string_view text);

// 受給者番号: 7 digits, the last one a 検証番号 over the first six.
Result<void> check_recipient_number(std::string_view text);

// The 47 後期高齢者医療広域連合 numbers: 39 + 都道府県 + 000 + 検証番号.
std::vector<std::string> kouki_union_numbers();

}  // namespace onshi::claims
