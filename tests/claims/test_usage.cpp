// マイナ保険証利用率 and the 加算 paid on it (R-RATE).
#include <onshi/claims/usage.hpp>

#include <gtest/gtest.h>

using namespace onshi::claims;

namespace {
// `cards` card verifications and `others` other online checks on days of 2025-06, plus noise in 2025-05.
std::vector<Verification> month_of(int cards, int others) {
  std::vector<Verification> v;
  for (int i = 0; i < cards; ++i) v.push_back({make_date(2025, 6, 1 + unsigned(i % 30)), true});
  for (int i = 0; i < others; ++i) v.push_back({make_date(2025, 6, 1 + unsigned(i % 30)), false});
  v.push_back({make_date(2025, 5, 31), true});
  return v;
}
}  // namespace

TEST(Usage, R_RATE_rate_counts_card_uses_over_all_online_checks_of_the_month) {
  auto u = usage_rate(month_of(3, 7), 2025, 6);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->card_count, 3);
  EXPECT_EQ(u->total_count, 10);
  EXPECT_DOUBLE_EQ(u->rate(), 0.3);
  auto none = usage_rate(month_of(3, 7), 2025, 7);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("2025-7"), std::string::npos);
}

TEST(Usage, R_RATE_tiers_from_2025_01_at_30_20_10_percent) {
  const Date june = make_date(2025, 6, 1);
  EXPECT_EQ(dx_tier({30, 100}, june, Facility::medical)->tier, 1);
  EXPECT_EQ(dx_tier({30, 100}, june, Facility::medical)->points, 11);
  EXPECT_EQ(dx_tier({29, 100}, june, Facility::medical)->tier, 2);
  EXPECT_EQ(dx_tier({20, 100}, june, Facility::dental)->points, 8);
  EXPECT_EQ(dx_tier({19, 100}, june, Facility::pharmacy)->tier, 3);
  EXPECT_EQ(dx_tier({10, 100}, june, Facility::pharmacy)->points, 4);
  EXPECT_EQ(dx_tier({9, 100}, june, Facility::medical)->tier, 0);
  EXPECT_EQ(dx_tier({9, 100}, june, Facility::medical)->points, 0);
}

TEST(Usage, R_RATE_tiers_from_2024_10_at_15_10_5_percent) {
  const Date dec = make_date(2024, 12, 1);
  EXPECT_EQ(dx_tier({15, 100}, dec, Facility::medical)->tier, 1);
  EXPECT_EQ(dx_tier({14, 100}, dec, Facility::medical)->tier, 2);
  EXPECT_EQ(dx_tier({5, 100}, dec, Facility::dental)->tier, 3);
  EXPECT_EQ(dx_tier({5, 100}, dec, Facility::dental)->points, 6);
  EXPECT_EQ(dx_tier({15, 100}, make_date(2025, 1, 1), Facility::medical)->tier, 3);  // the bar rose
  EXPECT_FALSE(dx_tier({15, 100}, make_date(2024, 9, 1), Facility::medical).ok());
}

TEST(Usage, R_RATE_information_acquisition_points) {
  const Date day = make_date(2025, 6, 10);
  EXPECT_EQ(information_acquisition_points(Facility::medical, VisitKind::first_visit, day, make_date(2025, 6, 1)), 1);
  EXPECT_EQ(information_acquisition_points(Facility::medical, VisitKind::revisit, day, {}), 1);
  EXPECT_EQ(information_acquisition_points(Facility::medical, VisitKind::revisit, day, make_date(2025, 3, 11)), 0);
  EXPECT_EQ(information_acquisition_points(Facility::medical, VisitKind::revisit, day, make_date(2025, 3, 10)), 1);
  EXPECT_EQ(information_acquisition_points(Facility::pharmacy, VisitKind::revisit, day, make_date(2024, 6, 11)), 0);
  EXPECT_EQ(information_acquisition_points(Facility::pharmacy, VisitKind::revisit, day, make_date(2024, 6, 10)), 1);
  EXPECT_EQ(information_acquisition_points(Facility::medical, VisitKind::first_visit, make_date(2024, 11, 30), {}), 0);
}
