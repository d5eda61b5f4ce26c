// R-DISASTER: drug information only inside a declared disaster (area and period by
// the injected clock), only for the allowed roles, and every step audited.
#include "support.hpp"

namespace onshi::disaster::test {
namespace {

class Declared : public ::testing::Test {
 protected:
  std::string log = audit_path();
  JsonLinesAuditSink sink{log};
  DisasterDesk desk = DisasterDesk::create(wajima_clinic(), sink).value();
  void SetUp() override { ASSERT_TRUE(desk.declare(noto_2024(), kDoctor, at("2024-01-01T08:00:00Z")).ok()); }
};

TEST(DisasterDeclaration, R_DISASTER_refused_when_no_disaster_is_declared) {
  std::string log = audit_path();
  JsonLinesAuditSink sink(log);
  auto desk = DisasterDesk::create(wajima_clinic(), sink).value();
  auto permit = desk.open_lookup(kDoctor, at("2024-01-02T00:00:00Z"));
  ASSERT_FALSE(permit.ok());
  EXPECT_EQ(permit.error().code, ONSHI_E_REFUSED);
  EXPECT_NE(permit.error().message.find("no disaster is declared"), std::string::npos);
  EXPECT_FALSE(permit.error().hint.empty());
  auto audit = read_audit(log);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].event, AuditEvent::refused);
  EXPECT_EQ(audit[0].operator_id, "dr-001");
}

TEST_F(Declared, R_DISASTER_lookup_allowed_inside_area_and_period) {
  EXPECT_EQ(desk.status(at("2024-01-03T00:00:00Z")).state, DeclarationState::active);
  auto permit = desk.open_lookup(kDoctor, at("2024-01-03T00:00:00Z"));
  ASSERT_TRUE(permit.ok()) << permit.error().message;
  EXPECT_EQ(permit->declaration(), noto_2024().reference);
}

TEST_F(Declared, R_DISASTER_refused_once_the_period_ends_by_the_clock) {
  EXPECT_TRUE(desk.open_lookup(kDoctor, at("2024-01-07T14:59:59Z")).ok());
  auto late = desk.open_lookup(kDoctor, at("2024-01-07T15:00:00Z"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ONSHI_E_REFUSED);
  EXPECT_NE(late.error().message.find("closed at 2024-01-07T15:00:00Z"), std::string::npos);
  EXPECT_EQ(desk.status(at("2024-01-08T00:00:00Z")).state, DeclarationState::expired);
}

TEST_F(Declared, R_DISASTER_refused_before_the_period_opens) {
  auto early = desk.open_lookup(kDoctor, at("2024-01-01T07:00:00Z"));
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("opens only at"), std::string::npos);
}

TEST_F(Declared, R_DISASTER_extension_keeps_it_open_until_the_new_end) {
  ASSERT_TRUE(desk.extend(at("2024-01-14T15:00:00Z"), "その2", kDoctor, at("2024-01-05T00:00:00Z")).ok());
  EXPECT_TRUE(desk.open_lookup(kDoctor, at("2024-01-10T00:00:00Z")).ok());
  EXPECT_FALSE(desk.open_lookup(kDoctor, at("2024-01-14T15:00:00Z")).ok());
  EXPECT_FALSE(desk.extend(at("2024-01-10T00:00:00Z"), "shorter", kDoctor, at("2024-01-05T00:00:00Z")).ok());
}

TEST_F(Declared, R_DISASTER_ended_by_hand_refuses_even_a_permit_taken_before) {
  auto permit = desk.open_lookup(kDoctor, at("2024-01-03T00:00:00Z"));
  ASSERT_TRUE(permit.ok());
  ASSERT_TRUE(desk.end("通信回復、通常運用へ", kDoctor, at("2024-01-04T00:00:00Z")).ok());
  EXPECT_EQ(desk.status(at("2024-01-04T00:00:01Z")).state, DeclarationState::ended_by_hand);
  PersonQuery q;
  q.name = "高橋 京子";
  q.birthdate = day("1958-03-03");
  q.sex = Sex::female;
  auto request = desk.search_request(*permit, q, "f1", at("2024-01-04T00:00:01Z"));
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.error().message.find("was ended"), std::string::npos);
}

TEST(DisasterDeclaration, R_DISASTER_refused_where_the_declaration_does_not_reach) {
  std::string log = audit_path();
  JsonLinesAuditSink sink(log);
  auto desk = DisasterDesk::create({"1312345678", {"13", "13101"}}, sink).value();  // 千代田区
  ASSERT_TRUE(desk.declare(noto_2024(), kDoctor, at("2024-01-01T08:00:00Z")).ok());
  auto permit = desk.open_lookup(kDoctor, at("2024-01-02T00:00:00Z"));
  ASSERT_FALSE(permit.ok());
  EXPECT_NE(permit.error().message.find("does not cover this facility"), std::string::npos);
}

TEST_F(Declared, R_DISASTER_only_doctors_dentists_pharmacists_and_authorised_staff_look_up) {
  auto now = at("2024-01-02T00:00:00Z");
  EXPECT_TRUE(desk.open_lookup({"dt-1", Role::dentist, ""}, now).ok());
  EXPECT_TRUE(desk.open_lookup({"ph-1", Role::pharmacist, ""}, now).ok());
  EXPECT_TRUE(desk.open_lookup({"ns-1", Role::authorised_staff, "院長 dr-000"}, now).ok());
  auto unauthorised = desk.open_lookup({"ns-2", Role::authorised_staff, ""}, now);
  ASSERT_FALSE(unauthorised.ok());
  auto clerk = desk.open_lookup(kClerk, now);
  ASSERT_FALSE(clerk.ok());
  EXPECT_EQ(clerk.error().code, ONSHI_E_REFUSED);
  EXPECT_NE(clerk.error().message.find("role clerk"), std::string::npos);
  EXPECT_FALSE(desk.end("x", kClerk, now).ok());
  EXPECT_EQ(desk.status(now).state, DeclarationState::active);
}

TEST_F(Declared, R_DISASTER_every_switch_and_refusal_is_audited_in_order) {
  (void)desk.open_lookup(kClerk, at("2024-01-02T00:00:00Z"));
  ASSERT_TRUE(desk.extend(at("2024-01-14T15:00:00Z"), "その2", kDoctor, at("2024-01-05T00:00:00Z")).ok());
  ASSERT_TRUE(desk.end("閉塞", kDoctor, at("2024-01-10T00:00:00Z")).ok());
  auto audit = read_audit(log);
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0].event, AuditEvent::declaration_on);
  EXPECT_EQ(audit[1].event, AuditEvent::refused);
  EXPECT_EQ(audit[1].role, Role::clerk);
  EXPECT_EQ(audit[2].event, AuditEvent::declaration_extended);
  EXPECT_EQ(audit[3].event, AuditEvent::declaration_off);
  EXPECT_EQ(audit[3].at, at("2024-01-10T00:00:00Z"));
  for (const auto& r : audit) EXPECT_EQ(r.declaration, noto_2024().reference);
}

TEST(DisasterDeclaration, R_DISASTER_nothing_happens_when_the_audit_cannot_be_written) {
  JsonLinesAuditSink sink("/nonexistent-onshi-dir/audit.jsonl");
  auto desk = DisasterDesk::create(wajima_clinic(), sink).value();
  auto declared = desk.declare(noto_2024(), kDoctor, at("2024-01-01T08:00:00Z"));
  ASSERT_FALSE(declared.ok());
  EXPECT_EQ(declared.error().code, ONSHI_E_REFUSED);
  EXPECT_NE(declared.error().message.find("/nonexistent-onshi-dir/audit.jsonl"), std::string::npos);
  EXPECT_EQ(desk.status(at("2024-01-02T00:00:00Z")).state, DeclarationState::none);
}

TEST(DisasterDeclaration, R_DISASTER_declaration_rejects_an_empty_area_or_backward_period) {
  std::string log = audit_path();
  JsonLinesAuditSink sink(log);
  auto desk = DisasterDesk::create(wajima_clinic(), sink).value();
  auto no_area = noto_2024();
  no_area.area.clear();
  EXPECT_EQ(desk.declare(no_area, kDoctor, at("2024-01-01T08:00:00Z")).error().code, ONSHI_E_INVALID_ARGUMENT);
  auto backward = noto_2024();
  std::swap(backward.opens_at, backward.closes_at);
  EXPECT_EQ(desk.declare(backward, kDoctor, at("2024-01-01T08:00:00Z")).error().code, ONSHI_E_INVALID_ARGUMENT);
}

TEST(DisasterDeclaration, R_DISASTER_declaration_and_status_round_trip_as_json) {
  nlohmann::json doc = noto_2024();
  EXPECT_EQ(doc["schema"], "onshi.disaster.declaration/1");
  auto parsed = parse_declaration(doc);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->reference, noto_2024().reference);
  EXPECT_EQ(parsed->closes_at, noto_2024().closes_at);
  ASSERT_EQ(parsed->area.size(), 2u);
  EXPECT_EQ(parsed->area[1].municipality_code, "17205");

  doc["closes_at"] = "2024-01-07 24:00";
  auto bad = parse_declaration(doc);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field closes_at:"), std::string::npos) << bad.error().message;

  std::string log = audit_path();
  JsonLinesAuditSink sink(log);
  auto desk = DisasterDesk::create(wajima_clinic(), sink).value();
  ASSERT_TRUE(desk.declare(noto_2024(), kDoctor, at("2024-01-01T08:00:00Z")).ok());
  nlohmann::json status = desk.status(at("2024-01-08T00:00:00Z"));
  EXPECT_EQ(status["schema"], "onshi.disaster.declaration-status/1");
  EXPECT_EQ(status["state"], "expired");
  EXPECT_EQ(status["active"], false);
  EXPECT_EQ(status["declaration"]["closes_at"], "2024-01-07T15:00:00Z");
}

}  // namespace
}  // namespace onshi::disaster::test
