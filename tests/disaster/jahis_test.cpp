// お薬手帳 import (JAHIS TC format, Shift_JIS, split QR parts joined by record 911):
// what a patient brings when the national system cannot be reached (R-DISASTER).
#include "support.hpp"

#include <onshi/disaster/jahis.hpp>

namespace onshi::disaster::test {
namespace {

JahisNotebook read(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const auto& n : names) parts.push_back(fixture(n));
  auto notebook = read_jahis(parts);
  if (!notebook) throw std::runtime_error(notebook.error().message);
  return std::move(*notebook);
}

Error refusal(const std::vector<std::string>& parts) {
  auto notebook = read_jahis(parts);
  if (notebook) throw std::runtime_error("expected a refusal");
  return notebook.error();
}

TEST(Jahis, R_DISASTER_single_code_gives_patient_and_drugs) {
  auto book = read({"techo-single.txt"});
  EXPECT_EQ(book.version, "JAHISTC08");
  EXPECT_EQ(book.patient.name, "髙橋 京子");  // an IBM extension kanji, decoded
  EXPECT_EQ(book.patient.name_kana, "ﾀｶﾊｼ ｷｮｳｺ");
  EXPECT_EQ(book.patient.sex, Sex::female);
  EXPECT_EQ(book.patient.birthdate, day("1958-03-03"));  // S330303
  ASSERT_EQ(book.drugs.size(), 4u);

  const DrugRecord& amlodipine = book.drugs[0];
  EXPECT_EQ(amlodipine.source, DrugSource::okusuri_techo);
  EXPECT_EQ(amlodipine.dispensed_on, day("2024-01-05"));  // R060105
  EXPECT_EQ(amlodipine.drug_name, "アムロジピン錠５ｍｇ「サワイ」");
  EXPECT_EQ(amlodipine.code_kind, DrugCodeKind::receipt);
  EXPECT_EQ(amlodipine.code, "622083501");
  EXPECT_EQ(amlodipine.dose, "1錠");
  EXPECT_EQ(amlodipine.usage, "1日1回朝食後");
  EXPECT_EQ(amlodipine.days, 28);
  EXPECT_EQ(amlodipine.quantity, "28日分");
  EXPECT_EQ(amlodipine.pharmacy, "さくら薬局 輪島店");
  EXPECT_EQ(amlodipine.prescriber, "輪島中央クリニック 医師 一郎");

  EXPECT_EQ(book.drugs[1].code_kind, DrugCodeKind::yj);  // same RP, same 用法
  EXPECT_EQ(book.drugs[1].usage, "1日1回朝食後");
  const DrugRecord& loxoprofen = book.drugs[2];
  EXPECT_EQ(loxoprofen.quantity, "10回分");
  EXPECT_FALSE(loxoprofen.days.has_value());  // 頓服: times, not days
  EXPECT_EQ(book.drugs[3].dispensed_on, day("2023-12-01"));
  EXPECT_TRUE(book.warnings.empty());
}

TEST(Jahis, R_DISASTER_split_codes_are_joined_by_record_911_in_any_scan_order) {
  auto book = read({"techo-split-2of2.txt", "techo-split-1of2.txt"});
  EXPECT_EQ(book.patient.name, "山田 太郎");
  ASSERT_EQ(book.drugs.size(), 3u);
  EXPECT_EQ(book.drugs[0].dispensed_on, day("2026-01-10"));
  EXPECT_EQ(book.drugs[1].dispensed_on, day("2026-02-10"));
  EXPECT_EQ(book.drugs[2].drug_name, "シタグリプチン錠５０ｍｇ");
  EXPECT_EQ(book.drugs[2].code_kind, DrugCodeKind::yj);
}

TEST(Jahis, R_DISASTER_missing_or_repeated_split_parts_are_refused) {
  auto missing = refusal({fixture("techo-split-1of2.txt")});
  EXPECT_NE(missing.message.find("1 of 2 parts"), std::string::npos) << missing.message;
  EXPECT_FALSE(missing.hint.empty());
  auto twice = refusal({fixture("techo-split-1of2.txt"), fixture("techo-split-1of2.txt")});
  EXPECT_NE(twice.message.find("scanned twice"), std::string::npos) << twice.message;
  std::string other = fixture("techo-split-2of2.txt");
  other.replace(other.find("20260110123456"), 14, "20990101000000");
  auto mixed = refusal({fixture("techo-split-1of2.txt"), other});
  EXPECT_NE(mixed.message.find("different data"), std::string::npos) << mixed.message;
}

TEST(Jahis, R_DISASTER_bad_records_are_refused_with_line_and_record_number) {
  auto before = refusal({fixture("techo-bad-drug-before-visit.txt")});
  EXPECT_EQ(before.code, ONSHI_E_INVALID_ARGUMENT);
  EXPECT_NE(before.message.find("line 3 (record 201)"), std::string::npos) << before.message;
  EXPECT_NE(before.message.find("before any record 5"), std::string::npos);

  auto usage = refusal({fixture("techo-bad-usage-without-drug.txt")});
  EXPECT_NE(usage.message.find("line 6 (record 301)"), std::string::npos) << usage.message;
  EXPECT_NE(usage.message.find("RP 2"), std::string::npos);

  auto date = refusal({fixture("techo-bad-date.txt")});
  EXPECT_NE(date.message.find("record 5"), std::string::npos) << date.message;
  EXPECT_NE(date.message.find("20261340"), std::string::npos);

  auto bytes = refusal({fixture("techo-bad-bytes.txt")});
  EXPECT_NE(bytes.message.find("line 2"), std::string::npos) << bytes.message;
  EXPECT_NE(bytes.message.find("Shift_JIS"), std::string::npos);
}

TEST(Jahis, R_DISASTER_not_a_notebook_is_refused_clearly) {
  EXPECT_NE(refusal({}).message.find("no QR code"), std::string::npos);
  EXPECT_NE(refusal({""}).message.find("empty"), std::string::npos);
  EXPECT_NE(refusal({"JAHIS10\r\n1,1,1234567\r\n"}).message.find("JAHISTCnn"), std::string::npos);
  EXPECT_NE(refusal({"JAHISTC08,1\r\n5,20260110,1\r\n"}).message.find("no patient record"), std::string::npos);
  EXPECT_NE(refusal({"JAHISTC08,1\r\nX1,a\r\n"}).message.find("not a number"), std::string::npos);
  EXPECT_NE(refusal({std::string(70 * 1024, 'A')}).message.find("64 KiB"), std::string::npos);
  // Security finding 8: 999 parts of 64 KiB (64 MB) used to be decoded, 3 GB at the peak. All parts
  // together are bounded before anything is decoded.
  const std::vector<std::string> many(999, std::string(60 * 1024, 'A'));
  EXPECT_NE(refusal(many).message.find("over the limit of 1048576"), std::string::npos);
  // A truncated scan: the last line ends in the middle of a two-byte character.
  std::string cut = fixture("techo-single.txt");
  cut.resize(cut.find("\r\n") + 2 + 3);
  EXPECT_EQ(refusal({cut}).code, ONSHI_E_INVALID_ARGUMENT);
}

TEST(Jahis, R_DISASTER_unknown_records_and_missing_usage_are_kept_as_warnings) {
  auto book = read_jahis({"JAHISTC08,1\n1,Yamada Taro,1,19800101\n5,20260110,1\n201,1,Drug A,1,T,1\n999,x\n"});
  ASSERT_TRUE(book.ok()) << book.error().message;
  ASSERT_EQ(book->drugs.size(), 1u);
  EXPECT_EQ(book->warnings.size(), 2u);
}

}  // namespace
}  // namespace onshi::disaster::test
