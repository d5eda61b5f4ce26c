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

// ---- the 加算 of a 算定月, read from the dated rules at both sides of every period's boundary ----

namespace {
int tier_on(int percent, Date billing_month, Facility f = Facility::medical, bool pediatric = false) {
  auto t = dx_tier({percent, 100}, billing_month, f, pediatric);
  EXPECT_TRUE(t.ok()) << iso_date(billing_month) << ": " << (t.ok() ? "" : t.error().message);
  return t.ok() ? t->tier : -1;
}
}  // namespace

TEST(Usage, R_RATE_before_2024_10_one_flat_addition_without_a_rate_requirement) {
  auto last = dx_tier({0, 100}, make_date(2024, 9, 30), Facility::medical);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->row->kind, DxRow::Kind::flat);
  EXPECT_EQ(last->points, 8);
  EXPECT_EQ(dx_tier({0, 100}, make_date(2024, 6, 1), Facility::dental)->points, 6);
  EXPECT_EQ(dx_tier({0, 100}, make_date(2024, 6, 1), Facility::pharmacy)->points, 4);
  auto before = dx_tier({50, 100}, make_date(2024, 5, 31), Facility::medical);
  ASSERT_FALSE(before.ok());  // no rule known, never the nearest row
  EXPECT_EQ(before.error().code, ONSHI_E_NOT_SUPPORTED);
  EXPECT_NE(before.error().message.find("no rule known"), std::string::npos) << before.error().message;
  EXPECT_NE(before.error().message.find("2024-05-31"), std::string::npos);
  EXPECT_FALSE(before.error().hint.empty());
}

TEST(Usage, R_RATE_2024_10_to_12_at_15_10_5_percent) {
  const Date first = make_date(2024, 10, 1), last = make_date(2024, 12, 31);
  EXPECT_EQ(tier_on(15, first), 1);
  EXPECT_EQ(tier_on(14, first), 2);
  EXPECT_EQ(tier_on(10, last), 2);
  EXPECT_EQ(tier_on(5, last), 3);
  EXPECT_EQ(tier_on(4, last), 0);
  EXPECT_EQ(dx_tier({15, 100}, first, Facility::medical)->points, 11);
  EXPECT_EQ(dx_tier({10, 100}, first, Facility::dental)->points, 8);
  EXPECT_EQ(dx_tier({5, 100}, first, Facility::pharmacy)->points, 4);
  EXPECT_FALSE(dx_tier({5, 100}, first, Facility::medical)->points_without_eprescription);  // 加算4–6 from 2025-04
}

TEST(Usage, R_RATE_2025_01_to_03_at_30_20_10_percent) {
  EXPECT_EQ(tier_on(15, make_date(2024, 12, 31)), 1);
  EXPECT_EQ(tier_on(15, make_date(2025, 1, 1)), 3);  // the bar rose
  EXPECT_EQ(tier_on(30, make_date(2025, 3, 31)), 1);
  EXPECT_EQ(tier_on(29, make_date(2025, 3, 31)), 2);
  EXPECT_EQ(tier_on(9, make_date(2025, 3, 31)), 0);
  EXPECT_EQ(dx_tier({30, 100}, make_date(2025, 3, 31), Facility::medical)->points, 11);
}

TEST(Usage, R_RATE_2025_04_to_09_at_45_30_15_percent_with_4_to_6_and_the_pediatric_12_percent) {
  EXPECT_EQ(tier_on(30, make_date(2025, 3, 31)), 1);
  EXPECT_EQ(tier_on(30, make_date(2025, 4, 1)), 2);
  EXPECT_EQ(tier_on(45, make_date(2025, 9, 30)), 1);
  EXPECT_EQ(tier_on(14, make_date(2025, 9, 30)), 0);
  EXPECT_EQ(tier_on(12, make_date(2025, 9, 30), Facility::medical, true), 3);  // 小児科特例
  EXPECT_EQ(tier_on(11, make_date(2025, 9, 30), Facility::medical, true), 0);
  auto t = dx_tier({15, 100}, make_date(2025, 4, 1), Facility::medical);
  EXPECT_EQ(t->points, 10);                         // 加算3
  EXPECT_EQ(t->points_without_eprescription, 8);    // 加算6
  auto dental = dx_tier({45, 100}, make_date(2025, 4, 1), Facility::dental);
  EXPECT_EQ(dental->points, 11);
  EXPECT_EQ(dental->points_without_eprescription, 9);
  auto pharmacy = dx_tier({30, 100}, make_date(2025, 4, 1), Facility::pharmacy);
  EXPECT_EQ(pharmacy->points, 8);
  EXPECT_FALSE(pharmacy->points_without_eprescription);  // 調剤 has 加算1–3 only
}

TEST(Usage, R_RATE_2025_10_to_2026_02_at_60_40_25_and_2026_03_to_05_at_70_50_30) {
  EXPECT_EQ(tier_on(45, make_date(2025, 9, 30)), 1);
  EXPECT_EQ(tier_on(45, make_date(2025, 10, 1)), 2);
  EXPECT_EQ(tier_on(22, make_date(2026, 2, 28), Facility::medical, true), 3);
  EXPECT_EQ(tier_on(60, make_date(2026, 2, 28)), 1);
  EXPECT_EQ(tier_on(60, make_date(2026, 3, 1)), 2);
  EXPECT_EQ(tier_on(35, make_date(2026, 3, 1)), 3);
  EXPECT_EQ(tier_on(27, make_date(2026, 5, 31), Facility::medical, true), 3);
  EXPECT_EQ(tier_on(26, make_date(2026, 5, 31), Facility::medical, true), 0);
  EXPECT_EQ(tier_on(29, make_date(2026, 5, 31)), 0);
}

TEST(Usage, R_RATE_2026_from_2026_06_the_new_addition_needs_30_percent_and_the_old_one_is_gone) {
  auto before = dx_tier({35, 100}, make_date(2026, 5, 31), Facility::medical);
  EXPECT_EQ(before->row->name, "医療DX推進体制整備加算");
  auto after = dx_tier({35, 100}, make_date(2026, 6, 1), Facility::medical);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->row->name, "電子的診療情報連携体制整備加算");
  EXPECT_EQ(after->row->kind, DxRow::Kind::rate_minimum);
  EXPECT_TRUE(after->rate_met);
  EXPECT_EQ(after->threshold_percent, 30);
  EXPECT_EQ(after->tier, 0);  // the tier follows the 体制, not the rate
  EXPECT_EQ(after->row->points.at(Facility::medical), (std::vector<int>{15, 9, 4}));
  EXPECT_FALSE(dx_tier({29, 100}, make_date(2026, 12, 1), Facility::medical)->rate_met);
  EXPECT_TRUE(dx_tier({30, 100}, make_date(2026, 12, 1), Facility::medical)->rate_met);
}

TEST(Usage, R_RATE_the_rate_of_a_month_decides_later_billing_months) {
  auto principal = [](Date rate_month) {
    auto uses = months_decided_by(rate_month);
    EXPECT_TRUE(uses.ok()) << iso_date(rate_month);
    return uses.ok() && !uses->empty() ? iso_date(uses->front().billing_month) : std::string("-");
  };
  EXPECT_EQ(principal(make_date(2024, 7, 1)), "2024-10-01");
  EXPECT_EQ(principal(make_date(2024, 8, 1)), "2024-11-01");  // refused before: it decided 2024-11
  EXPECT_EQ(principal(make_date(2024, 11, 30)), "2025-02-01");
  EXPECT_EQ(principal(make_date(2026, 2, 1)), "2026-05-01");
  // M−4 and M−5 may be used instead; the オン資件数 basis (M−2) only for 2024-10 to 2025-01.
  auto uses = months_decided_by(make_date(2024, 8, 1));
  ASSERT_TRUE(uses.ok());
  std::vector<std::string> listed;
  for (const RateUse& u : *uses) listed.push_back(iso_date(u.billing_month).substr(0, 7) + "/" + u.row->basis);
  EXPECT_EQ(listed, (std::vector<std::string>{"2024-11/receipt_count", "2024-12/receipt_count", "2025-01/receipt_count",
                                              "2024-10/online_check_count", "2024-11/online_check_count",
                                              "2024-12/online_check_count"}));
  // 2026-01's rate: 2026-04 (M−3) and 2026-05 (M−4); M−5 would be 2026-06, outside the known rule.
  auto last = months_decided_by(make_date(2026, 1, 1));
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ(iso_date(last->back().billing_month), "2026-05-01");
  auto unknown = months_decided_by(make_date(2026, 3, 1));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no rule known"), std::string::npos) << unknown.error().message;
}

// The issue's cases, as the rate months decide them.
TEST(Usage, R_RATE_a_2024_11_rate_of_16_percent_is_addition_3_in_2025_02) {
  auto uses = months_decided_by(make_date(2024, 11, 1));
  ASSERT_TRUE(uses.ok());
  auto t = dx_tier({16, 100}, uses->front().billing_month, Facility::medical);
  EXPECT_EQ(t->tier, 3);
  EXPECT_EQ(t->points, 8);
  EXPECT_EQ(t->threshold_percent, 10);
}

TEST(Usage, R_RATE_information_acquisition_by_its_dated_rows) {
  auto points = [](VisitKind visit, Date on, bool card, std::optional<Date> last = {},
                   Facility f = Facility::medical) {
    auto p = information_acquisition(f, visit, on, card, last);
    EXPECT_TRUE(p.ok()) << iso_date(on);
    return p.ok() ? p->points : -1;
  };
  const Date day = make_date(2025, 6, 10);
  EXPECT_EQ(points(VisitKind::first_visit, day, false, make_date(2025, 6, 1)), 1);
  EXPECT_EQ(points(VisitKind::revisit, day, true), 1);
  EXPECT_EQ(points(VisitKind::revisit, day, true, make_date(2025, 3, 11)), 0);
  EXPECT_EQ(points(VisitKind::revisit, day, true, make_date(2025, 3, 10)), 1);
  EXPECT_EQ(points(VisitKind::revisit, day, true, make_date(2024, 6, 11), Facility::pharmacy), 0);
  EXPECT_EQ(points(VisitKind::revisit, day, true, make_date(2024, 6, 10), Facility::pharmacy), 1);
  // 2024-06 to 2024-11: more without the card (3 / 2), and 調剤 once per 6 months.
  EXPECT_EQ(points(VisitKind::first_visit, make_date(2024, 11, 30), false), 3);
  EXPECT_EQ(points(VisitKind::first_visit, make_date(2024, 11, 30), true), 1);
  EXPECT_EQ(points(VisitKind::first_visit, make_date(2024, 12, 1), false), 1);
  EXPECT_EQ(points(VisitKind::revisit, make_date(2024, 11, 30), false), 2);
  EXPECT_EQ(points(VisitKind::revisit, make_date(2024, 11, 30), true, make_date(2024, 5, 30), Facility::pharmacy), 1);
  EXPECT_EQ(points(VisitKind::revisit, make_date(2024, 11, 30), true, make_date(2024, 6, 1), Facility::pharmacy), 0);
  // Abolished from 2026-06 (R-RATE-2026); nothing known before 2024-06.
  EXPECT_EQ(points(VisitKind::first_visit, make_date(2026, 5, 31), true), 1);
  auto gone = information_acquisition(Facility::medical, VisitKind::first_visit, make_date(2026, 6, 1), true, {});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->points, 0);
  EXPECT_TRUE(gone->row->abolished);
  EXPECT_FALSE(information_acquisition(Facility::medical, VisitKind::first_visit, make_date(2024, 5, 31), true, {}).ok());
}

// The embedded table itself: every row has a source, periods of one table do not overlap.
TEST(Usage, R_RATE_the_embedded_rules_read_and_every_row_names_its_source) {
  auto r = rules();
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto no_overlap = [](const auto& rows) {
    for (size_t i = 1; i < rows.size(); ++i) EXPECT_LT(rows[i - 1].to, rows[i].from);
    for (const auto& row : rows) EXPECT_FALSE(row.source.empty());
  };
  no_overlap((*r)->dx_addition);
  no_overlap((*r)->information_acquisition);
  EXPECT_FALSE(parse_rules(R"({"schema": "onshi.claims.rules/1"})").ok());
  auto missing_source = parse_rules(R"({"schema": "onshi.claims.rules/1", "dx_addition": {"rows": [{"from": "2024-01-01",
      "to": "2024-02-01", "kind": "flat"}]}})");
  ASSERT_FALSE(missing_source.ok());
  EXPECT_NE(missing_source.error().message.find("dx_addition.rows[0].source"), std::string::npos)
      << missing_source.error().message;
}
