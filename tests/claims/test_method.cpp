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
  auto d = *choose_method(in);
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
  auto d = *choose_method(in);
  EXPECT_EQ(d.method, Method::m2_portal);
  ASSERT_GE(d.staff_checks.size(), 2u);
  EXPECT_NE(d.staff_checks[1].find("マイナポータル"), std::string::npos);
  // without the card the portal proves nothing: nothing else → R-M8
  in.presented.my_number_card = false;
  EXPECT_EQ(choose_method(in)->method, Method::m8_none);
}

TEST(Method, R_M3_notice_with_card_and_never_alone) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::no_data;
  in.presented.qualification_notice = true;
  auto with_card = *choose_method(in);
  EXPECT_EQ(with_card.method, Method::m3_notice);
  EXPECT_FALSE(has_warning(with_card, "notice_alone_not_valid", "R-M3"));

  in.presented.my_number_card = false;
  in.presented.card_check = CardCheck::not_done;
  auto alone = *choose_method(in);  // after 2026-03-31: no provisional handling
  EXPECT_NE(alone.method, Method::m3_notice);
  EXPECT_EQ(alone.method, Method::m8_none);
  EXPECT_TRUE(has_warning(alone, "notice_alone_not_valid", "R-M3"));
}

TEST(Method, R_M4_eligibility_certificate_verifies_alone) {
  auto in = visit_on(kToday);
  in.presented.eligibility_certificate = true;
  auto d = *choose_method(in);
  EXPECT_EQ(d.method, Method::m4_certificate);
  EXPECT_FALSE(d.provisional);
}

namespace {
Qualification numbers(const char* insurer) {
  Qualification q;
  q.insurer_number = insurer;
  q.number = "1234";
  return q;
}
constexpr const char* kShaho = "06130017";   // 法別 06 (組合), 東京
constexpr const char* kKokuho = "138057";    // 6-digit 国保
constexpr const char* kKouki = "39130000";   // 東京都後期高齢者医療広域連合
}  // namespace

TEST(Method, R_M5_old_card_until_its_expiry_at_the_latest_2025_12_01) {
  auto in = visit_on(make_date(2025, 11, 30));
  in.presented.old_insurance_card = true;
  in.shown = numbers(kShaho);
  in.presented.old_card_expiry = make_date(2026, 7, 31);  // printed later, capped at 2025-12-01
  EXPECT_EQ(choose_method(in)->method, Method::m5_old_card);
  EXPECT_FALSE(choose_method(in)->provisional);
  in.visit_date = make_date(2025, 12, 1);
  EXPECT_EQ(choose_method(in)->method, Method::m5_old_card);
  EXPECT_FALSE(choose_method(in)->provisional);
  in.visit_date = make_date(2025, 12, 2);
  EXPECT_EQ(choose_method(in)->method, Method::m5_old_card);
  EXPECT_TRUE(choose_method(in)->provisional);
}

// A 後期高齢者 保険証 expired on 2025-07-31 whatever it printed (R-M5).
TEST(Method, R_M5_a_kouki_card_is_valid_until_2025_07_31_only) {
  auto in = visit_on(make_date(2025, 7, 31));
  in.presented.old_insurance_card = true;
  in.shown = numbers(kKouki);
  in.presented.old_card_expiry = make_date(2026, 7, 31);
  EXPECT_EQ(choose_method(in)->method, Method::m5_old_card);
  EXPECT_FALSE(choose_method(in)->provisional);
  in.visit_date = make_date(2025, 8, 1);  // expired: from this day only the provisional handling (国保・後期)
  auto after = *choose_method(in);
  EXPECT_EQ(after.method, Method::m5_old_card);
  EXPECT_TRUE(after.provisional);
  // The payer known by age alone (75 or older) counts as 後期 too.
  auto by_age = visit_on(make_date(2025, 8, 1));
  by_age.presented.old_insurance_card = true;
  by_age.patient.birth_date = make_date(1940, 1, 1);
  EXPECT_TRUE(choose_method(by_age)->provisional);
}

// The provisional handling: 国保/後期 from 2025-08-01 (事務連絡 2025-06-27), every insurer from
// 2025-12-02 (事務連絡 2025-11-12); never before 2025-08-01.
TEST(Method, R_M5_provisional_handling_starts_2025_08_01_for_kokuho_and_2025_12_02_for_all) {
  auto in = visit_on(make_date(2025, 7, 31));
  in.presented.old_insurance_card = true;
  in.shown = numbers(kKokuho);
  in.presented.old_card_expiry = make_date(2025, 3, 31);  // its own expiry passed
  auto before = *choose_method(in);
  EXPECT_EQ(before.method, Method::m8_none);
  EXPECT_FALSE(before.provisional);
  EXPECT_TRUE(has_warning(before, "no_provisional_handling", "R-M5"));
  in.visit_date = make_date(2025, 8, 1);
  EXPECT_TRUE(choose_method(in)->provisional);

  in.shown = numbers(kShaho);  // a 社保 card that expired early: not before 2025-12-02
  in.visit_date = make_date(2025, 12, 1);
  EXPECT_FALSE(choose_method(in)->provisional);
  EXPECT_EQ(choose_method(in)->method, Method::m8_none);
  in.visit_date = make_date(2025, 12, 2);
  EXPECT_TRUE(choose_method(in)->provisional);

  // the お知らせ alone, payer unknown: only from 2025-12-02
  auto notice = visit_on(make_date(2025, 12, 1));
  notice.presented.qualification_notice = true;
  EXPECT_FALSE(choose_method(notice)->provisional);
  notice.visit_date = make_date(2025, 12, 2);
  EXPECT_TRUE(choose_method(notice)->provisional);
}

TEST(Method, R_M5_provisional_handling_ends_2026_03_31) {
  auto in = visit_on(make_date(2026, 3, 31));
  in.presented.old_insurance_card = true;
  auto last = *choose_method(in);
  EXPECT_EQ(last.method, Method::m5_old_card);
  EXPECT_TRUE(last.provisional);
  EXPECT_TRUE(has_warning(last, "provisional_handling", "R-M5"));

  in.visit_date = make_date(2026, 4, 1);
  auto after = *choose_method(in);
  EXPECT_EQ(after.method, Method::m8_none);
  EXPECT_TRUE(has_warning(after, "old_card_expired", "R-M5"));

  // the お知らせ alone is covered by the same provisional handling
  auto notice = visit_on(make_date(2026, 3, 31));
  notice.presented.qualification_notice = true;
  auto n = *choose_method(notice);
  EXPECT_EQ(n.method, Method::m5_old_card);
  EXPECT_TRUE(n.provisional);
  EXPECT_TRUE(has_warning(n, "notice_alone_not_valid", "R-M3"));
}

TEST(Method, R_M6_oral_confirmation_only_on_a_revisit_with_billing_data) {
  auto in = visit_on(kToday, VisitKind::revisit);
  in.previous = Qualification{};
  EXPECT_EQ(choose_method(in)->method, Method::m6_oral);
  in.visit = VisitKind::first_visit;
  EXPECT_EQ(choose_method(in)->method, Method::m8_none);
  in.visit = VisitKind::revisit;
  in.previous.reset();
  EXPECT_EQ(choose_method(in)->method, Method::m8_none);
}

TEST(Method, R_M7_statement_with_card_on_a_first_visit) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::failed;
  auto d = *choose_method(in);
  EXPECT_EQ(d.method, Method::m7_statement);
  EXPECT_TRUE(has_warning(d, "statement_claim_may_return", "R-M7"));
  // 資格無効 on a revisit: the EMR's data is stale, so no oral confirmation
  in.visit = VisitKind::revisit;
  in.previous = Qualification{};
  in.presented.card_check = CardCheck::lost;
  auto lost = *choose_method(in);
  EXPECT_EQ(lost.method, Method::m7_statement);
  EXPECT_TRUE(has_warning(lost, "qualification_lost", "R-RES"));
}

TEST(Method, R_M8_nothing_on_a_first_visit_is_10_wari) {
  auto d = *choose_method(visit_on(kToday));
  EXPECT_EQ(d.method, Method::m8_none);
  EXPECT_TRUE(has_warning(d, "self_pay_no_proof", "R-M8"));
}

// ---- R-M9, R-M10, R-VIS, R-DISASTER-CLAIM ----------------------------------------------------

TEST(Method, R_M9_an_outage_offers_verify_later_before_the_statement) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::failed;
  EXPECT_EQ(choose_method(in)->method, Method::m7_statement);  // no outage: the 申立書
  in.outage = Outage::network;
  auto later = *choose_method(in);
  EXPECT_EQ(later.method, Method::m9_outage);
  EXPECT_STREQ(method_id(later.method), "R-M9");
  EXPECT_TRUE(has_warning(later, "verify_later", "R-M9"));
  // What verifies alone still comes first: the 資格確認書 during an outage is R-M4.
  in.presented.eligibility_certificate = true;
  EXPECT_EQ(choose_method(in)->method, Method::m4_certificate);
  in.presented.eligibility_certificate = false;
  // The check ran: found → R-M9 bills it; found nothing → back to the 申立書.
  in.recheck = CardCheck::valid;
  EXPECT_EQ(choose_method(in)->method, Method::m9_outage);
  in.recheck = CardCheck::no_data;
  auto nothing = *choose_method(in);
  EXPECT_EQ(nothing.method, Method::m7_statement);
  EXPECT_TRUE(has_warning(nothing, "recheck_found_nothing", "R-M9"));
  // Nothing to check later (no card, nothing told, first visit): still R-M8.
  auto empty = visit_on(kToday);
  empty.outage = Outage::terminal;
  EXPECT_EQ(choose_method(empty)->method, Method::m8_none);
}

TEST(Method, R_M10_a_smartphone_shows_the_portal_on_the_phone_and_not_the_notice) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_form = CardForm::smartphone;
  in.presented.card_check = CardCheck::failed;
  in.presented.mynaportal = true;
  auto phone = *choose_method(in);
  EXPECT_EQ(phone.method, Method::m10_phone_portal);
  EXPECT_STREQ(method_id(phone.method), "R-M10");
  EXPECT_NE(phone.staff_checks[0].find("マイナポータル on the phone"), std::string::npos);
  // The お知らせ goes with the physical card only (R-M3).
  in.presented.mynaportal = false;
  in.presented.qualification_notice = true;
  auto notice = *choose_method(in);
  EXPECT_NE(notice.method, Method::m3_notice);
  EXPECT_TRUE(has_warning(notice, "notice_needs_physical_card", "R-M10"));
  in.presented.card_form = CardForm::physical;
  EXPECT_EQ(choose_method(in)->method, Method::m3_notice);
  in.presented.qualification_notice = false;
  in.presented.mynaportal = true;
  EXPECT_EQ(choose_method(in)->method, Method::m2_portal);
}

TEST(Method, R_VIS_no_photo_comparison_for_a_photo_less_card) {
  auto in = visit_on(kToday);
  in.presented.my_number_card = true;
  in.presented.card_check = CardCheck::failed;
  auto with_photo = *choose_method(in);
  EXPECT_NE(with_photo.staff_checks[0].find("photo with the patient"), std::string::npos);
  in.presented.card_has_photo = false;
  auto photo_less = *choose_method(in);
  EXPECT_EQ(photo_less.method, Method::m7_statement);
  for (const std::string& check : photo_less.staff_checks) EXPECT_EQ(check.find("compare"), std::string::npos) << check;
  EXPECT_NE(photo_less.staff_checks[0].find("顔写真なし"), std::string::npos);
}

TEST(Method, R_DISASTER_CLAIM_a_declared_disaster_takes_an_oral_declaration_instead_of_10_wari) {
  auto in = visit_on(kToday);
  EXPECT_EQ(choose_method(in)->method, Method::m8_none);
  in.disaster = Disaster{"令和6年能登半島地震"};
  auto d = *choose_method(in);
  EXPECT_EQ(d.method, Method::disaster_oral);
  EXPECT_STREQ(method_id(d.method), "R-DISASTER-CLAIM");
  EXPECT_FALSE(has_warning(d, "self_pay_no_proof", "R-M8"));
}
