// Name matching on real OQS data: width, script, small kana, long vowels, spaces,
// ● placeholders (R-BLACKDOT) and variant kanji match; near-miss strangers do not.
#include "support.hpp"

namespace onshi::disaster::test {
namespace {

class Names : public ::testing::Test {
 protected:
  NameMatcher m = NameMatcher::create().value();
  NameMatch match(const char* heard, const char* name, const char* kana = "", const char* heard_kana = "") {
    return m.match(heard, heard_kana, name, kana);
  }
  static bool said(const NameMatch& r, const char* words) {
    for (const auto& reason : r.reasons)
      if (reason.find(words) != std::string::npos) return true;
    return false;
  }
};

TEST_F(Names, R_DISASTER_kana_width_script_small_kana_and_spaces_give_one_key) {
  const std::string key = m.strict_kana_key("ｷｮｳｺ ﾔﾏﾀﾞ");
  EXPECT_EQ(key, "キヨウコヤマダ");
  EXPECT_EQ(m.strict_kana_key("キヨウコ　ヤマダ"), key);
  EXPECT_EQ(m.strict_kana_key("きょうこ やまだ"), key);
  EXPECT_NE(m.strict_kana_key("きょうか やまだ"), key);
}

TEST_F(Names, R_DISASTER_long_vowels_are_folded_only_in_the_loose_key) {
  EXPECT_EQ(m.loose_kana_key("サイトウ ユウコ"), m.loose_kana_key("サイトー ユーコ"));
  EXPECT_EQ(m.loose_kana_key("オオノ"), m.loose_kana_key("オーノ"));
  EXPECT_EQ(m.loose_kana_key("オーノ"), m.loose_kana_key("ｵﾉ"));
  EXPECT_EQ(m.loose_kana_key("コウノ ケイコ"), m.loose_kana_key("コーノ ケーコ"));
  EXPECT_NE(m.strict_kana_key("サイトウ"), m.strict_kana_key("サイトー"));
  EXPECT_NE(m.loose_kana_key("サトウ"), m.loose_kana_key("サイトウ"));
}

TEST_F(Names, R_DISASTER_spoken_kana_matches_the_half_width_kana_on_file) {
  auto r = match("たかはし きょうこ", "高橋　京子", "ﾀｶﾊｼ ｷﾖｳｺ");
  EXPECT_EQ(r.score, 100);
  EXPECT_TRUE(said(r, "small kana"));
  auto loose = match("サイトー ユーコ", "斎藤　優子", "ｻｲﾄｳ ﾕｳｺ");
  EXPECT_TRUE(loose.matched());
  EXPECT_LT(loose.score, 100);
  EXPECT_TRUE(said(loose, "long vowels"));
}

TEST_F(Names, R_DISASTER_old_and_variant_kanji_are_the_same_name) {
  const std::pair<const char*, const char*> pairs[] = {
      {"髙橋 一郎", "高橋　一郎"}, {"山﨑 花子", "山崎　花子"}, {"德永 進", "徳永　進"},
      {"渡邊 健", "渡辺　健"},     {"齋藤 誠", "斎藤　誠"},     {"𠮷田 茂", "吉田　茂"}};
  for (auto [heard, on_file] : pairs) {
    auto r = match(heard, on_file);
    EXPECT_EQ(r.score, 90) << heard;
    EXPECT_TRUE(said(r, "variant kanji")) << heard;
  }
  EXPECT_EQ(m.kanji_key("髙﨑 德子"), "高崎徳子");
}

TEST_F(Names, R_BLACKDOT_placeholder_matches_any_one_kanji_and_kana_decides) {
  auto r = match("髙橋 京子", "●橋　京子", "ﾀｶﾊｼ ｷﾖｳｺ", "タカハシ キョウコ");
  EXPECT_TRUE(r.matched());
  EXPECT_TRUE(said(r, "R-BLACKDOT"));
  // Same placeholder pattern, but the reading says it is someone else.
  auto other = match("髙橋 京子", "●橋　京子", "ｲｼﾊﾞｼ ｷﾖｳｺ", "タカハシ キョウコ");
  EXPECT_FALSE(other.matched());
  // A name of placeholders only tells nothing.
  auto blind = match("髙橋", "●●");
  EXPECT_FALSE(blind.matched());
  EXPECT_TRUE(said(blind, "only"));
}

TEST_F(Names, R_DISASTER_near_miss_strangers_are_not_matched) {
  EXPECT_FALSE(match("高橋 京子", "高畑　京子").matched());
  EXPECT_FALSE(match("斉藤 誠", "斎藤　誠").matched());  // different kanji, not a variant pair
  EXPECT_FALSE(match("さとう ゆうこ", "佐藤　裕子", "ｻｲﾄｳ ﾕｳｺ").matched());
  EXPECT_FALSE(match("やまだ たろう", "山田　次郎", "ﾔﾏﾀﾞ ｼﾞﾛｳ").matched());
  EXPECT_FALSE(match("高橋 京子", "高橋　京", "").matched());
  auto r = match("やまだ たろう", "山田　次郎", "ﾔﾏﾀﾞ ｼﾞﾛｳ");
  EXPECT_EQ(r.score, 0);
  EXPECT_TRUE(said(r, "different reading"));
}

TEST_F(Names, R_DISASTER_blank_furigana_falls_back_to_kanji) {
  auto r = match("高橋 京子", "高橋　京子", "", "タカハシ キョウコ");
  EXPECT_EQ(r.score, 100);
  EXPECT_TRUE(said(r, "blank"));
}

TEST_F(Names, R_DISASTER_address_key_folds_dashes_widths_and_spaces) {
  EXPECT_NE(m.text_key("石川県輪島市河井町１－１").find(m.text_key("河井町 1−1")), std::string::npos);
  EXPECT_NE(m.text_key("石川県輪島市河井町1-1").find(m.text_key("河井町１ー１")), std::string::npos);
  EXPECT_EQ(m.text_key("センター"), "センター");  // a long vowel in a word stays
  EXPECT_TRUE(m.is_kana("ﾀｶﾊｼ ｷｮｳｺ"));
  EXPECT_FALSE(m.is_kana("高橋 キョウコ"));
}

}  // namespace
}  // namespace onshi::disaster::test
