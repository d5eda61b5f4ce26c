// Outcomes named by their DOMAIN rule, decided from real face files the simulator writes.
#include <onshi/eligibility/history.hpp>
#include <onshi/eligibility/json.hpp>
#include <onshi/eligibility/protocol.hpp>
#include <onshi/eligibility/outcome.hpp>

#include "test_support.hpp"


namespace onshi::eligibility {
namespace {

using namespace test;

// Lets the simulator push the persona's face file and decides on it.
Outcome face_outcome(const std::string& persona) {
  TempDir root;
  EXPECT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", persona}), 0);
  for (const auto& e : fs::directory_iterator(root.path / "face")) {
    auto msg = parse_message<QualificationResponse>(read_bytes(e.path()), e.path().filename().string());
    EXPECT_TRUE(msg.ok()) << msg.error().message;
    return decide(msg);
  }
  ADD_FAILURE() << "no face file for " << persona;
  return {};
}

TEST(Outcome, R_RES_valid_shaho) {
  const Outcome o = face_outcome("shaho-valid");
  EXPECT_EQ(o.kind, OutcomeKind::valid);
  ASSERT_EQ(o.qualifications.size(), 1u);
  const Qualification& q = o.qualifications[0];
  EXPECT_EQ(q.insurer_number, "06139992");
  EXPECT_EQ(q.insured_branch_number, "00");
  EXPECT_EQ(q.reference_number, "K-000123");  // R-SHOUKAI
  EXPECT_TRUE(o.cache_allowed);
  EXPECT_EQ(o.reference_classification, "1");
}

TEST(Outcome, R_FIELDS_kokuho_insurer_number_stays_space_padded) {
  const Outcome o = face_outcome("kokuho-valid");
  ASSERT_EQ(o.kind, OutcomeKind::valid);
  EXPECT_EQ(o.qualifications[0].insurer_number, "  138123");
  EXPECT_EQ(o.qualifications[0].insured_name, "国保　一郎");
}

TEST(Outcome, R_FIELDS_kouki_ratio_010_and_empty_branch) {
  const Outcome o = face_outcome("kouki-1wari");
  ASSERT_EQ(o.kind, OutcomeKind::valid);
  EXPECT_EQ(o.qualifications[0].contribution_ratio, "010");
  EXPECT_EQ(o.qualifications[0].insured_branch_number, "");
}

TEST(Outcome, R_RES_lost_keeps_the_old_qualification) {
  const Outcome o = face_outcome("lost-old");
  EXPECT_EQ(o.kind, OutcomeKind::lost);
  ASSERT_EQ(o.qualifications.size(), 1u);
  EXPECT_EQ(o.qualifications[0].insurer_number, "06131114");  // what a 旧資格 claim (R-CLAIM-B) needs
  EXPECT_EQ(o.qualifications[0].disqualification_date, "20260331");
}

TEST(Outcome, R_RES_lost_with_new_qualification) {
  EXPECT_EQ(face_outcome("lost-new").kind, OutcomeKind::lost_with_new);
}

TEST(Outcome, R_RES_no_data) {
  const Outcome o = face_outcome("nodata");
  EXPECT_EQ(o.kind, OutcomeKind::no_data);
  EXPECT_TRUE(o.qualifications.empty());
}

TEST(Outcome, R_RES_several_matches_need_a_person) {
  const Outcome o = face_outcome("multi");
  EXPECT_EQ(o.kind, OutcomeKind::needs_person);
  EXPECT_EQ(o.qualifications.size(), 2u);
}

TEST(Outcome, R_RES_withheld_fields_are_not_carried_nor_cached) {
  const Outcome o = face_outcome("withheld");
  EXPECT_EQ(o.kind, OutcomeKind::withheld);
  EXPECT_FALSE(o.cache_allowed);
  EXPECT_NE(std::find(o.withheld_fields.begin(), o.withheld_fields.end(), "Name"), o.withheld_fields.end());
  const nlohmann::json doc = outcome_document(o);
  const auto& q = doc["qualifications"][0];
  EXPECT_FALSE(q.contains("name"));
  EXPECT_FALSE(q.contains("address"));
  EXPECT_FALSE(q.contains("birthdate"));
  EXPECT_EQ(q["insurer_number"], "06134449");
}

// Security finding 7: with several entries, decide() used to return before it looked for withheld
// fields, and the default let the answer be cached. Any entry withholding keeps it all out.
TEST(Outcome, R_RES_a_withheld_entry_among_several_keeps_the_whole_answer_out_of_every_cache) {
  TempDir root;
  ASSERT_EQ(run_sim({"face", "--root", root.path.string(), "--persona", "multi"}), 0);
  const fs::path file = fs::directory_iterator(root.path / "face")->path();
  auto msg = parse_message<QualificationResponse>(read_bytes(file), "multi");
  ASSERT_TRUE(msg.ok());
  ASSERT_EQ(msg->body.ResultList->ResultOfQualificationConfirmation.size(), 2u);
  EXPECT_TRUE(decide(*msg).cache_allowed);
  msg->body.ResultList->ResultOfQualificationConfirmation[1].Name.reset();  // the second insurer withholds it
  const Outcome o = decide(*msg);
  EXPECT_EQ(o.kind, OutcomeKind::needs_person);
  EXPECT_FALSE(o.cache_allowed);
  EXPECT_EQ(o.withheld_fields, std::vector<std::string>{"Name"});
  EXPECT_TRUE(keepable_outcome(o)["qualifications"].empty());
  auto entry = history_entry(o, HistoryContext{"insured", 0, "", "", ""});
  ASSERT_TRUE(entry);
  EXPECT_TRUE((*entry)["withheld"].get<bool>());
  EXPECT_TRUE((*entry)["qualifications"].empty());
  EXPECT_FALSE(Outcome{}.cache_allowed) << "an outcome not made by decide() is never cacheable";
}

TEST(Outcome, R_KUBUN_A1_is_medical_assistance_and_R_FIELDS_1900_01_01_is_unknown) {
  const Outcome o = face_outcome("iryo-fujo");
  ASSERT_EQ(o.kind, OutcomeKind::valid);
  const Qualification& q = o.qualifications[0];
  EXPECT_TRUE(q.medical_assistance);
  EXPECT_TRUE(q.birthdate_unknown);
  EXPECT_EQ(q.welfare_office_name, "台東区福祉事務所");
  EXPECT_EQ(q.insured_name, "");
}

TEST(Outcome, R_KUBUN_jieikan_07_and_tokubetsu_05) {
  EXPECT_EQ(face_outcome("jieikan").qualifications.at(0).insured_card_classification, "07");
  const Outcome t = face_outcome("tokubetsu");
  EXPECT_EQ(t.qualifications.at(0).insured_card_classification, "05");
  EXPECT_EQ(code_label(CodeTable::insured_card_classification, "05"), "特別療養費支給対象者");
  EXPECT_TRUE(code_retired(CodeTable::insured_card_classification, "02"));
}

TEST(Outcome, R_FIELDS_preschool_is_surfaced) {
  EXPECT_TRUE(face_outcome("preschool").qualifications.at(0).preschool);
  EXPECT_FALSE(face_outcome("kokuho-valid").qualifications.at(0).preschool);
}

TEST(Outcome, R_FIELDS_limit_and_elderly_groups) {
  EXPECT_EQ(face_outcome("gendogaku").qualifications.at(0).limit_classification_flag, "A03");
  EXPECT_EQ(face_outcome("koureisha").qualifications.at(0).elderly_contribution_ratio, "020");
}

TEST(Outcome, R_BLACKDOT_black_dot_and_non_jis_x0208_are_flagged) {
  const Outcome o = face_outcome("blackdot");
  ASSERT_EQ(o.kind, OutcomeKind::valid);
  const auto& notes = o.qualifications[0].charset_notes;
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].field, "Name");
  EXPECT_TRUE(notes[0].black_dot);
  EXPECT_EQ(notes[1].field, "Address");
  EXPECT_EQ(notes[1].outside_jis_x0208, std::vector<std::string>{"﨑"});
  EXPECT_EQ(o.qualifications[0].name_kana, "ﾀｶﾊｼ ｲﾁﾛｳ");  // match on kana instead
  EXPECT_TRUE(face_outcome("shaho-valid").qualifications.at(0).charset_notes.empty());
}

TEST(Outcome, R_BLACKDOT_notes_of_the_fixture_files) {
  auto outcome_of = [](const char* file) {
    return decide(parse_message<QualificationResponse>(read_bytes(fs::path(ONSHI_OQS_TEST_DATA) / file), file));
  };
  const Outcome o = outcome_of("OQSsiquc01res_face_blackdot_utf8.xml");
  ASSERT_EQ(o.qualifications.size(), 1u);
  const std::vector<CharsetNote> expected = {{"Name", true, {}}, {"Address", false, {"﨑"}}};
  EXPECT_EQ(o.qualifications[0].charset_notes, expected);
  for (const char* file : {"face_shuffled_utf8.xml", "OQSsiquc01res_lost_old_utf8.xml"})
    EXPECT_TRUE(outcome_of(file).qualifications.at(0).charset_notes.empty()) << file;
}

TEST(Outcome, R_FIELDS_blank_kana_stays_blank) {
  EXPECT_EQ(face_outcome("blank-kana").qualifications.at(0).name_kana, "");
}

TEST(Outcome, R_RES_header_and_record_failures_name_their_stage) {
  const Outcome h = face_outcome("header-error");
  EXPECT_EQ(h.kind, OutcomeKind::failed);
  EXPECT_EQ(h.stage, FailureStage::header);
  EXPECT_EQ(h.code, "EAAA0001");
  const Outcome r = face_outcome("record-error");
  EXPECT_EQ(r.stage, FailureStage::record);
  EXPECT_EQ(r.code, "E1234");
  EXPECT_EQ(r.message, "被保険者番号等の入力内容に誤りがあります");
  const Outcome t = decide(Result<QualificationResponse>(make_error(ONSHI_E_TIMEOUT, "folder", "no answer")));
  EXPECT_EQ(t.stage, FailureStage::transport);
}

TEST(OutcomeJson, document_round_trip_carries_the_schema) {
  const Outcome o = face_outcome("blackdot");
  const nlohmann::json doc = outcome_document(o);
  EXPECT_EQ(doc["schema"], "onshi.eligibility.outcome/1");
  auto back = outcome_from_document(nlohmann::json::parse(doc.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, o.kind);
  EXPECT_EQ(back->qualifications, o.qualifications);
  EXPECT_FALSE(outcome_from_document(nlohmann::json{{"schema", "onshi.other/1"}}).ok());
  EXPECT_FALSE(outcome_from_document(nlohmann::json{{"schema", "onshi.eligibility.outcome/1"}, {"kind", 3}}).ok());
}

}  // namespace
}  // namespace onshi::eligibility
