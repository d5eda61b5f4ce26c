// UKE text: Shift_JIS (JIS X 0208), CSV without quotes, CRLF, 0x1A.
#include <onshi/claims/uke.hpp>

#include <gtest/gtest.h>

using namespace onshi::claims;

TEST(Uke, R_BLACKDOT_black_dot_is_filed_as_is) {
  auto sjis = encode_shift_jis("●橋", "RE 氏名");
  ASSERT_TRUE(sjis.ok()) << sjis.error().message;
  EXPECT_EQ(*sjis, std::string("\x81\x9C\x8B\xB4", 4));
}

TEST(Uke, R_BLACKDOT_character_outside_jis_level_1_2_is_an_error_naming_field_and_character) {
  for (const char* text : {"髙橋", "①", "凜", "𠮷野"}) {  // IBM ext., NEC special, JIS 1990 addition, outside BMP
    auto sjis = encode_shift_jis(text, "RE field 4 (氏名)");
    ASSERT_FALSE(sjis.ok()) << text;
    EXPECT_NE(sjis.error().message.find("RE field 4 (氏名)"), std::string::npos);
    EXPECT_NE(sjis.error().message.find("U+"), std::string::npos);
    EXPECT_NE(sjis.error().hint.find("●"), std::string::npos);
  }
  auto e = encode_shift_jis("髙橋", "x");
  EXPECT_NE(e.error().message.find("'髙' (U+9AD9)"), std::string::npos) << e.error().message;
}

TEST(Uke, kanji_mode_makes_ascii_and_half_width_kana_full_width) {
  EXPECT_EQ(to_kanji_mode("ABC-12 3"), "ＡＢＣ－１２　３");
  EXPECT_EQ(to_kanji_mode("ｼﾝﾘｮｳ ﾊﾟﾝ", true), "シンリョウ　パン");
  EXPECT_EQ(to_kanji_mode("さくら", true), "サクラ");
  EXPECT_EQ(to_kanji_mode("1〜3"), "１～３");  // WAVE DASH has no Shift_JIS code; ～ has
  EXPECT_TRUE(encode_shift_jis(to_kanji_mode("1〜3−4"), "x").ok());
}

TEST(Uke, records_become_crlf_lines_without_quotes) {
  std::vector<Record> records{{"SN", {{"負担者種別", "1"}, {"確認区分", "01"}, {"枝番", ""}}},
                              {"CO", {{"診療識別", "01"}, {"文字データ", "不詳"}}}};
  auto text = render_uke(records);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, std::string("SN,1,01,\r\nCO,01,\x95\x73\x8F\xDA\r\n"));
}

TEST(Uke, a_comma_in_a_field_is_an_error_naming_record_and_field) {
  std::vector<Record> records{{"CO", {{"診療識別", "01"}, {"文字データ", "東京都,港区"}}}};
  auto text = render_uke(records);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("UKE CO field 2 (文字データ)"), std::string::npos) << text.error().message;
}

TEST(Uke, receipt_file_has_ir_first_go_last_and_eof) {
  Clinic clinic{"13", "1234567", "オンシ医院", "03-0000-0000"};
  std::vector<Record> receipt{{"RE", {{"レセプト番号", "1"}}}};
  auto file = render_receipt_file(clinic, 1, make_date(2026, 12, 10), receipt, 1, 288);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->rfind("IR,1,13,1,1234567,,", 0), 0u);
  EXPECT_NE(file->find(",202612,00,03-0000-0000\r\nRE,1\r\n"), std::string::npos);
  EXPECT_EQ(file->substr(file->size() - 14), std::string("GO,1,288,99\r\n\x1A"));
}
