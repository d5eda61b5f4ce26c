// Route A → B → C (R-CLAIM-*), the records, and the byte-exact RECEIPTC.UKE goldens.
#include "claims_test_util.hpp"

#include <onshi/claims/claim.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

using namespace onshi::claims;
using claims_test::golden;
using claims_test::golden_input;
using claims_test::read_bytes;

namespace {

ClaimResult claim_for(const ClaimInput& in) {
  auto r = decide_claim(in);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : ClaimResult{};
}

const Record* find_record(const ClaimResult& r, const std::string& id) {
  auto it = std::find_if(r.records.begin(), r.records.end(), [&](const Record& rec) { return rec.id == id; });
  return it == r.records.end() ? nullptr : &*it;
}

std::string field(const ClaimResult& r, const std::string& id, const std::string& name) {
  const Record* rec = find_record(r, id);
  if (!rec) return "<no " + id + ">";
  for (const Field& f : rec->fields)
    if (f.name == name) return f.value;
  return "<no " + name + ">";
}

std::vector<std::string> comment_codes(const ClaimResult& r) {
  std::vector<std::string> codes;
  for (const Record& rec : r.records)
    if (rec.id == "CO") codes.push_back(rec.fields[2].value);
  return codes;
}

bool has_warning(const ClaimResult& r, const std::string& rule) {
  return std::any_of(r.warnings.begin(), r.warnings.end(), [&](const Warning& w) { return w.rule == rule; });
}

// The RECEIPTC.UKE of an input document must equal the committed Shift_JIS bytes.
// ONSHI_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
void expect_golden(const std::string& name) {
  ClaimResult r = claim_for(golden_input(name));
  auto path = golden(name + ".UKE");
  if (std::getenv("ONSHI_UPDATE_GOLDEN")) onshi::test::write_bytes(path, r.receipt_file);
  std::string expected = read_bytes(path);
  ASSERT_FALSE(expected.empty()) << path;
  ASSERT_FALSE(r.receipt_file.empty());
  EXPECT_EQ(r.receipt_file, expected) << "UTF-8 view of what was produced:\n" << r.uke_text;
  EXPECT_EQ(r.receipt_file.back(), '\x1A');
}

}  // namespace

TEST(ClaimGolden, R_CLAIM_OK_verified_shaho) {
  expect_golden("verified_shaho");
  auto r = claim_for(golden_input("verified_shaho"));
  EXPECT_EQ(r.route.route, Route::verified);
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1112");
  EXPECT_EQ(field(r, "RE", "給付割合"), "");  // 支払基金: not recorded
  EXPECT_EQ(field(r, "HO", "被保険者証等の記号"), "６４４４０７１８");
  EXPECT_EQ(field(r, "SN", "枝番"), "00");
  EXPECT_EQ(r.payer_office, 1);
}

TEST(ClaimGolden, R_CLAIM_OK_kokuho_six_digit_number_space_padded) {
  expect_golden("kokuho_6digit");
  auto r = claim_for(golden_input("kokuho_6digit"));
  EXPECT_STREQ(method_id(r.method.method), "R-M4");
  EXPECT_EQ(field(r, "HO", "保険者番号"), "  138057");
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1116");  // 家族 (世帯員)
  EXPECT_EQ(field(r, "RE", "給付割合"), "70");
  EXPECT_EQ(field(r, "SN", "枝番"), "02");
  EXPECT_EQ(r.payer_office, 2);
}

TEST(ClaimGolden, R_RATIO_kouki_1_wari) {
  expect_golden("kouki_1wari");
  auto r = claim_for(golden_input("kouki_1wari"));
  EXPECT_EQ(r.copay.ratio, 1);
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1318");
  EXPECT_EQ(field(r, "RE", "レセプト特記事項"), "42");  // 区キ
  EXPECT_EQ(field(r, "SN", "枝番"), "");               // never for 後期
}

TEST(ClaimGolden, R_RATIO_preschool_2_wari) {
  expect_golden("preschool");
  auto r = claim_for(golden_input("preschool"));
  EXPECT_EQ(r.copay.ratio, 2);
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1114");
  EXPECT_EQ(field(r, "RE", "カタカナ氏名"), "ミシュウガク　サクラ");
}

TEST(ClaimGolden, R_CLAIM_B_old_qualification_from_the_lost_screen) {
  expect_golden("old_qualification_b");
  auto r = claim_for(golden_input("old_qualification_b"));
  EXPECT_EQ(r.route.route, Route::old_qualification);
  EXPECT_EQ(field(r, "HO", "保険者番号"), "31135015");
  EXPECT_TRUE(comment_codes(r).empty());  // a B claim is not 不詳
  EXPECT_TRUE(has_warning(r, "R-CLAIM-B"));
  EXPECT_EQ(r.copay.ratio, 3);
}

TEST(ClaimGolden, R_CLAIM_C_unknown_shaho_with_statement_in_the_remarks) {
  expect_golden("unknown_c_shaho");
  auto r = claim_for(golden_input("unknown_c_shaho"));
  EXPECT_EQ(r.route.route, Route::unknown);
  EXPECT_EQ(field(r, "HO", "保険者番号"), "77777777");
  EXPECT_EQ(field(r, "HO", "被保険者証等の記号"), "");
  EXPECT_EQ(field(r, "HO", "被保険者証等の番号"), "７７７７７７７７７");
  EXPECT_EQ(field(r, "SN", "枝番"), "");
  auto codes = comment_codes(r);
  ASSERT_FALSE(codes.empty());
  EXPECT_EQ(codes.front(), "820000246");  // 不詳 first
  for (const char* code : {"830000501", "830000502", "830000503", "830000504", "830000505", "830000506",
                           "830000507", "830000508"})
    EXPECT_NE(std::find(codes.begin(), codes.end(), code), codes.end()) << code;
  EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));
}

TEST(ClaimGolden, R_CLAIM_C_unknown_kouki_uses_8_sevens_and_the_declared_ratio) {
  expect_golden("unknown_c_kouki");
  auto r = claim_for(golden_input("unknown_c_kouki"));
  EXPECT_EQ(field(r, "HO", "保険者番号"), "77777779");  // the レセコン rejects 77777777
  EXPECT_EQ(field(r, "HO", "被保険者証等の番号"), "７７７７７７７７");
  EXPECT_EQ(r.copay.ratio, 2);
  EXPECT_EQ(r.copay.rule, CopayRule::declared_on_statement);
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1318");
  EXPECT_EQ(field(r, "RE", "レセプト特記事項"), "41");  // 区カ
  EXPECT_EQ(field(r, "RE", "氏名"), "●橋　花子");       // R-BLACKDOT: filed as is
  EXPECT_EQ(field(r, "CO", "コメントコード"), "820000246");
}

TEST(ClaimRoute, R_CLAIM_A_asked_numbers_come_before_old_ones) {
  auto in = golden_input("old_qualification_b");
  in.asked = Qualification{};
  in.asked->insurer_number = "32123457";
  in.asked->number = "99";
  in.asked->insured_person = true;
  auto r = claim_for(in);
  EXPECT_EQ(r.route.route, Route::current_asked);
  EXPECT_STREQ(route_id(r.route.route), "R-CLAIM-A");
  EXPECT_EQ(field(r, "HO", "保険者番号"), "32123457");
}

TEST(ClaimRoute, R_CLAIM_B_from_past_visits_when_nothing_else) {
  auto in = golden_input("unknown_c_shaho");
  in.previous = golden_input("verified_shaho").online;
  auto r = claim_for(in);
  EXPECT_EQ(r.route.route, Route::old_qualification);
  EXPECT_EQ(field(r, "HO", "保険者番号"), "01130012");
}

TEST(ClaimRoute, R_M6_revisit_bills_the_emr_numbers_as_current) {
  auto in = golden_input("verified_shaho");
  in.presented = Presented{};
  in.visit = VisitKind::revisit;
  in.previous = in.online;
  in.online.reset();
  auto r = claim_for(in);
  EXPECT_EQ(r.method.method, Method::m6_oral);
  EXPECT_EQ(r.route.route, Route::current_asked);
}

TEST(ClaimRoute, R_CLAIM_C_needs_the_statement) {
  auto in = golden_input("unknown_c_shaho");
  in.statement.reset();
  auto r = decide_claim(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("statement"), std::string::npos);
  EXPECT_NE(r.error().hint.find("R-M7"), std::string::npos);
}

TEST(ClaimRoute, R_CLAIM_C_needs_an_address_for_the_remarks) {
  auto in = golden_input("unknown_c_kouki");
  in.patient.address.clear();
  auto r = decide_claim(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("statement.address"), std::string::npos);
}

TEST(ClaimRoute, R_M8_no_claim_and_10_wari) {
  ClaimInput in = golden_input("verified_shaho");
  in.presented = Presented{};
  in.online.reset();
  auto r = claim_for(in);
  EXPECT_EQ(r.route.route, Route::self_pay);
  EXPECT_EQ(r.copay.ratio, 10);
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.receipt_file.empty());
}

TEST(ClaimRoute, R_RATIO_card_trouble_never_raises_the_ratio) {
  // the same patient: verified online, and on a 申立書 after the reader failed
  auto verified = claim_for(golden_input("verified_shaho"));
  auto in = golden_input("unknown_c_shaho");
  auto on_statement = claim_for(in);
  EXPECT_EQ(verified.copay.ratio, 3);
  EXPECT_EQ(on_statement.copay.ratio, 3);
}

TEST(ClaimRoute, R_ACCURACY_a_mistyped_number_stops_the_claim) {
  auto in = golden_input("verified_shaho");
  in.online->insurer_number = "01130013";
  auto r = decide_claim(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("online: 保険者番号 01130013"), std::string::npos) << r.error().message;
}

TEST(ClaimRoute, R_FIELDS_jieikan_family_is_refused) {
  auto in = golden_input("verified_shaho");
  in.online->insurer_number = "07013006";
  in.online->insured_person = false;
  auto r = decide_claim(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("法別 07"), std::string::npos);
}

TEST(ClaimRoute, R_KUBUN_medical_aid_is_billed_as_a_public_expense_alone) {
  auto in = golden_input("verified_shaho");
  in.online = Qualification{};
  in.online->classification = "A1";
  in.online->public_expense_number = "12130001";
  in.online->recipient_number = "1234566";
  auto r = claim_for(in);
  EXPECT_EQ(r.route.payer, PayerKind::medical_aid);
  EXPECT_EQ(r.copay.ratio, 0);
  EXPECT_EQ(field(r, "RE", "レセプト種別"), "1212");
  EXPECT_EQ(field(r, "KO", "公費負担者番号"), "12130001");
  EXPECT_EQ(find_record(r, "HO"), nullptr);
  EXPECT_EQ(field(r, "SN", "負担者種別"), "2");
}

TEST(ClaimRoute, R_M5_provisional_old_card_is_billed_at_the_normal_ratio) {
  auto in = golden_input("kokuho_6digit");
  in.visit_date = make_date(2026, 2, 10);
  in.presented = Presented{};
  in.presented.old_insurance_card = true;
  auto r = claim_for(in);
  EXPECT_TRUE(r.method.provisional);
  EXPECT_EQ(r.route.route, Route::verified);
  EXPECT_EQ(r.copay.ratio, 3);
  EXPECT_TRUE(has_warning(r, "R-M5"));
}
