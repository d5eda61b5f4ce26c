// The verification-method chain (R-M1…R-M8) at the window.
#include <onshi/claims/method.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using namespace onshi::claims;

namespace {

ClaimInput visit_on(Date day, VisitKind kind = VisitKind::first_visit) {
  ClaimInput in;
  in.visit_date = day;
  in.visit = kind;
  return in;
}

bool has_warning(const MethodDecision& d, const std::string& code, const std::string& rule) {
  return std::any_of(d.warnings.begin(), d.warnings.end(),
                     [&](const Warning& w) { return w.code == code && w.rule == rule; });
}

const Date kToday = make_date(2026, 11, 10);

}  // namespace

TEST(Method, R_M1_card_verified_online) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::valid;
  in.presented.eligibility_certificate = true;  // the card wins
  auto d = choose_method(in);
  EXPECT_EQ(d.method, Method::m1_card);
  EXPECT_STREQ(method_id(d.method), "R-M1");
  EXPECT_TRUE(d.staff_checks.empty());
  EXPECT_TRUE(d.warnings.empty());
}

TEST(Method, R_M2_portal_with_card_when_the_card_check_failed) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::failed;
  in.presented.mynaportal = true;
  auto d = choose_method(in);
  EXPECT_EQ(d.method, Method::m2_portal);
  ASSERT_GE(d.staff_checks.size(), 2u);
  EXPECT_NE(d.staff_checks[1].find("マイナポータル"), std::string::npos);
  // without the card the portal proves nothing: nothing else → R-M8
  in.presented.my_number_card = false;
  EXPECT_EQ(choose_method(in).method, Method::m8_none);
}

TEST(Method, R_M3_notice_with_card_and_never_alone) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::no_data;
  in.presented.qualification_notice = true;
  auto with_card = choose_method(in);
  EXPECT_EQ(with_card.method, Method::m3_notice);
  EXPECT_FALSE(has_warning(with_card, "notice_alone_not_valid", "R-M3"));

  in.presented.my_number_card = false;
  in.presented.card_check = CardCheck::not_done;
  auto alone = choose_method(in);  // after 2026-03-31: no provisional handling
  EXPECT_NE(alone.method, Method::m3_notice);
  EXPECT_EQ(alone.method, Method::m8_none);
  EXPECT_TRUE(has_warning(alone, "notice_alone_not_valid", "R-M3"));
}

TEST(Method, R_M4_eligibility_certificate_verifies_alone) {
  auto in = visit_on(kToday);
  in.presented.eligibility_certificate = true;
  auto d = choose_method(in);
  EXPECT_EQ(d.method, Method::m4_certificate);
  EXPECT_FALSE(d.provisional);
}

TEST(Method, R_M5_old_card_until_its_expiry_at_the_latest_2025_12_01) {
  auto in = visit_on(make_date(2025, 11, 30));
  in.presented.old_insurance_card = true;
  in.presented.old_card_expiry = make_date(2026, 7, 31);  // printed later, capped at 2025-12-01
  EXPECT_EQ(choose_method(in).method, Method::m5_old_card);
  EXPECT_FALSE(choose_method(in).provisional);
  in.visit_date = make_date(2025, 12, 1);
  EXPECT_FALSE(choose_method(in).provisional);
  in.visit_date = make_date(2025, 12, 2);
  EXPECT_TRUE(choose_method(in).provisional);
  // its own earlier expiry counts
  in.visit_date = make_date(2025, 8, 1);
  in.presented.old_card_expiry = make_date(2025, 7, 31);
  auto expired = choose_method(in);
  EXPECT_EQ(expired.method, Method::m5_old_card);
  EXPECT_TRUE(expired.provisional);
}

TEST(Method, R_M5_provisional_handling_ends_2026_03_31) {
  auto in = visit_on(make_date(2026, 3, 31));
  in.presented.old_insurance_card = true;
  auto last = choose_method(in);
  EXPECT_EQ(last.method, Method::m5_old_card);
  EXPECT_TRUE(last.provisional);
  EXPECT_TRUE(has_warning(last, "provisional_until_2026_03_31", "R-M5"));

  in.visit_date = make_date(2026, 4, 1);
  auto after = choose_method(in);
  EXPECT_EQ(after.method, Method::m8_none);
  EXPECT_TRUE(has_warning(after, "old_card_expired", "R-M5"));

  // the お知らせ alone is covered by the same provisional handling
  auto notice = visit_on(make_date(2026, 3, 31));
  notice.presented.qualification_notice = true;
  auto n = choose_method(notice);
  EXPECT_EQ(n.method, Method::m5_old_card);
  EXPECT_TRUE(n.provisional);
  EXPECT_TRUE(has_warning(n, "notice_alone_not_valid", "R-M3"));
}

TEST(Method, R_M6_oral_confirmation_only_on_a_revisit_with_billing_data) {
  auto in = visit_on(kToday, VisitKind::revisit);
  in.previous = Qualification{};
  EXPECT_EQ(choose_method(in).method, Method::m6_oral);
  in.visit = VisitKind::first_visit;
  EXPECT_EQ(choose_method(in).method, Method::m8_none);
  in.visit = VisitKind::revisit;
  in.previous.reset();
  EXPECT_EQ(choose_method(in).method, Method::m8_none);
}

TEST(Method, R_M7_statement_with_card_on_a_first_visit) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::failed;
  auto d = choose_method(in);
  EXPECT_EQ(d.method, Method::m7_statement);
  EXPECT_TRUE(has_warning(d, "statement_claim_may_return", "R-M7"));
  // 資格無効 on a revisit: the EMR's data is stale, so no oral confirmation
  in.visit = VisitKind::revisit;
  in.previous = Qualification{};
  in.presented.card_check = CardCheck::lost;
  auto lost = choose_method(in);
  EXPECT_EQ(lost.method, Method::m7_statement);
  EXPECT_TRUE(has_warning(lost, "qualification_lost", "R-RES"));
}

TEST(Method, R_M8_nothing_on_a_first_visit_is_10_wari) {
  auto d = choose_method(visit_on(kToday));
  EXPECT_EQ(d.method, Method::m8_none);
  EXPECT_TRUE(has_warning(d, "self_pay_no_proof", "R-M8"));
}
