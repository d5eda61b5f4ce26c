// Queries selected by a window instead of by patients (docs/eligibility-messages.md): the 居宅同意取得型
// re-queries for 訪問診療等 (OQSmuhvq) and オンライン診療等 (OQSmuonq), the 医療扶助 query by 診療年月
// (OQSmutic), and the 公費 blocks a result carries (医療券, PMH). Through the SDK's C table
// (onshi.eligibility-records/1 window_query_async, onshi.documents/1) against the real simulator,
// whose personas (samples/sim/personas.json) say who consented when and which 医療券 they hold.
#include <onshi/abi/onshi_ext_documents.h>
#include <onshi/abi/onshi_ext_eligibility.h>
#include <onshi/abi/onshi_ext_eligibility_records.h>

#include <nlohmann/json.hpp>
#include <onshi/host.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "records_support.hpp"

namespace onshi::eligibility::window {
namespace {

using namespace test;
using namespace std::chrono_literals;
using nlohmann::json;

// The four files of one window query (01req, 01res, 02req, 02res) as the terminal's folders hold them:
// the requests written as a peer writes them (docs/eligibility-messages.md §2.1, §3.1), the answers
// the simulator's, on a folder of its own. name → bytes.
std::map<std::string, std::string> window_files(const std::string& family, const std::string& filter) {
  TempDir dir;
  for (const char* sub : {"req", "res", "face"}) fs::create_directories(dir.path / sub);
  SimProcess sim({"serve", "--root", dir.path.string(), "--poll", "20", "--bulk-polls", "1"});
  std::map<std::string, std::string> files;
  auto exchange = [&](const std::string& phase, int n, const std::string& header, const std::string& body) {
    const std::string stem = family + phase + "req_20260430" + std::to_string(1000 + n);
    files[stem + ".xml"] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>"
                           "<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>" + header +
                           "</MessageHeader><MessageBody>" + body + "</MessageBody></XmlMsg>";
    write_bytes(dir.path / "req" / ("." + stem), files[stem + ".xml"]);  // whole, as the sim never reads half
    fs::rename(dir.path / "req" / ("." + stem), dir.path / "req" / (stem + ".xml"));
    std::string res_name = stem + ".xml";
    res_name.replace(res_name.find("req_"), 3, "res");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(dir.path / "res" / res_name) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return files[res_name] = read_bytes(dir.path / "res" / res_name);
  };
  const std::string receipt =
      exchange("01", 1, "<ArbitraryFileIdentifier>" + family + "</ArbitraryFileIdentifier>",
               "<QualificationConfirmSearchInfo>" + filter + "</QualificationConfirmSearchInfo>");
  const size_t at = receipt.find("<ReceptionNumber>");
  if (at == std::string::npos) return files;  // no receipt: the caller sees two files, not four
  const std::string reception = receipt.substr(at, receipt.find("</ReceptionNumber>", at) + 18 - at);
  for (int n = 2; n < 6; ++n) {  // 処理中 (SegmentOfResult 2) once: ask again, as a terminal wants
    files.erase(family + "02req_20260430" + std::to_string(1000 + n - 1) + ".xml");
    files.erase(family + "02res_20260430" + std::to_string(1000 + n - 1) + ".xml");
    if (exchange("02", n, "", reception).find("BulkConfirmUnit") != std::string::npos) break;
  }
  return files;
}

struct Window : RecordsSdk {
  void SetUp() override {
    make_folders();
    start_sim();
    open_sdk("window-test");
    ASSERT_TRUE(ONSHI_HAS_FIELD(onshi_eligibility_records_v1, rec.vtable, window_query_async));
  }
  void TearDown() override { close_sdk(); }

  // The completion's document, or the error's message with status.
  struct Answer {
    onshi_status status = ONSHI_E_INTERNAL;
    json doc;
    std::string message;
  };
  Answer query(const json& request) {
    Completion done;
    onshi_error err = empty_error();
    uint64_t op = 0;
    const std::string text = request.dump();
    Answer a;
    a.status = rec.vtable->window_query_async(rec.instance, bytes_of(text), nullptr, done.get(), &op, &err);
    if (a.status != ONSHI_OK) {
      a.message = err.message;
      return a;
    }
    EXPECT_TRUE(done.wait_for(20s));
    a.status = done.status();
    if (done.result()) a.doc = json::parse(*done.result());
    else a.message = done.result().error().message;
    return a;
  }
  // The names of the results, sorted.
  static std::vector<std::string> names(const json& doc) {
    std::vector<std::string> out;
    for (const auto& o : doc["results"]) out.push_back(o["qualifications"][0].value("name", ""));
    std::sort(out.begin(), out.end());
    return out;
  }
  static json result_named(const json& doc, const std::string& name) {
    for (const auto& o : doc["results"])
      if (o["qualifications"][0].value("name", "") == name) return o;
    return json();
  }
};

TEST_F(Window, R_FIELDS_home_visit_requery_finds_who_consented_in_the_window_with_their_kouhi) {
  const Answer a = query({{"kind", "home_visit"}, {"from", "20260401"}, {"to", "20260402"}});
  ASSERT_EQ(a.status, ONSHI_OK) << a.message;
  EXPECT_EQ(a.doc["schema"], ONSHI_SCHEMA_ELIGIBILITY_WINDOW_RESULT);
  EXPECT_EQ(a.doc["query"]["kind"], "home_visit");
  EXPECT_EQ(names(a.doc), (std::vector<std::string>{"保護　花子", "診療　太郎"}));
  const json aid = result_named(a.doc, "保護　花子");
  EXPECT_EQ(aid["kind"], "valid");
  const json& q = aid["qualifications"][0];
  EXPECT_EQ(q["medical_assistance"], true);
  ASSERT_EQ(q["public_expenses"].size(), 1u) << q.dump();
  const json& ticket = q["public_expenses"][0];
  EXPECT_EQ(ticket["source"], "medical_aid");
  EXPECT_EQ(ticket["payer_number"], "12136016");
  EXPECT_EQ(ticket["recipient_number"], "0054320");
  EXPECT_EQ(ticket["treatment_month"], "202604");
  EXPECT_EQ(ticket["self_pay_amount"], "2000");
  EXPECT_EQ(ticket["other_institution"], false);

  // A day outside every consent: nobody.
  const Answer none = query({{"kind", "home_visit"}, {"from", "20260403"}, {"to", "20260430"}});
  ASSERT_EQ(none.status, ONSHI_OK) << none.message;
  EXPECT_TRUE(none.doc["results"].empty()) << none.doc.dump();
}

TEST_F(Window, R_FIELDS_online_requery_by_consent_day_or_by_examination_day) {
  const Answer by_exam = query({{"kind", "online"}, {"from", "20260402"}, {"by", "examination"}});
  ASSERT_EQ(by_exam.status, ONSHI_OK) << by_exam.message;
  EXPECT_EQ(names(by_exam.doc), (std::vector<std::string>{"後期　花子"}));
  EXPECT_EQ(by_exam.doc["query"]["to"], "20260402") << "a window of one day";
  const Answer by_consent = query({{"kind", "online"}, {"from", "20260320"}, {"to", "20260331"}});
  ASSERT_EQ(by_consent.status, ONSHI_OK) << by_consent.message;
  EXPECT_EQ(names(by_consent.doc), (std::vector<std::string>{"後期　花子"}));
  // The 訪問 consents are not オンライン ones.
  const Answer visits = query({{"kind", "online"}, {"from", "20260401"}, {"to", "20260401"}});
  EXPECT_TRUE(visits.doc["results"].empty()) << visits.doc.dump();
}

TEST_F(Window, R_KUBUN_medical_aid_by_month_finds_every_A1_patient_with_a_ticket_for_it) {
  const Answer april = query({{"kind", "medical_aid"}, {"month", "202604"}});
  ASSERT_EQ(april.status, ONSHI_OK) << april.message;
  EXPECT_EQ(names(april.doc), (std::vector<std::string>{"保護　花子", "扶助　次郎"}));
  for (const auto& o : april.doc["results"]) {
    EXPECT_EQ(o["qualifications"][0]["insured_card_classification"], "A1");
    EXPECT_EQ(o["qualifications"][0]["public_expenses"][0]["treatment_month"], "202604");
  }
  // The results are verifications: the history has them (R-RETAIN).
  std::string text;
  onshi_writer w = append_to(text);
  onshi_error err = empty_error();
  const std::string find = json{{"name", "ホゴ ハナコ"}}.dump();
  ASSERT_EQ(rec.vtable->history_find(rec.instance, bytes_of(find), &w, &err), ONSHI_OK) << err.message;
  EXPECT_FALSE(json::parse(text)["entries"].empty()) << text;

  const Answer may = query({{"kind", "medical_aid"}, {"month", "202605"}});
  ASSERT_EQ(may.status, ONSHI_OK) << may.message;
  EXPECT_TRUE(may.doc["results"].empty()) << "no 医療券 registered for 2026-05 yet";
}

TEST_F(Window, a_window_that_cannot_be_asked_is_refused_naming_the_field_and_nothing_is_sent) {
  const std::pair<json, const char*> cases[] = {
      {{{"kind", "home_visit"}, {"from", "20260401"}, {"by", "examination"}}, "by"},
      {{{"kind", "online"}, {"from", "20260402"}, {"to", "20260401"}}, "to"},
      {{{"kind", "home_visit"}, {"from", "20260231"}}, "from"},
      {{{"kind", "medical_aid"}, {"month", "2026-04"}}, "month"},
      {{{"kind", "medical_aid"}, {"month", "202604"}, {"from", "20260401"}}, "from"},
      {{{"kind", "dental"}, {"from", "20260401"}}, "kind"},
      {{{"from", "20260401"}}, "kind"},
  };
  for (const auto& [request, field] : cases) {
    const Answer a = query(request);
    EXPECT_EQ(a.status, ONSHI_E_INVALID_ARGUMENT) << request.dump();
    EXPECT_NE(a.message.find(std::string("field ") + field + ":"), std::string::npos) << request.dump() << ": " << a.message;
  }
  EXPECT_TRUE(fs::is_empty(root.path / "req")) << "a refused window was sent";
}

TEST_F(Window, R_RES_a_kouhi_block_the_insurer_does_not_disclose_is_never_shown) {
  Completion done;
  onshi_error err = empty_error();
  uint64_t op = 0;
  const std::string request =
      json{{"kind", "insured"}, {"insurer_number", "06139992"}, {"number", "7001"}, {"birth_date", "19850707"}}.dump();
  ASSERT_EQ(elig.vtable->query_async(elig.instance, bytes_of(request), done.get(), &op, &err), ONSHI_OK) << err.message;
  ASSERT_TRUE(done.wait_for(20s));
  ASSERT_TRUE(done.result()) << done.result().error().message;
  const json outcome = json::parse(*done.result());
  EXPECT_EQ(outcome["kind"], "valid") << "a 不開示 公費 block leaves the qualification usable";
  const json& kouhi = outcome["qualifications"][0]["public_expenses"];
  ASSERT_EQ(kouhi.size(), 1u) << outcome.dump();
  EXPECT_EQ(kouhi[0]["source"], "medical_subsidy");
  EXPECT_EQ(kouhi[0]["payer_number"], "54136015");
  EXPECT_EQ(kouhi[0]["recipient_number"], "1234566");
  EXPECT_EQ(kouhi[0]["valid_until"], "20261231");
  EXPECT_EQ(outcome.dump().find("80136010"), std::string::npos) << "the 不開示 block was shown";
}

TEST_F(Window, the_window_query_is_offered_by_name_with_the_same_answer) {
  auto docs = sdk->extension<onshi_documents_v1>(ONSHI_EXT_DOCUMENTS, "onshi.eligibility");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  std::string listed;
  onshi_writer w = append_to(listed);
  onshi_error err = empty_error();
  ASSERT_EQ(docs->vtable->list(docs->instance, &w, &err), ONSHI_OK) << err.message;
  const json list = json::parse(listed);
  json window;
  for (const auto& f : list["functions"])
    if (f["name"] == "window_query") window = f;
  ASSERT_TRUE(window.is_object()) << listed;
  EXPECT_EQ(window["extension"], ONSHI_EXT_ELIGIBILITY_RECORDS);
  EXPECT_EQ(window["async"], true);
  EXPECT_EQ(window["response"], ONSHI_SCHEMA_ELIGIBILITY_WINDOW_RESULT);

  Completion done;
  uint64_t op = 0;
  const std::string request = json{{"kind", "medical_aid"}, {"month", "202604"}}.dump();
  ASSERT_EQ(docs->vtable->call_async(docs->instance, ONSHI_EXT_ELIGIBILITY_RECORDS, "window_query", bytes_of(request),
                                     nullptr, done.get(), &op, &err),
            ONSHI_OK)
      << err.message;
  ASSERT_TRUE(done.wait_for(20s));
  ASSERT_TRUE(done.result()) << done.result().error().message;
  EXPECT_EQ(names(json::parse(*done.result())), names(query(json::parse(request)).doc));
}

// parse knows the window queries' files as it knows the other families': typed by the file name (or,
// for a request, by its window), a 02res with one outcome per patient carrying its 公費.
TEST_F(Window, R_FIELDS_parse_types_the_window_query_files_and_decides_each_result) {
  for (const auto& [family, filter] :
       {std::pair{std::string("OQSmutic"), std::string("<MedicalTreatmentMonth>202604</MedicalTreatmentMonth>")},
        {"OQSmuhvq", "<ConsentDateFrom>20260401</ConsentDateFrom><ConsentDateTo>20260402</ConsentDateTo>"
                     "<MedicalTreatmentFlag>2</MedicalTreatmentFlag>"},
        {"OQSmuonq", "<ExaminationDateFrom>20260402</ExaminationDateFrom><ExaminationDateTo>20260402"
                     "</ExaminationDateTo><MedicalTreatmentFlag>3</MedicalTreatmentFlag>"}}) {
    SCOPED_TRACE(family);
    const auto files = window_files(family, filter);
    ASSERT_EQ(files.size(), 4u);
    std::set<std::string> types;
    for (const auto& [name, bytes] : files) {
      auto p = parse_file(elig, name, bytes);
      ASSERT_TRUE(p.ok()) << name << ": " << p.error().message;
      EXPECT_EQ((*p)["type"], name.substr(0, 13)) << name;
      types.insert((*p)["type"].get<std::string>());
      if (name.find("01req") != std::string::npos) {  // without its name, the window tells the family
        auto unnamed = parse_file(elig, "", bytes);
        ASSERT_TRUE(unnamed.ok()) << unnamed.error().message;
        EXPECT_EQ((*unnamed)["type"], family + "01req");
      }
      if (name.find("02res") == std::string::npos) {
        EXPECT_FALSE(p->contains("results")) << name;
        continue;
      }
      std::vector<std::string> names;
      for (const auto& o : (*p)["results"]) {
        EXPECT_EQ(o["schema"], "onshi.eligibility.outcome/1");
        names.push_back(o["qualifications"][0].value("name", ""));
      }
      std::sort(names.begin(), names.end());
      if (family == "OQSmuonq") {
        EXPECT_EQ(names, std::vector<std::string>{"後期　花子"});
        continue;
      }
      EXPECT_EQ(names, (std::vector<std::string>{"保護　花子", family == "OQSmutic" ? "扶助　次郎" : "診療　太郎"}));
      const json aid = result_named(json{{"results", (*p)["results"]}}, "保護　花子");
      EXPECT_EQ(aid["qualifications"][0]["public_expenses"][0]["recipient_number"], "0054320");
    }
    EXPECT_EQ(types.size(), 4u);
  }
}

// ---- the same from the command line ------------------------------------------------------------

struct WindowCli : RecordsCliFolders {
  std::optional<SimProcess> sim;
  void SetUp() override {
    RecordsCliFolders::SetUp();
    sim.emplace(std::vector<std::string>{"serve", "--root", root.path.string(), "--poll", "20", "--bulk-polls", "1"});
  }
};

TEST_F(WindowCli, R_KUBUN_requery_medical_aid_lists_the_months_tickets_with_their_kouhi) {
  const auto r = run({"requery", "medical-aid", "--month", "2026-04"});
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("医療扶助 202604: 2 patient(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("保護　花子"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("医療券 12136016 / 0054320  診療年月 202604  until 20260430  本人支払額 2000円"),
            std::string::npos)
      << r.out;
  const auto j = run({"requery", "medical-aid", "--month", "202605", "--json"});
  ASSERT_EQ(j.exit, 0) << j.out << j.err;
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_TRUE(doc["results"].empty());
}

TEST_F(WindowCli, R_FIELDS_requery_home_visit_and_online_by_their_windows) {
  const auto visit = run({"requery", "home-visit", "--from", "2026-04-01", "--to", "2026-04-02", "--json"});
  ASSERT_EQ(visit.exit, 0) << visit.out << visit.err;
  EXPECT_EQ(json::parse(visit.out)["results"].size(), 2u) << visit.out;
  const auto online = run({"requery", "online", "--from", "20260402", "--by", "examination"});
  ASSERT_EQ(online.exit, 0) << online.out << online.err;
  EXPECT_NE(online.out.find("オンライン診療等 20260402–20260402 (受診日): 1 patient(s)"), std::string::npos) << online.out;
  EXPECT_NE(online.out.find("後期　花子"), std::string::npos) << online.out;
}

TEST_F(WindowCli, a_window_that_cannot_be_asked_says_which_option_and_sends_nothing) {
  const auto wrong_by = run({"requery", "home-visit", "--from", "20260401", "--by", "examination"});
  EXPECT_EQ(wrong_by.exit, 2) << wrong_by.out << wrong_by.err;
  EXPECT_NE(wrong_by.err.find("unknown option --by"), std::string::npos) << wrong_by.err;
  const auto backwards = run({"requery", "online", "--from", "20260402", "--to", "20260401"});
  EXPECT_NE(backwards.exit, 0);
  EXPECT_NE((backwards.out + backwards.err).find("field to: is before \"from\""), std::string::npos)
      << backwards.out << backwards.err;
  const auto no_month = run({"requery", "medical-aid"});
  EXPECT_EQ(no_month.exit, 2);
  EXPECT_NE(no_month.err.find("--month"), std::string::npos) << no_month.err;
  EXPECT_TRUE(fs::is_empty(root.path / "req"));
}

TEST_F(WindowCli, R_FIELDS_parse_prints_a_medical_aid_answer_with_each_patient_and_their_ticket) {
  TempDir files_dir;
  const auto files = window_files("OQSmutic", "<MedicalTreatmentMonth>202604</MedicalTreatmentMonth>");
  ASSERT_EQ(files.size(), 4u);
  for (const auto& [name, bytes] : files) write_bytes(files_dir.path / name, bytes);
  int answers = 0;
  for (const auto& entry : fs::directory_iterator(files_dir.path)) {
    const std::string name = entry.path().filename().string();
    const auto j = run({"parse", entry.path().string(), "--json"});
    ASSERT_EQ(j.exit, 0) << j.out << j.err;
    EXPECT_EQ(json::parse(j.out)["type"], name.substr(0, 13));
    if (name.find("02res") == std::string::npos) continue;
    EXPECT_EQ(json::parse(j.out)["results"].size(), 2u) << j.out;
    const auto text = run({"parse", entry.path().string()});
    ASSERT_EQ(text.exit, 0) << text.out << text.err;
    EXPECT_NE(text.out.find(name + ": OQSmutic02res"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("2 result(s)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("扶助　次郎"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("医療券 12136016 / 0054320  診療年月 202604"), std::string::npos) << text.out;
    ++answers;
  }
  EXPECT_EQ(answers, 1);
}

}  // namespace
}  // namespace onshi::eligibility::window
