// The 被保険者資格申立書 as printable A4 HTML (DOMAIN §5, R-M7).
#include <onshi/claims/statement_form.hpp>

#include <gtest/gtest.h>

using namespace onshi::claims;

namespace {
size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}
}  // namespace

TEST(StatementForm, R_M7_every_field_of_the_official_form) {
  std::string html = render_statement_form({});
  for (const char* label : {"被保険者資格申立書", "保険資格の有無", "有効な保険資格を有している", "保険種別", "社保", "国保", "後期",
                            "その他", "わからない", "保険者等名称", "事業所名※1", "一部負担金の割合※2", "3割", "2割", "1割",
                            "氏名", "フリガナ", "生年月日", "明治", "大正", "昭和", "平成", "令和", "性別", "男", "女",
                            "住所", "※3", "※4", "記入日", "署名", "患者との関係", "連絡先電話番号", "※5"})
    EXPECT_NE(html.find(label), std::string::npos) << label;
  EXPECT_NE(html.find("@page { size: A4"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, nothing to load
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(count(html, "☑"), 0u);  // nothing known, nothing ticked
}

TEST(StatementForm, R_M7_prefilled_from_the_card_and_escaped) {
  StatementPrefill p;
  p.patient.name = "診療<b>太郎</b>";
  p.patient.name_kana = "シンリョウ タロウ";
  p.patient.birth_date = make_date(1989, 1, 8);  // 平成元年1月8日
  p.patient.sex = Sex::female;
  p.patient.address = "東京都\"港区\"&1";
  p.today = make_date(2026, 11, 10);
  std::string html = render_statement_form(p);
  EXPECT_NE(html.find("診療&lt;b&gt;太郎&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>太郎"), std::string::npos);
  EXPECT_NE(html.find("東京都&quot;港区&quot;&amp;1"), std::string::npos);
  EXPECT_NE(html.find("☑</span>平成"), std::string::npos);
  EXPECT_NE(html.find("☑</span>女"), std::string::npos);
  EXPECT_NE(html.find(">1</span> 年 <span class=\"filled\">1</span> 月"), std::string::npos);
  EXPECT_NE(html.find("2026 年 11 月 10 日"), std::string::npos);
  EXPECT_EQ(count(html, "☑"), 2u);
}

TEST(StatementForm, eras_switch_on_their_first_day) {
  EXPECT_STREQ(japanese_era(make_date(2019, 4, 30)).era, "平成");
  EXPECT_EQ(japanese_era(make_date(2019, 4, 30)).year, 31);
  EXPECT_STREQ(japanese_era(make_date(2019, 5, 1)).era, "令和");
  EXPECT_EQ(japanese_era(make_date(2019, 5, 1)).year, 1);
  EXPECT_STREQ(japanese_era(make_date(1926, 12, 24)).era, "大正");
  EXPECT_STREQ(japanese_era(make_date(1926, 12, 25)).era, "昭和");
  EXPECT_STREQ(japanese_era(make_date(1912, 7, 29)).era, "明治");
  EXPECT_EQ(japanese_era(make_date(1912, 7, 29)).year, 45);
}
