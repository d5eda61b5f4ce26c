// UKE text: Shift_JIS (JIS X 0208), CSV without quotes, CRLF, 0x1A.
#include "claims_test_util.hpp"

#include <onshi/claims/merge.hpp>
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

// ---- reading a レセコン's RECEIPTC.UKE (parse_uke): every record kept as its bytes ------------

TEST(UkeParse, a_recon_file_reads_and_renders_byte_for_byte) {
  const std::string bytes = claims_test::read_bytes(claims_test::recon_file());
  auto file = parse_uke(bytes);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->records.size(), 14u);
  EXPECT_EQ(file->records[7].id(), "HO");
  EXPECT_EQ(file->records[7].line, 8u);
  EXPECT_TRUE(file->eof_marker);
  EXPECT_EQ(render(*file), bytes);
  // Without the 0x1A (some writers leave it out) it reads, and renders without it.
  auto bare = parse_uke(bytes.substr(0, bytes.size() - 1));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(render(*bare), bytes.substr(0, bytes.size() - 1));
}

TEST(UkeParse, a_file_that_does_not_parse_is_refused_with_the_line_and_the_field) {
  const std::string good = claims_test::read_bytes(claims_test::recon_file());
  auto line_start = [&](int line) {
    size_t at = 0;
    for (int i = 1; i < line; ++i) at = good.find("\r\n", at) + 2;
    return at;
  };
  struct Bad {
    std::string bytes, expected;
  };
  std::string lf = good;
  lf.erase(good.find("\r\n", line_start(3)), 1);  // line 3 ends in a bare LF
  std::string sjis = good;
  sjis.insert(line_start(8) + 12, "\x81");  // HO field 2: a lead byte with a comma after it
  std::string points = good;
  points.replace(good.find(",300,", line_start(8)), 5, ",3x0,");
  std::string no_go = good.substr(0, line_start(14)) + "\x1A";
  std::string id = good;
  id.replace(line_start(4), 2, "sn");
  const Bad cases[] = {
      {lf, "line 3: a record ends in a bare CR or LF"},
      {sjis, "line 8 field 2 (HO 被保険者証等の記号): not Shift_JIS"},
      {points, "line 8 field 5 (HO 合計点数): '3x0' is not a number"},
      {no_go, "line 13: the last record is CO, not GO"},
      {id, "line 4: 'sn' is not a record id"},
      {"", "the file is empty"},
      {"IR,1\r\nGO", "the last record does not end in CRLF"},
  };
  for (const Bad& b : cases) {
    auto r = parse_uke(b.bytes);
    ASSERT_FALSE(r.ok()) << b.expected;
    EXPECT_NE(r.error().message.find(b.expected), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().code, ONSHI_E_INVALID_ARGUMENT);
    EXPECT_FALSE(r.error().hint.empty());
  }
  // Arbitrary bytes never crash it (the fuzz target's job at scale).
  for (size_t cut = 0; cut < good.size(); cut += 7) (void)parse_uke(good.substr(0, cut));
}
