// The ratio on a date (R-RATIO) and each age boundary, with the spec's worked examples.
#include <onshi/claims/copay.hpp>

#include <gtest/gtest.h>

using namespace onshi::claims;

namespace {

CopayDecision copay_on(Date birth, Date on, PayerKind payer = PayerKind::shaho, std::optional<int> card = {}) {
  CopayInput in;
  in.birth_date = birth;
  in.on = on;
  in.payer = payer;
  in.card_ratio = card;
  auto d = decide_copay(in);
  EXPECT_TRUE(d.ok()) << d.error().message;
  return d.ok() ? *d : CopayDecision{};
}

}  // namespace

TEST(Copay, R_RATIO_preschool_until_first_march_31) {
  // born 2019-04-01: 6歳到達 2025-03-31 → 2割 through that day.
  EXPECT_EQ(preschool_last_day(make_date(2019, 4, 1)), make_date(2025, 3, 31));
  EXPECT_EQ(copay_on(make_date(2019, 4, 1), make_date(2025, 3, 31)).ratio, 2);
  EXPECT_EQ(copay_on(make_date(2019, 4, 1), make_date(2025, 3, 31)).rule, CopayRule::preschool);
  EXPECT_EQ(copay_on(make_date(2019, 4, 1), make_date(2025, 4, 1)).ratio, 3);
  EXPECT_EQ(copay_on(make_date(2019, 4, 1), make_date(2025, 4, 1)).rule, CopayRule::general);
  // born 2019-04-02: 到達 2025-04-01 → 2割 until 2026-03-31.
  EXPECT_EQ(preschool_last_day(make_date(2019, 4, 2)), make_date(2026, 3, 31));
  EXPECT_EQ(copay_on(make_date(2019, 4, 2), make_date(2026, 3, 31)).ratio, 2);
  EXPECT_EQ(copay_on(make_date(2019, 4, 2), make_date(2026, 4, 1)).ratio, 3);
  // MYCLINIC futan-wari tests.
  EXPECT_EQ(preschool_last_day(make_date(2000, 4, 1)), make_date(2006, 3, 31));
  EXPECT_EQ(preschool_last_day(make_date(2000, 6, 2)), make_date(2007, 3, 31));
}

TEST(Copay, R_RATIO_preschool_leap_day_birthday_counts_as_march_1) {
  // 2020-02-29: 6歳到達 on 2026-02-28 (no 29th), same as a 1 March birthday.
  EXPECT_EQ(age_reached_on(make_date(2020, 2, 29), 6), make_date(2026, 2, 28));
  EXPECT_EQ(preschool_last_day(make_date(2020, 2, 29)), make_date(2026, 3, 31));
  EXPECT_EQ(preschool_last_day(make_date(2020, 2, 29)), preschool_last_day(make_date(2020, 3, 1)));
  EXPECT_EQ(copay_on(make_date(2020, 2, 29), make_date(2026, 3, 31)).ratio, 2);
  EXPECT_EQ(copay_on(make_date(2020, 2, 29), make_date(2026, 4, 1)).ratio, 3);
}

TEST(Copay, R_RATIO_elderly_from_month_after_70th_reached_day) {
  // born 1956-05-02: 到達 2026-05-01 → 70–74 from 2026-06-01.
  EXPECT_EQ(elderly_first_day(make_date(1956, 5, 2)), make_date(2026, 6, 1));
  EXPECT_EQ(copay_on(make_date(1956, 5, 2), make_date(2026, 5, 31)).ratio, 3);
  EXPECT_EQ(copay_on(make_date(1956, 5, 2), make_date(2026, 5, 31)).rule, CopayRule::general);
  auto from = copay_on(make_date(1956, 5, 2), make_date(2026, 6, 1), PayerKind::shaho, 2);
  EXPECT_EQ(from.ratio, 2);
  EXPECT_EQ(from.rule, CopayRule::elderly_card);
  EXPECT_EQ(from.band, AgeBand::elderly_70_74);
  EXPECT_EQ(copay_on(make_date(1956, 5, 2), make_date(2026, 6, 1), PayerKind::shaho, 3).ratio, 3);  // 現役並み
}

TEST(Copay, R_RATIO_elderly_born_on_the_first_starts_in_the_birth_month) {
  // born 1956-05-01: 到達 2026-04-30 → from 2026-05-01.
  EXPECT_EQ(elderly_first_day(make_date(1956, 5, 1)), make_date(2026, 5, 1));
  EXPECT_EQ(copay_on(make_date(1956, 5, 1), make_date(2026, 4, 30)).rule, CopayRule::general);
  EXPECT_EQ(copay_on(make_date(1956, 5, 1), make_date(2026, 5, 1), PayerKind::shaho, 2).rule, CopayRule::elderly_card);
}

TEST(Copay, R_RATIO_elderly_leap_day_birthday) {
  // 1956-02-29: 到達 2026-02-28 → from 2026-03-01, like a 1 March birthday.
  EXPECT_EQ(elderly_first_day(make_date(1956, 2, 29)), make_date(2026, 3, 1));
  EXPECT_EQ(elderly_first_day(make_date(1956, 3, 1)), make_date(2026, 3, 1));
  EXPECT_EQ(copay_on(make_date(1956, 2, 29), make_date(2026, 2, 28)).ratio, 3);
  EXPECT_EQ(copay_on(make_date(1956, 2, 29), make_date(2026, 3, 1), PayerKind::shaho, 2).ratio, 2);
}

TEST(Copay, R_RATIO_elderly_without_ratio_is_an_error_naming_the_field) {
  CopayInput in;
  in.birth_date = make_date(1955, 1, 10);
  in.on = make_date(2026, 11, 10);
  auto d = decide_copay(in);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("card_ratio"), std::string::npos);
  in.card_ratio = 1;  // 70–74 pay 2割 or 3割 (1割 only for those born before 1944-04-02)
  EXPECT_FALSE(decide_copay(in).ok());
}

TEST(Copay, R_RATIO_kouki_from_the_75th_birthday_itself) {
  // born 1951-05-02: 後期 from 2026-05-02 (mid-month).
  EXPECT_EQ(kouki_first_day(make_date(1951, 5, 2)), make_date(2026, 5, 2));
  auto before = copay_on(make_date(1951, 5, 2), make_date(2026, 5, 1), PayerKind::shaho, 2);
  EXPECT_EQ(before.band, AgeBand::elderly_70_74);
  auto on = copay_on(make_date(1951, 5, 2), make_date(2026, 5, 2), PayerKind::kouki, 1);
  EXPECT_EQ(on.ratio, 1);
  EXPECT_EQ(on.rule, CopayRule::kouki_card);
  EXPECT_EQ(on.band, AgeBand::kouki);
  for (int r : {1, 2, 3}) EXPECT_EQ(copay_on(make_date(1940, 1, 1), make_date(2026, 5, 2), PayerKind::kouki, r).ratio, r);
}

TEST(Copay, R_RATIO_kouki_leap_day_birthday_starts_march_1) {
  EXPECT_EQ(kouki_first_day(make_date(1952, 2, 29)), make_date(2027, 3, 1));
  EXPECT_EQ(copay_on(make_date(1952, 2, 29), make_date(2027, 2, 28), PayerKind::shaho, 2).band, AgeBand::elderly_70_74);
  EXPECT_EQ(copay_on(make_date(1952, 2, 29), make_date(2027, 3, 1), PayerKind::kouki, 1).band, AgeBand::kouki);
}

TEST(Copay, R_RATIO_kouki_by_payer_before_75_disability) {
  // 65–74 with 一定の障害 are 後期 from the 認定日: the 法別 39 payer decides.
  auto d = copay_on(make_date(1960, 1, 1), make_date(2026, 11, 10), PayerKind::kouki, 1);
  EXPECT_EQ(d.band, AgeBand::kouki);
  EXPECT_EQ(d.ratio, 1);
}

TEST(Copay, R_RATIO_statement_declared_ratio_for_70_and_over) {
  CopayInput in;
  in.birth_date = make_date(1945, 6, 1);
  in.on = make_date(2026, 11, 10);
  in.payer = PayerKind::kouki;
  in.statement = true;
  in.declared_ratio = 2;
  auto d = decide_copay(in);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ratio, 2);
  EXPECT_EQ(d->rule, CopayRule::declared_on_statement);
  // わからない: the 一般 ratio, with a warning.
  in.declared_ratio.reset();
  d = decide_copay(in);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ratio, 1);
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_EQ(d->warnings[0].rule, "R-RATIO");
  // Under 70 the age rule wins: a 40-year-old is 3割 whatever was ticked.
  in.birth_date = make_date(1986, 1, 1);
  in.payer = PayerKind::shaho;
  in.declared_ratio = 1;
  EXPECT_EQ(decide_copay(in)->ratio, 3);
}

TEST(Copay, R_RATIO_never_10_wari_except_R_M8) {
  CopayInput in;
  in.birth_date = make_date(1986, 1, 1);
  in.on = make_date(2026, 11, 10);
  EXPECT_EQ(decide_copay(in)->ratio, 3);
  in.no_proof = true;
  EXPECT_EQ(decide_copay(in)->ratio, 10);
  EXPECT_EQ(decide_copay(in)->rule, CopayRule::self_pay_no_proof);
}

TEST(Copay, R_KUBUN_medical_aid_pays_everything) {
  CopayInput in;
  in.birth_date = make_date(1900, 1, 1);  // 1900-01-01 = unknown for 医療扶助 (R-FIELDS)
  in.on = make_date(2026, 11, 10);
  in.payer = PayerKind::medical_aid;
  auto d = decide_copay(in);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ratio, 0);
  EXPECT_EQ(d->rule, CopayRule::medical_aid);
}
