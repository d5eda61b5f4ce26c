// Number checks before billing (R-ACCURACY), against the spec's worked examples.
#include <onshi/claims/numbers.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace onshi::claims;

TEST(Numbers, R_ACCURACY_check_digit_worked_examples) {
  // biglobe mc0124: 千葉県警 3312001 → 5.
  EXPECT_EQ(check_digit("3312001"), 5);
  for (const char* valid : {"33120015", "01010016", "01130012", "34130021", "01350016"}) {
    auto n = parse_insurer_number(valid);
    ASSERT_TRUE(n.ok()) << valid << ": " << n.error().message;
    EXPECT_EQ(n->kind, PayerKind::shaho);
  }
}

TEST(Numbers, R_CLAIM_C_77777779_is_7777777_with_its_check_digit) {
  // 77777777 fails the check digit, which is why some レセコン reject it (2023-09-15 notice).
  EXPECT_EQ(check_digit("7777777"), 9);
  EXPECT_EQ(check_digit("777777a"), -1);
}

TEST(Numbers, R_ACCURACY_wrong_check_digit_names_the_digit_and_the_expected_value) {
  auto n = parse_insurer_number("01130013");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(n.error().message.find("検証番号 (digit 8) is 3"), std::string::npos) << n.error().message;
  EXPECT_NE(n.error().message.find("give 2"), std::string::npos);
  EXPECT_NE(n.error().hint.find("R-ACCURACY"), std::string::npos);
}

TEST(Numbers, R_ACCURACY_kokuho_six_digits_plain_or_space_padded) {
  auto plain = parse_insurer_number("138057");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->kind, PayerKind::kokuho);
  EXPECT_EQ(plain->padded(), "  138057");
  auto padded = parse_insurer_number("  138057");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->digits, "138057");
  EXPECT_FALSE(parse_insurer_number("138058").ok());
  EXPECT_FALSE(parse_insurer_number("1380571").ok());  // 7 digits
  EXPECT_FALSE(parse_insurer_number("13805a").ok());
  EXPECT_FALSE(parse_insurer_number("").ok());
}

TEST(Numbers, R_ACCURACY_prefecture_and_houbetsu_are_checked) {
  auto pref = parse_insurer_number("01480019");  // 都道府県 48 does not exist
  ASSERT_FALSE(pref.ok());
  EXPECT_NE(pref.error().message.find("都道府県番号 48"), std::string::npos);
  auto aid = parse_insurer_number("12130001");  // 12 is a 公費 法別 (生活保護)
  ASSERT_FALSE(aid.ok());
  EXPECT_NE(aid.error().message.find("法別番号 12"), std::string::npos);
}

TEST(Numbers, R_ACCURACY_all_47_kouki_unions_are_valid) {
  auto unions = kouki_union_numbers();
  ASSERT_EQ(unions.size(), 47u);
  EXPECT_EQ(unions.front(), "39010004");  // 北海道 (UKEPARSER hokenconv.rb)
  EXPECT_EQ(unions.back(), "39470000");   // 沖縄
  for (const auto& number : unions) {
    auto n = parse_insurer_number(number);
    ASSERT_TRUE(n.ok()) << number << ": " << n.error().message;
    EXPECT_EQ(n->kind, PayerKind::kouki) << number;
  }
}

TEST(Numbers, R_FIELDS_houbetsu_07_is_honnin_only_and_39_has_no_branch) {
  auto jieikan = parse_insurer_number("07013006");
  ASSERT_TRUE(jieikan.ok());
  Qualification family;
  family.insured_person = false;
  auto r = check_houbetsu_consistency(*jieikan, family);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("本人 only"), std::string::npos);
  EXPECT_NE(r.error().hint.find("法別 31"), std::string::npos);
  Qualification self;
  self.insured_person = true;
  EXPECT_TRUE(check_houbetsu_consistency(*jieikan, self).ok());

  auto kouki = parse_insurer_number("39130000");
  Qualification with_branch;
  with_branch.branch = "01";
  EXPECT_FALSE(check_houbetsu_consistency(*kouki, with_branch).ok());
}

TEST(Numbers, R_ACCURACY_public_expense_and_recipient_numbers) {
  auto nanbyo = parse_public_expense_number("54016027");  // nanbyo.ukure.com worked example
  ASSERT_TRUE(nanbyo.ok()) << nanbyo.error().message;
  EXPECT_EQ(nanbyo->houbetsu, "54");
  EXPECT_TRUE(nanbyo->warnings.empty());
  EXPECT_FALSE(parse_public_expense_number("54016028").ok());
  // A local (8x) number with a wrong check digit is billed with a warning.
  auto local = parse_public_expense_number("83136019");
  ASSERT_TRUE(local.ok());
  ASSERT_EQ(local->warnings.size(), 1u);
  EXPECT_EQ(local->warnings[0].rule, "R-ACCURACY");

  EXPECT_TRUE(check_recipient_number("1234566").ok());  // 123456 → 3+5+8+3+4+1 = 24 → 6
  auto wrong = check_recipient_number("1234567");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("(digit 7) is 7"), std::string::npos) << wrong.error().message;
  EXPECT_FALSE(check_recipient_number("123456").ok());
}

// The simulator's 公費 are what a clinic bills from its answers (docs/simulator-data.md), so they pass
// the checks a typed number passes: every 医療扶助 result's 公費負担者番号 / 受給者番号 and every
// disclosed PMH block. (iryo-fujo's 受給者番号 0012345 failed its 検証番号: digits 1–6 give 4.)
TEST(Numbers, R_ACCURACY_every_kouhi_number_the_simulator_answers_passes_its_check_digit) {
  using nlohmann::json;
  std::ifstream in(ONSHI_SIM_DATA);
  const json data = json::parse(in);
  int checked = 0;
  for (const auto& persona : data["personas"])
    for (const auto& r : persona.value("results", json::array())) {
      SCOPED_TRACE(persona.value("name", ""));
      std::vector<std::pair<std::string, std::string>> kouhi;
      if (r.value("InsuredCardClassification", "") == "A1") {
        kouhi.emplace_back(r.value("InsurerNumber", ""), r.value("InsuredIdentificationNumber", ""));
        if (r.contains("PublicExpenseNumber"))  // the same numbers again, when the answer repeats them
          kouhi.emplace_back(r.value("PublicExpenseNumber", ""), r.value("BeneficiaryNumber", ""));
      }
      for (const auto& block : r.value("MedicalSubsidyList", json::object()).value("MedicalSubsidyInfo", json::array()))
        if (block.value("IsNotDisclosed", "") != "1")
          kouhi.emplace_back(block.value("MedicalSubsidyInsurerNumber", ""),
                             block.value("MedicalSubsidyRecipientNumber", ""));
      for (const auto& [payer, recipient] : kouhi) {
        auto p = parse_public_expense_number(payer);
        EXPECT_TRUE(p.ok()) << p.error().message;
        auto n = check_recipient_number(recipient);
        EXPECT_TRUE(n.ok()) << n.error().message;
        ++checked;
      }
    }
  EXPECT_GE(checked, 4) << "iryo-fujo (twice), seiho-houmon, pmh-nanbyo";
}
