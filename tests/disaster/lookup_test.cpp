// R-DISASTER: look-up by the 4 basic items, narrowed to one confirmed person by
// asking for the next item (never a guess), consent before any drug information.
#include "support.hpp"

#include <pugixml.hpp>

#include <map>
#include <type_traits>

namespace onshi::disaster::test {
namespace {

// Consent and a confirmed person cannot be conjured: the API's shape enforces the order.
static_assert(!std::is_default_constructible_v<Consent>);
static_assert(!std::is_constructible_v<ConfirmedPerson, PersonRecord>);
static_assert(!std::is_default_constructible_v<LookupPermit>);

using Fields = std::map<std::string, std::string>;

// A DSTsiquc01res as the simulator writes it (docs/disaster-search-message.md).
std::string response(const std::vector<Fields>& candidates, int total = -1) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg><MessageHeader><ProcessExecutionTime>20240102090000</ProcessExecutionTime>
<MedicalInstitutionCode>1712345678</MedicalInstitutionCode><ArbitraryFileIdentifier>f1</ArbitraryFileIdentifier>
<SegmentOfResult>1</SegmentOfResult><CharacterCodeIdentifier>0</CharacterCodeIdentifier></MessageHeader>
<MessageBody><ProcessingResultStatus>1</ProcessingResultStatus>)";
  xml += "<NumberOfCandidates>" + std::to_string(total < 0 ? candidates.size() : total) + "</NumberOfCandidates><CandidateList>";
  for (const auto& c : candidates) {
    xml += "<Candidate>";
    for (const auto& [k, v] : c) xml += "<" + k + ">" + v + "</" + k + ">";
    xml += "</Candidate>";
  }
  return xml + "</CandidateList></MessageBody></XmlMsg>";
}

// Two women of the same name and birth date in 輪島, and a near-miss stranger.
const Fields kKyokoKawai{{"CandidateIdentifier", "P-0001"}, {"Name", "●橋　京子"}, {"NameKana", "ﾀｶﾊｼ ｷﾖｳｺ"},
                         {"Sex1", "2"}, {"Birthdate", "19580303"}, {"Address", "石川県輪島市河井町１－１"},
                         {"InsurerName", "輪島市"}, {"InsurerNumber", "  170046"}, {"InsuredCardSymbol", "輪"},
                         {"InsuredIdentificationNumber", "123"}, {"InsuredBranchNumber", "01"}};
const Fields kKyokoMonzen{{"CandidateIdentifier", "P-0002"}, {"Name", "高橋　京子"}, {"NameKana", "ﾀｶﾊｼ ｷｮｳｺ"},
                          {"Sex1", "2"}, {"Birthdate", "19580303"}, {"Address", "石川県輪島市門前町走出"},
                          {"InsurerName", "全国健康保険協会石川支部"}, {"InsurerNumber", "01170018"},
                          {"InsuredCardSymbol", "5"}, {"InsuredIdentificationNumber", "77"}, {"InsuredBranchNumber", "00"}};
const Fields kKyokoNearMiss{{"CandidateIdentifier", "P-0003"}, {"Name", "高畑　恭子"}, {"NameKana", "ﾀｶﾊﾀ ｷｮｳｺ"},
                            {"Sex1", "2"}, {"Birthdate", "19580303"}, {"Address", "石川県輪島市河井町２－３"},
                            {"InsurerName", "輪島市"}, {"InsurerNumber", "  170046"}, {"InsuredIdentificationNumber", "456"}};

PersonQuery kyoko() {
  PersonQuery q;
  q.name = "髙橋 京子";
  q.birthdate = day("1958-03-03");
  q.sex = Sex::female;
  return q;
}

class Lookup : public ::testing::Test {
 protected:
  std::string log = audit_path();
  JsonLinesAuditSink sink{log};
  DisasterDesk desk = DisasterDesk::create(wajima_clinic(), sink).value();
  TimePoint now = at("2024-01-02T00:30:00Z");
  std::optional<LookupPermit> permit;
  void SetUp() override {
    ASSERT_TRUE(desk.declare(noto_2024(), kDoctor, at("2024-01-01T08:00:00Z")).ok());
    auto p = desk.open_lookup(kDoctor, now);
    ASSERT_TRUE(p.ok()) << p.error().message;
    permit.emplace(std::move(*p));
  }
  NarrowingOutcome narrow(const PersonQuery& q, const std::string& xml) {
    auto out = desk.read_search_response(*permit, q, xml, now);
    if (!out) throw std::runtime_error(out.error().message);
    return std::move(*out);
  }
  ConfirmedPerson confirmed_kyoko() {
    auto q = kyoko();
    q.address = "河井町";
    auto out = narrow(q, response({kKyokoKawai, kKyokoMonzen, kKyokoNearMiss}));
    if (!out.person) throw std::runtime_error("expected a confirmed person");
    return *out.person;
  }
};

TEST_F(Lookup, R_DISASTER_search_request_is_an_XmlMsg_with_the_four_items) {
  auto q = kyoko();
  q.address = "輪島市河井町";
  auto xml = desk.search_request(*permit, q, "DST-0001", now);
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml->c_str()));
  auto header = doc.child("XmlMsg").child("MessageHeader");
  EXPECT_STREQ(header.child_value("MedicalInstitutionCode"), "1712345678");
  EXPECT_STREQ(header.child_value("ArbitraryFileIdentifier"), "DST-0001");
  EXPECT_STREQ(header.child_value("ViewerClassification"), "1");
  EXPECT_EQ(header.child_value("DisasterDeclarationReference"), noto_2024().reference);
  auto info = doc.child("XmlMsg").child("MessageBody").child("DisasterSearchInfo");
  EXPECT_STREQ(info.child_value("Name"), "髙橋 京子");
  EXPECT_STREQ(info.child_value("Birthdate"), "19580303");
  EXPECT_STREQ(info.child_value("Sex"), "2");
  EXPECT_STREQ(info.child_value("Address"), "輪島市河井町");
  EXPECT_FALSE(info.child("InsurerNumber"));  // absent, not empty
  // The day the check is for is the clinic's (JST): 2024-01-01T16:00Z is already 2 January there.
  auto late = desk.search_request(*permit, q, "DST-0002", at("2024-01-01T16:00:00Z"));
  ASSERT_TRUE(late.ok()) << late.error().message;
  pugi::xml_document late_doc;
  ASSERT_TRUE(late_doc.load_string(late->c_str()));
  EXPECT_STREQ(late_doc.child("XmlMsg").child("MessageHeader").child_value("QualificationConfirmationDate"), "20240102");
}

TEST_F(Lookup, R_DISASTER_search_needs_birthdate_and_name_and_sex) {
  PersonQuery q = kyoko();
  q.sex.reset();
  auto r = desk.search_request(*permit, q, "f", now);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("性別"), std::string::npos);
  q = kyoko();
  q.birthdate.reset();
  EXPECT_NE(desk.search_request(*permit, q, "f", now).error().message.find("生年月日"), std::string::npos);
}

TEST_F(Lookup, R_DISASTER_homonyms_ask_for_the_next_item_instead_of_guessing) {
  auto out = narrow(kyoko(), response({kKyokoKawai, kKyokoMonzen, kKyokoNearMiss}));
  EXPECT_EQ(out.kind, NarrowingOutcome::Kind::ask_more);
  EXPECT_FALSE(out.person.has_value());
  EXPECT_EQ(out.candidate_count, 3);
  EXPECT_EQ(out.consistent_count, 2);  // the near-miss 高畑 恭子 is out
  ASSERT_FALSE(out.ask.empty());
  EXPECT_EQ(out.ask.front(), AskItem::address);
  EXPECT_NE(std::find(out.differing_fields.begin(), out.differing_fields.end(), "address"), out.differing_fields.end());
  nlohmann::json j = out;
  EXPECT_EQ(j["schema"], "onshi.disaster.lookup-result/1");
  EXPECT_TRUE(j["person"].is_null());
  // No stranger's identity leaves the core.
  for (const char* secret : {"河井町", "門前町", "高畑", "P-0001", "P-0002", "170046"})
    EXPECT_EQ(j.dump().find(secret), std::string::npos) << secret;
}

TEST_F(Lookup, R_DISASTER_address_part_narrows_to_one_confirmed_person) {
  auto q = kyoko();
  q.address = "河井町１ー１";  // full-width digits, long-vowel mark as a dash
  auto out = narrow(q, response({kKyokoKawai, kKyokoMonzen, kKyokoNearMiss}));
  ASSERT_EQ(out.kind, NarrowingOutcome::Kind::confirmed) << out.message;
  EXPECT_EQ(out.person->person().candidate_id, "P-0001");
  // 髙 became ● on the insurer's side: matched on the kana (R-BLACKDOT).
  bool blackdot_reason = false;
  for (const auto& r : out.assessments[0].reasons) blackdot_reason |= r.find("R-BLACKDOT") != std::string::npos;
  EXPECT_TRUE(blackdot_reason);
  auto audit = read_audit(log);
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back().event, AuditEvent::candidates_narrowed);
  EXPECT_EQ(audit.back().candidate_count, 3);
  EXPECT_NE(audit.back().subject.find("170046"), std::string::npos);
}

TEST_F(Lookup, R_DISASTER_a_single_match_still_needs_the_fourth_item) {
  auto out = narrow(kyoko(), response({kKyokoMonzen}));
  EXPECT_EQ(out.kind, NarrowingOutcome::Kind::ask_more);
  EXPECT_FALSE(out.person.has_value());
  auto q = kyoko();
  q.insurer_name = "協会けんぽ";  // not how it is registered: no guess
  EXPECT_EQ(narrow(q, response({kKyokoMonzen})).kind, NarrowingOutcome::Kind::no_match);
  q.insurer_name = "全国健康保険協会";
  EXPECT_EQ(narrow(q, response({kKyokoMonzen})).kind, NarrowingOutcome::Kind::confirmed);
}

TEST_F(Lookup, R_DISASTER_still_two_after_every_item_is_unresolved_and_shows_nothing) {
  Fields twin = kKyokoKawai;
  twin["CandidateIdentifier"] = "P-0009";
  twin["InsuredIdentificationNumber"] = "124";
  auto q = kyoko();
  q.name_kana = "たかはし きょうこ";
  q.address = "河井町";
  q.insurer_name = "輪島市";
  q.insurer = {"170046", "", "", ""};  // only part of the numbers: not enough
  auto out = narrow(q, response({kKyokoKawai, twin}));
  EXPECT_EQ(out.kind, NarrowingOutcome::Kind::no_match);
  q.insurer = {};
  out = narrow(q, response({kKyokoKawai, twin}));
  EXPECT_EQ(out.kind, NarrowingOutcome::Kind::ask_more);
  ASSERT_EQ(out.ask.size(), 1u);
  EXPECT_EQ(out.ask[0], AskItem::insurer_numbers);
  q.insurer = {"170046", "", "124", ""};
  out = narrow(q, response({kKyokoKawai, twin}));
  ASSERT_EQ(out.kind, NarrowingOutcome::Kind::confirmed);
  EXPECT_EQ(out.person->person().candidate_id, "P-0009");
}

TEST_F(Lookup, R_DISASTER_a_capped_candidate_list_asks_for_more) {
  auto q = kyoko();
  q.address = "河井町";
  auto out = narrow(q, response({kKyokoKawai}, 57));
  EXPECT_EQ(out.kind, NarrowingOutcome::Kind::ask_more);
  EXPECT_EQ(out.candidate_count, 57);
}

TEST_F(Lookup, R_DISASTER_insurer_numbers_and_birthdate_identify_alone) {
  PersonQuery q;
  q.birthdate = day("1958-03-03");
  q.insurer = {"170046", "輪", "123", "01"};  // typed without the space padding
  auto out = narrow(q, response({kKyokoKawai, kKyokoNearMiss}));
  ASSERT_EQ(out.kind, NarrowingOutcome::Kind::confirmed);
  EXPECT_EQ(out.person->person().candidate_id, "P-0001");
}

TEST_F(Lookup, R_DISASTER_sex_matches_either_sex1_or_sex2) {
  Fields p = kKyokoMonzen;
  p["Sex1"] = "1";
  p["Sex2"] = "2";
  auto q = kyoko();
  q.address = "門前町";
  EXPECT_EQ(narrow(q, response({p})).kind, NarrowingOutcome::Kind::confirmed);
  p.erase("Sex2");
  EXPECT_EQ(narrow(q, response({p})).kind, NarrowingOutcome::Kind::no_match);
}

TEST_F(Lookup, R_DISASTER_refusal_or_garbage_from_the_system_is_a_clear_error) {
  std::string refused = response({});
  refused.replace(refused.find("<SegmentOfResult>1"), 18, "<SegmentOfResult>9");
  auto r = desk.read_search_response(*permit, kyoko(), refused, now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ONSHI_E_REFUSED);
  auto g = desk.read_search_response(*permit, kyoko(), "<XmlMsg><MessageHeader>", now);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ONSHI_E_PROTOCOL);
  Fields bad = kKyokoKawai;
  bad["Birthdate"] = "19580230";
  auto b = desk.read_search_response(*permit, kyoko(), response({bad}), now);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("Candidate 1 Birthdate"), std::string::npos);
}

// One reader, one policy (libs/oqs): the search answer gets the same refusals as every other
// message — a DOCTYPE (it used to be skipped here), attributes, more than the one size limit.
TEST_F(Lookup, R_DISASTER_search_answer_is_held_to_the_one_xml_policy) {
  std::string with_dtd = response({kKyokoKawai});
  with_dtd.insert(with_dtd.find("<XmlMsg>"), "<!DOCTYPE XmlMsg [<!ENTITY x \"y\">]>");
  auto d = desk.read_search_response(*permit, kyoko(), with_dtd, now);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ONSHI_E_PROTOCOL);
  EXPECT_NE(d.error().message.find("DOCTYPE"), std::string::npos) << d.error().message;
  std::string attribute = response({kKyokoKawai});
  attribute.replace(attribute.find("<Candidate>"), 11, "<Candidate id=\"1\">");
  EXPECT_FALSE(desk.read_search_response(*permit, kyoko(), attribute, now).ok());
  std::string huge = response({kKyokoKawai});
  huge.insert(huge.find("</Name>"), std::string(9u << 20, 'a'));
  auto h = desk.read_search_response(*permit, kyoko(), huge, now);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("limit"), std::string::npos) << h.error().message;
}

TEST_F(Lookup, R_DISASTER_shift_jis_search_response_is_read) {
  auto q = kyoko();
  q.address = "河井町";
  auto out = narrow(q, fixture("search-response-sjis.xml"));
  ASSERT_EQ(out.kind, NarrowingOutcome::Kind::confirmed);
  EXPECT_EQ(out.person->person().name, "髙橋　京子");
}

TEST(DisasterConsent, R_DISASTER_consent_needs_who_and_the_exception_needs_why) {
  auto now = at("2024-01-02T00:00:00Z");
  EXPECT_FALSE(Consent::verbal("", now).ok());
  EXPECT_TRUE(Consent::verbal("dr-001", now).ok());
  EXPECT_FALSE(Consent::life_protection_exception("dr-001", now, "").ok());
  auto exception = Consent::life_protection_exception("dr-001", now, "意識障害で搬送、意思確認不能");
  ASSERT_TRUE(exception.ok());
  EXPECT_EQ(exception->kind(), ConsentKind::life_protection_exception);
}

TEST_F(Lookup, R_DISASTER_drug_request_carries_and_audits_the_consent) {
  ConfirmedPerson kyoko = confirmed_kyoko();
  auto consent = Consent::verbal("dr-001", now).value();
  DrugPeriod period{std::chrono::year{2021} / std::chrono::January, std::chrono::year{2024} / std::chrono::January};
  auto xml = desk.drug_request(*permit, kyoko, consent, period, "DST-0002", now);
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml->c_str()));
  auto body = doc.child("XmlMsg").child("MessageBody").child("DisasterDrugInfoRequest");
  EXPECT_STREQ(body.child_value("CandidateIdentifier"), "P-0001");
  EXPECT_STREQ(body.child_value("ConsentClassification"), "1");
  EXPECT_STREQ(body.child_value("StartDate"), "202101");

  auto exception = Consent::life_protection_exception("dr-001", now, "意識障害").value();
  auto xml2 = desk.drug_request(*permit, kyoko, exception, period, "DST-0003", now);
  ASSERT_TRUE(xml2.ok());
  EXPECT_NE(xml2->find("<ConsentClassification>2</ConsentClassification>"), std::string::npos);

  auto audit = read_audit(log);
  std::vector<ConsentKind> consents;
  for (const auto& r : audit)
    if (r.event == AuditEvent::consent_recorded) consents.push_back(r.consent);
  EXPECT_EQ(consents, (std::vector<ConsentKind>{ConsentKind::verbal, ConsentKind::life_protection_exception}));
  for (const auto& r : audit) EXPECT_EQ(r.operator_id, "dr-001");
}

TEST_F(Lookup, R_DISASTER_no_drug_information_after_the_declaration_closes) {
  ConfirmedPerson kyoko = confirmed_kyoko();
  auto consent = Consent::verbal("dr-001", now).value();
  auto later = at("2024-01-08T00:00:00Z");
  DrugPeriod period{std::chrono::year{2023} / 1, std::chrono::year{2024} / 1};
  EXPECT_EQ(desk.drug_request(*permit, kyoko, consent, period, "f", later).error().code, ONSHI_E_REFUSED);
  EXPECT_EQ(desk.view_drug_history(*permit, kyoko, consent, {}, later).error().code, ONSHI_E_REFUSED);
}

// The host's store, kept in memory for the test.
class MemoryStore : public LocalHistoryStore {
 public:
  std::vector<RetainedRetrieval> kept;
  Result<void> keep(const RetainedRetrieval& r) override {
    kept.push_back(r);
    return {};
  }
  Result<std::vector<RetainedRetrieval>> born_on(Date d) override {
    std::vector<RetainedRetrieval> out;
    for (const auto& r : kept)
      if (r.person.birthdate == d) out.push_back(r);
    return out;
  }
};

TEST_F(Lookup, R_DISASTER_local_copy_kept_only_with_consent_and_only_for_the_retention) {
  ConfirmedPerson kyoko_person = confirmed_kyoko();
  DrugRecord amlodipine;
  amlodipine.drug_name = "アムロジピン錠5mg「サワイ」";
  amlodipine.dispensed_on = day("2023-12-01");
  MemoryStore store;
  auto exception = Consent::life_protection_exception("dr-001", now, "意識障害").value();
  auto refused = desk.keep_for_later(*permit, kyoko_person, exception, {amlodipine}, store, now);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(store.kept.empty());

  auto consent = Consent::verbal("dr-001", now).value();
  ASSERT_TRUE(desk.keep_for_later(*permit, kyoko_person, consent, {amlodipine}, store, now).ok());
  ASSERT_TRUE(desk.keep_for_later(*permit, kyoko_person, consent, {amlodipine}, store, now).ok());  // a second visit
  ASSERT_EQ(store.kept.size(), 2u);
  EXPECT_EQ(store.kept[0].keep_until, now + kRetention);

  auto q = kyoko();
  q.address = "河井町";
  auto found = desk.search_local_history(*permit, q, consent, store, now + std::chrono::days{3});
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->outcome.kind, NarrowingOutcome::Kind::confirmed);
  ASSERT_FALSE(found->drugs.empty());
  EXPECT_EQ(found->drugs[0].source, DrugSource::local_history);

  // Extend the declaration so only the retention decides.
  ASSERT_TRUE(desk.extend(now + kRetention + std::chrono::days{10}, "その9", kDoctor, now).ok());
  auto expired = desk.search_local_history(*permit, q, consent, store, now + kRetention);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->outcome.kind, NarrowingOutcome::Kind::no_match);
  EXPECT_TRUE(expired->drugs.empty());
}

TEST(DisasterLookupJson, R_DISASTER_lookup_request_round_trips_and_names_bad_fields) {
  PersonQuery q = kyoko();
  q.address = "河井町";
  nlohmann::json j = q;
  EXPECT_EQ(j["schema"], "onshi.disaster.lookup-request/1");
  auto back = parse_lookup_request(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->name, q.name);
  EXPECT_EQ(back->birthdate, q.birthdate);
  EXPECT_EQ(back->sex, q.sex);
  j["birthdate"] = "1958-02-30";
  auto bad = parse_lookup_request(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field birthdate:"), std::string::npos) << bad.error().message;
  j["birthdate"] = "1958-03-03";
  j["sex"] = "F";
  EXPECT_NE(parse_lookup_request(j).error().message.find("field sex:"), std::string::npos);
  EXPECT_FALSE(parse_lookup_request(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace onshi::disaster::test
