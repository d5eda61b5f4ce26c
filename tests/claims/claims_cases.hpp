// The issue-17 cases, each at both sides of its boundary day, as input documents with what the
// answer must be. test_plugin.cpp runs them through the C table, test_cli.cpp through `onshi claim`,
// so both ways give the same answer (one definition of each case).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace claims_cases {

using nlohmann::json;

struct Expect {
  std::string route{};              // route.id; empty when the answer is an error
  int ratio = -1;                   // copay.ratio (割), -1: not checked
  std::vector<std::pair<std::string, std::string>> fields{};  // "HO.保険者番号" → value (records)
  std::string warning{};            // a warnings[].code that must be there
  std::string no_warning{};         // one that must not
  std::string error{};              // the error message contains this
  bool records = true;              // there are UKE records
};

struct Case {
  std::string name{};
  json input{};
  Expect expect{};
};

inline json patient(const char* birth, const char* name = "検証　花子") {
  return {{"name", name}, {"name_kana", "ｹﾝｼｮｳ ﾊﾅｺ"}, {"birth_date", birth}, {"sex", "female"},
          {"address", "石川県七尾市袖ケ江町イ部25"}, {"chart_number", "2001"}, {"phone", "0767-53-1111"}};
}

inline json input(const char* day, json patient_doc, json presented = json::object()) {
  return {{"schema", "onshi.claims.input/1"}, {"visit_date", day}, {"visit", "first_visit"},
          {"presented", std::move(presented)}, {"patient", std::move(patient_doc)},
          {"billing", {{"total_points", 288}}}};
}

inline json with(json doc, const char* key, json value) {
  doc[key] = std::move(value);
  return doc;
}

inline json qualification(const char* insurer, const char* number = "1234", json extra = json::object()) {
  json q = {{"insurer_number", insurer}, {"symbol", "12"}, {"number", number}, {"insured_person", true}};
  q.update(extra);
  return q;
}

const json kCardValid = {{"my_number_card", true}, {"card_check", "valid"}};
const json kCardFailed = {{"my_number_card", true}, {"card_check", "failed"}};
const json kCertificate = {{"eligibility_certificate", true}};
constexpr const char* kShaho = "06130017";   // 組合, 東京
constexpr const char* kKokuho = "138057";    // 国保, 東京

inline std::vector<Case> cases(const std::string& rule) {
  std::vector<Case> out;
  if (rule == "R-KUBUN-05") {
    // 区分 05 (特別療養費支給対象者; 被保険者資格証明書 before 2024-12-02): 10割, no electronic claim.
    for (const char* day : {"2024-12-01", "2024-12-02"})
      out.push_back({std::string("05 on ") + day,
                     with(input(day, patient("1980-05-15"), kCardValid), "online",
                          qualification(kKokuho, "1234", {{"classification", "05"}})),
                     {.route = "R-KUBUN-05", .ratio = 10, .warning = "special_care_paper_claim", .records = false}});
    out.push_back({"01 the same day", with(input("2024-12-02", patient("1980-05-15"), kCardValid), "online",
                                           qualification(kKokuho, "1234", {{"classification", "01"}})),
                   {.route = "R-CLAIM-OK", .ratio = 3, .fields = {{"HO.保険者番号", "  138057"}}}});
  }
  if (rule == "R-DISASTER-CLAIM") {
    json told = with(input("2026-11-10", patient("1960-01-01")), "asked",
                     {{"insurer_number", kKokuho}, {"insurer_name", "七尾市"}});
    out.push_back({"no disaster: 10割", told, {.route = "R-M8", .ratio = 10, .warning = "self_pay_no_proof", .records = false}});
    out.push_back({"declared, insurer known", with(told, "disaster", {{"reference", "令和6年能登半島地震"}}),
                   {.route = "R-DISASTER-CLAIM",
                    .ratio = 3,
                    .fields = {{"HO.保険者番号", "  138057"}, {"HO.被保険者証等の記号", ""},
                               {"HO.被保険者証等の番号", "９９９９９９９９９"}, {"CO.コメントコード", "820000246"}},
                    .no_warning = "self_pay_no_proof"}});
    out.push_back({"declared, insurer unknown",
                   with(input("2026-11-10", patient("1960-01-01")), "disaster", {{"reference", "令和6年能登半島地震"}}),
                   {.route = "R-DISASTER-CLAIM",
                    .ratio = 3,
                    .fields = {{"HO.保険者番号", "99999999"}, {"HO.被保険者証等の番号", "９９９９９９９９９"}}}});
  }
  if (rule == "R-KOUKI-75") {
    // Born 1951-04-02: 75 on 2026-04-02, from which day 後期 pays.
    json shaho = qualification(kShaho, "1234", {{"card_ratio", 2}});
    out.push_back({"the day before the 75th birthday",
                   with(input("2026-04-01", patient("1951-04-02"), kCertificate), "shown", shaho),
                   {.route = "R-CLAIM-OK", .ratio = 2, .fields = {{"RE.レセプト種別", "1118"}, {"RE.レセプト特記事項", "29"}}}});
    out.push_back({"the 75th birthday itself",
                   with(input("2026-04-02", patient("1951-04-02"), kCertificate), "shown", shaho),
                   {.error = "R-KOUKI-75"}});
    out.push_back({"後期 from the birthday",
                   with(input("2026-04-02", patient("1951-04-02"), kCertificate), "shown",
                        {{"insurer_number", "39130000"}, {"number", "12345678"}, {"card_ratio", 1}}),
                   {.route = "R-CLAIM-OK", .ratio = 1, .fields = {{"RE.レセプト種別", "1318"}, {"RE.レセプト特記事項", "42"}}}});
  }
  if (rule == "R-RATIO") {
    // Born 1952-04-02: 75 on 2027-04-02. 1割 on a 申立書 is impossible at 70–74, normal at 後期.
    json stated = {{"insurance", "kokuho"}, {"declared_ratio", 1}, {"address", "東京都千代田区1-1"}};
    for (const char* day : {"2027-04-01", "2027-04-02"}) {
      const bool kouki = std::string(day) == "2027-04-02";
      out.push_back({std::string("1割 declared on ") + day,
                     with(input(day, patient("1952-04-02"), kCardFailed), "statement", stated),
                     {.route = "R-CLAIM-C",
                      .ratio = 1,
                      .warning = kouki ? "" : "declared_ratio_impossible",
                      .no_warning = kouki ? "declared_ratio_impossible" : ""}});
    }
    // 70+ at 3割: 特記 from the online 限度額 区分 (イ → 27), 26 only without one.
    json elderly = qualification(kShaho, "1234", {{"card_ratio", 3}});
    out.push_back({"3割 without a 限度額 区分", with(input("2026-11-10", patient("1953-06-01"), kCardValid), "online", elderly),
                   {.route = "R-CLAIM-OK", .ratio = 3, .fields = {{"RE.レセプト特記事項", "26"}}}});
    elderly["limit_class"] = "B02";
    out.push_back({"3割 with 区イ (B02)", with(input("2026-11-10", patient("1953-06-01"), kCardValid), "online", elderly),
                   {.route = "R-CLAIM-OK", .ratio = 3, .fields = {{"RE.レセプト特記事項", "27"}}}});
  }
  if (rule == "R-M5") {
    json kouki_card = {{"old_insurance_card", true}, {"old_card_expiry", "2027-07-31"}};
    json q = {{"insurer_number", "39130000"}, {"number", "12345678"}, {"card_ratio", 1}};
    out.push_back({"後期 保険証 on 2025-07-31", with(input("2025-07-31", patient("1940-01-01"), kouki_card), "shown", q),
                   {.route = "R-CLAIM-OK", .ratio = 1, .no_warning = "provisional_handling"}});
    out.push_back({"後期 保険証 on 2025-08-01", with(input("2025-08-01", patient("1940-01-01"), kouki_card), "shown", q),
                   {.route = "R-CLAIM-OK", .ratio = 1, .warning = "provisional_handling"}});
    json shaho_card = {{"old_insurance_card", true}, {"old_card_expiry", "2025-03-31"}};
    out.push_back({"expired 社保 保険証 on 2025-12-01",
                   with(input("2025-12-01", patient("1980-05-15"), shaho_card), "shown", qualification(kShaho)),
                   {.route = "R-M8", .ratio = 10, .warning = "no_provisional_handling", .records = false}});
    out.push_back({"expired 社保 保険証 on 2025-12-02",
                   with(input("2025-12-02", patient("1980-05-15"), shaho_card), "shown", qualification(kShaho)),
                   {.route = "R-CLAIM-OK", .ratio = 3, .warning = "provisional_handling"}});
  }
  if (rule == "R-M9") {
    json known = with(with(input("2026-11-10", patient("1980-05-15"), kCardFailed), "visit", "revisit"), "asked",
                      qualification(kShaho));
    known["statement"] = {{"insurance", "shaho"}, {"address", "東京都千代田区1-1"}};
    out.push_back({"no outage: the numbers told", known, {.route = "R-CLAIM-A", .ratio = 3, .fields = {{"HO.保険者番号", kShaho}}}});
    json unknown = with(input("2026-11-10", patient("1980-05-15"), kCardFailed), "statement",
                        {{"insurance", "shaho"}, {"address", "東京都千代田区1-1"}});
    out.push_back({"no outage, nothing known: 不詳 7s", unknown, {.route = "R-CLAIM-C", .ratio = 3, .fields = {{"HO.保険者番号", "77777777"}}}});
    out.push_back({"outage: verify later", with(unknown, "outage", "network"),
                   {.route = "R-M9", .ratio = 3, .warning = "verify_later", .records = false}});
    json found = with(with(unknown, "outage", "network"), "recheck", "valid");
    found["online"] = qualification(kShaho, "5678");
    out.push_back({"after the check: the numbers found, not 7s", found,
                   {.route = "R-CLAIM-OK", .ratio = 3, .fields = {{"HO.保険者番号", kShaho}, {"HO.被保険者証等の番号", "５６７８"}}}});
  }
  if (rule == "R-M10") {
    json phone = {{"my_number_card", true}, {"card_form", "smartphone"}, {"card_check", "failed"}, {"mynaportal", true}};
    out.push_back({"smartphone + portal on the phone",
                   with(input("2026-11-10", patient("1980-05-15"), phone), "shown", qualification(kShaho)),
                   {.route = "R-CLAIM-OK", .ratio = 3, .fields = {{"HO.保険者番号", kShaho}}}});
    phone["mynaportal"] = false;
    phone["qualification_notice"] = true;
    out.push_back({"smartphone + お知らせ: not R-M3",
                   with(with(input("2026-11-10", patient("1980-05-15"), phone), "shown", qualification(kShaho)),
                        "statement", {{"insurance", "shaho"}, {"address", "東京都千代田区1-1"}}),
                   {.route = "R-CLAIM-C", .ratio = 3, .warning = "notice_needs_physical_card"}});
  }
  if (rule == "R-FIELDS") {
    // 公費 from the online result (PMH blocks, 医療扶助's numbers) fill the KO: nobody types them.
    json pmh = qualification(kShaho, "1234", {{"public_expenses", {{{"payer_number", "54136015"}, {"recipient_number", "1234566"}}}}});
    out.push_back({"社保 + 指定難病 from the card: HO, then KO, 2併",
                   with(input("2026-04-10", patient("1985-07-07"), kCardValid), "online", pmh),
                   {.route = "R-CLAIM-OK",
                    .ratio = 3,
                    .fields = {{"RE.レセプト種別", "1122"}, {"HO.保険者番号", kShaho}, {"KO.公費負担者番号", "54136015"},
                               {"KO.公費受給者番号", "1234566"}, {"KO.負担金額", ""}},
                    .warning = "kouhi_from_the_card"}});
    out.push_back({"no 公費 in the result: 単独, no KO",
                   with(input("2026-04-10", patient("1985-07-07"), kCardValid), "online", qualification(kShaho)),
                   {.route = "R-CLAIM-OK", .fields = {{"RE.レセプト種別", "1112"}, {"KO.公費負担者番号", "<none>"}},
                    .no_warning = "kouhi_from_the_card"}});
    json aid = {{"insurer_number", "12136016"}, {"number", "0054320"}, {"classification", "A1"}};
    out.push_back({"医療扶助 online: the 公費 numbers are the result's 保険者番号 and 番号",
                   with(input("2026-04-10", patient("1948-03-03"), kCardValid), "online", aid),
                   {.route = "R-CLAIM-OK",
                    .ratio = 0,
                    .fields = {{"RE.レセプト種別", "1212"}, {"KO.公費負担者番号", "12136016"},
                               {"KO.公費受給者番号", "0054320"}, {"HO.保険者番号", "<none>"}}}});
    pmh["public_expenses"][0]["payer_number"] = "54136016";
    out.push_back({"a 公費負担者番号 with a wrong check digit stops the claim, naming where",
                   with(input("2026-04-10", patient("1985-07-07"), kCardValid), "online", pmh),
                   {.error = "online.public_expenses[0].payer_number"}});
  }
  return out;
}

// The value of "RECORD.field" in a result document (the first record of that id), or "<none>".
inline std::string field_of(const json& result, const std::string& path) {
  const std::string id = path.substr(0, path.find('.')), name = path.substr(path.find('.') + 1);
  for (const auto& record : result["records"])
    if (record["id"] == id)
      for (const auto& f : record["fields"])
        if (f["name"] == name) return f["value"];
  return "<none>";
}

inline bool has_warning(const json& result, const std::string& code) {
  for (const auto& w : result["warnings"])
    if (w["code"] == code) return true;
  return false;
}

// Checks a result document (or an error message) against the case; gtest assertions inside.
inline void check(const Case& c, const json* result, const std::string& error_message) {
  SCOPED_TRACE(c.name);
  if (!c.expect.error.empty()) {
    EXPECT_EQ(result, nullptr);
    EXPECT_NE(error_message.find(c.expect.error), std::string::npos) << error_message;
    return;
  }
  ASSERT_NE(result, nullptr) << error_message;
  const json& r = *result;
  EXPECT_EQ(r["route"]["id"], c.expect.route) << r.dump(2);
  if (c.expect.ratio >= 0) {
    EXPECT_EQ(r["copay"]["ratio"], c.expect.ratio);
  }
  for (const auto& [path, value] : c.expect.fields) EXPECT_EQ(field_of(r, path), value) << path;
  if (!c.expect.warning.empty()) {
    EXPECT_TRUE(has_warning(r, c.expect.warning)) << c.expect.warning << r["warnings"];
  }
  if (!c.expect.no_warning.empty()) {
    EXPECT_FALSE(has_warning(r, c.expect.no_warning)) << c.expect.no_warning;
  }
  EXPECT_EQ(!r["records"].empty(), c.expect.records);
}

}  // namespace claims_cases
