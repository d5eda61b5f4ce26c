#include <onshi/claims/numbers.hpp>
#include <onshi/claims/rules.hpp>

#include <onshi/text/encoding.hpp>

#include <algorithm>
#include <array>

namespace onshi::claims {
namespace {

const char* const kAccuracyHint =
    "compare every digit with the card or screen and retype it; mistyped 記号・番号 are the top reason "
    "claims come back (R-ACCURACY)";

Error number_error(std::string message) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "claims", std::move(message), kAccuracyHint);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_prefecture(std::string_view two) {
  int p = (two[0] - '0') * 10 + (two[1] - '0');
  return p >= 1 && p <= 47;
}

// Checks the trailing 検証番号 of `digits`; the message names the digit.
Result<void> verify_check_digit(std::string_view what, std::string_view digits) {
  int expected = check_digit(digits.substr(0, digits.size() - 1));
  int actual = digits.back() - '0';
  if (expected == actual) return {};
  return number_error(std::string(what) + " " + std::string(digits) + ": the 検証番号 (digit " +
                      std::to_string(digits.size()) + ") is " + std::to_string(actual) + " but digits 1–" +
                      std::to_string(digits.size() - 1) + " give " + std::to_string(expected));
}

struct Houbetsu {
  const char* code;
  PayerKind kind;
};
// 医療保険 法別番号 (claims spec §4.1).
constexpr std::array<Houbetsu, 17> kInsurerHoubetsu{{
    {"01", PayerKind::shaho}, {"02", PayerKind::shaho}, {"03", PayerKind::shaho}, {"04", PayerKind::shaho},
    {"06", PayerKind::shaho}, {"07", PayerKind::shaho}, {"31", PayerKind::shaho}, {"32", PayerKind::shaho},
    {"33", PayerKind::shaho}, {"34", PayerKind::shaho}, {"39", PayerKind::kouki}, {"63", PayerKind::shaho},
    {"67", PayerKind::kokuho}, {"72", PayerKind::shaho}, {"73", PayerKind::shaho}, {"74", PayerKind::shaho},
    {"75", PayerKind::shaho},
}};

}  // namespace

int check_digit(std::string_view body) {
  if (!all_digits(body)) return -1;
  int sum = 0;
  bool doubled = true;  // the rightmost digit is multiplied by 2
  for (auto it = body.rbegin(); it != body.rend(); ++it, doubled = !doubled) {
    int product = (*it - '0') * (doubled ? 2 : 1);
    sum += product / 10 + product % 10;
  }
  return (10 - sum % 10) % 10;
}

std::string InsurerNumber::padded() const { return std::string(8 - digits.size(), ' ') + digits; }

Result<InsurerNumber> parse_insurer_number(std::string_view text) {
  std::string_view digits = text;
  while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);  // "  123456" (国保)
  if (!all_digits(digits) || (digits.size() != 8 && digits.size() != 6))
    return number_error("保険者番号 '" + text::utf8_prefix(text, 16) + "' must be 8 digits, or 6 digits for 国保 (" +
                        std::to_string(digits.size()) + " characters given)");
  InsurerNumber n;
  n.digits = std::string(digits);
  if (digits.size() == 6) {
    n.kind = PayerKind::kokuho;
    n.prefecture = n.digits.substr(0, 2);
  } else {
    n.houbetsu = n.digits.substr(0, 2);
    n.prefecture = n.digits.substr(2, 2);
    auto known = std::find_if(kInsurerHoubetsu.begin(), kInsurerHoubetsu.end(),
                              [&](const Houbetsu& h) { return n.houbetsu == h.code; });
    if (known == kInsurerHoubetsu.end())
      return number_error("保険者番号 " + n.digits + ": 法別番号 " + n.houbetsu +
                          " is not a 医療保険 法別 (公費 numbers such as 12 生活保護 go in the 公費負担者番号)");
    n.kind = known->kind;
  }
  if (!valid_prefecture(n.prefecture))
    return number_error("保険者番号 " + n.digits + ": 都道府県番号 " + n.prefecture + " is not between 01 and 47");
  if (auto r = verify_check_digit("保険者番号", n.digits); !r) return r.error();
  return n;
}

Result<void> check_houbetsu_consistency(const InsurerNumber& insurer, const Qualification& q) {
  if (insurer.houbetsu == "07" && q.insured_person == false)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                      "保険者番号 " + insurer.digits + ": 法別 07 (自衛官等) covers the 本人 only, but the patient is a 家族",
                      "bill a 自衛官's family member under the 防衛省共済組合 number (法別 31) on their card");
  if (insurer.kind == PayerKind::kouki && !q.branch.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                      "保険者番号 " + insurer.digits + ": 後期高齢者医療 has no 枝番, but 枝番 '" + q.branch + "' was given",
                      "leave the 枝番 empty for 後期高齢者医療 (法別 39)");
  return {};
}

Result<PublicExpenseNumber> parse_public_expense_number(std::string_view text) {
  if (text.size() != 8 || !all_digits(text))
    return number_error("公費負担者番号 '" + text::utf8_prefix(text, 16) + "' must be 8 digits");
  PublicExpenseNumber n;
  n.digits = std::string(text);
  n.houbetsu = n.digits.substr(0, 2);
  if (!valid_prefecture(n.digits.substr(2, 2)))
    return number_error("公費負担者番号 " + n.digits + ": 都道府県番号 " + n.digits.substr(2, 2) +
                        " is not between 01 and 47");
  if (auto r = verify_check_digit("公費負担者番号", n.digits); !r) {
    if (n.houbetsu[0] != '8') return r.error();
    // 地方単独 (8x) numbers are set by each prefecture and do not all follow the rule.
    n.warnings.push_back({"local_public_expense_check_digit", "R-ACCURACY", r.error().message});
  }
  return n;
}

Result<void> check_recipient_number(std::string_view text) {
  if (text.size() != 7 || !all_digits(text))
    return number_error("受給者番号 '" + text::utf8_prefix(text, 16) + "' must be 7 digits");
  return verify_check_digit("受給者番号", text);
}

std::optional<std::string> fill_number_rule(std::string_view text) {
  auto loaded = rules();
  if (!loaded) return std::nullopt;
  for (const UnknownFillRow& row : (*loaded)->unknown_claim)
    if (text == row.insurer_number || text == row.insurer_number_check_digit) return "不詳 (R-CLAIM-C)";
  for (const DisasterFillRow& row : (*loaded)->disaster_claim)
    if (text == row.insurer_unknown) return "disaster (R-DISASTER-CLAIM)";
  return std::nullopt;
}

std::vector<std::string> kouki_union_numbers() {
  std::vector<std::string> numbers;
  for (int pref = 1; pref <= 47; ++pref) {
    std::string body = "39" + std::string(pref < 10 ? "0" : "") + std::to_string(pref) + "000";
    numbers.push_back(body + char('0' + check_digit(body)));
  }
  return numbers;
}

}  // namespace onshi::claims
